#!/usr/bin/env bash
# Traces the UniML server's whole life with `uniml deps --trace`: start-up, inferences over loopback HTTP,
# and a SIGTERM shutdown, so the traced syscall set covers all three.
#
# Usage: scripts/trace-server-workload.sh [options] SERVER_BINARY [-- UNIML_DEPS_ARGS...]
#   --requests N   inferences to send (default 20; the first 10 JSON, then binary-tensor requests)
#   --port P       loopback port (default: a free one)
#   --timeout S    seconds to wait for /v2/health/ready (default 60; strace slows start-up)
#   --uniml CMD    how to run the uniml CLI (default: dotnet src/UniML.Cli/bin/Release/net10.0/uniml.dll, built if missing)
# Everything after "--" goes to `uniml deps` before its own "--" (e.g. --markdown --title "...").
# The report goes to stdout, the server's log and progress to stderr. Exit code: uniml deps's (0 compatible,
# 2 not compatible with some target), 1 when the workload failed (server not ready, a request failed,
# or the server did not exit 0 after SIGTERM).
#
# The server serves its default model (models/ next to the binary: logreg_multiclass_iris).
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
requests=20; port=""; timeout=60; uniml_cmd=""; server=""; deps_args=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --requests) requests="$2"; shift 2 ;;
    --port) port="$2"; shift 2 ;;
    --timeout) timeout="$2"; shift 2 ;;
    --uniml) uniml_cmd="$2"; shift 2 ;;
    --) shift; deps_args=("$@"); break ;;
    -*) echo "trace-server-workload: unknown option $1" >&2; exit 1 ;;
    *) [[ -z "$server" ]] || { echo "trace-server-workload: one SERVER_BINARY only" >&2; exit 1; }; server="$1"; shift ;;
  esac
done
[[ -n "$server" ]] || { echo "usage: $0 [--requests N] [--port P] SERVER_BINARY [-- UNIML_DEPS_ARGS...]" >&2; exit 1; }
[[ -x "$server" ]] || { echo "trace-server-workload: '$server' is not an executable file" >&2; exit 1; }
command -v curl >/dev/null || { echo "trace-server-workload: curl is needed (apt-get install curl)" >&2; exit 1; }
server="$(readlink -f "$server")"

if [[ -z "$uniml_cmd" ]]; then
  dll="$repo/src/UniML.Cli/bin/Release/net10.0/uniml.dll"
  [[ -f "$dll" ]] || dotnet build "$repo/src/UniML.Cli" -c Release -v q -nologo >/dev/null
  uniml_cmd="dotnet $dll"
fi
if [[ -z "$port" ]]; then
  port="$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
fi
base="http://127.0.0.1:$port"
log() { echo "trace-server-workload: $*" >&2; }

# Start the server under the tracer. $! is the uniml process itself (no subshell in between).
$uniml_cmd deps "${deps_args[@]}" --trace -- "$server" --host 127.0.0.1 --port "$port" --log-format text &
deps_pid=$!
cleanup() { kill -0 "$deps_pid" 2>/dev/null && kill -TERM "$deps_pid" 2>/dev/null || true; }
trap cleanup EXIT

# The server is a descendant of uniml deps (uniml -> strace -> server): find it by its executable.
server_pid() {
  local queue=("$deps_pid") p c
  while [[ ${#queue[@]} -gt 0 ]]; do
    p="${queue[0]}"; queue=("${queue[@]:1}")
    for c in $(cat /proc/"$p"/task/*/children 2>/dev/null); do
      [[ "$(readlink -f /proc/"$c"/exe 2>/dev/null)" == "$server" ]] && { echo "$c"; return 0; }
      queue+=("$c")
    done
  done
  return 1
}

failed=0
deadline=$((SECONDS + timeout))
until curl -sf "$base/v2/health/ready" >/dev/null 2>&1; do
  if ! kill -0 "$deps_pid" 2>/dev/null; then log "uniml deps ended before the server was ready"; wait "$deps_pid" || true; exit 1; fi
  if (( SECONDS >= deadline )); then log "server not ready after ${timeout}s"; failed=1; break; fi
  sleep 0.2
done

if (( failed == 0 )); then
  log "ready at $base; sending $requests inferences"
  model="$base/v2/models/logreg_multiclass_iris"
  curl -sf "$model" >/dev/null || { log "model metadata request failed"; failed=1; }
  for ((i = 0; i < requests && failed == 0; i++)); do
    if (( i < 10 )); then
      body='{"id":"r'$i'","inputs":[{"name":"input","shape":[2,4],"datatype":"FP32","data":[5.9,3.0,5.1,1.8,5.1,3.5,1.4,0.'$i']}]}'
      out="$(curl -sf "$model/infer" -H 'Content-Type: application/json' -d "$body")" || { log "inference $i failed"; failed=1; break; }
      [[ "$out" == *'"label"'* ]] || { log "inference $i: unexpected answer $out"; failed=1; }
    else
      # Binary tensor extension: JSON header, then 4 little-endian float32 (5.1 3.5 1.4 0.2).
      header='{"inputs":[{"name":"input","shape":[1,4],"datatype":"FP32","parameters":{"binary_data_size":16}}]}'
      out="$( { printf '%s' "$header"; printf '\x33\x33\xa3\x40\x00\x00\x60\x40\x33\x33\xb3\x3f\xcd\xcc\x4c\x3e'; } \
        | curl -sf "$model/infer" -H "Inference-Header-Content-Length: ${#header}" -H 'Content-Type: application/octet-stream' --data-binary @-)" \
        || { log "binary inference $i failed"; failed=1; break; }
      [[ "$out" == *'"label"'* ]] || { log "binary inference $i: unexpected answer $out"; failed=1; }
    fi
  done
  curl -sf "$base/metrics" >/dev/null || log "GET /metrics failed (not counted as a workload failure)"
fi

# Stop the server the way an orchestrator does: SIGTERM to the server process itself. If it cannot be
# found, SIGTERM to uniml deps, which forwards it to the traced program.
if pid="$(server_pid)"; then
  log "sending SIGTERM to the server (pid $pid)"
  kill -TERM "$pid"
else
  log "server process not found; sending SIGTERM to uniml deps (pid $deps_pid), which forwards it"
  kill -TERM "$deps_pid"
fi
set +e
wait "$deps_pid"; rc=$?
set -e
trap - EXIT
(( failed == 0 )) || exit 1
exit "$rc"
