using System.CommandLine;
using UniML.Engine;
using UniML.Onnx;

namespace UniML.Cli.Commands;

/// <summary>`uniml info MODEL [--shapes]`: inputs, outputs, opsets, operator histogram, unsupported operators; with --shapes every value's inferred type and shape.</summary>
static class InfoCommand
{
    public static Command Create()
    {
        var model = new Argument<string>("model") { Description = "Path to an .onnx file." };
        var shapes = new Option<bool>("--shapes") { Description = "Also print every value's type and shape as inferred at load time." };
        var command = new Command("info", "Describe an ONNX model and say whether UniML can run it.") { model, shapes };
        command.SetAction(parse =>
        {
            var path = parse.GetValue(model)!;
            try
            {
                var report = ModelReport.Create(path);
                Console.Write(report.ToText());
                if (parse.GetValue(shapes))
                    Console.Write(report.ShapesText());
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
