using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using Google.Protobuf;
using UniML.Onnx;
using UniML.Onnx.Protos;

namespace ServerBodies;

/// <summary>
/// The bodies measured: one FP32 tensor of <see cref="Rows"/> × <see cref="Width"/> (1 MiB of binary data),
/// sent with the binary tensor extension or as a JSON <c>data</c> array of the same values (shortest
/// round-trip text, as clients write floats), and an INT64 JSON array of the same shape.
/// </summary>
sealed class Workload
{
    public const string InputName = "x";

    public Workload(int rows, int width)
    {
        Rows = rows;
        Width = width;
        var random = new Random(20261128);
        Floats = new float[rows * width];
        Longs = new long[rows * width];
        for (int i = 0; i < Floats.Length; i++)
        {
            Floats[i] = (float)(random.NextDouble() * 2 - 1);
            Longs[i] = random.NextInt64(-1_000_000, 1_000_000);
        }
        BinaryData = new byte[Floats.Length * sizeof(float)];
        for (int i = 0; i < Floats.Length; i++)
            BinaryPrimitives.WriteSingleLittleEndian(BinaryData.AsSpan(i * sizeof(float)), Floats[i]);
    }

    public int Rows { get; }
    public int Width { get; }
    public float[] Floats { get; }
    public long[] Longs { get; }
    public byte[] BinaryData { get; }

    /// <summary>The JSON header and the binary data after it; the header's length is the Inference-Header-Content-Length.</summary>
    public (byte[] Body, int HeaderLength) BinaryRequest(bool binaryOutput)
    {
        var header = Encoding.UTF8.GetBytes(
            $$$"""{"inputs":[{"name":"{{{InputName}}}","datatype":"FP32","shape":[{{{Rows}}},{{{Width}}}],"parameters":{"binary_data_size":{{{BinaryData.Length}}}}}]{{{OutputParameter(binaryOutput)}}}}""");
        return ([.. header, .. BinaryData], header.Length);
    }

    public byte[] JsonFloatRequest(bool binaryOutput) =>
        JsonRequest("FP32", binaryOutput, (sb, i) => sb.Append(Floats[i].ToString("R", CultureInfo.InvariantCulture)));

    public byte[] JsonInt64Request() =>
        JsonRequest("INT64", false, (sb, i) => sb.Append(Longs[i].ToString(CultureInfo.InvariantCulture)));

    byte[] JsonRequest(string datatype, bool binaryOutput, Action<StringBuilder, int> element)
    {
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $$"""{"inputs":[{"name":"{{InputName}}","datatype":"{{datatype}}","shape":[{{Rows}},{{Width}}],"data":[""");
        for (int i = 0; i < Rows * Width; i++)
        {
            if (i > 0) sb.Append(',');
            element(sb, i);
        }
        sb.Append("]}]").Append(OutputParameter(binaryOutput)).Append('}');
        return Encoding.UTF8.GetBytes(sb.ToString());
    }

    static string OutputParameter(bool binaryOutput) => binaryOutput ? ""","parameters":{"binary_data_output":true}""" : "";

    /// <summary>y = Relu(x), x and y FP32 [N, width]: the smallest model that returns as much as it takes.</summary>
    public byte[] ReluModel()
    {
        var model = new ModelProto { IrVersion = 8, ProducerName = "server-bodies", Graph = new GraphProto { Name = "relu" } };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = 17 });
        model.Graph.Input.Add(ValueInfo(InputName));
        model.Graph.Output.Add(ValueInfo("y"));
        var node = new NodeProto { OpType = "Relu", Name = "relu" };
        node.Input.Add(InputName);
        node.Output.Add("y");
        model.Graph.Node.Add(node);
        return model.ToByteArray();
    }

    ValueInfoProto ValueInfo(string name)
    {
        var shape = new TensorShapeProto();
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimParam = "N" });
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = Width });
        return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)ElementType.Float, Shape = shape } } };
    }
}
