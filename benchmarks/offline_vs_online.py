"""Offline vs online RLOO: what each costs for the same optimiser steps, and the pass@k each reaches.

    python benchmarks/offline_vs_online.py [--model-dir DIR] [--steps 8] [--problems-per-step 2]
        [--max-new-tokens 192] [--eval-n 4] [--lr LR] [--warmup-steps 40] [--write]

One run, same starting model, same train problems (the train split of the bundled sample: every one of them has
groups in data/groups/groups.parquet), same number of optimiser steps and sequences per step:
- offline ``rloo`` trains on the groups stage's human programs (executed once, upstream, by the execute stage):
  ``train.batch_size`` = problems_per_step x group_size rows per step;
- ``online_rloo`` samples group_size completions for each of problems_per_step problems per step from the current
  policy, judges them in the sandbox and trains on them (pipeline/train/online.py).
Both are `coderl train` subprocesses (so each reports its own peak memory) with a scratch params.yaml: the repo's
params with the benchmark's overrides (train.max_steps, train.batch_size, online.problems_per_step,
evaluate.max_new_tokens, evaluate.n). Their cost reports (cost.json) are compared component by component; then
each trained model, and the starting model, is evaluated with `coderl evaluate` on the test split.

The starting model is the tiny random Llama of the tests (hidden 32, 2 layers, SmolLM2 vocabulary) after
``--warmup-steps`` of SFT with our loop on the train split's Accepted programs: a random model writes gibberish
whose programs all get a Compile Error, so every online group would have equal rewards and no step would update;
after the warm-up it writes code-like text that fails in different ways, as a weak real model does. With
``--model-dir`` (e.g. models/policy/base, SmolLM2-135M-Instruct) that model is used as is (no warm-up).
Needs the pipeline's data: `dvc repro groups tests` first.
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq
import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.results import write_section  # noqa: E402
from benchmarks.train_throughput import machine, tiny_model_dir  # noqa: E402

SCRATCH = REPO / "benchmarks" / ".scratch" / "offline_vs_online"
SECTION = "## Offline vs online RLOO"
GROUPS = REPO / "data" / "groups" / "groups.parquet"
PROBLEMS = REPO / "data" / "tests" / "problems.parquet"
VERDICTS = REPO / "data" / "execute" / "verdicts.parquet"
ALGORITHMS = ("rloo", "online_rloo")


def sh(args: list[str]) -> float:
    """Run a coderl command from the repo root; returns its wall seconds (output goes to a log file)."""
    SCRATCH.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    with (SCRATCH / "log.txt").open("a") as log:
        log.write(f"\n$ {' '.join(args)}\n")
        log.flush()
        proc = subprocess.run([sys.executable, "-m", "pipeline", *args], cwd=REPO, stdout=log, stderr=log)
    if proc.returncode:
        raise SystemExit(f"`coderl {' '.join(args)}` failed ({proc.returncode}); see {SCRATCH / 'log.txt'}")
    return time.perf_counter() - t0


def benchmark_params(args) -> dict:
    """The repo's params.yaml with the benchmark's settings."""
    params = yaml.safe_load((REPO / "params.yaml").read_text())
    if args.lr:
        params["lr"] = args.lr
    group_size = params["groups"]["group_size"]
    params["train"].update(max_steps=args.steps, batch_size=args.problems_per_step * group_size, grad_accum=1,
                           checkpoint_every=0, eval_every=0)
    params["online"]["problems_per_step"] = args.problems_per_step
    params["evaluate"].update(max_new_tokens=args.max_new_tokens, n=args.eval_n,
                              k=[k for k in (1, 2, 4, 8) if k <= args.eval_n])
    return params


def write_params(path: Path, params: dict) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(params, sort_keys=False))
    return path


def rel(path: Path) -> str:
    return str(path.relative_to(REPO)) if path.is_relative_to(REPO) else str(path)


def train(params: Path, algorithm: str, model_dir: Path, name: str) -> tuple[dict, float, list[str]]:
    out = SCRATCH / "runs" / name
    args = ["train", "--params", rel(params), "--algorithm", algorithm, "--groups", rel(GROUPS),
            "--problems", rel(PROBLEMS), "--base", rel(model_dir), "--out", rel(out / "model"),
            "--checkpoints", rel(out / "ckpt"), "--metrics", rel(out / "metrics")]
    seconds = sh(args)
    return json.loads((out / "metrics" / "cost.json").read_text()), seconds, args


def evaluate(params: Path, model_dir: Path, name: str) -> dict:
    out = SCRATCH / "eval" / name
    sh(["evaluate", "--params", rel(params), "--model-dir", rel(model_dir), "--name", name,
        "--problems", rel(PROBLEMS), "--out", rel(out), "--metrics", rel(out / "metrics.json"),
        "--plots", rel(out / "plots")])
    return json.loads((out / "metrics.json").read_text())[name]


def warm_start(params: dict, steps: int, lr: float) -> Path:
    """The tiny random Llama after ``steps`` of SFT on the train split (see the module docstring)."""
    warm = SCRATCH / "runs" / "warm-start"
    params = {**params, "lr": lr, "train": {**params["train"], "max_steps": steps, "batch_size": 4}}
    sh(["train", "--params", rel(write_params(SCRATCH / "warm-params.yaml", params)), "--algorithm", "sft",
        "--groups", rel(GROUPS), "--base", rel(tiny_model_dir()), "--out", rel(warm / "model"),
        "--checkpoints", rel(warm / "ckpt"), "--metrics", rel(warm / "metrics")])
    return warm / "model"


def fmt(value: float, digits: int = 1) -> str:
    return f"{value:,.{digits}f}"


def report(args, argv: list[str], params: dict, costs: dict[str, dict], walls: dict[str, float], evals: dict[str, dict],
           model_name: str, loads: tuple[float, float], commands: dict[str, list[str]]) -> str:
    off, on = costs["rloo"], costs["online_rloo"]
    for cost in (off, on):
        cost["seconds_per_update"] = cost["loop_s"] / cost["optimiser_steps"] if cost["optimiser_steps"] else 0.0
    group_size, lr = params["groups"]["group_size"], params["lr"]
    rows = [
        ("generation (s)", "generation_s", 1), ("execution in the sandbox (s)", "execution_s", 1),
        ("optimisation (s)", "optimisation_s", 1), ("training loop (s)", "loop_s", 1),
        ("train stage total, incl. model load and save (s)", "total_s", 1),
        ("seconds per optimiser step (loop / steps)", "seconds_per_step", 2),
        ("seconds per update (loop / steps that updated)", "seconds_per_update", 2),
        ("tokens generated", "tokens_generated", 0), ("samples judged", "samples_judged", 0),
        ("distinct programs executed", "programs_executed", 0), ("steps", "steps", 0),
        ("steps that updated the policy", "optimiser_steps", 0),
        ("steps skipped (all groups of equal reward)", "skipped_steps", 0),
        ("peak RSS of the train process (MiB)", "peak_rss_mib", 0),
    ]
    lines = [
        SECTION, "",
        "The same starting model, train problems and number of optimiser steps for offline RLOO (human programs, "
        "executed once upstream) and online RLOO (sample, execute, train at every step) in one run; costs from "
        "each run's cost report (`metrics/train/<algorithm>/cost.json`), pass@k from `coderl evaluate` on the test "
        "split (see the docstring of benchmarks/offline_vs_online.py).", "",
        f"Machine: {machine()}. Load average (1 min) {loads[0]:.1f} before, {loads[1]:.1f} after (other jobs "
        "shared the machine). No GPU was available to this run: the default model (SmolLM2-135M) on a GPU is "
        "still to be measured (`--model-dir models/policy/base` on a CUDA machine).",
        f"Command: `python benchmarks/offline_vs_online.py {' '.join(argv)}`", "",
        f"Model: {model_name}. Steps: {args.steps} at lr {lr:g}, each on {args.problems_per_step * group_size} "
        f"sequences (offline: {args.problems_per_step * group_size} groups rows; online: {args.problems_per_step} "
        f"problems x {group_size} samples, with the `evaluate` section's temperature "
        f"{params['evaluate']['temperature']} and top_p {params['evaluate']['top_p']}, max_new_tokens "
        f"{args.max_new_tokens}); the repo's params otherwise.", "",
        "| cost | offline rloo | online rloo | online / offline |", "|---|---:|---:|---:|",
    ]
    for label, key, digits in rows:
        a, b = off.get(key, 0), on.get(key, 0)
        ratio = f"{b / a:.1f}x" if a else ("-" if not b else "offline 0")
        lines.append(f"| {label} | {fmt(a, digits)} | {fmt(b, digits)} | {ratio} |")
    lines.append(f"| wall time of the `coderl train` process (s) | {fmt(walls['rloo'])} | "
                 f"{fmt(walls['online_rloo'])} | {walls['online_rloo'] / walls['rloo']:.1f}x |")
    loop = on["loop_s"] or 1.0
    judged = pq.ParquetFile(VERDICTS).metadata.num_rows if VERDICTS.exists() else "every"
    reading = (f"Online, generation took {on['generation_s'] / loop:.0%} of the loop and the sandbox "
               f"{on['execution_s'] / loop:.1%}. ")
    if on["skipped_steps"]:
        reading += (f"{on['skipped_steps']} of {on['steps']} online steps sampled only groups of equal rewards and "
                    "did no update (their generation and execution bought nothing)")
        if on["optimiser_steps"] and off["optimiser_steps"]:
            reading += (f", so per update online cost {on['seconds_per_update'] / off['seconds_per_update']:.0f}x "
                        "offline here")
        reading += ". "
    if off["optimisation_s"] / off["steps"] > on["optimisation_s"] / on["steps"]:
        reading += ("Offline optimisation costs more per step than online's: its rows are whole human programs "
                    f"(online completions stop at max_new_tokens {args.max_new_tokens} or earlier), every offline "
                    "step updates, and it includes the guard's one-off log-probs of the initial policy; peak memory "
                    "follows the longest sequences' logits over the vocabulary.")
    lines += ["", reading.strip(), "",
        f"Offline, generation and execution were paid once, before training: the execute stage judged {judged} "
        f"ingested submissions (the training data holds {off.get('upstream_programs_executed_once', 0)} distinct "
        "programs of them); that one-off cost is shared by every later training run and every change of reward "
        "weights or groups, while online RL pays again at every step of every run.", "",
        f"Pass@k on the test split ({evals['start']['problems']} problems, n = {args.eval_n} samples + 1 greedy "
        f"per problem, max_new_tokens {args.max_new_tokens}):", "",
        "| model | " + " | ".join(k for k in evals["start"] if k.startswith("pass@")) + " | greedy pass@1 |"
        " Compile Error rate |",
        "|---|" + "---:|" * (len([k for k in evals["start"] if k.startswith("pass@")]) + 2),
    ]
    for name, m in evals.items():
        passes = [f"{m[k]:.3f}" for k in m if k.startswith("pass@")]
        lines.append(f"| {name} | " + " | ".join(passes) + f" | {m['greedy_pass@1']:.3f} | "
                     f"{m['verdict_rates'].get('Compile Error', 0):.2f} |")
    if all(m["pass@1"] == 0 and m["greedy_pass@1"] == 0 for m in evals.values()):
        lines += ["", "No model solved a test problem: "
                  + ("this tiny model writes code-like text but hardly a program that runs (the Compile Error rate "
                     "above), and a few steps of either algorithm do not change that. "
                     if not args.model_dir else "")
                  + "This run measures the cost of the two algorithms, not what they reach."]
    lines += ["", "Commands (from the repo root):", ""]
    lines += [f"- {name}: `coderl {' '.join(cmd)}`" for name, cmd in commands.items()]
    return "\n".join(lines) + "\n\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model-dir", type=Path, help="a prepared model directory (default: warmed-up tiny Llama)")
    ap.add_argument("--steps", type=int, default=8)
    ap.add_argument("--problems-per-step", type=int, default=2)
    ap.add_argument("--max-new-tokens", type=int, default=192)
    ap.add_argument("--eval-n", type=int, default=4)
    ap.add_argument("--warmup-steps", type=int, default=40, help="SFT steps of the tiny model before both runs")
    ap.add_argument("--warmup-lr", type=float, default=1e-2)
    ap.add_argument("--lr", type=float, help="learning rate of both runs (default: params.yaml's lr)")
    ap.add_argument("--write", action="store_true", help="write the section into benchmarks/RESULTS.md")
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING)
    for path in (GROUPS, PROBLEMS):
        if not path.exists():
            raise SystemExit(f"{path} not found: run `dvc repro groups tests` first")
    (SCRATCH / "log.txt").unlink(missing_ok=True)
    settings = benchmark_params(args)
    params = write_params(SCRATCH / "params.yaml", settings)
    load_before = os.getloadavg()[0]
    if args.model_dir:
        start, model_name = args.model_dir.resolve(), str(args.model_dir)
    else:
        start = warm_start(settings, args.warmup_steps, args.warmup_lr)
        model_name = (f"tiny random Llama (hidden 32, 2 layers, SmolLM2 vocabulary) after {args.warmup_steps} "
                      f"SFT steps (lr {args.warmup_lr:g}, batch 4) on the train split's Accepted programs")
    costs, walls, commands = {}, {}, {}
    for algorithm in ALGORITHMS:
        costs[algorithm], walls[algorithm], commands[algorithm] = train(params, algorithm, start, algorithm)
    evals = {"start": evaluate(params, start, "start")}
    for algorithm in ALGORITHMS:
        evals[algorithm] = evaluate(params, SCRATCH / "runs" / algorithm / "model", algorithm)
    load_after = os.getloadavg()[0]
    run = {"argv": sys.argv[1:], "settings": settings, "costs": costs, "walls": walls, "evals": evals,
           "model_name": model_name, "loads": [load_before, load_after], "commands": commands}
    (SCRATCH / "results.json").write_text(json.dumps(run, indent=1))
    text = report(args, run["argv"], settings, costs, walls, evals, model_name, (load_before, load_after), commands)
    print(text)
    print(json.dumps(costs, indent=1))
    if args.write:
        write_section(SECTION, text)


if __name__ == "__main__":
    main()
