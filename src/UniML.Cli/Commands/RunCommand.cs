using System.CommandLine;
using System.Globalization;
using System.Text;
using UniML.Engine;
using UniML.Onnx;

namespace UniML.Cli.Commands;

/// <summary>`uniml run MODEL --input name=FILE.pb ...`: runs a model on TensorProto inputs and prints the outputs.</summary>
static class RunCommand
{
    public static Command Create()
    {
        var model = new Argument<string>("model") { Description = "Path to an .onnx file." };
        var inputs = new Option<string[]>("--input", "-i") { Description = "name=FILE.pb (a TensorProto); repeat per input.", AllowMultipleArgumentsPerToken = false };
        var outputDir = new Option<string?>("--output-dir") { Description = "Also write each output as a TensorProto file NAME.pb here." };
        var limit = new Option<int>("--max-elements") { Description = "Elements printed per output.", DefaultValueFactory = _ => 64 };
        var command = new Command("run", "Run a model on TensorProto input files and print its outputs.") { model, inputs, outputDir, limit };
        command.SetAction(parse =>
        {
            try
            {
                var session = InferenceSession.Load(parse.GetValue(model)!);
                var named = new Dictionary<string, Value?>();
                foreach (var spec in parse.GetValue(inputs) ?? [])
                {
                    int eq = spec.IndexOf('=');
                    if (eq <= 0) throw new ArgumentException($"--input '{spec}' must be name=FILE.pb");
                    var name = spec[..eq];
                    int index = session.InputIndex(name);
                    if (index < 0) throw new ArgumentException($"the model has no input '{name}' (inputs: {string.Join(", ", session.Inputs.Select(i => i.Name))})");
                    named[name] = OnnxValueConverter.ReadFile(spec[(eq + 1)..], session.Inputs[index].Kind);
                }
                var outputs = session.Run(named);
                var dir = parse.GetValue(outputDir);
                if (dir is not null) Directory.CreateDirectory(dir);
                foreach (var output in session.Outputs)
                {
                    var value = outputs.GetValueOrDefault(output.Name);
                    Console.WriteLine($"{output.Name}: {Format(value, parse.GetValue(limit))}");
                    if (dir is not null && value is Tensor t)
                        File.WriteAllBytes(Path.Combine(dir, output.Name + ".pb"), Google.Protobuf.MessageExtensions.ToByteArray(OnnxValueConverter.ToTensorProto(t, output.Name)));
                }
                return 0;
            }
            catch (Exception e) when (e is OnnxFormatException or ModelLoadException or InferenceInputException or InferenceException or ArgumentException or IOException)
            {
                Console.Error.WriteLine($"uniml run: {e.Message}");
                return e is ModelLoadException or OnnxFormatException ? 2 : 1;
            }
        });
        return command;
    }

    /// <summary>A value as text: type, shape and the first elements.</summary>
    public static string Format(Value? value, int limit)
    {
        switch (value)
        {
            case null:
                return "(no value)";
            case Tensor t:
            {
                var sb = new StringBuilder($"{t.TypeName} {t.ShapeString} [");
                int n = Math.Min(t.Length, limit);
                for (int i = 0; i < n; i++)
                {
                    if (i > 0) sb.Append(", ");
                    sb.Append(Element(t, i));
                }
                if (t.Length > n) sb.Append(", ...");
                return sb.Append(']').ToString();
            }
            case SequenceValue s:
                return $"{s.TypeName} of {s.Items.Count} [" + string.Join(", ", s.Items.Take(limit).Select(v => Format(v, limit))) + (s.Items.Count > limit ? ", ..." : "") + "]";
            case MapValue m:
            {
                var parts = new List<string>();
                for (int i = 0; i < Math.Min(m.Keys.Length, limit); i++) parts.Add($"{Element(m.Keys, i)}: {Element(m.Values, i)}");
                return "{" + string.Join(", ", parts) + "}";
            }
            default:
                return value.TypeName;
        }
    }

    static string Element(Tensor t, int i) => t.Type switch
    {
        ElementType.Float => t.Span<float>()[i].ToString("G7", CultureInfo.InvariantCulture),
        ElementType.Double => t.Span<double>()[i].ToString("G10", CultureInfo.InvariantCulture),
        ElementType.Int64 => t.Span<long>()[i].ToString(CultureInfo.InvariantCulture),
        ElementType.Int32 => t.Span<int>()[i].ToString(CultureInfo.InvariantCulture),
        ElementType.Int16 => t.Span<short>()[i].ToString(CultureInfo.InvariantCulture),
        ElementType.Int8 => t.Span<sbyte>()[i].ToString(CultureInfo.InvariantCulture),
        ElementType.UInt8 => t.Span<byte>()[i].ToString(CultureInfo.InvariantCulture),
        ElementType.UInt16 => t.Span<ushort>()[i].ToString(CultureInfo.InvariantCulture),
        ElementType.UInt32 => t.Span<uint>()[i].ToString(CultureInfo.InvariantCulture),
        ElementType.UInt64 => t.Span<ulong>()[i].ToString(CultureInfo.InvariantCulture),
        ElementType.Bool => t.Span<bool>()[i] ? "true" : "false",
        ElementType.String => "\"" + t.Strings()[i] + "\"",
        ElementType.Float16 => ((float)t.Span<Half>()[i]).ToString("G5", CultureInfo.InvariantCulture),
        _ => "?",
    };
}
