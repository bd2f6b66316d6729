using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace UniML.Engine.Operators.OnnxMl;

internal enum SvmKernelType { Linear, Poly, Rbf, Sigmoid }

/// <summary>The kernel functions of SVMClassifier/SVMRegressor: kernel_params are [gamma, coef0, degree].</summary>
internal readonly struct SvmKernel
{
    public readonly SvmKernelType Type;
    public readonly float Gamma;
    public readonly float Coef0;
    public readonly float Degree;

    public SvmKernel(NodeInfo node)
    {
        var name = node.GetString("kernel_type", "LINEAR");
        Type = name switch
        {
            "LINEAR" => SvmKernelType.Linear,
            "POLY" => SvmKernelType.Poly,
            "RBF" => SvmKernelType.Rbf,
            "SIGMOID" => SvmKernelType.Sigmoid,
            _ => throw node.Unsupported($"kernel_type '{name}' is not supported"),
        };
        var p = node.GetFloats("kernel_params") ?? [];
        Gamma = p.Length > 0 ? p[0] : 0;
        Coef0 = p.Length > 1 ? p[1] : 0;
        Degree = p.Length > 2 ? p[2] : 0;
    }

    /// <summary>K(x, v) for each row v of <paramref name="vectors"/> (count × x.Length), into <paramref name="result"/>.</summary>
    public void Evaluate(ReadOnlySpan<float> x, ReadOnlySpan<float> vectors, Span<float> result)
    {
        int f = x.Length;
        for (int j = 0; j < result.Length; j++)
        {
            var v = vectors.Slice(j * f, f);
            result[j] = Type switch
            {
                SvmKernelType.Linear => TensorPrimitives.Dot(x, v),
                SvmKernelType.Poly => Pow(Gamma * TensorPrimitives.Dot(x, v) + Coef0, Degree),
                SvmKernelType.Sigmoid => MathF.Tanh(Gamma * TensorPrimitives.Dot(x, v) + Coef0),
                _ => SquaredDistance(x, v),
            };
        }
        if (Type == SvmKernelType.Rbf)
        {
            TensorPrimitives.Multiply(result, -Gamma, result);
            TensorPrimitives.Exp(result, result);
        }
    }

    static float Pow(float x, float degree) => degree == 2 ? x * x : degree == 3 ? x * x * x : MathF.Pow(x, degree);

    /// <summary>Σ (a−b)², vectorised (TensorPrimitives has Distance but not its square, and sqrt then square loses bits).</summary>
    public static float SquaredDistance(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        int n = a.Length, i = 0;
        ref float ra = ref MemoryMarshal.GetReference(a);
        ref float rb = ref MemoryMarshal.GetReference(b);
        float sum = 0;
        if (Vector256.IsHardwareAccelerated && n >= 8)
        {
            var acc = Vector256<float>.Zero;
            for (; i <= n - 8; i += 8)
            {
                var d = Vector256.LoadUnsafe(ref ra, (nuint)i) - Vector256.LoadUnsafe(ref rb, (nuint)i);
                acc += d * d;
            }
            sum = Vector256.Sum(acc);
        }
        for (; i < n; i++)
        {
            float d = Unsafe.Add(ref ra, i) - Unsafe.Add(ref rb, i);
            sum += d * d;
        }
        return sum;
    }
}
