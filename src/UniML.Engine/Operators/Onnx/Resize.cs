using System.Numerics.Tensors;
using UniML.Engine.Primitives;
using UniML.Onnx;

namespace UniML.Engine.Operators.Onnx;

internal enum ResizeMode { Nearest, Linear, Cubic }

internal enum CoordinateMode { HalfPixel, HalfPixelSymmetric, PytorchHalfPixel, AlignCorners, Asymmetric, TfHalfPixelForNn, TfCropAndResize }

/// <summary>Nearest-pixel rounding; Simple is Resize-10/Upsample's floor when enlarging and ceil when shrinking.</summary>
internal enum NearestMode { RoundPreferFloor, RoundPreferCeil, Floor, Ceil, Simple }

/// <summary>
/// Resize (opsets 10–19) and Upsample (7–10). Interpolation is separable, so the kernel resizes one axis
/// at a time: for every output index along the axis it computes the source taps and weights (1 for
/// nearest, 2 for linear, 4 for cubic), then combines whole inner rows. Coordinates follow the
/// specification's coordinate_transformation_mode formulas in double precision, with the output length
/// taken as scale × input length (as the ONNX reference does). Computation is in float; other numeric
/// types are converted in and out.
/// </summary>
internal sealed class Resize : Kernel
{
    ResizeMode _mode;
    CoordinateMode _coordinates;
    NearestMode _nearest;
    double _cubicA = -0.75;
    bool _excludeOutside;
    float _extrapolation;
    int[]? _axes;
    int _keepAspect; // 0 stretch, 1 not_larger, 2 not_smaller
    float[]? _scalesAttribute; // Upsample-7
    bool _legacy; // Resize-10 and Upsample: scales is input 1, no roi

    public static Kernel Create(NodeInfo node)
    {
        var k = new Resize();
        k._mode = ParseMode(node, node.GetString("mode", "nearest"));
        if (node.Opset < 11)
        {
            k._legacy = true;
            k._coordinates = CoordinateMode.Asymmetric;
            k._nearest = NearestMode.Simple;
            return k;
        }
        var coord = node.GetString("coordinate_transformation_mode", "half_pixel");
        k._coordinates = coord switch
        {
            "half_pixel" => CoordinateMode.HalfPixel,
            "half_pixel_symmetric" when node.Opset >= 19 => CoordinateMode.HalfPixelSymmetric,
            "pytorch_half_pixel" => CoordinateMode.PytorchHalfPixel,
            "align_corners" => CoordinateMode.AlignCorners,
            "asymmetric" => CoordinateMode.Asymmetric,
            "tf_half_pixel_for_nn" => CoordinateMode.TfHalfPixelForNn,
            "tf_crop_and_resize" => CoordinateMode.TfCropAndResize,
            _ => throw node.Invalid($"coordinate_transformation_mode '{coord}' is not defined at opset {node.Opset}"),
        };
        var nearest = node.GetString("nearest_mode", "round_prefer_floor");
        k._nearest = nearest switch
        {
            "round_prefer_floor" => NearestMode.RoundPreferFloor,
            "round_prefer_ceil" => NearestMode.RoundPreferCeil,
            "floor" => NearestMode.Floor,
            "ceil" => NearestMode.Ceil,
            _ => throw node.Invalid($"nearest_mode '{nearest}' is not defined"),
        };
        k._cubicA = node.GetFloat("cubic_coeff_a", -0.75f);
        k._excludeOutside = node.GetInt("exclude_outside", 0) != 0;
        k._extrapolation = node.GetFloat("extrapolation_value", 0);
        if (node.Opset >= 18)
        {
            if (node.GetInt("antialias", 0) != 0)
                throw node.Unsupported("antialias=1 is not implemented");
            if (node.GetInts("axes") is { } axes)
            {
                k._axes = new int[axes.Length];
                for (int i = 0; i < axes.Length; i++) k._axes[i] = (int)axes[i];
            }
            var policy = node.GetString("keep_aspect_ratio_policy", "stretch");
            k._keepAspect = policy switch
            {
                "stretch" => 0,
                "not_larger" => 1,
                "not_smaller" => 2,
                _ => throw node.Invalid($"keep_aspect_ratio_policy '{policy}' is not defined"),
            };
        }
        return k;
    }

    /// <summary>Upsample: scales as an attribute (opset 7) or input (9); nearest or (bi)linear, asymmetric coordinates.</summary>
    public static Kernel CreateUpsample(NodeInfo node)
    {
        var k = new Resize
        {
            _mode = ParseMode(node, node.GetString("mode", "nearest")),
            _legacy = true,
            _coordinates = CoordinateMode.Asymmetric,
            _nearest = NearestMode.Simple,
        };
        if (node.Opset < 9)
            k._scalesAttribute = node.GetFloats("scales") ?? throw node.Invalid("attribute 'scales' is required");
        return k;
    }

    static ResizeMode ParseMode(NodeInfo node, string mode) => mode switch
    {
        "nearest" => ResizeMode.Nearest,
        "linear" or "bilinear" => ResizeMode.Linear,
        "cubic" when node.OpType == "Resize" && node.Opset >= 11 => ResizeMode.Cubic,
        _ => throw node.Invalid($"mode '{mode}' is not defined"),
    };

    public override void Run(KernelContext context)
    {
        var x = context.Input(0);
        int rank = x.Rank;
        Span<double> scales = stackalloc double[rank];
        Span<int> outShape = stackalloc int[rank];
        Span<double> roi = stackalloc double[2 * rank];
        for (int i = 0; i < rank; i++) { roi[i] = 0; roi[i + rank] = 1; }
        ResolveShape(context, x, scales, outShape, roi);

        var y = context.Output(0, x.Type, outShape);
        if (y.Length == 0) return;

        // Work in float: read the input, resize axis by axis between two scratch buffers, write the output.
        int maxLength = x.Length;
        Span<int> current = stackalloc int[rank];
        x.Shape.CopyTo(current);
        for (int i = 0; i < rank; i++)
        {
            current[i] = outShape[i];
            maxLength = Math.Max(maxLength, ShapeInputs.Product(current));
        }
        x.Shape.CopyTo(current);
        var bufferA = context.Scratch<float>(maxLength, 0);
        var bufferB = context.Scratch<float>(maxLength, 1);
        var src = bufferA[..x.Length];
        ToFloat(x, src);
        bool swap = false;
        int taps = _mode switch { ResizeMode.Nearest => 1, ResizeMode.Linear => 2, _ => 4 };
        for (int axis = 0; axis < rank; axis++)
        {
            int inDim = current[axis], outDim = outShape[axis];
            if (outDim == inDim && scales[axis] == 1 && roi[axis] == 0 && roi[axis + rank] == 1) continue;
            var index = context.Scratch<int>(outDim * taps, 2);
            var weight = context.Scratch<float>(outDim * taps, 3);
            var outside = context.Scratch<bool>(outDim, 4);
            ComputeTaps(inDim, outDim, scales[axis], roi[axis], roi[axis + rank], taps, index, weight, outside);
            int outer = ShapeInputs.Product(current, 0, axis);
            int inner = ShapeInputs.Product(current, axis + 1, rank);
            var dst = (swap ? bufferA : bufferB)[..(outer * outDim * inner)];
            Interpolate(src, dst, outer, inDim, outDim, inner, taps, index, weight, outside, _extrapolation);
            src = dst;
            swap = !swap;
            current[axis] = outDim;
        }
        FromFloat(src, y);
    }

    void ResolveShape(KernelContext context, Tensor x, Span<double> scales, Span<int> outShape, Span<double> roi)
    {
        int rank = x.Rank;
        Tensor? scalesInput, sizesInput = null, roiInput = null;
        if (_scalesAttribute is not null)
        {
            if (_scalesAttribute.Length != rank) throw new InferenceException($"scales has {_scalesAttribute.Length} entries for rank {rank}");
            for (int i = 0; i < rank; i++) scales[i] = _scalesAttribute[i];
            scalesInput = null;
        }
        else if (_legacy) scalesInput = context.Input(1);
        else
        {
            roiInput = context.OptionalInput(1);
            scalesInput = context.OptionalInput(2);
            sizesInput = context.OptionalInput(3);
        }
        if (scalesInput is { Length: 0 }) scalesInput = null;
        if (sizesInput is { Length: 0 }) sizesInput = null;
        int[] axesAll = _axes ?? [];
        int n = _axes?.Length ?? rank;
        Span<int> axes = stackalloc int[n];
        for (int i = 0; i < n; i++) axes[i] = _axes is null ? i : ShapeInputs.Axis(_axes[i], rank);

        if (roiInput is { Length: > 0 } && _coordinates == CoordinateMode.TfCropAndResize)
        {
            if (roiInput.Length != 2 * n) throw new InferenceException($"roi has {roiInput.Length} entries, expected {2 * n}");
            for (int i = 0; i < n; i++)
            {
                roi[axes[i]] = Number(roiInput, i);
                roi[axes[i] + rank] = Number(roiInput, i + n);
            }
        }

        if (_scalesAttribute is not null) { }
        else if (scalesInput is not null)
        {
            if (sizesInput is not null) throw new InferenceException("only one of scales and sizes may be given");
            if (scalesInput.Type != ElementType.Float) throw new InferenceException($"scales must be float, got {scalesInput.TypeName}");
            if (scalesInput.Length != n) throw new InferenceException($"scales has {scalesInput.Length} entries, expected {n}");
            var s = scalesInput.Span<float>();
            for (int i = 0; i < rank; i++) scales[i] = 1;
            for (int i = 0; i < n; i++)
            {
                if (!(s[i] > 0)) throw new InferenceException($"scale {s[i]} must be positive");
                scales[axes[i]] = s[i];
            }
        }
        else if (sizesInput is not null)
        {
            if (sizesInput.Length != n) throw new InferenceException($"sizes has {sizesInput.Length} entries, expected {n}");
            Span<long> sizes = stackalloc long[n];
            ShapeInputs.ReadInt64(sizesInput, sizes);
            x.Shape.CopyTo(outShape);
            for (int i = 0; i < rank; i++) scales[i] = 1;
            for (int i = 0; i < n; i++)
            {
                outShape[axes[i]] = ShapeInputs.Dim(sizes[i]);
                scales[axes[i]] = (double)sizes[i] / x.Shape[axes[i]];
            }
            if (_keepAspect != 0)
            {
                double scale = _keepAspect == 1 ? double.MaxValue : double.MinValue;
                for (int i = 0; i < n; i++)
                    scale = _keepAspect == 1 ? Math.Min(scale, scales[axes[i]]) : Math.Max(scale, scales[axes[i]]);
                for (int i = 0; i < n; i++)
                {
                    scales[axes[i]] = scale;
                    outShape[axes[i]] = (int)(scale * x.Shape[axes[i]] + 0.5);
                }
            }
            return;
        }
        else throw new InferenceException("one of scales and sizes is required");
        for (int i = 0; i < rank; i++)
            outShape[i] = ShapeInputs.Dim((long)Math.Floor(scales[i] * x.Shape[i]));
    }

    void ComputeTaps(int inDim, int outDim, double scale, double roiStart, double roiEnd, int taps,
        Span<int> index, Span<float> weight, Span<bool> outside)
    {
        double outLength = scale * inDim;
        Span<double> w = stackalloc double[4];
        for (int o = 0; o < outDim; o++)
        {
            double xo = _coordinates switch
            {
                CoordinateMode.HalfPixel => (o + 0.5) / scale - 0.5,
                CoordinateMode.HalfPixelSymmetric => inDim / 2.0 * (1 - outDim / outLength) + (o + 0.5) / scale - 0.5,
                CoordinateMode.PytorchHalfPixel => outLength == 1 ? -0.5 : (o + 0.5) / scale - 0.5,
                CoordinateMode.AlignCorners => outLength == 1 ? 0 : o * (inDim - 1) / (outLength - 1),
                CoordinateMode.Asymmetric => o / scale,
                CoordinateMode.TfHalfPixelForNn => (o + 0.5) / scale,
                _ => (outLength == 1 ? (roiEnd - roiStart) * (inDim - 1) / 2 : o * (roiEnd - roiStart) * (inDim - 1) / (outLength - 1))
                     + roiStart * (inDim - 1),
            };
            outside[o] = _coordinates == CoordinateMode.TfCropAndResize && (xo < 0 || xo > inDim - 1);
            double fl = Math.Floor(xo);
            int baseIndex = (int)fl;
            double r = xo - fl;
            var ti = index.Slice(o * taps, taps);
            var tw = weight.Slice(o * taps, taps);
            switch (_mode)
            {
                case ResizeMode.Nearest:
                {
                    int pick = _nearest switch
                    {
                        NearestMode.RoundPreferFloor => r <= 0.5 ? baseIndex : baseIndex + 1,
                        NearestMode.RoundPreferCeil => r < 0.5 ? baseIndex : baseIndex + 1,
                        NearestMode.Floor => baseIndex,
                        NearestMode.Ceil => r == 0 ? baseIndex : baseIndex + 1,
                        _ => scale < 1 ? (int)Math.Ceiling(xo) : baseIndex,
                    };
                    ti[0] = Math.Clamp(pick, 0, inDim - 1);
                    tw[0] = 1;
                    continue;
                }
                case ResizeMode.Linear:
                    w[0] = 1 - r;
                    w[1] = r;
                    break;
                default:
                {
                    double a = _cubicA;
                    // Keys cubic convolution weights for distances 1+r, r, 1-r, 2-r.
                    w[0] = Far(1 + r, a);
                    w[1] = Near(r, a);
                    w[2] = Near(1 - r, a);
                    w[3] = Far(2 - r, a);
                    break;
                }
            }
            int first = _mode == ResizeMode.Cubic ? baseIndex - 1 : baseIndex;
            double sum = 0;
            for (int t = 0; t < taps; t++)
            {
                int src = first + t;
                if (_excludeOutside && (src < 0 || src >= inDim)) w[t] = 0;
                sum += w[t];
            }
            for (int t = 0; t < taps; t++)
            {
                ti[t] = Math.Clamp(first + t, 0, inDim - 1);
                tw[t] = (float)(_excludeOutside ? w[t] / sum : w[t]);
            }
        }
    }

    static double Near(double d, double a) => ((a + 2) * d - (a + 3)) * d * d + 1;

    static double Far(double d, double a) => ((a * d - 5 * a) * d + 8 * a) * d - 4 * a;

    static void Interpolate(ReadOnlySpan<float> src, Span<float> dst, int outer, int inDim, int outDim, int inner, int taps,
        ReadOnlySpan<int> index, ReadOnlySpan<float> weight, ReadOnlySpan<bool> outside, float extrapolation)
    {
        for (int b = 0; b < outer; b++)
        {
            var plane = src.Slice(b * inDim * inner, inDim * inner);
            for (int o = 0; o < outDim; o++)
            {
                var row = dst.Slice((b * outDim + o) * inner, inner);
                if (outside[o]) { row.Fill(extrapolation); continue; }
                int t0 = o * taps;
                if (inner == 1)
                {
                    float v = 0;
                    for (int t = 0; t < taps; t++) v += weight[t0 + t] * plane[index[t0 + t]];
                    row[0] = v;
                    continue;
                }
                if (taps == 1) { plane.Slice(index[t0] * inner, inner).CopyTo(row); continue; }
                TensorPrimitives.Multiply(plane.Slice(index[t0] * inner, inner), weight[t0], row);
                for (int t = 1; t < taps; t++)
                    TensorPrimitives.MultiplyAdd(plane.Slice(index[t0 + t] * inner, inner), weight[t0 + t], row, row);
            }
        }
    }

    static double Number(Tensor t, int i) => t.Type switch
    {
        ElementType.Float => t.Span<float>()[i],
        ElementType.Double => t.Span<double>()[i],
        ElementType.Float16 => (double)t.Span<Half>()[i],
        _ => throw new InferenceException($"roi must be floating point, got {t.TypeName}"),
    };

    static void ToFloat(Tensor x, Span<float> dst)
    {
        switch (x.Type)
        {
            case ElementType.Float: x.Span<float>().CopyTo(dst); break;
            case ElementType.Double: { var s = x.Span<double>(); for (int i = 0; i < s.Length; i++) dst[i] = (float)s[i]; break; }
            case ElementType.Float16: TensorPrimitives.ConvertToSingle(x.Span<Half>(), dst); break;
            case ElementType.UInt8: { var s = x.Span<byte>(); for (int i = 0; i < s.Length; i++) dst[i] = s[i]; break; }
            case ElementType.Int8: { var s = x.Span<sbyte>(); for (int i = 0; i < s.Length; i++) dst[i] = s[i]; break; }
            case ElementType.Int32: { var s = x.Span<int>(); for (int i = 0; i < s.Length; i++) dst[i] = s[i]; break; }
            default: throw new InferenceException($"Resize does not support {x.TypeName}");
        }
    }

    static void FromFloat(ReadOnlySpan<float> src, Tensor y)
    {
        switch (y.Type)
        {
            case ElementType.Float: src.CopyTo(y.Span<float>()); break;
            case ElementType.Double: { var d = y.Span<double>(); for (int i = 0; i < d.Length; i++) d[i] = src[i]; break; }
            case ElementType.Float16: TensorPrimitives.ConvertToHalf(src, y.Span<Half>()); break;
            case ElementType.UInt8: { var d = y.Span<byte>(); for (int i = 0; i < d.Length; i++) d[i] = (byte)Math.Clamp(MathF.Round(src[i]), 0, 255); break; }
            case ElementType.Int8: { var d = y.Span<sbyte>(); for (int i = 0; i < d.Length; i++) d[i] = (sbyte)Math.Clamp(MathF.Round(src[i]), -128, 127); break; }
            case ElementType.Int32: { var d = y.Span<int>(); for (int i = 0; i < d.Length; i++) d[i] = (int)Math.Clamp(MathF.Round(src[i]), int.MinValue, int.MaxValue); break; }
        }
    }
}
