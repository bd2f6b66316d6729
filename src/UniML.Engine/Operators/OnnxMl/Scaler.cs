using UniML.Onnx;

namespace UniML.Engine.Operators.OnnxMl;

/// <summary>Scaler (ai.onnx.ml 1): Y = (X − offset) · scale, per feature (one value broadcasts to all).</summary>
internal sealed class Scaler : Kernel
{
    readonly float[] _offset;
    readonly float[] _scale;

    Scaler(float[] offset, float[] scale) { _offset = offset; _scale = scale; }

    public static Kernel Create(NodeInfo node)
    {
        MlAttributes.RejectUnknown(node, "offset", "scale");
        MlInput.CheckNumeric(node);
        var offset = node.GetFloats("offset") ?? [];
        var scale = node.GetFloats("scale") ?? [];
        return new Scaler(offset.Length == 0 ? [0f] : offset, scale.Length == 0 ? [1f] : scale);
    }

    public override void Run(KernelContext context)
    {
        var xt = context.Input(0);
        MlInput.Matrix(xt, out int n, out int columns);
        if ((_offset.Length != 1 && _offset.Length != columns) || (_scale.Length != 1 && _scale.Length != columns))
            throw new InferenceException($"offset ({_offset.Length}) and scale ({_scale.Length}) must have 1 or {columns} values");
        var x = MlInput.Floats(context, xt);
        var y = context.Output(0, ElementType.Float, xt).Span<float>();
        for (int r = 0; r < n; r++)
        {
            int o = r * columns;
            for (int c = 0; c < columns; c++)
                y[o + c] = (x[o + c] - _offset[_offset.Length == 1 ? 0 : c]) * _scale[_scale.Length == 1 ? 0 : c];
        }
    }
}
