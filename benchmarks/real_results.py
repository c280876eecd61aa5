"""Results on real data: does offline RLOO learn what SFT does not? (issue 15)

    python benchmarks/real_results.py            # the full run, sized for <= 60 min on the 2-core machine
    python benchmarks/real_results.py --quick    # the same steps at tiny sizes (proves the script; 11 min)
        [--realdata ../shared/realdata] [--no-write] [--estimate-only]

Steps, each a `coderl` command (a subprocess, output in <work>/log.txt), each skipped when its output is already
there, so a stopped run continues where it stopped (work folder: benchmarks/.scratch/real_results/<mode>; delete
it to start over; a run with other sizes refuses to reuse it):
1. the real-data tree (benchmarks/realdata_tree.py: RunBugRun buggy -> fixed pairs by one user and PIE pairs of
   Accepted programs, real CodeNet statements; buggy statuses not re-judged there: execute judges every program);
2. ingest (split by its own seed: params ingest.split_seed; fractions in SIZES), execute on the statement's sample
   tests only (no generated tests: too slow here), rewards, groups: the pipeline's own stages and defaults;
3. the default model (prepare-model: SmolLM2-135M-Instruct);
4. training on the train problems: SFT (every Accepted program), offline RLOO at 2 learning rates x 2 lengths,
   online RLOO (a few steps: it samples and judges every step);
5. evaluation on the test problems, every model: ranking accuracy on all test pairs with `same_user` pairing (on
   this data a user's buggy program and its fix, where our judge agrees: fixed Accepted, buggy not), with its
   bootstrap interval over problems; greedy pass@1 on a seeded subset of test problems (SIZES pass1_problems);
6. the section "## Results on real data" of benchmarks/RESULTS.md: the table, machine, command, and what the
   numbers do and do not show (which variants moved the ranking accuracy beyond the base model's interval).

--quick runs every step on a seeded handful of problems with 1-2 steps per model and short generations, then
prints the full run's estimated wall time from its own stage timings (scaled by the work each stage does);
--estimate-only prints that estimate from a finished quick run (a quick run at load ~3.7 on the shared 2-core
machine estimated 57 min for the full sizes below). The full run writes RESULTS.md unless --no-write;
quick never does.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.realdata_tree import REALDATA  # noqa: E402
from benchmarks.results import write_section  # noqa: E402

SECTION = "## Results on real data"
SCRATCH = REPO / "benchmarks" / ".scratch" / "real_results"

# Sizes per mode. batch_size is the same in both so that quick's seconds per step extrapolate.
SIZES = {
    "full": {
        "max_problems": 140,  # a seeded subset of the ~750 problems (sized for the 60 minutes)
        "split_fractions": {"train": 0.75, "valid": 0.05, "test": 0.2},
        "batch_size": 4, "max_length": 1024,
        "sft_steps": 8, "rloo_lrs": [2e-5, 1e-4], "rloo_steps": [4, 8], "sft_lr": 2e-5,
        "online_steps": 2, "online_problems_per_step": 2,
        "pass1_problems": 3, "max_new_tokens": 128,
    },
    "quick": {
        "max_problems": 16,
        "split_fractions": {"train": 0.75, "valid": 0.05, "test": 0.2},
        "batch_size": 4, "max_length": 1024,
        "sft_steps": 2, "rloo_lrs": [2e-5, 1e-4], "rloo_steps": [1, 2], "sft_lr": 2e-5,
        "online_steps": 1, "online_problems_per_step": 1,
        "pass1_problems": 2, "max_new_tokens": 32,
    },
}
SPLIT_SEED = 15  # the test problems of every run of this benchmark (ingest.split_seed)


class Run:
    """One mode's work folder, its command log and stage timings (timings.json, kept across resumes)."""

    def __init__(self, mode: str):
        self.mode, self.sizes = mode, SIZES[mode]
        self.dir = SCRATCH / mode
        self.dir.mkdir(parents=True, exist_ok=True)
        sizes_file = self.dir / "sizes.json"
        if sizes_file.exists() and json.loads(sizes_file.read_text()) != self.sizes:
            raise SystemExit(f"{self.dir} holds a run with other sizes ({sizes_file}); delete the folder to start over")
        sizes_file.write_text(json.dumps(self.sizes, indent=1))
        self.timings_file = self.dir / "timings.json"
        self.timings = json.loads(self.timings_file.read_text()) if self.timings_file.exists() else {}
        self.t0 = time.monotonic()

    def say(self, text: str) -> None:
        print(f"[real_results {self.mode} +{time.monotonic() - self.t0:5.0f}s] {text}", flush=True)

    def step(self, name: str, done: Path, args: list[str] | None = None, fn=None) -> None:
        """Run ``coderl <args>`` (or ``fn()``) unless ``done`` exists; record its wall time under ``name``."""
        if done.exists():
            self.say(f"{name}: done before ({self.timings.get(name, float('nan')):.0f} s), skipped")
            return
        self.say(f"{name} ...")
        start = time.monotonic()
        if fn is not None:
            fn()
        else:
            with (self.dir / "log.txt").open("a") as log:
                log.write(f"\n$ coderl {' '.join(args)}\n")
                log.flush()
                env = {**os.environ, "PYTHONPATH": str(REPO)}
                proc = subprocess.run([sys.executable, "-m", "pipeline", *args], cwd=REPO, stdout=log,
                                      stderr=subprocess.STDOUT, env=env)
            if proc.returncode:
                raise SystemExit(f"`coderl {' '.join(args)}` failed ({proc.returncode}); see {self.dir / 'log.txt'}")
        self.timings[name] = time.monotonic() - start
        self.timings_file.write_text(json.dumps(self.timings, indent=1))
        self.say(f"{name}: {self.timings[name]:.0f} s")


def models(sizes: dict) -> list[dict]:
    """Every trained model: name, algorithm, lr, steps."""
    out = [{"name": "sft", "algorithm": "sft", "lr": sizes["sft_lr"], "steps": sizes["sft_steps"]}]
    out += [{"name": f"rloo_lr{lr:g}_s{steps}", "algorithm": "rloo", "lr": lr, "steps": steps}
            for lr in sizes["rloo_lrs"] for steps in sizes["rloo_steps"]]
    out.append({"name": "online_rloo", "algorithm": "online_rloo", "lr": sizes["sft_lr"],
                "steps": sizes["online_steps"]})
    return out


def write_params(run: Run, tree: Path, model: dict | None) -> Path:
    """The repo's params.yaml with this benchmark's settings (and one model's lr and steps)."""
    s = run.sizes
    p = yaml.safe_load((REPO / "params.yaml").read_text())
    p["ingest"].update(codenet_root=str(tree), split_fractions=s["split_fractions"], split_seed=SPLIT_SEED)
    p["execute"]["test_sources"] = ["derived", "statement"]  # the statement's samples (no generated tests)
    p["train"].update(batch_size=s["batch_size"], grad_accum=1, max_length=s["max_length"], checkpoint_every=10,
                      eval_every=0)
    p["online"]["problems_per_step"] = s["online_problems_per_step"]
    p["evaluate"].update(splits=["test"], max_problems=s["pass1_problems"], n=1, k=[1],
                         max_new_tokens=s["max_new_tokens"], ranking_pairing="same_user",
                         ranking_pairs_per_problem=0, ranking_max_length=s["max_length"])
    name = "data"
    if model is not None:
        p["lr"] = model["lr"]
        p["train"]["max_steps"] = model["steps"]
        name = model["name"]
    path = run.dir / "params" / f"{name}.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(p, sort_keys=False))
    return path


def build_tree(run: Run, realdata: Path) -> None:
    from benchmarks import realdata_tree

    summary = realdata_tree.build(realdata, run.dir / "tree", max_problems=run.sizes["max_problems"], seed=SPLIT_SEED,
                                  rejudge_buggy=False, workers=2)
    run.say(f"tree: {summary['problems']} problems, {summary['submissions']} programs, statuses {summary['statuses']}")


def pipeline(run: Run, realdata: Path) -> dict:
    """Steps 1-5; returns {model name: metrics}."""
    d = run.dir
    tree = d / "tree" / "Project_CodeNet"
    run.step("tree", tree / "metadata" / "problem_list.csv", fn=lambda: build_tree(run, realdata))
    data = write_params(run, tree, None)
    run.step("ingest", d / "ingest" / "problems.parquet", ["ingest", "--params", str(data), "--out", str(d / "ingest")])
    run.step("execute", d / "execute" / "verdicts.parquet",
             ["execute", "--params", str(data), "--ingest", str(d / "ingest"), "--problems",
              str(d / "ingest" / "problems.parquet"), "--out", str(d / "execute")])
    run.step("rewards", d / "rewards" / "rewards.parquet",
             ["rewards", "--params", str(data), "--verdicts", str(d / "execute" / "verdicts.parquet"), "--out",
              str(d / "rewards")])
    run.step("groups", d / "groups" / "accepted.parquet",
             ["groups", "--params", str(data), "--ingest", str(d / "ingest"), "--rewards",
              str(d / "rewards" / "rewards.parquet"), "--out", str(d / "groups")])
    run.say(f"data: {json.loads((d / 'groups' / 'summary.json').read_text())}")
    run.step("prepare_model", d / "models" / "base" / "config.json",
             ["prepare-model", "--params", str(data), "--out", str(d / "models" / "base")])
    for m in models(run.sizes):
        prm = write_params(run, tree, m)
        run.step(f"train {m['name']}", d / "metrics" / "train" / m["name"] / "cost.json",
                 ["train", "--params", str(prm), "--algorithm", m["algorithm"], "--groups",
                  str(d / "groups" / "groups.parquet"), "--base", str(d / "models" / "base"), "--out",
                  str(d / "models" / m["name"]), "--checkpoints", str(d / "checkpoints" / m["name"]),
                  "--metrics", str(d / "metrics" / "train" / m["name"]), "--problems",
                  str(d / "ingest" / "problems.parquet")])
    results = {}
    for name in ["base"] + [m["name"] for m in models(run.sizes)]:
        metrics = d / "metrics" / "eval" / f"{name}.json"
        run.step(f"evaluate {name}", metrics,
                 ["evaluate", "--params", str(data), "--model-dir", str(d / "models" / name), "--name", name,
                  "--problems", str(d / "ingest" / "problems.parquet"), "--out", str(d / "evaluate" / name),
                  "--metrics", str(metrics), "--plots", str(d / "plots" / name), "--rewards",
                  str(d / "rewards" / "rewards.parquet"), "--submissions", str(d / "ingest" / "submissions.parquet")])
        results[name] = json.loads(metrics.read_text())[name]
    return results


# ------------------------------------------------------------------------------------------------------------
# The estimate of the full run from the quick one


def full_programs(realdata: Path) -> int:
    """Programs the full run's tree holds, from the data files alone (no tree built): all programs, scaled by the
    share of problems kept (SIZES max_problems)."""
    from benchmarks import realdata_tree

    _, subs = realdata_tree.collect(realdata)
    problems = len({s["problem_id"] for s in subs.values()})
    keep = SIZES["full"]["max_problems"]
    return round(len(subs) * (min(1.0, keep / problems) if keep else 1.0))


def estimate(quick: Run, realdata: Path) -> tuple[float, list[str]]:
    """Seconds the full run should take, from the quick run's stage timings scaled by each stage's work: data
    stages by programs, training by optimiser steps (same batch size; online also by samples per step and
    tokens), ranking by the programs it scores (the test split's share of the programs), generation by tokens
    (problems x max_new_tokens). Returns (seconds, lines explaining it)."""
    import pandas as pd

    q, f = SIZES["quick"], SIZES["full"]
    t, qd = quick.timings, quick.dir
    programs = full_programs(realdata)
    by_programs = programs / json.loads((qd / "tree" / "summary.json").read_text())["submissions"]
    problems = pd.read_parquet(qd / "ingest" / "problems.parquet", columns=["problem_id", "split"])
    subs = pd.read_parquet(qd / "ingest" / "submissions.parquet", columns=["problem_id"])
    quick_test_programs = int(subs["problem_id"].isin(problems.loc[problems["split"] == "test", "problem_id"]).sum())
    full_test_programs = programs * f["split_fractions"]["test"]
    lines, total = [], 0.0

    def add(label: str, seconds: float) -> None:
        nonlocal total
        total += seconds
        lines.append(f"{label}: {seconds / 60:.1f} min")

    add(f"tree + ingest + execute + rewards + groups (x{by_programs:.1f} programs)",
        sum(t.get(k, 0.0) for k in ("tree", "ingest", "execute", "rewards", "groups")) * by_programs)
    add("prepare_model", t.get("prepare_model", 0.0))
    # The same models in the same order in both modes (SIZES keep the lrs and the number of lengths).
    for m, fm in zip(models(q), models(f)):
        cost = json.loads((qd / "metrics" / "train" / m["name"] / "cost.json").read_text())
        overhead = t[f"train {m['name']}"] - cost["loop_s"]
        per_step = cost["loop_s"] / max(1, cost["steps"])
        if m["algorithm"] == "online_rloo":  # samples per step x their length
            per_step *= (f["max_new_tokens"] * f["online_problems_per_step"]
                         / (q["max_new_tokens"] * q["online_problems_per_step"]))
        add(f"train {fm['name']} ({fm['steps']} steps at {per_step:.0f} s/step)", overhead + per_step * fm["steps"])
    gen_scale = f["pass1_problems"] * f["max_new_tokens"] / (q["pass1_problems"] * q["max_new_tokens"])
    for m, fm in zip(["base"] + [m["name"] for m in models(q)], ["base"] + [m["name"] for m in models(f)]):
        ranking = json.loads((qd / "metrics" / "eval" / f"{m}.json").read_text())[m]["ranking"]
        # seconds per scored program, times the programs the full run scores (the same share of test programs)
        ranking_s = ranking["seconds"] / max(1, ranking["programs_scored"])
        scored = full_test_programs * ranking["programs_scored"] / max(1, quick_test_programs)
        rest = t[f"evaluate {m}"] - ranking["seconds"]
        add(f"evaluate {fm} (ranking ~{scored:.0f} programs at {ranking_s:.1f} s, generation x{gen_scale:.0f})",
            ranking_s * scored + rest * gen_scale)
    return total, lines


# ------------------------------------------------------------------------------------------------------------
# The report


def machine() -> str:
    import torch

    cpu = next((ln.split(":", 1)[1].strip() for ln in Path("/proc/cpuinfo").read_text().splitlines()
                if ln.startswith("model name")), platform.processor())
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "no GPU"
    return f"{os.cpu_count()} x {cpu}, {mem:.0f} GiB RAM, {gpu}, Python {platform.python_version()}, torch {torch.__version__}"


def fmt(value, spec: str) -> str:
    return "-" if value is None else format(value, spec)


def interval(block: dict, kind: str) -> str:
    if not block or block.get(f"accuracy_{kind}") is None:
        return "-"
    lo, hi = block[f"accuracy_{kind}_ci95"]
    return f"{block[f'accuracy_{kind}']:.3f} [{lo:.3f}, {hi:.3f}]"


def report(run: Run, results: dict, command: str, load: tuple[float, float], wall_s: float) -> str:
    d = run.dir
    info = {m["name"]: m for m in models(run.sizes)}
    groups = json.loads((d / "groups" / "summary.json").read_text())
    ingest = json.loads((d / "ingest" / "summary.json").read_text())
    base = results["base"].get("ranking") or {}
    lines = [SECTION, "",
             f"Machine: {machine()}. Load average (1 min) {load[0]:.1f} before, {load[1]:.1f} after.",
             f"Command: `{command}` (whole run {wall_s / 60:.0f} min; work folder {d.relative_to(REPO)}).", "",
             f"Data: benchmarks/realdata_tree.py over ../shared/realdata: {ingest['problems']} problems, "
             f"{ingest['kept']} Python 3 programs; split {run.sizes['split_fractions']} by ingest.split_seed = "
             f"{SPLIT_SEED} ({ingest['problems_by_split']}). Judge: the statement's sample tests only. Groups: "
             f"{groups['groups']} with reward variance ({groups['rows']} rows), SFT set {groups.get('accepted_by_split')}. "
             f"Model: SmolLM2-135M-Instruct (prepare-model default), full fine-tuning, batch {run.sizes['batch_size']}, "
             "the pipeline's other defaults (guard ratio_clip_low 0.2, sequence normalisation).",
             "",
             "Ranking accuracy: test pairs (fixed program Accepted by our judge, the same user's buggy program not), "
             "every pair, share where the model gives the fixed program the higher log-likelihood given the prompt "
             "(summed over tokens / per token), 95% bootstrap interval over problems. Greedy pass@1 on a seeded "
             f"subset of {run.sizes['pass1_problems']} test problems ({run.sizes['max_new_tokens']} new tokens max). "
             "Train time: the training command's wall time; cost: its optimiser seconds plus, online, generation "
             "and sandbox seconds (offline programs were executed once upstream, by execute).",
             "",
             "| model | lr | steps | ranking acc. (sum) [95% CI] | ranking acc. (per token) [95% CI] | mean margin "
             "(sum, nats) | greedy pass@1 | train time s | cost: optim / gen / exec s |",
             "|---|---:|---:|---|---|---:|---:|---:|---|"]
    moved = []
    for name, m in results.items():
        r = m.get("ranking") or {}
        if name == "base":
            lr = steps = train_s = cost_text = "-"
        else:
            cost = json.loads((d / "metrics" / "train" / name / "cost.json").read_text())
            lr, steps = f"{info[name]['lr']:g}", str(info[name]["steps"])
            train_s = f"{run.timings.get(f'train {name}', float('nan')):.0f}"
            cost_text = f"{cost['optimisation_s']:.0f} / {cost['generation_s']:.0f} / {cost['execution_s']:.0f}"
            lo, hi = r.get("accuracy_sum_ci95") or (None, None)
            blo, bhi = base.get("accuracy_sum_ci95") or (None, None)
            if lo is not None and blo is not None and (lo > bhi or hi < blo):
                moved.append(f"{name} ({r['accuracy_sum']:.3f} vs base {base['accuracy_sum']:.3f})")
        lines.append(f"| {name} | {lr} | {steps} | {interval(r, 'sum')} | {interval(r, 'token')} | "
                     f"{fmt(r.get('margin_sum'), '.2f')} | {m['greedy_pass@1']:.3f} ({m['problems']}) | "
                     f"{train_s} | {cost_text} |")
    lines += ["", f"Pairs: {base.get('pairs')} over {base.get('problems')} test problems "
              f"({base.get('pairs_too_long')} left out: over {run.sizes['max_length']} tokens).", ""]
    if moved:
        lines.append("Moved beyond the base model's interval (summed log-likelihood; intervals not overlapping): "
                     + "; ".join(moved) + ".")
    else:
        lines.append("No trained model's ranking accuracy left the base model's 95% interval (summed "
                     "log-likelihood): at these sizes no variant measurably changed which program of a pair the "
                     "model prefers.")
    lines += ["",
              "What this shows and does not: the numbers are one run (one seed, one split) of a 135M model trained "
              "for tens of CPU steps; non-overlapping intervals are a conservative test (the models are scored on the "
              "same pairs, so a paired comparison would be tighter), overlapping ones do not show equality. Greedy "
              "pass@1 on a handful of problems cannot separate the models. The judge uses the statement's samples "
              "only: a buggy program that passes them counts as Accepted and its pair is dropped. Nothing here "
              "measures the paper's claims at its scale (GPU, full CodeNet, whole epochs).", ""]
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="tiny sizes: prove the script, estimate the full run")
    ap.add_argument("--realdata", type=Path, default=REALDATA)
    ap.add_argument("--no-write", action="store_true", help="print the section, leave RESULTS.md alone")
    ap.add_argument("--estimate-only", action="store_true", help="the full run's estimate from a finished quick run")
    args = ap.parse_args()
    if args.estimate_only:
        seconds, lines = estimate(Run("quick"), args.realdata)
        print("\n".join(lines) + f"\nestimated full run: {seconds / 60:.0f} min")
        return
    run = Run("quick" if args.quick else "full")
    load0 = os.getloadavg()[0]
    start = time.monotonic()
    results = pipeline(run, args.realdata)
    wall = time.monotonic() - start
    text = report(run, results, "python benchmarks/real_results.py" + (" --quick" if args.quick else ""),
                  (load0, os.getloadavg()[0]), wall)
    print(text)
    if args.quick:
        seconds, lines = estimate(run, args.realdata)
        print("\n".join(lines) + f"\nestimated full run: {seconds / 60:.0f} min (target <= 60)")
    elif not args.no_write:
        write_section(SECTION, text)
        run.say(f"wrote the section to {REPO / 'benchmarks' / 'RESULTS.md'}")


if __name__ == "__main__":
    main()
