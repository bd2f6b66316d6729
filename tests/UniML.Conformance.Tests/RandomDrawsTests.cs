using Google.Protobuf;
using UniML.Engine;
using UniML.Onnx;
using UniML.Onnx.Protos;

namespace UniML.Conformance.Tests;

public class RandomDrawsTests
{
    /// <summary>A model of the given nodes; inputs and outputs are float tensors unless declared otherwise.</summary>
    static ModelProto Model(int opset, string[] inputs, string[] outputs, params NodeProto[] nodes)
    {
        var graph = new GraphProto { Name = "test" };
        foreach (var i in inputs) graph.Input.Add(new ValueInfoProto { Name = i });
        foreach (var o in outputs) graph.Output.Add(new ValueInfoProto { Name = o });
        graph.Node.AddRange(nodes);
        var model = new ModelProto { IrVersion = 8, Graph = graph };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = opset });
        return model;
    }

    static NodeProto Node(string op, string[] inputs, string[] outputs, params AttributeProto[] attributes)
    {
        var node = new NodeProto { OpType = op };
        node.Input.AddRange(inputs);
        node.Output.AddRange(outputs);
        node.Attribute.AddRange(attributes);
        return node;
    }

    static AttributeProto Float(string name, float value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = value };

    static AttributeProto Int(string name, long value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    static Tensor F32(params float[] v) => Tensor.FromArray(v, [v.Length]);

    static string? Check(ModelProto model, params (string Name, Value Value)[] values)
    {
        var draws = RandomDraws.Find(model) ?? throw new InvalidOperationException("no draws found");
        var lookup = values.ToDictionary(v => v.Name, v => v.Value);
        return draws.CheckDomains(name => lookup.GetValueOrDefault(name));
    }

    [Fact]
    public void FindsDrawsByTheOperatorList()
    {
        Assert.Null(RandomDraws.Find(Model(15, ["x"], ["y"], Node("Relu", ["x"], ["y"]))));
        Assert.NotNull(RandomDraws.Find(Model(15, ["x"], ["y"], Node("Bernoulli", ["x"], ["y"]))));
        // Dropout draws only in training mode.
        Assert.Null(RandomDraws.Find(Model(13, ["x", "r"], ["y"], Node("Dropout", ["x", "r"], ["y"]))));
        Assert.NotNull(RandomDraws.Find(Model(13, ["x", "r", "t"], ["y"], Node("Dropout", ["x", "r", "t"], ["y"]))));
        var constantFalse = Model(13, ["x", "r"], ["y"], Node("Dropout", ["x", "r", "t"], ["y"]));
        constantFalse.Graph.Initializer.Add(OnnxValueConverter.ToTensorProto(Tensor.Scalar(false), "t"));
        Assert.Null(RandomDraws.Find(constantFalse));
        Assert.NotNull(RandomDraws.Find(Model(6, ["x"], ["y"], Node("Dropout", ["x"], ["y"]))));
        Assert.Null(RandomDraws.Find(Model(6, ["x"], ["y"], Node("Dropout", ["x"], ["y"], Int("is_test", 1)))));
    }

    [Fact]
    public void OnlyOutputsFedByADrawAreExemptFromComparison()
    {
        var model = Model(15, ["p"], ["y", "z", "w"],
            Node("Bernoulli", ["p"], ["b"]), Node("Neg", ["b"], ["y"]), Node("Neg", ["p"], ["z"]), Node("Identity", ["z"], ["w"]));
        var draws = RandomDraws.Find(model)!;
        Assert.True(draws.DependsOnDraws("y"));
        Assert.False(draws.DependsOnDraws("z"));
        Assert.False(draws.DependsOnDraws("w"));
        // The draw's input and output are exposed after the model's own outputs.
        Assert.Equal(["y", "z", "w", "p", "b"], draws.ExposedModel.Graph.Output.Select(o => o.Name));
        Assert.Equal(3, model.Graph.Output.Count);
    }

    [Fact]
    public void BernoulliDrawsMustBeZeroOrOneAndRespectCertainties()
    {
        var model = Model(15, ["p"], ["y"], Node("Bernoulli", ["p"], ["y"]));
        var p = F32(0, 0.5f, 1);
        Assert.Null(Check(model, ("p", p), ("y", F32(0, 1, 1))));
        Assert.Contains("element 1 is 0.5, not 0 or 1", Check(model, ("p", p), ("y", F32(0, 0.5f, 1))));
        Assert.Contains("element 0 is 1 where p is 0", Check(model, ("p", p), ("y", F32(1, 0, 1))));
        Assert.Contains("element type tensor(double)", Check(model, ("p", p), ("y", Tensor.FromArray(new[] { 0.0, 0, 1 }, [3]))));
    }

    [Fact]
    public void UniformDrawsMustLieInLowHigh()
    {
        var model = Model(15, [], ["y"], Node("RandomUniform", [], ["y"], Float("low", -1), Float("high", 1),
            new AttributeProto { Name = "shape", Type = AttributeProto.Types.AttributeType.Ints, Ints = { 3 } }));
        Assert.Null(Check(model, ("y", F32(-1, 0, 0.999f))));
        Assert.Contains("element 2 is 1, outside [-1, 1)", Check(model, ("y", F32(-1, 0, 1))));
        Assert.Contains("shape [2], expected [3]", Check(model, ("y", F32(0, 0))));
    }

    [Fact]
    public void MultinomialNeverDrawsAClassOfProbabilityZero()
    {
        var model = Model(15, ["x"], ["y"], Node("Multinomial", ["x"], ["y"], Int("sample_size", 2)));
        var x = Tensor.FromArray(new[] { 0f, float.NegativeInfinity }, [1, 2]);
        Assert.Null(Check(model, ("x", x), ("y", Tensor.FromArray(new[] { 0, 0 }, [1, 2]))));
        Assert.Contains("drew class 1, whose log-probability is -inf", Check(model, ("x", x), ("y", Tensor.FromArray(new[] { 0, 1 }, [1, 2]))));
        Assert.Contains("not a class index in [0, 2)", Check(model, ("x", x), ("y", Tensor.FromArray(new[] { 2, 0 }, [1, 2]))));
    }

    [Fact]
    public void DropoutOutputsMustBeZeroOrScaledAsTheMaskSays()
    {
        var model = Model(13, ["x", "r", "t"], ["y", "m"], Node("Dropout", ["x", "r", "t"], ["y", "m"]));
        var x = F32(1, 2, 3);
        (string, Value)[] Values(float ratio, bool training, Tensor y, bool[] mask) =>
            [("x", x), ("r", Tensor.Scalar(ratio)), ("t", Tensor.Scalar(training)), ("y", y), ("m", Tensor.FromArray(mask, [3]))];
        Assert.Null(Check(model, Values(0.5f, true, F32(2, 0, 6), [true, false, true])));
        Assert.Contains("element 0 is 1 for x = 1", Check(model, Values(0.5f, true, F32(1, 0, 6), [true, false, true])));
        Assert.Contains("element 1 is 4 for x = 2: expected 0 (dropped)", Check(model, Values(0.5f, true, F32(2, 4, 6), [true, false, true])));
        Assert.Contains("dropped, but ratio is 0", Check(model, Values(0, true, F32(1, 0, 3), [true, false, true])));
        Assert.Contains("dropped, but Dropout is not training", Check(model, Values(0.5f, false, F32(1, 0, 3), [true, false, true])));
    }

    [Fact]
    public void RunnerChecksRandomTestsWithoutPassingThem()
    {
        var dir = Directory.CreateTempSubdirectory("uniml-random-").FullName;
        try
        {
            // y is drawn; z = -p does not depend on the draw, so it is compared by value.
            var model = Model(15, ["p"], ["y", "z"], Node("Bernoulli", ["p"], ["y"]), Node("Neg", ["p"], ["z"]));
            model.Graph.Input[0].Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)ElementType.Float } };
            File.WriteAllBytes(Path.Combine(dir, "model.onnx"), model.ToByteArray());
            var set = Directory.CreateDirectory(Path.Combine(dir, "test_data_set_0")).FullName;
            void Write(string file, Tensor t) => File.WriteAllBytes(Path.Combine(set, file), OnnxValueConverter.ToTensorProto(t, "").ToByteArray());
            Write("input_0.pb", F32(0.2f, 0.7f));
            var testCase = new TestCase("random", dir);

            Write("output_0.pb", F32(1, 0));
            Write("output_1.pb", F32(-0.2f, -0.7f));
            var outcome = TestRunner.Run(testCase);
            Assert.Equal(TestStatus.RandomChecked, outcome.Status);
            Assert.Contains("compared by value ('z')", outcome.Message);

            Write("output_1.pb", F32(-0.2f, 0.7f));
            outcome = TestRunner.Run(testCase);
            Assert.Equal(TestStatus.Failed, outcome.Status);
            Assert.Contains("output 'z'", outcome.Message);

            Write("output_1.pb", F32(-0.2f, -0.7f));
            Write("output_0.pb", F32(1, 0, 1));
            outcome = TestRunner.Run(testCase);
            Assert.Equal(TestStatus.Failed, outcome.Status);
            Assert.Contains("output 'y': shape [2], expected [3]", outcome.Message);
        }
        finally { Directory.Delete(dir, recursive: true); }
    }
}
