using System.Diagnostics;
using Google.Protobuf;
using UniML.Engine;
using UniML.Onnx.Protos;

namespace UniML.Onnx.Tests;

/// <summary>
/// Many generated corruptions of real models (truncations, bit flips, overwritten bytes, wrong wire
/// types): each must either load or fail with a clear UniML error — never another exception, a crash,
/// a hang or a huge allocation.
/// </summary>
public class CorruptModelTests
{
    static readonly string[] Fixtures = ["logreg_multiclass_iris", "torch_mlp_tabular", "gradient_boosting_regressor_diabetes", "mlp_classifier_digits"];

    static void LoadMustFailCleanlyOrSucceed(byte[] bytes, string what)
    {
        var watch = Stopwatch.StartNew();
        try
        {
            InferenceSession.Load(bytes, what);
        }
        catch (OnnxFormatException e) { Assert.False(string.IsNullOrWhiteSpace(e.Message)); }
        catch (ModelLoadException e) { Assert.False(string.IsNullOrWhiteSpace(e.Message)); }
        // Loading a corrupted 50 KB model must not spin: allow a wide margin for a loaded CI machine.
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"{what}: load took {watch.Elapsed}");
    }

    [Theory]
    [MemberData(nameof(FixtureNames))]
    public void TruncatedModelsFailCleanly(string fixture)
    {
        var bytes = File.ReadAllBytes(Path.Combine(RepoPaths.Models, fixture, "model.onnx"));
        int step = Math.Max(1, bytes.Length / 300);
        int failures = 0;
        for (int len = 0; len < bytes.Length; len += step)
        {
            try { InferenceSession.Load(bytes.AsSpan(0, len), $"{fixture} truncated to {len}"); }
            catch (OnnxFormatException) { failures++; }
            catch (ModelLoadException) { failures++; }
        }
        // Nearly every truncation breaks a length-delimited field; a few cut exactly at a field boundary.
        Assert.True(failures > 0, "no truncation was detected");
    }

    [Theory]
    [MemberData(nameof(FixtureNames))]
    public void BitFlippedModelsFailCleanlyOrLoad(string fixture)
    {
        var original = File.ReadAllBytes(Path.Combine(RepoPaths.Models, fixture, "model.onnx"));
        var random = new Random(fixture.Length * 7919);
        for (int trial = 0; trial < 400; trial++)
        {
            var bytes = (byte[])original.Clone();
            int flips = 1 + random.Next(4);
            for (int f = 0; f < flips; f++)
            {
                int pos = random.Next(bytes.Length);
                bytes[pos] ^= (byte)(1 << random.Next(8));
            }
            LoadMustFailCleanlyOrSucceed(bytes, $"{fixture} flip trial {trial}");
        }
    }

    [Theory]
    [MemberData(nameof(FixtureNames))]
    public void OverwrittenBytesFailCleanlyOrLoad(string fixture)
    {
        var original = File.ReadAllBytes(Path.Combine(RepoPaths.Models, fixture, "model.onnx"));
        var random = new Random(fixture.Length * 104729);
        for (int trial = 0; trial < 200; trial++)
        {
            var bytes = (byte[])original.Clone();
            int pos = random.Next(bytes.Length);
            int len = Math.Min(bytes.Length - pos, 1 + random.Next(16));
            random.NextBytes(bytes.AsSpan(pos, len));
            LoadMustFailCleanlyOrSucceed(bytes, $"{fixture} overwrite trial {trial}");
        }
    }

    public static TheoryData<string> FixtureNames() => new(Fixtures);

    [Fact]
    public void RandomBytesAreNotAModel()
    {
        var random = new Random(1);
        for (int trial = 0; trial < 200; trial++)
        {
            var bytes = new byte[1 + random.Next(4096)];
            random.NextBytes(bytes);
            LoadMustFailCleanlyOrSucceed(bytes, $"random {trial}");
        }
        Assert.Throws<OnnxFormatException>(() => InferenceSession.Load([], "empty"));
    }

    [Fact]
    public void WrongWireTypeForGraphIsReported()
    {
        // Field 7 (graph) written as a varint instead of a length-delimited message.
        var bytes = new byte[] { 0x08, 0x08, 0x38, 0x05 };
        var e = Assert.Throws<OnnxFormatException>(() => InferenceSession.Load(bytes, "wire.onnx"));
        Assert.Contains("wire.onnx", e.Message);
    }

    [Fact]
    public void ModelWithoutGraphIsReported()
    {
        var model = new ModelProto { IrVersion = 8 };
        model.OpsetImport.Add(new OperatorSetIdProto { Version = 17 });
        var e = Assert.Throws<OnnxFormatException>(() => InferenceSession.Load(model.ToByteArray(), "nograph.onnx"));
        Assert.Contains("no graph", e.Message);
    }

    [Fact]
    public void AbsurdDeclaredSizeIsRefusedWithoutAllocating()
    {
        var model = MinimalModel(new TensorProto { Name = "w", DataType = (int)ElementType.Float, Dims = { 1L << 40, 1L << 20 }, RawData = ByteString.CopyFrom(new byte[16]) });
        var e = Assert.ThrowsAny<Exception>(() => InferenceSession.Load(model.ToByteArray(), "huge.onnx"));
        Assert.True(e is OnnxFormatException or ModelLoadException, e.GetType().Name);
        Assert.Contains("elements", e.Message);

        var mismatch = MinimalModel(new TensorProto { Name = "w", DataType = (int)ElementType.Float, Dims = { 100_000_000 }, RawData = ByteString.CopyFrom(new byte[16]) });
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e2 = Assert.ThrowsAny<Exception>(() => InferenceSession.Load(mismatch.ToByteArray(), "mismatch.onnx"));
        Assert.Contains("raw data holds 16 bytes", e2.Message);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 10_000_000, "a 400 MB buffer was allocated for a 16-byte tensor");
    }

    [Fact]
    public void UnknownElementTypeIsReported()
    {
        var model = MinimalModel(new TensorProto { Name = "w", DataType = 99, Dims = { 1 }, RawData = ByteString.CopyFrom(new byte[4]) });
        var e = Assert.Throws<OnnxFormatException>(() => InferenceSession.Load(model.ToByteArray(), "dtype.onnx"));
        Assert.Contains("unknown tensor data_type 99", e.Message);
    }

    [Fact]
    public void MissingExternalDataFileIsReported()
    {
        var dir = Directory.CreateTempSubdirectory("uniml-ext").FullName;
        try
        {
            var tensor = new TensorProto { Name = "w", DataType = (int)ElementType.Float, Dims = { 2 }, DataLocation = TensorProto.Types.DataLocation.External };
            tensor.ExternalData.Add(new StringStringEntryProto { Key = "location", Value = "weights.bin" });
            var path = Path.Combine(dir, "model.onnx");
            File.WriteAllBytes(path, MinimalModel(tensor).ToByteArray());
            var e = Assert.Throws<OnnxFormatException>(() => InferenceSession.Load(path));
            Assert.Contains("weights.bin", e.Message);
            Assert.Contains("does not exist", e.Message);

            // With the file present (offset 4, length 8), the initializer loads from it.
            File.WriteAllBytes(Path.Combine(dir, "weights.bin"), [9, 9, 9, 9, .. BitConverter.GetBytes(1.5f), .. BitConverter.GetBytes(-2f)]);
            tensor.ExternalData.Add(new StringStringEntryProto { Key = "offset", Value = "4" });
            tensor.ExternalData.Add(new StringStringEntryProto { Key = "length", Value = "8" });
            File.WriteAllBytes(path, MinimalModel(tensor).ToByteArray());
            var session = InferenceSession.Load(path);
            using var result = session.Run([Tensor.FromArray(new[] { 0f }, [1])]);
            Assert.Equal(new[] { 1.5f, 0f }, ((Tensor)result[0]).ToArray<float>());

            // An external path leaving the model's folder is refused.
            tensor.ExternalData[0].Value = "../escape.bin";
            File.WriteAllBytes(path, MinimalModel(tensor).ToByteArray());
            var e3 = Assert.Throws<OnnxFormatException>(() => InferenceSession.Load(path));
            Assert.Contains("inside the model's directory", e3.Message);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void MissingModelFileIsReported()
    {
        var e = Assert.Throws<OnnxFormatException>(() => InferenceSession.Load("/nonexistent/model.onnx"));
        Assert.Contains("does not exist", e.Message);
    }

    /// <summary>A model whose output is Relu(initializer w); the input x is unused but declared.</summary>
    static ModelProto MinimalModel(TensorProto initializer)
    {
        var model = new ModelProto { IrVersion = 8, Graph = new GraphProto { Name = "g" } };
        model.OpsetImport.Add(new OperatorSetIdProto { Version = 17 });
        model.Graph.Input.Add(new ValueInfoProto { Name = "x", Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = 1 } } });
        model.Graph.Output.Add(new ValueInfoProto { Name = "y" });
        model.Graph.Initializer.Add(initializer);
        model.Graph.Node.Add(new NodeProto { OpType = "Relu", Input = { "w" }, Output = { "y" } });
        return model;
    }
}
