"""Sandbox throughput: executions/s of the local and docker backends against starting a fresh interpreter.

    python benchmarks/sandbox_throughput.py [--programs 1000] [--workers 2] [--overhead-runs 300] [--no-write]

1,000 short CodeNet-like programs (generated, seeded: read numbers or a string, compute, print) with one test
each are judged, all in one run on this machine:
  naive   `subprocess.run([sys.executable, Main.py], input=..., timeout=...)` per program, `--workers` at a time
  local   Sandbox("local", workers).judge_many(jobs)
  docker  Sandbox("docker", workers).judge_many(jobs)   (skipped, and said so, without dockerd or the image)
Every backend's verdicts are checked against the expected outputs (all must be Accepted).

Per-execution overhead of the local backend, one worker, sequential: the mean wall time of `Sandbox.run` on an
empty program, the CPU time that run costs (host + server + program, from /proc: independent of other load),
and (sandbox time - in-process time) / programs for the same programs exec()'d in this process.

Writes the section "## Sandbox throughput" of benchmarks/RESULTS.md (only that section is replaced).
"""
from __future__ import annotations

import argparse
import io
import os
import platform
import random
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import redirect_stdout
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import results  # noqa: E402  (benchmarks/ is on sys.path when run as a script)
from sandbox import Job, Limits, Sandbox, compare_output  # noqa: E402

SECTION = "## Sandbox throughput"
LIMITS = Limits(time_ms=2000, memory_kb=256 * 1024)
TOLERANCE = 1e-6


# ------------------------------------------------------------------------------------------ the programs
def _numbers(rng: random.Random) -> list[int]:
    return [rng.randint(-1000, 1000) for _ in range(rng.randint(1, 60))]


def _program(rng: random.Random) -> tuple[str, str, str]:
    """(code, stdin, expected stdout) of one small contest-style program, in one of a dozen shapes."""
    xs = _numbers(rng)
    n_line = f"{len(xs)}\n{' '.join(map(str, xs))}\n"
    read = rng.choice([
        "n = int(input())\na = list(map(int, input().split()))\n",
        "import sys\ndata = sys.stdin.read().split()\nn = int(data[0])\na = [int(x) for x in data[1:]]\n",
        "import sys\ninput = sys.stdin.readline\nn = int(input())\na = list(map(int, input().split()))\n",
    ])
    kind = rng.randrange(12)
    if kind == 0:
        return read + "print(sum(a))\n", n_line, f"{sum(xs)}\n"
    if kind == 1:
        return read + "print(max(a) - min(a))\n", n_line, f"{max(xs) - min(xs)}\n"
    if kind == 2:
        return read + "print(*sorted(a))\n", n_line, " ".join(map(str, sorted(xs))) + "\n"
    if kind == 3:
        code = read + "from math import gcd\nfrom functools import reduce\nprint(reduce(gcd, map(abs, a)))\n"
        from functools import reduce
        from math import gcd
        return code, n_line, f"{reduce(gcd, map(abs, xs))}\n"
    if kind == 4:
        code = read + "from collections import Counter\nc = Counter(a)\nprint(max(c.values()))\n"
        from collections import Counter
        return code, n_line, f"{max(Counter(xs).values())}\n"
    if kind == 5:
        code = read + "best = cur = a[0]\nfor x in a[1:]:\n    cur = max(x, cur + x)\n    best = max(best, cur)\n" \
                      "print(best)\n"
        best = cur = xs[0]
        for x in xs[1:]:
            cur = max(x, cur + x)
            best = max(best, cur)
        return code, n_line, f"{best}\n"
    if kind == 6:
        k = rng.randint(1, 80)
        code = "k = int(input())\na, b = 0, 1\nfor _ in range(k):\n    a, b = b, a + b\nprint(a)\n"
        a, b = 0, 1
        for _ in range(k):
            a, b = b, a + b
        return code, f"{k}\n", f"{a}\n"
    if kind == 7:
        s = "".join(rng.choice("abcxyz") for _ in range(rng.randint(1, 40)))
        code = "s = input()\nprint('Yes' if s == s[::-1] else 'No')\nprint(s.upper())\n"
        return code, s + "\n", ("Yes" if s == s[::-1] else "No") + f"\n{s.upper()}\n"
    if kind == 8:
        code = read + "print(f'{sum(a) / n:.6f}')\n"
        return code, n_line, f"{sum(xs) / len(xs):.6f}\n"
    if kind == 9:
        w = rng.randint(1, 50)
        code = (read + "w = a[0] % 50 + 1\nitems = [abs(x) % 20 + 1 for x in a]\ndp = [0] * (w + 1)\n"
                "for it in items:\n    for c in range(w, it - 1, -1):\n        dp[c] = max(dp[c], dp[c - it] + it)\n"
                "print(dp[w])\n")
        w = xs[0] % 50 + 1
        dp = [0] * (w + 1)
        for it in [abs(x) % 20 + 1 for x in xs]:
            for c in range(w, it - 1, -1):
                dp[c] = max(dp[c], dp[c - it] + it)
        return code, n_line, f"{dp[w]}\n"
    if kind == 10:
        code = read + "import bisect\nb = sorted(a)\nprint(bisect.bisect_left(b, 0), bisect.bisect_right(b, 0))\n"
        import bisect
        ys = sorted(xs)
        return code, n_line, f"{bisect.bisect_left(ys, 0)} {bisect.bisect_right(ys, 0)}\n"
    m = rng.randint(1, 300)
    code = ("m = int(input())\nsieve = [True] * (m + 1)\ncount = 0\nfor i in range(2, m + 1):\n    if sieve[i]:\n"
            "        count += 1\n        for j in range(i * i, m + 1, i):\n            sieve[j] = False\n"
            "print(count)\n")
    return code, f"{m}\n", f"{sum(all(i % d for d in range(2, i)) for i in range(2, m + 1))}\n"


def make_jobs(count: int, seed: int = 0) -> list[Job]:
    rng = random.Random(seed)
    return [Job(code, ((stdin, expected),), LIMITS, TOLERANCE) for code, stdin, expected in
            (_program(rng) for _ in range(count))]


# ------------------------------------------------------------------------------------------ the runs
def run_naive(jobs: list[Job], workers: int) -> tuple[float, int]:
    """(seconds, accepted) starting one interpreter per program."""
    with tempfile.TemporaryDirectory() as tmp:
        def one(i_job):
            i, job = i_job
            path = Path(tmp) / f"Main{i}.py"
            path.write_text(job.code)
            (stdin, expected), = job.tests
            done = subprocess.run([sys.executable, str(path)], input=stdin.encode(), capture_output=True,
                                  timeout=LIMITS.time_ms / 1000 * 2 + 1)
            return done.returncode == 0 and compare_output(done.stdout, expected, TOLERANCE) == "Accepted"

        start = time.perf_counter()
        with ThreadPoolExecutor(workers) as pool:
            accepted = sum(pool.map(one, enumerate(jobs)))
        return time.perf_counter() - start, accepted


def run_sandbox(backend: str, jobs: list[Job], workers: int) -> tuple[float, int, float]:
    """(seconds, accepted, seconds to start the workers) judging all jobs with judge_many."""
    start = time.perf_counter()
    with Sandbox(backend, workers=workers) as box:
        started = time.perf_counter()
        accepted = sum(j.verdict == "Accepted" for _, j in box.judge_many(jobs))
        return time.perf_counter() - started, accepted, started - start


def in_process_seconds(jobs: list[Job]) -> float:
    """The same programs exec()'d in this process (stdin/stdout redirected): the work itself."""
    start = time.perf_counter()
    for job in jobs:
        (stdin, _), = job.tests
        sys.stdin = io.StringIO(stdin)
        with redirect_stdout(io.StringIO()):
            exec(compile(job.code, "Main.py", "exec"), {"__name__": "__main__"})
    sys.stdin = sys.__stdin__
    return time.perf_counter() - start


def _server_cpu_s(pid: int) -> float:
    """CPU seconds of a harness server and of its reaped children (the programs), from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return sum(int(f) for f in fields[11:15]) / os.sysconf("SC_CLK_TCK")  # utime stime cutime cstime


def overhead_ms(jobs: list[Job], empty_runs: int) -> tuple[float, float, float]:
    """Local backend, one worker, sequential: (mean wall ms of Sandbox.run on an empty program, CPU ms that
    run costs in all (host + server + child: what the wall time would be on an idle machine), and
    (sandbox - in-process) wall ms per program)."""
    with Sandbox("local", workers=1) as box:
        server = box._workers[0].proc.pid
        box.run("pass", b"", LIMITS)  # warm
        start, host_cpu, server_cpu = time.perf_counter(), time.process_time(), _server_cpu_s(server)
        for _ in range(empty_runs):
            box.run("pass", b"", LIMITS)
        empty = (time.perf_counter() - start) / empty_runs * 1000
        cpu = (time.process_time() - host_cpu + _server_cpu_s(server) - server_cpu) / empty_runs * 1000
        start = time.perf_counter()
        for job in jobs:
            box.judge(job)
        sandboxed = time.perf_counter() - start
    return empty, cpu, (sandboxed - in_process_seconds(jobs)) / len(jobs) * 1000


PRELOAD_PROBE = """
import os, sys, time
os.environ["OPENBLAS_NUM_THREADS"] = "1"
for name in sys.argv[1:]:
    __import__(name)
from sandbox.harness import PRELOAD
for name in PRELOAD:
    __import__(name)
peak, start = 0, time.perf_counter()
for _ in range(200):
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    peak = max(peak, os.wait4(pid, 0)[2].ru_maxrss)
print(peak, (time.perf_counter() - start) / 200 * 1000)
"""


def preload_costs() -> list[tuple[str, int, float]]:
    """(what the server pre-imports, peak RSS KB of a forked child that does nothing, ms per fork + exit):
    the measurement behind not pre-importing numpy and scipy in the harness."""
    rows = []
    for extra in ([], ["numpy"], ["numpy", "scipy", "scipy.optimize", "scipy.sparse.csgraph"]):
        out = subprocess.run([sys.executable, "-c", PRELOAD_PROBE, *extra], capture_output=True, text=True,
                             cwd=REPO, check=True).stdout.split()
        rows.append(("stdlib" + "".join(f" + {m}" for m in extra), int(out[0]), float(out[1])))
    # VmHWM, not ru_maxrss: after exec, ru_maxrss still counts the forked parent's pages
    hwm = "print(open('/proc/self/status').read().split('VmHWM:')[1].split()[0])"
    bare = subprocess.run([sys.executable, "-c", hwm], capture_output=True, text=True, check=True).stdout
    rows.append(("(a bare `python -c ...`, for comparison)", int(bare), float("nan")))
    return rows


# ------------------------------------------------------------------------------------------ report
def machine() -> str:
    cpu = next((ln.split(":", 1)[1].strip() for ln in Path("/proc/cpuinfo").read_text().splitlines()
                if ln.startswith("model name")), platform.processor())
    mem_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    try:
        docker = subprocess.run(["docker", "version", "--format", "{{.Server.Version}}"], capture_output=True,
                                text=True, timeout=10).stdout.strip() or "unavailable"
    except (OSError, subprocess.TimeoutExpired):
        docker = "unavailable"
    return (f"{os.cpu_count()} x {cpu}, {mem_gib:.0f} GiB RAM, Linux {platform.release()}, "
            f"Python {platform.python_version()}, dockerd {docker}, running as uid {os.geteuid()}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--programs", type=int, default=1000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--overhead-runs", type=int, default=300)
    ap.add_argument("--no-write", action="store_true", help="print the section only")
    args = ap.parse_args()
    jobs = make_jobs(args.programs)
    load_before = os.getloadavg()[0]
    rows = []
    naive_s, naive_ok = run_naive(jobs, args.workers)
    rows.append(("naive: subprocess per program", naive_s, naive_ok, ""))
    local_s, local_ok, local_start = run_sandbox("local", jobs, args.workers)
    rows.append(("local backend", local_s, local_ok, f"{local_start:.2f} s"))
    try:
        docker_s, docker_ok, docker_start = run_sandbox("docker", jobs, args.workers)
        rows.append(("docker backend", docker_s, docker_ok, f"{docker_start:.2f} s"))
    except RuntimeError as e:
        rows.append((f"docker backend: not run ({e})", float("nan"), 0, ""))
    empty_ms, cpu_ms, extra_ms = overhead_ms(jobs, args.overhead_runs)
    preloads = preload_costs()
    load_after = os.getloadavg()[0]

    lines = [
        SECTION, "",
        f"Machine: {machine()}. Load average (1 min) {load_before:.1f} before, {load_after:.1f} after.",
        f"Command: `python benchmarks/sandbox_throughput.py --programs {args.programs} --workers {args.workers} "
        f"--overhead-runs {args.overhead_runs}`", "",
        f"{args.programs} generated CodeNet-like programs (read numbers or a string, compute, print), one test "
        f"each, {args.workers} at a time; limits {LIMITS.time_ms} ms / {LIMITS.memory_kb // 1024} MB.", "",
        "| runner | seconds | executions/s | x naive | accepted | worker start-up |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name, seconds, ok, start in rows:
        rate = args.programs / seconds if seconds == seconds else float("nan")
        lines.append(f"| {name} | {seconds:.2f} | {rate:.1f} | {naive_s / seconds:.1f} | {ok}/{args.programs} "
                     f"| {start} |")
    lines += [
        "",
        "Local backend per-execution overhead (1 worker, sequential, host round trip included):",
        f"- wall: {empty_ms:.2f} ms per `Sandbox.run` of an empty program; {extra_ms:.2f} ms per program over "
        f"exec()'ing the same {args.programs} programs in this process;",
        f"- CPU: {cpu_ms:.2f} ms per empty run, host + server + child together (about what the wall time would be "
        "on an idle machine; the wall figures above include waiting for a core on this shared one).",
        "",
        "What pre-importing numpy/scipy in the fork server would cost every program (why the harness does not):",
        "",
        "| server pre-imports | peak RSS of a forked child that does nothing | fork + exit |",
        "|---|---:|---:|",
        *[f"| {name} | {kb / 1024:.1f} MB | {f'{ms:.2f} ms' if ms == ms else '-'} |" for name, kb, ms in preloads],
        "",
    ]
    text = "\n".join(lines)
    print(text)
    if not args.no_write:
        results.write_section(SECTION, text)


if __name__ == "__main__":
    main()
