using UniML.Engine.Operators;

namespace UniML.Engine.Internals;

/// <summary>One node of an execution plan: its kernel and the value ids it reads and writes (-1 = absent).</summary>
internal sealed class Step
{
    public required int Index { get; init; }
    public required Kernel Kernel { get; init; }
    public required int[] Inputs { get; init; }
    public required int[] Outputs { get; init; }
    public required bool[] OutputUsed { get; init; }
    public required string Label { get; init; }
}
