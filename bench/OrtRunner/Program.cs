using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

// ort-runner MODEL.onnx [MODEL.onnx ...] [--runs N]: loads each model with ONNX Runtime (CPU provider, one
// intra-op thread), feeds every input a deterministic tensor of its declared shape (symbolic dimensions = 1),
// runs N inferences (default 10) and prints the first output's shape. Exit codes: 0 ok, 1 bad arguments or a
// model ONNX Runtime could not load or run.
var models = new List<string>();
int runs = 10;
for (int i = 0; i < args.Length; i++)
{
    if (args[i] == "--runs" && i + 1 < args.Length && int.TryParse(args[i + 1], out runs) && runs > 0) { i++; continue; }
    if (args[i].StartsWith('-'))
    {
        Console.Error.WriteLine($"ort-runner: unknown option '{args[i]}'. Usage: ort-runner MODEL.onnx [MODEL.onnx ...] [--runs N]");
        return 1;
    }
    models.Add(args[i]);
}
if (models.Count == 0)
{
    Console.Error.WriteLine("ort-runner: name at least one .onnx model. Usage: ort-runner MODEL.onnx [MODEL.onnx ...] [--runs N]");
    return 1;
}

foreach (var path in models)
{
    if (!File.Exists(path))
    {
        Console.Error.WriteLine($"ort-runner: '{path}' does not exist.");
        return 1;
    }
    try
    {
        using var options = new SessionOptions { IntraOpNumThreads = 1, InterOpNumThreads = 1, ExecutionMode = ExecutionMode.ORT_SEQUENTIAL };
        using var session = new InferenceSession(path, options);
        var inputs = new List<OrtValue>();
        var names = new List<string>();
        foreach (var (name, meta) in session.InputMetadata)
        {
            if (meta.ElementDataType != TensorElementType.Float)
                throw new NotSupportedException($"input '{name}' is {meta.ElementDataType}; ort-runner feeds float tensors only");
            long[] shape = [.. meta.Dimensions.Select(d => d > 0 ? (long)d : 1L)];
            var data = new float[shape.Aggregate(1L, (a, b) => a * b)];
            for (int k = 0; k < data.Length; k++) data[k] = (k % 7) * 0.25f;
            inputs.Add(OrtValue.CreateTensorValueFromMemory(data, shape));
            names.Add(name);
        }
        var outputNames = session.OutputNames.ToArray();
        using var runOptions = new RunOptions();
        string shapeText = "";
        for (int r = 0; r < runs; r++)
        {
            using var outputs = session.Run(runOptions, names, inputs, outputNames);
            if (r == 0 && outputs[0].OnnxType == OnnxValueType.ONNX_TYPE_TENSOR)
                shapeText = "[" + string.Join(",", outputs[0].GetTensorTypeAndShape().Shape) + "]";
        }
        foreach (var v in inputs) v.Dispose();
        Console.WriteLine($"{Path.GetFileName(Path.GetDirectoryName(Path.GetFullPath(path)))}: {runs} runs, output '{outputNames[0]}' {shapeText}");
    }
    catch (Exception e) when (e is OnnxRuntimeException or NotSupportedException)
    {
        Console.Error.WriteLine($"ort-runner: {path}: {e.Message}");
        return 1;
    }
}
return 0;
