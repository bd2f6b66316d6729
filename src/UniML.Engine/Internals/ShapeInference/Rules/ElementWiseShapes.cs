using UniML.Onnx;

namespace UniML.Engine.Internals.ShapeInference.Rules;

/// <summary>
/// Element-wise operators: unary math and activations keep their input's type and shape; binary and
/// variadic ones broadcast (numpy rules, symbolic dims included); comparisons and logic give bool;
/// Cast/CastLike change only the element type; Where broadcasts three ways.
/// </summary>
internal static class ElementWiseShapes
{
    static readonly string[] SameTypeAndShape =
    [
        "Abs", "Acos", "Acosh", "Asin", "Asinh", "Atan", "Atanh", "Ceil", "Cos", "Cosh", "Erf", "Exp", "Floor", "Log", "Neg",
        "Reciprocal", "Round", "Sign", "Sin", "Sinh", "Sqrt", "Tan", "Tanh", "Relu", "Sigmoid", "Celu", "Elu", "HardSigmoid",
        "HardSwish", "LeakyRelu", "Selu", "Shrink", "Softplus", "Softsign", "ThresholdedRelu", "Clip", "Not", "PRelu",
    ];

    static readonly string[] Arithmetic = ["Add", "Sub", "Mul", "Div", "Pow", "Mod", "BitShift"];

    static readonly string[] ToBool = ["Equal", "Greater", "GreaterOrEqual", "Less", "LessOrEqual", "And", "Or", "Xor"];

    public static IEnumerable<(string Op, ShapeRule Rule)> Rules()
    {
        foreach (var op in SameTypeAndShape) yield return (op, SameAsInput);
        foreach (var op in Arithmetic) yield return (op, node => Binary(node, node.Input(0).Element));
        foreach (var op in ToBool) yield return (op, node => Binary(node, ElementType.Bool));
        foreach (var op in (string[])["Max", "Min", "Sum", "Mean"]) yield return (op, Variadic);
        yield return ("IsInf", node => node.SetTensor(0, ElementType.Bool, node.Input(0).Dims));
        yield return ("IsNaN", node => node.SetTensor(0, ElementType.Bool, node.Input(0).Dims));
        yield return ("Identity", Identity);
        yield return ("Dropout", Dropout);
        yield return ("Cast", Cast);
        yield return ("CastLike", node => node.SetTensor(0, node.Input(1).Element, node.Input(0).Dims));
        yield return ("Where", Where);
    }

    /// <summary>Output 0 has input 0's element type and dims.</summary>
    public static void SameAsInput(ShapeContext node)
    {
        var x = node.Input(0);
        if (x.IsTensor) node.SetTensor(0, x.Element, x.Dims);
    }

    static void Identity(ShapeContext node)
    {
        var x = node.Input(0);
        node.SetOutput(0, x.IsTensor ? InferredType.Tensor(x.Element, x.Dims, x.Elements) : x);
    }

    static void Dropout(ShapeContext node)
    {
        var x = node.Input(0);
        if (!x.IsTensor) return;
        node.SetTensor(0, x.Element, x.Dims);
        // The mask is bool since opset 10, the input's type before.
        if (node.OutputCount > 1) node.SetTensor(1, node.Opset >= 10 ? ElementType.Bool : x.Element, x.Dims);
    }

    static void Cast(ShapeContext node)
    {
        var x = node.Input(0);
        var to = (ElementType)node.Int("to", 0);
        // Shape arithmetic survives a cast between integer types (exporters cast Shape's int64 around).
        var elements = to is ElementType.Int64 or ElementType.Int32 && x.Element is ElementType.Int64 or ElementType.Int32 ? x.Elements : null;
        node.SetTensor(0, to, x.Dims, elements);
    }

    static void Binary(ShapeContext node, ElementType element)
    {
        var a = node.Input(0);
        var b = node.Input(1);
        if (node.Opset < 7)
        {
            // Before opset 7 broadcasting was opt-in (attribute 'broadcast') and only B stretched to A.
            node.SetTensor(0, element, a.Dims);
            return;
        }
        var dims = Broadcast(node, a.Dims, b.Dims);
        node.SetTensor(0, element, dims, ShapeArithmetic(node, a, b, dims));
    }

    /// <summary>
    /// Add/Sub/Mul/Div of integer shape values (e.g. batch × heads for a Reshape): computed where both
    /// elements are known, the symbol kept where the other side is the identity, else a fresh unknown.
    /// </summary>
    static Dim[]? ShapeArithmetic(ShapeContext node, InferredType a, InferredType b, Dim[]? dims)
    {
        if (a.Elements is not { } x || b.Elements is not { } y || dims is not { Length: <= 1 } || a.Element != ElementType.Int64 || b.Element != ElementType.Int64)
            return null;
        int n = dims.Length == 0 ? 1 : dims[0].IsKnown ? (int)dims[0].Value : -1;
        if (n < 0 || x.Length != n && x.Length != 1 || y.Length != n && y.Length != 1) return null;
        var op = node.Node.OpType;
        var result = new Dim[n];
        for (int i = 0; i < n; i++)
        {
            Dim p = x[x.Length == 1 ? 0 : i], q = y[y.Length == 1 ? 0 : i];
            result[i] = (op, p.IsKnown, q.IsKnown) switch
            {
                ("Add", true, true) => Dim.Of(p.Value + q.Value),
                ("Sub", true, true) => Dim.Of(p.Value - q.Value),
                ("Mul", true, true) => Dim.Of(p.Value * q.Value),
                // Integer Div truncates toward zero in the kernel as in C; shape values are not negative here.
                ("Div", true, true) when q.Value > 0 && p.Value >= 0 => Dim.Of(p.Value / q.Value),
                ("Add" or "Sub", false, true) when q.Value == 0 => p,
                ("Add", true, false) when p.Value == 0 => q,
                ("Mul" or "Div", false, true) when q.Value == 1 => p,
                ("Mul", true, false) when p.Value == 1 => q,
                _ => node.Fresh(),
            };
        }
        return result;
    }

    static void Variadic(ShapeContext node)
    {
        Dim[]? dims = node.Input(0).Dims;
        for (int i = 1; i < node.InputCount && dims is not null; i++)
            dims = Broadcast(node, dims, node.Input(i).Dims);
        node.SetTensor(0, node.Input(0).Element, dims);
    }

    static void Where(ShapeContext node)
    {
        var dims = Broadcast(node, Broadcast(node, node.Input(0).Dims, node.Input(1).Dims), node.Input(2).Dims);
        var element = node.Input(1).Element != ElementType.Undefined ? node.Input(1).Element : node.Input(2).Element;
        node.SetTensor(0, element, dims);
    }

    /// <summary>
    /// Multidirectional (numpy) broadcasting of two shapes; null when either rank is unknown. A known
    /// dim other than 1 wins over a symbol (the symbol must be 1 or equal to it); two different symbols
    /// give a fresh unknown. Two known dims that differ and are not 1 are a load error.
    /// </summary>
    public static Dim[]? Broadcast(ShapeContext node, Dim[]? a, Dim[]? b)
    {
        if (a is null || b is null) return null;
        int rank = Math.Max(a.Length, b.Length);
        var result = new Dim[rank];
        for (int i = 0; i < rank; i++)
        {
            int ia = i - (rank - a.Length), ib = i - (rank - b.Length);
            if (ia < 0) { result[i] = b[ib]; continue; }
            if (ib < 0) { result[i] = a[ia]; continue; }
            Dim x = a[ia], y = b[ib];
            if (x == y) result[i] = x;
            else if (x.Is(1)) result[i] = y;
            else if (y.Is(1)) result[i] = x;
            else if (x.IsKnown && y.IsKnown)
                throw node.Mismatch($"shapes {InferredType.DimsText(a)} and {InferredType.DimsText(b)} cannot broadcast (dimension {x} against {y})");
            else if (x.IsKnown) result[i] = x;
            else if (y.IsKnown) result[i] = y;
            else result[i] = node.Fresh();
        }
        return result;
    }
}
