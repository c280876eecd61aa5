"""summarise: judged sample rows -> metrics, checked against hand computation."""
from __future__ import annotations

import pytest

from pipeline.evaluate.metrics import pass_at_k, pass_at_k_curve, summarise


def rows_for(pid, split, difficulty, verdicts, greedy_verdict, programs=None):
    programs = programs or [f"print({i})" for i in range(len(verdicts))]
    rows = [{"problem_id": pid, "split": split, "difficulty": difficulty, "greedy": False, "sample": i,
             "verdict": v, "program": p} for i, (v, p) in enumerate(zip(verdicts, programs))]
    rows.append({"problem_id": pid, "split": split, "difficulty": difficulty, "greedy": True, "sample": 0,
                 "verdict": greedy_verdict, "program": programs[0]})
    return rows


@pytest.fixture()
def rows():
    a = ["Accepted", "Accepted", "Wrong Answer", "Compile Error"]
    b = ["Runtime Error", "Wrong Answer", "Wrong Answer", "Time Limit Exceeded"]
    c = ["Accepted", "Compile Error", "Compile Error", "Compile Error"]
    return (rows_for("p1", "test", "easy", a, "Accepted", ["x = 1", "y = 2", "z", "("])
            + rows_for("p2", "test", "hard", b, "Wrong Answer")
            + rows_for("p3", "valid", "easy", c, "Compile Error"))


def test_pass_at_k_is_the_mean_over_problems(rows):
    m = summarise(rows, ks=[1, 2])
    assert m["pass@1"] == pytest.approx((2 / 4 + 0 + 1 / 4) / 3)
    expected2 = (pass_at_k(4, 2, 2) + 0 + pass_at_k(4, 1, 2)) / 3
    assert m["pass@2"] == pytest.approx(expected2)
    assert m["problems"] == 3 and m["samples"] == 12


def test_pass_at_1_is_always_reported(rows):
    assert "pass@1" in summarise(rows, ks=[4])


def test_greedy_pass_at_1(rows):
    assert summarise(rows, ks=[1])["greedy_pass@1"] == pytest.approx(1 / 3)


def test_per_split_and_per_difficulty(rows):
    m = summarise(rows, ks=[1], difficulty_order=["easy", "hard"])
    assert m["by_split"]["test"]["pass@1"] == pytest.approx((2 / 4 + 0) / 2)
    assert m["by_split"]["valid"]["pass@1"] == pytest.approx(1 / 4)
    assert m["by_difficulty"]["easy"]["pass@1"] == pytest.approx((2 / 4 + 1 / 4) / 2)
    assert m["by_difficulty"]["easy"]["problems"] == 2
    assert m["by_difficulty"]["hard"]["greedy_pass@1"] == 0.0
    assert [m["by_difficulty"][b]["rank"] for b in ("easy", "hard")] == [0, 1]


def test_verdict_rates_count_sampled_completions_only(rows):
    rates = summarise(rows, ks=[1])["verdict_rates"]
    assert rates["Accepted"] == pytest.approx(3 / 12)
    assert rates["Compile Error"] == pytest.approx(4 / 12)
    assert rates["Wrong Answer"] == pytest.approx(3 / 12)
    assert rates["Memory Limit Exceeded"] == 0.0  # every standard verdict is reported
    assert sum(rates.values()) == pytest.approx(1.0)


def test_diversity_over_correct_samples_uses_problems_with_two_correct(rows):
    div = summarise(rows, ks=[1])["diversity"]
    assert div["all"]["problems"] == 3
    # Only p1 has two correct programs: "x = 1" and "y = 2", tokens (x, =, 1) and (y, =, 2).
    assert div["correct"]["problems"] == 1
    assert div["correct"]["distinct_1"] == pytest.approx(5 / 6)
    assert div["correct"]["edit_distance"] == pytest.approx(2 / 3)


def test_missing_greedy_row_is_an_error(rows):
    with pytest.raises(ValueError, match="greedy"):
        summarise([r for r in rows if not (r["greedy"] and r["problem_id"] == "p2")], ks=[1])


def test_k_above_n_is_an_error(rows):
    with pytest.raises(ValueError):
        summarise(rows, ks=[5])


def test_pass_at_k_curve_is_monotone_and_ends_at_any_correct(rows):
    curve = pass_at_k_curve(rows, 4)
    values = [point["pass_at_k"] for point in curve]
    assert [point["k"] for point in curve] == [1, 2, 3, 4]
    assert values == sorted(values)
    assert values[-1] == pytest.approx(2 / 3)  # p1 and p3 have a correct sample
