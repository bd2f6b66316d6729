using System.Numerics.Tensors;
using UniML.Engine.Primitives;
using UniML.Onnx;

namespace UniML.Engine.Operators.OnnxMl;

/// <summary>
/// SVMClassifier (ai.onnx.ml 1). With support vectors (libsvm form): one-vs-one decision values
/// rho + Σ coef·K over the two classes' vectors, votes per class, optional Platt probabilities
/// (prob_a/prob_b and libsvm's pairwise coupling). Without (liblinear form): one score per class.
/// Labels and scores follow the ONNX reference's finalisation (including the binary cases).
/// </summary>
internal sealed class SVMClassifier : Kernel
{
    readonly SvmKernel _kernel;
    readonly float[] _vectors;      // [vectorCount, features] (SVC form)
    readonly float[] _coefficients; // [classes-1, vectorCount] (SVC) or [classes, features] (linear)
    readonly float[] _rho;
    readonly float[] _probA;
    readonly float[] _probB;
    readonly int[] _start;          // first support vector of each class
    readonly int[] _perClass;
    readonly int _vectorCount;
    readonly int _classes;
    readonly int _features;
    readonly bool _weightsPositive;
    readonly PostTransform _post;
    readonly long[]? _labelsInt;
    readonly string[]? _labelsString;

    SVMClassifier(NodeInfo node)
    {
        _kernel = new SvmKernel(node);
        _post = MlAttributes.PostTransform(node);
        _labelsInt = node.GetInts("classlabels_ints");
        _labelsString = node.GetStrings("classlabels_strings");
        if (_labelsInt is { Length: 0 }) _labelsInt = null;
        if (_labelsString is { Length: 0 }) _labelsString = null;
        if (_labelsInt is not null && _labelsString is not null) throw node.Invalid("classlabels_ints and classlabels_strings are both set");
        _classes = Math.Max(_labelsInt?.Length ?? _labelsString?.Length ?? 0, 1);
        _coefficients = node.GetFloats("coefficients") ?? throw node.Invalid("attribute 'coefficients' is missing");
        _rho = node.GetFloats("rho") ?? throw node.Invalid("attribute 'rho' is missing");
        _probA = node.GetFloats("prob_a") ?? [];
        _probB = node.GetFloats("prob_b") ?? [];
        _vectors = node.GetFloats("support_vectors") ?? [];
        _perClass = MlAttributes.ToInts(node, node.GetInts("vectors_per_class") ?? [], "vectors_per_class");
        _start = new int[_perClass.Length];
        for (int i = 0; i < _perClass.Length; i++) { _start[i] = _vectorCount; _vectorCount += _perClass[i]; }
        _weightsPositive = _coefficients.Length > 0 && TensorPrimitives.Min(_coefficients) >= 0;
        if (_vectorCount > 0)
        {
            if (_perClass.Length != _classes) throw node.Invalid($"vectors_per_class has {_perClass.Length} entries for {_classes} classes");
            if (_vectors.Length % _vectorCount != 0) throw node.Invalid("support_vectors does not divide into the vector count");
            _features = _vectors.Length / _vectorCount;
            if (_coefficients.Length != (_classes - 1) * _vectorCount) throw node.Invalid("coefficients must be (classes − 1) × vectors");
            int pairs = _classes * (_classes - 1) / 2;
            if (_rho.Length != pairs) throw node.Invalid($"rho has {_rho.Length} values for {pairs} class pairs");
            if (_probA.Length > 0 && (_probA.Length != pairs || _probB.Length != pairs)) throw node.Invalid("prob_a/prob_b need one value per class pair");
        }
        else
        {
            if (_coefficients.Length % _classes != 0) throw node.Invalid("coefficients do not divide into the classes");
            _features = _coefficients.Length / _classes;
            if (_rho.Length == 0) throw node.Invalid("rho is empty");
        }
    }

    public static Kernel Create(NodeInfo node)
    {
        MlAttributes.RejectUnknown(node, "classlabels_ints", "classlabels_strings", "coefficients", "kernel_params", "kernel_type",
            "post_transform", "prob_a", "prob_b", "rho", "support_vectors", "vectors_per_class");
        MlInput.CheckNumeric(node);
        return new SVMClassifier(node);
    }

    bool Svc => _vectorCount > 0;
    bool HasProba => Svc && _probA.Length > 0;

    /// <summary>Raw scores per row before write_scores: pair decisions, class probabilities or linear scores.</summary>
    int RawWidth => !Svc ? _classes : HasProba ? _classes : _classes * (_classes - 1) / 2;

    /// <summary>"write_additional_scores" of the reference: 2 when rho has one value and there are two labels.</summary>
    int AddSecondClass => _rho.Length == 1 && _classes == 2 ? 2 : -1;

    int OutputWidth => RawWidth == 1 && _post != PostTransform.Probit && AddSecondClass >= 0 ? 2 : RawWidth;

    public override void Run(KernelContext context)
    {
        var xt = context.Input(0);
        MlInput.Matrix(xt, out int n, out int columns);
        if (columns != _features) throw new InferenceException($"input has {columns} features, the model has {_features}");
        var x = MlInput.Floats(context, xt);
        int raw = RawWidth, width = OutputWidth;
        var y = context.Output(1, ElementType.Float, [n, width]).Span<float>();
        var labels = context.Output(0, _labelsString is null ? ElementType.Int64 : ElementType.String, [n]);
        var kernels = context.Scratch<float>(Math.Max(_vectorCount, 1), 0);
        var scores = context.Scratch<double>(Math.Max(raw, _classes * (_classes - 1) / 2), 1);
        var votes = context.Scratch<int>(_classes, 2);
        var pairProb = context.Scratch<double>(_classes * _classes, 3);
        var work = context.Scratch<double>(_classes * _classes + 3 * _classes, 4);
        var rowScores = context.Scratch<float>(Math.Max(raw, 2), 5);
        for (int r = 0; r < n; r++)
        {
            var row = x.Slice(r * columns, columns);
            int maxClass;
            double maxWeight;
            if (Svc)
            {
                _kernel.Evaluate(row, _vectors, kernels.Slice(0, _vectorCount));
                votes.Clear();
                int pair = 0;
                for (int i = 0; i < _classes; i++)
                {
                    for (int j = i + 1; j < _classes; j++, pair++)
                    {
                        // Class i's vectors weighted by coefficient row j−1, class j's by row i (libsvm's layout).
                        double s = _rho[pair]
                            + Dot(_coefficients.AsSpan((j - 1) * _vectorCount + _start[i], _perClass[i]), kernels.Slice(_start[i], _perClass[i]))
                            + Dot(_coefficients.AsSpan(i * _vectorCount + _start[j], _perClass[j]), kernels.Slice(_start[j], _perClass[j]));
                        scores[pair] = s;
                        if (s > 0) votes[i]++;
                        else votes[j]++;
                    }
                }
                maxClass = 0;
                for (int c = 1; c < _classes; c++) if (votes[c] > votes[maxClass]) maxClass = c;
                maxWeight = votes[maxClass];
                if (HasProba) Probabilities(scores, pairProb, work, scores);
            }
            else
            {
                for (int c = 0; c < _classes; c++)
                    scores[c] = _rho[0] + _kernel.Type switch
                    {
                        SvmKernelType.Linear => TensorPrimitives.Dot(row, _coefficients.AsSpan(c * _features, _features)),
                        _ => KernelOne(row, _coefficients.AsSpan(c * _features, _features)),
                    };
                maxClass = 0;
                for (int c = 1; c < raw; c++) if (scores[c] > scores[maxClass]) maxClass = c;
                maxWeight = scores[maxClass];
            }

            int labelIndex = maxClass;
            long labelValue = -1; // set when the reference yields a literal 0/1 label instead of an index
            // One rho: the binary rules of the reference. With one label the label is 1 for a positive score,
            // else 0; with more than two classes (liblinear form, shared rho) the best score wins.
            if (_rho.Length == 1)
            {
                if (_classes == 2)
                    labelIndex = !HasProba && _weightsPositive && maxWeight >= 0.5 ? 1 : maxClass;
                else if (_classes == 1)
                    labelValue = maxWeight > 0 ? 1 : 0;
            }

            var dst = y.Slice(r * width, width);
            for (int k = 0; k < raw; k++) rowScores[k] = (float)scores[k];
            WriteScores(rowScores.Slice(0, raw), dst);

            if (_labelsString is not null)
                labels.Strings()[r] = labelValue >= 0 ? (labelValue < _labelsString.Length ? _labelsString[labelValue] : "") : _labelsString[labelIndex];
            else
                labels.Span<long>()[r] = labelValue >= 0 ? labelValue : _labelsInt is not null ? _labelsInt[labelIndex] : labelIndex;
        }
    }

    float KernelOne(ReadOnlySpan<float> x, ReadOnlySpan<float> v)
    {
        Span<float> one = stackalloc float[1];
        _kernel.Evaluate(x, v, one);
        return one[0];
    }

    static double Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        double s = 0;
        for (int i = 0; i < a.Length; i++) s += (double)a[i] * b[i];
        return s;
    }

    void WriteScores(ReadOnlySpan<float> raw, Span<float> dst)
    {
        if (raw.Length >= 2)
        {
            raw.CopyTo(dst);
            PostTransforms.Apply(_post, dst);
            return;
        }
        float s = raw[0];
        if (_post == PostTransform.Probit) { dst[0] = PostTransforms.Probit(s); return; }
        if (AddSecondClass < 0) { dst[0] = s; return; }
        switch (_post)
        {
            case PostTransform.Logistic:
                dst[0] = PostTransforms.Logistic(-s);
                dst[1] = PostTransforms.Logistic(s);
                break;
            default:
                dst[0] = -s;
                dst[1] = s;
                PostTransforms.Apply(_post, dst);
                break;
        }
    }

    /// <summary>Platt-scaled pairwise probabilities coupled into class probabilities (libsvm's multiclass_probability).</summary>
    void Probabilities(Span<double> decisions, Span<double> r, Span<double> work, Span<double> result)
    {
        int k = _classes;
        r.Slice(0, k * k).Clear();
        int index = 0;
        for (int i = 0; i < k; i++)
            for (int j = i + 1; j < k; j++, index++)
            {
                double v = decisions[index] * _probA[index] + _probB[index];
                // 1 − logistic(v), computed without overflow.
                double p = v >= 0 ? Math.Exp(-v) / (1 + Math.Exp(-v)) : 1 / (1 + Math.Exp(v));
                p = Math.Min(Math.Max(p, 1e-7), 1 - 1e-7);
                r[i * k + j] = p;
                r[j * k + i] = 1 - p;
            }
        var q = work.Slice(0, k * k);
        var qp = work.Slice(k * k, k);
        var prob = work.Slice(k * k + k, k);
        for (int t = 0; t < k; t++)
        {
            prob[t] = 1.0 / k;
            q[t * k + t] = 0;
            for (int j = 0; j < t; j++)
            {
                q[t * k + t] += r[j * k + t] * r[j * k + t];
                q[t * k + j] = q[j * k + t];
            }
            for (int j = t + 1; j < k; j++)
            {
                q[t * k + t] += r[j * k + t] * r[j * k + t];
                q[t * k + j] = -r[j * k + t] * r[t * k + j];
            }
        }
        int maxIter = Math.Max(100, k);
        double eps = 0.005 / k;
        for (int iter = 0; iter < maxIter; iter++)
        {
            double pqp = 0;
            for (int t = 0; t < k; t++)
            {
                double s = 0;
                for (int j = 0; j < k; j++) s += q[t * k + j] * prob[j];
                qp[t] = s;
                pqp += prob[t] * s;
            }
            double maxError = 0;
            for (int t = 0; t < k; t++) maxError = Math.Max(maxError, Math.Abs(qp[t] - pqp));
            if (maxError < eps) break;
            for (int t = 0; t < k; t++)
            {
                double diff = (-qp[t] + pqp) / q[t * k + t];
                prob[t] += diff;
                pqp = (pqp + diff * (diff * q[t * k + t] + 2 * qp[t])) / (1 + diff) / (1 + diff);
                for (int j = 0; j < k; j++)
                {
                    qp[j] = (qp[j] + diff * q[t * k + j]) / (1 + diff);
                    prob[j] /= 1 + diff;
                }
            }
        }
        for (int t = 0; t < k; t++) result[t] = prob[t];
    }
}
