using UniML.Engine.Operators;
using UniML.Onnx;

namespace UniML.Engine.Primitives;

/// <summary>
/// The attributes of the convolution operators (Conv, ConvInteger, QLinearConv, ConvTranspose): the sliding
/// window (kernel_shape, strides, dilations, pads, auto_pad: <see cref="WindowGeometry"/>), group, and
/// ConvTranspose's output_padding and output_shape, parsed and validated once at load. <see cref="Resolve"/>
/// and <see cref="ResolveTransposed"/> check a run's X and W against them and compute each spatial
/// dimension's output size, pads, stride and dilation.
/// </summary>
internal sealed class ConvGeometry
{
    public WindowGeometry Window { get; }
    public int Group { get; }
    readonly int[]? _outputPadding, _outputShape;

    ConvGeometry(WindowGeometry window, int group, int[]? outputPadding, int[]? outputShape)
    {
        Window = window;
        Group = group;
        _outputPadding = outputPadding;
        _outputShape = outputShape;
    }

    /// <summary>Parses the attributes; <paramref name="transposed"/> also reads output_padding and output_shape.</summary>
    public static ConvGeometry Parse(NodeInfo node, bool transposed = false)
    {
        var window = WindowGeometry.Parse(node, kernelRequired: false);
        long group = node.GetInt("group", 1);
        if (group < 1 || group > int.MaxValue) throw node.Invalid($"group {group} must be positive");
        return new ConvGeometry(window, (int)group,
            transposed ? WindowGeometry.ToInts(node, "output_padding") : null, transposed ? WindowGeometry.ToInts(node, "output_shape") : null);
    }

    /// <summary>
    /// Constant float weights packed per group as GEMM A operands at load, or null: for Conv, W_g [M/g, C/g·kernel];
    /// for ConvTranspose (<paramref name="transposed"/>), W_gᵀ [M/g·kernel, C/g] read from W's [C/g, M/g·kernel] rows.
    /// </summary>
    public PackedMatrix[]? PackWeights(NodeInfo node, bool transposed)
    {
        if (node.ConstantInput(1) is not { Type: ElementType.Float } w || w.Rank < 3 || w.Shape[0] % Group != 0) return null;
        int rows = w.Shape[0] / Group, cols = w.Length / Math.Max(w.Shape[0], 1);
        var packed = new PackedMatrix[Group];
        for (int i = 0; i < Group; i++)
        {
            var slice = w.Span<float>().Slice(i * rows * cols, rows * cols);
            packed[i] = transposed ? Gemm.PackA(slice, cols, true, cols, rows) : Gemm.PackA(slice, cols, false, rows, cols);
        }
        return packed;
    }

    /// <summary>
    /// Sizes of a forward convolution of X [N, C, d…] by W [M, C/group, k…] (Conv, ConvInteger, QLinearConv).
    /// <paramref name="storage"/> holds <see cref="StorageLength"/> ints for the result's spans.
    /// </summary>
    public ConvShape Resolve(ReadOnlySpan<int> x, ReadOnlySpan<int> w, Span<int> storage)
    {
        int r = x.Length - 2;
        if (r < 1 || w.Length != x.Length)
            throw new InferenceException($"X {Tensor.ShapeText(x)} and W {Tensor.ShapeText(w)} must have the same rank, 3 or more");
        int channels = x[1], m = w[0], g = Group;
        if (channels != w[1] * g || m % g != 0)
            throw new InferenceException($"channels do not match: X {Tensor.ShapeText(x)}, W {Tensor.ShapeText(w)}, group {g}");
        var kernel = w[2..];
        if (Window.KernelShape is { } ks && !ks.AsSpan().SequenceEqual(kernel))
            throw new InferenceException($"kernel_shape {Tensor.ShapeText(ks)} does not match W {Tensor.ShapeText(w)}");
        var shape = new ConvShape(x, kernel, m, g, storage);
        Window.Resolve(shape.Input, kernel, shape.Output, shape.PadBegin, shape.PadEnd);
        shape.Complete(Window);
        return shape;
    }

    /// <summary>
    /// Sizes of a ConvTranspose of X [N, C, d…] by W [C, M/group, k…]: per dimension s·(in − 1) + output_padding +
    /// (k − 1)·d + 1 − pads, or as given by output_shape (or SAME auto_pad: in·s) with the pads derived from it,
    /// split as the specification's formula says.
    /// </summary>
    public ConvShape ResolveTransposed(ReadOnlySpan<int> x, ReadOnlySpan<int> w, Span<int> storage)
    {
        int r = x.Length - 2;
        if (r < 1 || w.Length != x.Length)
            throw new InferenceException($"X {Tensor.ShapeText(x)} and W {Tensor.ShapeText(w)} must have the same rank, 3 or more");
        int channels = x[1], g = Group;
        if (w[0] != channels || channels % g != 0)
            throw new InferenceException($"channels do not match: X {Tensor.ShapeText(x)}, W {Tensor.ShapeText(w)}, group {g}");
        var shape = new ConvShape(x, w[2..], w[1] * g, g, storage);
        var input = shape.Input;
        var autoPad = Window.AutoPad;
        for (int i = 0; i < r; i++)
        {
            int s = Window.Stride(i);
            int extent = (shape.Kernel[i] - 1) * Window.Dilation(i) + 1;
            int outPad = _outputPadding is { } op && op.Length == r ? op[i] : 0;
            int natural = s * (input[i] - 1) + outPad + extent;
            int? target = _outputShape is { } os ? os[os.Length - r + i] : autoPad is AutoPad.SameUpper or AutoPad.SameLower ? input[i] * s : null;
            if (target is int t)
            {
                // Floor division as in the specification's formula: a negative total (output_shape larger
                // than the natural size) becomes extra rows at the end, like output_padding.
                int total = natural - t, half = (int)Math.Floor(total / 2.0);
                shape.PadBegin[i] = autoPad == AutoPad.SameUpper ? half : total - half;
                shape.PadEnd[i] = total - shape.PadBegin[i];
                shape.Output[i] = t;
            }
            else
            {
                shape.PadBegin[i] = autoPad == AutoPad.Valid ? 0 : Window.Pads?[i] ?? 0;
                shape.PadEnd[i] = autoPad == AutoPad.Valid ? 0 : Window.Pads?[i + r] ?? 0;
                shape.Output[i] = natural - shape.PadBegin[i] - shape.PadEnd[i];
            }
            if (shape.Output[i] < 0)
                throw new InferenceException($"output dimension {i} would be negative");
        }
        shape.Complete(Window);
        return shape;
    }

    /// <summary>Ints of storage a <see cref="ConvShape"/> of X's rank needs.</summary>
    public static int StorageLength(int xRank) => 5 * Math.Max(xRank - 2, 0);
}

/// <summary>
/// One run's convolution sizes, from <see cref="ConvGeometry.Resolve"/>: per spatial dimension the input, kernel
/// and output sizes, pads, stride and dilation (spans over the caller's stack memory), and the volumes.
/// </summary>
internal ref struct ConvShape
{
    public readonly int Batch, Channels, Filters, Group;
    public readonly ReadOnlySpan<int> Input, Kernel;
    public readonly Span<int> Output, PadBegin, PadEnd, Strides, Dilations;
    public int InputVolume, KernelVolume, OutputVolume;

    public ConvShape(ReadOnlySpan<int> x, ReadOnlySpan<int> kernel, int filters, int group, Span<int> storage)
    {
        int r = x.Length - 2;
        if (storage.Length < 5 * r) throw new ArgumentException("ConvShape storage is too small");
        Batch = x[0];
        Channels = x[1];
        Filters = filters;
        Group = group;
        Input = x[2..];
        Kernel = kernel;
        Output = storage.Slice(0, r);
        PadBegin = storage.Slice(r, r);
        PadEnd = storage.Slice(2 * r, r);
        Strides = storage.Slice(3 * r, r);
        Dilations = storage.Slice(4 * r, r);
    }

    public readonly int Rank => Input.Length;
    public readonly int ChannelsPerGroup => Channels / Group;
    public readonly int FiltersPerGroup => Filters / Group;

    /// <summary>The 1×…×1, stride-1, unpadded case, where the im2col matrix is the image itself.</summary>
    public readonly bool IsPointwise
    {
        get
        {
            for (int i = 0; i < Rank; i++)
                if (Kernel[i] != 1 || Strides[i] != 1 || PadBegin[i] != 0 || PadEnd[i] != 0) return false;
            return true;
        }
    }

    /// <summary>Y's shape [N, M, out…] into <paramref name="shape"/> (X's rank).</summary>
    public readonly void OutputShape(Span<int> shape)
    {
        shape[0] = Batch;
        shape[1] = Filters;
        Output.CopyTo(shape[2..]);
    }

    internal void Complete(WindowGeometry window)
    {
        for (int i = 0; i < Rank; i++)
        {
            Strides[i] = window.Stride(i);
            Dilations[i] = window.Dilation(i);
        }
        ComputeVolumes();
    }

    /// <summary>Sets the volumes from the input, kernel and output sizes.</summary>
    internal void ComputeVolumes()
    {
        InputVolume = KernelVolume = OutputVolume = 1;
        for (int i = 0; i < Rank; i++)
        {
            InputVolume *= Input[i];
            KernelVolume *= Kernel[i];
            OutputVolume *= Output[i];
        }
    }
}
