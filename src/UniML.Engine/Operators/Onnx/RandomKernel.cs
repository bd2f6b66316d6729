using UniML.Engine.Primitives;
using UniML.Onnx;

namespace UniML.Engine.Operators.Onnx;

/// <summary>
/// Base of the random generators (RandomUniform, RandomNormal, their -Like forms, Bernoulli, Multinomial).
/// The optional float attribute 'seed' keys a <see cref="Xoshiro256"/> stream that restarts at every run, so
/// a seeded node gives the same output run after run (within UniML: the draws cannot equal numpy's or
/// another runtime's); an unseeded node draws a fresh key per run. Never constant-folded.
/// </summary>
internal abstract class RandomKernel(double? seed) : Kernel
{
    public sealed override bool IsDeterministic => false;

    /// <summary>This run's generator.</summary>
    protected Xoshiro256 Generator() => seed is { } s ? Xoshiro256.FromSeed(s) : Xoshiro256.FromEntropy();

    protected static double? Seed(NodeInfo node) => node.Has("seed") ? node.GetFloat("seed", 0) : null;

    /// <summary>The 'dtype' attribute as a floating-point element type (null when absent and <paramref name="fallback"/> is null).</summary>
    protected static ElementType? FloatDType(NodeInfo node, ElementType? fallback)
    {
        if (!node.Has("dtype")) return fallback;
        var type = (ElementType)node.GetInt("dtype");
        if (!IsFloat(type))
            throw node.Invalid($"dtype {ElementTypeInfo.OnnxName(type)} is not allowed: the output must be float16, float, double or bfloat16");
        return type;
    }

    /// <summary>The required 'shape' attribute of RandomUniform and RandomNormal.</summary>
    protected static int[] ShapeAttribute(NodeInfo node)
    {
        var dims = node.GetInts("shape") ?? throw node.Invalid("required attribute 'shape' is missing");
        var shape = new int[dims.Length];
        for (int i = 0; i < dims.Length; i++)
        {
            if (dims[i] is < 0 or > int.MaxValue) throw node.Invalid($"shape [{string.Join(",", dims)}]: dim {i} is {dims[i]}, expected 0 to {int.MaxValue}");
            shape[i] = (int)dims[i];
        }
        try { Tensor.CheckedCount(shape); }
        catch (ArgumentException e) { throw node.Invalid(e.Message); }
        return shape;
    }

    /// <summary>
    /// Binds output 0: of <paramref name="shape"/> and <paramref name="type"/> when the node has a 'shape'
    /// attribute, else shaped like input 0 and of <paramref name="type"/> or, without 'dtype', the input's type.
    /// </summary>
    protected static Tensor BindFloatOutput(KernelContext context, int[]? shape, ElementType? type, string opType)
    {
        if (shape is not null) return context.Output(0, type!.Value, shape);
        var like = context.Input(0);
        var outputType = type ?? like.Type;
        if (!IsFloat(outputType))
            throw new InferenceException($"{opType}: the input is {like.TypeName}; without 'dtype' the output takes its type, which must be float16, float, double or bfloat16");
        return context.Output(0, outputType, like);
    }

    /// <summary>At load, for the -Like forms: refuses an input type the output cannot take when 'dtype' is absent.</summary>
    protected static void CheckLikeType(NodeInfo node, ElementType? type)
    {
        if (type is null && node.InputTypes[0] is { } inputType && !IsFloat(inputType))
            throw node.Invalid($"the input is {ElementTypeInfo.OnnxName(inputType)}: without a 'dtype' attribute the output takes the input's type, which must be float16, float, double or bfloat16");
    }

    protected static bool IsFloat(ElementType type) => type is ElementType.Float or ElementType.Double or ElementType.Float16 or ElementType.BFloat16;

    /// <summary>Where to draw <paramref name="output"/>'s values as doubles: the output itself when it is double, else scratch.</summary>
    protected static Span<double> DrawBuffer(KernelContext context, Tensor output) =>
        output.Type == ElementType.Double ? output.Span<double>() : context.Scratch<double>(output.Length);

    /// <summary>Stores draws made in <see cref="DrawBuffer"/> into <paramref name="output"/>'s element type.</summary>
    protected static void Store(ReadOnlySpan<double> draws, Tensor output)
    {
        if (output.Type != ElementType.Double) Conversion.From(draws, output);
    }
}
