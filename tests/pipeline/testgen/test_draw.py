"""Candidates drawn from the statement: inside every parsed fact, maximum sizes first, seeded (no programs run)."""
from __future__ import annotations

import pytest

from pipeline import params
from pipeline.testgen import draw as testgen_draw
from pipeline.testgen import format as input_format
from pipeline.testgen.layout import split_input

# Maximum sizes scaled to 50 kB here: the draw is pure Python, and these tests are about facts, not sizes.
PRM = params.TestsParams(candidates=16, max_input_bytes=50_000)


def statement(fmt: str, constraints: str) -> str:
    return (f"## Constraints\n\n{constraints}\n\n## Input\n\nInput is given from Standard Input in the following "
            f"format:\n\n{fmt}\n\n## Output\n\nPrint it.\n")


# Real statement shapes (paraphrased), with samples that alone would mislead a generator.
CASES = {
    # the issue's problem: a three-digit number made of 1 and 9 only
    "digits": (statement("n", "100 \\leq n \\leq 999\n\nn is an integer consisting of digits `1` and `9`."),
               ["119\n", "999\n"]),
    "vector": (statement("N\nA_1 A_2 \\ldots A_N", "1 \\leq N \\leq 2 \\times 10^5\n\n1 \\leq A_i \\leq 10^9\n\n"
                         "All values in input are integers."), ["3\n1 2 3\n"]),
    "edges": (statement("N M\nA_1 B_1\n:\nA_M B_M", "2 \\leq N \\leq 10^5\n\n1 \\leq M \\leq 2 \\times 10^5\n\n"
                        "1 \\leq A_i < B_i \\leq N"), ["3 2\n1 2\n2 3\n"]),
    "string": (statement("S\nK", "1 \\leq |S| \\leq 100\n\nS consists of lowercase English letters.\n\n"
                         "1 \\leq K \\leq |S|"), ["abc\n2\n"]),
    "choices": (statement("N\nS_1\n\\vdots\nS_N", "1 \\leq N \\leq 10^5\n\nS_i is `AC`, `WA`, `TLE`, or `RE`."),
                ["2\nAC\nWA\n"]),
    "sorted": (statement("N\nA_1 A_2 ... A_N", "1 \\leq N \\leq 50\n\n0 \\leq A_1 < A_2 < \\cdots < A_N \\leq 100"),
               ["3\n1 5 9\n"]),
    "unconstrained": (statement("N\nS", "1 \\leq N \\leq 10"), ["3\nwxyz\n"]),
    # u_i != v_i kept while drawing (small N: a pair drawn at random would often be equal)
    "graph": (statement("N M\nu_1 v_1\n:\nu_M v_M", "2 \\leq N \\leq 3\n\n1 \\leq M \\leq 50\n\n"
                        "1 \\leq u_i, v_i \\leq N\n\nu_i \\neq v_i"), ["3 2\n1 2\n2 3\n"]),
    # "a string S of length N" is prose, not a constraint: the samples show it
    # a sum bounds the vector together: later elements get what the earlier ones left
    "sum": (statement("N X\nm_1\nm_2\n:\nm_N", "2 \\leq N \\leq 100\n\n1 \\leq m_i \\leq 1000\n\n"
                      "m_1 + m_2 + ... + m_N \\leq X \\leq 10^5"), ["3 1000\n120\n100\n140\n", "4 360\n90\n90\n90\n90\n"]),
    "length_from_samples": (statement("N\nS", "3 \\leq N \\leq 50\n\nS consists of uppercase English letters."),
                            ["10\nZABCDBABCQ\n", "5\nABCAB\n"]),
}


def draw(name: str, seed: int = 1, prm: params.TestsParams = PRM):
    text, samples = CASES[name]
    sp = testgen_draw.spec(text, samples)
    assert sp.fits, sp.why_no_template
    return sp, testgen_draw.candidates(sp, samples, prm, seed, name)


@pytest.mark.parametrize("name", sorted(CASES))
def test_every_candidate_satisfies_every_parsed_fact(name):
    sp, (candidates, _) = draw(name)
    assert candidates
    for _, text in candidates:
        aligned = input_format.align(sp.template, split_input(text))
        assert aligned is not None and input_format.check(sp.facts, aligned) == [], text[:200]


def test_the_issues_digits_problem_draws_only_allowed_digits():
    _, (candidates, _) = draw("digits")
    assert {c for _, text in candidates for c in text.strip()} <= {"1", "9"}


def test_the_first_candidates_are_of_maximum_size():
    _, (candidates, _) = draw("vector", prm=params.TestsParams(candidates=3))
    regime, text = candidates[0]
    lines = split_input(text)
    assert regime == "max" and int(lines[0][0]) == 200000 and len(lines[1]) == 200000
    regime, text = candidates[1]  # every value at its maximum, in a small input
    assert regime == "max_values" and set(split_input(text)[1]) == {"1000000000"} and len(text) <= 20_000
    assert candidates[2][0] == "min" and split_input(candidates[2][1]) == [["1"], ["1"]]


def test_a_maximum_input_over_the_byte_limit_is_scaled_down_not_dropped():
    prm = params.TestsParams(candidates=3, max_input_bytes=100_000)
    _, (candidates, dropped) = draw("vector", prm=prm)
    regime, text = candidates[0]
    assert regime == "max" and len(text.encode()) <= 100_000 and int(split_input(text)[0][0]) > 5000
    assert not dropped["too_large"]


def test_a_variable_without_a_fact_keeps_what_the_samples_show():
    sp, (candidates, _) = draw("unconstrained")
    assert sp.unconstrained() == ["S"]
    assert {split_input(t)[1][0] for _, t in candidates} == {"wxyz"}


def test_unequal_pairs_are_drawn_unequal_even_at_maximum_size():
    sp, (candidates, dropped) = draw("graph")
    assert any(f.kind == "neq" for f in sp.facts)
    assert not dropped["out_of_spec"] and [r for r, _ in candidates[:3]] == ["max", "max_values", "min"]
    assert len(split_input(candidates[0][1])) == 51  # M = 50 rows, none with u = v


def test_a_length_every_sample_shows_is_kept():
    sp, (candidates, _) = draw("length_from_samples")
    assert "N <= len(S) <= N" in [f.describe() for f in sp.facts]
    sizes = [(int(split_input(t)[0][0]), len(split_input(t)[1][0])) for _, t in candidates]
    assert all(n == length for n, length in sizes) and sizes[0] == (50, 50)  # N sizes S: the first is maximal
    # one sample where the two differ: no such fact
    other = testgen_draw.spec(CASES["length_from_samples"][0], ["10\nZABCDBABCQ\n", "4\nABCAB\n"])
    assert all(f.kind != "length" for f in other.facts)


def test_candidates_are_a_function_of_the_seed():
    assert draw("edges", seed=1)[1] == draw("edges", seed=1)[1]
    assert draw("edges", seed=1)[1][0] != draw("edges", seed=2)[1][0]


def test_without_a_format_the_samples_layout_is_mutated_within_its_ranges():
    sp = testgen_draw.spec("## Input\n\nTwo integers a and b.\n", ["1 2\n", "5 7\n"])
    assert not sp.fits and sp.why_no_template
    candidates, _ = testgen_draw.candidates(sp, ["1 2\n", "5 7\n"], PRM, 1, "p00001")
    assert candidates and all(regime == "mutation" for regime, _ in candidates)
    for _, text in candidates:
        a, b = map(int, text.split())
        assert 1 <= a <= 5 and 2 <= b <= 7


@pytest.mark.parametrize("fmt, constraints, sample, boundary", [
    # "Yes when N mod 500 <= A": an off-by-one `<` differs only where N mod 500 == A
    ("N\nA", "1 \\leq N \\leq 10000\n\n0 \\leq A \\leq 1000", "2018\n218\n", lambda n, a: n % 500 == a),
    # "dangerous when B - A > X": `>=` differs only where B - A == X
    ("X A B", "1 \\leq X, A, B \\leq 10^9", "4 3 6\n", lambda x, a, b: b - a == x),
])
def test_relation_candidates_sit_on_equalities_between_values(fmt, constraints, sample, boundary):
    text = statement(fmt, constraints + "\n\nAll values in input are integers.")
    sp = testgen_draw.spec(text, [sample])
    candidates, _ = testgen_draw.candidates(sp, [sample], params.TestsParams(candidates=400), 1, "x")
    on = {regime: 0 for regime in testgen_draw.CYCLE_REGIMES}
    for regime, text in candidates:
        if regime in on:
            on[regime] += boundary(*map(int, text.split()))
    assert on["relation"] >= 5 and on["relation"] > 2 * on["random"] and on["relation"] > on["small"]
