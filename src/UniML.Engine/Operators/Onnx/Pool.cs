using System.Numerics;
using UniML.Engine.Primitives;
using UniML.Onnx;

namespace UniML.Engine.Operators.Onnx;

/// <summary>
/// MaxPool (with the optional Indices output, dilations, ceil_mode, storage_order), AveragePool
/// (count_include_pad, ceil_mode, dilations) and LpPool over any number of spatial dimensions. Each output
/// position gathers the plane offsets its window covers (padding skipped), then reduces them.
/// </summary>
internal sealed class Pool : Kernel
{
    enum Kind { Max, Average, Lp }

    readonly Kind _kind;
    readonly WindowGeometry _window;
    readonly bool _countIncludePad;
    readonly bool _columnMajorIndices;
    readonly float _p;

    Pool(Kind kind, WindowGeometry window, bool countIncludePad, bool columnMajor, float p)
    {
        _kind = kind;
        _window = window;
        _countIncludePad = countIncludePad;
        _columnMajorIndices = columnMajor;
        _p = p;
    }

    public static Kernel MaxPool(NodeInfo node)
    {
        var window = WindowGeometry.Parse(node, kernelRequired: true);
        if (node.InputTypes[0] is { } t && t is not (ElementType.Float or ElementType.Double or ElementType.UInt8 or ElementType.Int8 or ElementType.Float16))
            throw node.Unsupported($"MaxPool of {ElementTypeInfo.OnnxName(t)} is not implemented");
        return new Pool(Kind.Max, window, false, node.GetInt("storage_order", 0) == 1, 0);
    }

    public static Kernel AveragePool(NodeInfo node)
    {
        var window = WindowGeometry.Parse(node, kernelRequired: true);
        CheckFloat(node);
        return new Pool(Kind.Average, window, node.GetInt("count_include_pad", 0) != 0, false, 0);
    }

    public static Kernel LpPool(NodeInfo node)
    {
        var window = WindowGeometry.Parse(node, kernelRequired: true);
        CheckFloat(node);
        float p = node.Opset < 2 ? node.GetFloat("p", 2f) : node.GetInt("p", 2);
        return new Pool(Kind.Lp, window, false, false, p);
    }

    static void CheckFloat(NodeInfo node)
    {
        if (node.InputTypes[0] is { } t && t is not (ElementType.Float or ElementType.Double))
            throw node.Unsupported($"{node.OpType} of {ElementTypeInfo.OnnxName(t)} is not implemented");
    }

    public override void Run(KernelContext context)
    {
        var x = context.Input(0);
        int r = x.Rank - 2;
        var kernel = _window.KernelShape!;
        if (r < 1 || kernel.Length != r)
            throw new InferenceException($"{_kind}Pool kernel_shape {Tensor.ShapeText(kernel)} does not fit input {x.ShapeString}");
        Span<int> outDims = stackalloc int[r];
        Span<int> padBegin = stackalloc int[r];
        Span<int> padEnd = stackalloc int[r];
        _window.Resolve(x.Shape[2..], kernel, outDims, padBegin, padEnd);
        Span<int> yShape = stackalloc int[x.Rank];
        yShape[0] = x.Shape[0];
        yShape[1] = x.Shape[1];
        outDims.CopyTo(yShape[2..]);
        var y = context.Output(0, x.Type, yShape);
        Tensor? indices = _kind == Kind.Max && context.OutputCount > 1 && context.IsOutputUsed(1)
            ? context.Output(1, ElementType.Int64, yShape) : null;
        if (_kind == Kind.Max && indices is null && x.Type == ElementType.Float && r == 2 && _window.Dilation(0) == 1 && _window.Dilation(1) == 1
            && padBegin[0] == 0 && padBegin[1] == 0 && padEnd[0] == 0 && padEnd[1] == 0
            && (outDims[0] - 1) * _window.Stride(0) + kernel[0] <= x.Shape[2] && (outDims[1] - 1) * _window.Stride(1) + kernel[1] <= x.Shape[3])
        {
            MaxPlanes2D(x.Span<float>(), y.Span<float>(), x.Shape[0] * x.Shape[1], x.Shape[2], x.Shape[3], kernel[0], kernel[1],
                _window.Stride(0), _window.Stride(1), outDims[0], outDims[1]);
            return;
        }
        int kVol = 1;
        foreach (var k in kernel) kVol *= k;
        int outVol = 1;
        foreach (var d in outDims) outVol *= d;
        // Every output position's window offsets, gathered once and shared by all planes.
        var offsets = context.Scratch<int>(kVol * outVol, 0);
        var counts = context.Scratch<int>(outVol, 1);
        var paddedCounts = context.Scratch<int>(outVol, 2);
        var geometry = new Geometry(x.Shape[2..], kernel, _window, padBegin, padEnd, outDims);
        Span<int> o = stackalloc int[r];
        for (int pos = 0; pos < outVol; pos++)
        {
            counts[pos] = geometry.Gather(o, offsets.Slice(pos * kVol, kVol), out paddedCounts[pos]);
            for (int d = r - 1; d >= 0; d--)
            {
                if (++o[d] < outDims[d]) break;
                o[d] = 0;
            }
        }
        var windows = new Windows(offsets, counts, paddedCounts, kVol);
        int planes = x.Shape[0] * x.Shape[1];
        switch (x.Type)
        {
            case ElementType.Float: RunTyped<float>(x, y, indices, planes, geometry, windows); break;
            case ElementType.Double: RunTyped<double>(x, y, indices, planes, geometry, windows); break;
            case ElementType.Float16 when _kind == Kind.Max: RunTyped<Half>(x, y, indices, planes, geometry, windows); break;
            case ElementType.UInt8 when _kind == Kind.Max: RunTyped<byte>(x, y, indices, planes, geometry, windows); break;
            case ElementType.Int8 when _kind == Kind.Max: RunTyped<sbyte>(x, y, indices, planes, geometry, windows); break;
            default: throw new InferenceException($"{_kind}Pool does not support {x.TypeName}");
        }
    }

    /// <summary>
    /// MaxPool's common case (2-D float, no padding or dilation, no Indices): every window lies inside the
    /// image, so it is read directly instead of through a gathered offset list. Same NaN rule as the general path.
    /// </summary>
    static void MaxPlanes2D(ReadOnlySpan<float> x, Span<float> y, int planes, int height, int width, int kh, int kw,
        int strideH, int strideW, int outH, int outW)
    {
        int inVol = height * width, outVol = outH * outW;
        if (kh == 2 && kw == 2)
        {
            MaxPlanes2x2(x, y, planes, inVol, width, strideH, strideW, outH, outW);
            return;
        }
        for (int plane = 0; plane < planes; plane++)
        {
            var src = x.Slice(plane * inVol, inVol);
            var dst = y.Slice(plane * outVol, outVol);
            for (int oy = 0; oy < outH; oy++)
            {
                for (int ox = 0; ox < outW; ox++)
                {
                    int origin = oy * strideH * width + ox * strideW;
                    float best = src[origin];
                    for (int i = 0; i < kh; i++)
                    {
                        var line = src.Slice(origin + i * width, kw);
                        for (int j = 0; j < line.Length; j++)
                        {
                            float v = line[j];
                            if (v > best || (float.IsNaN(v) && !float.IsNaN(best))) best = v;
                        }
                    }
                    dst[oy * outW + ox] = best;
                }
            }
        }
    }

    /// <summary>
    /// 2×2 windows (LeNet-style pooling) without per-window slices: the four values are compared in the same
    /// order as the general loop (row by row), with the same rule (a larger value or the first NaN wins);
    /// vectorised for column stride 2 (<see cref="WindowMax"/>).
    /// </summary>
    static unsafe void MaxPlanes2x2(ReadOnlySpan<float> x, Span<float> y, int planes, int inVol, int width, int strideH, int strideW, int outH, int outW)
    {
        if ((long)planes * inVol > x.Length || (long)planes * outH * outW > y.Length)
            throw new InferenceException("MaxPool buffers are smaller than their shapes");
        fixed (float* xp = x)
        fixed (float* yp = y)
        {
            float* dst = yp;
            for (int plane = 0; plane < planes; plane++)
            {
                float* src = xp + (long)plane * inVol;
                for (int oy = 0; oy < outH; oy++)
                {
                    float* r0 = src + (long)oy * strideH * width;
                    float* r1 = r0 + width;
                    if (strideW == 2)
                    {
                        WindowMax.Pairs2x2(r0, r1, dst, outW);
                        dst += outW;
                        continue;
                    }
                    for (int ox = 0; ox < outW; ox++, r0 += strideW, r1 += strideW)
                    {
                        float best = r0[0];
                        best = WindowMax.Better(best, r0[1]);
                        best = WindowMax.Better(best, r1[0]);
                        best = WindowMax.Better(best, r1[1]);
                        *dst++ = best;
                    }
                }
            }
        }
    }

    /// <summary>Per output position: its window's in-image offsets (a row of Stride ints), their count, and the padded count.</summary>
    readonly ref struct Windows(Span<int> offsets, Span<int> counts, Span<int> padded, int stride)
    {
        public readonly Span<int> Offsets = offsets, Counts = counts, Padded = padded;
        public readonly int Stride = stride;
    }

    /// <summary>The input/output geometry of one run.</summary>
    readonly ref struct Geometry
    {
        public readonly ReadOnlySpan<int> In, Kernel, PadBegin, PadEnd, Out;
        public readonly WindowGeometry Window;
        public readonly int InVol, OutVol;

        public Geometry(ReadOnlySpan<int> input, ReadOnlySpan<int> kernel, WindowGeometry window, ReadOnlySpan<int> padBegin,
            ReadOnlySpan<int> padEnd, ReadOnlySpan<int> output)
        {
            In = input; Kernel = kernel; Window = window; PadBegin = padBegin; PadEnd = padEnd; Out = output;
            InVol = 1; OutVol = 1;
            for (int i = 0; i < input.Length; i++) { InVol *= input[i]; OutVol *= output[i]; }
        }

        /// <summary>
        /// Fills <paramref name="offsets"/> with the in-image plane offsets of the window at output position
        /// <paramref name="o"/>; returns their count and, in <paramref name="padded"/>, the window's size
        /// counting padding positions (those within the begin/end pads) but not positions past them.
        /// </summary>
        public int Gather(ReadOnlySpan<int> o, Span<int> offsets, out int padded)
        {
            int r = In.Length;
            Span<int> k = stackalloc int[r];
            int count = 0;
            padded = 1;
            for (int d = 0; d < r; d++)
            {
                int start = o[d] * Window.Stride(d) - PadBegin[d], dil = Window.Dilation(d), n = 0;
                for (int j = 0; j < Kernel[d]; j++)
                {
                    int p = start + j * dil;
                    if (p >= -PadBegin[d] && p < In[d] + PadEnd[d]) n++;
                }
                padded *= n;
            }
            while (true)
            {
                int offset = 0;
                bool inside = true;
                for (int d = 0; d < r; d++)
                {
                    int p = o[d] * Window.Stride(d) - PadBegin[d] + k[d] * Window.Dilation(d);
                    if ((uint)p >= (uint)In[d]) { inside = false; break; }
                    offset = offset * In[d] + p;
                }
                if (inside) offsets[count++] = offset;
                int dd = r - 1;
                for (; dd >= 0; dd--)
                {
                    if (++k[dd] < Kernel[dd]) break;
                    k[dd] = 0;
                }
                if (dd < 0) break;
            }
            return count;
        }
    }

    void RunTyped<T>(Tensor x, Tensor y, Tensor? indices, int planes, Geometry g, Windows w) where T : unmanaged, INumber<T>
    {
        var xv = x.Span<T>();
        var yv = y.Span<T>();
        var iv = indices is null ? default : indices.Span<long>();
        // Plane by plane, so each input plane is read while it is in cache.
        for (int plane = 0; plane < planes; plane++)
        {
            var src = xv.Slice(plane * g.InVol, g.InVol);
            var dstPlane = yv.Slice(plane * g.OutVol, g.OutVol);
            for (int pos = 0; pos < g.OutVol; pos++)
            {
                int count = w.Counts[pos];
                var offsets = w.Offsets.Slice(pos * w.Stride, count);
                switch (_kind)
                {
                    case Kind.Max:
                    {
                        T best = T.Zero;
                        int bestOffset = -1;
                        foreach (var off in offsets)
                        {
                            var v = src[off];
                            if (bestOffset < 0 || v > best || (T.IsNaN(v) && !T.IsNaN(best))) { best = v; bestOffset = off; }
                        }
                        // An all-padding window has no element: the reference yields the lowest value.
                        dstPlane[pos] = bestOffset >= 0 ? best : Lowest<T>();
                        if (!iv.IsEmpty) iv[plane * g.OutVol + pos] = (long)plane * g.InVol + IndexOf(Math.Max(bestOffset, 0), g.In);
                        break;
                    }
                    case Kind.Average:
                    {
                        double sum = 0;
                        foreach (var off in offsets) sum += double.CreateTruncating(src[off]);
                        int div = _countIncludePad ? w.Padded[pos] : count;
                        dstPlane[pos] = T.CreateTruncating(div == 0 ? double.NaN : sum / div);
                        break;
                    }
                    default:
                    {
                        double sum = 0;
                        foreach (var off in offsets) sum += Math.Pow(Math.Abs(double.CreateTruncating(src[off])), _p);
                        dstPlane[pos] = T.CreateTruncating(Math.Pow(sum, 1.0 / _p));
                        break;
                    }
                }
            }
        }
    }

    /// <summary>Plane offset as an Indices value: row-major by default, column-major for storage_order=1.</summary>
    long IndexOf(int offset, ReadOnlySpan<int> dims)
    {
        if (!_columnMajorIndices) return offset;
        long index = 0;
        for (int d = dims.Length - 1; d >= 0; d--)
        {
            int coord = offset % dims[d];
            offset /= dims[d];
            index += coord * ColumnStride(dims, d);
        }
        return index;
    }

    static long ColumnStride(ReadOnlySpan<int> dims, int d)
    {
        long s = 1;
        for (int i = 0; i < d; i++) s *= dims[i];
        return s;
    }

    static T Lowest<T>() where T : unmanaged, INumber<T>
    {
        if (typeof(T) == typeof(float)) return (T)(object)float.MinValue;
        if (typeof(T) == typeof(double)) return (T)(object)double.MinValue;
        if (typeof(T) == typeof(Half)) return (T)(object)Half.MinValue;
        if (typeof(T) == typeof(byte)) return (T)(object)byte.MinValue;
        return (T)(object)sbyte.MinValue;
    }
}
