using UniML.Engine.Primitives;
using UniML.Onnx;

namespace UniML.Engine.Operators.Onnx;

/// <summary>
/// Base of the random generators (RandomUniform, RandomNormal, their -Like forms, Bernoulli, Multinomial).
/// The optional float attribute 'seed' keys a <see cref="Xoshiro256"/> stream that restarts at every run, so
/// a seeded node gives the same output run after run (within UniML: the draws cannot equal numpy's or
/// another runtime's); an unseeded node draws a fresh key per run. Never constant-folded.
/// </summary>
internal abstract class RandomKernel(NodeInfo node) : Kernel
{
    readonly double? _seed = node.Has("seed") ? node.GetFloat("seed", 0) : null;

    public sealed override bool IsDeterministic => false;

    /// <summary>This run's generator.</summary>
    protected Xoshiro256 Generator() => _seed is { } s ? Xoshiro256.FromSeed(s) : Xoshiro256.FromEntropy();

    protected static bool IsFloat(ElementType type) => type is ElementType.Float or ElementType.Double or ElementType.Float16 or ElementType.BFloat16;

    /// <summary>Where to draw <paramref name="output"/>'s values as doubles: the output itself when it is double, else scratch (slot 0).</summary>
    protected static Span<double> DrawBuffer(KernelContext context, Tensor output) =>
        output.Type == ElementType.Double ? output.Span<double>() : context.Scratch<double>(output.Length);

    /// <summary>Stores draws made in <see cref="DrawBuffer"/> into <paramref name="output"/>'s element type.</summary>
    protected static void Store(ReadOnlySpan<double> draws, Tensor output)
    {
        if (output.Type != ElementType.Double) Conversion.From(draws, output);
    }

    /// <summary>A float-type input's elements as doubles: its own when it is double, else converted into scratch slot 1.</summary>
    protected static ReadOnlySpan<double> InputAsDoubles(KernelContext context, Tensor input)
    {
        if (input.Type == ElementType.Double) return input.Span<double>();
        var converted = context.Scratch<double>(input.Length, slot: 1);
        Conversion.ToDouble(input, converted);
        return converted;
    }
}

/// <summary>
/// RandomUniform and RandomNormal (shape from the required 'shape' attribute, dtype from 'dtype', float by
/// default) and their -Like forms (shaped like the input, of 'dtype' or the input's type): a float tensor of
/// independent draws, made in double and stored in the output type.
/// </summary>
internal abstract class RandomFill : RandomKernel
{
    readonly int[]? _shape;
    readonly ElementType? _type;

    /// <param name="like">The -Like form: shape (and, without 'dtype', type) from input 0.</param>
    protected RandomFill(NodeInfo node, bool like) : base(node)
    {
        _type = FloatDType(node, like ? null : ElementType.Float);
        if (!like) _shape = ShapeAttribute(node);
        else if (_type is null && node.InputTypes[0] is { } inputType && !IsFloat(inputType))
            throw node.Invalid($"the input is {ElementTypeInfo.OnnxName(inputType)}: without a 'dtype' attribute the output takes the input's type, which must be float16, float, double or bfloat16");
    }

    /// <summary>The output type when it is fixed at load (not a -Like form without 'dtype').</summary>
    protected ElementType? FixedType => _type;

    public sealed override void Run(KernelContext context)
    {
        Tensor output;
        if (_shape is not null) output = context.Output(0, _type!.Value, _shape);
        else
        {
            var like = context.Input(0);
            var type = _type ?? like.Type;
            if (!IsFloat(type))
                throw new InferenceException($"the input is {like.TypeName}; without 'dtype' the output takes its type, which must be float16, float, double or bfloat16");
            output = context.Output(0, type, like);
        }
        var draws = DrawBuffer(context, output);
        var rng = Generator();
        Draw(ref rng, draws, output.Type);
        Store(draws, output);
    }

    /// <summary>Fills <paramref name="draws"/> for an output of <paramref name="type"/>.</summary>
    protected abstract void Draw(ref Xoshiro256 rng, Span<double> draws, ElementType type);

    static ElementType? FloatDType(NodeInfo node, ElementType? fallback)
    {
        if (!node.Has("dtype")) return fallback;
        var type = (ElementType)node.GetInt("dtype");
        if (!IsFloat(type))
            throw node.Invalid($"dtype {ElementTypeInfo.OnnxName(type)} is not allowed: the output must be float16, float, double or bfloat16");
        return type;
    }

    static int[] ShapeAttribute(NodeInfo node)
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
}
