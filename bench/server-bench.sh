#!/usr/bin/env bash
# Load benchmark of the published NativeAOT server against the Flask + scikit-learn baseline, on the bundled
# default model (scikit-learn LogisticRegression on iris), one row per request, over loopback only.
# Needs: the .NET SDK, clang + zlib1g-dev (NativeAOT), python3-flask python3-sklearn python3-gunicorn (apt).
# Method and results: docs/server.md, "Benchmark".
#
# The server under test runs on CPU $SERVER_CPU (default 0) and the load generator on CPU $LOAD_CPU (default 1),
# each pinned with taskset, both at real-time priority ($RT, default "chrt -f 10") so that other work on a shared
# machine does not preempt them; RT= runs them at normal priority. The kernel's real-time throttling
# (sched_rt_runtime_us, 95 %) still leaves other processes 5 % of each CPU. Every run is bounded in time.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${OUT:-/tmp/uniml-bench}
SERVER_CPU=${SERVER_CPU:-0}
LOAD_CPU=${LOAD_CPU:-1}
RT=${RT-chrt -f 10}
mkdir -p "$out"
dotnet publish src/UniML.Server.App -r linux-x64 -c Release -o "$out/server" -nologo >/dev/null
dotnet build bench/ServerLoad -c Release -o "$out/load" -nologo >/dev/null
body="$out/body.json"
printf '%s' '{"inputs":[{"name":"input","shape":[1,4],"datatype":"FP32","data":[5.9,3.0,5.1,1.8]}]}' > "$body"
url_path=/v2/models/logreg_multiclass_iris/infer
export DOTNET_gcServer=0

load() { timeout 900 $RT taskset -c "$LOAD_CPU" "$out/load/server-load" "$@"; }
wait_ready() { for _ in $(seq 150); do curl -sf "http://127.0.0.1:$1/v2/health/ready" >/dev/null && return 0; sleep 0.2; done; echo "not ready"; return 1; }
rss() { grep VmRSS "/proc/$1/status" | awk '{print $2 " kB"}'; }

echo "== machine"
date -u +%FT%TZ; nproc; grep -m1 'model name' /proc/cpuinfo; uname -r; uptime
echo "server on CPU $SERVER_CPU, load generator on CPU $LOAD_CPU, priority: ${RT:-normal}"

echo "== uniml-server startup"
ls -l "$out/server/uniml-server" | awk '{print "binary size: " $5 " bytes"}'
timeout 60 $RT "$out/load/server-load" startup "$out/server/uniml-server" "http://127.0.0.1:8010$url_path" "$body" --host 127.0.0.1 --port 8010 --log-level warning

uniml() {
  local name=$1; shift
  echo "== uniml-server (NativeAOT) $name"
  $RT taskset -c "$SERVER_CPU" "$out/server/uniml-server" --host 127.0.0.1 --port 8010 --log-level warning "$@" & local server=$!
  wait_ready 8010
  echo "RSS after start-up: $(rss $server)"
  load search "http://127.0.0.1:8010$url_path" --body "$body" --connections 64 --start 1000 --seconds 10 --measure-seconds 30 \
    --metrics http://127.0.0.1:8010/metrics --floor http://127.0.0.1:8010/v2/health/live --server-pid $server
  echo "RSS after the load runs: $(rss $server)"
  kill -TERM $server; wait $server || true
}
uniml "(default flags: --inline-io auto)"
# The thread-pool hand-off that auto skips for quick models: ASP.NET Core's usual scheduling.
uniml "(--inline-io false)" --inline-io false

flask() {
  local name=$1; shift
  echo "== Flask + scikit-learn: $name"
  (cd bench && exec $RT taskset -c "$SERVER_CPU" "$@" 2>/dev/null) & local flask=$!
  wait_ready 8011
  load search "http://127.0.0.1:8011$url_path" --body "$body" --connections 16 --start 250 --seconds 10 --measure-seconds 30 \
    --floor http://127.0.0.1:8011/v2/health/ready --server-pid $flask
  kill -TERM $flask; wait $flask || true
}
# The traditional deployment: gunicorn's sync workers, 2 x cores + 1 = 3 for the one CPU it has.
flask "gunicorn 20.1 (python3-gunicorn), 3 sync workers" /usr/bin/python3 -m gunicorn -w 3 -b 127.0.0.1:8011 --log-level warning flask_baseline:app
# For comparison with the first benchmark: Flask's own development server (Werkzeug, a thread per request).
flask "Flask development server (Werkzeug, threaded)" /usr/bin/python3 flask_baseline.py 8011
