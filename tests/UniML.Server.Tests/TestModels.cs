using Google.Protobuf;
using UniML.Onnx;
using UniML.Onnx.Protos;

namespace UniML.Server.Tests;

/// <summary>Small ONNX models written to disk for the server tests, built with the ONNX protobuf types.</summary>
internal static class TestModels
{
    /// <summary>Every protocol datatype and the input/output name the echo model uses for it.</summary>
    public static readonly (string DataType, ElementType Type)[] DataTypes =
    [
        ("BOOL", ElementType.Bool), ("UINT8", ElementType.UInt8), ("UINT16", ElementType.UInt16), ("UINT32", ElementType.UInt32),
        ("UINT64", ElementType.UInt64), ("INT8", ElementType.Int8), ("INT16", ElementType.Int16), ("INT32", ElementType.Int32),
        ("INT64", ElementType.Int64), ("FP16", ElementType.Float16), ("FP32", ElementType.Float), ("FP64", ElementType.Double),
        ("BF16", ElementType.BFloat16), ("BYTES", ElementType.String),
    ];

    /// <summary>One input per datatype (<c>in_FP32</c>, shape [N,2]) passed straight through to an output of the same name.</summary>
    public static byte[] Echo()
    {
        var model = NewModel();
        foreach (var (dt, type) in DataTypes)
        {
            model.Graph.Input.Add(ValueInfo("in_" + dt, type, [-1, 2]));
            model.Graph.Output.Add(ValueInfo("in_" + dt, type, [-1, 2]));
        }
        return model.ToByteArray();
    }

    /// <summary>y = Relu(x) over <c>depth</c> chained nodes; x is FP32 [N, width]. Deep chains make a slow model.</summary>
    public static byte[] Relu(int width = 4, int depth = 1, bool fixedBatch = false)
    {
        var model = NewModel();
        model.Graph.Input.Add(ValueInfo("x", ElementType.Float, [fixedBatch ? 1 : -1, width]));
        string previous = "x";
        for (int i = 0; i < depth; i++)
        {
            string output = i == depth - 1 ? "y" : $"h{i}";
            var node = new NodeProto { OpType = "Relu", Name = $"relu{i}" };
            node.Input.Add(previous);
            node.Output.Add(output);
            model.Graph.Node.Add(node);
            previous = output;
        }
        model.Graph.Output.Add(ValueInfo("y", ElementType.Float, [fixedBatch ? 1 : -1, width]));
        return model.ToByteArray();
    }

    /// <summary>
    /// y = ReduceMax(Relu^depth(Expand(x, [1, width]))): a one-number request (x is FP32 [1,1]) that computes for a
    /// long time, so its body is small but its execution slow.
    /// </summary>
    public static byte[] Busy(int width, int depth)
    {
        var model = NewModel();
        model.Graph.Input.Add(ValueInfo("x", ElementType.Float, [1, 1]));
        var shape = new TensorProto { Name = "wide", DataType = (int)ElementType.Int64 };
        shape.Dims.Add(2);
        shape.Int64Data.Add(1);
        shape.Int64Data.Add(width);
        model.Graph.Initializer.Add(shape);
        var expand = new NodeProto { OpType = "Expand", Name = "expand" };
        expand.Input.Add("x");
        expand.Input.Add("wide");
        expand.Output.Add("h");
        model.Graph.Node.Add(expand);
        string previous = "h";
        for (int i = 0; i < depth; i++)
        {
            var node = new NodeProto { OpType = "Relu", Name = $"relu{i}" };
            node.Input.Add(previous);
            node.Output.Add(previous = $"h{i}");
            model.Graph.Node.Add(node);
        }
        var reduce = new NodeProto { OpType = "ReduceMax", Name = "reduce" };
        reduce.Input.Add(previous);
        reduce.Output.Add("y");
        model.Graph.Node.Add(reduce);
        model.Graph.Output.Add(ValueInfo("y", ElementType.Float, [1, 1]));
        return model.ToByteArray();
    }

    static ModelProto NewModel()
    {
        var model = new ModelProto { IrVersion = 8, ProducerName = "uniml-server-tests", Graph = new GraphProto { Name = "test" } };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = 17 });
        return model;
    }

    static ValueInfoProto ValueInfo(string name, ElementType type, int[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (var d in dims)
            shape.Dim.Add(d >= 0 ? new TensorShapeProto.Types.Dimension { DimValue = d } : new TensorShapeProto.Types.Dimension { DimParam = "N" });
        return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)type, Shape = shape } } };
    }

    /// <summary>Writes <c>dir/name/version/model.onnx</c> (and config.json when given).</summary>
    public static void Write(string repository, string name, int version, byte[] model, string? configJson = null)
    {
        var dir = Path.Combine(repository, name, version.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Directory.CreateDirectory(dir);
        File.WriteAllBytes(Path.Combine(dir, "model.onnx"), model);
        if (configJson is not null)
            File.WriteAllText(Path.Combine(repository, name, "config.json"), configJson);
    }
}
