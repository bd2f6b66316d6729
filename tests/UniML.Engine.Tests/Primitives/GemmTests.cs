using UniML.Engine.Primitives;

namespace UniML.Engine.Tests.Primitives;

public class GemmTests
{
    static float[] Random(int count, int seed)
    {
        var rng = new Random(seed);
        var data = new float[count];
        for (int i = 0; i < count; i++) data[i] = (float)(rng.NextDouble() * 2 - 1);
        return data;
    }

    /// <summary>Reference product in double precision.</summary>
    static float[] Reference(int m, int n, int k, float alpha, float[] a, bool ta, float[] b, bool tb, float beta, float[] c)
    {
        var y = new float[m * n];
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                double s = 0;
                for (int p = 0; p < k; p++)
                    s += (double)(ta ? a[p * m + i] : a[i * k + p]) * (tb ? b[j * k + p] : b[p * n + j]);
                y[i * n + j] = (float)(alpha * s + (beta == 0 ? 0 : beta * c[i * n + j]));
            }
        return y;
    }

    [Theory]
    [InlineData(1, 1, 1, false, false, false)]
    [InlineData(1, 100, 37, false, false, true)]
    [InlineData(7, 33, 5, true, false, false)]
    [InlineData(13, 17, 300, false, true, false)]
    [InlineData(100, 70, 260, true, true, true)]
    [InlineData(200, 2100, 20, false, false, false)]
    [InlineData(97, 65, 129, false, true, true)]
    public void MatchesReference(int m, int n, int k, bool ta, bool tb, bool packB)
    {
        var a = Random(m * k, 1);
        var b = Random(k * n, 2);
        var c = Random(m * n, 3);
        foreach (var (alpha, beta) in new[] { (1f, 0f), (0.5f, 1f), (2f, -0.25f) })
        {
            var expected = Reference(m, n, k, alpha, a, ta, b, tb, beta, c);
            var y = (float[])c.Clone();
            if (beta == 0) Array.Fill(y, float.NaN); // beta 0 must ignore old contents
            var bOp = packB ? new GemmOperand(Gemm.PackB(b, tb ? k : n, tb, k, n)) : new GemmOperand(b, tb ? k : n, tb);
            var ws = new float[Gemm.WorkspaceSize(m, n, k, false, packB)];
            Gemm.Multiply(m, n, k, alpha, new GemmOperand(a, ta ? m : k, ta), bOp, beta, y, n, ws);
            for (int i = 0; i < y.Length; i++)
                Assert.True(Math.Abs(y[i] - expected[i]) <= 1e-4f * (1 + Math.Abs(expected[i])), $"alpha {alpha} beta {beta} at {i}: {y[i]} vs {expected[i]}");
        }
    }

    [Fact]
    public void PackedAMatchesUnpacked()
    {
        int m = 20, n = 50, k = 300;
        var a = Random(m * k, 4);
        var b = Random(k * n, 5);
        var expected = Reference(m, n, k, 1, a, false, b, false, 0, new float[m * n]);
        var y = new float[m * n];
        Gemm.Multiply(m, n, k, 1, new GemmOperand(Gemm.PackA(a, k, false, m, k)), new GemmOperand(b, n, false), 0, y, n,
            new float[Gemm.WorkspaceSize(m, n, k, true, false)]);
        for (int i = 0; i < y.Length; i++) Assert.Equal(expected[i], y[i], 1e-3f);
    }

    [Fact]
    public void ParallelSplitMatchesSerial()
    {
        int m = 400, n = 300, k = 200;
        var a = Random(m * k, 6);
        var b = Random(k * n, 7);
        var expected = Reference(m, n, k, 1, a, false, b, false, 0, new float[m * n]);
        var y = new float[m * n];
        int saved = Gemm.MaxThreads;
        try
        {
            Gemm.MaxThreads = 2;
            Gemm.Multiply(m, n, k, 1, new GemmOperand(a, k, false), new GemmOperand(b, n, false), 0, y, n, new float[Gemm.WorkspaceSize(m, n, k, false, false)]);
        }
        finally { Gemm.MaxThreads = saved; }
        for (int i = 0; i < y.Length; i++) Assert.Equal(expected[i], y[i], 1e-3f);
    }

    [Theory]
    [InlineData(6, 784, 25, true)]   // LeNet's first layer: one full row tile, a narrow last panel
    [InlineData(16, 100, 150, true)] // LeNet's second layer: two k-blocks with AVX-512
    [InlineData(7, 33, 300, false)]
    [InlineData(1, 5, 3, false)]
    [InlineData(13, 70, 9, true)]
    [InlineData(7, 2100, 20, true)]  // more than one NC block of columns
    public void RowsOperandMatchesReference(int m, int n, int k, bool packA)
    {
        // Overlapping rows at arbitrary offsets of one buffer, as convolution's shifted planes give.
        var rng = new Random(8);
        var data = Random(3 * n + 50, 9);
        var offsets = new int[k];
        for (int p = 0; p < k; p++) offsets[p] = rng.Next(0, data.Length - Gemm.RowReadLength(n) + 1);
        var b = new float[k * n];
        for (int p = 0; p < k; p++)
            for (int j = 0; j < n; j++) b[p * n + j] = data[offsets[p] + j];
        var a = Random(m * k, 10);
        var bias = Random(m, 11);
        var product = Reference(m, n, k, 1, a, false, b, false, 0, new float[m * n]);
        var y = new float[m * n];
        Array.Fill(y, float.NaN);
        var aOp = packA ? new GemmOperand(Gemm.PackA(a, k, false, m, k)) : new GemmOperand(a, k, false);
        Gemm.Multiply(m, n, k, 1, aOp, GemmOperand.Rows(data, offsets), 0, y, n, new float[Gemm.WorkspaceSize(m, n, k, packA, true)],
            new GemmEpilogue(default, bias, relu: true));
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
                Assert.Equal(Math.Max(product[i * n + j] + bias[i], 0), y[i * n + j], 1e-4f);
    }

    [Fact]
    public void RowsOperandRejectsARowPastTheEnd()
    {
        var data = new float[Gemm.RowReadLength(4) + 3];
        Assert.Throws<ArgumentException>(() => Gemm.Multiply(1, 4, 2, 1, new GemmOperand([1f, 1f], 2, false),
            GemmOperand.Rows(data, [0, 4]), 0, new float[4], 4, new float[Gemm.WorkspaceSize(1, 4, 2, false, true)]));
    }

    [Fact]
    public void EmptyInnerDimensionScalesC()
    {
        var y = new float[] { 1, 2, 3, 4 };
        Gemm.Multiply(2, 2, 0, 1, new GemmOperand([], 0, false), new GemmOperand([], 2, false), 2, y, 2, []);
        Assert.Equal(new float[] { 2, 4, 6, 8 }, y);
    }
}
