using UniML.Engine.Operators.OnnxMl;

namespace UniML.Engine.Operators;

internal static partial class OperatorRegistry
{
    /// <summary>ai.onnx.ml operators, alphabetical.</summary>
    static IEnumerable<OperatorEntry> OnnxMlOperators() =>
    [
        MlOp("ArrayFeatureExtractor", [1], ArrayFeatureExtractor.Create),
        MlOp("Binarizer", [1], Binarizer.Create),
        MlOp("CategoryMapper", [1], CategoryMapper.Create),
        MlOp("DictVectorizer", [1], DictVectorizer.Create),
        MlOp("FeatureVectorizer", [1], FeatureVectorizer.Create),
        MlOp("Imputer", [1], Imputer.Create),
        MlOp("LabelEncoder", [1, 2, 4], LabelEncoder.Create),
        MlOp("LinearClassifier", [1], LinearClassifier.Create),
        MlOp("LinearRegressor", [1], LinearRegressor.Create),
        MlOp("Normalizer", [1], Normalizer.Create),
        MlOp("OneHotEncoder", [1], OneHotEncoder.Create),
        MlOp("SVMClassifier", [1], SVMClassifier.Create),
        MlOp("SVMRegressor", [1], SVMRegressor.Create),
        MlOp("Scaler", [1], Scaler.Create),
        MlOp("TreeEnsemble", [5], TreeEnsemble.Create),
        MlOp("TreeEnsembleClassifier", [1, 3], TreeEnsembleClassifier.Create),
        MlOp("TreeEnsembleRegressor", [1, 3], TreeEnsembleRegressor.Create),
        MlOp("ZipMap", [1], ZipMap.Create),
    ];
}
