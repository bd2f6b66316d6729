using UniML.Engine.Primitives;

namespace UniML.Engine.Operators.Onnx;

/// <summary>
/// DepthToSpace (DCR or CRD mode) and SpaceToDepth: a reshape to 6-D, a fixed transpose and a reshape
/// back, done as one strided copy.
/// </summary>
internal sealed class DepthToSpace(int blockSize, bool crd, bool toDepth) : ElementMoveKernel
{
    public static Kernel Create(NodeInfo node)
    {
        var mode = node.GetString("mode", "DCR");
        if (mode is not ("DCR" or "CRD")) throw node.Invalid($"mode '{mode}' is neither DCR nor CRD");
        return new DepthToSpace(BlockSize(node), mode == "CRD", false);
    }

    public static Kernel CreateSpaceToDepth(NodeInfo node) => new DepthToSpace(BlockSize(node), false, true);

    static int BlockSize(NodeInfo node)
    {
        long b = node.GetInt("blocksize");
        if (b < 1 || b > int.MaxValue) throw node.Invalid($"blocksize {b} must be positive");
        return (int)b;
    }

    protected override void Run<T>(KernelContext context)
    {
        var x = context.Input(0);
        if (x.Rank != 4) throw new InferenceException($"expected a 4-D NCHW input, got {x.ShapeString}");
        int n = x.Shape[0], c = x.Shape[1], h = x.Shape[2], w = x.Shape[3], b = blockSize;
        long hw = (long)h * w, sN = (long)c * hw;
        Span<int> view = stackalloc int[6];
        Span<long> strides = stackalloc long[6];
        Span<int> outShape = stackalloc int[4];
        if (toDepth)
        {
            if (h % b != 0 || w % b != 0) throw new InferenceException($"height and width of {x.ShapeString} must be multiples of {b}");
            int ho = h / b, wo = w / b;
            outShape[0] = n; outShape[1] = c * b * b; outShape[2] = ho; outShape[3] = wo;
            // out [N, b1, b2, C, H', W'] reads in [N, C, H', b1, W', b2].
            view[0] = n; view[1] = b; view[2] = b; view[3] = c; view[4] = ho; view[5] = wo;
            strides[0] = sN; strides[1] = w; strides[2] = 1; strides[3] = hw; strides[4] = (long)b * w; strides[5] = b;
        }
        else
        {
            if (c % (b * b) != 0) throw new InferenceException($"channels of {x.ShapeString} must be a multiple of {b * b}");
            int co = c / (b * b);
            outShape[0] = n; outShape[1] = co; outShape[2] = h * b; outShape[3] = w * b;
            // out [N, C', H, b1, W, b2]; DCR reads in [N, b1, b2, C', H, W], CRD reads in [N, C', b1, b2, H, W].
            view[0] = n; view[1] = co; view[2] = h; view[3] = b; view[4] = w; view[5] = b;
            long sC = crd ? (long)b * b * hw : hw;
            long sB1 = crd ? (long)b * hw : (long)b * co * hw;
            long sB2 = crd ? hw : co * hw;
            strides[0] = sN; strides[1] = sC; strides[2] = w; strides[3] = sB1; strides[4] = 1; strides[5] = sB2;
        }
        var y = context.Output(0, x.Type, outShape);
        StridedCopy.Copy<T>(ElementView.Of<T>(x), 0, view, strides, ElementView.Of<T>(y));
    }
}
