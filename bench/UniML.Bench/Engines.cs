using Microsoft.ML.OnnxRuntime;
using UniML.Engine;
using Ort = Microsoft.ML.OnnxRuntime;

namespace UniML.Bench;

/// <summary>One engine running one model on fixed inputs; <see cref="RunOnce"/> is the timed call.</summary>
interface IBenchEngine : IDisposable
{
    string Name { get; }
    void RunOnce();
}

/// <summary>UniML: inputs wrapped once; each run disposes its result (returning pooled buffers), as a server would.</summary>
sealed class UniMLEngine : IBenchEngine
{
    readonly UniML.Engine.InferenceSession _session;
    readonly Value?[] _inputs;

    public UniMLEngine(string modelPath, BenchInputs inputs)
    {
        _session = UniML.Engine.InferenceSession.Load(modelPath);
        _inputs = [Tensor.FromArray(inputs.Data, inputs.Shape)];
    }

    public string Name => "UniML";

    public void RunOnce()
    {
        using var result = _session.Run(_inputs);
    }

    public void Dispose() { }
}

/// <summary>ONNX Runtime through its lowest-overhead C# API (OrtValue over pinned memory), one intra-op thread.</summary>
sealed class OrtEngine : IBenchEngine
{
    readonly Ort.InferenceSession _session;
    readonly OrtValue _input;
    readonly string[] _inputNames;
    readonly string[] _outputNames;
    readonly RunOptions _runOptions = new();

    public OrtEngine(string modelPath, BenchInputs inputs, int threads)
    {
        var options = new SessionOptions { IntraOpNumThreads = threads, InterOpNumThreads = 1, ExecutionMode = ExecutionMode.ORT_SEQUENTIAL };
        _session = new Ort.InferenceSession(modelPath, options);
        _input = OrtValue.CreateTensorValueFromMemory(inputs.Data, inputs.Shape.Select(d => (long)d).ToArray());
        _inputNames = [inputs.InputName];
        _outputNames = _session.OutputNames.ToArray();
    }

    public string Name => "ORT";

    public void RunOnce()
    {
        using var outputs = _session.Run(_runOptions, _inputNames, [_input], _outputNames);
    }

    public void Dispose()
    {
        _input.Dispose();
        _session.Dispose();
        _runOptions.Dispose();
    }
}
