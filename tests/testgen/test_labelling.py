"""Labelling: the majority rule (pure), and generated tests labelled by Accepted programs in the sandbox."""
from __future__ import annotations

import pytest

from pipeline import judging, params as P
from pipeline import testgen as T
from sandbox import Job, Limits

SUM = "a, b = map(int, input().split())\nprint(a + b)\n"
SUM_READ_ALL = "import sys\nprint(sum(map(int, sys.stdin.read().split())))\n"
SUM_LOOP = "a, b = map(int, input().split())\ns = a\nfor _ in range(b):\n    s += 1\nprint(s)\n"
# Agrees with the others only while a < 8: past that it is a different program.
SUM_SMALL_ONLY = "a, b = map(int, input().split())\nprint(a + b if a < 8 else a - b)\n"
EXE = P.ExecuteParams(workers=2)
LIMITS = Limits(time_ms=2000, memory_kb=262144)


def problem(pid: str = "p00001") -> dict:
    return {
        "problem_id": pid, "time_limit_ms": 1000, "memory_limit_kb": 262144,
        "tests": [{"input": "1 2\n", "output": "3\n", "source": "derived"},
                  {"input": "5 7\n", "output": "12\n", "source": "statement"}],
    }


def accepted(*codes: str) -> list[dict]:
    return [{"submission_id": f"s{i:09d}", "code": c, "code_hash": str(hash(c))} for i, c in enumerate(codes)]


def test_unanimous_outputs_give_the_expected_output():
    assert T.majority_output([b"3\n", b"3", b"3\r\n"], 1e-6, 3, 1.0) == "3\n"


def test_outputs_equal_within_the_judge_tolerance_agree():
    assert T.majority_output([b"0.3333333\n", b"0.33333334\n", b"0.333333\n"], 1e-6, 3, 1.0) == "0.3333333\n"


def test_one_dissenting_output_rejects_under_unanimity():
    assert T.majority_output([b"3\n", b"3\n", b"4\n"], 1e-6, 2, 1.0) is None


def test_a_clear_majority_is_enough_when_agreement_allows_it():
    assert T.majority_output([b"3\n", b"4\n", b"3\n"], 1e-6, 2, 0.6) == "3\n"
    assert T.majority_output([b"3\n", b"4\n", b"3\n"], 1e-6, 3, 0.6) is None  # below min_agreeing


def test_a_tie_is_not_a_majority():
    assert T.majority_output([b"3\n", b"4\n", b"3\n", b"4\n"], 1e-6, 2, 0.51) is None


def test_a_presentation_difference_is_a_disagreement():
    assert T.majority_output([b"1 2\n", b"1\n2\n", b"1 2\n"], 1e-6, 3, 1.0) is None


def test_input_on_which_accepted_solutions_disagree_is_rejected(box):
    prm = P.TestsParams(candidates=24, max_tests=24, solutions=3, min_agreeing=3)
    tests, report = T.generate_problem_tests(
        box, problem(), accepted(SUM, SUM_READ_ALL, SUM_SMALL_ONLY), prm, EXE, seed=5
    )
    assert report["rejected"]["disagreement"] > 0
    assert tests and all(int(t["input"].split()[0]) < 8 for t in tests)
    assert all(t["output"] == f"{sum(map(int, t['input'].split()))}\n" for t in tests)
    assert report["kept"] + sum(report["rejected"].values()) == report["labelled"]


def test_crash_and_timeout_of_a_labeller_reject_the_input(box):
    prm = P.TestsParams(solutions=3, min_agreeing=2)
    assert T.label_input(box, [SUM, "print(1 / 0)\n"], "1 2\n", LIMITS, 1e-6, prm) == ("crash", None)
    assert T.label_input(box, [SUM, "while True: pass\n"], "1 2\n", Limits(300, 262144), 1e-6, prm) == ("timeout", None)


def test_a_labeller_using_most_of_the_time_limit_rejects_the_input(box):
    prm = P.TestsParams(solutions=3, min_agreeing=2, max_time_fraction=0.05)
    # ~10^7 increments: well over 5% of 2 s of CPU, far under the limit itself
    assert T.label_input(box, [SUM, SUM_LOOP], "1 10000000\n", LIMITS, 1e-6, prm) == ("slow", None)


def test_labelling_is_deterministic_for_a_seed(box):
    prm = P.TestsParams(candidates=16, max_tests=6, solutions=3, min_agreeing=3)
    codes = accepted(SUM, SUM_READ_ALL, SUM_LOOP)
    first, report_a = T.generate_problem_tests(box, problem(), codes, prm, EXE, seed=11)
    again, report_b = T.generate_problem_tests(box, problem(), codes, prm, EXE, seed=11)
    other, _ = T.generate_problem_tests(box, problem(), codes, prm, EXE, seed=12)
    assert first == again and report_a == report_b
    assert len(first) == 6 and report_a["stopped_by"] == "max_tests"
    assert [t["input"] for t in other] != [t["input"] for t in first]


def test_labellers_must_pass_the_problems_own_tests(box):
    prm = P.TestsParams(candidates=4, max_tests=2, solutions=3, min_agreeing=3)
    wrong = "print(3)\n"  # passes the derived test, fails the statement sample
    tests, report = T.generate_problem_tests(box, problem(), accepted(SUM, wrong, SUM_READ_ALL), prm, EXE, seed=1)
    assert report["screened_out"] == ["s000000001"] and report["skipped"] and tests == []


@pytest.mark.parametrize("pid, wrong_id", [("p02700", "s108000005"), ("p00150", "s103000006")])
def test_a_sample_wrong_answer_that_passes_the_samples_fails_a_generated_test(box, sample_ingest, pid, wrong_id):
    problems, subs = sample_ingest
    row = problems[pid]
    wrong = next(s for s in subs if s["submission_id"] == wrong_id)
    assert wrong["status"] == "Wrong Answer"
    ok = [s for s in subs if s["problem_id"] == pid and s["status"] == "Accepted" and not s["is_duplicate"]]
    prm = P.TestsParams(candidates=16, max_tests=6, solutions=3, min_agreeing=3)
    tests, report = T.generate_problem_tests(box, row, ok, prm, EXE, seed=20260526)
    assert len(tests) == 6 and all(t["source"] == "generated" for t in tests)

    def verdict(source_tests):
        job = Job(wrong["code"], tuple((t["input"], t["output"]) for t in source_tests),
                    judging.limits_for(EXE, row["time_limit_ms"], row["memory_limit_kb"]), judging.tolerance_for(EXE, pid))
        return box.judge(job).verdict

    assert verdict([t for t in row["tests"] if t["source"] == "derived"]) == "Accepted"
    assert verdict(tests) == "Wrong Answer"
