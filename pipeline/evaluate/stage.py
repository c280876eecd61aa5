"""The evaluate stage: sample programs from a policy, judge them in the sandbox, report pass@k, diversity and
ranking accuracy.

Outputs
- ``<out>/samples.parquet`` (schema ``tables.SAMPLES``): one row per completion with its verdict.
- ``<metrics>``: ``{<model name>: {...}}`` so ``dvc metrics show`` lines models up: pass@k overall, per split and
  per difficulty bucket, greedy pass@1, the rate of each verdict among samples, diversity, ranking accuracy.
- ``<plots>/pass_at_k.json`` (pass@k for k = 1..n) and ``<plots>/pass1_by_difficulty.json``.
"""
from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

from pipeline import judging, tables
from pipeline.evaluate.generate import generate_all, load_policy
from pipeline.evaluate.metrics import pass_at_k_curve, summarise
from pipeline.evaluate.problems import difficulty_order, select_problems
from pipeline.params import EvaluateParams, ExecuteParams, load, load_top
from pipeline.prompt import build_prompt, extract_program, render_prompt

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Timing:
    generate_s: float
    new_tokens: int
    judge_s: float
    programs_judged: int  # distinct (problem, program) pairs sent to the sandbox
    test_runs: int  # program executions on one test (a Compile Error runs none)

    @property
    def tokens_per_s(self) -> float:
        return self.new_tokens / self.generate_s if self.generate_s else float("nan")

    @property
    def runs_per_s(self) -> float:
        return self.test_runs / self.judge_s if self.judge_s else float("nan")


def run(prm: EvaluateParams, exec_prm: ExecuteParams, seed: int, model_dir: Path, name: str,
        problems_path: Path, out_dir: Path, metrics_path: Path, plots_dir: Path,
        progress: bool = True, ranking_inputs: tuple[Path, Path] | None = None) -> tuple[dict, Timing]:
    """Generate, judge and score; write samples.parquet, the metrics JSON and the plots data.
    ``ranking_inputs``: (rewards.parquet, ingest submissions.parquet) for the ranking accuracy
    (``pipeline.evaluate.ranking``, metrics key "ranking"); None leaves it out (the stage always passes them).
    Returns (metrics of this model, timing). Raises FileNotFoundError for a missing model or problems file
    and ValueError when the splits hold no judgeable problem."""
    if not name or not re.fullmatch(r"[\w.-]+", name):
        raise ValueError(f"model name {name!r} must be a non-empty word (letters, digits, _ . -)")
    table = tables.read_table(problems_path, tables.PROBLEMS)
    problems = select_problems(table, prm, exec_prm, seed)
    if not problems:
        raise ValueError(f"{problems_path}: no problem with tests in splits {list(prm.splits)}")
    log.info("evaluate %s: %d problems x (%d sampled + 1 greedy)", name, len(problems), prm.n)

    model, tokenizer, device = load_policy(model_dir)
    ranking = None
    if ranking_inputs is not None:
        ranking = rank_programs(model, tokenizer, table, prm, seed, device, *ranking_inputs)
    prompts = [render_prompt(tokenizer, build_prompt(p["statement"] or "")) for p in problems]
    start = time.perf_counter()
    requests, generated = generate_all(model, tokenizer, prompts, prm, seed, progress)
    generate_s = time.perf_counter() - start
    del model  # the weights are not needed while judging (which can take longer than generating)

    programs = [extract_program(g.text) for g in generated]
    start = time.perf_counter()
    judgements = judging.judge([problems[r.problem]["problem_id"] for r in requests], programs, table, exec_prm, progress)
    judge_s = time.perf_counter() - start
    sandbox_errors = sum(j.verdict == "Sandbox Error" for j in judgements)
    if sandbox_errors:  # counted as failures (and reported in verdict_rates): pass@k is then a lower bound
        log.warning("evaluate %s: %d completions got a Sandbox Error (the sandbox, not the program, failed)",
                    name, sandbox_errors)

    unique = {(problems[r.problem]["problem_id"], prog): j for r, prog, j in zip(requests, programs, judgements)}
    timing = Timing(
        generate_s=generate_s, new_tokens=sum(g.tokens for g in generated), judge_s=judge_s,
        programs_judged=len(unique),
        test_runs=sum(sum(v != "Skipped" for v in j.test_verdicts) for j in unique.values()
                      if j.verdict != "Compile Error"),
    )
    rows = []
    for r, g, program, j in zip(requests, generated, programs, judgements):
        p = problems[r.problem]
        rows.append({
            "model": name, "problem_id": p["problem_id"], "split": p["split"], "difficulty": p["difficulty"],
            "sample": r.sample, "greedy": r.greedy, "completion": g.text, "completion_tokens": g.tokens,
            "program": program, "verdict": j.verdict, "tests_passed": j.tests_passed,
            "tests_total": j.tests_total, "error": j.error,
        })
    rows.sort(key=lambda row: (row["problem_id"], row["greedy"], row["sample"]))
    tables.write_table(tables.from_rows(rows, tables.SAMPLES), out_dir / "samples.parquet", tables.SAMPLES)

    metrics = summarise(rows, prm.k, difficulty_order(problems))
    metrics["mean_completion_tokens"] = float(np.mean([row["completion_tokens"] for row in rows]))
    if ranking is not None:
        metrics["ranking"] = ranking
    tables.write_json({name: metrics}, metrics_path)
    write_plots(rows, metrics, prm.n, plots_dir)

    log.info("evaluate %s: pass@1 %.3f, greedy pass@1 %.3f; generation %.1f new tokens/s on %s, "
             "sandbox %.1f test runs/s", name, metrics["pass@1"], metrics["greedy_pass@1"],
             timing.tokens_per_s, device, timing.runs_per_s)
    return metrics, timing


def rank_programs(model, tokenizer, table: "tables.pa.Table", prm: EvaluateParams, seed: int, device,
                  rewards_path: Path, submissions_path: Path) -> dict:
    """The ranking metrics block on every problem of the evaluation splits (tests or not, max_problems aside)."""
    from pipeline.evaluate import ranking

    problems = [r for r in table.to_pylist() if r["split"] in prm.splits]
    rewards = tables.read_table(rewards_path, tables.REWARDS, columns=["submission_id", "verdict"]).to_pandas()
    submissions = tables.read_table(submissions_path, tables.SUBMISSIONS,
                                    columns=["submission_id", "problem_id", "user_id", "code"]).to_pandas()
    start = time.perf_counter()
    block = ranking.evaluate_ranking(model, tokenizer, problems, rewards, submissions, prm, seed, device)
    block["seconds"] = time.perf_counter() - start
    return block


def write_plots(rows: Sequence[dict], metrics: dict, n: int, plots_dir: Path) -> None:
    """DVC plots data: pass@k for k = 1..n, and pass@1 / greedy pass@1 per difficulty bucket (easiest first)."""
    tables.write_json(pass_at_k_curve(rows, n), plots_dir / "pass_at_k.json")
    buckets = sorted(metrics["by_difficulty"].items(), key=lambda kv: kv[1]["rank"])
    tables.write_json(
        [{"difficulty": b, "pass_at_1": m["pass@1"], "greedy_pass_at_1": m["greedy_pass@1"],
          "problems": m["problems"]} for b, m in buckets],
        plots_dir / "pass1_by_difficulty.json",
    )


def main(params_path: Path, model_dir: Path, name: str, problems_path: Path, out_dir: Path, metrics_path: Path,
         plots_dir: Path | None = None, rewards_path: Path = Path("data/rewards/rewards.parquet"),
         submissions_path: Path = Path("data/ingest/submissions.parquet")) -> dict:
    prm = load(EvaluateParams, params_path)
    exec_prm = load(ExecuteParams, params_path)
    seed = int(load_top("seed", params_path))
    plots_dir = plots_dir or metrics_path.parent / "plots" / name
    metrics, _ = run(prm, exec_prm, seed, model_dir, name, problems_path, out_dir, metrics_path, plots_dir,
                     ranking_inputs=(rewards_path, submissions_path))
    return metrics
