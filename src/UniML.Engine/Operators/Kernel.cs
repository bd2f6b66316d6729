namespace UniML.Engine.Operators;

/// <summary>
/// One node's compiled computation. Created once per node when the model is compiled (attributes parsed
/// and validated then); <see cref="Run"/> is called concurrently from many runs, so a kernel keeps no
/// per-run state in fields: scratch memory comes from the <see cref="KernelContext"/>.
/// </summary>
internal abstract class Kernel
{
    /// <summary>Computes the outputs. Output buffers are not zeroed: write every element.</summary>
    public abstract void Run(KernelContext context);

    /// <summary>False for kernels whose result must not be computed once at load time (random generators).</summary>
    public virtual bool IsDeterministic => true;
}

/// <summary>Builds a kernel for one node, validating its attributes; throws <see cref="ModelLoadException"/> or <see cref="NotSupportedException"/>.</summary>
internal delegate Kernel KernelFactory(NodeInfo node);
