"""The judge rules: compare_output and how test verdicts make a Judgement (no processes)."""
from __future__ import annotations

import pytest

from sandbox import ExecutionResult, Job, Limits, compare_output
from sandbox.judge import summarise

TOL = 1e-6


def test_exact():
    assert compare_output(b"3\n", "3\n", TOL) == "Accepted"


def test_crlf_and_trailing_blanks_are_ignored():
    assert compare_output(b"1 2  \r\n3\r\n\r\n\n", "1 2\n3", TOL) == "Accepted"


def test_missing_final_newline_is_fine():
    assert compare_output(b"abc", "abc\n", TOL) == "Accepted"


def test_presentation_error():
    assert compare_output(b"1\n2\n", "1 2\n", TOL) == "WA: Presentation Error"


def test_leading_spaces_are_a_presentation_error():
    assert compare_output(b" 1 2\n", "1 2\n", TOL) == "WA: Presentation Error"


def test_wrong_answer():
    assert compare_output(b"4\n", "3\n", TOL) == "Wrong Answer"


def test_float_within_absolute_tolerance():
    assert compare_output(b"0.3333334\n", "0.333333333\n", TOL) == "Accepted"


def test_float_within_relative_tolerance():
    assert compare_output(b"1000000.5\n", "1000000.0\n", TOL) == "Accepted"  # |diff| = 0.5 <= 1e-6 * 1e6


def test_float_outside_tolerance():
    assert compare_output(b"0.334\n", "0.333\n", TOL) == "Wrong Answer"


def test_integer_tokens_compare_numerically_within_tolerance():
    assert compare_output(b"3.0000000\n", "3\n", TOL) == "Accepted"


def test_nan_equals_only_itself():
    assert compare_output(b"nan\n", "nan\n", TOL) == "Accepted"
    assert compare_output(b"nan\n", "0.0\n", TOL) == "Wrong Answer"
    assert compare_output(b"inf\n", "1e308\n", TOL) == "Wrong Answer"


def test_different_token_counts():
    assert compare_output(b"1 2\n", "1 2 3\n", TOL) == "Wrong Answer"


def test_undecodable_bytes_are_replaced_not_fatal():
    assert compare_output(b"\xff\n", "x\n", TOL) == "Wrong Answer"


def _result(status="OK", wall=1.0, error=""):
    return ExecutionResult(status, 0, b"", b"", False, wall, wall, 1000, error)


def test_verdict_is_the_first_failing_test():
    judgement = summarise(["Accepted", "Wrong Answer", "Runtime Error"],
                          [_result(), _result(error="wa"), _result(error="boom")], 3)
    assert (judgement.verdict, judgement.tests_passed, judgement.error) == ("Wrong Answer", 1, "wa")


def test_unrun_tests_are_skipped():
    judgement = summarise(["Accepted", "Time Limit Exceeded"], [_result(), _result(wall=5.0)], 4)
    assert judgement.test_verdicts == ("Accepted", "Time Limit Exceeded", "Skipped", "Skipped")
    assert (judgement.verdict, judgement.tests_passed, judgement.wall_ms) == ("Time Limit Exceeded", 1, 5.0)


def test_all_passing_is_accepted_and_all_ok_is_ok():
    assert summarise(["Accepted", "OK"], [_result(), _result()], 2).verdict == "Accepted"
    assert summarise(["OK", "OK"], [_result(), _result()], 2).verdict == "OK"


def test_limits_and_jobs_are_validated():
    with pytest.raises(ValueError, match="time_ms"):
        Limits(time_ms=0, memory_kb=1024)
    with pytest.raises(ValueError, match="tests is empty"):
        Job("print(1)", (), Limits(1000, 1024))


def test_integers_compare_exactly_whatever_the_tolerance():
    # a relative 1e-6 would otherwise accept an off-by-one answer of 10^9 (|diff| 1 <= 1e-6 * 10^9)
    assert compare_output(b"1000000001\n", "1000000000\n", TOL) == "Wrong Answer"
    assert compare_output(b"1000000000\n", "1000000000\n", TOL) == "Accepted"
    assert compare_output(b"+7\n", "7\n", TOL) == "Accepted"  # the same integer
    assert compare_output(b"1000000000.5\n", "1000000000\n", TOL) == "Accepted"  # a real number: tolerance


def test_whitespace_counts_only_on_a_whitespace_sensitive_judge():
    # AOJ answers a spacing difference with Presentation Error; AtCoder compares tokens
    assert compare_output(b"AC x  3\n", "AC x 3\n", TOL) == "WA: Presentation Error"
    assert compare_output(b"AC x  3\n", "AC x 3\n", TOL, whitespace_sensitive=False) == "Accepted"
    assert compare_output(b"AC x 4\n", "AC x 3\n", TOL, whitespace_sensitive=False) == "Wrong Answer"
