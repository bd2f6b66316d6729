#!/usr/bin/python3
"""Times scikit-learn's own prediction for each scikit-learn fixture in testdata/models.

Each fixture's README.txt says which estimator, parameters, dataset and split made it; this script
trains the same estimator the same way (deterministic: fixed random_state), checks that it reproduces
the fixture's expected labels/values, then times the estimator's prediction call on the same rows the
UniML/ONNX Runtime benchmark uses (test_data_set_0's rows cycled to the batch size).

Prints one JSON object: {model: {"call": name, "b1": median_us, "b1000": median_us, "matches": bool}}.
Run with Debian's python: /usr/bin/python3 bench/sklearn_baseline.py testdata/models
"""
import json
import os
import sys
import time

import numpy as np
from onnx import numpy_helper, TensorProto
from sklearn import datasets
from sklearn.decomposition import PCA
from sklearn.ensemble import GradientBoostingRegressor, RandomForestClassifier
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC, LinearSVC
from sklearn.tree import DecisionTreeClassifier


def synth():
    return datasets.make_classification(n_samples=1500, n_features=20, n_informative=10, n_classes=3, random_state=0)


# fixture -> (dataset loader, estimator factory, timed call, index of the expected output the call reproduces)
FIXTURES = {
    "decision_tree_classifier_wine": (lambda: datasets.load_wine(return_X_y=True), lambda: DecisionTreeClassifier(random_state=0), "predict_proba"),
    "gradient_boosting_regressor_diabetes": (lambda: datasets.load_diabetes(return_X_y=True), lambda: GradientBoostingRegressor(random_state=0), "predict"),
    "linear_regression_diabetes": (lambda: datasets.load_diabetes(return_X_y=True), lambda: LinearRegression(), "predict"),
    "linear_svc_multiclass_synth": (synth, lambda: LinearSVC(C=0.1, max_iter=20000, random_state=0), "decision_function"),
    "logreg_binary_breast_cancer": (lambda: datasets.load_breast_cancer(return_X_y=True), lambda: LogisticRegression(max_iter=5000), "predict_proba"),
    "logreg_multiclass_iris": (lambda: datasets.load_iris(return_X_y=True), lambda: LogisticRegression(max_iter=1000), "predict_proba"),
    "logreg_multiclass_iris_zipmap": (lambda: datasets.load_iris(return_X_y=True), lambda: LogisticRegression(max_iter=1000), "predict_proba"),
    "mlp_classifier_digits": (lambda: datasets.load_digits(return_X_y=True), lambda: MLPClassifier(hidden_layer_sizes=(64,), max_iter=500, random_state=0), "predict_proba"),
    "pipeline_pca_logreg_digits": (lambda: datasets.load_digits(return_X_y=True), lambda: Pipeline([("pca", PCA(n_components=20, random_state=0)), ("clf", LogisticRegression(max_iter=2000))]), "predict_proba"),
    "pipeline_scaler_logreg_breast_cancer": (lambda: datasets.load_breast_cancer(return_X_y=True), lambda: Pipeline([("scaler", StandardScaler()), ("clf", LogisticRegression(max_iter=1000))]), "predict_proba"),
    "random_forest_classifier_digits": (lambda: datasets.load_digits(return_X_y=True), lambda: RandomForestClassifier(max_depth=10, random_state=0), "predict_proba"),
    "svc_rbf_digits": (lambda: datasets.load_digits(return_X_y=True), lambda: SVC(), "decision_function"),
}


def read_pb(path):
    t = TensorProto()
    with open(path, "rb") as f:
        t.ParseFromString(f.read())
    return numpy_helper.to_array(t)


def median_us(fn, x, budget_s):
    for _ in range(5):
        fn(x)
    samples = []
    end = time.perf_counter() + budget_s
    while time.perf_counter() < end or len(samples) < 5:
        t0 = time.perf_counter()
        fn(x)
        samples.append((time.perf_counter() - t0) * 1e6)
    samples.sort()
    return samples[len(samples) // 2]


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else "testdata/models"
    budget = float(os.environ.get("UNIML_BENCH_SECONDS", "1.0"))
    only = set(sys.argv[2:])
    result = {}
    for name, (load, make, call) in FIXTURES.items():
        if only and name not in only:
            continue
        folder = os.path.join(root, name)
        if not os.path.isdir(folder):
            continue
        X, y = load()
        X_train, _, y_train, _ = train_test_split(X, y, test_size=0.25, random_state=0)
        model = make().fit(X_train, y_train)
        rows = read_pb(os.path.join(folder, "test_data_set_0", "input_0.pb"))
        expected = read_pb(os.path.join(folder, "test_data_set_0", "output_0.pb"))
        got = model.predict(rows)
        matches = bool(np.allclose(np.asarray(got, dtype=np.float64).ravel(), expected.astype(np.float64).ravel(), rtol=1e-4, atol=1e-4))
        fn = getattr(model, call)
        b1 = rows[:1]
        b1000 = np.resize(rows, (1000, rows.shape[1])).astype(rows.dtype)
        result[name] = {
            "call": call,
            "b1": median_us(fn, b1, budget),
            "b1000": median_us(fn, b1000, budget),
            "matches": matches,
        }
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main()
