"""Rewards stage: a cheap, pure mapping from judge verdicts to reward components and the combined reward.

Components (each in the rewards table, so users can re-weight them in pandas without re-running anything):
- r_verdict: the CodeRL-style reward of the verdict class (Le et al. 2022, CodeRL, Sec. 3.2): functional
  correctness (+1 pass, -0.3 wrong answer) blended with syntax (-1 compile error) and runtime (-0.6) failures;
- r_partial: fraction of tests passed (functional correctness, graded);
- r_syntax: 1 when the program compiles;
- r_runtime: 1 when it ran every test without crash, timeout, memory or output excess;
- r_efficiency: for Accepted programs, the fastest Accepted CPU time of the problem / the program's own
  (1 = the fastest); 0 otherwise.
reward = sum of weight x component, weights from params.yaml. Rows with a Sandbox Error get no reward: the
program's behaviour is unknown, so they are dropped (and counted in the log).
"""
from __future__ import annotations

import logging
from pathlib import Path

import pandas as pd
import pyarrow as pa

from pipeline import tables
from pipeline.params import RewardsParams, load
from sandbox.judge import ACCEPTED, COMPILE_ERROR, RUNTIME_FAILURES, SANDBOX_ERROR

log = logging.getLogger(__name__)

MIN_CPU_MS = 1.0  # timer resolution floor: keeps the efficiency ratio finite for instant programs


def compute_rewards(verdicts: pd.DataFrame, prm: RewardsParams) -> pd.DataFrame:
    """verdicts (VERDICTS columns) -> rewards (REWARDS columns). Pure: same input, same output."""
    df = verdicts[verdicts["verdict"] != SANDBOX_ERROR].copy()
    unknown = sorted(set(df["verdict"]) - set(prm.verdict_reward))
    if unknown:
        raise ValueError(f"verdicts {unknown} have no entry in rewards.verdict_reward (params.yaml)")
    df["r_verdict"] = df["verdict"].map(dict(prm.verdict_reward)).astype(float)
    total = df["tests_total"].where(df["tests_total"] > 0)
    df["r_partial"] = (df["tests_passed"] / total).fillna(0.0)
    df["r_syntax"] = (df["verdict"] != COMPILE_ERROR).astype(float)
    df["r_runtime"] = (~df["verdict"].isin((*RUNTIME_FAILURES, COMPILE_ERROR))).astype(float)
    accepted = df["verdict"] == ACCEPTED
    cpu = df["cpu_ms"].clip(lower=MIN_CPU_MS)
    fastest = cpu.where(accepted).groupby(df["problem_id"]).transform("min")
    df["r_efficiency"] = (fastest / cpu).where(accepted, 0.0).fillna(0.0)
    df["reward"] = (
        prm.verdict_weight * df["r_verdict"]
        + prm.partial_weight * df["r_partial"]
        + prm.syntax_weight * df["r_syntax"]
        + prm.runtime_weight * df["r_runtime"]
        + prm.efficiency_weight * df["r_efficiency"]
    )
    return df[tables.REWARDS.names].reset_index(drop=True)


def run(prm: RewardsParams, verdicts_path: Path, out_dir: Path) -> pd.DataFrame:
    verdicts = tables.read_table(verdicts_path, tables.VERDICTS).to_pandas()
    rewards = compute_rewards(verdicts, prm)
    dropped = len(verdicts) - len(rewards)
    if dropped:
        log.warning("rewards: %d submissions with a Sandbox Error get no reward (re-run execute to retry them)", dropped)
    table = pa.Table.from_pandas(rewards, schema=tables.REWARDS, preserve_index=False)
    tables.write_table(table, out_dir / "rewards.parquet", tables.REWARDS)
    log.info("rewards: %d rows, mean reward %.3f", len(rewards), rewards["reward"].mean() if len(rewards) else 0.0)
    return rewards


def main(params_path: Path, verdicts_path: Path, out_dir: Path) -> pd.DataFrame:
    return run(load(RewardsParams, params_path), verdicts_path, out_dir)
