#!/usr/bin/env bash
# Regenerates docs/dependency-analysis.md with `uniml deps` (static closure analysis + strace'd workloads).
# One command: publishes the UniML server and the ONNX Runtime runner (NativeAOT) unless given, then analyses
# ONNX Runtime, PyTorch, scikit-learn and the UniML server, each with a traced workload.
#
# Usage: scripts/generate-dependency-analysis.sh [--server-dir DIR] [--ort-runner-dir DIR] [--ort-native DIR] [--out FILE]
#   --server-dir      `dotnet publish src/UniML.Server.App -r linux-x64 -c Release` output (uniml-server + models/)
#   --ort-runner-dir  `dotnet publish bench/OrtRunner -r linux-x64 -c Release` output (ort-runner + libonnxruntime.so)
#   --ort-native      runtimes/linux-x64/native of the Microsoft.ML.OnnxRuntime NuGet package
# Needs: Debian python3-sklearn, python3-torch, strace, curl; dotnet to build/publish from this checkout.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
out="$repo/docs/dependency-analysis.md"
server_dir=""; ort_dir=""
ort_version="$(sed -n 's/.*"Microsoft.ML.OnnxRuntime" Version="\([^"]*\)".*/\1/p' "$repo/Directory.Packages.props")"
ort="${HOME}/.nuget/packages/microsoft.ml.onnxruntime/$ort_version/runtimes/linux-x64/native"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --server-dir) server_dir="$2"; shift 2 ;;
    --ort-runner-dir) ort_dir="$2"; shift 2 ;;
    --ort-native) ort="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    *) echo "unknown argument: $1" >&2; exit 1 ;;
  esac
done
for tool in strace curl dotnet /usr/bin/python3; do
  command -v "$tool" >/dev/null || { echo "generate-dependency-analysis: '$tool' is needed" >&2; exit 1; }
done
work="$(mktemp -d /tmp/uniml-deps-doc.XXXXXX)"
trap 'rm -rf "$work"' EXIT

if [[ -z "$server_dir" ]]; then
  echo "publishing uniml-server (NativeAOT)..." >&2
  dotnet publish "$repo/src/UniML.Server.App" -r linux-x64 -c Release -o "$work/server" -v q -nologo >&2
  server_dir="$work/server"
fi
if [[ -z "$ort_dir" ]]; then
  echo "publishing ort-runner (NativeAOT)..." >&2
  dotnet publish "$repo/bench/OrtRunner" -r linux-x64 -c Release -o "$work/ort-runner" -v q -nologo >&2
  ort_dir="$work/ort-runner"
fi
server="$server_dir/uniml-server"
[[ -x "$server" ]] || { echo "no uniml-server in $server_dir" >&2; exit 1; }
[[ -x "$ort_dir/ort-runner" ]] || { echo "no ort-runner in $ort_dir" >&2; exit 1; }
[[ -d "$ort" ]] || { echo "ONNX Runtime native directory $ort not found (restore the NuGet package or pass --ort-native)" >&2; exit 1; }

dotnet build "$repo/src/UniML.Cli" -c Release -v q -nologo >/dev/null
uniml_dll="$repo/src/UniML.Cli/bin/Release/net10.0/uniml.dll"
uniml() { dotnet "$uniml_dll" "$@"; }
# Exit code 2 only means "not compatible with some target": the report is still complete.
section() { uniml deps --markdown "$@" 2>/dev/null || [[ $? -eq 2 ]]; }
server_trace() { # $1 = file for the Markdown section, $2 = JSON file, rest = extra deps args
  local md="$1" js="$2"; shift 2
  "$repo/scripts/trace-server-workload.sh" --uniml "dotnet $uniml_dll" "$server" -- --markdown --json-file "$js" "$@" >"$md" 2>"$md.log" \
    || [[ $? -eq 2 ]] || { echo "server workload failed:" >&2; cat "$md.log" >&2; exit 1; }
}

py=/usr/bin/python3
pyver="$($py -c 'import sys; print(f"python{sys.version_info[0]}.{sys.version_info[1]}")')"
dist=/usr/lib/python3/dist-packages
models="$repo/testdata/models"
sk_work='from sklearn.datasets import load_iris; from sklearn.ensemble import RandomForestClassifier; import pickle; X,y=load_iris(return_X_y=True); m=pickle.loads(pickle.dumps(RandomForestClassifier(n_estimators=20,random_state=0).fit(X,y))); print(m.predict(X[:8]))'
torch_work='import torch; m=torch.nn.Sequential(torch.nn.Linear(16,32),torch.nn.ReLU(),torch.nn.Linear(32,4)).eval(); x=torch.randn(8,16);
with torch.no_grad():
  [m(x) for _ in range(10)]
print(m(x).shape)'

# The traced runs first (their JSON feeds the summary at the top), each into its own file.
echo "tracing ONNX Runtime..." >&2
section --title "ONNX Runtime: traced workload (ort-runner: load 2 models, 10 inferences each)" --json-file "$work/ort.json" \
  "$ort_dir/ort-runner" "$ort_dir/libonnxruntime.so" "$ort_dir/libonnxruntime_providers_shared.so" \
  --trace -- "$ort_dir/ort-runner" "$models/logreg_multiclass_iris/model.onnx" "$models/torch_mlp_tabular/model.onnx" --runs 10 >"$work/ort.md"
echo "tracing PyTorch..." >&2
section --title "PyTorch: traced workload (import torch, 3-layer MLP, 11 forward passes)" --json-file "$work/torch.json" \
  --trace -- "$py" -c "$torch_work" >"$work/torch.md"
echo "tracing scikit-learn..." >&2
section --title "scikit-learn: traced workload (fit RandomForest on iris, pickle round trip, predict)" --json-file "$work/sklearn.json" \
  --trace -- "$py" -c "$sk_work" >"$work/sklearn.md"
echo "tracing the UniML server (start-up, inferences over loopback HTTP, SIGTERM)..." >&2
server_trace "$work/server.md" "$work/server.json" --title "UniML server: traced start-up + 20 inferences over loopback HTTP + SIGTERM shutdown"

{
cat <<HEAD
# Dependency and syscall analysis of ML runtimes

Generated by \`scripts/generate-dependency-analysis.sh\` on $(date -u +%Y-%m-%d) with \`uniml deps\`
(src/UniML.Deps) on $(. /etc/os-release; echo "$PRETTY_NAME"), $(strace -V | head -1), $(uname -m). Do not edit by hand: rerun the script.

## Verdicts

What each runtime's traced workload called, judged against each target (details in the sections below).
"missing" = ENOSYS on the target; "stubbed" = accepted, does nothing. A missing syscall is not always fatal.

HEAD
$py "$repo/scripts/dependency-summary.py" verdicts \
  "ONNX Runtime (ort-runner, NativeAOT)=$work/ort.json" "PyTorch (python3 + torch)=$work/torch.json" \
  "scikit-learn (python3 + sklearn)=$work/sklearn.json" "UniML server (NativeAOT)=$work/server.json"
cat <<'HEAD'

### Which targets can run the UniML server

HEAD
$py "$repo/scripts/dependency-summary.py" server "$work/server.json"
cat <<'NOTES'
Where the Unikraft-only calls come from (seen in the trace, checked with `strace -e`):
- No inotify: by default the .NET host watches the content root to reload configuration files, which costs
  `inotify_*` calls Unikraft lacks; the server turns that reload off (`hostBuilder:reloadConfigOnChange=false`
  in ServerHost), so the trace shows none.
- `rt_sigreturn`: the return from the SIGTERM handler, i.e. only the graceful-shutdown path. Unikraft's
  app-elfloader does not provide it, so a SIGTERM-driven drain cannot work there as is; start-up and
  inference do not need it.
- Stubbed calls change behaviour rather than fail: `sched_getaffinity` (stubbed on Unikraft) is how .NET
  counts usable CPUs; `flock` and `geteuid` (stubbed on Nanos) are harmless for a single-process server.

Nanos: every call it lacks is one the server survives, and ../shared/data/unikernel-notes.md records a
NativeAOT Kestrel server answering HTTP on Nanos with those ENOSYS answers (rseq, membarrier, get_mempolicy).
The same notes say Nanos's ioctl knows only FIONBIO/FIOCLEX; the server's 3 ioctl calls are terminal queries that
already fail here (ENOTTY, output not a terminal), so that difference does not matter. The microVM image is a
Linux kernel: everything the trace shows exists there. The server's static closure is the binary, libc.so.6,
libm.so.6 and the loader: those four files are what a Nanos or Unikraft image must carry (plus models/).

## How to read the sections
NOTES
cat <<'HEAD'
- **Library closure**: the DT_NEEDED closure resolved like glibc's ld.so (RPATH/RUNPATH/$ORIGIN, ld.so.conf, default
  directories). "found via" says every rule that reached the file (e.g. `LdSoConf, Interpreter` for the loader that
  is both a DT_NEEDED and libc's PT_INTERP); each real file is listed once. dlopen candidates are `*.so` names in the
  read-only data of objects that use dlopen; they are not in the closure unless `--follow-dlopen` is given.
- **Static syscall set**: every `syscall` instruction whose number is a constant in eax in straight-line code, every call
  to libc's `syscall()` with a constant first argument (Iced disassembly of all executable sections), plus what the
  imported glibc functions can issue (data/syscalls/glibc-2.36-x86_64-functions.tsv). glibc's own sites (libc.so.6, ld.so)
  are reported separately as an upper bound, because libc contains code for almost every syscall. Static sets over-approximate
  (dead code, error paths) and miss syscalls with computed numbers (counted as unresolved sites).
- **Traced set**: `strace -f` of a real workload (all threads and children), with call counts, failures and the first
  errno, the signals delivered and how the program ended. The launching execve is not counted (a unikernel starts the
  program itself). The verdict uses the traced set when there is one. For a traced run the closure analysed is the
  traced program's own (for Python: the interpreter, not the extension modules it imports; see the static sections).
- **Targets**: linux and microvm (UniML's image is a Linux kernel, so every syscall exists), nanos
  (data/syscalls/nanos-b9c3671d.tsv) and unikraft with app-elfloader (data/syscalls/unikraft-eaf6fda1.tsv). "missing" =
  ENOSYS there; "stubbed" = accepted but does nothing; "conditional" = needs an optional klib/library.

HEAD

echo "# ONNX Runtime (Microsoft.ML.OnnxRuntime $ort_version, libonnxruntime.so)"
echo
cat <<'ORT'
The traced workload is `bench/OrtRunner` (ort-runner), a NativeAOT C# console like the UniML server, so the two
traces differ by the inference runtime and not by the .NET host. It loads testdata's logreg_multiclass_iris and
torch_mlp_tabular with the CPU provider and one intra-op thread and runs 10 inferences on each. ONNX Runtime is
referenced only there (and by the benchmark), never by the engine or the server.

Observed in the trace: ONNX Runtime 1.31 keeps an SQLite database under
`$HOME/.cache/Microsoft/DeveloperTools/.onnxruntime/onnxruntime.db` (the `chmod`, `fchown`, `pwrite64`, `fsync`,
`ftruncate` and `unlink` calls). An image with a read-only or missing home directory has to tolerate that failing.

ORT
section --title "ONNX Runtime: static closure of runtimes/linux-x64/native" "$ort"
cat "$work/ort.md"

echo "# PyTorch (Debian python3-torch, libtorch_cpu.so)"
echo
section --title "PyTorch: static closure of libtorch_cpu.so" "$(readlink -f /usr/lib/x86_64-linux-gnu/libtorch_cpu.so)"
cat "$work/torch.md"

echo "# scikit-learn with Python, NumPy, SciPy and BLAS (Debian python3-sklearn)"
echo
section --title "scikit-learn: static closure of $pyver + sklearn, numpy, scipy package directories" \
  "$(readlink -f $py)" "$dist/sklearn" "$dist/numpy" "$dist/scipy"
cat "$work/sklearn.md"

echo "# The UniML server (NativeAOT uniml-server)"
echo
echo "Binary analysed: \`uniml-server\` from \`dotnet publish src/UniML.Server.App -r linux-x64 -c Release\`"
echo "($(file -b "$server" | cut -d, -f1-2), $(stat -c %s "$server") bytes), serving its default model (models/logreg_multiclass_iris)."
echo "The traced workload is \`scripts/trace-server-workload.sh\`: the server starts under \`uniml deps --trace\` on a"
echo "loopback port, the script waits for \`/v2/health/ready\`, sends the model metadata request, 10 JSON and 10"
echo "binary-tensor inferences and \`/metrics\` with curl to 127.0.0.1, then sends SIGTERM to the server process; the"
echo "server drains and exits, and the trace covers all three phases."
echo
section --title "UniML server: static closure of uniml-server" "$server"
cat "$work/server.md"

cat <<'TAIL'
# TensorFlow Lite

No TF Lite runtime binary for linux-x64 is available from the registries reachable here, so TF Lite is not analysed:
- Debian 12 (apt-cache search tflite / tensorflow): only libarmnntfliteparser (Arm NN's .tflite model *parser*), no
  TF Lite interpreter library.
- npm: @tensorflow/tfjs-tflite ships TF Lite compiled to WebAssembly (no ELF to analyse); @tensorflow/tfjs-node downloads
  libtensorflow from storage.googleapis.com at install time (not reachable here); react-native-fast-tflite and
  react-native-tflite carry Android/iOS binaries only.
- NuGet: no TF Lite runtime package with a runtimes/linux-x64/native asset was found in the package index available here.
Rerun `uniml deps` on a libtensorflowlite.so / libtensorflowlite_c.so when one is available.
TAIL
} > "$work/doc.md"
# Paths relative to the checkout and the scratch directory, so reruns differ only in what was measured.
sed -e "s#$work/##g" -e "s#$repo/##g" "$work/doc.md" > "$out"
echo "wrote $out" >&2
