using UniML.Onnx;

namespace UniML.Engine.Internals.ShapeInference.Rules;

/// <summary>
/// Random generators: RandomUniform and RandomNormal take their shape and dtype (float by default) from
/// attributes; the -Like forms and Bernoulli are shaped like their input and take 'dtype' or the input's
/// type; Multinomial gives [batch, sample_size] of int32 (the default dtype) or int64.
/// </summary>
internal static class RandomShapes
{
    public static IEnumerable<(string Op, ShapeRule Rule)> Rules()
    {
        yield return ("RandomUniform", FromAttributes);
        yield return ("RandomNormal", FromAttributes);
        yield return ("RandomUniformLike", ShapedLikeInput);
        yield return ("RandomNormalLike", ShapedLikeInput);
        yield return ("Bernoulli", ShapedLikeInput);
        yield return ("Multinomial", Multinomial);
    }

    static void FromAttributes(ShapeContext node)
    {
        var shape = node.Ints("shape");
        node.SetTensor(0, (ElementType)node.Int("dtype", (long)ElementType.Float), shape is null ? null : Array.ConvertAll(shape, d => node.DimOf(d)));
    }

    static void ShapedLikeInput(ShapeContext node)
    {
        var x = node.Input(0);
        node.SetTensor(0, node.Has("dtype") ? (ElementType)node.Int("dtype", 0) : x.Element, x.Dims);
    }

    static void Multinomial(ShapeContext node)
    {
        var x = node.Input(0);
        var batch = x.Dims is [var b, _] ? b : node.Fresh();
        node.SetTensor(0, (ElementType)node.Int("dtype", (long)ElementType.Int32), [batch, node.DimOf(node.Int("sample_size", 1))]);
    }
}
