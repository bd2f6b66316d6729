using UniML.Onnx;

namespace UniML.Engine.Operators.Onnx;

/// <summary>
/// MatMulInteger (int32 = Σ (a − a_zp)(b − b_zp)) and QLinearMatMul (the same sum rescaled by
/// a_scale·b_scale / y_scale, rounded half to even, plus y_zp, saturated to 8 bits). Batch dimensions
/// broadcast as in MatMul. Zero points and scales are per tensor, or per row of A / per column of B.
/// The integer sums are exact (int32 accumulation of 8-bit products).
/// </summary>
internal sealed class MatMulInteger : Kernel
{
    readonly bool _quantizedOutput;

    MatMulInteger(bool quantizedOutput) => _quantizedOutput = quantizedOutput;

    public static Kernel Create(NodeInfo node)
    {
        CheckTypes(node, 0, 1);
        return new MatMulInteger(false);
    }

    public static Kernel QLinear(NodeInfo node)
    {
        CheckTypes(node, 0, 3, 7);
        return new MatMulInteger(true);
    }

    static void CheckTypes(NodeInfo node, params int[] inputs)
    {
        foreach (var i in inputs)
            if (i < node.InputTypes.Length && node.InputTypes[i] is { } t && t is not (ElementType.UInt8 or ElementType.Int8))
                throw node.Unsupported($"{node.OpType} of {ElementTypeInfo.OnnxName(t)} is not implemented (uint8 and int8)");
    }

    public override void Run(KernelContext context)
    {
        var a = context.Input(0);
        var b = context.Input(_quantizedOutput ? 3 : 1);
        if (a.Type is not (ElementType.UInt8 or ElementType.Int8) || b.Type is not (ElementType.UInt8 or ElementType.Int8))
            throw new InferenceException($"integer matmul needs uint8/int8 inputs, got {a.TypeName} and {b.TypeName}");
        var aZero = context.OptionalInput(2);
        var bZero = context.OptionalInput(_quantizedOutput ? 5 : 3);
        Span<int> buffer = stackalloc int[MatMulShape.BufferLength];
        var shape = new MatMulShape(a, b, buffer);

        ElementType outType = ElementType.Int32;
        Tensor? yScale = null, yZero = null;
        if (_quantizedOutput)
        {
            yScale = context.Input(6);
            yZero = context.OptionalInput(7);
            outType = yZero?.Type ?? ElementType.UInt8;
        }
        var y = context.Output(0, outType, shape.Output);
        var job = new Job(a, b, y, aZero, bZero, shape.M, shape.N, shape.K, _quantizedOutput,
            _quantizedOutput ? context.Input(1) : null, _quantizedOutput ? context.Input(4) : null, yScale, yZero);
        shape.ForEachBatch(job, static (in Job s, int offA, int offB, int t, KernelContext ctx) =>
        {
            var acc = ctx.Scratch<int>(s.M * s.N, 1);
            var aRow = ctx.Scratch<int>(s.K, 2);
            s.Multiply(offA, offB, acc, aRow);
            s.Store(t, acc);
        }, context);
    }

    readonly record struct Job(Tensor A, Tensor B, Tensor Y, Tensor? AZero, Tensor? BZero, int M, int N, int K, bool Quantized,
        Tensor? AScale, Tensor? BScale, Tensor? YScale, Tensor? YZero)
    {
        static int At(Tensor t, int i) => t.Type == ElementType.UInt8 ? t.Span<byte>()[i] : t.Span<sbyte>()[i];

        static int Zero(Tensor? zp, int i) => zp is null ? 0 : At(zp, zp.Length == 1 ? 0 : i);

        public void Multiply(int offA, int offB, Span<int> acc, Span<int> aRow)
        {
            acc.Clear();
            for (int i = 0; i < M; i++)
            {
                int za = Zero(AZero, i);
                for (int p = 0; p < K; p++) aRow[p] = At(A, offA + i * K + p) - za;
                var row = acc.Slice(i * N, N);
                for (int p = 0; p < K; p++)
                {
                    int av = aRow[p];
                    if (av == 0) continue; // exact: integer products of zero add nothing
                    int bBase = offB + p * N;
                    for (int j = 0; j < N; j++) row[j] += av * (At(B, bBase + j) - Zero(BZero, j));
                }
            }
        }

        public void Store(int t, ReadOnlySpan<int> acc)
        {
            int size = M * N;
            if (!Quantized)
            {
                acc.CopyTo(Y.Span<int>().Slice(t * size, size));
                return;
            }
            float ys = YScale!.Span<float>()[0];
            bool unsigned = Y.Type == ElementType.UInt8;
            for (int i = 0; i < M; i++)
                for (int j = 0; j < N; j++)
                {
                    float sa = AScale!.Span<float>()[AScale.Length == 1 ? 0 : i];
                    float sb = BScale!.Span<float>()[BScale.Length == 1 ? 0 : j];
                    double q = Math.Round(acc[i * N + j] * ((double)sa * sb / ys), MidpointRounding.ToEven) + Zero(YZero, 0);
                    int at = t * size + i * N + j;
                    if (unsigned) Y.Span<byte>()[at] = (byte)Math.Clamp(q, 0, 255);
                    else Y.Span<sbyte>()[at] = (sbyte)Math.Clamp(q, -128, 127);
                }
        }
    }
}
