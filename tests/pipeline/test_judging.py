"""The one judging path: problem row -> tests, limits, tolerance -> Job -> verdict row."""
from __future__ import annotations

import dataclasses

import pyarrow as pa

from pipeline import judging, tables
from pipeline.params import ExecuteParams
from sandbox import Judgement, Limits

EXE = ExecuteParams(time_limit_factor=1.5, default_time_limit_ms=3000, default_memory_limit_kb=1024,
                      output_limit_kb=64, tolerance=1e-6, tolerance_overrides={"p00002": 0.01},
                      test_sources=("derived", "generated"), stop_after_timeout=False)


def case(source: str, text: str) -> dict:
    return {"input": f"{source} {text}\n", "output": text, "source": source}

ROW = {"problem_id": "p00001", "time_limit_ms": 1000, "memory_limit_kb": 65536,
       "tests": [case("statement", "1"), case("derived", "2"), case("generated", "3"), case("derived", "4")]}


def test_limits_are_the_problems_times_the_factor():
    assert judging.limits_for(EXE, 1000, 65536) == Limits(time_ms=1500, memory_kb=65536, output_kb=64)


def test_missing_or_zero_limits_take_the_defaults():
    for time_ms, memory_kb in [(None, None), (0, 0)]:
        assert judging.limits_for(EXE, time_ms, memory_kb) == Limits(time_ms=4500, memory_kb=1024, output_kb=64)


def test_time_limit_rounds_to_whole_milliseconds():
    exe = dataclasses.replace(EXE, time_limit_factor=1.001)
    assert judging.limits_for(exe, 999, 1).time_ms == 1000  # 999.999
    assert judging.limits_for(exe, 1000, 1).time_ms == 1001  # 1001.0
    assert judging.limits_for(exe, 400, 1).time_ms == 400  # 400.4


def test_tolerance_override_applies_to_its_problem_only():
    assert judging.tolerance_for(EXE, {"problem_id": "p00002"}) == 0.01
    assert judging.tolerance_for(EXE, {"problem_id": "p00001"}) == 1e-6


# Real statements' wordings (CodeNet problem_descriptions, as pipeline.codenet.parse_statement renders them).
STATED = [
    ("The output should not contain an absolute error greater than 10^{-4}.", 1e-4),  # p02379 (AOJ)
    ("Your output will be accepted when its absolute or relative error from the correct value is at most 10^{-9}.",
     1e-9),  # p02677
    ("Your output is considered correct if and only if its absolute or relative error from our answer is at most "
     "10^{-2}.\nSince we accept an absolute or relative error of at most 10^{-2}, 6.28 is also acceptable", 1e-2),
    ("出力は、ジャッジの出力との絶対誤差または相対誤差が 10^{−6} 以下のとき正解と判定される。", 1e-6),
    ("The output should not contain an error greater than 0.00001.", 1e-5),
    ("Print the area with an error less than 0.001 and the perimeter within 10^{-5}.", 1e-3),  # the loosest
]


def test_statement_tolerance_reads_the_stated_error_bound():
    for text, bound in STATED:
        assert judging.statement_tolerance(text) == bound, text


def test_statement_without_an_error_bound_states_no_tolerance():
    for text in ["1 \\leq N \\leq 10^{5}", "", None, "Constraints: 0 < x < 10^{-1}. Print an error message.",
                 "If the input has an error, print 0.015."]:
        assert judging.statement_tolerance(text) is None, text


def test_tolerance_is_the_override_else_the_statements_else_the_default():
    stated = "the absolute or relative error is at most 10^{-3}."
    assert judging.tolerance_for(EXE, {"problem_id": "p00001", "statement": stated}) == 1e-3
    assert judging.tolerance_for(EXE, {"problem_id": "p00002", "statement": stated}) == 0.01
    assert judging.tolerance_for(EXE, {"problem_id": "p00001", "statement": "Print N."}) == 1e-6
    assert judging.problem_judging({**ROW, "statement": stated}, EXE).tolerance == 1e-3


def test_problem_judging_keeps_the_judged_sources_in_row_order():
    problem = judging.problem_judging(ROW, EXE)
    assert problem.tests == (("derived 2\n", "2"), ("generated 3\n", "3"), ("derived 4\n", "4"))
    assert problem.sources == ("derived", "generated", "derived")
    assert problem.limits == Limits(time_ms=1500, memory_kb=65536, output_kb=64)


def test_job_carries_every_rule_of_the_problem():
    job = judging.problem_judging({**ROW, "problem_id": "p00002"}, EXE).job("print(1)\n")
    assert job.code == "print(1)\n" and job.tests == judging.problem_judging(ROW, EXE).tests
    assert job.tolerance == 0.01 and job.stop_after_timeout is False and job.limits.time_ms == 1500


def test_problem_judgings_accepts_a_table_or_rows():
    rows = [ROW, {**ROW, "problem_id": "p00002", "tests": [case("statement", "1")]}]
    by_rows = judging.problem_judgings(rows, EXE)
    assert set(by_rows) == {"p00001", "p00002"} and by_rows["p00002"].tests == ()  # no judged source: no tests
    assert judging.problem_judgings(pa.Table.from_pylist(rows), EXE) == by_rows


def test_judgement_row_matches_the_verdicts_schema():
    j = Judgement("Wrong Answer", ("Accepted", "Wrong Answer"), 1, 2, 12.5, 10.0, 2048, "")
    row = judging.judgement_row({"submission_id": "s000000001", "problem_id": "p00001", "status": "Accepted"}, j)
    assert list(row) == tables.VERDICTS.names
    assert row["verdict"] == "Wrong Answer" and row["codenet_status"] == "Accepted"
    assert row["test_verdicts"] == ["Accepted", "Wrong Answer"]
    tables.from_rows([row], tables.VERDICTS)  # validates types against the schema


def test_atcoder_problems_compare_tokens_and_aoj_problems_whitespace_too():
    assert judging.problem_judging({**ROW, "dataset": "AtCoder"}, EXE).job("print(2)").whitespace_sensitive is False
    assert judging.problem_judging({**ROW, "dataset": "AIZU"}, EXE).job("print(2)").whitespace_sensitive is True
    assert judging.problem_judging(ROW, EXE).whitespace_sensitive is True  # unknown judge: the strict rule
