using System.Diagnostics;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using UniML.Engine.Primitives;
using UniML.Onnx;

namespace UniML.Engine.Operators.OnnxMl;

/// <summary>Split rules, numbered as TreeEnsemble (ml opset 5) numbers them.</summary>
internal enum TreeNodeMode : byte { Leq = 0, Lt = 1, Gte = 2, Gt = 3, Eq = 4, Neq = 5, Member = 6 }

/// <summary>How the trees' leaf weights combine, numbered as TreeEnsemble (ml opset 5) numbers them.</summary>
internal enum TreeAggregate { Average = 0, Sum = 1, Min = 2, Max = 3 }

/// <summary>One node of the compiled layout: 16 bytes, four to a cache line.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct TreeNode
{
    public float Threshold;
    /// <summary>The feature compared, or -1 for a leaf.</summary>
    public int Feature;
    /// <summary>The false child's index (the true child is the next node); for a leaf, the leaf's index.</summary>
    public int FalseChild;
    /// <summary>Mode in bits 0–2, "missing goes true" in bit 3, member-set index from bit 4.</summary>
    public int Flags;
}

/// <summary>
/// An ensemble as the ONNX attributes describe it, before compiling: parallel node lists whose children
/// are node or leaf indices, tree roots, and per-leaf (target, weight) lists.
/// </summary>
/// <summary>A node of the branch-free layout: a leaf reads feature 0 and has both children itself.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct FlatNode
{
    public float Threshold;
    public int Feature;
    public int False;
    public int True;
}

internal sealed class TreeEnsembleSource
{
    public required int[] Features;
    public required double[] Thresholds;
    public required TreeNodeMode[] Modes;
    public required bool[] MissingTrue;
    public required int[] TrueChild;
    public required bool[] TrueIsLeaf;
    public required int[] FalseChild;
    public required bool[] FalseIsLeaf;
    public double[]?[]? MemberSets;
    /// <summary>Roots: node index, or leaf index when the tree is a single leaf.</summary>
    public required int[] Roots;
    public required bool[] RootIsLeaf;
    /// <summary>Leaf i owns entries LeafStart[i]..LeafStart[i+1] of LeafTargets/LeafWeights.</summary>
    public required int[] LeafStart;
    public required int[] LeafTargets;
    public required double[] LeafWeights;
    public required int Targets;
    public bool DoubleThresholds;
}

/// <summary>
/// Trees compiled once per model into one node array in pre-order (each tree's true child follows its
/// parent, so a walk touches consecutive memory on the true side), with leaf weights in flat arrays.
/// Evaluation walks blocks of rows through one tree at a time so the tree stays in cache; a single row
/// is the same loop with one row, without allocation or threads.
/// </summary>
internal sealed class CompiledTreeEnsemble
{
    readonly TreeNode[] _nodes;
    readonly double[] _thresholds;
    readonly int[] _roots;
    readonly int[] _leafStart;
    readonly int[] _leafTargets;
    readonly double[] _leafWeights;
    readonly double[][] _memberSets;
    readonly bool _uniform;
    readonly TreeNodeMode _uniformMode;
    // Branch-free layout (uniform modes): per node both children, leaves loop on themselves; per tree its depth.
    readonly FlatNode[] _flat;
    readonly int[] _depths;
    /// <summary>For a leaf node, the index of its first entry in _leafWeights.</summary>
    readonly int[] _leafFirst;
    /// <summary>Every leaf has one entry per target, in target order.</summary>
    readonly bool _dense;

    public int Targets { get; }
    public int TreeCount => _roots.Length;
    public int MaxFeature { get; }
    public bool DoubleThresholds { get; }
    public int NodeCount => _nodes.Length;

    const int RowBlock = 64;

    public CompiledTreeEnsemble(TreeEnsembleSource s, NodeInfo node)
    {
        int n = s.Features.Length;
        if (s.Thresholds.Length != n || s.Modes.Length != n || s.TrueChild.Length != n || s.FalseChild.Length != n
            || s.TrueIsLeaf.Length != n || s.FalseIsLeaf.Length != n || s.MissingTrue.Length != n)
            throw node.Invalid("the node attribute lists have different lengths");
        int leaves = s.LeafStart.Length - 1;
        Targets = s.Targets;
        DoubleThresholds = s.DoubleThresholds;
        foreach (var t in s.LeafTargets)
            if (t < 0 || t >= Targets) throw node.Invalid($"target/class id {t} is outside [0, {Targets})");

        var nodes = new List<TreeNode>(n + leaves);
        var thresholds = new List<double>(n + leaves);
        var memberSets = new List<double[]>();
        var memberIndex = new Dictionary<int, int>();
        var roots = new int[s.Roots.Length];
        int limit = 4 * (n + leaves) + s.Roots.Length + 16; // a DAG may share subtrees; anything larger is a cycle
        int maxFeature = -1;
        bool uniform = true;
        TreeNodeMode? seenMode = null;
        var stack = new Stack<(int Index, bool IsLeaf, int Patch)>();
        for (int r = 0; r < s.Roots.Length; r++)
        {
            roots[r] = nodes.Count;
            stack.Push((s.Roots[r], s.RootIsLeaf[r], -1));
            while (stack.Count > 0)
            {
                var (index, isLeaf, patch) = stack.Pop();
                if (nodes.Count >= limit)
                    throw node.Invalid("the trees contain a cycle");
                int at = nodes.Count;
                if (patch >= 0)
                {
                    var p = nodes[patch];
                    p.FalseChild = at;
                    nodes[patch] = p;
                }
                if (isLeaf)
                {
                    if (index < 0 || index >= leaves) throw node.Invalid($"leaf index {index} is out of range");
                    nodes.Add(new TreeNode { Feature = -1, FalseChild = index, Threshold = 0 });
                    thresholds.Add(0);
                    continue;
                }
                if (index < 0 || index >= n) throw node.Invalid($"node index {index} is out of range");
                int feature = s.Features[index];
                if (feature < 0) throw node.Invalid($"feature id {feature} is negative");
                maxFeature = Math.Max(maxFeature, feature);
                var mode = s.Modes[index];
                int flags = (int)mode | (s.MissingTrue[index] ? 8 : 0);
                if (mode == TreeNodeMode.Member)
                {
                    if (!memberIndex.TryGetValue(index, out int m))
                    {
                        var set = s.MemberSets?[index] ?? throw node.Invalid("a BRANCH_MEMBER node has no member set");
                        memberIndex[index] = m = memberSets.Count;
                        memberSets.Add(set);
                    }
                    flags |= m << 4;
                }
                if (s.MissingTrue[index] || mode is TreeNodeMode.Neq or TreeNodeMode.Member) uniform = false;
                if (seenMode is null) seenMode = mode;
                else if (seenMode != mode) uniform = false;
                nodes.Add(new TreeNode { Feature = feature, Threshold = (float)s.Thresholds[index], Flags = flags, FalseChild = -1 });
                thresholds.Add(s.Thresholds[index]);
                stack.Push((s.FalseChild[index], s.FalseIsLeaf[index], at));
                stack.Push((s.TrueChild[index], s.TrueIsLeaf[index], -1));
            }
        }
        _nodes = nodes.ToArray();
        _thresholds = thresholds.ToArray();
        _roots = roots;
        _leafStart = s.LeafStart;
        _leafTargets = s.LeafTargets;
        _leafWeights = s.LeafWeights;
        _memberSets = memberSets.ToArray();
        _uniform = uniform;
        _uniformMode = seenMode ?? TreeNodeMode.Leq;
        MaxFeature = maxFeature;

        int count = _nodes.Length;
        _flat = new FlatNode[count];
        _leafFirst = new int[count];
        var depth = new int[count];
        _depths = new int[roots.Length];
        for (int i = 0; i < count; i++)
        {
            var nd = _nodes[i];
            if (nd.Feature < 0)
            {
                _flat[i] = new FlatNode { Feature = 0, False = i, True = i };
                _leafFirst[i] = _leafStart[nd.FalseChild];
            }
            else
            {
                _flat[i] = new FlatNode { Threshold = nd.Threshold, Feature = nd.Feature, False = nd.FalseChild, True = i + 1 };
                depth[i + 1] = depth[i] + 1;
                depth[nd.FalseChild] = depth[i] + 1;
            }
        }
        for (int r = 0; r < roots.Length; r++)
        {
            int end = r + 1 < roots.Length ? roots[r + 1] : count;
            int d = 0;
            for (int i = roots[r]; i < end; i++) d = Math.Max(d, depth[i]);
            _depths[r] = d;
        }
        bool dense = true;
        for (int i = 0; i < count && dense; i++)
        {
            if (_nodes[i].Feature >= 0) continue;
            int leaf = _nodes[i].FalseChild;
            if (_leafStart[leaf + 1] - _leafStart[leaf] != Targets) { dense = false; break; }
            for (int k = 0; k < Targets; k++)
                if (_leafTargets[_leafStart[leaf] + k] != k) { dense = false; break; }
        }
        _dense = dense;
    }

    /// <summary>
    /// Aggregated scores[rows × Targets] (before base values and post_transform). Sum and Average start
    /// from 0; Min and Max keep 0 for a target no leaf touched.
    /// </summary>
    public void Evaluate<T>(ReadOnlySpan<T> x, int rows, int columns, Span<double> scores, TreeAggregate aggregate)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (rows > 0 && columns <= MaxFeature)
            throw new InferenceException($"the trees read feature {MaxFeature} but the input has {columns} columns");
        var output = scores.Slice(0, rows * Targets);
        if (aggregate is TreeAggregate.Min or TreeAggregate.Max) output.Fill(double.NaN);
        else output.Clear();
        if (_uniform && _dense && rows >= FlatMinRows && aggregate is TreeAggregate.Sum or TreeAggregate.Average
            && _uniformMode is TreeNodeMode.Leq or TreeNodeMode.Lt or TreeNodeMode.Gte or TreeNodeMode.Gt)
        {
            switch (_uniformMode)
            {
                case TreeNodeMode.Leq: RunFlat<T, LeqSplit>(x, rows, columns, output); break;
                case TreeNodeMode.Lt: RunFlat<T, LtSplit>(x, rows, columns, output); break;
                case TreeNodeMode.Gte: RunFlat<T, GteSplit>(x, rows, columns, output); break;
                case TreeNodeMode.Gt: RunFlat<T, GtSplit>(x, rows, columns, output); break;
                default: throw new UnreachableException();
            }
        }
        else if (_uniform)
        {
            switch (_uniformMode)
            {
                case TreeNodeMode.Leq: Run<T, LeqSplit>(x, rows, columns, output, aggregate); break;
                case TreeNodeMode.Lt: Run<T, LtSplit>(x, rows, columns, output, aggregate); break;
                case TreeNodeMode.Gte: Run<T, GteSplit>(x, rows, columns, output, aggregate); break;
                case TreeNodeMode.Gt: Run<T, GtSplit>(x, rows, columns, output, aggregate); break;
                default: Run<T, GeneralSplit>(x, rows, columns, output, aggregate); break;
            }
        }
        else Run<T, GeneralSplit>(x, rows, columns, output, aggregate);

        if (aggregate == TreeAggregate.Average && _roots.Length > 0)
        {
            double inv = 1.0 / _roots.Length;
            for (int i = 0; i < output.Length; i++) output[i] *= inv;
        }
        else if (aggregate is TreeAggregate.Min or TreeAggregate.Max)
        {
            for (int i = 0; i < output.Length; i++) if (double.IsNaN(output[i])) output[i] = 0;
        }
    }

    const int FlatMinRows = 8;

    /// <summary>
    /// Sum of dense leaf rows over the trees, each tree walked branch-free by a whole block of rows at once:
    /// every row takes exactly the tree's depth in steps (a leaf steps onto itself), so there is nothing
    /// to mispredict and the block's walks are independent chains the CPU overlaps.
    /// </summary>
    void RunFlat<T, TSplit>(ReadOnlySpan<T> x, int rows, int columns, Span<double> scores)
        where T : unmanaged, IFloatingPointIeee754<T> where TSplit : struct, ITreeSplit
    {
        ref T x0 = ref MemoryMarshal.GetReference(x);
        ref FlatNode nodes = ref MemoryMarshal.GetArrayDataReference(_flat);
        ref double th64 = ref MemoryMarshal.GetArrayDataReference(_thresholds);
        ref double weights = ref MemoryMarshal.GetArrayDataReference(_leafWeights);
        ref int leafFirst = ref MemoryMarshal.GetArrayDataReference(_leafFirst);
        ref double s0 = ref MemoryMarshal.GetReference(scores);
        int targets = Targets;
        Span<int> idxSpan = stackalloc int[RowBlock];
        ref int idx = ref MemoryMarshal.GetReference(idxSpan);
        for (int r0 = 0; r0 < rows; r0 += RowBlock)
        {
            int count = Math.Min(RowBlock, rows - r0);
            ref T xb = ref Unsafe.Add(ref x0, r0 * columns);
            for (int t = 0; t < _roots.Length; t++)
            {
                int root = _roots[t];
                int depth = _depths[t];
                for (int k = 0; k < count; k++) Unsafe.Add(ref idx, k) = root;
                for (int d = 0; d < depth; d++)
                {
                    ref T xr = ref xb;
                    for (int k = 0; k < count; k++)
                    {
                        int i = Unsafe.Add(ref idx, k);
                        ref FlatNode n = ref Unsafe.Add(ref nodes, i);
                        T v = Unsafe.Add(ref xr, n.Feature);
                        T th = typeof(T) == typeof(float) ? Unsafe.As<float, T>(ref n.Threshold) : Unsafe.As<double, T>(ref Unsafe.Add(ref th64, i));
                        int c = TSplit.True(v, th) ? 1 : 0;
                        Unsafe.Add(ref idx, k) = Unsafe.Add(ref n.False, c);
                        xr = ref Unsafe.Add(ref xr, columns);
                    }
                }
                ref double sb = ref Unsafe.Add(ref s0, r0 * targets);
                if (targets == 1)
                {
                    for (int k = 0; k < count; k++)
                        Unsafe.Add(ref sb, k) += Unsafe.Add(ref weights, Unsafe.Add(ref leafFirst, Unsafe.Add(ref idx, k)));
                }
                else
                {
                    for (int k = 0; k < count; k++)
                    {
                        ref double w = ref Unsafe.Add(ref weights, Unsafe.Add(ref leafFirst, Unsafe.Add(ref idx, k)));
                        ref double acc = ref Unsafe.Add(ref sb, k * targets);
                        int j = 0;
                        if (Vector256.IsHardwareAccelerated)
                            for (; j + 4 <= targets; j += 4)
                                (Vector256.LoadUnsafe(ref acc, (nuint)j) + Vector256.LoadUnsafe(ref w, (nuint)j)).StoreUnsafe(ref acc, (nuint)j);
                        for (; j < targets; j++) Unsafe.Add(ref acc, j) += Unsafe.Add(ref w, j);
                    }
                }
            }
        }
    }

    void Run<T, TSplit>(ReadOnlySpan<T> x, int rows, int columns, Span<double> scores, TreeAggregate aggregate)
        where T : unmanaged, IFloatingPointIeee754<T> where TSplit : struct, ITreeSplit
    {
        ref T x0 = ref MemoryMarshal.GetReference(x);
        int targets = Targets;
        for (int r0 = 0; r0 < rows; r0 += RowBlock)
        {
            int count = Math.Min(RowBlock, rows - r0);
            for (int t = 0; t < _roots.Length; t++)
            {
                int root = _roots[t];
                int r = r0;
                if (typeof(TSplit) != typeof(GeneralSplit))
                {
                    // Four rows walk the tree together: their node loads are independent, so the CPU
                    // overlaps the cache misses and branch mispredictions of four walks.
                    for (; r + 4 <= r0 + count; r += 4)
                    {
                        Walk4<T, TSplit>(root, ref Unsafe.Add(ref x0, r * columns), columns, out int l0, out int l1, out int l2, out int l3);
                        AddLeaf(l0, scores.Slice(r * targets, targets), aggregate);
                        AddLeaf(l1, scores.Slice((r + 1) * targets, targets), aggregate);
                        AddLeaf(l2, scores.Slice((r + 2) * targets, targets), aggregate);
                        AddLeaf(l3, scores.Slice((r + 3) * targets, targets), aggregate);
                    }
                }
                for (; r < r0 + count; r++)
                {
                    int leaf = Walk<T, TSplit>(root, ref Unsafe.Add(ref x0, r * columns));
                    AddLeaf(leaf, scores.Slice(r * targets, targets), aggregate);
                }
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    void AddLeaf(int leaf, Span<double> row, TreeAggregate aggregate)
    {
        int end = _leafStart[leaf + 1];
        for (int k = _leafStart[leaf]; k < end; k++)
        {
            int target = _leafTargets[k];
            double w = _leafWeights[k];
            ref double acc = ref row[target];
            switch (aggregate)
            {
                case TreeAggregate.Min: acc = double.IsNaN(acc) || w < acc ? w : acc; break;
                case TreeAggregate.Max: acc = double.IsNaN(acc) || w > acc ? w : acc; break;
                default: acc += w; break;
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    int Walk<T, TSplit>(int i, ref T x) where T : unmanaged, IFloatingPointIeee754<T> where TSplit : struct, ITreeSplit
    {
        ref TreeNode nodes = ref MemoryMarshal.GetArrayDataReference(_nodes);
        ref double th64 = ref MemoryMarshal.GetArrayDataReference(_thresholds);
        while (true)
        {
            ref TreeNode n = ref Unsafe.Add(ref nodes, i);
            int feature = n.Feature;
            if (feature < 0) return n.FalseChild;
            T v = Unsafe.Add(ref x, feature);
            T th = typeof(T) == typeof(float) ? Unsafe.As<float, T>(ref n.Threshold) : Unsafe.As<double, T>(ref Unsafe.Add(ref th64, i));
            bool goesTrue = typeof(TSplit) == typeof(GeneralSplit) ? General(v, th, n.Flags) : TSplit.True(v, th);
            i = goesTrue ? i + 1 : n.FalseChild;
        }
    }

    /// <summary>
    /// Walks four consecutive rows (row stride <paramref name="columns"/>) from <paramref name="root"/> in
    /// lockstep; a row that reached its leaf stays there until all four have. Uniform split modes only.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    void Walk4<T, TSplit>(int root, ref T x, int columns, out int leaf0, out int leaf1, out int leaf2, out int leaf3)
        where T : unmanaged, IFloatingPointIeee754<T> where TSplit : struct, ITreeSplit
    {
        ref TreeNode nodes = ref MemoryMarshal.GetArrayDataReference(_nodes);
        ref T x1 = ref Unsafe.Add(ref x, columns);
        ref T x2 = ref Unsafe.Add(ref x, 2 * columns);
        ref T x3 = ref Unsafe.Add(ref x, 3 * columns);
        int i0 = root, i1 = root, i2 = root, i3 = root;
        while (true)
        {
            ref TreeNode n0 = ref Unsafe.Add(ref nodes, i0);
            ref TreeNode n1 = ref Unsafe.Add(ref nodes, i1);
            ref TreeNode n2 = ref Unsafe.Add(ref nodes, i2);
            ref TreeNode n3 = ref Unsafe.Add(ref nodes, i3);
            int f0 = n0.Feature, f1 = n1.Feature, f2 = n2.Feature, f3 = n3.Feature;
            if ((f0 & f1 & f2 & f3) < 0) break; // every sign bit set: all four are at leaves
            i0 = Step<T, TSplit>(i0, ref n0, f0, ref x);
            i1 = Step<T, TSplit>(i1, ref n1, f1, ref x1);
            i2 = Step<T, TSplit>(i2, ref n2, f2, ref x2);
            i3 = Step<T, TSplit>(i3, ref n3, f3, ref x3);
        }
        leaf0 = Unsafe.Add(ref nodes, i0).FalseChild;
        leaf1 = Unsafe.Add(ref nodes, i1).FalseChild;
        leaf2 = Unsafe.Add(ref nodes, i2).FalseChild;
        leaf3 = Unsafe.Add(ref nodes, i3).FalseChild;
    }

    /// <summary>One step of a lockstep walk: a leaf (feature &lt; 0) stays put.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    int Step<T, TSplit>(int i, ref TreeNode n, int feature, ref T x)
        where T : unmanaged, IFloatingPointIeee754<T> where TSplit : struct, ITreeSplit
    {
        if (feature < 0) return i;
        T v = Unsafe.Add(ref x, feature);
        T th = typeof(T) == typeof(float) ? Unsafe.As<float, T>(ref n.Threshold)
            : Unsafe.As<double, T>(ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_thresholds), i));
        return TSplit.True(v, th) ? i + 1 : n.FalseChild;
    }

    bool General<T>(T v, T th, int flags) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (T.IsNaN(v)) return (flags & 8) != 0;
        switch ((TreeNodeMode)(flags & 7))
        {
            case TreeNodeMode.Leq: return v <= th;
            case TreeNodeMode.Lt: return v < th;
            case TreeNodeMode.Gte: return v >= th;
            case TreeNodeMode.Gt: return v > th;
            case TreeNodeMode.Eq: return v == th;
            case TreeNodeMode.Neq: return v != th;
            default:
                double d = double.CreateTruncating(v);
                foreach (var m in _memberSets[flags >> 4]) if (m == d) return true;
                return false;
        }
    }

    /// <summary>Evaluates a [N, F] input of any numeric type into scores, converting integer inputs to float.</summary>
    public void EvaluateTensor(KernelContext context, Tensor x, int rows, int columns, Span<double> scores, TreeAggregate aggregate)
    {
        if (x.Type == ElementType.Double)
            Evaluate<double>(x.Span<double>(), rows, columns, scores, aggregate);
        else if (DoubleThresholds)
        {
            // Thresholds carry double precision: compare in double so no split moves.
            var f = MlInput.Floats(context, x);
            var d = context.Scratch<double>(f.Length, 6);
            for (int i = 0; i < f.Length; i++) d[i] = f[i];
            Evaluate<double>(d, rows, columns, scores, aggregate);
        }
        else
            Evaluate<float>(MlInput.Floats(context, x), rows, columns, scores, aggregate);
    }
}

/// <summary>A split rule for the uniform-mode fast path (NaN goes false, as the spec's comparisons give).</summary>
internal interface ITreeSplit
{
    static abstract bool True<T>(T x, T threshold) where T : IFloatingPointIeee754<T>;
}

internal readonly struct LeqSplit : ITreeSplit { public static bool True<T>(T x, T t) where T : IFloatingPointIeee754<T> => x <= t; }
internal readonly struct LtSplit : ITreeSplit { public static bool True<T>(T x, T t) where T : IFloatingPointIeee754<T> => x < t; }
internal readonly struct GteSplit : ITreeSplit { public static bool True<T>(T x, T t) where T : IFloatingPointIeee754<T> => x >= t; }
internal readonly struct GtSplit : ITreeSplit { public static bool True<T>(T x, T t) where T : IFloatingPointIeee754<T> => x > t; }
/// <summary>Marker: per-node mode, missing-value track and set membership.</summary>
internal readonly struct GeneralSplit : ITreeSplit { public static bool True<T>(T x, T t) where T : IFloatingPointIeee754<T> => throw new UnreachableException(); }

/// <summary>Parsing of the ml opset 1/3 node lists (TreeEnsembleClassifier and TreeEnsembleRegressor).</summary>
internal static class TreeEnsembleAttributes
{
    /// <summary>
    /// Builds the source form from nodes_* lists keyed by (tree id, node id) and the leaf weight lists
    /// (<paramref name="prefix"/> = "class" or "target").
    /// </summary>
    public static TreeEnsembleSource FromV1(NodeInfo node, string prefix, int targets)
    {
        var treeIds = node.GetInts("nodes_treeids") ?? throw node.Invalid("attribute 'nodes_treeids' is missing");
        var nodeIds = node.GetInts("nodes_nodeids") ?? throw node.Invalid("attribute 'nodes_nodeids' is missing");
        var featureIds = node.GetInts("nodes_featureids") ?? throw node.Invalid("attribute 'nodes_featureids' is missing");
        var modes = node.GetStrings("nodes_modes") ?? throw node.Invalid("attribute 'nodes_modes' is missing");
        var trueIds = node.GetInts("nodes_truenodeids") ?? throw node.Invalid("attribute 'nodes_truenodeids' is missing");
        var falseIds = node.GetInts("nodes_falsenodeids") ?? throw node.Invalid("attribute 'nodes_falsenodeids' is missing");
        var values = MlAttributes.Reals(node, "nodes_values", out bool doubleThresholds) ?? new double[treeIds.Length];
        var missing = node.GetInts("nodes_missing_value_tracks_true");
        int n = treeIds.Length;
        if (nodeIds.Length != n || featureIds.Length != n || modes.Length != n || trueIds.Length != n || falseIds.Length != n
            || values.Length != n || (missing is not null && missing.Length != 0 && missing.Length != n))
            throw node.Invalid("the nodes_* attributes have different lengths");

        var index = new Dictionary<(long, long), int>(n);
        for (int i = 0; i < n; i++)
            if (!index.TryAdd((treeIds[i], nodeIds[i]), i))
                throw node.Invalid($"node (tree {treeIds[i]}, id {nodeIds[i]}) is defined twice");

        var isLeaf = new bool[n];
        var parsedModes = new TreeNodeMode[n];
        for (int i = 0; i < n; i++)
        {
            switch (modes[i])
            {
                case "LEAF": isLeaf[i] = true; break;
                case "BRANCH_LEQ": parsedModes[i] = TreeNodeMode.Leq; break;
                case "BRANCH_LT": parsedModes[i] = TreeNodeMode.Lt; break;
                case "BRANCH_GTE": parsedModes[i] = TreeNodeMode.Gte; break;
                case "BRANCH_GT": parsedModes[i] = TreeNodeMode.Gt; break;
                case "BRANCH_EQ": parsedModes[i] = TreeNodeMode.Eq; break;
                case "BRANCH_NEQ": parsedModes[i] = TreeNodeMode.Neq; break;
                default: throw node.Unsupported($"node mode '{modes[i]}' is not supported");
            }
        }

        int Child(long tree, long id)
        {
            if (!index.TryGetValue((tree, id), out int c))
                throw node.Invalid($"tree {tree} refers to node id {id}, which does not exist");
            return c;
        }

        var trueChild = new int[n];
        var falseChild = new int[n];
        var trueIsLeaf = new bool[n];
        var falseIsLeaf = new bool[n];
        var features = new int[n];
        for (int i = 0; i < n; i++)
        {
            if (isLeaf[i]) continue;
            trueChild[i] = Child(treeIds[i], trueIds[i]);
            falseChild[i] = Child(treeIds[i], falseIds[i]);
            trueIsLeaf[i] = isLeaf[trueChild[i]];
            falseIsLeaf[i] = isLeaf[falseChild[i]];
            if (featureIds[i] < 0 || featureIds[i] > int.MaxValue) throw node.Invalid($"feature id {featureIds[i]} is out of range");
            features[i] = (int)featureIds[i];
        }

        // Roots: each tree's first node, trees in ascending id order (the reference's summation order).
        var rootOf = new SortedDictionary<long, int>();
        for (int i = 0; i < n; i++) rootOf.TryAdd(treeIds[i], i);
        var roots = rootOf.Values.ToArray();
        var rootIsLeaf = roots.Select(r => isLeaf[r]).ToArray();

        // Leaf weights: leaf index = node index.
        var wTree = node.GetInts($"{prefix}_treeids") ?? [];
        var wNode = node.GetInts($"{prefix}_nodeids") ?? [];
        var wId = node.GetInts($"{prefix}_ids") ?? [];
        var w = MlAttributes.Reals(node, $"{prefix}_weights") ?? [];
        if (wNode.Length != wTree.Length || wId.Length != wTree.Length || w.Length != wTree.Length)
            throw node.Invalid($"the {prefix}_* attributes have different lengths");
        var perLeaf = new int[n + 1];
        var owner = new int[wTree.Length];
        for (int k = 0; k < wTree.Length; k++)
        {
            owner[k] = Child(wTree[k], wNode[k]);
            perLeaf[owner[k] + 1]++;
        }
        for (int i = 0; i < n; i++) perLeaf[i + 1] += perLeaf[i];
        var fill = perLeaf.ToArray();
        var leafTargets = new int[wTree.Length];
        var leafWeights = new double[wTree.Length];
        for (int k = 0; k < wTree.Length; k++)
        {
            int at = fill[owner[k]]++;
            if (wId[k] < 0 || wId[k] >= targets) throw node.Invalid($"{prefix} id {wId[k]} is outside [0, {targets})");
            leafTargets[at] = (int)wId[k];
            leafWeights[at] = w[k];
        }

        var missingTrue = new bool[n];
        if (missing is { Length: > 0 })
            for (int i = 0; i < n; i++) missingTrue[i] = missing[i] != 0;

        return new TreeEnsembleSource
        {
            Features = features, Thresholds = values, Modes = parsedModes, MissingTrue = missingTrue,
            TrueChild = trueChild, TrueIsLeaf = trueIsLeaf, FalseChild = falseChild, FalseIsLeaf = falseIsLeaf,
            Roots = roots, RootIsLeaf = rootIsLeaf, LeafStart = perLeaf, LeafTargets = leafTargets, LeafWeights = leafWeights,
            Targets = targets, DoubleThresholds = doubleThresholds,
        };
    }
}

/// <summary>
/// TreeEnsemble (ai.onnx.ml opset 5): the unified ensemble with explicit leaf lists, numeric modes
/// (including set membership), aggregate and post_transform as integers. Output has the input's type.
/// </summary>
internal sealed class TreeEnsemble : Kernel
{
    readonly CompiledTreeEnsemble _trees;
    readonly TreeAggregate _aggregate;
    readonly PostTransform _post;

    TreeEnsemble(CompiledTreeEnsemble trees, TreeAggregate aggregate, PostTransform post)
    {
        _trees = trees;
        _aggregate = aggregate;
        _post = post;
    }

    public static Kernel Create(NodeInfo node)
    {
        MlAttributes.RejectUnknown(node, "aggregate_function", "leaf_targetids", "leaf_weights", "membership_values", "n_targets",
            "nodes_falseleafs", "nodes_falsenodeids", "nodes_featureids", "nodes_hitrates", "nodes_missing_value_tracks_true",
            "nodes_modes", "nodes_splits", "nodes_trueleafs", "nodes_truenodeids", "post_transform", "tree_roots");
        if (node.InputTypes.Length > 0 && node.InputTypes[0] is { } t && t is not (ElementType.Float or ElementType.Double))
            throw node.Unsupported($"input type {ElementTypeInfo.OnnxName(t)} is not supported (float or double)");
        long aggregate = node.GetInt("aggregate_function", 1);
        long post = node.GetInt("post_transform", 0);
        if (aggregate is < 0 or > 3) throw node.Unsupported($"aggregate_function {aggregate} is not supported");
        if (post is < 0 or > 4) throw node.Unsupported($"post_transform {post} is not supported");
        int targets = (int)node.GetInt("n_targets");
        if (targets <= 0) throw node.Invalid("n_targets must be positive");

        var splits = Tensor1D(node, "nodes_splits");
        var modesTensor = node.GetTensor("nodes_modes") ?? throw node.Invalid("attribute 'nodes_modes' is missing");
        if (modesTensor.Type != ElementType.UInt8) throw node.Invalid("nodes_modes must be a uint8 tensor");
        var modeBytes = modesTensor.Span<byte>();
        var features = MlAttributes.ToInts(node, Ints(node, "nodes_featureids"), "nodes_featureids");
        var trueIds = MlAttributes.ToInts(node, Ints(node, "nodes_truenodeids"), "nodes_truenodeids");
        var falseIds = MlAttributes.ToInts(node, Ints(node, "nodes_falsenodeids"), "nodes_falsenodeids");
        var trueLeafs = Ints(node, "nodes_trueleafs");
        var falseLeafs = Ints(node, "nodes_falseleafs");
        var roots = MlAttributes.ToInts(node, Ints(node, "tree_roots"), "tree_roots");
        var leafTargets = MlAttributes.ToInts(node, Ints(node, "leaf_targetids"), "leaf_targetids");
        var leafWeights = Tensor1D(node, "leaf_weights");
        var missing = node.GetTensor("nodes_missing_value_tracks_true");
        int n = features.Length;
        if (splits.Values.Length != n || modeBytes.Length != n || trueIds.Length != n || falseIds.Length != n
            || trueLeafs.Length != n || falseLeafs.Length != n || (missing is not null && missing.Length != n))
            throw node.Invalid("the nodes_* attributes have different lengths");
        if (leafWeights.Values.Length != leafTargets.Length)
            throw node.Invalid("leaf_weights and leaf_targetids have different lengths");

        var modes = new TreeNodeMode[n];
        for (int i = 0; i < n; i++)
        {
            if (modeBytes[i] > 6) throw node.Unsupported($"node mode {modeBytes[i]} is not supported");
            modes[i] = (TreeNodeMode)modeBytes[i];
        }
        var missingTrue = new bool[n];
        if (missing is not null)
        {
            var m = MlInputTensor.AsLongs(node, missing, "nodes_missing_value_tracks_true");
            for (int i = 0; i < n; i++) missingTrue[i] = m[i] != 0;
        }

        // Member sets: membership_values lists each BRANCH_MEMBER node's set in node order, NaN-terminated.
        double[]?[]? memberSets = null;
        if (modes.Contains(TreeNodeMode.Member))
        {
            var members = Tensor1D(node, "membership_values").Values;
            memberSets = new double[]?[n];
            int pos = 0;
            for (int i = 0; i < n; i++)
            {
                if (modes[i] != TreeNodeMode.Member) continue;
                var set = new List<double>();
                while (pos < members.Length && !double.IsNaN(members[pos])) set.Add(members[pos++]);
                if (pos >= members.Length && i != Array.LastIndexOf(modes, TreeNodeMode.Member))
                    throw node.Invalid("membership_values has fewer sets than BRANCH_MEMBER nodes");
                pos++; // the NaN separator
                memberSets[i] = set.ToArray();
            }
        }

        var rootIsLeaf = new bool[roots.Length];
        var rootIndex = new int[roots.Length];
        for (int r = 0; r < roots.Length; r++)
        {
            int root = roots[r];
            if (root < 0 || root >= n) throw node.Invalid($"tree root {root} is out of range");
            // A single-leaf tree is a root whose two children are the same leaf.
            if (trueLeafs[root] != 0 && falseLeafs[root] != 0 && trueIds[root] == falseIds[root])
            {
                rootIsLeaf[r] = true;
                rootIndex[r] = trueIds[root];
            }
            else rootIndex[r] = root;
        }
        var leafStart = new int[leafTargets.Length + 1];
        for (int i = 0; i <= leafTargets.Length; i++) leafStart[i] = i;
        var source = new TreeEnsembleSource
        {
            Features = features, Thresholds = splits.Values, Modes = modes, MissingTrue = missingTrue,
            TrueChild = trueIds, TrueIsLeaf = trueLeafs.Select(v => v != 0).ToArray(),
            FalseChild = falseIds, FalseIsLeaf = falseLeafs.Select(v => v != 0).ToArray(),
            MemberSets = memberSets, Roots = rootIndex, RootIsLeaf = rootIsLeaf,
            LeafStart = leafStart, LeafTargets = leafTargets, LeafWeights = leafWeights.Values,
            Targets = targets, DoubleThresholds = splits.IsDouble,
        };
        return new TreeEnsemble(new CompiledTreeEnsemble(source, node), (TreeAggregate)aggregate, (PostTransform)post);
    }

    static long[] Ints(NodeInfo node, string name) => node.GetInts(name) ?? throw node.Invalid($"attribute '{name}' is missing");

    static (double[] Values, bool IsDouble) Tensor1D(NodeInfo node, string name)
    {
        var t = node.GetTensor(name) ?? throw node.Invalid($"attribute '{name}' is missing");
        return t.Type switch
        {
            ElementType.Float => (t.Span<float>().ToArray().Select(v => (double)v).ToArray(), false),
            ElementType.Double => (t.ToArray<double>(), true),
            ElementType.Float16 => (t.Span<Half>().ToArray().Select(v => (double)v).ToArray(), false),
            _ => throw node.Unsupported($"attribute '{name}' of type {t.TypeName} is not supported"),
        };
    }

    public override void Run(KernelContext context)
    {
        var x = context.Input(0);
        MlInput.Matrix(x, out int rows, out int columns);
        int targets = _trees.Targets;
        var scores = context.Scratch<double>(rows * targets, 0);
        _trees.EvaluateTensor(context, x, rows, columns, scores, _aggregate);
        Span<int> shape = [rows, targets];
        if (x.Type == ElementType.Double)
        {
            var y = context.Output(0, ElementType.Double, shape).Span<double>();
            var row = context.Scratch<float>(targets, 1);
            for (int r = 0; r < rows; r++)
            {
                var src = scores.Slice(r * targets, targets);
                if (_post == PostTransform.None) { src.CopyTo(y.Slice(r * targets)); continue; }
                for (int k = 0; k < targets; k++) row[k] = (float)src[k];
                PostTransforms.Apply(_post, row);
                for (int k = 0; k < targets; k++) y[r * targets + k] = row[k];
            }
        }
        else
        {
            var y = context.Output(0, ElementType.Float, shape).Span<float>();
            for (int i = 0; i < rows * targets; i++) y[i] = (float)scores[i];
            if (_post != PostTransform.None)
                for (int r = 0; r < rows; r++) PostTransforms.Apply(_post, y.Slice(r * targets, targets));
        }
    }
}

internal static class MlInputTensor
{
    public static long[] AsLongs(NodeInfo node, Tensor t, string name) => t.Type switch
    {
        ElementType.Int64 => t.ToArray<long>(),
        ElementType.Int32 => t.ToArray<int>().Select(v => (long)v).ToArray(),
        ElementType.UInt8 => t.ToArray<byte>().Select(v => (long)v).ToArray(),
        _ => throw node.Invalid($"attribute '{name}' must be an integer tensor"),
    };
}
