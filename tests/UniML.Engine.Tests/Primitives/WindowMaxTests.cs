using UniML.Engine.Primitives;

namespace UniML.Engine.Tests.Primitives;

public class WindowMaxTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(7)]
    [InlineData(8)]
    [InlineData(14)]
    [InlineData(16)]
    [InlineData(29)]
    public unsafe void Pairs2x2MatchesTheScalarRule(int count)
    {
        // Ties between -0 and +0 keep the first value met; the first NaN wins (as in MaxPool's general loop).
        var rng = new Random(count);
        float[] pool = [-0f, 0f, 1f, -1f, float.NaN, 2.5f, -3f, float.NegativeInfinity];
        var r0 = new float[2 * count];
        var r1 = new float[2 * count];
        for (int i = 0; i < r0.Length; i++)
        {
            r0[i] = rng.Next(3) == 0 ? pool[rng.Next(pool.Length)] : (float)rng.NextDouble();
            r1[i] = rng.Next(3) == 0 ? pool[rng.Next(pool.Length)] : (float)rng.NextDouble();
        }
        var y = new float[count];
        fixed (float* a = r0)
        fixed (float* b = r1)
        fixed (float* d = y)
            WindowMax.Pairs2x2(a, b, d, count);
        for (int j = 0; j < count; j++)
        {
            float best = r0[2 * j];
            foreach (var v in new[] { r0[2 * j + 1], r1[2 * j], r1[2 * j + 1] })
                if (v > best || (float.IsNaN(v) && !float.IsNaN(best))) best = v;
            Assert.Equal(BitConverter.SingleToInt32Bits(best), BitConverter.SingleToInt32Bits(y[j]));
        }
    }
}
