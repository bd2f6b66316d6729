using System.Numerics;
using UniML.Onnx;

namespace UniML.Engine.Operators.OnnxMl;

/// <summary>Attribute forms shared by the ai.onnx.ml operators (float lists with a tensor alternative since ml opset 3).</summary>
internal static class MlAttributes
{
    /// <summary>
    /// A real-valued list given either as <paramref name="name"/> (floats) or <paramref name="name"/>_as_tensor
    /// (a float or double tensor, ml opset 3). <paramref name="isDouble"/> tells whether values carry double precision.
    /// </summary>
    public static double[]? Reals(NodeInfo node, string name, out bool isDouble)
    {
        isDouble = false;
        var tensor = node.GetTensor(name + "_as_tensor");
        if (tensor is not null)
        {
            if (node.Has(name))
                throw node.Invalid($"both '{name}' and '{name}_as_tensor' are set");
            switch (tensor.Type)
            {
                case ElementType.Float:
                {
                    var f = tensor.Span<float>();
                    var d = new double[f.Length];
                    for (int i = 0; i < d.Length; i++) d[i] = f[i];
                    return d;
                }
                case ElementType.Double:
                    isDouble = true;
                    return tensor.ToArray<double>();
                default:
                    throw node.Unsupported($"attribute '{name}_as_tensor' of type {tensor.TypeName} is not supported (float or double)");
            }
        }
        var floats = node.GetFloats(name);
        if (floats is null) return null;
        var result = new double[floats.Length];
        for (int i = 0; i < result.Length; i++) result[i] = floats[i];
        return result;
    }

    public static double[]? Reals(NodeInfo node, string name) => Reals(node, name, out _);

    public static Primitives.PostTransform PostTransform(NodeInfo node)
    {
        var name = node.GetString("post_transform", "NONE");
        return Primitives.PostTransforms.Parse(name) ?? throw node.Unsupported($"post_transform '{name}' is not supported");
    }

    /// <summary>Refuses attributes the kernel does not know, so an unexpected attribute is never silently ignored.</summary>
    public static void RejectUnknown(NodeInfo node, params string[] known)
    {
        foreach (var name in node.AttributeNames)
            if (Array.IndexOf(known, name) < 0)
                throw node.Unsupported($"attribute '{name}' is not supported");
    }

    public static int[] ToInts(NodeInfo node, long[] values, string name)
    {
        var result = new int[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            if (values[i] < int.MinValue || values[i] > int.MaxValue)
                throw node.Invalid($"attribute '{name}' value {values[i]} is out of range");
            result[i] = (int)values[i];
        }
        return result;
    }
}

/// <summary>Reads the [N, F] feature matrix the ml operators take (float, double, int64 or int32), as float rows.</summary>
internal static class MlInput
{
    /// <summary>Rows and columns of a feature input: [N, F]; a 1-D input is one row; higher ranks fold into rows × last dimension.</summary>
    public static void Matrix(Tensor x, out int rows, out int columns)
    {
        var shape = x.Shape;
        if (shape.Length == 0) { rows = 1; columns = 1; return; }
        if (shape.Length == 1) { rows = 1; columns = shape[0]; return; }
        columns = shape[^1];
        rows = columns == 0 ? 0 : x.Length / columns;
        if (columns == 0) { rows = 1; for (int i = 0; i < shape.Length - 1; i++) rows *= shape[i]; }
    }

    /// <summary>The elements as float: the tensor itself when it is float, else converted into scratch <paramref name="slot"/>.</summary>
    public static ReadOnlySpan<float> Floats(KernelContext context, Tensor x, int slot = 7) => x.Type switch
    {
        ElementType.Float => x.Span<float>(),
        ElementType.Double => ToFloats<double>(x, context.Scratch<float>(x.Length, slot)),
        ElementType.Int64 => ToFloats<long>(x, context.Scratch<float>(x.Length, slot)),
        ElementType.Int32 => ToFloats<int>(x, context.Scratch<float>(x.Length, slot)),
        _ => throw new InferenceException($"input of type {x.TypeName} is not supported (float, double, int64 or int32)"),
    };

    static Span<float> ToFloats<T>(Tensor x, Span<float> dst) where T : unmanaged, INumber<T>
    {
        var src = x.Span<T>();
        for (int i = 0; i < src.Length; i++) dst[i] = float.CreateTruncating(src[i]);
        return dst;
    }

    /// <summary>Load-time check of the declared input type, when known.</summary>
    public static void CheckNumeric(NodeInfo node, int index = 0)
    {
        if (index < node.InputTypes.Length && node.InputTypes[index] is { } t
            && t is not (ElementType.Float or ElementType.Double or ElementType.Int64 or ElementType.Int32))
            throw node.Unsupported($"input type {ElementTypeInfo.OnnxName(t)} is not supported (float, double, int64 or int32)");
    }
}
