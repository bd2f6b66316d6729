using System.Numerics;
using System.Runtime.CompilerServices;
using UniML.Engine.Primitives;
using UniML.Onnx;

namespace UniML.Engine.Operators.Onnx;

/// <summary>
/// MatMul (numpy matmul): N-D batched with broadcasting of the batch dimensions; a 1-D A gets a leading 1
/// and a 1-D B a trailing 1, both removed from the result. Float runs on the packed SGEMM; a constant B
/// is packed once at load, and when B has no batch dimensions A's batch is folded into its rows so the
/// whole product is one GEMM.
/// </summary>
internal sealed class MatMul : Kernel
{
    readonly PackedMatrix? _packedB;
    readonly float[]? _bias;
    readonly bool _relu;

    MatMul(PackedMatrix? packedB, float[]? bias = null, bool relu = false)
    {
        _packedB = packedB;
        _bias = bias;
        _relu = relu;
    }

    /// <summary>The constant float B this kernel packed at load (null if B is not a constant float matrix).</summary>
    internal PackedMatrix? PackedB => _packedB;

    /// <summary>
    /// This MatMul followed by an Add of a constant [n] bias (broadcast over rows) and optionally a Relu, applied
    /// in the GEMM's epilogue (<see cref="Internals.Fusion"/>). Only for a constant float B.
    /// </summary>
    internal MatMul WithEpilogue(float[]? bias, bool relu)
    {
        if (_packedB is null) throw new InvalidOperationException("MatMul epilogue fusion needs a constant float B");
        return new MatMul(_packedB, bias ?? _bias, relu || _relu);
    }

    internal bool HasEpilogue => _bias is not null || _relu;

    public static Kernel Create(NodeInfo node)
    {
        if (node.InputTypes[0] is { } t && t is not (ElementType.Float or ElementType.Double or ElementType.Int32 or ElementType.Int64
            or ElementType.UInt32 or ElementType.UInt64))
            throw node.Unsupported($"MatMul of {ElementTypeInfo.OnnxName(t)} is not implemented");
        PackedMatrix? packed = null;
        if (node.ConstantInput(1) is { Type: ElementType.Float } b && b.Rank >= 2 && IsOnlyMatrix(b.Shape))
        {
            int k = b.Shape[^2], n = b.Shape[^1];
            packed = Gemm.PackB(b.Span<float>(), n, false, k, n);
        }
        return new MatMul(packed);
    }

    static bool IsOnlyMatrix(ReadOnlySpan<int> shape)
    {
        for (int i = 0; i < shape.Length - 2; i++) if (shape[i] != 1) return false;
        return true;
    }

    public override void Run(KernelContext context)
    {
        var a = context.Input(0);
        var b = context.Input(1);
        if (a.Type != b.Type)
            throw new InferenceException($"MatMul inputs differ in type: {a.TypeName} and {b.TypeName}");
        Span<int> buffer = stackalloc int[MatMulShape.BufferLength];
        var shape = new MatMulShape(a, b, buffer);
        var y = context.Output(0, a.Type, shape.Output);

        switch (a.Type)
        {
            case ElementType.Float: RunFloat(context, a, b, y, shape); break;
            case ElementType.Double: RunBatched<double>(context, a, b, y, shape); break;
            case ElementType.Int32: RunBatched<int>(context, a, b, y, shape); break;
            case ElementType.Int64: RunBatched<long>(context, a, b, y, shape); break;
            case ElementType.UInt32: RunBatched<uint>(context, a, b, y, shape); break;
            case ElementType.UInt64: RunBatched<ulong>(context, a, b, y, shape); break;
            default: throw new InferenceException($"MatMul does not support {a.TypeName}");
        }
    }

    // One caller, the hot path: inlined into Run, as the JIT did before MatMulShape made Run (and so its inlining budget) smaller.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    void RunFloat(KernelContext context, Tensor a, Tensor b, Tensor y, in MatMulShape shape)
    {
        int m = shape.M, n = shape.N, k = shape.K;
        var av = a.Span<float>();
        var bv = b.Span<float>();
        var yv = y.Span<float>();
        bool bIsMatrix = IsOnlyMatrix(b.Shape);
        if (bIsMatrix)
        {
            // B is one matrix: every batch of A shares it, so A's rows stack into one (batch·m)×k product.
            int rows = a.Length / Math.Max(k, 1);
            if (k == 0) rows = y.Length / Math.Max(n, 1);
            var bOperand = _packedB is not null && _packedB.K == k && _packedB.Outer == n ? new GemmOperand(_packedB) : new GemmOperand(bv, n, false);
            var ws = context.Scratch<float>(Gemm.WorkspaceSize(rows, n, k, false, bOperand.Packed is not null));
            Gemm.Multiply(rows, n, k, 1f, new GemmOperand(av, k, false), bOperand, 0f, yv, n, ws,
                new GemmEpilogue(_bias is not null && _bias.Length == n ? _bias : default, default, _relu));
            if (_bias is not null && _bias.Length != n)
                throw new InferenceException($"MatMul's fused bias has {_bias.Length} values for {n} columns");
            return;
        }
        if (HasEpilogue) throw new InferenceException("MatMul with a fused epilogue needs a 2-D B");
        var work = context.Scratch<float>(Gemm.WorkspaceSize(m, n, k, false, false));
        shape.ForEachBatch((a, b, y, m, n, k, work.Length), static (in (Tensor a, Tensor b, Tensor y, int m, int n, int k, int ws) s, int offA, int offB, int t, KernelContext ctx) =>
        {
            var workspace = ctx.Scratch<float>(s.ws);
            Gemm.Multiply(s.m, s.n, s.k, 1f, new GemmOperand(s.a.Span<float>().Slice(offA, s.m * s.k), s.k, false),
                new GemmOperand(s.b.Span<float>().Slice(offB, s.k * s.n), s.n, false), 0f, s.y.Span<float>().Slice(t * s.m * s.n, s.m * s.n), s.n, workspace);
        }, context);
    }

    static void RunBatched<T>(KernelContext context, Tensor a, Tensor b, Tensor y, in MatMulShape shape) where T : unmanaged, INumber<T>
    {
        shape.ForEachBatch((a, b, y, shape.M, shape.N, shape.K), static (in (Tensor a, Tensor b, Tensor y, int m, int n, int k) s, int offA, int offB, int t, KernelContext ctx) =>
        {
            var av = s.a.Span<T>().Slice(offA, s.m * s.k);
            var bv = s.b.Span<T>().Slice(offB, s.k * s.n);
            var yv = s.y.Span<T>().Slice(t * s.m * s.n, s.m * s.n);
            if (typeof(T) == typeof(double))
            {
                var ws = ctx.Scratch<double>(0);
                Gemm.MultiplyDouble(s.m, s.n, s.k, 1, System.Runtime.InteropServices.MemoryMarshal.Cast<T, double>(av), s.k, false,
                    System.Runtime.InteropServices.MemoryMarshal.Cast<T, double>(bv), s.n, false, 0, System.Runtime.InteropServices.MemoryMarshal.Cast<T, double>(yv), s.n, ws);
                return;
            }
            MultiplyNaive(s.m, s.n, s.k, av, bv, yv);
        }, context);
    }

    /// <summary>Row-by-row product for integer types (rare in models; exact, wrapping like numpy).</summary>
    internal static void MultiplyNaive<T>(int m, int n, int k, ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> y) where T : INumber<T>
    {
        for (int i = 0; i < m; i++)
        {
            var row = y.Slice(i * n, n);
            row.Clear();
            for (int p = 0; p < k; p++)
            {
                T av = a[i * k + p];
                var brow = b.Slice(p * n, n);
                for (int j = 0; j < n; j++) row[j] += av * brow[j];
            }
        }
    }
}

/// <summary>
/// The shapes of numpy matmul (MatMul, MatMulInteger, QLinearMatMul): A is [..., M, K] and B [..., K, N]; a 1-D A
/// gets a leading 1 and a 1-D B a trailing 1, both removed from the output; the batch dimensions broadcast.
/// </summary>
internal readonly ref struct MatMulShape
{
    /// <summary>The ints of the buffer the constructor keeps the broadcast batch and output shapes in.</summary>
    public const int BufferLength = 2 * Broadcast.MaxRank + 2;

    public readonly int M, N, K;

    /// <summary>A's and B's batch dimensions (all but the last two), and their broadcast.</summary>
    public readonly ReadOnlySpan<int> BatchA, BatchB, Batch;

    public readonly ReadOnlySpan<int> Output;

    public MatMulShape(Tensor a, Tensor b, Span<int> buffer)
    {
        if (a.Rank == 0 || b.Rank == 0)
            throw new InferenceException("inputs must have rank 1 or more");
        M = a.Rank == 1 ? 1 : a.Shape[^2];
        K = a.Shape[^1];
        int kb = b.Rank == 1 ? b.Shape[0] : b.Shape[^2];
        N = b.Rank == 1 ? 1 : b.Shape[^1];
        if (K != kb)
            throw new InferenceException($"inner dimensions differ: A {a.ShapeString}, B {b.ShapeString}");

        BatchA = a.Rank > 2 ? a.Shape[..^2] : default;
        BatchB = b.Rank > 2 ? b.Shape[..^2] : default;
        var batch = buffer[..Broadcast.MaxRank];
        int batchRank = Broadcast.Shape(BatchA, BatchB, batch);
        Batch = batch[..batchRank];

        var output = buffer.Slice(Broadcast.MaxRank, batchRank + 2);
        Batch.CopyTo(output);
        int r = batchRank;
        if (a.Rank > 1) output[r++] = M;
        if (b.Rank > 1) output[r++] = N;
        Output = output[..r];
    }

    internal delegate void BatchAction<TState>(in TState state, int offsetA, int offsetB, int batchIndex, KernelContext context);

    /// <summary>Walks the broadcast batch dimensions, giving the element offsets of each A and B matrix and the batch index.</summary>
    public void ForEachBatch<TState>(in TState state, BatchAction<TState> action, KernelContext context)
    {
        int rank = Batch.Length;
        int count = 1;
        foreach (var d in Batch) count *= d;
        Span<int> strideA = stackalloc int[Math.Max(rank, 1)];
        Span<int> strideB = stackalloc int[Math.Max(rank, 1)];
        int accA = M * K, accB = K * N;
        for (int i = rank - 1; i >= 0; i--)
        {
            int ia = i - (rank - BatchA.Length), ib = i - (rank - BatchB.Length);
            int da = ia >= 0 ? BatchA[ia] : 1, db = ib >= 0 ? BatchB[ib] : 1;
            strideA[i] = da == 1 ? 0 : accA;
            strideB[i] = db == 1 ? 0 : accB;
            accA *= da;
            accB *= db;
        }
        Span<int> index = stackalloc int[Math.Max(rank, 1)];
        index.Clear();
        int offA = 0, offB = 0;
        for (int t = 0; t < count; t++)
        {
            action(in state, offA, offB, t, context);
            for (int d = rank - 1; d >= 0; d--)
            {
                offA += strideA[d];
                offB += strideB[d];
                if (++index[d] < Batch[d]) break;
                offA -= strideA[d] * Batch[d];
                offB -= strideB[d] * Batch[d];
                index[d] = 0;
            }
        }
    }
}
