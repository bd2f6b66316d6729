namespace UniML.Engine.Primitives;

/// <summary>
/// im2col without writing the im2col matrix, for convolutions whose strides are 1 in every spatial dimension
/// but the last. For each input channel c and kernel offset kx along the last dimension, one plane holds the
/// image with that offset, and the last dimension's stride and dilation, applied: rows of outW values, the
/// other dimensions zero-padded to the extent the kernel sweeps (out + (k − 1)·dilation). The im2col row of
/// (c, k₀, …, kx), restricted to one index of the dimensions before the last two, is then a contiguous run of
/// plane (c, kx) at offset Σ k_d·dilation_d·rowStride_d (<see cref="RowOffsets"/>), which the SGEMM reads in
/// place (<see cref="GemmOperand.Rows"/>). The planes hold channels·kw·rows·outW floats where the im2col
/// matrix holds channels·kernel·outputs: about kh times fewer writes for a 2-D kernel.
/// </summary>
internal readonly ref struct ShiftedPlanes
{
    readonly ReadOnlySpan<int> _input, _kernel, _output, _padBegin, _dilations;
    readonly int _stride, _channels;
    /// <summary>Plane offset of one step in each dimension but the last (the last is 1).</summary>
    readonly Span<int> _rowStride;

    /// <summary>Floats from one plane's start to the next (its length rounded up, see the constructor).</summary>
    public int PlaneStride { get; }
    /// <summary>GEMM columns per block: the outputs of the last two dimensions (of the last, for 1-D).</summary>
    public int Columns { get; }
    /// <summary>GEMM column blocks: one per output index of the dimensions before the last two.</summary>
    public int Blocks { get; }
    /// <summary>Floats the planes take, including the tail the SGEMM's whole-vector reads may touch.</summary>
    public int Length { get; }

    /// <summary>Whether <paramref name="shape"/> has stride 1 in every dimension but the last.</summary>
    public static bool Applies(in ConvShape shape)
    {
        for (int i = 0; i < shape.Rank - 1; i++)
            if (shape.Strides[i] != 1) return false;
        return true;
    }

    /// <summary>
    /// The layout for one group's <paramref name="channels"/> of <paramref name="shape"/> (which
    /// <see cref="Applies"/> to); <paramref name="storage"/> holds the rank's worth of ints.
    /// </summary>
    public ShiftedPlanes(in ConvShape shape, int channels, Span<int> storage)
    {
        int r = shape.Rank, last = r - 1;
        _input = shape.Input;
        _kernel = shape.Kernel;
        _output = shape.Output;
        _padBegin = shape.PadBegin;
        _dilations = shape.Dilations;
        _stride = shape.Strides[last];
        _channels = channels;
        _rowStride = storage.Slice(0, r);
        _rowStride[last] = 1;
        int length = _output[last];
        for (int d = last - 1; d >= 0; d--)
        {
            _rowStride[d] = length;
            length *= Extent(d);
        }
        // Rounded to whole cache lines, and off multiples of 4 KB so the rows of successive planes that one
        // microkernel panel reads do not all fall in the same L1 sets.
        int planeStride = (length + 15) / 16 * 16;
        if (planeStride % 1024 == 0) planeStride += 16;
        PlaneStride = planeStride;
        Columns = r >= 2 ? _output[last - 1] * _output[last] : _output[last];
        int blocks = 1;
        for (int d = 0; d < r - 2; d++) blocks *= _output[d];
        Blocks = blocks;
        Length = channels * _kernel[last] * planeStride + Gemm.RowReadLength(Columns);
    }

    /// <summary>Rows a plane spans in dimension d (not the last): every index the kernel reaches at stride 1.</summary>
    int Extent(int d) => _output[d] + (_kernel[d] - 1) * _dilations[d];

    /// <summary>Writes the planes of <paramref name="image"/> ([channels, input…]) into <paramref name="planes"/> (<see cref="Length"/> floats).</summary>
    public unsafe void Expand(ReadOnlySpan<float> image, Span<float> planes)
    {
        int r = _input.Length, last = r - 1;
        int width = _input[last], outW = _output[last], kw = _kernel[last], stride = _stride;
        int imageVolume = 1;
        for (int d = 0; d < r; d++) imageVolume *= _input[d];
        if (image.Length < _channels * imageVolume || planes.Length < Length)
            throw new ArgumentException("shifted planes' operands are smaller than their shapes");
        // A plane is slabs (one per index of the dimensions before the last two) of `extent` rows; in each slab,
        // rows [rowLo, rowHi) read image rows from rowLo − top, the others are padding.
        int extent = r >= 2 ? Extent(last - 1) : 1, height = r >= 2 ? _input[last - 1] : 1, top = r >= 2 ? _padBegin[last - 1] : 0;
        int rowLo = Math.Clamp(top, 0, extent), rowHi = Math.Clamp(top + height, rowLo, extent);
        int slabs = 1;
        for (int d = 0; d < last - 1; d++) slabs *= Extent(d);
        int slabLength = extent * outW;
        Span<int> slab = stackalloc int[Math.Max(last - 1, 1)];
        fixed (float* src = image)
        fixed (float* dst = planes)
        {
            for (int c = 0; c < _channels; c++)
            {
                for (int kx = 0; kx < kw; kx++)
                {
                    float* plane = dst + (long)(c * kw + kx) * PlaneStride;
                    int colOffset = kx * _dilations[last] - _padBegin[last];
                    // Output columns ox whose image column ox·stride + colOffset lies in [0, width).
                    int lo = colOffset >= 0 ? 0 : (-colOffset + stride - 1) / stride;
                    int hi = width - colOffset <= 0 ? 0 : Math.Min(outW, (width - colOffset - 1) / stride + 1);
                    slab.Clear();
                    for (int si = 0; si < slabs; si++)
                    {
                        float* to = plane + (long)si * slabLength;
                        long at = (long)c * imageVolume + (long)(rowLo - top) * width + colOffset + (long)lo * stride;
                        bool inside = hi > lo && rowHi > rowLo;
                        for (int d = 0, imageStride = imageVolume; d < last - 1 && inside; d++)
                        {
                            imageStride /= _input[d];
                            int index = slab[d] - _padBegin[d];
                            inside = (uint)index < (uint)_input[d];
                            at += (long)index * imageStride;
                        }
                        if (!inside) Zero(to, slabLength);
                        else
                        {
                            Zero(to, rowLo * outW);
                            CopyRows(to + rowLo * outW, src + at, rowHi - rowLo, outW, width, lo, hi, stride);
                            Zero(to + rowHi * outW, (extent - rowHi) * outW);
                        }
                        for (int d = last - 2; d >= 0; d--)
                        {
                            if (++slab[d] < Extent(d)) break;
                            slab[d] = 0;
                        }
                    }
                    // The gap to the next plane and the tail are only read into dropped columns; zeros keep them finite.
                    Zero(plane + (long)slabs * slabLength, PlaneStride - slabs * slabLength);
                }
            }
            long end = (long)_channels * kw * PlaneStride;
            Zero(dst + end, (int)(Length - end));
        }
    }

    /// <summary>
    /// Rows of outW values: zeros before column lo and from column hi, image values (every <paramref name="stride"/>-th
    /// from <paramref name="from"/>, the image value of column lo) between; successive rows read <paramref name="width"/> further.
    /// </summary>
    static unsafe void CopyRows(float* to, float* from, int rows, int outW, int width, int lo, int hi, int stride)
    {
        int count = hi - lo;
        if (stride == 1 && lo == 0 && hi == outW)
        {
            for (int i = 0; i < rows; i++, to += outW, from += width) Im2Col.CopyShort(to, from, count);
            return;
        }
        for (int i = 0; i < rows; i++, to += outW, from += width)
        {
            for (int j = 0; j < lo; j++) to[j] = 0;
            if (stride == 1) Im2Col.CopyShort(to + lo, from, count);
            else for (int j = 0; j < count; j++) to[lo + j] = from[(long)j * stride];
            for (int j = hi; j < outW; j++) to[j] = 0;
        }
    }

    /// <summary>
    /// The plane offset of each im2col row (channel, then kernel indices, in W's order) for column block 0
    /// into <paramref name="offsets"/> (channels·kernel volume ints).
    /// </summary>
    public void RowOffsets(Span<int> offsets)
    {
        int r = _input.Length, last = r - 1, kw = _kernel[last];
        int outer = 1;
        for (int d = 0; d < last; d++) outer *= _kernel[d];
        if (offsets.Length < _channels * outer * kw) throw new ArgumentException("offsets are smaller than the im2col rows");
        Span<int> k = stackalloc int[Math.Max(last, 1)];
        int p = 0;
        for (int c = 0; c < _channels; c++)
        {
            k.Clear();
            for (int o = 0; o < outer; o++)
            {
                int shift = 0;
                for (int d = 0; d < last; d++) shift += k[d] * _dilations[d] * _rowStride[d];
                for (int kx = 0; kx < kw; kx++) offsets[p++] = (c * kw + kx) * PlaneStride + shift;
                for (int d = last - 1; d >= 0; d--)
                {
                    if (++k[d] < _kernel[d]) break;
                    k[d] = 0;
                }
            }
        }
    }

    /// <summary>Plane offset of column block <paramref name="block"/> (its outputs are Y's columns from block·<see cref="Columns"/>).</summary>
    public int BlockOffset(int block)
    {
        int offset = 0;
        for (int d = _input.Length - 3; d >= 0; d--)
        {
            offset += block % _output[d] * _rowStride[d];
            block /= _output[d];
        }
        return offset;
    }

    static unsafe void Zero(float* to, int count)
    {
        if (count >= 16) new Span<float>(to, count).Clear();
        else for (int i = 0; i < count; i++) to[i] = 0;
    }
}
