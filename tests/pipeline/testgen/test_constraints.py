"""The Constraints parser on snippets in the notations real statements use (English and Japanese; paraphrased)."""
from __future__ import annotations

import pytest

from pipeline import codenet
from pipeline.testgen import constraints


def facts(line: str) -> set[str]:
    return {f.describe() for f in constraints.parse_line(line)}


@pytest.mark.parametrize("line, expected", [
    ("1 \\leq N \\leq 2 \\times 10^5", {"1 <= N", "N <= 2 * 10^5"}),  # AtCoder TeX
    ("1 ≤ N ≤ 2×10^5", {"1 <= N", "N <= 2 * 10^5"}),  # Unicode
    ("1 ≦ N ≦ 100", {"1 <= N", "N <= 100"}),  # Japanese-style signs
    ("$1 \\leq n \\leq 200,000$", {"1 <= n", "n <= 200000"}),  # AIZU: dollars and thousands separators
    ("0 \\leq A_i \\leq 10^{18}", {"0 <= A", "A <= 10^{18}"}),
    ("0 < x, y < 100", {"0 < x", "0 < y", "x < 100", "y < 100"}),
    ("0 \\le H_1, H_2 \\le 23", {"0 <= H_1", "0 <= H_2", "H_1 <= 23", "H_2 <= 23"}),
    ("K \\ge 1", {"1 <= K"}),
    ("|A_i| \\leq 10^9", {"|A| <= 10^9"}),
])
def test_ranges(line, expected):
    assert facts(line) == expected


def test_a_chain_bounds_every_variable_in_it_also_transitively():
    got = facts("1 \\leq K \\leq N \\leq 2\\times 10^5")
    assert {"1 <= K", "K <= N", "N <= 2 * 10^5", "K <= 2 * 10^5", "1 <= N"} <= got


def test_a_bound_may_name_another_variable_and_the_index_qualifier_is_ignored():
    got = facts("1 \\leq A_i \\leq N\\ (1 \\leq i \\leq M)")
    assert {"1 <= A", "A <= N"} <= got and not any("M" in f for f in got)


def test_bounds_evaluate_in_every_notation():
    assert constraints.evaluate("2 * 10^5", {}) == 200000
    assert constraints.evaluate("2^{18}", {}) == 262144
    assert constraints.evaluate("10^{18}", {}) == 10**18  # exact: an int, not a float
    assert constraints.evaluate("N(N-1)/2", {constraints.Ref("N"): 5}) == 10
    assert constraints.evaluate("N - 1", {}) is None  # N unknown


@pytest.mark.parametrize("line, expected", [
    ("1 \\leq |S| \\leq 300", {"1 <= |S|", "|S| <= 300"}),
    ("The length of S is between 1 and 100 (inclusive).", {"1 <= len(S) <= 100"}),
    ("S and T have lengths between 1 and 2\\times 10^5 (inclusive).", {"1 <= len(S) <= 2 * 10^5",
                                                                       "1 <= len(T) <= 2 * 10^5"}),
    ("S is a string of length 10.", {"10 <= len(S) <= 10"}),
])
def test_string_lengths(line, expected):
    assert facts(line) == expected


@pytest.mark.parametrize("line, chars", [
    ("S consists of lowercase English letters.", "abcdefghijklmnopqrstuvwxyz"),
    ("S consists of `1` and `9`.", "19"),
    ("T consists of P, D, and ?.", "?DP"),
    ("s_i consists of the characters ()[]{} only.", "()[]{}"),
    ("Each character of S is L or R.", "LR"),
    ("S は英小文字からなる", "abcdefghijklmnopqrstuvwxyz"),
])
def test_alphabets(line, chars):
    (fact,) = constraints.parse_line(line)
    assert fact.kind == "alphabet" and fact.chars == chars


def test_choices_of_whole_values():
    (fact,) = constraints.parse_line("S_i is `AC`, `WA`, `TLE`, or `RE`.")
    assert fact.kind == "choices" and fact.values == ("AC", "WA", "TLE", "RE") and fact.ref == constraints.Ref("S")


@pytest.mark.parametrize("line, expected", [
    ("All values in input are integers.", {"* integer"}),
    ("入力は全て整数である。", {"* integer"}),
    ("N is an integer.", {"N integer"}),
    ("A_i \\neq A_j (1 \\leq i < j \\leq N)", {"A distinct"}),
    ("p_1, \\ldots, p_N are all distinct.", {"p distinct"}),
    ("B_{i} \\neq C_{i}", {"B != C"}),
    ("A_1 < A_2 < \\cdots < A_N", {"A sorted (strict)"}),
    ("1 \\leq A_{i, 1} < \\cdots < A_{i, d_i} \\leq N", {"A sorted (strict)", "1 <= A", "A <= N"}),
    ("t_i < t_{i+1} (1 \\leq i \\leq N-1)", {"t sorted (strict)"}),  # consecutive elements
    ("T_i \\leq T_{i+1}", {"T sorted"}),
])
def test_integers_distinctness_and_order(line, expected):
    assert facts(line) == expected


@pytest.mark.parametrize("line, expected", [
    ("N は 1 以上 100 以下の整数", {"1 <= N <= 100"}),
    ("K is an integer between 1 and 10^6 (inclusive).", {"1 <= K <= 10^6"}),
    ("N is a positive integer not exceeding 999.", {"1 <= N <= 999"}),
])
def test_ranges_in_prose(line, expected):
    assert facts(line) == expected


@pytest.mark.parametrize("line, expected", [
    ("m_1 + m_2 + ... + m_N \\leq X \\leq 10^5", {"sum(m) <= X", "X <= 10^5"}),
    ("2 \\leq c_1 + \\ldots + c_M \\leq 10^{15}", {"2 <= sum(c)", "sum(c) <= 10^{15}"}),
    ("B_1 + ... + B_N \\geq M", {"M <= sum(B)"}),
    ("a_1 + a_2 + ... + a_N = H W", {"sum(a) <= H W", "H W <= sum(a)"}),
])
def test_sums_of_a_vector(line, expected):
    assert facts(line) == expected


@pytest.mark.parametrize("line, expected", [
    ("a_i (1 \\leq i \\leq N) is an integer between 1 and 100 (inclusive)", {"1 <= a <= 100"}),
    ("S_i(1 \\leq i \\leq N) is either 0 or 1", {"S in ['0', '1']"}),
])
def test_a_qualifier_naming_the_elements_is_not_part_of_the_name(line, expected):
    assert facts(line) == expected


@pytest.mark.parametrize("line", ["The given graph is connected.", "There is a solution.", "N is even.",
                                  "A_i \\geq A_{i+1}",  # a descending order: no fact of ours says it
                                  "S_i％F_i=0"])
def test_lines_without_a_readable_fact_give_none(line):
    assert constraints.parse_line(line) == []


def test_the_section_of_an_atcoder_statement_in_both_languages():
    html = """<span class="lang-ja"><h3>制約</h3><ul><li>1 \\leq N \\leq 10^5</li><li>S は英小文字からなる</li>
<li>与えられるグラフは連結である</li></ul></span>
<span class="lang-en"><h3>Constraints</h3><ul><li>1 \\leq N \\leq 10^5</li>
<li>S consists of lowercase English letters.</li><li>The given graph is connected.</li></ul>
<h3>Input</h3><pre>N\nS\n</pre></span>"""
    parsed = constraints.parse_constraints(codenet.parse_statement(html)[0])
    assert parsed.has_section and len(parsed.parsed) == 2
    assert parsed.not_parsed == ["The given graph is connected."]
    japanese = constraints.parse_constraints("## 制約\n\n1 ≦ N ≦ 10^5\n\nS は英小文字からなる\n\n## 入力\n\nN\n")
    assert {f.describe() for f in japanese.facts} >= {"1 <= N", "N <= 10^5"} and not japanese.not_parsed


def test_superscripts_and_subscripts_survive_the_html_to_text_step():
    # AIZU writes 10<sup>9</sup> and a<sub>i</sub>; read as "109" and "ai" the bound would be wrong
    text, _ = codenet.parse_statement("<h2>Constraints</h2><p>1 ≤ a<sub>i</sub> ≤ 10<sup>9</sup></p>")
    assert "1 ≤ a_i ≤ 10^9" in text
    assert facts("1 ≤ a_i ≤ 10^9") == {"1 <= a", "a <= 10^9"}


def test_a_statement_without_constraints_section():
    assert not constraints.parse_constraints("## Input\n\nN\n").has_section


def test_a_digit_string_too_long_for_int_is_not_a_number():
    # Python refuses int() of over 4300 digits; a 10^5-digit S drawn from "|S| <= 10^5" is a string of digits
    assert constraints.number("9" * 4000) == int("9" * 4000)
    assert constraints.number("9" * 30000) is None
    assert constraints.number("-12") == -12 and constraints.number("2.5") == 2.5 and constraints.number("ab") is None
