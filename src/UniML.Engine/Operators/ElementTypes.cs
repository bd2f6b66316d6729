using System.Numerics;
using System.Runtime.CompilerServices;
using UniML.Onnx;

namespace UniML.Engine.Operators;

/// <summary>
/// A computation written once as a generic method and run for the CLR type of a numeric element type
/// (<see cref="ElementTypes.VisitNumeric"/>). Implemented by a struct that carries the arguments, so each
/// element type gets its own specialised code and a direct call: no boxing, no delegate.
/// </summary>
internal interface INumericVisitor
{
    void Visit<T>() where T : unmanaged, INumber<T>;
}

/// <summary>As <see cref="INumericVisitor"/>, for the floating-point element types only.</summary>
internal interface IFloatVisitor
{
    void Visit<T>() where T : unmanaged, IFloatingPointIeee754<T>;
}

/// <summary>
/// Element-type sets of the element-wise family, checked at load when the input type is known, and the one
/// mapping from a numeric element type to its CLR type (float16 is <see cref="Half"/>) that kernels dispatch through.
/// </summary>
internal static class ElementTypes
{
    public static bool IsFloat(ElementType t) => t is ElementType.Float or ElementType.Double or ElementType.Float16;

    public static bool IsInteger(ElementType t) => t is ElementType.Int8 or ElementType.Int16 or ElementType.Int32 or ElementType.Int64
        or ElementType.UInt8 or ElementType.UInt16 or ElementType.UInt32 or ElementType.UInt64;

    public static bool IsNumeric(ElementType t) => IsFloat(t) || IsInteger(t);

    /// <summary>Refuses the node at load when input <paramref name="index"/> has a known type outside the set.</summary>
    public static void Require(NodeInfo node, int index, Func<ElementType, bool> accepts, string description)
    {
        if (index < node.InputTypes.Length && node.InputTypes[index] is { } t && !accepts(t))
            throw node.Unsupported($"input {index} is tensor({ElementTypeInfo.OnnxName(t)}); UniML implements {description}");
    }

    public static InferenceException NotImplemented(Tensor t) => new($"element type {ElementTypeInfo.OnnxName(t.Type)} is not implemented for this operator");

    // The dispatch stays out of line (NoInlining): inlined, its eleven typed paths would swell every kernel and use up
    // the JIT's inlining budget before the path that runs. Kernels on hot paths test for float themselves and call
    // their typed code directly, so the common case costs what the hand-written switch did.

    /// <summary>Runs <paramref name="visitor"/> for the numeric type of <paramref name="t"/>, or throws <see cref="NotImplemented"/>.</summary>
    public static void VisitNumeric<TVisitor>(Tensor t, TVisitor visitor) where TVisitor : struct, INumericVisitor, allows ref struct
    {
        if (!TryVisitNumeric(t.Type, visitor)) throw NotImplemented(t);
    }

    /// <summary>Runs <paramref name="visitor"/> for the numeric type <paramref name="type"/>; false, running nothing, for any other type.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static bool TryVisitNumeric<TVisitor>(ElementType type, TVisitor visitor) where TVisitor : struct, INumericVisitor, allows ref struct
    {
        switch (type)
        {
            case ElementType.Float: visitor.Visit<float>(); break;
            case ElementType.Double: visitor.Visit<double>(); break;
            case ElementType.Float16: visitor.Visit<Half>(); break;
            case ElementType.Int8: visitor.Visit<sbyte>(); break;
            case ElementType.Int16: visitor.Visit<short>(); break;
            case ElementType.Int32: visitor.Visit<int>(); break;
            case ElementType.Int64: visitor.Visit<long>(); break;
            case ElementType.UInt8: visitor.Visit<byte>(); break;
            case ElementType.UInt16: visitor.Visit<ushort>(); break;
            case ElementType.UInt32: visitor.Visit<uint>(); break;
            case ElementType.UInt64: visitor.Visit<ulong>(); break;
            default: return false;
        }
        return true;
    }

    /// <summary>Runs <paramref name="visitor"/> for the floating-point type of <paramref name="t"/>, or throws <see cref="NotImplemented"/>.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void VisitFloat<TVisitor>(Tensor t, TVisitor visitor) where TVisitor : struct, IFloatVisitor, allows ref struct
    {
        switch (t.Type)
        {
            case ElementType.Float: visitor.Visit<float>(); break;
            case ElementType.Double: visitor.Visit<double>(); break;
            case ElementType.Float16: visitor.Visit<Half>(); break;
            default: throw NotImplemented(t);
        }
    }
}
