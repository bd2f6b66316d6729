using UniML.Engine.Operators.Onnx;

namespace UniML.Engine.Operators;

internal static partial class OperatorRegistry
{
    /// <summary>
    /// ai.onnx operators by family. Version lists are the ONNX specification's "since version" history of
    /// each operator (up to opset 22); minSupported is the oldest of those versions UniML implements.
    /// </summary>
    static IEnumerable<OperatorEntry> OnnxOperators() =>
    [
        // == Element-wise math, activations, comparison and logic, reductions, Cast, Softmax family, ArgMax/ArgMin ==
        Op("Abs", [1, 6, 13], UnaryMath.Abs),
        Op("Acos", [7, 22], UnaryMath.Acos),
        Op("Acosh", [9, 22], UnaryMath.Acosh),
        Op("Add", [1, 6, 7, 13, 14], Arithmetic.Add),
        Op("And", [1, 7], Logical.And),
        Op("ArgMax", [1, 11, 12, 13], ArgMax.Max),
        Op("ArgMin", [1, 11, 12, 13], ArgMax.Min),
        Op("Asin", [7, 22], UnaryMath.Asin),
        Op("Asinh", [9, 22], UnaryMath.Asinh),
        Op("Atan", [7, 22], UnaryMath.Atan),
        Op("Atanh", [9, 22], UnaryMath.Atanh),
        Op("BitShift", [11], BitShift.Create),
        Op("Cast", [1, 6, 9, 13, 19, 21], Cast.Create, minSupported: 6),
        Op("CastLike", [15, 19, 21], Cast.CreateLike),
        Op("Ceil", [1, 6, 13], UnaryMath.Ceil),
        Op("Celu", [12], Activation.Celu),
        Op("Clip", [1, 6, 11, 12, 13], Clip.Create),
        Op("Cos", [7, 22], UnaryMath.Cos),
        Op("Cosh", [9, 22], UnaryMath.Cosh),
        Op("CumSum", [11, 14], CumSum.Create),
        Op("Det", [11, 22], Det.Create),
        Op("Div", [1, 6, 7, 13, 14], Arithmetic.Div),
        Op("Elu", [1, 6, 22], Activation.Elu),
        Op("Equal", [1, 7, 11, 13, 19], Comparison.Equal),
        Op("Erf", [9, 13], UnaryMath.Erf),
        Op("Exp", [1, 6, 13], UnaryMath.Exp),
        Op("Floor", [1, 6, 13], UnaryMath.Floor),
        Op("Greater", [1, 7, 9, 13], Comparison.Greater),
        Op("GreaterOrEqual", [12, 16], Comparison.GreaterOrEqual),
        Op("Hardmax", [1, 11, 13], Softmax.Hardmax),
        Op("HardSigmoid", [1, 6, 22], Activation.HardSigmoid),
        Op("HardSwish", [14, 22], Activation.HardSwish),
        Op("IsInf", [10, 20], IsInf.Create),
        Op("IsNaN", [9, 13, 20], IsNaN.Create),
        Op("LeakyRelu", [1, 6, 16], Activation.LeakyRelu),
        Op("Less", [1, 7, 9, 13], Comparison.Less),
        Op("LessOrEqual", [12, 16], Comparison.LessOrEqual),
        Op("Log", [1, 6, 13], UnaryMath.Log),
        Op("LogSoftmax", [1, 11, 13], Softmax.Log),
        Op("Max", [1, 6, 8, 12, 13], Variadic.Max),
        Op("Mean", [1, 6, 8, 13], Variadic.Mean),
        Op("Min", [1, 6, 8, 12, 13], Variadic.Min),
        Op("Mod", [10, 13], Mod.Create),
        Op("Mul", [1, 6, 7, 13, 14], Arithmetic.Mul),
        Op("Neg", [1, 6, 13], UnaryMath.Neg),
        Op("NegativeLogLikelihoodLoss", [12, 13, 22], NegativeLogLikelihoodLoss.Create),
        Op("Not", [1], Logical.Not),
        Op("Or", [1, 7], Logical.Or),
        Op("Pow", [1, 7, 12, 13, 15], Pow.Create),
        Op("PRelu", [1, 6, 7, 9, 16], PRelu.Create),
        Op("Reciprocal", [1, 6, 13], UnaryMath.Reciprocal),
        Op("ReduceL1", [1, 11, 13, 18], Reduce.L1),
        Op("ReduceL2", [1, 11, 13, 18], Reduce.L2),
        Op("ReduceLogSum", [1, 11, 13, 18], Reduce.LogSum),
        Op("ReduceLogSumExp", [1, 11, 13, 18], Reduce.LogSumExp),
        Op("ReduceMax", [1, 11, 12, 13, 18, 20], Reduce.Max),
        Op("ReduceMean", [1, 11, 13, 18], Reduce.Mean),
        Op("ReduceMin", [1, 11, 12, 13, 18, 20], Reduce.Min),
        Op("ReduceProd", [1, 11, 13, 18], Reduce.Prod),
        Op("ReduceSum", [1, 11, 13], Reduce.Sum),
        Op("ReduceSumSquare", [1, 11, 13, 18], Reduce.SumSquare),
        Op("Relu", [1, 6, 13, 14], Activation.Relu),
        Op("Round", [11, 22], UnaryMath.Round),
        Op("Selu", [1, 6, 22], Activation.Selu),
        Op("Shrink", [9], Activation.Shrink),
        Op("Sigmoid", [1, 6, 13], Activation.Sigmoid),
        Op("Sign", [9, 13], UnaryMath.Sign),
        Op("Sin", [7, 22], UnaryMath.Sin),
        Op("Sinh", [9, 22], UnaryMath.Sinh),
        Op("Softmax", [1, 11, 13], Softmax.Create),
        Op("SoftmaxCrossEntropyLoss", [12, 13], SoftmaxCrossEntropyLoss.Create),
        Op("Softplus", [1, 22], Activation.Softplus),
        Op("Softsign", [1, 22], Activation.Softsign),
        Op("Sqrt", [1, 6, 13], UnaryMath.Sqrt),
        Op("Sub", [1, 6, 7, 13, 14], Arithmetic.Sub),
        Op("Sum", [1, 6, 8, 13], Variadic.Sum),
        Op("Tan", [7, 22], UnaryMath.Tan),
        Op("Tanh", [1, 6, 13], Activation.Tanh),
        Op("ThresholdedRelu", [10, 22], Activation.ThresholdedRelu),
        Op("Where", [9, 16], Where.Create),
        Op("Xor", [1, 7], Logical.Xor),

        // == Tensor and shape manipulation, indexing, generators ==

        // == Neural-network layers: MatMul/Gemm, convolution, pooling, normalisation, recurrent ==

        // == Control flow and sequences ==

    ];
}
