using System.Text;
using UniML.Engine.Primitives;
using UniML.Onnx;

namespace UniML.Engine.Operators.Onnx;

/// <summary>Constant: a tensor given by exactly one of the value, value_float(s), value_int(s), value_string(s) attributes.</summary>
internal sealed class Constant(Tensor value) : Kernel
{
    public static Kernel Create(NodeInfo node)
    {
        if (node.Has("sparse_value"))
            throw node.Unsupported("sparse_value (sparse tensors) is not supported");
        string[] forms = ["value", "value_float", "value_floats", "value_int", "value_ints", "value_string", "value_strings"];
        string? form = null;
        foreach (var f in forms)
        {
            if (!node.Has(f)) continue;
            if (form is not null) throw node.Invalid($"has both '{form}' and '{f}'; exactly one value attribute is allowed");
            form = f;
        }
        Tensor value = form switch
        {
            "value" => node.GetTensor("value")!,
            "value_float" => Tensor.Scalar(node.GetFloat("value_float", 0)),
            "value_floats" => Vector(node.GetFloats("value_floats")!),
            "value_int" => Tensor.Scalar(node.GetInt("value_int")),
            "value_ints" => Vector(node.GetInts("value_ints")!),
            "value_string" => Tensor.FromStrings([node.GetString("value_string", "")], []),
            "value_strings" => Tensor.FromStrings(node.GetStrings("value_strings")!, [node.GetStrings("value_strings")!.Length]),
            _ => throw node.Invalid("needs one of the value attributes"),
        };
        return new Constant(value);
    }

    static Tensor Vector<T>(T[] values) where T : unmanaged => Tensor.FromArray(values, [values.Length]);

    public override void Run(KernelContext context) => ElementView.Copy(value, context.Output(0, value.Type, value));
}
