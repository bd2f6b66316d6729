using UniML.Onnx;
using UniML.Onnx.Protos;
using static UniML.Engine.Tests.Operators.OnnxMl.MlTest;

namespace UniML.Engine.Tests.Operators.OnnxMl;

public class ScalerTests
{
    [Fact]
    public void PerFeatureOffsetAndScale()
    {
        var g = Graph(["Y"]);
        g.Node("Scaler", ["X"], ["Y"], Ml).Attr("offset", new[] { 1f, 2f }).Attr("scale", new[] { 2f, 0.5f });
        Assert.Equal(new[] { 2f, 1f, -2f, -1f }, Floats(Run(g, Rows([2f, 4f], [0f, 0f]))[0]));
    }
}

public class NormalizerTests
{
    [Theory]
    [InlineData("MAX", new[] { -0.75f, 1f, 0f, 0f })]
    [InlineData("L1", new[] { -3f / 7, 4f / 7, 0f, 0f })]
    [InlineData("L2", new[] { -0.6f, 0.8f, 0f, 0f })]
    public void RowsAreNormalisedAndZeroRowsKept(string norm, float[] expected)
    {
        var g = Graph(["Y"]);
        g.Node("Normalizer", ["X"], ["Y"], Ml).Attr("norm", norm);
        Near(expected, Floats(Run(g, Rows([-3f, 4f], [0f, 0f]))[0]));
    }
}

public class BinarizerTests
{
    [Fact]
    public void ThresholdIsStrictAndNaNIsZero()
    {
        var g = Graph(["Y"]);
        g.Node("Binarizer", ["X"], ["Y"], Ml).Attr("threshold", 1f);
        Assert.Equal(new[] { 0f, 0f, 1f, 0f }, Floats(Run(g, Rows([0.5f, 1f, 1.5f, float.NaN]))[0]));
    }
}

public class ImputerTests
{
    [Fact]
    public void NaNReplacedPerColumn()
    {
        var g = Graph(["Y"]);
        g.Node("Imputer", ["X"], ["Y"], Ml).Attr("imputed_value_floats", new[] { 10f, 20f }).Attr("replaced_value_float", float.NaN);
        Assert.Equal(new[] { 10f, 2f, 3f, 20f }, Floats(Run(g, Rows([float.NaN, 2f], [3f, float.NaN]))[0]));
    }

    [Fact]
    public void Int64SentinelReplaced()
    {
        var g = new GraphBuilder().Input("X", ElementType.Int64, -1, 2).Output("Y");
        g.Node("Imputer", ["X"], ["Y"], Ml).Attr("imputed_value_int64s", new long[] { 7 }).Attr("replaced_value_int64", -1L);
        Assert.Equal(new long[] { 7, 2, 3, 7 }, Longs(Run(g, Tensor.FromArray(new long[] { -1, 2, 3, -1 }, [2, 2]))[0]));
    }
}

public class OneHotEncoderTests
{
    [Fact]
    public void StringsWithUnknownGiveZeros()
    {
        var g = new GraphBuilder().Input("X", ElementType.String, -1).Output("Y");
        g.Node("OneHotEncoder", ["X"], ["Y"], Ml).Attr("cats_strings", new[] { "a", "b" });
        var y = (Tensor)Run(g, Tensor.FromStrings(["b", "z", "a"], [3]))[0];
        Assert.Equal(new[] { 3, 2 }, y.Shape.ToArray());
        Assert.Equal(new[] { 0f, 1f, 0f, 0f, 1f, 0f }, y.ToArray<float>());
    }

    [Fact]
    public void Int64WithZerosOffRejectsUnknown()
    {
        var g = new GraphBuilder().Input("X", ElementType.Int64, -1).Output("Y");
        g.Node("OneHotEncoder", ["X"], ["Y"], Ml).Attr("cats_int64s", new long[] { 3, 5 }).Attr("zeros", 0L);
        Assert.Equal(new[] { 0f, 1f }, Floats(Run(g, Tensor.FromArray(new long[] { 5 }, [1]))[0]));
        Assert.Throws<InferenceException>(() => Run(g, Tensor.FromArray(new long[] { 4 }, [1])));
    }
}

public class LabelEncoderTests
{
    [Fact]
    public void StringToInt64WithDefault()
    {
        var g = new GraphBuilder(mlOpset: 2).Input("X", ElementType.String, -1).Output("Y");
        g.Node("LabelEncoder", ["X"], ["Y"], Ml).Attr("keys_strings", new[] { "a", "b" }).Attr("values_int64s", new long[] { 1, 2 }).Attr("default_int64", 42L);
        Assert.Equal(new long[] { 2, 42, 1 }, Longs(Run(g, Tensor.FromStrings(["b", "c", "a"], [3]))[0]));
    }

    [Fact]
    public void FloatKeysMatchNaN()
    {
        var g = new GraphBuilder(mlOpset: 2).Input("X", ElementType.Float, -1).Output("Y");
        g.Node("LabelEncoder", ["X"], ["Y"], Ml).Attr("keys_floats", new[] { 1.5f, float.NaN }).Attr("values_strings", new[] { "x", "nan" });
        Assert.Equal(new[] { "nan", "x", "_Unused" }, Strings(Run(g, Tensor.FromArray(new[] { float.NaN, 1.5f, 2f }, [3]))[0]));
    }

    [Fact]
    public void TensorAttributesOfOpset4()
    {
        var g = new GraphBuilder(mlOpset: 4).Input("X", ElementType.Int64, -1).Output("Y");
        g.Node("LabelEncoder", ["X"], ["Y"], Ml)
            .Attr("keys_tensor", Tensor.FromArray(new long[] { 1, 2 }, [2]))
            .Attr("values_tensor", Tensor.FromArray(new[] { 0.5, 0.25 }, [2]))
            .Attr("default_tensor", Tensor.FromArray(new[] { -1.0 }, [1]));
        Assert.Equal(new[] { 0.25, -1.0 }, ((Tensor)Run(g, Tensor.FromArray(new long[] { 2, 3 }, [2]))[0]).ToArray<double>());
    }

    [Fact]
    public void Opset1ClassesStrings()
    {
        var g = new GraphBuilder(mlOpset: 1).Input("X", ElementType.String, -1).Output("Y");
        g.Node("LabelEncoder", ["X"], ["Y"], Ml).Attr("classes_strings", new[] { "a", "b", "c" });
        Assert.Equal(new long[] { 2, -1 }, Longs(Run(g, Tensor.FromStrings(["c", "q"], [2]))[0]));
    }
}

public class CategoryMapperTests
{
    [Fact]
    public void BothDirections()
    {
        var g = new GraphBuilder().Input("X", ElementType.String, -1).Output("Y");
        g.Node("CategoryMapper", ["X"], ["Y"], Ml).Attr("cats_strings", new[] { "a", "b" }).Attr("cats_int64s", new long[] { 7, 8 });
        Assert.Equal(new long[] { 8, -1 }, Longs(Run(g, Tensor.FromStrings(["b", "x"], [2]))[0]));
        var h = new GraphBuilder().Input("X", ElementType.Int64, -1).Output("Y");
        h.Node("CategoryMapper", ["X"], ["Y"], Ml).Attr("cats_strings", new[] { "a", "b" }).Attr("cats_int64s", new long[] { 7, 8 }).Attr("default_string", "?");
        Assert.Equal(new[] { "a", "?" }, Strings(Run(h, Tensor.FromArray(new long[] { 7, 9 }, [2]))[0]));
    }
}

public class ArrayFeatureExtractorTests
{
    [Fact]
    public void SelectsColumns()
    {
        var g = Graph(["Y"]);
        g.Initializer("I", Tensor.FromArray(new long[] { 2, 0 }, [2]));
        g.Node("ArrayFeatureExtractor", ["X", "I"], ["Y"], Ml);
        var y = (Tensor)Run(g, Rows([1f, 2f, 3f], [4f, 5f, 6f]))[0];
        Assert.Equal(new[] { 2, 2 }, y.Shape.ToArray());
        Assert.Equal(new[] { 3f, 1f, 6f, 4f }, y.ToArray<float>());
    }

    [Fact]
    public void OutOfRangeIndexIsAnError()
    {
        var g = Graph(["Y"]);
        g.Initializer("I", Tensor.FromArray(new long[] { 3 }, [1]));
        g.Node("ArrayFeatureExtractor", ["X", "I"], ["Y"], Ml);
        Assert.Throws<InferenceException>(() => Run(g, Rows([1f, 2f, 3f])));
    }
}

public class FeatureVectorizerTests
{
    [Fact]
    public void ConcatenatesPadsAndTruncates()
    {
        var g = new GraphBuilder().Input("A", ElementType.Float, -1, 2).Input("B", ElementType.Int64, -1, 3).Output("Y");
        g.Node("FeatureVectorizer", ["A", "B"], ["Y"], Ml).Attr("inputdimensions", new long[] { 3, 2 });
        using var r = g.Build().Run([Tensor.FromArray(new[] { 1f, 2f }, [1, 2]), Tensor.FromArray(new long[] { 7, 8, 9 }, [1, 3])]);
        Assert.Equal(new[] { 1f, 2f, 0f, 7f, 8f }, ((Tensor)r[0]).ToArray<float>());
    }
}

public class ZipMapTests
{
    [Fact]
    public void RowsBecomeMaps()
    {
        var g = new GraphBuilder().Input("X", ElementType.Float, -1, 2);
        g.Output("Z", new TypeProto { SequenceType = new TypeProto.Types.Sequence { ElemType = new TypeProto { MapType = new TypeProto.Types.Map { KeyType = (int)ElementType.String, ValueType = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)ElementType.Float } } } } } });
        g.Node("ZipMap", ["X"], ["Z"], Ml).Attr("classlabels_strings", new[] { "cat", "dog" });
        using var r = g.Build().Run([Tensor.FromArray(new[] { 0.25f, 0.75f, 1f, 0f }, [2, 2])]);
        var seq = Assert.IsType<SequenceValue>(r[0]);
        Assert.Equal(2, seq.Items.Count);
        var m = Assert.IsType<MapValue>(seq.Items[1]);
        Assert.Equal(new[] { "cat", "dog" }, m.Keys.Strings().ToArray());
        Assert.Equal(new[] { 1f, 0f }, m.Values.ToArray<float>());
        Assert.Equal("seq(map(string,tensor(float)))", seq.TypeName);
    }

    [Fact]
    public void ReusedMapsCarryEachRunsValuesAndDetachedCopiesSurvive()
    {
        var g = new GraphBuilder().Input("X", ElementType.Float, -1, 2);
        g.Output("Z", new TypeProto { SequenceType = new TypeProto.Types.Sequence { ElemType = new TypeProto { MapType = new TypeProto.Types.Map { KeyType = (int)ElementType.Int64, ValueType = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)ElementType.Float } } } } } });
        g.Node("ZipMap", ["X"], ["Z"], Ml).Attr("classlabels_int64s", new long[] { 3, 7 });
        var session = g.Build();
        Value first;
        using (var r = session.Run([Tensor.FromArray(new[] { 0.25f, 0.75f, 1f, 0f, 0.5f, 0.5f }, [3, 2])]))
            first = r.Detach(0)!;
        using (var r = session.Run([Tensor.FromArray(new[] { 0.9f, 0.1f }, [1, 2])]))
        {
            var seq = Assert.IsType<SequenceValue>(r[0]);
            Assert.Single(seq.Items);
            Assert.Equal(new[] { 0.9f, 0.1f }, ((MapValue)seq.Items[0]).Values.ToArray<float>());
        }
        var kept = Assert.IsType<SequenceValue>(first);
        Assert.Equal(3, kept.Items.Count);
        Assert.Equal(new[] { 0.25f, 0.75f }, ((MapValue)kept.Items[0]).Values.ToArray<float>());
        Assert.Equal(new[] { 3L, 7L }, ((MapValue)kept.Items[2]).Keys.ToArray<long>());
    }
}

public class DictVectorizerTests
{
    [Fact]
    public void MapToVocabularyOrder()
    {
        var g = new GraphBuilder();
        g.Graph.Input.Add(new ValueInfoProto { Name = "M", Type = new TypeProto { MapType = new TypeProto.Types.Map { KeyType = (int)ElementType.String, ValueType = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)ElementType.Double } } } } });
        g.Output("Y");
        g.Node("DictVectorizer", ["M"], ["Y"], Ml).Attr("string_vocabulary", new[] { "a", "b", "c" });
        var map = new MapValue(Tensor.FromStrings(["c", "a", "zz"], [3]), Tensor.FromArray(new[] { 3.0, 1.0, 9.0 }, [3]));
        using var r = g.Build().Run([map]);
        var y = (Tensor)r[0];
        Assert.Equal(new[] { 1, 3 }, y.Shape.ToArray());
        Assert.Equal(new[] { 1.0, 0.0, 3.0 }, y.ToArray<double>());
    }
}
