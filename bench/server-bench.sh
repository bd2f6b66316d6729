#!/usr/bin/env bash
# Load benchmark of the published NativeAOT server against the Flask + scikit-learn baseline, on the bundled
# default model (scikit-learn LogisticRegression on iris), one row per request, over loopback only.
# Needs: the .NET SDK, clang + zlib1g-dev (NativeAOT), python3-flask python3-sklearn (apt). Results: docs/server.md.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${OUT:-/tmp/uniml-bench}
mkdir -p "$out"
dotnet publish src/UniML.Server.App -r linux-x64 -c Release -o "$out/server" -nologo >/dev/null
dotnet build bench/ServerLoad -c Release -o "$out/load" -nologo >/dev/null
load="$out/load/server-load"
body="$out/body.json"
printf '%s' '{"inputs":[{"name":"input","shape":[1,4],"datatype":"FP32","data":[5.9,3.0,5.1,1.8]}]}' > "$body"
url_path=/v2/models/logreg_multiclass_iris/infer

echo "== machine"; nproc; grep -m1 'model name' /proc/cpuinfo
echo "== uniml-server startup"
"$load" startup "$out/server/uniml-server" "http://127.0.0.1:8010$url_path" "$body" --host 127.0.0.1 --port 8010 --log-level warning

echo "== uniml-server (NativeAOT)"
"$out/server/uniml-server" --host 127.0.0.1 --port 8010 --log-level warning & server=$!
trap 'kill $server 2>/dev/null || true' EXIT
sleep 1
"$load" search "http://127.0.0.1:8010$url_path" "$body"
kill -TERM $server; wait $server || true

echo "== Flask + scikit-learn"
/usr/bin/python3 bench/flask_baseline.py 8011 2>/dev/null & flask=$!
trap 'kill $flask 2>/dev/null || true' EXIT
for _ in $(seq 100); do curl -sf http://127.0.0.1:8011/v2/health/ready >/dev/null && break; sleep 0.1; done
"$load" search "http://127.0.0.1:8011$url_path" "$body"
kill $flask
