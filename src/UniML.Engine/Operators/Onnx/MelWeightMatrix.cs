using UniML.Engine.Primitives;
using UniML.Onnx;

namespace UniML.Engine.Operators.Onnx;

/// <summary>
/// MelWeightMatrix (opset 17): a [dft_length/2 + 1, num_mel_bins] matrix of triangular filters whose
/// edges are evenly spaced on the mel scale (2595·log10(1 + f/700)) between the lower and upper edge
/// frequencies, with edges snapped to whole spectrogram bins as the ONNX reference does.
/// </summary>
internal sealed class MelWeightMatrix(ElementType type) : Kernel
{
    public static Kernel Create(NodeInfo node)
    {
        var type = (ElementType)node.GetInt("output_datatype", (long)ElementType.Float);
        if (type is ElementType.String or ElementType.Bool || !Tensor.IsSupported(type))
            throw node.Unsupported($"output_datatype {ElementTypeInfo.OnnxName(type)} is not supported");
        return new MelWeightMatrix(type);
    }

    public override void Run(KernelContext context)
    {
        int melBins = ShapeInputs.Dim(ShapeInputs.ScalarInt64(context.Input(0)));
        long dftLength = ShapeInputs.ScalarInt64(context.Input(1));
        long sampleRate = ShapeInputs.ScalarInt64(context.Input(2));
        double lower = ScalarDouble(context.Input(3)), upper = ScalarDouble(context.Input(4));
        if (dftLength < 1 || sampleRate < 1) throw new InferenceException("dft_length and sample_rate must be positive");
        int spectrogramBins = ShapeInputs.Dim(dftLength / 2 + 1);

        double lowMel = 2595 * Math.Log10(1 + lower / 700);
        double highMel = 2595 * Math.Log10(1 + upper / 700);
        double melStep = (highMel - lowMel) / (melBins + 2);
        Span<int> edges = melBins + 2 <= 1024 ? stackalloc int[melBins + 2] : new int[melBins + 2];
        for (int i = 0; i < edges.Length; i++)
        {
            double hz = 700 * (Math.Pow(10, (i * melStep + lowMel) / 2595) - 1);
            edges[i] = (int)Math.Floor((dftLength + 1) * hz / sampleRate);
        }

        var y = context.Output(0, type, [spectrogramBins, melBins]);
        var bytes = y.Bytes();
        bytes.Clear();
        int width = Tensor.ElementSize(type);
        for (int m = 0; m < melBins; m++)
        {
            int left = edges[m], center = edges[m + 1], right = edges[m + 2];
            if (center == left) Set(bytes, center, m, 1);
            else
                for (int j = left; j <= center; j++) Set(bytes, j, m, (double)(j - left) / (center - left));
            if (right > center)
                for (int j = center; j < right; j++) Set(bytes, j, m, (double)(right - j) / (right - center));
        }

        void Set(Span<byte> output, int bin, int mel, double value)
        {
            if (bin < 0 || bin >= spectrogramBins) throw new InferenceException($"filter edge {bin} falls outside the {spectrogramBins} spectrogram bins");
            ElementView.WriteScalar(type, value, output.Slice((bin * melBins + mel) * width, width));
        }
    }

    static double ScalarDouble(Tensor t) => t.Type switch
    {
        ElementType.Float => t.Span<float>()[0],
        ElementType.Double => t.Span<double>()[0],
        ElementType.Float16 => (double)t.Span<Half>()[0],
        _ => ShapeInputs.ScalarInt64(t),
    };
}
