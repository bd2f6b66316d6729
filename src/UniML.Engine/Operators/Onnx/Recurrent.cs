using System.Numerics.Tensors;
using UniML.Engine.Primitives;
using UniML.Onnx;

namespace UniML.Engine.Operators.Onnx;

/// <summary>
/// RNN, LSTM and GRU (forward, reverse, bidirectional; sequence_lens; initial states; LSTM peepholes; GRU
/// linear_before_reset; clip; layout 0 and 1; the activation functions the specification lists). The input
/// projection X·Wᵀ of every time step is one GEMM up front; each step then multiplies the previous hidden
/// state by Rᵀ. Constant W and R are packed at load. Gate order follows the specification: RNN (i),
/// LSTM (i, o, f, c) with peepholes (i, o, f), GRU (z, r, h).
/// </summary>
internal sealed class Recurrent : Kernel
{
    enum Cell { Rnn, Lstm, Gru }

    readonly Cell _cell;
    readonly int _hidden, _directions, _layout;
    readonly bool _reverseOnly, _linearBeforeReset;
    readonly float _clip;
    readonly Activation[] _activations; // per direction: RNN f; LSTM f, g, h; GRU f, g
    readonly PackedMatrix?[] _w, _r, _rHidden; // per direction; GRU without linear_before_reset: _r is z,r rows and _rHidden the h rows

    int Gates => _cell switch { Cell.Lstm => 4, Cell.Gru => 3, _ => 1 };

    Recurrent(Cell cell, int hidden, int directions, bool reverseOnly, int layout, bool linearBeforeReset, float clip, Activation[] activations,
        PackedMatrix?[] w, PackedMatrix?[] r, PackedMatrix?[] rHidden)
    {
        _cell = cell;
        _hidden = hidden;
        _directions = directions;
        _reverseOnly = reverseOnly;
        _layout = layout;
        _linearBeforeReset = linearBeforeReset;
        _clip = clip;
        _activations = activations;
        _w = w;
        _r = r;
        _rHidden = rHidden;
    }

    public static Kernel Rnn(NodeInfo node) => Create(node, Cell.Rnn);
    public static Kernel Lstm(NodeInfo node) => Create(node, Cell.Lstm);
    public static Kernel Gru(NodeInfo node) => Create(node, Cell.Gru);

    static Kernel Create(NodeInfo node, Cell cell)
    {
        if (node.InputTypes[0] is { } t && t != ElementType.Float)
            throw node.Unsupported($"{node.OpType} of {ElementTypeInfo.OnnxName(t)} is not implemented (float only)");
        long hiddenSize = node.GetInt("hidden_size", -1);
        var direction = node.GetString("direction", "forward");
        int directions = direction switch
        {
            "forward" or "reverse" => 1,
            "bidirectional" => 2,
            _ => throw node.Invalid($"direction '{direction}' is not forward, reverse or bidirectional"),
        };
        int layout = (int)node.GetInt("layout", 0);
        if (layout is not (0 or 1)) throw node.Invalid($"layout {layout} must be 0 or 1");
        if (cell == Cell.Lstm && node.GetInt("input_forget", 0) != 0)
            throw node.Unsupported("LSTM input_forget = 1 (coupled input and forget gates) is not implemented");
        float clip = node.Has("clip") ? node.GetFloat("clip", 0) : float.PositiveInfinity;
        if (clip <= 0) throw node.Invalid($"clip {clip} must be positive");

        int perDirection = cell switch { Cell.Lstm => 3, Cell.Gru => 2, _ => 1 };
        string[] defaults = cell switch { Cell.Lstm => ["Sigmoid", "Tanh", "Tanh"], Cell.Gru => ["Sigmoid", "Tanh"], _ => ["Tanh"] };
        var names = node.GetStrings("activations");
        if (names is not null && names.Length != perDirection * directions && !(names.Length == perDirection && directions == 2))
            throw node.Invalid($"activations lists {names.Length} functions, expected {perDirection * directions}");
        var alphas = node.GetFloats("activation_alpha") ?? [];
        var betas = node.GetFloats("activation_beta") ?? [];
        int nextAlpha = 0, nextBeta = 0;
        var activations = new Activation[perDirection * directions];
        for (int i = 0; i < activations.Length; i++)
        {
            var name = names is null ? defaults[i % perDirection] : names[i % names.Length];
            activations[i] = Activation.Parse(node, name, alphas, ref nextAlpha, betas, ref nextBeta);
        }

        int gates = cell switch { Cell.Lstm => 4, Cell.Gru => 3, _ => 1 };
        bool linearBeforeReset = cell == Cell.Gru && node.GetInt("linear_before_reset", 0) != 0;
        var w = new PackedMatrix?[directions];
        var r = new PackedMatrix?[directions];
        var rHidden = new PackedMatrix?[directions];
        if (node.ConstantInput(1) is { Type: ElementType.Float, Rank: 3 } wc && wc.Shape[0] == directions)
        {
            int rows = wc.Shape[1], input = wc.Shape[2];
            for (int d = 0; d < directions; d++)
                w[d] = Gemm.PackB(wc.Span<float>().Slice(d * rows * input, rows * input), input, true, input, rows);
        }
        if (node.ConstantInput(2) is { Type: ElementType.Float, Rank: 3 } rc && rc.Shape[0] == directions && rc.Shape[1] == gates * rc.Shape[2])
        {
            int h = rc.Shape[2], rows = rc.Shape[1];
            for (int d = 0; d < directions; d++)
            {
                var rd = rc.Span<float>().Slice(d * rows * h, rows * h);
                if (cell == Cell.Gru && !linearBeforeReset)
                {
                    r[d] = Gemm.PackB(rd[..(2 * h * h)], h, true, h, 2 * h);
                    rHidden[d] = Gemm.PackB(rd[(2 * h * h)..], h, true, h, h);
                }
                else r[d] = Gemm.PackB(rd, h, true, h, rows);
            }
        }
        if (hiddenSize <= 0 && node.ConstantInput(2) is { Rank: 3 } rShape) hiddenSize = rShape.Shape[2];
        return new Recurrent(cell, (int)hiddenSize, directions, direction == "reverse", layout, linearBeforeReset, clip, activations, w, r, rHidden);
    }

    public override void Run(KernelContext context)
    {
        var x = context.Input(0);
        var w = context.Input(1);
        var r = context.Input(2);
        var b = context.OptionalInput(3);
        var lengths = context.OptionalInput(4);
        var initialH = context.OptionalInput(5);
        var initialC = _cell == Cell.Lstm ? context.OptionalInput(6) : null;
        var peepholes = _cell == Cell.Lstm ? context.OptionalInput(7) : null;
        if (x.Type != ElementType.Float)
            throw new InferenceException($"{_cell} supports float input, got {x.TypeName}");
        if (x.Rank != 3 || w.Rank != 3 || r.Rank != 3)
            throw new InferenceException($"X, W and R must be 3-D, got {x.ShapeString}, {w.ShapeString}, {r.ShapeString}");
        int seq = _layout == 0 ? x.Shape[0] : x.Shape[1];
        int batch = _layout == 0 ? x.Shape[1] : x.Shape[0];
        int input = x.Shape[2];
        int h = _hidden > 0 ? _hidden : r.Shape[2];
        int gates = Gates, gh = gates * h, dirs = _directions;
        if (w.Shape[0] != dirs || w.Shape[1] != gh || w.Shape[2] != input || r.Shape[0] != dirs || r.Shape[1] != gh || r.Shape[2] != h)
            throw new InferenceException($"W {w.ShapeString} or R {r.ShapeString} does not match {dirs} direction(s), hidden size {h}, input size {input}");
        if (b is not null && b.Length != dirs * 2 * gh)
            throw new InferenceException($"B {b.ShapeString} must be [{dirs},{2 * gh}]");
        if (initialH is not null && initialH.Length != dirs * batch * h)
            throw new InferenceException($"initial_h {initialH.ShapeString} does not match {dirs}×{batch}×{h}");
        if (initialC is not null && initialC.Length != dirs * batch * h)
            throw new InferenceException($"initial_c {initialC.ShapeString} does not match {dirs}×{batch}×{h}");
        if (peepholes is not null && peepholes.Length != dirs * 3 * h)
            throw new InferenceException($"P {peepholes.ShapeString} must be [{dirs},{3 * h}]");
        ReadOnlySpan<int> lens = default;
        if (lengths is not null)
        {
            if (lengths.Length != batch || lengths.Type != ElementType.Int32)
                throw new InferenceException($"sequence_lens must be int32 [{batch}], got {lengths.TypeName} {lengths.ShapeString}");
            lens = lengths.Span<int>();
            foreach (var l in lens)
                if (l < 0 || l > seq) throw new InferenceException($"sequence length {l} is outside [0, {seq}]");
        }

        Span<int> yShape = stackalloc int[4];
        Span<int> stateShape = stackalloc int[3];
        if (_layout == 0) { yShape[0] = seq; yShape[1] = dirs; yShape[2] = batch; stateShape[0] = dirs; stateShape[1] = batch; }
        else { yShape[0] = batch; yShape[1] = seq; yShape[2] = dirs; stateShape[0] = batch; stateShape[1] = dirs; }
        yShape[3] = h;
        stateShape[2] = h;
        var y = context.OutputCount > 0 && context.IsOutputUsed(0) ? context.Output(0, ElementType.Float, yShape).Span<float>() : default;
        var yh = context.OutputCount > 1 && context.IsOutputUsed(1) ? context.Output(1, ElementType.Float, stateShape).Span<float>() : default;
        var yc = _cell == Cell.Lstm && context.OutputCount > 2 && context.IsOutputUsed(2) ? context.Output(2, ElementType.Float, stateShape).Span<float>() : default;

        int rows = seq * batch;
        var xw = context.Scratch<float>(rows * gh, 1);
        var gatesBuffer = context.Scratch<float>(batch * gh, 2);
        var state = context.Scratch<float>(4 * batch * h, 3);
        var hState = state[..(batch * h)];
        var cState = state.Slice(batch * h, batch * h);
        var temp = state.Slice(2 * batch * h, batch * h);
        var temp2 = state.Slice(3 * batch * h, batch * h);
        var ws = context.Scratch<float>(Gemm.WorkspaceSize(Math.Max(rows, batch), gh, Math.Max(input, h), false, false), 0);
        var xv = x.Span<float>();
        var wv = w.Span<float>();
        var rv = r.Span<float>();

        for (int d = 0; d < dirs; d++)
        {
            bool reverse = _reverseOnly || d == 1;
            // Input projection of all steps: xw[row] = X[row]·W_dᵀ + Wb (+ Rb except GRU's h gate, which needs Rb inside r ⊙ ...).
            var wOperand = _w[d] is { } pw ? new GemmOperand(pw) : new GemmOperand(wv.Slice(d * gh * input, gh * input), input, true);
            Gemm.Multiply(rows, gh, input, 1f, new GemmOperand(xv, input, false), wOperand, 0f, xw, gh, ws);
            ReadOnlySpan<float> rb = default;
            if (b is not null)
            {
                var bd = b.Span<float>().Slice(d * 2 * gh, 2 * gh);
                var wb = bd[..gh];
                rb = bd[gh..];
                for (int row = 0; row < rows; row++)
                {
                    var dst = xw.Slice(row * gh, gh);
                    TensorPrimitives.Add(dst, wb, dst);
                    int folded = _cell == Cell.Gru ? 2 * h : gh;
                    TensorPrimitives.Add(dst[..folded], rb[..folded], dst[..folded]);
                }
            }
            // Initial states.
            for (int bi = 0; bi < batch; bi++)
            {
                int at = _layout == 0 ? (d * batch + bi) * h : (bi * dirs + d) * h;
                var hs = hState.Slice(bi * h, h);
                if (initialH is null) hs.Clear(); else initialH.Span<float>().Slice(at, h).CopyTo(hs);
                var cs = cState.Slice(bi * h, h);
                if (initialC is null) cs.Clear(); else initialC.Span<float>().Slice(at, h).CopyTo(cs);
            }
            var act = _activations.AsSpan(d * (_activations.Length / dirs), _activations.Length / dirs);
            var peep = peepholes is null ? default : peepholes.Span<float>().Slice(d * 3 * h, 3 * h);

            for (int step = 0; step < seq; step++)
            {
                int t = reverse ? seq - 1 - step : step;
                // Recurrent projection of the whole batch: gates = h_prev·R_dᵀ.
                int recurrentCols = _cell == Cell.Gru && !_linearBeforeReset ? 2 * h : gh;
                var rOperand = _r[d] is { } pr ? new GemmOperand(pr) : new GemmOperand(rv.Slice(d * gh * h, recurrentCols * h), h, true);
                Gemm.Multiply(batch, recurrentCols, h, 1f, new GemmOperand(hState, h, false), rOperand, 0f, gatesBuffer, gh, ws);
                if (_cell == Cell.Gru && !_linearBeforeReset)
                {
                    // r ⊙ h_prev needs r first: finish z and r, then multiply (r ⊙ h_prev)·R_hᵀ into the h slot.
                    for (int bi = 0; bi < batch; bi++)
                    {
                        var g = gatesBuffer.Slice(bi * gh, 2 * h);
                        TensorPrimitives.Add(g, xw.Slice(XRow(t, bi, seq, batch) * gh, 2 * h), g);
                        Clip(g);
                        act[0].Apply(g);
                        TensorPrimitives.Multiply(g.Slice(h, h), hState.Slice(bi * h, h), temp.Slice(bi * h, h));
                    }
                    var rhOperand = _rHidden[d] is { } ph ? new GemmOperand(ph) : new GemmOperand(rv.Slice(d * gh * h + 2 * h * h, h * h), h, true);
                    Gemm.Multiply(batch, h, h, 1f, new GemmOperand(temp, h, false), rhOperand, 0f, gatesBuffer[(2 * h)..], gh, ws);
                }
                for (int bi = 0; bi < batch; bi++)
                {
                    if (!lens.IsEmpty && t >= lens[bi])
                    {
                        if (!y.IsEmpty) y.Slice(YAt(t, d, bi, seq, batch, h), h).Clear();
                        continue;
                    }
                    var g = gatesBuffer.Slice(bi * gh, gh);
                    var xg = xw.Slice(XRow(t, bi, seq, batch) * gh, gh);
                    var hs = hState.Slice(bi * h, h);
                    switch (_cell)
                    {
                        case Cell.Rnn:
                            TensorPrimitives.Add(g, xg, g);
                            Clip(g);
                            act[0].Apply(g);
                            g.CopyTo(hs);
                            break;
                        case Cell.Lstm:
                            StepLstm(g, xg, hs, cState.Slice(bi * h, h), peep, act, h);
                            break;
                        default:
                            StepGru(g, xg, hs, rb, act, h, temp2.Slice(bi * h, h));
                            break;
                    }
                    if (!y.IsEmpty) hs.CopyTo(y.Slice(YAt(t, d, bi, seq, batch, h), h));
                }
            }
            for (int bi = 0; bi < batch; bi++)
            {
                int at = _layout == 0 ? (d * batch + bi) * h : (bi * dirs + d) * h;
                if (!yh.IsEmpty) hState.Slice(bi * h, h).CopyTo(yh.Slice(at, h));
                if (!yc.IsEmpty) cState.Slice(bi * h, h).CopyTo(yc.Slice(at, h));
            }
        }
    }

    int XRow(int t, int b, int seq, int batch) => _layout == 0 ? t * batch + b : b * seq + t;

    int YAt(int t, int d, int b, int seq, int batch, int h) =>
        _layout == 0 ? ((t * _directions + d) * batch + b) * h : ((b * seq + t) * _directions + d) * h;

    void Clip(Span<float> values)
    {
        if (float.IsPositiveInfinity(_clip)) return;
        TensorPrimitives.Clamp(values, -_clip, _clip, values);
    }

    void StepLstm(Span<float> g, ReadOnlySpan<float> xg, Span<float> hs, Span<float> cs, ReadOnlySpan<float> peep, ReadOnlySpan<Activation> act, int h)
    {
        TensorPrimitives.Add(g, xg, g);
        var i = g[..h];
        var o = g.Slice(h, h);
        var f = g.Slice(2 * h, h);
        var c = g.Slice(3 * h, h);
        if (!peep.IsEmpty)
        {
            TensorPrimitives.MultiplyAdd(peep[..h], cs, i, i);
            TensorPrimitives.MultiplyAdd(peep.Slice(2 * h, h), cs, f, f);
        }
        Clip(i); act[0].Apply(i);
        Clip(f); act[0].Apply(f);
        Clip(c); act[1].Apply(c);
        // C = f ⊙ C_prev + i ⊙ c
        TensorPrimitives.Multiply(f, cs, cs);
        TensorPrimitives.MultiplyAdd(i, c, cs, cs);
        if (!peep.IsEmpty) TensorPrimitives.MultiplyAdd(peep.Slice(h, h), cs, o, o);
        Clip(o); act[0].Apply(o);
        // H = o ⊙ h(C); c's slot is free for h(C).
        cs.CopyTo(c);
        act[2].Apply(c);
        TensorPrimitives.Multiply(o, c, hs);
    }

    void StepGru(Span<float> g, ReadOnlySpan<float> xg, Span<float> hs, ReadOnlySpan<float> rb, ReadOnlySpan<Activation> act, int h, Span<float> scratch)
    {
        var z = g[..h];
        var r = g.Slice(h, h);
        var hh = g.Slice(2 * h, h);
        if (_linearBeforeReset)
        {
            // z, r = f(x·W + h·R + biases); h̃ = g(x·Wh + Wbh + r ⊙ (h·Rhᵀ + Rbh))
            TensorPrimitives.Add(g[..(2 * h)], xg[..(2 * h)], g[..(2 * h)]);
            Clip(g[..(2 * h)]);
            act[0].Apply(g[..(2 * h)]);
            if (!rb.IsEmpty) TensorPrimitives.Add(hh, rb.Slice(2 * h, h), hh);
            TensorPrimitives.Multiply(hh, r, hh);
            TensorPrimitives.Add(hh, xg.Slice(2 * h, h), hh);
        }
        else
        {
            // z and r are already activated; hh holds (r ⊙ h_prev)·Rhᵀ.
            TensorPrimitives.Add(hh, xg.Slice(2 * h, h), hh);
            if (!rb.IsEmpty) TensorPrimitives.Add(hh, rb.Slice(2 * h, h), hh);
        }
        Clip(hh);
        act[1].Apply(hh);
        // H = (1 − z) ⊙ h̃ + z ⊙ H_prev = h̃ + z ⊙ (H_prev − h̃)
        TensorPrimitives.Subtract(hs, hh, scratch);
        TensorPrimitives.MultiplyAdd(z, scratch, hh, hs);
    }

    /// <summary>An activation function of the recurrent operators, with its alpha/beta.</summary>
    readonly struct Activation
    {
        readonly string _name;
        readonly float _alpha, _beta;

        Activation(string name, float alpha, float beta)
        {
            _name = name;
            _alpha = alpha;
            _beta = beta;
        }

        public static Activation Parse(NodeInfo node, string name, float[] alphas, ref int nextAlpha, float[] betas, ref int nextBeta)
        {
            // Defaults are those of the same-named ONNX operators; the lists are consumed by functions that take them.
            (bool usesAlpha, float alpha, bool usesBeta, float beta) = name.ToLowerInvariant() switch
            {
                "relu" or "tanh" or "sigmoid" or "softsign" or "softplus" => (false, 0f, false, 0f),
                "affine" => (true, 1f, true, 0f),
                "leakyrelu" => (true, 0.01f, false, 0f),
                "thresholdedrelu" => (true, 1f, false, 0f),
                "scaledtanh" => (true, 1f, true, 1f),
                "hardsigmoid" => (true, 0.2f, true, 0.5f),
                "elu" => (true, 1f, false, 0f),
                _ => throw node.Unsupported($"activation '{name}' is not implemented"),
            };
            if (usesAlpha && nextAlpha < alphas.Length) alpha = alphas[nextAlpha++];
            if (usesBeta && nextBeta < betas.Length) beta = betas[nextBeta++];
            return new Activation(name.ToLowerInvariant(), alpha, beta);
        }

        public void Apply(Span<float> v)
        {
            switch (_name)
            {
                case "sigmoid": TensorPrimitives.Sigmoid(v, v); break;
                case "tanh": TensorPrimitives.Tanh(v, v); break;
                case "relu": TensorPrimitives.Max(v, 0f, v); break;
                case "affine": TensorPrimitives.Multiply(v, _alpha, v); TensorPrimitives.Add(v, _beta, v); break;
                case "leakyrelu": for (int i = 0; i < v.Length; i++) if (v[i] < 0) v[i] *= _alpha; break;
                case "thresholdedrelu": for (int i = 0; i < v.Length; i++) if (v[i] <= _alpha) v[i] = 0; break;
                case "scaledtanh": TensorPrimitives.Multiply(v, _beta, v); TensorPrimitives.Tanh(v, v); TensorPrimitives.Multiply(v, _alpha, v); break;
                case "hardsigmoid": for (int i = 0; i < v.Length; i++) v[i] = Math.Clamp(_alpha * v[i] + _beta, 0f, 1f); break;
                case "elu": for (int i = 0; i < v.Length; i++) if (v[i] < 0) v[i] = _alpha * (MathF.Exp(v[i]) - 1); break;
                case "softsign": for (int i = 0; i < v.Length; i++) v[i] /= 1 + MathF.Abs(v[i]); break;
                case "softplus": for (int i = 0; i < v.Length; i++) v[i] = MathF.Log(1 + MathF.Exp(v[i])); break;
            }
        }
    }
}
