using UniML.Engine.Internals;

namespace UniML.Engine.Operators.Onnx;

/// <summary>If: runs then_branch or else_branch by a scalar bool condition; outputs are copies of the branch's outputs.</summary>
internal sealed class If : Kernel
{
    readonly CompiledGraph _then;
    readonly CompiledGraph _else;
    readonly int _formal;

    If(CompiledGraph thenBranch, CompiledGraph elseBranch, int formal)
    {
        _then = thenBranch;
        _else = elseBranch;
        _formal = formal;
    }

    public static Kernel Create(NodeInfo node)
    {
        var thenBranch = node.CompileSubgraph("then_branch");
        var elseBranch = node.CompileSubgraph("else_branch");
        if (thenBranch.OutputIds.Length != node.OutputCount || elseBranch.OutputIds.Length != node.OutputCount)
            throw node.Invalid($"the branches must have {node.OutputCount} outputs (then {thenBranch.OutputIds.Length}, else {elseBranch.OutputIds.Length})");
        return new If(thenBranch, elseBranch, node.FormalInputCount);
    }

    public override void Run(KernelContext context)
    {
        bool condition = Subgraph.Bool(context.Input(0), "the condition");
        var graph = condition ? _then : _else;
        var outputs = new Value?[graph.OutputIds.Length];
        Subgraph.Run(graph, context, _formal, [], outputs);
        for (int i = 0; i < outputs.Length; i++)
        {
            // Outputs were already copied out of the branch's frame: tensors still go into planned buffers.
            if (outputs[i] is Tensor t) Subgraph.CopyTensor(context, i, t);
            else context.SetOutput(i, outputs[i]);
        }
    }
}
