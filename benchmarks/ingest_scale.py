"""Ingest at scale: rows/s and peak RSS on synthetic CodeNet-layout trees of 100 k and 1 M Python submissions.

    python benchmarks/ingest_scale.py --sizes 100000 1000000 [--workers 2] [--keep]

The synthetic tree mimics full CodeNet's shape: ~4,000 problems with a skewed number of submissions each, three
metadata rows of other languages per Python row (13.9 M rows for 3.3 M Python submissions), small programs
(~300 bytes), statements with samples. Peak RSS is that of the ingest process tree (main + workers), sampled
from /proc every 20 ms. Results print as a Markdown table for benchmarks/RESULTS.md.
"""
from __future__ import annotations

import argparse
import csv
import os
import platform
import random
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from pipeline import codenet  # noqa: E402

SCRATCH = REPO / "benchmarks" / ".scratch"
STATUSES = ["Accepted"] * 5 + ["Wrong Answer"] * 3 + ["Runtime Error", "Time Limit Exceeded", "Compile Error"]
HTML = "<H1>P</H1><p>Add numbers.</p><H2>Sample Input 1</H2><pre>\n1 2\n</pre><H2>Sample Output 1</H2><pre>\n3\n</pre>\n"


def generate(root: Path, n_python: int, n_problems: int = 4000, seed: int = 0) -> None:
    """Write a CodeNet-layout tree with n_python Python submissions (skewed over problems)."""
    rng = random.Random(seed)
    weights = [1.0 / (i + 1) ** 0.8 for i in range(n_problems)]  # a few problems have thousands
    total = sum(weights)
    counts = [max(1, int(n_python * w / total)) for w in weights]
    counts[0] += n_python - sum(counts)
    (root / "metadata").mkdir(parents=True)
    (root / "problem_descriptions").mkdir()
    sid = 0
    with (root / "metadata" / "problem_list.csv").open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(codenet.PROBLEM_LIST_HEADER)
        for p in range(n_problems):
            w.writerow([f"p{p:05d}", f"Problem {p}", "AtCoder", 2000, 262144, "", "", ""])
    for p, count in enumerate(counts):
        pid = f"p{p:05d}"
        (root / "problem_descriptions" / f"{pid}.html").write_text(HTML)
        pydir = root / "data" / pid / "Python"
        pydir.mkdir(parents=True)
        with (root / "metadata" / f"{pid}.csv").open("w", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(codenet.METADATA_HEADER)
            for _ in range(count):
                for lang, orig, ext in [("C++", "C++14 (GCC 5.4.1)", "cpp")] * 3 + [("Python", "Python (3.8.2)", "py")]:
                    sid += 1
                    name = f"s{sid:09d}"
                    if lang == "Python":
                        code = (
                            f"# {name}\nimport sys\n\ndef main():\n    a, b = map(int, sys.stdin.read().split())\n"
                            f"    print(a + b + {rng.randint(0, 9)} - {rng.randint(0, 9)})\n\nif __name__ == '__main__':\n"
                            f"    main()\n" + "#" * rng.randint(0, 200) + "\n"
                        )
                        (pydir / f"{name}.py").write_text(code)
                    w.writerow(
                        [name, pid, f"u{rng.randint(0, 10**9):09d}", 1500000000 + sid, lang, orig, ext,
                         rng.choice(STATUSES), rng.randint(10, 500), rng.randint(3000, 30000), 250, ""]
                    )


def tree_rss_kb(pid: int) -> int:
    """Resident memory of a process and all its descendants, from /proc."""
    total, stack = 0, [pid]
    while stack:
        p = stack.pop()
        try:
            with open(f"/proc/{p}/status") as fh:
                total += next((int(line.split()[1]) for line in fh if line.startswith("VmRSS:")), 0)
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as fh:
                    stack.extend(int(c) for c in fh.read().split())
        except (FileNotFoundError, ProcessLookupError):
            continue
    return total


def measure(root: Path, out: Path, workers: int) -> tuple[float, float, int, dict]:
    params = out.parent / f"params-{out.name}.yaml"
    params.write_text(f"seed: 1\nlr: 1.0e-5\ningest:\n  codenet_root: {root}\n  workers: {workers}\n")
    cmd = [sys.executable, "-m", "pipeline", "ingest", "--params", str(params), "--out", str(out)]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=REPO, stderr=subprocess.DEVNULL)
    peak = 0
    while proc.poll() is None:
        peak = max(peak, tree_rss_kb(proc.pid))
        time.sleep(0.02)
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)  # the ingest process and its pool workers
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    if proc.returncode:
        raise SystemExit(f"ingest failed with exit code {proc.returncode}")
    import json

    return elapsed, cpu, peak, json.loads((out / "summary.json").read_text())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--keep", action="store_true", help="keep the generated trees in benchmarks/.scratch")
    args = ap.parse_args()
    rows = []
    for size in args.sizes:
        root = SCRATCH / f"codenet-{size}" / "Project_CodeNet"
        if not (root / "metadata").exists():
            shutil.rmtree(root.parent, ignore_errors=True)
            t = time.perf_counter()
            generate(root, size)
            print(f"generated {size} Python submissions in {time.perf_counter() - t:.0f} s", file=sys.stderr)
        elapsed, cpu, peak, summary = measure(root, root.parent / "out", args.workers)
        rows.append((size, summary["rows_read"], summary["kept"], elapsed, cpu, peak / 1024))
        if not args.keep:
            shutil.rmtree(root.parent)
    print(f"\nMachine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
          f"command: python benchmarks/ingest_scale.py --sizes {' '.join(map(str, args.sizes))} --workers {args.workers}\n")
    # CPU-bound: on a shared machine the wall rate understates; kept / CPU-seconds x cores is what the same
    # run gives with the cores to itself (load average printed for context).
    print(f"Load average while running: {os.getloadavg()[0]:.1f}\n")
    print("| Python submissions | metadata rows | kept | wall s | submissions/s (wall) | CPU s | submissions/s per 2 cores (CPU) | peak RSS MiB |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    for size, read, kept, elapsed, cpu, peak_mb in rows:
        print(f"| {size:,} | {read:,} | {kept:,} | {elapsed:.1f} | {kept / elapsed:,.0f} | {cpu:.1f} | "
              f"{kept / cpu * min(2, os.cpu_count() or 1):,.0f} | {peak_mb:.0f} |")
    if len(rows) >= 2:
        print(f"\nPeak RSS ratio largest/smallest: {rows[-1][5] / rows[0][5]:.2f}")


if __name__ == "__main__":
    main()
