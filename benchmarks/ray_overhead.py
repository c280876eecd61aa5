"""Ray engine overhead: executions/s of the execute stage's judge with engine ray vs engine local, one machine.

    python benchmarks/ray_overhead.py [--programs 1000] [--workers 2] [--rounds 5] [--batch-sizes 1,4,16,64]
                                      [--idle-s 10] [--no-write]

The same generated programs as benchmarks/sandbox_throughput.py (imported, seeded: ~1,000 short CodeNet-like
programs, one test each) are judged through `pipeline.engine.open_judge`, all in one run on this machine:
  local  open_judge(ExecuteParams(engine="local", workers=W)): a Sandbox of W fork servers
  ray    open_judge(ExecuteParams(engine="ray", ray_batch_size=B)): a local Ray cluster of W CPUs that the engine
         starts and stops itself (ray_address ""), W actors on it, each a one-worker Sandbox
`--rounds` rounds alternate local and ray (execute's default batch size) so that load drift on a shared machine
hits both; the overhead is the median over rounds of (ray time / local time - 1), in wall-clock time and in the
CPU time of the whole process tree (robust to other jobs on a shared machine). Then one ray run per batch
size in `--batch-sizes` (on one cluster this script starts). Start-up (cluster, actors, workers) is timed apart
from judging; every run must accept every program.

Writes the section "## Ray engine overhead" of benchmarks/RESULTS.md (only that section is replaced).
"""
from __future__ import annotations

import argparse
import logging
import os
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

import ray  # noqa: E402

import results  # noqa: E402  (benchmarks/ is on sys.path when run as a script)
from pipeline.engine import open_judge  # noqa: E402
from pipeline.params import ExecuteParams  # noqa: E402
from sandbox_throughput import LIMITS, machine, make_jobs  # noqa: E402

SECTION = "## Ray engine overhead"


def tree_cpu_s() -> float:
    """CPU seconds used so far by this process and all its descendants (Ray's daemons and actors, the fork
    servers, and through their cutime/cstime the programs they reaped), from /proc."""
    parent, cpu = {}, {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # exited meanwhile
            continue
        parent[int(entry)] = int(fields[1])
        cpu[int(entry)] = sum(int(f) for f in fields[11:15]) / os.sysconf("SC_CLK_TCK")  # utime stime cutime cstime
    mine, total = {os.getpid()}, 0.0
    grew = True  # a child's pid is not always above its parent's: grow the set to a fixed point
    while grew:
        grew = False
        for pid, ppid in parent.items():
            if ppid in mine and pid not in mine:
                mine.add(pid)
                grew = True
    for pid in mine:
        total += cpu.get(pid, 0.0)
    return total


def judge_all(prm: ExecuteParams, jobs) -> tuple[float, float, int, float]:
    """(seconds to open the engine, seconds to judge every job, accepted, CPU seconds the judging took in this
    process tree) through open_judge."""
    start = time.perf_counter()
    with open_judge(prm) as judge:
        opened, cpu_before = time.perf_counter(), tree_cpu_s()
        accepted = sum(j.verdict == "Accepted" for _, j in judge.judge_many(jobs))
        done, cpu = time.perf_counter(), tree_cpu_s() - cpu_before
    return opened - start, done - opened, accepted, cpu


def idle_cpu_share(prm: ExecuteParams, seconds: float) -> float:
    """Cores the open engine (and, for ray, the cluster's daemons) use while judging nothing, over `seconds`."""
    with open_judge(prm):
        time.sleep(2.0)  # let start-up activity settle
        before, start = tree_cpu_s(), time.perf_counter()
        time.sleep(seconds)
        return (tree_cpu_s() - before) / (time.perf_counter() - start)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--programs", type=int, default=1000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--batch-sizes", default="1,4,16,64")
    ap.add_argument("--idle-s", type=float, default=10.0, help="seconds to measure each engine's idle CPU")
    ap.add_argument("--no-write", action="store_true", help="print the section only")
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING)
    sizes = [int(b) for b in args.batch_sizes.split(",")]
    default_batch = ExecuteParams().ray_batch_size
    jobs = make_jobs(args.programs)
    local = ExecuteParams(engine="local", workers=args.workers)
    load_before = os.getloadavg()[0]

    rounds = []  # (local open, local s, local ok, local cpu, ray open, ray s, ray ok, ray cpu)
    for _ in range(args.rounds):  # engine ray as configured by default: it starts (and stops) its own cluster
        rounds.append((*judge_all(local, jobs),
                       *judge_all(ExecuteParams(engine="ray", workers=args.workers, ray_batch_size=default_batch),
                                  jobs)))
    ray.init(num_cpus=args.workers, include_dashboard=False, logging_level=logging.WARNING)  # one for the sweep
    sweep = [(b, *judge_all(ExecuteParams(engine="ray", workers=args.workers, ray_batch_size=b), jobs))
             for b in sizes]
    ray_idle = idle_cpu_share(ExecuteParams(engine="ray", workers=args.workers), args.idle_s)
    ray.shutdown()
    local_idle = idle_cpu_share(local, args.idle_s)
    load_after = os.getloadavg()[0]

    n = args.programs
    wall = [r[5] / r[1] - 1 for r in rounds]
    cpu = [r[7] / r[3] - 1 for r in rounds]
    lines = [
        SECTION, "",
        f"Machine: {machine()}. Load average (1 min) {load_before:.1f} before, {load_after:.1f} after.",
        f"Command: `python benchmarks/ray_overhead.py --programs {n} --workers {args.workers} --rounds {args.rounds} "
        f"--batch-sizes {args.batch_sizes}` (Ray {ray.__version__})", "",
        f"The {n} programs of benchmarks/sandbox_throughput.py (one test each, limits {LIMITS.time_ms} ms / "
        f"{LIMITS.memory_kb // 1024} MB) through `pipeline.engine.open_judge`, {args.workers} workers: engine local "
        f"(a Sandbox of {args.workers} fork servers) vs engine ray (a local Ray cluster of {args.workers} CPUs: "
        f"{args.workers} actors, each a one-worker Sandbox, batches of {default_batch}, the params.yaml default, "
        "started by the engine itself as with `ray_address: \"\"`, and stopped after each run: no Ray process runs "
        "during the local runs). Rounds alternate local and ray so that load drift hits both. Wall-clock rates "
        "count judging time only (start-up apart). CPU is what the judging used in this benchmark's whole process "
        "tree (driver, Ray's daemons and actors, fork servers, programs; from /proc): on a dedicated machine, "
        "where judging is CPU-bound, it sets the rate, and other jobs on a shared machine barely change it.", "",
        "| round | local s | local exec/s | ray s | ray exec/s | wall overhead | local CPU ms/program "
        "| ray CPU ms/program | CPU overhead | accepted (local, ray) |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for i, (r, w, c) in enumerate(zip(rounds, wall, cpu), 1):
        lines.append(f"| {i} | {r[1]:.2f} | {n / r[1]:.1f} | {r[5]:.2f} | {n / r[5]:.1f} | {w:+.1%} | "
                     f"{r[3] / n * 1000:.2f} | {r[7] / n * 1000:.2f} | {c:+.1%} | {r[2]}/{n}, {r[6]}/{n} |")
    target = 0.15
    met = max(statistics.median(wall), statistics.median(cpu)) <= target
    lines += [
        "",
        f"**Ray engine overhead, median over the rounds: wall clock {statistics.median(wall):+.1%} "
        f"(range {min(wall):+.1%} to {max(wall):+.1%}), CPU {statistics.median(cpu):+.1%} "
        f"(range {min(cpu):+.1%} to {max(cpu):+.1%})**; target: within {target:.0%} "
        f"({'met by both medians' if met else 'NOT met by at least one median'}).",
        "",
        "Start-up, not in the rates (median over rounds): engine local "
        f"{statistics.median(r[0] for r in rounds):.2f} s (fork servers); engine ray "
        f"{statistics.median(r[4] for r in rounds):.2f} s (a local Ray cluster, then its actors and their fork "
        "servers; joining a running cluster skips the first part).",
        "",
        f"Idle (engine open, nothing to judge, {args.idle_s:.0f} s after 2 s of settling): engine local uses "
        f"{local_idle * 1000:.0f} ms of CPU per second; engine ray {ray_idle * 1000:.0f} ms per second "
        "(Ray's daemons: GCS, raylet, agents; a fixed cost per node, whatever the jobs).",
        "",
        "Ray batch size (jobs per Ray task): one run each after the rounds, all on one Ray cluster started by this "
        "script (compare within this table: the load drifts between it and the rounds):",
        "",
        "| ray_batch_size | seconds | exec/s | CPU ms/program | accepted |",
        "|---:|---:|---:|---:|---:|",
    ]
    for b, _, seconds, ok, cpu_s in sweep:
        lines.append(f"| {b} | {seconds:.2f} | {n / seconds:.1f} | {cpu_s / n * 1000:.2f} | {ok}/{n} |")
    lines.append("")
    text = "\n".join(lines)
    print(text)
    if not args.no_write:
        results.write_section(SECTION, text)


if __name__ == "__main__":
    main()
