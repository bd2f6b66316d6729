#!/usr/bin/env bash
# Benchmarks a microvm image of the UniML server (size by part, QEMU start to first inference, smallest -m)
# and writes bench/results/images-DATE.md. Needs qemu-system-x86, clang and zlib1g-dev (NativeAOT publish).
# Extra arguments go to uniml-image-bench (see --help), e.g. --boots 7 or --model testdata/models/X/model.onnx.
set -euo pipefail
cd "$(dirname "$0")/.."
out="bench/results/images-$(date -u +%Y-%m-%d).md"
dotnet run --project bench/UniML.ImageBench -c Release -- --markdown "$out" "$@"
