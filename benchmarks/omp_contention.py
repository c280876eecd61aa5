"""CPU decoding beside a busy process: OpenMP's spinning vs passive waiting threads.

    python benchmarks/omp_contention.py --model-dir models/policy/base [--steps 24] [--prompt-tokens 400] [--write]

Why: torch's CPU kernels run on OpenMP threads (one per core). With the default wait policy idle threads spin,
and a parallel region cannot finish until every thread has run: when another process holds a core, each of the
hundreds of small regions of a decoding step waits for the scheduler. `coderl` therefore sets
OMP_WAIT_POLICY=PASSIVE (pipeline/cli.py) unless the user set it.

What: greedy decoding of one sequence (batch 1 and batch 16) with a KV cache after a prompt of --prompt-tokens
tokens, in a fresh process per configuration (the policy is read when torch loads), with the machine as it is
("idle") and beside one busy process (a Python loop pinned to nothing, i.e. one core's worth of load). Spin and
passive alternate so that a change in the machine's load hits both alike. Reports ms per decoding step.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "benchmarks"))

import results  # noqa: E402  (benchmarks/ is on sys.path when run as a script)

SECTION = "## CPU decoding beside a busy process (OpenMP wait policy)"

CHILD = r"""
import json, sys, time, torch
from transformers import AutoModelForCausalLM
model_dir, prompt_tokens, steps, batch = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
model = AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch.float32).eval()
ids = torch.full((batch, prompt_tokens), 100, dtype=torch.long)
with torch.inference_mode():
    out = model(input_ids=ids, use_cache=True)
    cache, nxt = out.past_key_values, out.logits[:, -1:].argmax(-1)
    t0 = time.perf_counter()
    for _ in range(steps):
        out = model(input_ids=nxt, past_key_values=cache, use_cache=True)
        cache, nxt = out.past_key_values, out.logits[:, -1:].argmax(-1)
    print(json.dumps({"ms_per_step": (time.perf_counter() - t0) / steps * 1000}))
"""

BUSY = "while True: pass"
# Written under the table (measured 2026-11-26; rewrite it when the numbers change).
READING = """Reading: on an idle machine sleeping threads cost 13-23% per decoding step; beside one busy process they are
twice as fast, and the spinning default collapses further as load grows (a first look at load average 4-5, with
two other 2-thread torch processes running: 2,037 ms per batch-1 step with the default vs 97 ms with one thread;
not a benchmark row, the load was not controlled). `coderl` sets OMP_WAIT_POLICY=PASSIVE unless the user set it:
the pipeline's measured default run (below) already pays the idle cost. On a dedicated machine,
`OMP_WAIT_POLICY=ACTIVE dvc repro` takes it back.
"""



POLICIES = ("unset", "ACTIVE", "PASSIVE")


def decode_ms(model_dir: Path, policy: str, batch: int, args) -> float:
    env = {k: v for k, v in os.environ.items() if k != "OMP_WAIT_POLICY"}
    if policy != "unset":
        env["OMP_WAIT_POLICY"] = policy
    out = subprocess.run([sys.executable, "-c", CHILD, str(model_dir), str(args.prompt_tokens), str(args.steps),
                          str(batch)], env=env, capture_output=True, text=True, timeout=args.timeout)
    if out.returncode != 0:
        raise SystemExit(f"decoding child failed:\n{out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])["ms_per_step"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model-dir", type=Path, required=True, help="a prepared model directory (prepare-model)")
    ap.add_argument("--steps", type=int, default=24, help="decoding steps timed per configuration")
    ap.add_argument("--prompt-tokens", type=int, default=400)
    ap.add_argument("--batches", type=int, nargs="+", default=[1, 16])
    ap.add_argument("--timeout", type=int, default=600, help="seconds per configuration")
    ap.add_argument("--write", action="store_true", help="write the section of benchmarks/RESULTS.md")
    args = ap.parse_args()

    load_before = os.getloadavg()[0]
    rows = []
    for load in ("idle", "one busy process"):
        busy = subprocess.Popen([sys.executable, "-c", BUSY]) if load != "idle" else None
        try:
            for batch in args.batches:
                ms = {policy: decode_ms(args.model_dir, policy, batch, args) for policy in POLICIES}
                rows.append((load, batch, ms))
                print(rows[-1], flush=True)
        finally:
            if busy:
                busy.kill()
                busy.wait()
    load_after = os.getloadavg()[0]

    import torch

    lines = [
        SECTION,
        "",
        f"Machine: {os.cpu_count()} x {platform.processor() or platform.machine()}, no GPU, Python "
        f"{platform.python_version()}, torch {torch.__version__}, torch threads {torch.get_num_threads()}. Load "
        f"average (1 min) {load_before:.1f} before, {load_after:.1f} after.",
        f"Command: `python benchmarks/omp_contention.py {' '.join(sys.argv[1:])}`",
        "",
        f"Greedy decoding with a KV cache after a {args.prompt_tokens}-token prompt, {args.steps} steps per "
        f"configuration, a fresh process each (model: {args.model_dir}). unset = libgomp's default (threads spin "
        "for a while, then sleep), ACTIVE = threads always spin, PASSIVE = threads sleep at once (what `coderl` "
        "sets). The busy process is a Python busy loop (one core's worth of load). Policies alternate in each row.",
        "",
        "| machine | batch | ms/step unset | ms/step ACTIVE | ms/step PASSIVE | unset / PASSIVE |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    lines += [f"| {load} | {batch} | {ms['unset']:.0f} | {ms['ACTIVE']:.0f} | {ms['PASSIVE']:.0f} | "
              f"{ms['unset'] / ms['PASSIVE']:.2f} |" for load, batch, ms in rows]
    text = "\n".join(lines)
    print(text)
    if args.write:
        results.write_section(SECTION, text + "\n" + READING)


if __name__ == "__main__":
    main()
