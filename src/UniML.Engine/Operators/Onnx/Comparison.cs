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

    readonly struct Compare<T, TTest> : IBinaryOperation<T, bool> where T : INumber<T> where TTest : IComparisonTest
    {
        public static bool Apply(T a, T b) => TTest.Test(a, b);

        public static void Apply(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<bool> dest)
        {
            for (int i = 0; i < dest.Length; i++) dest[i] = TTest.Test(a[i], b[i]);
        }

        public static void Apply(ReadOnlySpan<T> a, T b, Span<bool> dest)
        {
            for (int i = 0; i < dest.Length; i++) dest[i] = TTest.Test(a[i], b);
        }

        public static void Apply(T a, ReadOnlySpan<T> b, Span<bool> dest)
        {
            for (int i = 0; i < dest.Length; i++) dest[i] = TTest.Test(a, b[i]);
        }
    }

    readonly struct StringEqual : IBinaryOperation<string, bool>
    {
        public static bool Apply(string a, string b) => string.Equals(a, b, StringComparison.Ordinal);

        public static void Apply(ReadOnlySpan<string> a, ReadOnlySpan<string> b, Span<bool> dest)
        {
            for (int i = 0; i < dest.Length; i++) dest[i] = Apply(a[i], b[i]);
        }

        public static void Apply(ReadOnlySpan<string> a, string b, Span<bool> dest)
        {
            for (int i = 0; i < dest.Length; i++) dest[i] = Apply(a[i], b);
        }

        public static void Apply(string a, ReadOnlySpan<string> b, Span<bool> dest)
        {
            for (int i = 0; i < dest.Length; i++) dest[i] = Apply(a, b[i]);
        }
    }

    sealed class ComparisonKernel<TTest>(LegacyBroadcast legacy) : Kernel where TTest : IComparisonTest
    {
        public override void Run(KernelContext context)
        {
            var a = context.Input(0);
            var b = context.Input(1);
            if (a.Type != b.Type)
                throw new InferenceException($"inputs have different types: {a.TypeName} and {b.TypeName}");
            Span<int> alignBuffer = stackalloc int[Broadcast.MaxRank];
            var sb = legacy.Align(a.Shape, b.Shape, alignBuffer);
            Span<int> shape = stackalloc int[Broadcast.MaxRank];
            shape = shape[..Broadcast.Shape(a.Shape, sb, shape)];
            var sa = a.Shape;
            var y = context.Output(0, ElementType.Bool, shape).Span<bool>();
            switch (a.Type)
            {
                case ElementType.Float: Broadcast.Binary<float, bool, Compare<float, TTest>>(a.Span<float>(), sa, b.Span<float>(), sb, y, shape); break;
                case ElementType.Double: Broadcast.Binary<double, bool, Compare<double, TTest>>(a.Span<double>(), sa, b.Span<double>(), sb, y, shape); break;
                case ElementType.Float16: Broadcast.Binary<Half, bool, Compare<Half, TTest>>(a.Span<Half>(), sa, b.Span<Half>(), sb, y, shape); break;
                case ElementType.Int8: Broadcast.Binary<sbyte, bool, Compare<sbyte, TTest>>(a.Span<sbyte>(), sa, b.Span<sbyte>(), sb, y, shape); break;
                case ElementType.Int16: Broadcast.Binary<short, bool, Compare<short, TTest>>(a.Span<short>(), sa, b.Span<short>(), sb, y, shape); break;
                case ElementType.Int32: Broadcast.Binary<int, bool, Compare<int, TTest>>(a.Span<int>(), sa, b.Span<int>(), sb, y, shape); break;
                case ElementType.Int64: Broadcast.Binary<long, bool, Compare<long, TTest>>(a.Span<long>(), sa, b.Span<long>(), sb, y, shape); break;
                case ElementType.UInt8: Broadcast.Binary<byte, bool, Compare<byte, TTest>>(a.Span<byte>(), sa, b.Span<byte>(), sb, y, shape); break;
                case ElementType.UInt16: Broadcast.Binary<ushort, bool, Compare<ushort, TTest>>(a.Span<ushort>(), sa, b.Span<ushort>(), sb, y, shape); break;
                case ElementType.UInt32: Broadcast.Binary<uint, bool, Compare<uint, TTest>>(a.Span<uint>(), sa, b.Span<uint>(), sb, y, shape); break;
                case ElementType.UInt64: Broadcast.Binary<ulong, bool, Compare<ulong, TTest>>(a.Span<ulong>(), sa, b.Span<ulong>(), sb, y, shape); break;
                case ElementType.Bool when typeof(TTest) == typeof(EqualTest):
                    Broadcast.Binary<byte, bool, Compare<byte, TTest>>(a.Bytes(), sa, b.Bytes(), sb, y, shape); break;
                case ElementType.String when typeof(TTest) == typeof(EqualTest):
                    Broadcast.Binary<string, bool, StringEqual>(a.Strings(), sa, b.Strings(), sb, y, shape); break;
                default: throw ElementTypes.NotImplemented(a);
            }
        }
    }
}
