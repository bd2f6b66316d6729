using UniML.Onnx;

namespace UniML.Engine.Operators.Onnx;

/// <summary>
/// TfIdfVectorizer: counts the pool's n-grams (min_gram_length..max_gram_length items, taken with up to
/// max_skip_count items skipped between consecutive items) in each row, and outputs term frequencies,
/// IDF weights where present, or their product. The pool is held as a trie, so a run walks it without
/// allocating; unigrams are counted once, not once per skip distance.
/// </summary>
internal sealed class TfIdfVectorizer : Kernel
{
    sealed class TrieNode
    {
        public Dictionary<long, TrieNode>? Ints;
        public Dictionary<string, TrieNode>? Strings;
        public int Output = -1;
    }

    readonly TrieNode _root = new();
    int _minGram, _maxGram, _maxSkip, _outputSize, _mode; // mode: 0 TF, 1 IDF, 2 TFIDF
    float[] _weights = [];
    bool _stringPool;

    public static Kernel Create(NodeInfo node)
    {
        var k = new TfIdfVectorizer
        {
            _minGram = (int)node.GetInt("min_gram_length"),
            _maxGram = (int)node.GetInt("max_gram_length"),
            _maxSkip = (int)node.GetInt("max_skip_count"),
        };
        if (k._minGram < 1 || k._maxGram < k._minGram || k._maxSkip < 0)
            throw node.Invalid($"gram lengths {k._minGram}..{k._maxGram} and max_skip_count {k._maxSkip} are inconsistent");
        var mode = node.GetString("mode", "TF");
        k._mode = mode switch { "TF" => 0, "IDF" => 1, "TFIDF" => 2, _ => throw node.Invalid($"mode '{mode}' is not TF, IDF or TFIDF") };
        var counts = node.GetInts("ngram_counts") ?? throw node.Invalid("attribute 'ngram_counts' is required");
        var indexes = node.GetInts("ngram_indexes") ?? throw node.Invalid("attribute 'ngram_indexes' is required");
        var ints = node.GetInts("pool_int64s");
        var strings = node.GetStrings("pool_strings");
        if ((ints is null) == (strings is null)) throw node.Invalid("exactly one of pool_int64s and pool_strings is required");
        k._stringPool = strings is not null;
        int poolLength = ints?.Length ?? strings!.Length;
        int ngram = 0;
        for (int level = 0; level < counts.Length; level++)
        {
            int n = level + 1;
            int start = (int)counts[level];
            int end = level + 1 < counts.Length ? (int)counts[level + 1] : poolLength;
            if (start < 0 || end > poolLength || start > end || (end - start) % n != 0)
                throw node.Invalid($"ngram_counts [{string.Join(",", counts)}] does not fit a pool of {poolLength} items");
            for (int p = start; p < end; p += n, ngram++)
            {
                var at = k._root;
                for (int i = 0; i < n; i++)
                {
                    if (k._stringPool)
                    {
                        at.Strings ??= new Dictionary<string, TrieNode>(StringComparer.Ordinal);
                        if (!at.Strings.TryGetValue(strings![p + i], out var next)) at.Strings[strings[p + i]] = next = new TrieNode();
                        at = next;
                    }
                    else
                    {
                        at.Ints ??= new Dictionary<long, TrieNode>();
                        if (!at.Ints.TryGetValue(ints![p + i], out var next)) at.Ints[ints[p + i]] = next = new TrieNode();
                        at = next;
                    }
                }
                if (ngram >= indexes.Length) throw node.Invalid("ngram_indexes has fewer entries than the pool has n-grams");
                at.Output = (int)indexes[ngram];
            }
        }
        foreach (var i in indexes)
        {
            if (i < 0) throw node.Invalid($"ngram_indexes has a negative entry {i}");
            k._outputSize = Math.Max(k._outputSize, (int)i + 1);
        }
        k._weights = node.GetFloats("weights") ?? [];
        if (k._weights.Length > 0 && k._weights.Length < k._outputSize)
            throw node.Invalid($"weights has {k._weights.Length} entries, ngram_indexes needs {k._outputSize}");
        return k;
    }

    public override void Run(KernelContext context)
    {
        var x = context.Input(0);
        bool isString = x.Type == ElementType.String;
        if (isString != _stringPool || !(isString || x.Type is ElementType.Int32 or ElementType.Int64))
            throw new InferenceException($"input {x.TypeName} does not match the {(_stringPool ? "string" : "int64")} pool");
        if (x.Rank is not (1 or 2)) throw new InferenceException($"input must be [C] or [N, C], got {x.ShapeString}");
        int rows = x.Rank == 2 ? x.Shape[0] : 1;
        int columns = x.Shape[x.Rank - 1];
        var y = context.Output(0, ElementType.Float, x.Rank == 2 ? [rows, _outputSize] : [_outputSize]).Span<float>();
        y.Clear();
        for (int r = 0; r < rows; r++)
        {
            var counts = y.Slice(r * _outputSize, _outputSize);
            for (int i = 0; i < columns; i++)
            {
                for (int skip = 0; skip <= _maxSkip; skip++)
                {
                    var at = _root;
                    for (int n = 1; n <= _maxGram; n++)
                    {
                        int pos = i + (n - 1) * (skip + 1);
                        if (pos >= columns) break;
                        at = Child(at, x, r * columns + pos);
                        if (at is null) break;
                        // A unigram has no gaps, so it is counted only on the first skip distance.
                        if (n >= _minGram && at.Output >= 0 && (n > 1 || skip == 0)) counts[at.Output]++;
                    }
                    if (_maxGram == 1) break;
                }
            }
            for (int o = 0; o < _outputSize; o++)
            {
                float w = _weights.Length > 0 ? _weights[o] : 1;
                counts[o] = _mode switch { 0 => counts[o], 1 => counts[o] > 0 ? w : 0, _ => counts[o] * w };
            }
        }
    }

    static TrieNode? Child(TrieNode node, Tensor x, int index)
    {
        switch (x.Type)
        {
            case ElementType.String: return node.Strings is { } s && s.TryGetValue(x.Strings()[index], out var a) ? a : null;
            case ElementType.Int32: return node.Ints is { } i && i.TryGetValue(x.Span<int>()[index], out var b) ? b : null;
            default: return node.Ints is { } l && l.TryGetValue(x.Span<long>()[index], out var c) ? c : null;
        }
    }
}
