"""The Input format: which variable each token is, and the facts checked on an aligned input."""
from __future__ import annotations

import pytest

from pipeline.testgen import constraints
from pipeline.testgen import format as input_format
from pipeline.testgen.layout import split_input


def statement(fmt: str, constraints: str = "") -> str:
    return (f"## Constraints\n\n{constraints}\n\n## Input\n\nInput is given from Standard Input in the following "
            f"format:\n\n{fmt}\n\n## Output\n\nPrint it.\n")


def names(fmt: str, text: str) -> dict:
    aligned = input_format.align(input_format.parse_format(statement(fmt)), split_input(text))
    return None if aligned is None else {pos: str(ref) for pos, ref in aligned.refs.items()}


def test_scalars_and_a_vector_sized_by_a_scalar():
    assert names("N\nA_1 A_2 ... A_N", "3\n5 6 7\n") == {(0, 0): "N", (1, 0): "A_1", (1, 1): "A_2", (1, 2): "A_3"}
    assert names("N\nA_1 A_2 \\ldots A_N", "3\n5 6\n") is None  # one element short


def test_a_block_of_rows_between_vertical_dots():
    got = names("N M\nA_1 B_1\n:\nA_M B_M", "4 2\n1 2\n3 4\n")
    assert got == {(0, 0): "N", (0, 1): "M", (1, 0): "A_1", (1, 1): "B_1", (2, 0): "A_2", (2, 1): "B_2"}


def test_a_unit_of_two_lines_whose_size_is_read_per_row():
    fmt = "N K\nd_1\nA_{1, 1} \\cdots A_{1, d_1}\n\\vdots\nd_K\nA_{K, 1} \\cdots A_{K, d_K}"
    got = names(fmt, "3 2\n1\n3\n2\n1 3\n")
    assert got[(1, 0)] == "d_1" and got[(2, 0)] == "A_1,1" and got[(3, 0)] == "d_2" and got[(4, 1)] == "A_2,2"


def test_rows_of_strings_and_a_zero_based_vector():
    assert names("H W\nS_1\n:\nS_H", "2 3\n.#.\n..#\n")[(2, 0)] == "S_2"
    assert names("N\nA_0 A_1 ... A_N", "2\n0 1 2\n")[(1, 2)] == "A_2"


def test_formats_as_real_statements_write_them():
    # real AtCoder notations: a second row shown before the dots, dots over three lines, the last two elements
    # shown, a vector starting at index 2, two dots
    assert names("N K\nh_1\nh_2\n:\nh_N", "3 2\n5\n6\n7\n")[(3, 0)] == "h_3"
    got = names("N\nA_1 B_1\nA_2 B_2\n:  :\nA_N B_N", "2\n1 2\n3 4\n")
    assert got[(2, 0)] == "A_2" and got[(2, 1)] == "B_2"
    assert names("N M\na_1\na_2\n .\n .\n .\na_M", "5 2\n1\n3\n")[(2, 0)] == "a_2"
    assert names("N\nW_1 W_2 ... W_{N-1} W_N", "3\n1 2 3\n")[(1, 2)] == "W_3"
    assert names("N\nA_2 ... A_N", "3\n1 1\n") == {(0, 0): "N", (1, 0): "A_2", (1, 1): "A_3"}
    assert names("N\nA_2 ... A_N", "3\n1 1 1\n") is None
    assert names("N\np_1 p_2 .. p_N", "2\n2 1\n")[(1, 1)] == "p_2"
    # a second row that is not the first one's shape is not taken for it
    assert input_format.parse_format(statement("N\nA_1 B_1\nA_3 B_3\n:\nA_N B_N")) is None


def test_a_prose_input_section_has_no_format():
    assert input_format.parse_format("## Input\n\nThe input consists of several datasets. Each has two integers.\n") is None


def check(fmt: str, constraint_text: str, text: str) -> list[str]:
    st = statement(fmt, constraint_text)
    aligned = input_format.align(input_format.parse_format(st), split_input(text))
    return input_format.check(constraints.parse_constraints(st).facts, aligned)


@pytest.mark.parametrize("text, ok", [("3\n5 6 7\n", True), ("3\n5 6 11\n", False), ("4\n1 2 3 4\n", False)])
def test_ranges_with_a_bound_naming_another_variable(text, ok):
    assert (check("N\nA_1 A_2 ... A_N", "1 \\leq N \\leq 3\n\n1 \\leq A_i \\leq 10", text) == []) == ok


def test_elementwise_relation_uses_the_same_index():
    fmt, cons = "N\nA_1 B_1\n:\nA_N B_N", "1 \\leq A_i \\leq B_i \\leq 10"
    assert check(fmt, cons, "2\n1 2\n3 3\n") == []
    assert check(fmt, cons, "2\n1 2\n4 3\n") != []


def test_alphabet_choices_distinct_sorted():
    assert check("S", "S consists of `1` and `9`.", "191\n") == []
    assert check("S", "S consists of `1` and `9`.", "120\n") != []  # the out-of-spec input
    assert check("S", "S is ABC or ARC.", "AGC\n") != []
    assert check("N\nA_1 ... A_N", "A_i \\neq A_j (i \\neq j)", "3\n1 2 1\n") != []
    assert check("N\nA_1 ... A_N", "A_1 < A_2 < \\cdots < A_N", "3\n1 3 2\n") != []
    assert check("N\nA_1 ... A_N", "A_1 < A_2 < \\cdots < A_N", "3\n1 2 3\n") == []


def test_a_fact_a_sample_violates_is_dropped_as_misread():
    st = statement("D", "D = 365")
    aligned = [input_format.align(input_format.parse_format(st), split_input("5\n"))]
    facts, dropped = input_format.resolve(constraints.parse_constraints(st).facts, aligned)
    assert [f.describe() for f in facts] == ["D <= 365"] and dropped == ["365 <= D"]


def test_bars_mean_a_length_for_strings_and_an_absolute_value_for_numbers():
    st = statement("S\nA", "1 \\leq |S| \\leq 3\n\n|A| \\leq 5")
    aligned = [input_format.align(input_format.parse_format(st), split_input("ab\n-3\n"))]
    facts, _ = input_format.resolve(constraints.parse_constraints(st).facts, aligned)
    kinds = {(f.ref.base, f.kind) for f in facts}
    assert kinds == {("S", "length"), ("A", "range")}
