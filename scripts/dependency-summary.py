#!/usr/bin/python3
"""Summary tables for docs/dependency-analysis.md from `uniml deps --json-file` reports.

Usage: dependency-summary.py verdicts NAME=REPORT.json ...   -> the runtime x target verdict table
       dependency-summary.py server REPORT.json              -> per-target notes for the UniML server's trace

Cells use the traced set when the report has one (what the workload really called), else the static set.
"""
import json
import sys

TARGETS = ["linux", "microvm", "nanos", "unikraft"]

# ENOSYS answers that programs are known to survive, and why. Only facts with a source; everything else
# is reported as "not known to be tolerated" (a run on the target decides).
TOLERATED = {
    "rseq": "glibc 2.35+ registers rseq for every thread and carries on without it when the kernel says ENOSYS",
    "membarrier": ".NET's FlushProcessWriteBuffers uses membarrier when the query succeeds, else its mprotect-based fallback",
    "get_mempolicy": ".NET's GC probes NUMA with it once; ENOSYS means 'no NUMA'",
    "set_robust_list": "glibc ignores a failure (only robust mutexes would be affected; nothing here uses them)",
    "clone3": "glibc's pthread_create falls back to clone when clone3 returns ENOSYS",
}
# Seen tolerated on the target itself (../shared/data/unikernel-notes.md: a Kestrel NativeAOT server on Nanos).
OBSERVED = {"nanos": {"rseq", "membarrier", "get_mempolicy"}}


def load(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def calls(report):
    trace = report.get("trace")
    return {s["name"]: s for s in trace["syscalls"]} if trace else {}


def cell(target):
    missing = target["missing"]
    libs = target["missingLibraries"]
    if not missing and not libs:
        return "compatible" + (f" ({len(target['stubbed'])} stubbed)" if target["stubbed"] else "")
    parts = []
    if missing:
        parts.append(f"missing {len(missing)} (" + ", ".join(f"`{m}`" for m in missing) + ")")
    if libs:
        parts.append(f"{len(libs)} libraries not found")
    if target["stubbed"]:
        parts.append(f"{len(target['stubbed'])} stubbed")
    return "; ".join(parts)


def verdicts(pairs):
    print("| runtime (traced workload) | " + " | ".join(TARGETS) + " |")
    print("|---|" + "---|" * len(TARGETS))
    for pair in pairs:
        name, path = pair.split("=", 1)
        report = load(path)
        by = {t["target"]: t for t in report["targets"]}
        basis = {t["basis"] for t in report["targets"]}
        label = name + ("" if basis == {"traced"} else " (static set)")
        print(f"| {label} | " + " | ".join(cell(by[t]) if t in by else "n/a" for t in TARGETS) + " |")


def server(path):
    report = load(path)
    traced = calls(report)
    trace = report["trace"]
    signals = ", ".join(f"{s['name']} x{s['count']}" + (" from outside" if s["fromOutside"] else "") for s in trace["signals"]) or "none"
    ended = f"killed by {trace['killedBy']}" if trace["killedBy"] else f"exit code {trace['exitCode']}"
    print(f"The traced run made **{len(traced)} distinct syscalls** over {trace['processes']} threads; signals delivered: {signals}; "
          f"the server ended with {ended}.")
    print()
    print("| target | can it run the server? | missing (ENOSYS) in the trace, with calls | stubbed in the trace | conditional |")
    print("|---|---|---|---|---|")
    for t in report["targets"]:
        name = t["target"]
        unknown = [m for m in t["missing"] if m not in TOLERATED]
        if not t["missing"] and not t["missingLibraries"]:
            answer = "**yes**" + (" (stubs answer some calls)" if t["stubbed"] else "")
        elif not unknown:
            seen = OBSERVED.get(name, set())
            answer = ("**yes, with tolerated ENOSYS**" + (" (seen on the target)" if set(t["missing"]) <= seen else " (expected; not yet run there)"))
        else:
            answer = "**not as is**: " + ", ".join(f"`{m}`" for m in unknown) + " not known to be tolerated"
        missing = ", ".join(f"`{m}` ({traced[m]['count']})" for m in t["missing"]) or "none"
        stubbed = ", ".join(f"`{m}` ({traced[m]['count']})" for m in t["stubbed"]) or "none"
        conditional = ", ".join(f"`{m}`" for m in t["conditional"]) or "none"
        print(f"| {name} | {answer} | {missing} | {stubbed} | {conditional} |")
    print()
    every = sorted({m for t in report["targets"] for m in t["missing"] if m in TOLERATED})
    if every:
        print("Why those ENOSYS answers are survivable:")
        for m in every:
            print(f"- `{m}`: {TOLERATED[m]}.")
        print()


if __name__ == "__main__":
    if len(sys.argv) >= 3 and sys.argv[1] == "verdicts":
        verdicts(sys.argv[2:])
    elif len(sys.argv) == 3 and sys.argv[1] == "server":
        server(sys.argv[2])
    else:
        sys.exit(__doc__)
