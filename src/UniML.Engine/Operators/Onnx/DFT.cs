using UniML.Engine.Primitives;

namespace UniML.Engine.Operators.Onnx;

/// <summary>
/// DFT (opset 17: axis attribute; 20: axis input) and STFT (17). Signals end in a dimension of 1 (real)
/// or 2 (complex); outputs are complex. The transform is a direct O(n·k) sum in double precision over a
/// table of twiddle factors, which handles any length (no power-of-two requirement).
/// </summary>
internal sealed class DFT(long axisAttribute, bool axisInput, bool inverse, bool onesided, bool stft) : Kernel
{
    public static Kernel Create(NodeInfo node) =>
        new DFT(node.Opset >= 20 ? -2 : node.GetInt("axis", 1), node.Opset >= 20, node.GetInt("inverse", 0) != 0, node.GetInt("onesided", 0) != 0, false);

    public static Kernel CreateStft(NodeInfo node) => new DFT(0, false, false, node.GetInt("onesided", 1) != 0, true);

    public override void Run(KernelContext context)
    {
        if (stft) RunStft(context);
        else RunDft(context);
    }

    void RunDft(KernelContext context)
    {
        var x = context.Input(0);
        int rank = x.Rank;
        if (rank < 2 || x.Shape[rank - 1] is not (1 or 2))
            throw new InferenceException($"the signal must end in a dimension of 1 (real) or 2 (complex), got {x.ShapeString}");
        long axisValue = axisInput && context.OptionalInput(2) is { Length: > 0 } ai ? ShapeInputs.ScalarInt64(ai) : axisAttribute;
        int axis = ShapeInputs.Axis(axisValue, rank);
        if (axis == rank - 1) throw new InferenceException("the DFT axis cannot be the real/imaginary axis");
        int length = x.Shape[axis];
        int n = context.OptionalInput(1) is { Length: > 0 } lengthInput ? ShapeInputs.Dim(ShapeInputs.ScalarInt64(lengthInput)) : length;
        if (n < 1) throw new InferenceException($"dft_length must be positive, got {n}");
        int k = onesided ? n / 2 + 1 : n;
        Span<int> shape = stackalloc int[rank];
        x.Shape.CopyTo(shape);
        shape[axis] = k;
        shape[rank - 1] = 2;
        var y = context.Output(0, x.Type, shape);

        int components = x.Shape[rank - 1];
        var input = ReadDouble(context, x, 0);
        var output = context.Scratch<double>(y.Length, 1);
        var cos = context.Scratch<double>(n, 2);
        var sin = context.Scratch<double>(n, 3);
        Twiddles(n, inverse, cos, sin);
        int outer = ShapeInputs.Product(x.Shape, 0, axis);
        int inner = ShapeInputs.Product(x.Shape, axis + 1, rank - 1);
        double scale = inverse ? 1.0 / n : 1.0;
        for (int o = 0; o < outer; o++)
            for (int i = 0; i < inner; i++)
            {
                int inBase = o * length * inner + i, outBase = o * k * inner + i;
                for (int f = 0; f < k; f++)
                {
                    double re = 0, im = 0;
                    for (int t = 0, m = 0; t < Math.Min(n, length); t++, m = (m + f) % n)
                    {
                        int at = (inBase + t * inner) * components;
                        double xr = input[at], xi = components == 2 ? input[at + 1] : 0;
                        re += xr * cos[m] - xi * sin[m];
                        im += xr * sin[m] + xi * cos[m];
                    }
                    int dst = (outBase + f * inner) * 2;
                    output[dst] = re * scale;
                    output[dst + 1] = im * scale;
                }
            }
        Conversion.From<double>(output, y);
    }

    void RunStft(KernelContext context)
    {
        var x = context.Input(0);
        if (x.Rank != 3 || x.Shape[2] is not (1 or 2))
            throw new InferenceException($"the signal must be [batch, length, 1 or 2], got {x.ShapeString}");
        int step = ShapeInputs.Dim(ShapeInputs.ScalarInt64(context.Input(1)));
        var window = context.OptionalInput(2) is { Length: > 0 } w ? w : null;
        int frameLength = context.OptionalInput(3) is { Length: > 0 } fl
            ? ShapeInputs.Dim(ShapeInputs.ScalarInt64(fl))
            : window?.Length ?? throw new InferenceException("either window or frame_length is required");
        if (window is not null && window.Length != frameLength)
            throw new InferenceException($"window has {window.Length} entries, frame_length is {frameLength}");
        if (step < 1 || frameLength < 1) throw new InferenceException("frame_step and frame_length must be positive");
        int batch = x.Shape[0], length = x.Shape[1], components = x.Shape[2];
        if (length < frameLength) throw new InferenceException($"signal of {length} samples is shorter than a frame ({frameLength})");
        int frames = 1 + (length - frameLength) / step;
        int k = onesided ? frameLength / 2 + 1 : frameLength;
        var y = context.Output(0, x.Type, [batch, frames, k, 2]);
        var input = ReadDouble(context, x, 0);
        var weights = window is not null ? ReadDouble(context, window, 4) : default;
        var output = context.Scratch<double>(y.Length, 1);
        var cos = context.Scratch<double>(frameLength, 2);
        var sin = context.Scratch<double>(frameLength, 3);
        Twiddles(frameLength, false, cos, sin);
        for (int b = 0; b < batch; b++)
            for (int fr = 0; fr < frames; fr++)
                for (int f = 0; f < k; f++)
                {
                    double re = 0, im = 0;
                    for (int t = 0, m = 0; t < frameLength; t++, m = (m + f) % frameLength)
                    {
                        int at = (b * length + fr * step + t) * components;
                        double wt = window is not null ? weights[t] : 1;
                        double xr = input[at] * wt, xi = components == 2 ? input[at + 1] * wt : 0;
                        re += xr * cos[m] - xi * sin[m];
                        im += xr * sin[m] + xi * cos[m];
                    }
                    int dst = (((b * frames) + fr) * k + f) * 2;
                    output[dst] = re;
                    output[dst + 1] = im;
                }
        Conversion.From<double>(output, y);
    }

    /// <summary>e^(∓2πi m / n) for m in [0, n): minus for the forward transform.</summary>
    static void Twiddles(int n, bool inverse, Span<double> cos, Span<double> sin)
    {
        double sign = inverse ? 1 : -1;
        for (int m = 0; m < n; m++)
        {
            double theta = 2 * Math.PI * m / n;
            cos[m] = Math.Cos(theta);
            sin[m] = sign * Math.Sin(theta);
        }
    }

    static Span<double> ReadDouble(KernelContext context, Tensor t, int slot)
    {
        if (!ElementTypes.IsFloat(t.Type)) throw new InferenceException($"expected a floating-point tensor, got {t.TypeName}");
        var d = context.Scratch<double>(t.Length, slot);
        Conversion.ToDouble(t, d);
        return d;
    }
}
