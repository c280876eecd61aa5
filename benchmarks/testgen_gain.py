"""Generated tests: how often the judge accepts each CodeNet status with sample tests only vs generated tests.

    python benchmarks/testgen_gain.py [--codenet-root PATH] [--seeds 1 2 3] [--no-write]

Ingests a CodeNet tree (default: the bundled sample) into benchmarks/.scratch/testgen/, runs the tests stage
(pipeline/testgen.py) with the `tests` and `execute` sections of params.yaml, once per seed (default: params'
seed), and writes the section "## Generated tests" of benchmarks/RESULTS.md (only that section is replaced):
per status, the fraction of submissions accepted by the judge with the derived sample test only, with the
statement samples added, with the generated tests added, and with all of them; the pooled false-Accepted rate
of Wrong Answer / Runtime Error / TLE submissions; held-out Accepted submissions (not used as labellers);
what happened to the candidates; and the time taken. With several seeds, the false-Accepted rates of every
seed are listed and the table is the first seed's.
"""
from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import results  # noqa: E402  (benchmarks/ is on sys.path when run as a script)
from pipeline import ingest, testgen  # noqa: E402
from pipeline.params import ExecuteParams, IngestParams, TestsParams, load, load_top  # noqa: E402

SECTION = "## Generated tests"
SCRATCH = REPO / "benchmarks" / ".scratch" / "testgen"


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    return f"{os.cpu_count()} x {cpu}, Linux {platform.release()}, Python {platform.python_version()}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--codenet-root", default=None, help="CodeNet tree [default: params.yaml ingest.codenet_root]")
    ap.add_argument("--params", default=str(REPO / "params.yaml"))
    ap.add_argument("--seeds", type=int, nargs="*", default=None, help="[default: params.yaml seed]")
    ap.add_argument("--no-write", action="store_true", help="print the section only")
    args = ap.parse_args()
    ing = load(IngestParams, args.params)
    root = args.codenet_root or ing.codenet_root
    prm, exe = load(TestsParams, args.params), load(ExecuteParams, args.params)
    seeds = args.seeds or [int(load_top("seed", args.params))]
    ingest.run(IngestParams(**{**ing.__dict__, "codenet_root": str(root)}), SCRATCH / "ingest")
    runs = []
    for seed in seeds:
        start = time.monotonic()
        summary = testgen.run(prm, exe, seed, SCRATCH / "ingest", SCRATCH / f"tests-{seed}")
        runs.append((seed, summary, time.monotonic() - start))
    seed, summary, seconds = runs[0]
    t = summary["tests"]
    rejected = ", ".join(f"{k} {v}" for k, v in t["rejected"].items() if v) or "none"
    load_avg = os.getloadavg()[0]
    lines = [
        SECTION, "",
        f"Machine: {machine()}; load average (1 min) {load_avg:.1f} at the end (shared machine). "
        f"Judge: {exe.backend} backend, {exe.workers} workers, time limit x {exe.time_limit_factor}.",
        "Command: `python benchmarks/testgen_gain.py"
        + (f" --codenet-root {args.codenet_root}" if args.codenet_root else "")
        + (f" --seeds {' '.join(map(str, seeds))}" if args.seeds else "") + "` "
        f"(data: `{root}`; params.yaml `tests`: candidates {prm.candidates}, max_tests {prm.max_tests}, "
        f"solutions {prm.solutions}, min_agreeing {prm.min_agreeing}, agreement {prm.agreement}, "
        f"size_growth {prm.size_growth}, value_growth {prm.value_growth}; seed {seed}).", "",
        "Fraction of submissions the judge calls Accepted, per CodeNet status, by the tests it judges with "
        "(derived = CodeNet's one sample test; statement = the statement's other samples; generated = this stage):",
        "",
        testgen.summary_markdown(summary), "",
        f"Tests: {t['problems_with_generated']} of {t['problems']} problems got generated tests; "
        f"{t['kept']} kept of {t['candidates']} candidates ({t['duplicate']} duplicates, {t['too_large']} too large "
        f"dropped before labelling; {t['labelled']} labelled, rejected: {rejected}; {t['not_labelled']} not "
        f"labelled once max_tests were kept). Stage time {seconds:.0f} s (generation, labelling and the "
        f"measurement above).",
    ]
    if len(runs) > 1:
        per_seed = []
        for s, r, _ in runs:
            m = r["measurement"]
            per_seed.append(f"seed {s}: derived {m['false_accepted']['derived']:.1%}, derived+generated "
                            f"{m['false_accepted']['derived+generated']:.1%}, Accepted kept "
                            f"{m['accepted_rate']['derived+statement+generated']['Accepted']:.1%}")
        lines += ["", "False-Accepted rate (WA + RE + TLE) per seed: " + "; ".join(per_seed)]
    text = "\n".join(lines) + "\n"
    print(text)
    if not args.no_write:
        results.write_section(SECTION, text)


if __name__ == "__main__":
    main()
