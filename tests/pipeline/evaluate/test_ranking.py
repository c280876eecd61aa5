"""Ranking accuracy (pipeline/evaluate/ranking.py) against a brute-force computation on a tiny model."""
from __future__ import annotations

import dataclasses
import json

import numpy as np
import pandas as pd
import pytest
import torch

from pipeline import tables
from pipeline.evaluate import ranking, stage
from pipeline.evaluate.compare import compare
from pipeline.model import load_model
from pipeline.params import EvaluateParams, ExecuteParams
from pipeline.prompt import build_prompt, format_completion, render_prompt
from tests.pipeline.evaluate.conftest import REVERSE_STATEMENT, SUM_STATEMENT

PROBLEMS = [{"problem_id": "p00001", "statement": SUM_STATEMENT},
            {"problem_id": "p00002", "statement": REVERSE_STATEMENT}]
# (submission, problem, user, verdict, code)
SUBMISSIONS = [
    ("s01", "p00001", "u1", "Accepted", "a, b = map(int, input().split())\nprint(a + b)\n"),
    ("s02", "p00001", "u1", "Wrong Answer", "a, b = map(int, input().split())\nprint(a - b)\n"),
    ("s03", "p00001", "u2", "Accepted", "print(sum(map(int, input().split())))\n"),
    ("s04", "p00001", "u2", "Runtime Error", "print(input() + 1)\n"),
    ("s05", "p00001", "u3", "Wrong Answer", "a, b = map(int, input().split())  \nprint(a - b)\n"),  # = s02
    ("s06", "p00001", "u3", "Sandbox Error", "print(0)\n"),  # no verdict of the program
    ("s07", "p00002", "u1", "Accepted", "print(' '.join(input().split()[::-1]))\n"),
    ("s08", "p00002", "u4", "Time Limit Exceeded", "while True:\n    pass\n"),
    ("s09", "p00003", "u1", "Accepted", "print(1)\n"),  # a problem not evaluated
]


def inputs():
    rewards = pd.DataFrame([{"submission_id": s, "verdict": v} for s, _, _, v, _ in SUBMISSIONS])
    subs = pd.DataFrame([{"submission_id": s, "problem_id": p, "user_id": u, "code": c}
                         for s, p, u, _, c in SUBMISSIONS])
    return rewards, subs


def prm(**kw) -> EvaluateParams:
    # a cap of 4 pairs per problem, whatever the default: the fixture's problem has 6 pairs, 5 of them distinct
    return dataclasses.replace(EvaluateParams(ranking_pairs_per_problem=4), **kw)


def brute_loglik(model, tokenizer, statement: str, code: str) -> tuple[float, int]:
    """One unpadded sequence: rendered prompt + fenced program + EOS, full logits, float64 log_softmax."""
    prompt = tokenizer(render_prompt(tokenizer, build_prompt(statement)), add_special_tokens=False)["input_ids"]
    comp = tokenizer(format_completion(code), add_special_tokens=False)["input_ids"] + [tokenizer.eos_token_id]
    ids = prompt + comp
    with torch.no_grad():
        logp = torch.log_softmax(model(input_ids=torch.tensor([ids])).logits[0].double(), -1)
    return sum(logp[t - 1, ids[t]].item() for t in range(len(prompt), len(ids))), len(comp)


def test_pairs_are_accepted_against_other_verdicts_deduplicated_and_within_a_problem():
    programs, pairs = ranking.build_pairs(PROBLEMS, *inputs(), prm(), 0)
    code = [p["completion"] for p in programs]
    named = sorted((p.problem_id, code[p.correct], code[p.incorrect]) for p in pairs)
    by_sid = {s: c for s, *_, c in SUBMISSIONS}
    expected = sorted([("p00001", by_sid[c], by_sid[i]) for c in ("s01", "s03") for i in ("s02", "s04")]
                      + [("p00002", by_sid["s07"], by_sid["s08"])])
    assert named == expected  # s05 (a whitespace variant of s02), s06 (Sandbox Error), p00003 left out
    assert len(programs) == 6


def test_same_user_pairing_keeps_only_a_users_own_pairs():
    programs, pairs = ranking.build_pairs(PROBLEMS, *inputs(), prm(ranking_pairing="same_user"), 0)
    sids = sorted((programs[p.correct]["submission_id"], programs[p.incorrect]["submission_id"]) for p in pairs)
    assert sids == [("s01", "s02"), ("s03", "s04")]


def test_the_pair_cap_is_a_seeded_stable_sample():
    a = ranking.build_pairs(PROBLEMS, *inputs(), prm(ranking_pairs_per_problem=2), 0)
    b = ranking.build_pairs(PROBLEMS, *inputs(), prm(ranking_pairs_per_problem=2), 0)
    assert a == b
    assert [p.problem_id for p in a[1]] == ["p00001", "p00001", "p00002"]
    draws = {tuple(ranking.build_pairs(PROBLEMS, *inputs(), prm(ranking_pairs_per_problem=2), s)[1])
             for s in range(8)}
    assert len(draws) > 1, "the seed chooses which pairs are kept"


def test_accuracy_and_margins_equal_brute_force_on_a_tiny_model(tiny_model_dir, tokenizer):
    model = load_model(tiny_model_dir).eval()
    p = prm(ranking_batch_size=3, ranking_bootstrap=200)
    block = ranking.evaluate_ranking(model, tokenizer, PROBLEMS, *inputs(), p, 0, torch.device("cpu"))

    statements = {q["problem_id"]: q["statement"] for q in PROBLEMS}
    by_sid = {s: (pid, c) for s, pid, _, _, c in SUBMISSIONS}
    score = {s: brute_loglik(model, tokenizer, statements[by_sid[s][0]], by_sid[s][1])
             for s in ("s01", "s02", "s03", "s04", "s07", "s08")}
    pairs = [(c, i) for c in ("s01", "s03") for i in ("s02", "s04")] + [("s07", "s08")]
    win = lambda m: 1.0 if m > 0 else 0.5 if m == 0 else 0.0  # noqa: E731
    m_sum = [score[c][0] - score[i][0] for c, i in pairs]
    m_tok = [score[c][0] / score[c][1] - score[i][0] / score[i][1] for c, i in pairs]
    assert block["pairs"] == 5 and block["problems"] == 2 and block["pairs_too_long"] == 0
    assert block["accuracy_sum"] == pytest.approx(np.mean([win(m) for m in m_sum]))
    assert block["accuracy_token"] == pytest.approx(np.mean([win(m) for m in m_tok]))
    assert block["margin_sum"] == pytest.approx(np.mean(m_sum), rel=1e-4)
    assert block["margin_token"] == pytest.approx(np.mean(m_tok), rel=1e-4)
    lo, hi = block["accuracy_sum_ci95"]
    assert 0.0 <= lo <= hi <= 1.0


def test_programs_over_the_length_limit_are_left_out_and_counted(tiny_model_dir, tokenizer):
    model = load_model(tiny_model_dir).eval()
    block = ranking.evaluate_ranking(model, tokenizer, PROBLEMS, *inputs(), prm(ranking_max_length=80), 0,
                                     torch.device("cpu"))
    assert block["pairs"] + block["pairs_too_long"] == 5 and block["pairs_too_long"] > 0


def test_bootstrap_interval_resamples_problems_by_brute_force():
    values = np.array([1.0, 0.0, 1.0, 1.0, 0.0, 0.5])
    groups = np.array(["a", "a", "b", "c", "c", "c"])
    lo, hi = ranking.bootstrap_interval(values, groups, 500, seed=3)
    # Brute force: the same draws of problem indices, pooled pair by pair.
    names = sorted(set(groups))
    draws = np.random.default_rng(3).integers(0, 3, size=(500, 3))
    means = []
    for d in draws:
        picked = np.concatenate([values[groups == names[k]] for k in d])
        means.append(picked.mean())
    assert (lo, hi) == pytest.approx(tuple(np.quantile(means, [0.025, 0.975])))
    # Every problem's own rate lies in [0, 1]; one problem alone gives a point interval.
    assert ranking.bootstrap_interval(np.array([1.0, 0.0]), np.array(["a", "a"]), 50, 0) == (0.5, 0.5)


def write_ranking_inputs(folder) -> tuple:
    """rewards.parquet and submissions.parquet (full schemas) holding SUBMISSIONS: the evaluate stage's inputs."""
    rewards, subs = inputs()
    rewards_path, subs_path = folder / "rewards.parquet", folder / "submissions.parquet"
    full_rewards = rewards.assign(problem_id=subs["problem_id"], r_verdict=0.0, r_partial=0.0, r_syntax=0.0,
                                  r_runtime=0.0, r_efficiency=0.0, reward=0.0)
    tables.write_table(tables.pa.Table.from_pandas(full_rewards[tables.REWARDS.names], schema=tables.REWARDS,
                                                   preserve_index=False), rewards_path, tables.REWARDS)
    full_subs = [{**{f: None for f in tables.SUBMISSIONS.names}, **r, "is_duplicate": False}
                 for r in subs.to_dict("records")]
    tables.write_table(tables.from_rows(full_subs, tables.SUBMISSIONS), subs_path, tables.SUBMISSIONS)
    return rewards_path, subs_path


def test_the_evaluate_stage_reports_ranking_in_metrics_and_comparison(tmp_path, tiny_model_dir, problems_path):
    run_prm = prm(n=1, k=(1,), max_new_tokens=4, batch_size=4)
    metrics_dir = tmp_path / "metrics"
    metrics, _ = stage.run(run_prm, ExecuteParams(workers=1), 7, tiny_model_dir, "base", problems_path,
                           tmp_path / "out", metrics_dir / "base.json", tmp_path / "plots",
                           progress=False, ranking_inputs=write_ranking_inputs(tmp_path))
    on_disk = json.loads((metrics_dir / "base.json").read_text())["base"]["ranking"]
    assert on_disk["pairs"] == 5 and 0 <= on_disk["accuracy_sum"] <= 1
    text = compare(metrics_dir, tmp_path / "comparison.md")
    assert "## Ranking accuracy" in text
    assert f"| accuracy, summed log-lik. [95% CI] | {on_disk['accuracy_sum']:.3f} [" in text
