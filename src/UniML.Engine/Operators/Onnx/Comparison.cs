using System.Numerics;
using UniML.Engine.Primitives;
using UniML.Onnx;

namespace UniML.Engine.Operators.Onnx;

/// <summary>
/// Equal, Less, LessOrEqual, Greater, GreaterOrEqual: numeric (and for Equal bool and string) inputs of one
/// type, broadcast, bool output. NaN compares false (Equal included), as in IEEE and numpy.
/// </summary>
internal static class Comparison
{
    public static Kernel Equal(NodeInfo node) => Create<EqualTest>(node, allowsBoolAndString: true);
    public static Kernel Less(NodeInfo node) => Create<LessTest>(node, false);
    public static Kernel LessOrEqual(NodeInfo node) => Create<LessOrEqualTest>(node, false);
    public static Kernel Greater(NodeInfo node) => Create<GreaterTest>(node, false);
    public static Kernel GreaterOrEqual(NodeInfo node) => Create<GreaterOrEqualTest>(node, false);

    static Kernel Create<TTest>(NodeInfo node, bool allowsBoolAndString) where TTest : IComparisonTest
    {
        Func<ElementType, bool> accepts = allowsBoolAndString ? t => ElementTypes.IsNumeric(t) || t is ElementType.Bool or ElementType.String : ElementTypes.IsNumeric;
        ElementTypes.Require(node, 0, accepts, allowsBoolAndString ? "numeric types, bool and string" : "numeric types");
        return new ComparisonKernel<TTest>(LegacyBroadcast.For(node));
    }

    interface IComparisonTest
    {
        static abstract bool Test<T>(T a, T b) where T : INumber<T>;
    }

    readonly struct EqualTest : IComparisonTest { public static bool Test<T>(T a, T b) where T : INumber<T> => a == b; }
    readonly struct LessTest : IComparisonTest { public static bool Test<T>(T a, T b) where T : INumber<T> => a < b; }
    readonly struct LessOrEqualTest : IComparisonTest { public static bool Test<T>(T a, T b) where T : INumber<T> => a <= b; }
    readonly struct GreaterTest : IComparisonTest { public static bool Test<T>(T a, T b) where T : INumber<T> => a > b; }
    readonly struct GreaterOrEqualTest : IComparisonTest { public static bool Test<T>(T a, T b) where T : INumber<T> => a >= b; }

    readonly struct Compare<T, TTest> : IScalarOperation<T, bool> where T : INumber<T> where TTest : IComparisonTest
    {
        public static bool Apply(T a, T b) => TTest.Test(a, b);
    }

    readonly struct StringEqual : IScalarOperation<string, bool>
    {
        public static bool Apply(string a, string b) => string.Equals(a, b, StringComparison.Ordinal);
    }

    sealed class ComparisonKernel<TTest>(LegacyBroadcast legacy) : Kernel where TTest : IComparisonTest
    {
        public override void Run(KernelContext context)
        {
            var a = context.Input(0);
            var b = context.Input(1);
            if (a.Type != b.Type)
                throw new InferenceException($"inputs have different types: {a.TypeName} and {b.TypeName}");
            Span<int> shapes = stackalloc int[2 * Broadcast.MaxRank];
            var shape = legacy.OutputShape(a.Shape, b.Shape, shapes, out var sb);
            var y = context.Output(0, ElementType.Bool, shape);
            var apply = new Apply(a, b, sb, y);
            switch (a.Type)
            {
                // The common cases inline (see ElementTypes): float, and int64 (shape tests).
                case ElementType.Float: apply.Visit<float>(); break;
                case ElementType.Int64: apply.Visit<long>(); break;
                case ElementType.Bool when typeof(TTest) == typeof(EqualTest):
                    Broadcast.Binary<byte, bool, ScalarLoops<byte, bool, Compare<byte, TTest>>>(a.Bytes(), a.Shape, b.Bytes(), sb, y.Span<bool>(), shape); break;
                case ElementType.String when typeof(TTest) == typeof(EqualTest):
                    Broadcast.Binary<string, bool, ScalarLoops<string, bool, StringEqual>>(a.Strings(), a.Shape, b.Strings(), sb, y.Span<bool>(), shape); break;
                default: ElementTypes.VisitNumeric(a, apply); break;
            }
        }

        readonly ref struct Apply(Tensor a, Tensor b, ReadOnlySpan<int> shapeB, Tensor y) : INumericVisitor
        {
            readonly ReadOnlySpan<int> _shapeB = shapeB;

            public void Visit<T>() where T : unmanaged, INumber<T> =>
                Broadcast.Binary<T, bool, ScalarLoops<T, bool, Compare<T, TTest>>>(a.Span<T>(), a.Shape, b.Span<T>(), _shapeB, y.Span<bool>(), y.Shape);
        }
    }
}
