#!/usr/bin/python3
"""Baseline for the server benchmark: the traditional Flask + scikit-learn deployment of the same model.

The bundled ONNX fixture (testdata/models/logreg_multiclass_iris) was exported from a scikit-learn model
whose pickle is not in the repository, so this script trains the same estimator the same way (its
README.txt: LogisticRegression(max_iter=1000) on load_iris, train_test_split(test_size=0.25,
random_state=0)) and serves it with the same Open Inference Protocol request and response JSON.

Usage (Debian: python3-flask python3-sklearn python3-gunicorn), from bench/:
  /usr/bin/python3 -m gunicorn -w 3 -b 127.0.0.1:8011 flask_baseline:app   the traditional deployment (sync workers)
  /usr/bin/python3 flask_baseline.py [PORT]                                 Flask's development server (threaded)
"""
import sys

import numpy as np
from flask import Flask, jsonify, request
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split

X, y = load_iris(return_X_y=True)
X_train, _, y_train, _ = train_test_split(X, y, test_size=0.25, random_state=0)
model = LogisticRegression(max_iter=1000).fit(X_train, y_train)
NAME = "logreg_multiclass_iris"
app = Flask(__name__)


@app.get("/v2/health/ready")
def ready():
    return jsonify(ready=True)


@app.post(f"/v2/models/{NAME}/infer")
def infer():
    body = request.get_json(force=True)
    tensor = body["inputs"][0]
    rows = np.asarray(tensor["data"], dtype=np.float32).reshape(tensor["shape"])
    labels = model.predict(rows)
    probabilities = model.predict_proba(rows).astype(np.float32)
    response = {"model_name": NAME, "model_version": "1", "outputs": [
        {"name": "label", "datatype": "INT64", "shape": [len(labels)], "data": labels.astype(np.int64).tolist()},
        {"name": "probabilities", "datatype": "FP32", "shape": list(probabilities.shape), "data": probabilities.ravel().tolist()},
    ]}
    if "id" in body:
        response["id"] = body["id"]
    return jsonify(response)


if __name__ == "__main__":
    app.run(host="127.0.0.1", port=int(sys.argv[1]) if len(sys.argv) > 1 else 8001, threaded=True)
