using UniML.Engine.Operators;

namespace UniML.Engine.Primitives;

/// <summary>ONNX auto_pad modes shared by convolution and pooling.</summary>
internal enum AutoPad { NotSet, SameUpper, SameLower, Valid }

/// <summary>
/// The sliding-window attributes of Conv, ConvTranspose and the pooling operators (kernel_shape,
/// strides, dilations, pads, auto_pad, ceil_mode), parsed once at load; the per-input output shape and
/// effective pads are resolved at run time because auto_pad depends on the input's size.
/// </summary>
internal sealed class WindowGeometry
{
    public int[]? KernelShape { get; private init; }
    public int[]? Strides { get; private init; }
    public int[]? Dilations { get; private init; }
    public int[]? Pads { get; private init; }
    public AutoPad AutoPad { get; private init; }
    public bool CeilMode { get; private init; }

    public static WindowGeometry Parse(NodeInfo node, bool kernelRequired)
    {
        var autoPad = node.GetString("auto_pad", "NOTSET") switch
        {
            "NOTSET" or "" => AutoPad.NotSet,
            "SAME_UPPER" => AutoPad.SameUpper,
            "SAME_LOWER" => AutoPad.SameLower,
            "VALID" => AutoPad.Valid,
            var other => throw node.Invalid($"auto_pad '{other}' is not one of NOTSET, SAME_UPPER, SAME_LOWER, VALID"),
        };
        var g = new WindowGeometry
        {
            KernelShape = ToInts(node, "kernel_shape"),
            Strides = ToInts(node, "strides"),
            Dilations = ToInts(node, "dilations"),
            Pads = ToInts(node, "pads"),
            AutoPad = autoPad,
            CeilMode = node.GetInt("ceil_mode", 0) != 0,
        };
        if (kernelRequired && g.KernelShape is null)
            throw node.Invalid("attribute 'kernel_shape' is required");
        if (g.KernelShape is { } k && Array.Exists(k, d => d <= 0)) throw node.Invalid("kernel_shape values must be positive");
        if (g.Strides is { } s && Array.Exists(s, d => d <= 0)) throw node.Invalid("strides must be positive");
        if (g.Dilations is { } dl && Array.Exists(dl, d => d <= 0)) throw node.Invalid("dilations must be positive");
        if (g.Pads is { } p && Array.Exists(p, d => d < 0)) throw node.Invalid("pads must not be negative");
        int rank = g.KernelShape?.Length ?? -1;
        if (rank >= 0 && ((g.Strides is not null && g.Strides.Length != rank) || (g.Dilations is not null && g.Dilations.Length != rank)
            || (g.Pads is not null && g.Pads.Length != 2 * rank)))
            throw node.Invalid("strides, dilations and pads must match kernel_shape's rank");
        return g;
    }

    internal static int[]? ToInts(NodeInfo node, string name)
    {
        var values = node.GetInts(name);
        if (values is null) return null;
        var result = new int[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            if (values[i] > int.MaxValue || values[i] < int.MinValue) throw node.Invalid($"{name} value {values[i]} is out of range");
            result[i] = (int)values[i];
        }
        return result;
    }

    public int Stride(int i) => Strides?[i] ?? 1;
    public int Dilation(int i) => Dilations?[i] ?? 1;

    /// <summary>
    /// Output size and begin/end pads of each spatial dimension for a forward window (Conv, pools).
    /// <paramref name="kernel"/> is the kernel extent per dimension (kernel_shape or the weight's dims).
    /// </summary>
    public void Resolve(ReadOnlySpan<int> input, ReadOnlySpan<int> kernel, Span<int> output, Span<int> padBegin, Span<int> padEnd)
    {
        int rank = input.Length;
        if (Strides is not null && Strides.Length != rank || Dilations is not null && Dilations.Length != rank || Pads is not null && Pads.Length != 2 * rank)
            throw new InferenceException($"strides/dilations/pads do not match the input's {rank} spatial dimensions");
        for (int i = 0; i < rank; i++)
        {
            int s = Stride(i);
            int extent = (kernel[i] - 1) * Dilation(i) + 1;
            switch (AutoPad)
            {
                case AutoPad.Valid:
                    padBegin[i] = padEnd[i] = 0;
                    output[i] = input[i] >= extent ? (input[i] - extent) / s + 1 : 0;
                    break;
                case AutoPad.SameUpper:
                case AutoPad.SameLower:
                {
                    output[i] = (input[i] + s - 1) / s;
                    int total = Math.Max(0, (output[i] - 1) * s + extent - input[i]);
                    int small = total / 2;
                    padBegin[i] = AutoPad == AutoPad.SameUpper ? small : total - small;
                    padEnd[i] = total - padBegin[i];
                    break;
                }
                default:
                {
                    padBegin[i] = Pads?[i] ?? 0;
                    padEnd[i] = Pads?[i + rank] ?? 0;
                    int span = input[i] + padBegin[i] + padEnd[i] - extent;
                    if (span < 0) { output[i] = 0; break; }
                    if (CeilMode)
                    {
                        output[i] = (span + s - 1) / s + 1;
                        // A last window that would start in the end padding is dropped (as in the spec's reference).
                        if ((output[i] - 1) * s >= input[i] + padBegin[i]) output[i]--;
                    }
                    else output[i] = span / s + 1;
                    break;
                }
            }
        }
    }
}
