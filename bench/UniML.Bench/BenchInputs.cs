using UniML.Engine;

namespace UniML.Bench;

/// <summary>A model's benchmark rows: the first input of test_data_set_0, its rows cycled to the batch size.</summary>
sealed class BenchInputs
{
    public required string InputName { get; init; }
    public required float[] Data { get; init; }
    public required int[] Shape { get; init; }

    public static BenchInputs Load(string modelDir, string inputName, int batch)
    {
        var source = OnnxValueConverter.ReadTensorFile(Path.Combine(modelDir, "test_data_set_0", "input_0.pb"));
        if (source.Type != UniML.Onnx.ElementType.Float)
            throw new NotSupportedException($"{modelDir}: bench inputs must be float, got {source.TypeName}");
        var rows = source.Shape[0];
        int rowSize = source.Length / rows;
        var data = new float[batch * rowSize];
        var src = source.Span<float>();
        for (int r = 0; r < batch; r++)
            src.Slice(r % rows * rowSize, rowSize).CopyTo(data.AsSpan(r * rowSize));
        var shape = source.Shape.ToArray();
        shape[0] = batch;
        return new BenchInputs { InputName = inputName, Data = data, Shape = shape };
    }
}
