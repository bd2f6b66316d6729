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
