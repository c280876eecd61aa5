"""Validation: every Accepted program must agree on a generated test; special judges; the held-out cross-check."""
from __future__ import annotations

import dataclasses

from pipeline import judging, params
from pipeline.testgen import stage
from pipeline.testgen import validate
from sandbox import Job, Limits

SUM = "a, b = map(int, input().split())\nprint(a + b)\n"
SUM_READ_ALL = "import sys\nprint(sum(map(int, sys.stdin.read().split())))\n"
SUM_LOOP = "a, b = map(int, input().split())\ns = a\nfor _ in range(b):\n    s += 1\nprint(s)\n"
# Agrees with the others only while a < 8: past that it is a different program.
SUM_SMALL_ONLY = "a, b = map(int, input().split())\nprint(a + b if a < 8 else a - b)\n"
EXE = params.ExecuteParams(workers=2)
# An AOJ problem's rules (whitespace counts), limits 2 s / 256 MB; each helper gives its own tests.
JUDGED = judging.ProblemJudging("p00001", (), (), Limits(time_ms=2000, memory_kb=262144), 1e-6,
                                stop_after_timeout=True, whitespace_sensitive=True)
STATEMENT = ("## Constraints\n\n1 \\leq A, B \\leq 100\n\nAll values in input are integers.\n\n"
             "## Input\n\nInput is given from Standard Input in the following format:\n\nA B\n\n## Output\n\nx\n")


def problem(pid: str = "p00001", statement: str = STATEMENT) -> dict:
    return {
        "problem_id": pid, "time_limit_ms": 1000, "memory_limit_kb": 262144, "statement": statement,
        "tests": [{"input": "1 2\n", "output": "3\n", "source": "derived"},
                  {"input": "5 7\n", "output": "12\n", "source": "statement"}],
    }


def accepted(*codes: str) -> list[dict]:
    return [{"submission_id": f"s{i:09d}", "code": c, "code_hash": str(hash(c))} for i, c in enumerate(codes)]


def test_unanimous_outputs_give_the_expected_output():
    assert validate.agreed_output([b"3\n", b"3", b"3\r\n"], JUDGED) == "3\n"


def test_outputs_equal_within_the_judge_tolerance_agree():
    assert validate.agreed_output([b"0.3333333\n", b"0.33333334\n", b"0.333333\n"], JUDGED) == "0.3333333\n"


def test_one_dissenting_output_rejects_the_input():
    assert validate.agreed_output([b"3\n", b"3\n", b"3\n", b"4\n"], JUDGED) is None
    assert validate.agreed_output([b"1 2\n", b"1\n2\n"], JUDGED) is None  # a presentation difference disagrees too


def test_on_a_token_comparing_judge_whitespace_does_not_disagree():
    atcoder = dataclasses.replace(JUDGED, whitespace_sensitive=False)
    assert validate.agreed_output([b"AC x 3\n", b"AC x  3\n"], atcoder) == "AC x 3\n"


def test_an_input_on_which_one_accepted_program_disagrees_is_rejected(box):
    prm = params.TestsParams(validators=3, min_validators=2, heldout_fraction=0)
    codes = [SUM, SUM_READ_ALL, SUM_SMALL_ONLY]
    assert validate.validate_input(box, codes, "3 4\n", JUDGED, prm) == ("kept", "7\n")
    assert validate.validate_input(box, codes, "9 4\n", JUDGED, prm) == ("disagreement", None)


def test_kept_tests_are_those_every_validator_agrees_on(box):
    prm = params.TestsParams(candidates=24, max_tests=24, validators=3, min_validators=2, heldout_fraction=0)
    tests, report = stage.generate_problem_tests(box, problem(), accepted(SUM, SUM_READ_ALL, SUM_SMALL_ONLY), prm,
                                             EXE, seed=5)
    assert report["rejected"]["disagreement"] > 0
    assert tests and all(int(t["input"].split()[0]) < 8 for t in tests)
    assert all(t["output"] == f"{sum(map(int, t['input'].split()))}\n" for t in tests)
    assert report["kept"] + sum(report["rejected"].values()) == report["validated"]


def test_validation_stops_after_max_rejected_rejections(box):
    # a validator that crashes past a = 5 (a constraint the draw does not know): the rest is not run
    codes = [SUM, "a, b = map(int, input().split())\nassert a <= 5\nprint(a + b)\n"]
    judged = dataclasses.replace(JUDGED, tests=())
    candidates = [("random", f"{a} 1\n") for a in range(6, 16)] + [("small", "1 1\n")]
    prm = params.TestsParams(max_rejected=3)
    tests, counts, stopped = validate.validate_candidates(box, codes, candidates, judged, prm, workers=1)
    assert tests == [] and counts["crash"] == 3 and counts["not_validated"] == 8 and stopped == "max_rejected"


def test_rare_answers_are_kept_before_a_fifth_copy_of_a_common_one(box):
    # "Yes" when 7 divides a + b: the boundary cases are the rare answer
    codes = ["a, b = map(int, input().split())\nprint('Yes' if (a + b) % 7 == 0 else 'No')\n"]
    judged = dataclasses.replace(JUDGED, tests=())
    candidates = [("random", f"1 {b}\n") for b in (1, 2, 3, 4)] + [("small", "3 4\n"), ("random", "1 7\n")]
    prm = params.TestsParams(max_tests=4, max_same_output=2)
    tests, counts, _ = validate.validate_candidates(box, codes, candidates, judged, prm, workers=2)
    assert [t["input"] for t in tests] == ["1 1\n", "1 2\n", "3 4\n", "1 3\n"]  # then a set-aside "No" fills
    assert counts["kept"] == 4 and counts["surplus"] == 2 and counts["kept_small"] == 1


def test_one_validator_is_enough_only_where_the_statement_specifies_the_whole_input(box):
    prm = params.TestsParams(candidates=6, validators=3, min_validators=2, min_validators_specified=1)
    tests, report = stage.generate_problem_tests(box, problem(), accepted(SUM), prm, EXE, seed=5)
    assert tests and report["skipped"] is None
    unparsed = STATEMENT.replace("All values", "A + B is a prime number.\n\nAll values")
    tests, report = stage.generate_problem_tests(box, problem(statement=unparsed), accepted(SUM), prm, EXE, seed=5)
    assert not tests and "tests.min_validators = 2" in report["skipped"]
    assert report["constraints"]["not_parsed"] == ["A + B is a prime number."]


def test_crash_timeout_and_slowness_of_a_validator_reject_the_input(box):
    prm = params.TestsParams(validators=3, min_validators=2)
    assert validate.validate_input(box, [SUM, "print(1 / 0)\n"], "1 2\n", JUDGED, prm) == ("crash", None)
    assert validate.validate_input(box, [SUM, "while True: pass\n"], "1 2\n", dataclasses.replace(JUDGED, limits=Limits(300, 262144)), prm) == \
        ("timeout", None)
    slow = params.TestsParams(validators=3, min_validators=2, max_time_fraction=0.05)
    # ~10^7 increments: well over 5% of 2 s of CPU, far under the limit itself
    assert validate.validate_input(box, [SUM, SUM_LOOP], "1 10000000\n", JUDGED, slow) == ("slow", None)


def test_an_accepted_program_printing_another_answer_on_a_sample_marks_a_special_judge(box):
    other = "a, b = map(int, input().split())\nprint(a + b, '')\nprint('also right')\n"
    prm = params.TestsParams(validators=4, min_validators=2, heldout_fraction=0)
    tests, report = stage.generate_problem_tests(box, problem(), accepted(SUM, SUM_READ_ALL, other), prm, EXE, seed=1)
    assert tests == [] and report["special_judge"] and "special judge" in report["skipped"]
    assert report["candidates"] == 0  # nothing generated, nothing run


def test_a_statement_that_accepts_several_answers_is_a_special_judge(box):
    text = STATEMENT.replace("x\n", "If there are multiple solutions, print any of them.\n")
    prm = params.TestsParams(validators=4, min_validators=2, heldout_fraction=0)
    tests, report = stage.generate_problem_tests(box, problem(statement=text), accepted(SUM, SUM_READ_ALL), prm, EXE,
                                             seed=1)
    assert tests == [] and report["special_judge"]


def test_a_program_crashing_on_a_sample_is_screened_out_not_a_special_judge(box):
    prm = params.TestsParams(candidates=4, max_tests=2, validators=4, min_validators=2, heldout_fraction=0)
    tests, report = stage.generate_problem_tests(box, problem(), accepted(SUM, "import numpyy\n", SUM_READ_ALL), prm,
                                             EXE, seed=1)
    assert report["screened_out"] == ["s000000001"] and not report["special_judge"] and len(tests) == 2


def test_a_held_out_program_failing_a_kept_test_removes_the_problems_tests(box):
    # The held-out program is the seeded first of the distinct ones; it is wrong from a = 8 on, which the
    # validators (right everywhere) cannot see: only the cross-check can.
    programs = accepted(SUM, SUM_READ_ALL, SUM_SMALL_ONLY, "import sys\na, b = map(int, sys.stdin.read().split())\n"
                        "print(b + a)\n")
    prm = params.TestsParams(candidates=24, max_tests=12, validators=8, min_validators=2, heldout_fraction=0.25)
    pool, heldout = validate.split_programs(programs, prm, seed=3)
    wrong = [p for p in programs if p["code"] == SUM_SMALL_ONLY][0]
    seed = next(s for s in range(50) if validate.split_programs(programs, prm, s)[1] == [wrong])
    tests, report = stage.generate_problem_tests(box, problem(), programs, prm, EXE, seed=seed)
    assert report["heldout"] == [wrong["submission_id"]]
    assert report["cross_check"]["failed"] == [wrong["submission_id"]] and report["cross_check"]["pass_rate"] < 1
    assert tests == [] and "cross-check" in report["skipped"]


def test_validators_are_chosen_for_diverse_code_and_the_split_is_seeded():
    same = [f"n = int(input())\nprint(n * {k})\n" for k in range(5)]
    other = "import sys\nvalues = list(map(int, sys.stdin.read().split()))\nprint(sum(values))\n"
    programs = accepted(*same, other)
    prm = params.TestsParams(validators=32, min_validators=2, heldout_fraction=0)
    pool, heldout = validate.split_programs(programs, prm, seed=1)
    assert heldout == [] and len(pool) == 6
    assert other in [p["code"] for p in pool[:2]]  # the different program comes right after the first
    prm = params.TestsParams(validators=32, min_validators=2, heldout_fraction=0.25)
    assert validate.split_programs(programs, prm, seed=1) == validate.split_programs(programs, prm, seed=1)
    assert len(validate.split_programs(programs, prm, seed=1)[1]) == 2


def test_validation_is_deterministic_for_a_seed(box):
    prm = params.TestsParams(candidates=16, max_tests=6, validators=3, min_validators=2, heldout_fraction=0)
    codes = accepted(SUM, SUM_READ_ALL, SUM_LOOP)
    first, report_a = stage.generate_problem_tests(box, problem(), codes, prm, EXE, seed=11)
    again, report_b = stage.generate_problem_tests(box, problem(), codes, prm, EXE, seed=11)
    other, _ = stage.generate_problem_tests(box, problem(), codes, prm, EXE, seed=12)
    report_a.pop("seconds"), report_b.pop("seconds")
    assert first == again and report_a == report_b
    assert len(first) == 6 and report_a["stopped_by"] == "max_tests"
    assert [t["input"] for t in other] != [t["input"] for t in first]


def test_a_spent_time_budget_stops_only_the_large_candidates(box):
    # a budget spent before the first window: the large candidate is reported, not run; the small ones are kept
    # all the same, so what is kept of them does not depend on how fast the machine is
    prm = params.TestsParams(max_tests=8, small_input_bytes=10, time_budget_s=1e-9)
    judged = dataclasses.replace(JUDGED, tests=())
    large = "1 " + "0" * 20 + "\n"
    candidates = [("max", large), ("small", "1 2\n"), ("small", "3 4\n"), ("edge", "100 100\n")]
    tests, counts, stopped = validate.validate_candidates(box, [SUM, SUM_LOOP], candidates, judged, prm, workers=2)
    assert [t["input"] for t in tests] == ["1 2\n", "3 4\n", "100 100\n"]
    assert counts["not_validated"] == 1 and stopped == "time_budget"


def test_a_sample_wrong_answer_that_passes_the_samples_fails_a_generated_test(box, sample_ingest):
    problems, subs = sample_ingest
    pid, wrong_id = "p02700", "s108000005"
    row = problems[pid]
    wrong = next(s for s in subs if s["submission_id"] == wrong_id)
    assert wrong["status"] == "Wrong Answer"
    ok = [s for s in subs if s["problem_id"] == pid and s["status"] == "Accepted" and not s["is_duplicate"]]
    prm = params.TestsParams(candidates=12, max_tests=6, heldout_fraction=0)
    tests, report = stage.generate_problem_tests(box, row, ok, prm, EXE, seed=20260526)
    assert tests and all(t["source"] == "generated" for t in tests)

    def verdict(source_tests):
        job = Job(wrong["code"], tuple((t["input"], t["output"]) for t in source_tests),
                  judging.limits_for(EXE, row["time_limit_ms"], row["memory_limit_kb"]), judging.tolerance_for(EXE, row))
        return box.judge(job).verdict

    assert verdict([t for t in row["tests"] if t["source"] == "derived"]) == "Accepted"
    assert verdict(tests) != "Accepted"
