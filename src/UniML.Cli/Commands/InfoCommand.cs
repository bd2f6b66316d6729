using System.CommandLine;
using UniML.Engine;
using UniML.Onnx;

namespace UniML.Cli.Commands;

/// <summary>`uniml info MODEL`: inputs, outputs, opsets, operator histogram, unsupported operators.</summary>
static class InfoCommand
{
    public static Command Create()
    {
        var model = new Argument<string>("model") { Description = "Path to an .onnx file." };
        var command = new Command("info", "Describe an ONNX model and say whether UniML can run it.") { model };
        command.SetAction(parse =>
        {
            var path = parse.GetValue(model)!;
            try
            {
                var report = ModelReport.Create(path);
                Console.Write(report.ToText());
                return report.Unsupported.Count > 0 || report.LoadError is not null ? 1 : 0;
            }
            catch (OnnxFormatException e)
            {
                Console.Error.WriteLine($"uniml info: {e.Message}");
                return 2;
            }
        });
        return command;
    }
}
