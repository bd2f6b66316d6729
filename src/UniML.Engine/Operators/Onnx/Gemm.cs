using UniML.Engine.Primitives;
using UniML.Onnx;

namespace UniML.Engine.Operators.Onnx;

/// <summary>
/// Gemm: Y = alpha·op(A)·op(B) + beta·C, with C optional (opset 11+) and broadcast to M×N. A constant B
/// (the weights of a Linear layer) is packed once at load with its transpose applied.
/// </summary>
internal sealed class GemmOperator : Kernel
{
    readonly bool _transA, _transB;
    readonly float _alpha, _beta;
    readonly PackedMatrix? _packedB;
    bool _relu;

    /// <summary>This Gemm followed by a Relu applied in the GEMM's epilogue (<see cref="Internals.Fusion"/>); float only.</summary>
    internal GemmOperator WithRelu() => new(_transA, _transB, _alpha, _beta, _packedB) { _relu = true };

    internal PackedMatrix? PackedB => _packedB;

    GemmOperator(bool transA, bool transB, float alpha, float beta, PackedMatrix? packedB)
    {
        _transA = transA;
        _transB = transB;
        _alpha = alpha;
        _beta = beta;
        _packedB = packedB;
    }

    public static Kernel Create(NodeInfo node)
    {
        bool transA = node.GetInt("transA", 0) != 0, transB = node.GetInt("transB", 0) != 0;
        float alpha = node.GetFloat("alpha", 1f), beta = node.GetFloat("beta", 1f);
        if (node.InputTypes[0] is { } t && t is not (ElementType.Float or ElementType.Double))
            throw node.Unsupported($"Gemm of {ElementTypeInfo.OnnxName(t)} is not implemented");
        PackedMatrix? packed = null;
        if (node.ConstantInput(1) is { Type: ElementType.Float, Rank: 2 } b)
        {
            int k = transB ? b.Shape[1] : b.Shape[0], n = transB ? b.Shape[0] : b.Shape[1];
            packed = Gemm.PackB(b.Span<float>(), b.Shape[1], transB, k, n);
        }
        return new GemmOperator(transA, transB, alpha, beta, packed);
    }

    public override void Run(KernelContext context)
    {
        var a = context.Input(0);
        var b = context.Input(1);
        var c = context.OptionalInput(2);
        if (a.Rank != 2 || b.Rank != 2)
            throw new InferenceException($"Gemm needs 2-D A and B, got {a.ShapeString} and {b.ShapeString}");
        if (a.Type != b.Type)
            throw new InferenceException($"Gemm inputs differ in type: {a.TypeName} and {b.TypeName}");
        int m = _transA ? a.Shape[1] : a.Shape[0];
        int k = _transA ? a.Shape[0] : a.Shape[1];
        int kb = _transB ? b.Shape[1] : b.Shape[0];
        int n = _transB ? b.Shape[0] : b.Shape[1];
        if (k != kb)
            throw new InferenceException($"Gemm inner dimensions differ: A {a.ShapeString} (transA={_transA}), B {b.ShapeString} (transB={_transB})");
        Span<int> shape = [m, n];
        var y = context.Output(0, a.Type, shape);
        bool hasC = c is not null && c.Length > 0 && _beta != 0;
        if (c is not null && c.Length == 0 && m * n != 0)
            throw new InferenceException($"Gemm C of shape {c.ShapeString} cannot broadcast to [{m},{n}]");

        if (a.Type == ElementType.Float)
        {
            var yv = y.Span<float>();
            if (hasC) FillBias(c!.Span<float>(), c.Shape, m, n, yv);
            var bOperand = _packedB is not null && _packedB.K == k && _packedB.Outer == n ? new GemmOperand(_packedB) : new GemmOperand(b.Span<float>(), b.Shape[1], _transB);
            var ws = context.Scratch<float>(Gemm.WorkspaceSize(m, n, k, false, bOperand.Packed is not null));
            Gemm.Multiply(m, n, k, _alpha, new GemmOperand(a.Span<float>(), a.Shape[1], _transA), bOperand, hasC ? _beta : 0f, yv, n, ws,
                new GemmEpilogue(default, default, _relu));
        }
        else if (a.Type == ElementType.Double)
        {
            if (_relu) throw new InferenceException("Gemm with a fused Relu supports float only");
            var yv = y.Span<double>();
            if (hasC) FillBias(c!.Span<double>(), c.Shape, m, n, yv);
            var ws = context.Scratch<double>(_transB ? k * n : 0);
            Gemm.MultiplyDouble(m, n, k, _alpha, a.Span<double>(), a.Shape[1], _transA, b.Span<double>(), b.Shape[1], _transB, hasC ? _beta : 0, yv, n, ws);
        }
        else throw new InferenceException($"Gemm does not support {a.TypeName}");
    }

    /// <summary>Y = C broadcast (unidirectionally) to m×n.</summary>
    static void FillBias<T>(ReadOnlySpan<T> c, ReadOnlySpan<int> shape, int m, int n, Span<T> y)
    {
        if (shape.Length > 2)
            throw new InferenceException($"Gemm C of shape {Tensor.ShapeText(shape)} cannot broadcast to [{m},{n}]");
        int cRows = shape.Length == 2 ? shape[0] : 1;
        int cCols = shape.Length >= 1 ? shape[^1] : 1;
        if ((cRows != 1 && cRows != m) || (cCols != 1 && cCols != n))
            throw new InferenceException($"Gemm C of shape {Tensor.ShapeText(shape)} cannot broadcast to [{m},{n}]");
        for (int i = 0; i < m; i++)
        {
            var row = y.Slice(i * n, n);
            int r = cRows == 1 ? 0 : i;
            if (cCols == n) c.Slice(r * n, n).CopyTo(row);
            else row.Fill(c[r]);
        }
    }
}
