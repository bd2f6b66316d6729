namespace UniML.Engine.Operators.Onnx;

/// <summary>Identity: copies a tensor; passes sequences and empty optionals through.</summary>
internal sealed class Identity : Kernel
{
    public static Kernel Create(NodeInfo node) => new Identity();

    public override void Run(KernelContext context)
    {
        switch (context.InputValue(0))
        {
            case Tensor x:
                Primitives.ElementView.Copy(x, context.Output(0, x.Type, x));
                break;
            case SequenceValue s:
                // Sequence items are owned by the sequence, not planned buffers; a new list keeps the two values independent.
                context.SetOutput(0, new SequenceValue(new List<Value>(s.Items), s.ElementTypeName));
                break;
            case var other:
                context.SetOutput(0, other);
                break;
        }
    }
}
