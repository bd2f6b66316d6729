namespace UniML.Engine.Operators.Onnx;

/// <summary>
/// Optional (15), OptionalHasElement and OptionalGetElement (15, 18). UniML represents an empty optional as an
/// absent value, and an optional holding a value as that value itself.
/// </summary>
internal static class Optional
{
    public static Kernel Create(NodeInfo node)
    {
        if (!node.HasInput(0) && !node.Has("type")) throw node.Invalid("an empty Optional needs the 'type' attribute");
        return new ConstructKernel();
    }

    public static Kernel HasElement(NodeInfo node) => new HasElementKernel();

    sealed class ConstructKernel : Kernel
    {
        public override void Run(KernelContext context) => Subgraph.SetOutput(context, 0, context.InputValue(0));
    }
    public static Kernel GetElement(NodeInfo node) => new GetElementKernel();

    sealed class HasElementKernel : Kernel
    {
        public override void Run(KernelContext context) =>
            context.Output(0, UniML.Onnx.ElementType.Bool, []).Span<bool>()[0] = context.InputValue(0) is not null;
    }

    sealed class GetElementKernel : Kernel
    {
        public override void Run(KernelContext context)
        {
            var value = context.InputValue(0) ?? throw new InferenceException("the optional input is empty");
            Subgraph.SetOutput(context, 0, value);
        }
    }
}
