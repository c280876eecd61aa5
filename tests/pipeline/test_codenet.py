"""Readers of CodeNet pieces: statements and samples, versions, code normalisation."""
from pipeline import codenet
from tests.conftest import AIZU_HTML

ATCODER_HTML = """<span class="lang">
<span class="lang-ja">
<p>配点 : <var>100</var> 点</p>
<div class="part"><section><h3>入力例 1</h3><pre>3
</pre></section></div>
<div class="part"><section><h3>出力例 1</h3><pre>6
</pre></section></div>
</span>
<span class="lang-en">
<p>Score : <var>100</var> points</p>
<div class="part"><section><h3>Problem Statement</h3><p>Given <var>N</var>, print <var>N(N+1)/2</var> &le; 10.</p></section></div>
<div class="part"><section><h3>Sample Input 1</h3><pre>3
</pre></section></div>
<div class="part"><section><h3>Sample Output 1</h3><pre>6
</pre></section></div>
<div class="part"><section><h3>Sample Input 2</h3><pre>4
</pre></section></div>
<div class="part"><section><h3>Sample Output 2</h3><pre>10
</pre></section></div>
</span>
</span>
"""


def test_aizu_samples_are_paired_in_order():
    text, samples = codenet.parse_statement(AIZU_HTML)
    assert samples == [("1 2\n", "3\n"), ("5 7\n", "12\n")]
    assert "Print the sum of a and b." in text


def test_atcoder_samples_in_both_languages_are_deduplicated():
    _, samples = codenet.parse_statement(ATCODER_HTML)
    assert samples == [("3\n", "6\n"), ("4\n", "10\n")]


def test_atcoder_statement_text_is_the_english_copy_with_entities_decoded():
    text, _ = codenet.parse_statement(ATCODER_HTML)
    assert "Score : 100 points" in text
    assert "≤ 10" in text
    assert "配点" not in text


def test_statement_without_samples():
    text, samples = codenet.parse_statement("<H1>T</H1><p>No samples here.</p>")
    assert samples == [] and "No samples here." in text


def test_python_version_from_original_language():
    cases = {
        ("Python3", "AIZU"): 3,
        ("Python", "AIZU"): 2,
        ("Python", "AtCoder"): 0,
        ("Python (3.8.2)", "AtCoder"): 3,
        ("Python (2.7.6)", "AtCoder"): 2,
        ("PyPy3 (7.3.0)", "AtCoder"): 3,
        ("PyPy2 (5.6.0)", "AtCoder"): 2,
        ("C++14 (GCC 5.4.1)", "AtCoder"): 0,
    }
    for (lang, dataset), expected in cases.items():
        assert codenet.python_version(lang, dataset) == expected, lang


def test_code_hash_ignores_whitespace_but_not_indentation():
    a = "if x:\n    y = 1\n\nprint(y)\n"
    b = "if x:\r\n    y  =  1   \r\n\r\nprint(y)"
    c = "if x:\n    y = 1\n    print(y)\n"
    assert codenet.code_hash(a) == codenet.code_hash(b)
    assert codenet.code_hash(a) != codenet.code_hash(c)


def test_test_text_normalisation():
    assert codenet.normalise_test_text("1 2\r\n3\r\n\r\n") == "1 2\n3\n"
    assert codenet.normalise_test_text("7") == "7\n"
    assert codenet.normalise_test_text("") == ""
