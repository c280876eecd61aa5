"""Groups stage: advantages against hand computations, construction rules, determinism."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pipeline import tables
from pipeline.groups import build_accepted, build_groups, clip_advantages, group_std, rloo_advantages, scale_advantages
from pipeline.params import GroupsParams


def test_rloo_advantages_by_hand():
    r = np.array([1.0, 0.0, 0.0, -1.0])
    # b_0 = (0 + 0 - 1) / 3 = -1/3 -> A_0 = 4/3; b_1 = (1 + 0 - 1) / 3 = 0 -> A_1 = 0; A_3 = -1 - 1/3
    np.testing.assert_allclose(rloo_advantages(r), [4 / 3, 0.0, 0.0, -4 / 3])


def test_rloo_advantages_sum_to_zero():
    rng = np.random.default_rng(0)
    for g in range(2, 9):
        assert abs(rloo_advantages(rng.normal(size=g)).sum()) < 1e-12


def test_rloo_equals_grpo_times_g_over_g_minus_1():
    r = np.array([1.0, -0.3, -0.6, 1.0])
    grpo = (r - r.mean()) / (r.std(ddof=1) + 1e-4)  # Shao et al. 2024, Eq. 3
    scaled = scale_advantages(rloo_advantages(r), group_std(r), 1e-4)
    np.testing.assert_allclose(scaled, grpo * 4 / 3)


def test_group_of_one_is_rejected():
    with pytest.raises(ValueError):
        rloo_advantages(np.array([1.0]))


def test_clip_advantages():
    np.testing.assert_array_equal(clip_advantages(np.array([-3.0, 0.5, 2.0]), 1.0), [-1.0, 0.5, 1.0])
    np.testing.assert_array_equal(clip_advantages(np.array([-3.0, 2.0]), 0.0), [-3.0, 2.0])


def tables_for(rewards_by_problem: dict[str, list[float]], split="train"):
    rewards, subs, problems = [], [], []
    for pid, rs in rewards_by_problem.items():
        problems.append({"problem_id": pid, "split": split, "difficulty": "easy", "statement": f"Solve {pid}."})
        for i, r in enumerate(rs):
            sid = f"s{pid[1:]}{i:04d}"
            rewards.append({"submission_id": sid, "problem_id": pid, "verdict": "Accepted" if r > 0 else "Wrong Answer", "reward": r})
            subs.append({"submission_id": sid, "python_version": 3, "is_duplicate": False, "code": f"print({i})\n"})
    return pd.DataFrame(rewards), pd.DataFrame(subs), pd.DataFrame(problems)


def build(rewards_by_problem, seed=0, **kw):
    prm = GroupsParams(**kw)
    return build_groups(*tables_for(rewards_by_problem), prm, seed)


def test_group_rows_have_prompt_completion_and_zero_sum_advantages():
    out, summary = build({"p00001": [1.0, -0.3, 1.0, -1.0]}, advantage_scale="none")
    assert summary["groups"] == 1 and len(out) == 4
    assert out["prompt"].str.contains("Solve p00001.").all()
    assert abs(out["advantage"].sum()) < 1e-12
    expected = rloo_advantages(out["reward"].to_numpy())
    np.testing.assert_allclose(out["advantage"], expected)


def test_zero_variance_groups_are_dropped_by_default():
    out, summary = build({"p00001": [1.0] * 4, "p00002": [1.0, 0.0, 1.0, 1.0]})
    assert out["problem_id"].unique().tolist() == ["p00002"]
    assert summary["dropped"]["zero_variance"] == 1
    assert summary["zero_variance_fraction"] == 0.5


def test_zero_variance_groups_are_kept_with_zero_advantage_when_configured():
    out, _ = build({"p00001": [1.0] * 4}, require_reward_variance=False)
    assert len(out) == 4 and (out["advantage"] == 0).all()


def test_small_problems_need_relaxed_mode():
    out, summary = build({"p00001": [1.0, 0.0, 0.5]})
    assert len(out) == 0 and summary["dropped"]["problems_with_too_few_submissions"] == 1
    out, _ = build({"p00001": [1.0, 0.0, 0.5]}, relaxed=True)
    assert len(out) == 3 and (out["group_size"] == 3).all()
    assert abs(out["advantage"].sum()) < 1e-9


def test_sampling_is_deterministic_for_a_seed_and_changes_with_it():
    data = {"p00001": list(np.linspace(-1, 1, 20))}
    a, _ = build(data, seed=1)
    b, _ = build(data, seed=1)
    c, _ = build(data, seed=2)
    pd.testing.assert_frame_equal(a, b)
    assert a["submission_id"].tolist() != c["submission_id"].tolist()


def test_imbalance_cap_and_group_cap_hold():
    out, _ = build({"p00001": list(np.linspace(-1, 1, 500)), "p00002": [1.0, 0.0] * 4},
                   max_submissions_per_problem=16, max_groups_per_problem=3)
    big = out[out["problem_id"] == "p00001"]
    assert big["submission_id"].nunique() <= 16
    assert out.groupby("problem_id")["group_id"].nunique().max() == 3


def test_groups_have_distinct_member_sets():
    out, _ = build({"p00001": list(np.linspace(-1, 1, 6))}, max_groups_per_problem=8)
    sets = out.groupby("group_id")["submission_id"].apply(frozenset)
    assert sets.nunique() == len(sets)


def test_batch_scaling_uses_one_std_for_all_rows():
    data = {"p00001": [1.0, 0.0, 0.0, 0.0], "p00002": [1.0, -1.0, 0.5, 0.0]}
    none, _ = build(data, advantage_scale="none")
    batch, _ = build(data, advantage_scale="batch")
    std = np.std(none["reward"], ddof=1)
    np.testing.assert_allclose(batch["advantage"], none["advantage"] / (std + 1e-4))


def test_splits_python2_and_duplicates_are_filtered():
    rewards, subs, problems = tables_for({"p00001": [1.0, 0.0, 1.0, 0.0, 1.0]})
    subs.loc[0, "python_version"] = 2
    subs.loc[1, "is_duplicate"] = True
    out, summary = build_groups(rewards, subs, problems, GroupsParams(), 0)
    assert summary["submissions_not_used"] == {"duplicate": 1, "other_split": 0, "python2": 1}
    assert len(out) == 0  # 3 left < group size 4
    problems["split"] = "test"
    _, summary = build_groups(rewards, subs, problems, GroupsParams(), 0)
    assert summary["submissions_not_used"]["other_split"] == 5


def test_the_sft_set_holds_every_usable_accepted_program_in_or_out_of_groups():
    # p00001: all Accepted (a zero-variance group, dropped); p00002: too few for a group; p00003 in test.
    rewards, subs, problems = tables_for({"p00001": [1.0] * 4, "p00002": [1.0, -0.3], "p00003": [1.0]})
    problems.loc[problems["problem_id"] == "p00003", "split"] = "test"
    subs.loc[1, "python_version"] = 2  # p00001's second program: not usable
    out, _ = build_groups(rewards, subs, problems, GroupsParams(), 0)
    assert len(out) == 0
    accepted = build_accepted(rewards, subs, problems, GroupsParams())
    assert accepted["submission_id"].tolist() == ["s000010000", "s000010002", "s000010003", "s000020000"]
    assert (accepted["verdict"] == "Accepted").all() and accepted["prompt"].str.contains("Solve p0000").all()
    assert accepted.columns.tolist() == tables.ACCEPTED.names
