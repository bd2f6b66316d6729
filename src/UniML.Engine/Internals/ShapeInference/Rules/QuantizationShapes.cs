using UniML.Onnx;

namespace UniML.Engine.Internals.ShapeInference.Rules;

/// <summary>
/// Quantisation: QuantizeLinear and DequantizeLinear keep x's shape and change its element type (to the
/// zero point's type or 'output_dtype', uint8 by default; to the scale's type); DynamicQuantizeLinear adds
/// a scalar float scale and uint8 zero point; MatMulInteger and ConvInteger give int32, QLinearMatMul and
/// QLinearConv the output zero point's type, with the shapes of MatMul and Conv.
/// </summary>
internal static class QuantizationShapes
{
    public static IEnumerable<(string Op, ShapeRule Rule)> Rules()
    {
        yield return ("QuantizeLinear", QuantizeLinear);
        yield return ("DequantizeLinear", DequantizeLinear);
        yield return ("DynamicQuantizeLinear", DynamicQuantizeLinear);
        yield return ("MatMulInteger", node => NeuralNetShapes.MatMul(node, 0, 1, ElementType.Int32));
        yield return ("ConvInteger", node => NeuralNetShapes.Conv(node, 0, 1, ElementType.Int32));
        // QLinearMatMul: a, a_scale, a_zero_point, b, b_scale, b_zero_point, y_scale, y_zero_point.
        yield return ("QLinearMatMul", node => NeuralNetShapes.MatMul(node, 0, 3, ZeroPointType(node, 7)));
        // QLinearConv: x, x_scale, x_zero_point, w, w_scale, w_zero_point, y_scale, y_zero_point, B.
        yield return ("QLinearConv", node => NeuralNetShapes.Conv(node, 0, 3, ZeroPointType(node, 7)));
    }

    /// <summary>The quantised output's type: the zero point's when given, else uint8 (the specification's default).</summary>
    static ElementType ZeroPointType(ShapeContext node, int zeroPoint) =>
        node.HasInput(zeroPoint) ? node.Input(zeroPoint).Element : ElementType.UInt8;

    static void QuantizeLinear(ShapeContext node)
    {
        var x = node.Input(0);
        var element = node.HasInput(2) ? node.Input(2).Element
            : node.Int("output_dtype", 0) is var dtype and not 0 ? (ElementType)dtype
            : ElementType.UInt8;
        node.SetTensor(0, element, x.Dims);
    }

    static void DequantizeLinear(ShapeContext node)
    {
        // Before opset 19 the result is always float; from 19 it has the scale's type, unless 'output_dtype' (opset 23) says otherwise.
        var element = node.Opset < 19 ? ElementType.Float
            : node.Int("output_dtype", 0) is var dtype and not 0 ? (ElementType)dtype
            : node.Input(1).Element;
        node.SetTensor(0, element, node.Input(0).Dims);
    }

    static void DynamicQuantizeLinear(ShapeContext node)
    {
        node.SetTensor(0, ElementType.UInt8, node.Input(0).Dims);
        node.SetTensor(1, ElementType.Float, []);
        node.SetTensor(2, ElementType.UInt8, []);
    }
}
