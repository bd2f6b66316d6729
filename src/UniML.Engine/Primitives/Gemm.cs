using System.Buffers;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace UniML.Engine.Primitives;

/// <summary>
/// One operand of <see cref="Gemm.Multiply"/>: a row-major matrix (optionally read transposed) or a
/// matrix packed once by <see cref="Gemm.PackA"/> / <see cref="Gemm.PackB"/> (constant weights).
/// </summary>
internal readonly ref struct GemmOperand
{
    public readonly ReadOnlySpan<float> Data;
    public readonly int Stride;
    public readonly bool Transposed;
    public readonly PackedMatrix? Packed;
    /// <summary>Data is a B operand already in the packed layout (<see cref="Gemm.PackedBLength"/> floats), e.g. written by im2col.</summary>
    public readonly bool PackedInData;
    /// <summary>For a B operand read in place by rows: row p of B starts at Data[RowOffsets[p]] (see <see cref="Rows"/>).</summary>
    public readonly ReadOnlySpan<int> RowOffsets;

    public GemmOperand(ReadOnlySpan<float> data, int stride, bool transposed)
    {
        Data = data;
        Stride = stride;
        Transposed = transposed;
    }

    GemmOperand(ReadOnlySpan<float> data, bool packedInData, ReadOnlySpan<int> rowOffsets)
    {
        Data = data;
        PackedInData = packedInData;
        RowOffsets = rowOffsets;
    }

    /// <summary>A B operand written directly in the packed layout for this multiply's k and n.</summary>
    public static GemmOperand PackedB(ReadOnlySpan<float> data) => new(data, true, default);

    /// <summary>
    /// A k×n B operand whose row p is the n floats at Data[rowOffsets[p]..], read in place by the microkernel
    /// without packing (rows may overlap: a convolution's im2col rows are shifted views of a few planes).
    /// The microkernel reads whole vectors, so Data must hold <see cref="Gemm.RowReadLength"/>(n) floats from
    /// every row start; the columns past n are computed and dropped.
    /// </summary>
    public static GemmOperand Rows(ReadOnlySpan<float> data, ReadOnlySpan<int> rowOffsets) => new(data, false, rowOffsets);

    public GemmOperand(PackedMatrix packed)
    {
        Packed = packed;
    }
}

/// <summary>
/// Work done on each output tile of <see cref="Gemm.Multiply"/> right after its last k-block is stored, while
/// the tile is in L1: C += bias (per column, as a MatMul + Add of a [n] bias; or per row, as Conv's bias per
/// output channel), then optionally Relu (max(x, 0), exactly as the Relu kernel computes it).
/// </summary>
internal readonly ref struct GemmEpilogue
{
    public readonly ReadOnlySpan<float> ColumnBias;
    public readonly ReadOnlySpan<float> RowBias;
    public readonly bool Relu;

    public GemmEpilogue(ReadOnlySpan<float> columnBias, ReadOnlySpan<float> rowBias, bool relu)
    {
        ColumnBias = columnBias;
        RowBias = rowBias;
        Relu = relu;
    }

    public bool IsEmpty => ColumnBias.IsEmpty && RowBias.IsEmpty && !Relu;
}

/// <summary>
/// A matrix pre-arranged in the micro-panel layout the SGEMM microkernel reads, so constant weights are
/// packed once at load. For each k-block of <see cref="Gemm.KC"/> rows, panels of <see cref="Gemm.MR"/>
/// rows (A side) or <see cref="Gemm.NR"/> columns (B side) follow each other, zero padded.
/// </summary>
internal sealed class PackedMatrix
{
    /// <summary>The panels start at <see cref="Offset"/>: the array is pinned (never moves) and the offset puts the start on a 64-byte boundary.</summary>
    public required float[] Data { get; init; }

    public int Offset { get; init; }

    /// <summary>A zeroed pinned array with room for <paramref name="length"/> floats from a 64-byte aligned offset, so the microkernel's vector loads never split cache lines.</summary>
    internal static unsafe float[] AllocateAligned(long length, out int offset)
    {
        var data = GC.AllocateArray<float>((int)Math.Max(length + 16, 1), pinned: true);
        fixed (float* p = data) offset = (int)((64 - ((nint)p & 63)) & 63) / sizeof(float);
        return data;
    }

    /// <summary>M for an A operand, N for a B operand.</summary>
    public required int Outer { get; init; }
    public required int K { get; init; }
    public required bool IsA { get; init; }

    /// <summary>Outer rounded up to the panel width.</summary>
    public required int OuterPadded { get; init; }
}

/// <summary>
/// Single-precision GEMM, C = alpha·op(A)·op(B) + beta·C, in the Goto/BLIS arrangement: B is packed into
/// KC×NR micro-panels that stay in L1, A into MR×KC micro-panels from an MC×KC block kept in L2, and an
/// MR×NR register-tiled FMA microkernel (Vector512 when the CPU has it, else Vector256) does the work.
/// Single-threaded by default; <see cref="MaxThreads"/> enables a split over row blocks of C for large
/// problems. Packing buffers come from a caller-provided workspace, so a run allocates nothing.
/// </summary>
internal static class Gemm
{
    /// <summary>Rows of the register tile.</summary>
    public const int MR = 6;

    /// <summary>Columns of the register tile: two vectors.</summary>
    public static readonly int NR = Vector512.IsHardwareAccelerated ? 32 : 16;

    /// <summary>Depth of a k-block: KC·NR floats of B (16 KB) stay in L1 while A panels stream past.</summary>
    public static readonly int KC = Vector512.IsHardwareAccelerated ? 128 : 256;

    /// <summary>Rows of an A block (multiple of MR): MC·KC floats, ~100 KB, sit in L2.</summary>
    public const int MC = 96;

    /// <summary>Columns of a B block (multiple of NR) packed at a time when B is not pre-packed.</summary>
    public const int NC = 2048;

    /// <summary>
    /// Threads for large multiplies (row-block split). 1 by default: inference servers run requests in
    /// parallel, and the engine's host may be shared.
    /// </summary>
    public static int MaxThreads { get; set; } = 1;

    /// <summary>Work (m·n·k) above which a multi-thread split is worth its overhead.</summary>
    const long ParallelThreshold = 1L << 24;

    /// <summary>Floats of workspace <see cref="Multiply"/> needs for these operands.</summary>
    public static int WorkspaceSize(int m, int n, int k, bool aPacked, bool bPacked)
    {
        int kc = Math.Min(KC, Math.Max(k, 1));
        int size = 0;
        if (!aPacked) size += Math.Min(RoundUp(m, MR), MC) * kc;
        if (!bPacked) size += Math.Min(RoundUp(n, NR), NC) * kc;
        return size;
    }

    /// <summary>Floats of a k×n B operand in the packed layout: for each k-block of KC rows, NR-column panels of that block's rows.</summary>
    public static int PackedBLength(int k, int n) => RoundUp(n, NR) * k;

    /// <summary>Floats the microkernel reads from each row start of a <see cref="GemmOperand.Rows"/> operand: n rounded up to whole panels.</summary>
    public static int RowReadLength(int n) => RoundUp(n, NR);

    /// <summary>Packs op(A), an m×k matrix, for use as the A operand.</summary>
    public static PackedMatrix PackA(ReadOnlySpan<float> a, int stride, bool transposed, int m, int k)
    {
        int mp = RoundUp(m, MR);
        var data = PackedMatrix.AllocateAligned((long)mp * k, out int offset);
        for (int pc = 0; pc < k; pc += KC)
        {
            int kcb = Math.Min(KC, k - pc);
            PackABlock(a, stride, transposed, 0, m, pc, kcb, data.AsSpan(offset + pc * mp, mp * kcb));
        }
        return new PackedMatrix { Data = data, Offset = offset, Outer = m, K = k, IsA = true, OuterPadded = mp };
    }

    /// <summary>Packs op(B), a k×n matrix, for use as the B operand.</summary>
    public static PackedMatrix PackB(ReadOnlySpan<float> b, int stride, bool transposed, int k, int n)
    {
        int np = RoundUp(n, NR);
        var data = PackedMatrix.AllocateAligned((long)np * k, out int offset);
        for (int pc = 0; pc < k; pc += KC)
        {
            int kcb = Math.Min(KC, k - pc);
            PackBBlock(b, stride, transposed, 0, n, pc, kcb, data.AsSpan(offset + pc * np, np * kcb));
        }
        return new PackedMatrix { Data = data, Offset = offset, Outer = n, K = k, IsA = false, OuterPadded = np };
    }

    /// <summary>
    /// C (m×n, row stride <paramref name="ldc"/>) = alpha·op(A)·op(B) + beta·C. When beta is 0, C is
    /// only written (its old contents, even NaN, are ignored). <paramref name="workspace"/> must hold
    /// <see cref="WorkspaceSize"/> floats.
    /// </summary>
    public static void Multiply(int m, int n, int k, float alpha, GemmOperand a, GemmOperand b, float beta,
        Span<float> c, int ldc, Span<float> workspace) => Multiply(m, n, k, alpha, a, b, beta, c, ldc, workspace, default);

    /// <summary>
    /// As above, then applies <paramref name="epilogue"/> to each output tile (C = relu(C + bias)).
    /// A column bias holds n values, a row bias m.
    /// </summary>
    public static unsafe void Multiply(int m, int n, int k, float alpha, GemmOperand a, GemmOperand b, float beta,
        Span<float> c, int ldc, Span<float> workspace, GemmEpilogue epilogue)
    {
        if (m == 0 || n == 0) return;
        bool epi = !epilogue.IsEmpty;
        if (epi && ((!epilogue.ColumnBias.IsEmpty && epilogue.ColumnBias.Length < n) || (!epilogue.RowBias.IsEmpty && epilogue.RowBias.Length < m)))
            throw new ArgumentException("GEMM epilogue bias is smaller than the output");
        if (k == 0 || alpha == 0)
        {
            for (int i = 0; i < m; i++)
            {
                var row = c.Slice(i * ldc, n);
                if (beta == 0) row.Clear();
                else if (beta != 1) TensorPrimitives.Multiply(row, beta, row);
            }
            if (epi) ApplyEpilogueAll(m, n, c, ldc, epilogue);
            return;
        }
        Validate(m, n, k, a, b, c, ldc);
        var pa = a.Packed;
        var pb = b.Packed;
        int threads = MaxThreads;
        bool bRows = !b.RowOffsets.IsEmpty;
        bool parallel = threads > 1 && (long)m * n * k >= ParallelThreshold && m > MC && !bRows;
        // A row-major A is read in place: the microkernel broadcasts one element per row and k step, so
        // packing it would only copy it (the copy cost more than it saved for the small k of inference models).
        bool rawA = pa is null && !a.Transposed && !parallel;
        int kcMax = Math.Min(KC, k);
        int aSize = pa is null && !rawA ? Math.Min(RoundUp(m, MR), MC) * kcMax : 0;
        bool bPre = pb is not null || b.PackedInData || bRows;
        int bOuterPadded = pb?.OuterPadded ?? RoundUp(n, NR);
        int bSize = !bPre ? Math.Min(RoundUp(n, NR), NC) * kcMax : 0;
        if (workspace.Length < aSize + bSize)
            throw new ArgumentException($"GEMM workspace of {workspace.Length} floats is smaller than {aSize + bSize}");
        var aBuffer = workspace.Slice(0, aSize);
        var bBuffer = workspace.Slice(aSize, bSize);

        fixed (float* cBase = c)
        fixed (float* aRaw = a.Data)
        fixed (float* aPackedFixed = pa is null ? default : pa.Data)
        fixed (float* bPackedFixed = pb is null ? b.Data : pb.Data)
        fixed (int* bRowsBase = b.RowOffsets)
        fixed (float* aBuf = aBuffer)
        fixed (float* bBuf = bBuffer)
        fixed (float* colBias = epilogue.ColumnBias)
        fixed (float* rowBias = epilogue.RowBias)
        {
            float* aPackedBase = pa is null ? aPackedFixed : aPackedFixed + pa.Offset;
            float* bPackedBase = pb is null ? bPackedFixed : bPackedFixed + pb.Offset;
            var ep = new Epilogue { ColumnBias = colBias, RowBias = rowBias, Relu = epilogue.Relu, Active = epi && !parallel };
            // Packed blocks of B (or Rows read in place) are NC columns wide so the block the A blocks stream past stays in L2.
            int ncStep = !bPre || bRows ? NC : RoundUp(n, NR);
            for (int jc = 0; jc < n; jc += ncStep)
            {
                int ncb = Math.Min(ncStep, n - jc);
                for (int pc = 0; pc < k; pc += KC)
                {
                    int kcb = Math.Min(KC, k - pc);
                    float* bBlock;
                    if (!bPre)
                    {
                        PackBBlock(b.Data, b.Stride, b.Transposed, jc, ncb, pc, kcb, bBuffer);
                        bBlock = bBuf;
                    }
                    else if (bRows) bBlock = bPackedBase + jc;
                    else bBlock = bPackedBase + (long)pc * bOuterPadded + (long)jc * kcb;
                    float blockBeta = pc == 0 ? beta : 1f;
                    var blockEp = pc + kcb >= k ? ep.At(0, jc) : default;

                    if (parallel)
                    {
                        RunParallel(m, ncb, kcb, pc, alpha, blockBeta, aRaw, a.Data.Length, a.Stride, a.Transposed, pa, aPackedBase, bBlock, cBase + jc, ldc, threads);
                        continue;
                    }
                    for (int ic = 0; ic < m; ic += MC)
                    {
                        int mcb = Math.Min(MC, m - ic);
                        float* cBlock = cBase + (long)ic * ldc + jc;
                        if (rawA)
                        {
                            float* aTile = aRaw + (long)ic * a.Stride + pc;
                            if (bRows) MacroKernel<RowMajorA, RowsB>(mcb, ncb, kcb, alpha, blockBeta, aTile, a.Stride, bBlock, bRowsBase + pc, cBlock, ldc, blockEp.At(ic, 0));
                            else MacroKernel<RowMajorA, PanelB>(mcb, ncb, kcb, alpha, blockBeta, aTile, a.Stride, bBlock, null, cBlock, ldc, blockEp.At(ic, 0));
                            continue;
                        }
                        float* aBlock;
                        if (pa is null)
                        {
                            PackABlock(a.Data, a.Stride, a.Transposed, ic, mcb, pc, kcb, aBuffer);
                            aBlock = aBuf;
                        }
                        else aBlock = aPackedBase + (long)pc * pa.OuterPadded + (long)ic * kcb;
                        if (bRows) MacroKernel<PackedA, RowsB>(mcb, ncb, kcb, alpha, blockBeta, aBlock, 0, bBlock, bRowsBase + pc, cBlock, ldc, blockEp.At(ic, 0));
                        else MacroKernel<PackedA, PanelB>(mcb, ncb, kcb, alpha, blockBeta, aBlock, 0, bBlock, null, cBlock, ldc, blockEp.At(ic, 0));
                    }
                }
            }
        }
        if (epi && parallel) ApplyEpilogueAll(m, n, c, ldc, epilogue);
    }

    /// <summary>The epilogue as pointers, offset to a block of C; Active is false for all but the last k-block.</summary>
    unsafe struct Epilogue
    {
        public float* ColumnBias, RowBias;
        public bool Relu, Active;

        public readonly Epilogue At(int row, int col) => new()
        {
            ColumnBias = ColumnBias == null ? null : ColumnBias + col,
            RowBias = RowBias == null ? null : RowBias + row,
            Relu = Relu, Active = Active,
        };
    }

    static unsafe void ApplyEpilogueAll(int m, int n, Span<float> c, int ldc, GemmEpilogue epilogue)
    {
        fixed (float* cp = c)
        fixed (float* colBias = epilogue.ColumnBias)
        fixed (float* rowBias = epilogue.RowBias)
        {
            var ep = new Epilogue { ColumnBias = colBias, RowBias = rowBias, Relu = epilogue.Relu, Active = true };
            for (int i = 0; i < m; i += MR)
                ApplyEpilogue(cp + (long)i * ldc, ldc, Math.Min(MR, m - i), n, ep.At(i, 0));
        }
    }

    /// <summary>C[r, j] = relu?(C[r, j] + colBias[j] + rowBias[r]) over a rows × cols tile.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    static unsafe void ApplyEpilogue(float* c, int ldc, int rows, int cols, Epilogue ep)
    {
        var zero = Vector256<float>.Zero;
        float* cb = ep.ColumnBias;
        bool relu = ep.Relu;
        for (int r = 0; r < rows; r++, c += ldc)
        {
            float rb = ep.RowBias == null ? 0f : ep.RowBias[r];
            bool hasRow = ep.RowBias != null;
            var rbv = Vector256.Create(rb);
            int j = 0;
            // Full-width loads where the microkernel stored full-width vectors, so each load is forwarded from its store.
            if (Vector512.IsHardwareAccelerated)
                for (; j <= cols - 16; j += 16)
                {
                    var v = Vector512.Load(c + j);
                    if (cb != null) v += Vector512.Load(cb + j);
                    if (hasRow) v += Vector512.Create(rb);
                    if (relu) v = Vector512.ConditionalSelect(Vector512.LessThanOrEqual(v, Vector512<float>.Zero), Vector512<float>.Zero, v);
                    v.Store(c + j);
                }
            for (; j <= cols - 8; j += 8)
            {
                var v = Vector256.Load(c + j);
                if (cb != null) v += Vector256.Load(cb + j);
                if (hasRow) v += rbv;
                // Relu as TensorPrimitives.Max(x, 0): x <= 0 (including -0) gives +0, NaN stays NaN.
                if (relu) v = Vector256.ConditionalSelect(Vector256.LessThanOrEqual(v, zero), zero, v);
                v.Store(c + j);
            }
            for (; j < cols; j++)
            {
                float v = c[j];
                if (cb != null) v += cb[j];
                if (hasRow) v += rb;
                if (relu && v <= 0f) v = 0f;
                c[j] = v;
            }
        }
    }

    static unsafe void RunParallel(int m, int ncb, int kcb, int pc, float alpha, float beta, float* aRaw, int aLength, int aStride, bool aTransposed, PackedMatrix? pa,
        float* aPackedBase, float* bBlock, float* cBase, int ldc, int threads)
    {
        // Each worker packs its own A blocks; the packed B block is shared read-only.
        int blocks = (m + MC - 1) / MC;
        var job = new ParallelJob
        {
            M = m, N = ncb, K = kcb, Pc = pc, Alpha = alpha, Beta = beta, Packed = pa,
            ARaw = (nint)aRaw, ALength = aLength, AStride = aStride, ATransposed = aTransposed,
            APacked = (nint)aPackedBase, B = (nint)bBlock, C = (nint)cBase, Ldc = ldc,
        };
        Parallel.For(0, blocks, new ParallelOptions { MaxDegreeOfParallelism = threads }, job.Block);
    }

    sealed class ParallelJob
    {
        public int M, N, K, Pc, AStride, ALength, Ldc;
        public float Alpha, Beta;
        public bool ATransposed;
        public PackedMatrix? Packed;
        public nint ARaw, APacked, B, C;

        public unsafe void Block(int block)
        {
            int ic = block * MC;
            int mcb = Math.Min(MC, M - ic);
            float[]? rented = null;
            try
            {
                float* aBlock;
                if (Packed is null)
                {
                    rented = ArrayPool<float>.Shared.Rent(RoundUp(mcb, MR) * K);
                    PackABlock(new ReadOnlySpan<float>((float*)ARaw, ALength), AStride, ATransposed, ic, mcb, Pc, K, rented);
                    fixed (float* p = rented)
                        MacroKernel<PackedA, PanelB>(mcb, N, K, Alpha, Beta, p, 0, (float*)B, null, (float*)C + (long)ic * Ldc, Ldc);
                    return;
                }
                aBlock = (float*)APacked + (long)Pc * Packed.OuterPadded + (long)ic * K;
                MacroKernel<PackedA, PanelB>(mcb, N, K, Alpha, Beta, aBlock, 0, (float*)B, null, (float*)C + (long)ic * Ldc, Ldc);
            }
            finally
            {
                if (rented is not null) ArrayPool<float>.Shared.Return(rented);
            }
        }
    }

    static void Validate(int m, int n, int k, GemmOperand a, GemmOperand b, Span<float> c, int ldc)
    {
        if (a.Packed is { } pa)
        {
            if (!pa.IsA || pa.Outer != m || pa.K != k) throw new ArgumentException("packed A does not match the multiply's shape");
        }
        else if (RequiredLength(a.Transposed ? k : m, a.Transposed ? m : k, a.Stride) > a.Data.Length)
            throw new ArgumentException("A is smaller than its shape");
        if (b.Packed is { } pb)
        {
            if (pb.IsA || pb.Outer != n || pb.K != k) throw new ArgumentException("packed B does not match the multiply's shape");
        }
        else if (b.PackedInData)
        {
            if (b.Data.Length < PackedBLength(k, n)) throw new ArgumentException("packed B is smaller than its shape");
        }
        else if (!b.RowOffsets.IsEmpty)
        {
            if (b.RowOffsets.Length < k) throw new ArgumentException("B has fewer row offsets than k");
            int last = b.Data.Length - RowReadLength(n);
            foreach (int offset in b.RowOffsets[..k])
                if (offset < 0 || offset > last) throw new ArgumentException($"B row offset {offset} leaves fewer than {RowReadLength(n)} floats");
        }
        else if (RequiredLength(b.Transposed ? n : k, b.Transposed ? k : n, b.Stride) > b.Data.Length)
            throw new ArgumentException("B is smaller than its shape");
        if (RequiredLength(m, n, ldc) > c.Length)
            throw new ArgumentException("C is smaller than its shape");
    }

    static long RequiredLength(int rows, int cols, int stride) => (long)(rows - 1) * stride + cols;

    static int RoundUp(int x, int multiple) => (x + multiple - 1) / multiple * multiple;

    /// <summary>Packs rows [i0, i0+mc) × columns [p0, p0+kc) of op(A) into MR-row panels, zero padded.</summary>
    static void PackABlock(ReadOnlySpan<float> a, int lda, bool transposed, int i0, int mc, int p0, int kc, Span<float> dest)
    {
        int o = 0;
        for (int ir = 0; ir < mc; ir += MR)
        {
            int rows = Math.Min(MR, mc - ir);
            if (transposed)
            {
                // op(A)[i, p] = A[p, i]: the MR values for one p are contiguous.
                for (int p = 0; p < kc; p++, o += MR)
                {
                    var src = a.Slice((p0 + p) * lda + i0 + ir, rows);
                    src.CopyTo(dest.Slice(o, rows));
                    if (rows < MR) dest.Slice(o + rows, MR - rows).Clear();
                }
            }
            else
            {
                if (rows < MR) dest.Slice(o, kc * MR).Clear();
                for (int r = 0; r < rows; r++)
                {
                    var src = a.Slice((i0 + ir + r) * lda + p0, kc);
                    for (int p = 0; p < kc; p++)
                        dest[o + p * MR + r] = src[p];
                }
                o += kc * MR;
            }
        }
    }

    /// <summary>Packs rows [p0, p0+kc) × columns [j0, j0+nc) of op(B) into NR-column panels, zero padded.</summary>
    static void PackBBlock(ReadOnlySpan<float> b, int ldb, bool transposed, int j0, int nc, int p0, int kc, Span<float> dest)
    {
        int nr = NR;
        int o = 0;
        for (int jr = 0; jr < nc; jr += nr)
        {
            int cols = Math.Min(nr, nc - jr);
            if (!transposed)
            {
                for (int p = 0; p < kc; p++, o += nr)
                {
                    b.Slice((p0 + p) * ldb + j0 + jr, cols).CopyTo(dest.Slice(o, cols));
                    if (cols < nr) dest.Slice(o + cols, nr - cols).Clear();
                }
            }
            else
            {
                // op(B)[p, j] = B[j, p]: read each source row once, scatter with stride NR.
                if (cols < nr) dest.Slice(o, kc * nr).Clear();
                for (int c = 0; c < cols; c++)
                {
                    var src = b.Slice((j0 + jr + c) * ldb + p0, kc);
                    for (int p = 0; p < kc; p++)
                        dest[o + p * nr + c] = src[p];
                }
                o += kc * nr;
            }
        }
    }

    static unsafe void MacroKernel<TA, TB>(int mc, int nc, int kc, float alpha, float beta, float* a, int lda, float* b, int* bRows, float* c, int ldc, Epilogue ep = default)
        where TA : struct, IALayout where TB : struct, IBLayout
    {
        int nr = NR;
        bool wide = nr == 32;
        for (int jr = 0; jr < nc; jr += nr)
        {
            int cols = Math.Min(nr, nc - jr);
            float* bPanel = TB.Panel(b, jr, kc);
            for (int ir = 0; ir < mc; ir += MR)
            {
                int rows = Math.Min(MR, mc - ir);
                float* aPanel = a + TA.PanelOffset(ir, kc, lda);
                float* cTile = c + (long)ir * ldc + jr;
                // A narrow last panel (e.g. 10 classes) takes one vector per row: half the FMAs of the full tile.
                if (wide && cols <= 16) Tile<Narrow512, TA, TB>(rows, kc, aPanel, lda, bPanel, bRows, cTile, ldc, cols, alpha, beta);
                else if (wide) Tile<Wide512, TA, TB>(rows, kc, aPanel, lda, bPanel, bRows, cTile, ldc, cols, alpha, beta);
                else Tile<Wide256, TA, TB>(rows, kc, aPanel, lda, bPanel, bRows, cTile, ldc, cols, alpha, beta);
                if (ep.Active) ApplyEpilogue(cTile, ldc, rows, cols, ep.At(ir, jr));
            }
        }
    }

    /// <summary>One register tile of <paramref name="rows"/> (1 to <see cref="MR"/>) rows by the microkernel <typeparamref name="TK"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static unsafe void Tile<TK, TA, TB>(int rows, int kc, float* a, int lda, float* b, int* bRows, float* c, int ldc, int cols, float alpha, float beta)
        where TK : struct, ITileKernel where TA : struct, IALayout where TB : struct, IBLayout
    {
        switch (rows)
        {
            case 6: TK.Run<R6, TA, TB>(kc, a, lda, b, bRows, c, ldc, cols, alpha, beta); break;
            case 5: TK.Run<R5, TA, TB>(kc, a, lda, b, bRows, c, ldc, cols, alpha, beta); break;
            case 4: TK.Run<R4, TA, TB>(kc, a, lda, b, bRows, c, ldc, cols, alpha, beta); break;
            case 3: TK.Run<R3, TA, TB>(kc, a, lda, b, bRows, c, ldc, cols, alpha, beta); break;
            case 2: TK.Run<R2, TA, TB>(kc, a, lda, b, bRows, c, ldc, cols, alpha, beta); break;
            default: TK.Run<R1, TA, TB>(kc, a, lda, b, bRows, c, ldc, cols, alpha, beta); break;
        }
    }

    /// <summary>A register-tile microkernel as a type: Tile512, Tile512Narrow or Tile256.</summary>
    unsafe interface ITileKernel
    {
        static abstract void Run<TR, TA, TB>(int kc, float* a, int lda, float* b, int* bRows, float* c, int ldc, int cols, float alpha, float beta)
            where TR : struct, IRows where TA : struct, IALayout where TB : struct, IBLayout;
    }

    unsafe struct Wide512 : ITileKernel
    {
        public static void Run<TR, TA, TB>(int kc, float* a, int lda, float* b, int* bRows, float* c, int ldc, int cols, float alpha, float beta)
            where TR : struct, IRows where TA : struct, IALayout where TB : struct, IBLayout => Tile512<TR, TA, TB>(kc, a, lda, b, bRows, c, ldc, cols, alpha, beta);
    }

    unsafe struct Narrow512 : ITileKernel
    {
        public static void Run<TR, TA, TB>(int kc, float* a, int lda, float* b, int* bRows, float* c, int ldc, int cols, float alpha, float beta)
            where TR : struct, IRows where TA : struct, IALayout where TB : struct, IBLayout => Tile512Narrow<TR, TA, TB>(kc, a, lda, b, bRows, c, ldc, cols, alpha, beta);
    }

    unsafe struct Wide256 : ITileKernel
    {
        public static void Run<TR, TA, TB>(int kc, float* a, int lda, float* b, int* bRows, float* c, int ldc, int cols, float alpha, float beta)
            where TR : struct, IRows where TA : struct, IALayout where TB : struct, IBLayout => Tile256<TR, TA, TB>(kc, a, lda, b, bRows, c, ldc, cols, alpha, beta);
    }

    /// <summary>Row count of a register tile as a type, so each tile height is its own specialised loop.</summary>
    interface IRows { static abstract int Count { get; } }
    struct R1 : IRows { public static int Count => 1; }
    struct R2 : IRows { public static int Count => 2; }
    struct R3 : IRows { public static int Count => 3; }
    struct R4 : IRows { public static int Count => 4; }
    struct R5 : IRows { public static int Count => 5; }
    struct R6 : IRows { public static int Count => 6; }

    /// <summary>Where the microkernel finds A(r, p): a packed MR-row panel or a row-major matrix read in place.</summary>
    interface IALayout
    {
        /// <summary>Offset of the panel starting at row <paramref name="row"/>.</summary>
        static abstract long PanelOffset(int row, int kc, int lda);
        /// <summary>Offset of row r within a panel.</summary>
        static abstract int Row(int r, int lda);
        /// <summary>Advance per k step.</summary>
        static abstract int Step { get; }
    }

    struct PackedA : IALayout
    {
        public static long PanelOffset(int row, int kc, int lda) => (long)row * kc;
        public static int Row(int r, int lda) => r;
        public static int Step => MR;
    }

    struct RowMajorA : IALayout
    {
        public static long PanelOffset(int row, int kc, int lda) => (long)row * lda;
        public static int Row(int r, int lda) => r * lda;
        public static int Step => 1;
    }

    /// <summary>Where the microkernel finds row p of a B panel: packed NR-wide panels, or rows of a <see cref="GemmOperand.Rows"/> operand.</summary>
    unsafe interface IBLayout
    {
        /// <summary>Start of the panel of columns from <paramref name="column"/>.</summary>
        static abstract float* Panel(float* b, int column, int kc);
        /// <summary>Row p of a panel; <paramref name="width"/> is the packed panel's row length.</summary>
        static abstract float* Row(float* panel, int* rows, int p, int width);
    }

    unsafe struct PanelB : IBLayout
    {
        public static float* Panel(float* b, int column, int kc) => b + (long)column * kc;
        public static float* Row(float* panel, int* rows, int p, int width) => panel + (long)p * width;
    }

    unsafe struct RowsB : IBLayout
    {
        public static float* Panel(float* b, int column, int kc) => b + column;
        public static float* Row(float* panel, int* rows, int p, int width) => panel + rows[p];
    }

    /// <summary>Up to 6×32 tile: 12 zmm accumulators, two B vectors and one broadcast of A per k step.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static unsafe void Tile512<TR, TA, TB>(int kc, float* a, int lda, float* b, int* bRows, float* c, int ldc, int cols, float alpha, float beta)
        where TR : struct, IRows where TA : struct, IALayout where TB : struct, IBLayout
    {
        Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector512<float> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        int o1 = TA.Row(1, lda), o2 = TA.Row(2, lda), o3 = TA.Row(3, lda), o4 = TA.Row(4, lda), o5 = TA.Row(5, lda);
        for (int p = 0; p < kc; p++, a += TA.Step)
        {
            float* bp = TB.Row(b, bRows, p, 32);
            var b0 = Vector512.Load(bp);
            var b1 = Vector512.Load(bp + 16);
            var av = Vector512.Create(a[0]);
            c00 = Vector512.FusedMultiplyAdd(av, b0, c00); c01 = Vector512.FusedMultiplyAdd(av, b1, c01);
            if (TR.Count > 1) { av = Vector512.Create(a[o1]); c10 = Vector512.FusedMultiplyAdd(av, b0, c10); c11 = Vector512.FusedMultiplyAdd(av, b1, c11); }
            if (TR.Count > 2) { av = Vector512.Create(a[o2]); c20 = Vector512.FusedMultiplyAdd(av, b0, c20); c21 = Vector512.FusedMultiplyAdd(av, b1, c21); }
            if (TR.Count > 3) { av = Vector512.Create(a[o3]); c30 = Vector512.FusedMultiplyAdd(av, b0, c30); c31 = Vector512.FusedMultiplyAdd(av, b1, c31); }
            if (TR.Count > 4) { av = Vector512.Create(a[o4]); c40 = Vector512.FusedMultiplyAdd(av, b0, c40); c41 = Vector512.FusedMultiplyAdd(av, b1, c41); }
            if (TR.Count > 5) { av = Vector512.Create(a[o5]); c50 = Vector512.FusedMultiplyAdd(av, b0, c50); c51 = Vector512.FusedMultiplyAdd(av, b1, c51); }
        }
        // Every accumulator is stored before any call, so none is live across one (which would make the
        // JIT spill them inside the k-loop).
        if (cols == 32)
        {
            Store512(c, c00, c01, alpha, beta);
            if (TR.Count > 1) Store512(c + ldc, c10, c11, alpha, beta);
            if (TR.Count > 2) Store512(c + 2 * ldc, c20, c21, alpha, beta);
            if (TR.Count > 3) Store512(c + 3 * ldc, c30, c31, alpha, beta);
            if (TR.Count > 4) Store512(c + 4 * ldc, c40, c41, alpha, beta);
            if (TR.Count > 5) Store512(c + 5 * ldc, c50, c51, alpha, beta);
            return;
        }
        float* tile = stackalloc float[MR * 32];
        c00.Store(tile); c01.Store(tile + 16);
        if (TR.Count > 1) { c10.Store(tile + 32); c11.Store(tile + 32 + 16); }
        if (TR.Count > 2) { c20.Store(tile + 2 * 32); c21.Store(tile + 2 * 32 + 16); }
        if (TR.Count > 3) { c30.Store(tile + 3 * 32); c31.Store(tile + 3 * 32 + 16); }
        if (TR.Count > 4) { c40.Store(tile + 4 * 32); c41.Store(tile + 4 * 32 + 16); }
        if (TR.Count > 5) { c50.Store(tile + 5 * 32); c51.Store(tile + 5 * 32 + 16); }
        StorePartial(c, ldc, tile, 32, TR.Count, cols, alpha, beta);
    }

    /// <summary>Up to 6×16 tile over the first half of a 32-wide B panel, for a last panel of at most 16 columns.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static unsafe void Tile512Narrow<TR, TA, TB>(int kc, float* a, int lda, float* b, int* bRows, float* c, int ldc, int cols, float alpha, float beta)
        where TR : struct, IRows where TA : struct, IALayout where TB : struct, IBLayout
    {
        Vector512<float> c0 = default, c1 = default, c2 = default, c3 = default, c4 = default, c5 = default;
        int o1 = TA.Row(1, lda), o2 = TA.Row(2, lda), o3 = TA.Row(3, lda), o4 = TA.Row(4, lda), o5 = TA.Row(5, lda);
        for (int p = 0; p < kc; p++, a += TA.Step)
        {
            var b0 = Vector512.Load(TB.Row(b, bRows, p, 32));
            c0 = Vector512.FusedMultiplyAdd(Vector512.Create(a[0]), b0, c0);
            if (TR.Count > 1) c1 = Vector512.FusedMultiplyAdd(Vector512.Create(a[o1]), b0, c1);
            if (TR.Count > 2) c2 = Vector512.FusedMultiplyAdd(Vector512.Create(a[o2]), b0, c2);
            if (TR.Count > 3) c3 = Vector512.FusedMultiplyAdd(Vector512.Create(a[o3]), b0, c3);
            if (TR.Count > 4) c4 = Vector512.FusedMultiplyAdd(Vector512.Create(a[o4]), b0, c4);
            if (TR.Count > 5) c5 = Vector512.FusedMultiplyAdd(Vector512.Create(a[o5]), b0, c5);
        }
        if (cols == 16)
        {
            Store512(c, c0, alpha, beta);
            if (TR.Count > 1) Store512(c + ldc, c1, alpha, beta);
            if (TR.Count > 2) Store512(c + 2 * ldc, c2, alpha, beta);
            if (TR.Count > 3) Store512(c + 3 * ldc, c3, alpha, beta);
            if (TR.Count > 4) Store512(c + 4 * ldc, c4, alpha, beta);
            if (TR.Count > 5) Store512(c + 5 * ldc, c5, alpha, beta);
            return;
        }
        float* tile = stackalloc float[MR * 16];
        c0.Store(tile);
        if (TR.Count > 1) c1.Store(tile + 16);
        if (TR.Count > 2) c2.Store(tile + 2 * 16);
        if (TR.Count > 3) c3.Store(tile + 3 * 16);
        if (TR.Count > 4) c4.Store(tile + 4 * 16);
        if (TR.Count > 5) c5.Store(tile + 5 * 16);
        StorePartial(c, ldc, tile, 16, TR.Count, cols, alpha, beta);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static unsafe void Store512(float* c, Vector512<float> v, float alpha, float beta)
    {
        if (alpha != 1) v *= alpha;
        if (beta != 0)
        {
            if (beta == 1) v += Vector512.Load(c);
            else v = Vector512.FusedMultiplyAdd(Vector512.Load(c), Vector512.Create(beta), v);
        }
        v.Store(c);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static unsafe void Store512(float* c, Vector512<float> v0, Vector512<float> v1, float alpha, float beta)
    {
        if (alpha != 1) { v0 *= alpha; v1 *= alpha; }
        if (beta != 0)
        {
            if (beta == 1) { v0 += Vector512.Load(c); v1 += Vector512.Load(c + 16); }
            else { v0 = Vector512.FusedMultiplyAdd(Vector512.Load(c), Vector512.Create(beta), v0); v1 = Vector512.FusedMultiplyAdd(Vector512.Load(c + 16), Vector512.Create(beta), v1); }
        }
        v0.Store(c);
        v1.Store(c + 16);
    }

    /// <summary>Up to 6×16 tile: 12 ymm accumulators (fits the 16 AVX2 registers with B and A).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static unsafe void Tile256<TR, TA, TB>(int kc, float* a, int lda, float* b, int* bRows, float* c, int ldc, int cols, float alpha, float beta)
        where TR : struct, IRows where TA : struct, IALayout where TB : struct, IBLayout
    {
        Vector256<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector256<float> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        int o1 = TA.Row(1, lda), o2 = TA.Row(2, lda), o3 = TA.Row(3, lda), o4 = TA.Row(4, lda), o5 = TA.Row(5, lda);
        for (int p = 0; p < kc; p++, a += TA.Step)
        {
            float* bp = TB.Row(b, bRows, p, 16);
            var b0 = Vector256.Load(bp);
            var b1 = Vector256.Load(bp + 8);
            var av = Vector256.Create(a[0]);
            c00 = Vector256.FusedMultiplyAdd(av, b0, c00); c01 = Vector256.FusedMultiplyAdd(av, b1, c01);
            if (TR.Count > 1) { av = Vector256.Create(a[o1]); c10 = Vector256.FusedMultiplyAdd(av, b0, c10); c11 = Vector256.FusedMultiplyAdd(av, b1, c11); }
            if (TR.Count > 2) { av = Vector256.Create(a[o2]); c20 = Vector256.FusedMultiplyAdd(av, b0, c20); c21 = Vector256.FusedMultiplyAdd(av, b1, c21); }
            if (TR.Count > 3) { av = Vector256.Create(a[o3]); c30 = Vector256.FusedMultiplyAdd(av, b0, c30); c31 = Vector256.FusedMultiplyAdd(av, b1, c31); }
            if (TR.Count > 4) { av = Vector256.Create(a[o4]); c40 = Vector256.FusedMultiplyAdd(av, b0, c40); c41 = Vector256.FusedMultiplyAdd(av, b1, c41); }
            if (TR.Count > 5) { av = Vector256.Create(a[o5]); c50 = Vector256.FusedMultiplyAdd(av, b0, c50); c51 = Vector256.FusedMultiplyAdd(av, b1, c51); }
        }
        // Every accumulator is stored before any call, so none is live across one (which would make the
        // JIT spill them inside the k-loop).
        if (cols == 16)
        {
            Store256(c, c00, c01, alpha, beta);
            if (TR.Count > 1) Store256(c + ldc, c10, c11, alpha, beta);
            if (TR.Count > 2) Store256(c + 2 * ldc, c20, c21, alpha, beta);
            if (TR.Count > 3) Store256(c + 3 * ldc, c30, c31, alpha, beta);
            if (TR.Count > 4) Store256(c + 4 * ldc, c40, c41, alpha, beta);
            if (TR.Count > 5) Store256(c + 5 * ldc, c50, c51, alpha, beta);
            return;
        }
        float* tile = stackalloc float[MR * 16];
        c00.Store(tile); c01.Store(tile + 8);
        if (TR.Count > 1) { c10.Store(tile + 16); c11.Store(tile + 16 + 8); }
        if (TR.Count > 2) { c20.Store(tile + 2 * 16); c21.Store(tile + 2 * 16 + 8); }
        if (TR.Count > 3) { c30.Store(tile + 3 * 16); c31.Store(tile + 3 * 16 + 8); }
        if (TR.Count > 4) { c40.Store(tile + 4 * 16); c41.Store(tile + 4 * 16 + 8); }
        if (TR.Count > 5) { c50.Store(tile + 5 * 16); c51.Store(tile + 5 * 16 + 8); }
        StorePartial(c, ldc, tile, 16, TR.Count, cols, alpha, beta);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static unsafe void Store256(float* c, Vector256<float> v0, Vector256<float> v1, float alpha, float beta)
    {
        if (alpha != 1) { v0 *= alpha; v1 *= alpha; }
        if (beta != 0)
        {
            if (beta == 1) { v0 += Vector256.Load(c); v1 += Vector256.Load(c + 8); }
            else { v0 = Vector256.FusedMultiplyAdd(Vector256.Load(c), Vector256.Create(beta), v0); v1 = Vector256.FusedMultiplyAdd(Vector256.Load(c + 8), Vector256.Create(beta), v1); }
        }
        v0.Store(c);
        v1.Store(c + 8);
    }

    /// <summary>Writes the valid rows × cols corner of a register tile spilled to <paramref name="tile"/>.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    static unsafe void StorePartial(float* c, int ldc, float* tile, int tileStride, int rows, int cols, float alpha, float beta)
    {
        for (int r = 0; r < rows; r++, c += ldc, tile += tileStride)
        {
            if (beta == 0)
                for (int j = 0; j < cols; j++) c[j] = alpha * tile[j];
            else
                for (int j = 0; j < cols; j++) c[j] = alpha * tile[j] + beta * c[j];
        }
    }

    /// <summary>
    /// Double-precision C = alpha·op(A)·op(B) + beta·C by rows (axpy over rows of B), a simpler path than
    /// the float kernel: doubles are rare in inference models. <paramref name="workspace"/> holds k·n
    /// doubles when B is transposed.
    /// </summary>
    public static void MultiplyDouble(int m, int n, int k, double alpha, ReadOnlySpan<double> a, int lda, bool transA,
        ReadOnlySpan<double> b, int ldb, bool transB, double beta, Span<double> c, int ldc, Span<double> workspace)
    {
        if (transB)
        {
            var bt = workspace.Slice(0, k * n);
            for (int j = 0; j < n; j++)
                for (int p = 0; p < k; p++)
                    bt[p * n + j] = b[j * ldb + p];
            b = bt;
            ldb = n;
        }
        for (int i = 0; i < m; i++)
        {
            var row = c.Slice(i * ldc, n);
            if (beta == 0) row.Clear();
            else if (beta != 1) TensorPrimitives.Multiply(row, beta, row);
            for (int p = 0; p < k; p++)
            {
                double av = alpha * (transA ? a[p * lda + i] : a[i * lda + p]);
                TensorPrimitives.MultiplyAdd(b.Slice(p * ldb, n), av, row, row);
            }
        }
    }
}
