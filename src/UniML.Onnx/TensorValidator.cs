using UniML.Onnx.Protos;

namespace UniML.Onnx;

/// <summary>Checks a TensorProto's declared type and size before any buffer is sized from it.</summary>
public static class TensorValidator
{
    /// <summary>Largest element count UniML accepts in one tensor (what a .NET array can index).</summary>
    public const long MaxElements = int.MaxValue;

    public static void ValidateHeader(TensorProto tensor, string where)
    {
        if (!Enum.IsDefined((ElementType)tensor.DataType) || tensor.DataType == 0)
            throw new OnnxFormatException($"{where}: unknown tensor data_type {tensor.DataType}");
        ElementCount(tensor, where);
    }

    /// <summary>Product of the dims, rejecting negative dims and products past <see cref="MaxElements"/>.</summary>
    public static long ElementCount(TensorProto tensor, string where)
    {
        long count = 1;
        foreach (var d in tensor.Dims)
        {
            if (d < 0)
                throw new OnnxFormatException($"{where}: negative dimension {d} in dims [{string.Join(",", tensor.Dims)}]");
            if (d != 0 && count > MaxElements / d)
                throw new OnnxFormatException($"{where}: dims [{string.Join(",", tensor.Dims)}] declare more than {MaxElements} elements");
            count *= d;
        }
        return count;
    }
}
