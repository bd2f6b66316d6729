using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace UniML.Engine.Primitives;

/// <summary>
/// Lowers N-D convolution to GEMM. <see cref="Expand"/> (im2col) copies, for every channel and kernel
/// offset, the input values each output position reads into one row of a [channels·kernel, outputs]
/// matrix (zeros where the window falls into padding); <see cref="Accumulate"/> (col2im) is its adjoint,
/// adding such a matrix back into an image, which is how ConvTranspose scatters its products.
/// Position o of a dimension reads image index o·stride − padBegin + k·dilation.
/// </summary>
internal static class Im2Col
{
    public static void Expand<T>(ReadOnlySpan<T> image, ReadOnlySpan<int> imageDims, int channels, ReadOnlySpan<int> kernel,
        ReadOnlySpan<int> strides, ReadOnlySpan<int> dilations, ReadOnlySpan<int> padBegin, ReadOnlySpan<int> outDims, Span<T> col)
        where T : unmanaged
        => Walk<T, CopyOp<T>>(image, default, imageDims, channels, kernel, strides, dilations, padBegin, outDims, col);

    /// <summary>
    /// 2-D im2col written straight into the SGEMM's packed B layout (<see cref="Gemm.PackedBLength"/> floats
    /// for k = channels·kh·kw, n = outH·outW), so the multiply does not copy the column matrix a second time.
    /// </summary>
    public static unsafe void ExpandPacked2D(ReadOnlySpan<float> image, int height, int width, int channels, int kh, int kw,
        int strideH, int strideW, int dilationH, int dilationW, int padTop, int padLeft, int outH, int outW, Span<float> packed)
    {
        int nr = Gemm.NR, kcMax = Gemm.KC;
        int k = channels * kh * kw, n = outH * outW;
        int np = (n + nr - 1) / nr * nr;
        if (packed.Length < Gemm.PackedBLength(k, n) || image.Length < channels * height * width)
            throw new ArgumentException("im2col operands are smaller than their shapes");
        fixed (float* src = image)
        fixed (float* dst = packed)
        {
            for (int p = 0; p < k; p++)
            {
                int c = p / (kh * kw), ki = p / kw % kh, kj = p % kw;
                int pc = p / kcMax * kcMax, kcb = Math.Min(kcMax, k - pc);
                var row = new PanelRow(dst + (long)pc * np + (long)(p - pc) * nr, kcb * nr, nr);
                int colOffset = kj * dilationW - padLeft;
                // Output columns ox whose image column ox·s + colOffset lies in [0, width).
                int lo = colOffset >= 0 ? 0 : (-colOffset + strideW - 1) / strideW;
                int hi = width - colOffset <= 0 ? 0 : Math.Min(outW, (width - colOffset - 1) / strideW + 1);
                if (hi < lo) hi = lo;
                float* plane = src + (long)c * height * width;
                for (int oy = 0; oy < outH; oy++)
                {
                    int iy = oy * strideH - padTop + ki * dilationH;
                    if ((uint)iy >= (uint)height || hi == lo) { row.Zeros(outW); continue; }
                    row.Zeros(lo);
                    row.Values(plane + (long)iy * width + colOffset + lo * strideW, strideW, hi - lo);
                    row.Zeros(outW - hi);
                }
                row.Zeros(np - n);
            }
        }
    }

    /// <summary>One row of a packed B operand: NR-wide pieces, one per panel, <c>panelStride</c> floats apart.</summary>
    unsafe struct PanelRow(float* start, int panelStride, int nr)
    {
        float* _panel = start;
        int _lane;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Zeros(int count)
        {
            while (count > 0)
            {
                int piece = Math.Min(count, nr - _lane);
                float* to = _panel + _lane;
                if (piece >= 8) { new Span<float>(to, piece).Clear(); }
                else for (int i = 0; i < piece; i++) to[i] = 0;
                Advance(piece);
                count -= piece;
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Values(float* from, int stride, int count)
        {
            while (count > 0)
            {
                int piece = Math.Min(count, nr - _lane);
                float* to = _panel + _lane;
                if (stride == 1) CopyShort(to, from, piece);
                else for (int i = 0; i < piece; i++) to[i] = from[(long)i * stride];
                from += (long)piece * stride;
                Advance(piece);
                count -= piece;
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        void Advance(int piece)
        {
            _lane += piece;
            if (_lane == nr) { _lane = 0; _panel += panelStride; }
        }
    }

    /// <summary>Copies a short run (a panel piece, an image row) with overlapping vector moves instead of a memmove call.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static unsafe void CopyShort(float* to, float* from, int count)
    {
        if (count >= 16)
        {
            int i = 0;
            for (; i + 16 <= count; i += 16) Vector512.Store(Vector512.Load(from + i), to + i);
            if (i < count) Vector512.Store(Vector512.Load(from + count - 16), to + count - 16);
        }
        else if (count >= 8)
        {
            var head = Vector256.Load(from);
            var tail = Vector256.Load(from + count - 8);
            head.Store(to);
            tail.Store(to + count - 8);
        }
        else if (count >= 4)
        {
            var head = Vector128.Load(from);
            var tail = Vector128.Load(from + count - 4);
            head.Store(to);
            tail.Store(to + count - 4);
        }
        else for (int i = 0; i < count; i++) to[i] = from[i];
    }

    public static void Accumulate(ReadOnlySpan<float> col, Span<float> image, ReadOnlySpan<int> imageDims, int channels, ReadOnlySpan<int> kernel,
        ReadOnlySpan<int> strides, ReadOnlySpan<int> dilations, ReadOnlySpan<int> padBegin, ReadOnlySpan<int> outDims)
    {
        // The walk's "col" span is written by CopyOp and read by AddOp; AddOp writes through the image span instead.
        var colMutable = System.Runtime.InteropServices.MemoryMarshal.CreateSpan(ref System.Runtime.InteropServices.MemoryMarshal.GetReference(col), col.Length);
        Walk<float, AddOp>(default, image, imageDims, channels, kernel, strides, dilations, padBegin, outDims, colMutable);
    }

    interface IColumnOp<T>
    {
        /// <summary>One row segment: positions [0, count) of the output row map to image[start + i·stride].</summary>
        static abstract void Valid(ReadOnlySpan<T> src, Span<T> image, int start, int stride, Span<T> row);
        static abstract void Padding(Span<T> row);
    }

    readonly struct CopyOp<T> : IColumnOp<T> where T : unmanaged
    {
        public static void Valid(ReadOnlySpan<T> src, Span<T> image, int start, int stride, Span<T> row)
        {
            if (stride == 1) { src.Slice(start, row.Length).CopyTo(row); return; }
            for (int i = 0, s = start; i < row.Length; i++, s += stride) row[i] = src[s];
        }

        public static void Padding(Span<T> row) => row.Clear();
    }

    readonly struct AddOp : IColumnOp<float>
    {
        public static void Valid(ReadOnlySpan<float> src, Span<float> image, int start, int stride, Span<float> row)
        {
            if (stride == 1)
            {
                var dst = image.Slice(start, row.Length);
                System.Numerics.Tensors.TensorPrimitives.Add(dst, row, dst);
                return;
            }
            for (int i = 0, s = start; i < row.Length; i++, s += stride) image[s] += row[i];
        }

        public static void Padding(Span<float> row) { }
    }

    static void Walk<T, TOp>(ReadOnlySpan<T> src, Span<T> image, ReadOnlySpan<int> imageDims, int channels, ReadOnlySpan<int> kernel,
        ReadOnlySpan<int> strides, ReadOnlySpan<int> dilations, ReadOnlySpan<int> padBegin, ReadOnlySpan<int> outDims, Span<T> col)
        where T : unmanaged where TOp : IColumnOp<T>
    {
        int r = imageDims.Length;
        int imageVol = 1, outVol = 1, kVol = 1;
        for (int i = 0; i < r; i++) { imageVol *= imageDims[i]; outVol *= outDims[i]; kVol *= kernel[i]; }
        if (outVol == 0) return;
        Span<int> kIdx = stackalloc int[r];
        Span<int> oIdx = stackalloc int[r];
        Span<int> imageStride = stackalloc int[r];
        int acc = 1;
        for (int i = r - 1; i >= 0; i--) { imageStride[i] = acc; acc *= imageDims[i]; }
        int lastOut = outDims[r - 1], lastIn = imageDims[r - 1], lastStride = strides[r - 1];
        int outer = outVol / lastOut;
        int row = 0;
        for (int c = 0; c < channels; c++)
        {
            int channelBase = c * imageVol;
            kIdx.Clear();
            for (int kk = 0; kk < kVol; kk++, row++)
            {
                var dst = col.Slice(row * outVol, outVol);
                int lastOffset = kIdx[r - 1] * dilations[r - 1] - padBegin[r - 1];
                // Output positions ox whose image index ox·s + lastOffset lies in [0, lastIn).
                int lo = lastOffset >= 0 ? 0 : (-lastOffset + lastStride - 1) / lastStride;
                int hi = lastIn - lastOffset <= 0 ? 0 : Math.Min(lastOut, (lastIn - lastOffset - 1) / lastStride + 1);
                if (hi < lo) hi = lo;
                oIdx.Clear();
                for (int o = 0; o < outer; o++)
                {
                    var seg = dst.Slice(o * lastOut, lastOut);
                    int offset = channelBase;
                    bool inside = true;
                    for (int d = 0; d < r - 1; d++)
                    {
                        int p = oIdx[d] * strides[d] - padBegin[d] + kIdx[d] * dilations[d];
                        if ((uint)p >= (uint)imageDims[d]) { inside = false; break; }
                        offset += p * imageStride[d];
                    }
                    if (!inside || hi == lo) TOp.Padding(seg);
                    else
                    {
                        if (lo > 0) TOp.Padding(seg[..lo]);
                        TOp.Valid(src, image, offset + lo * lastStride + lastOffset, lastStride, seg[lo..hi]);
                        if (hi < lastOut) TOp.Padding(seg[hi..]);
                    }
                    for (int d = r - 2; d >= 0; d--)
                    {
                        if (++oIdx[d] < outDims[d]) break;
                        oIdx[d] = 0;
                    }
                }
                for (int d = r - 1; d >= 0; d--)
                {
                    if (++kIdx[d] < kernel[d]) break;
                    kIdx[d] = 0;
                }
            }
        }
    }
}
