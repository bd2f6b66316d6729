using UniML.Onnx;

namespace UniML.Engine.Operators.Onnx;

/// <summary>
/// NonMaxSuppression: per batch and class, boxes scoring above score_threshold are taken in descending
/// score order (ties by lower index) and kept unless their IoU with an already kept box exceeds
/// iou_threshold, up to max_output_boxes_per_class. Output rows are [batch, class, box] in that order.
/// center_point_box = 0 reads [y1, x1, y2, x2] (either corner order), 1 reads [x_center, y_center, w, h].
/// </summary>
internal sealed class NonMaxSuppression : Kernel
{
    readonly bool _centerPoint;

    NonMaxSuppression(bool centerPoint) => _centerPoint = centerPoint;

    public static Kernel Create(NodeInfo node)
    {
        long mode = node.GetInt("center_point_box", 0);
        if (mode is not (0 or 1)) throw node.Invalid($"center_point_box {mode} must be 0 or 1");
        if (node.InputTypes[0] is { } t && t != ElementType.Float)
            throw node.Unsupported($"NonMaxSuppression of {ElementTypeInfo.OnnxName(t)} boxes is not implemented (float)");
        return new NonMaxSuppression(mode == 1);
    }

    public override void Run(KernelContext context)
    {
        var boxes = context.Input(0);
        var scores = context.Input(1);
        var maxTensor = context.OptionalInput(2);
        var iouTensor = context.OptionalInput(3);
        var scoreTensor = context.OptionalInput(4);
        if (boxes.Rank != 3 || boxes.Shape[2] != 4 || scores.Rank != 3 || scores.Shape[0] != boxes.Shape[0] || scores.Shape[2] != boxes.Shape[1])
            throw new InferenceException($"boxes {boxes.ShapeString} must be [batch, boxes, 4] and scores {scores.ShapeString} [batch, classes, boxes]");
        long maxPerClass = maxTensor is null || maxTensor.Length == 0 ? 0 : maxTensor.Span<long>()[0];
        float iouThreshold = iouTensor is null || iouTensor.Length == 0 ? 0 : iouTensor.Span<float>()[0];
        bool hasScoreThreshold = scoreTensor is not null && scoreTensor.Length > 0;
        float scoreThreshold = hasScoreThreshold ? scoreTensor!.Span<float>()[0] : 0;
        int batches = boxes.Shape[0], n = boxes.Shape[1], classes = scores.Shape[1];
        int limit = (int)Math.Min(Math.Max(maxPerClass, 0), n);

        var selected = context.Scratch<long>(Math.Max(batches * classes * limit * 3, 1), 0);
        var order = context.Scratch<ulong>(n, 1);
        var kept = context.Scratch<int>(Math.Max(limit, 1), 2);
        var bv = boxes.Span<float>();
        var sv = scores.Span<float>();
        int count = 0;
        for (int b = 0; b < batches; b++)
            for (int c = 0; c < classes; c++)
            {
                if (limit == 0) continue;
                var classScores = sv.Slice((b * classes + c) * n, n);
                int candidates = 0;
                for (int i = 0; i < n; i++)
                {
                    if (hasScoreThreshold && !(classScores[i] > scoreThreshold)) continue;
                    // Sort key: descending score (order-preserving bits, inverted), then ascending index.
                    uint bits = BitConverter.SingleToUInt32Bits(classScores[i]);
                    uint ordered = (bits & 0x80000000) != 0 ? ~bits : bits | 0x80000000;
                    order[candidates++] = ((ulong)~ordered << 32) | (uint)i;
                }
                order[..candidates].Sort();
                int keptCount = 0;
                var classBoxes = bv.Slice(b * n * 4, n * 4);
                for (int k = 0; k < candidates && keptCount < limit; k++)
                {
                    int i = (int)(order[k] & 0xFFFFFFFF);
                    bool suppressed = false;
                    for (int j = 0; j < keptCount; j++)
                        if (Iou(classBoxes, i, kept[j]) > iouThreshold) { suppressed = true; break; }
                    if (suppressed) continue;
                    kept[keptCount++] = i;
                    selected[count * 3] = b;
                    selected[count * 3 + 1] = c;
                    selected[count * 3 + 2] = i;
                    count++;
                }
            }
        var y = context.Output(0, ElementType.Int64, [count, 3]);
        selected[..(count * 3)].CopyTo(y.Span<long>());
    }

    float Iou(ReadOnlySpan<float> boxes, int a, int b)
    {
        Corners(boxes.Slice(a * 4, 4), out float ay1, out float ax1, out float ay2, out float ax2);
        Corners(boxes.Slice(b * 4, 4), out float by1, out float bx1, out float by2, out float bx2);
        float areaA = (ay2 - ay1) * (ax2 - ax1), areaB = (by2 - by1) * (bx2 - bx1);
        if (areaA <= 0 || areaB <= 0) return 0;
        float ih = Math.Max(0, Math.Min(ay2, by2) - Math.Max(ay1, by1));
        float iw = Math.Max(0, Math.Min(ax2, bx2) - Math.Max(ax1, bx1));
        float inter = ih * iw;
        float union = areaA + areaB - inter;
        return union <= 0 ? 0 : inter / union;
    }

    void Corners(ReadOnlySpan<float> box, out float y1, out float x1, out float y2, out float x2)
    {
        if (_centerPoint)
        {
            float xc = box[0], yc = box[1], w = box[2], h = box[3];
            x1 = xc - w / 2; x2 = xc + w / 2; y1 = yc - h / 2; y2 = yc + h / 2;
            return;
        }
        y1 = Math.Min(box[0], box[2]); y2 = Math.Max(box[0], box[2]);
        x1 = Math.Min(box[1], box[3]); x2 = Math.Max(box[1], box[3]);
    }
}
