using UniML.Onnx;

namespace UniML.Engine.Internals.ShapeInference.Rules;

/// <summary>
/// RNN, GRU and LSTM. With layout 0, X is [seq_length, batch_size, input_size], Y is [seq_length,
/// num_directions, batch_size, hidden_size] and Y_h (and LSTM's Y_c) [num_directions, batch_size,
/// hidden_size]; layout 1 puts batch_size first in all three. Y keeps seq_length even with
/// sequence_lens (shorter sequences are zero-padded). hidden_size is the attribute, else R's last dim.
/// </summary>
internal static class RecurrentShapes
{
    public static IEnumerable<(string Op, ShapeRule Rule)> Rules()
    {
        yield return ("RNN", Recurrent);
        yield return ("GRU", Recurrent);
        yield return ("LSTM", Recurrent);
    }

    static void Recurrent(ShapeContext node)
    {
        var x = node.Input(0);
        long layout = node.Int("layout", 0);
        long? directions = node.String("direction", "forward") switch
        {
            "forward" or "reverse" => 1,
            "bidirectional" => 2,
            _ => null,
        };
        if (layout is not (0 or 1) || directions is null) return; // the kernel rejects the node
        Dim seq, batch;
        if (x.Dims is { Length: 3 } d) (seq, batch) = layout == 0 ? (d[0], d[1]) : (d[1], d[0]);
        else (seq, batch) = (node.Fresh(), node.Fresh());
        long hiddenAttribute = node.Int("hidden_size", 0);
        var hidden = hiddenAttribute > 0 ? Dim.Of(hiddenAttribute) : node.Input(2).Dims is { Length: 3 } r ? r[2] : node.Fresh();
        var dirs = Dim.Of(directions.Value);
        node.SetTensor(0, x.Element, layout == 0 ? [seq, dirs, batch, hidden] : [batch, seq, dirs, hidden]);
        Dim[] state = layout == 0 ? [dirs, batch, hidden] : [batch, dirs, hidden];
        for (int i = 1; i < node.OutputCount && i < 3; i++) node.SetTensor(i, x.Element, state);
    }
}
