"""Rewards stage: components by hand, weights, Sandbox Error handling, atomic Parquet output."""
from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pytest

from pipeline import tables
from pipeline.params import ParamsError, RewardsParams, from_mapping
from pipeline.rewards import compute_rewards, run as run_rewards_stage


def verdicts(rows):
    base = {"codenet_status": "Accepted", "test_verdicts": [], "wall_ms": 0.0, "peak_memory_kb": 0, "error": ""}
    return pd.DataFrame([{**base, **r} for r in rows])


ROWS = [
    {"submission_id": "s1", "problem_id": "p1", "verdict": "Accepted", "tests_passed": 3, "tests_total": 3, "cpu_ms": 10.0},
    {"submission_id": "s2", "problem_id": "p1", "verdict": "Accepted", "tests_passed": 3, "tests_total": 3, "cpu_ms": 40.0},
    {"submission_id": "s3", "problem_id": "p1", "verdict": "Wrong Answer", "tests_passed": 1, "tests_total": 3, "cpu_ms": 5.0},
    {"submission_id": "s4", "problem_id": "p1", "verdict": "Compile Error", "tests_passed": 0, "tests_total": 3, "cpu_ms": 0.0},
    {"submission_id": "s5", "problem_id": "p1", "verdict": "Time Limit Exceeded", "tests_passed": 0, "tests_total": 3, "cpu_ms": 4000.0},
    {"submission_id": "s6", "problem_id": "p1", "verdict": "Sandbox Error", "tests_passed": 0, "tests_total": 3, "cpu_ms": 0.0},
]


def test_components_by_hand():
    out = compute_rewards(verdicts(ROWS), RewardsParams()).set_index("submission_id")
    assert "s6" not in out.index  # Sandbox Error: unknown behaviour, no reward
    assert out["r_verdict"].to_dict() == {"s1": 1.0, "s2": 1.0, "s3": -0.3, "s4": -1.0, "s5": -0.6}
    assert out.loc["s3", "r_partial"] == pytest.approx(1 / 3)
    assert out["r_syntax"].to_dict() == {"s1": 1, "s2": 1, "s3": 1, "s4": 0, "s5": 1}
    assert out["r_runtime"].to_dict() == {"s1": 1, "s2": 1, "s3": 1, "s4": 0, "s5": 0}
    assert out["r_efficiency"].to_dict() == {"s1": 1.0, "s2": 0.25, "s3": 0.0, "s4": 0.0, "s5": 0.0}
    # default weights: the reward is the verdict reward
    assert (out["reward"] == out["r_verdict"]).all()


def test_weights_combine_components():
    prm = RewardsParams(verdict_weight=0.5, partial_weight=1.0, efficiency_weight=2.0)
    out = compute_rewards(verdicts(ROWS), prm).set_index("submission_id")
    assert out.loc["s2", "reward"] == pytest.approx(0.5 * 1 + 1.0 * 1 + 2.0 * 0.25)
    assert out.loc["s3", "reward"] == pytest.approx(0.5 * -0.3 + 1 / 3)


def test_verdict_reward_must_cover_every_verdict():
    with pytest.raises(ParamsError, match="verdict_reward"):
        from_mapping(RewardsParams, "rewards", {"verdict_reward": {"Accepted": 1.0}})


def test_run_writes_a_valid_table(tmp_path):
    df = verdicts(ROWS)
    df["test_verdicts"] = [["Accepted"]] * len(df)
    df["peak_memory_kb"] = df["peak_memory_kb"].astype("int64")
    tables.write_table(pa.Table.from_pandas(df, preserve_index=False), tmp_path / "v.parquet", tables.VERDICTS)
    run_rewards_stage(RewardsParams(), tmp_path / "v.parquet", tmp_path / "out")
    back = tables.read_table(tmp_path / "out" / "rewards.parquet", tables.REWARDS).to_pandas()
    assert len(back) == 5
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["rewards.parquet"]


def test_reading_a_table_with_the_wrong_schema_names_the_column(tmp_path):
    pd.DataFrame({"submission_id": ["s1"]}).to_parquet(tmp_path / "v.parquet")
    with pytest.raises(tables.SchemaError, match="missing column 'verdict'"):
        tables.read_table(tmp_path / "v.parquet", tables.VERDICTS)
