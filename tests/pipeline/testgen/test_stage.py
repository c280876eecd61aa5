"""The stage end to end on a tiny CodeNet tree: outputs, report, measurement; and its params."""
from __future__ import annotations

import json

import pytest

from pipeline import ingest, params, tables
from pipeline import testgen
from pipeline.testgen import measure

SUM = "a, b = map(int, input().split())\nprint(a + b)\n"
SUM_READ_ALL = "import sys\nprint(sum(map(int, sys.stdin.read().split())))\n"
SUM_F = "a, b = map(int, input().split())\nprint(f'{a + b}')\n"
# Right on both samples (1 2 and 5 7), wrong once a number exceeds 7: only generated tests can tell.
WRONG = "a, b = map(int, input().split())\nprint(a + b if max(a, b) <= 7 else a * b)\n"
# Accepted on CodeNet, crashes here (a module this Python lacks, as numba is): it fails a sample, not a test.
CRASHES_HERE = "import coderl_no_such_module\n" + SUM


# An AtCoder-style statement: the constraints and the input format say what the two samples cannot.
HTML = """<h3>Constraints</h3><ul><li>1 \\leq A, B \\leq 100</li><li>All values in input are integers.</li>
<li>A is a prime number.</li></ul>
<h3>Input</h3><p>Input is given from Standard Input in the following format:</p><pre>A B
</pre>
<h3>Sample Input 1</h3><pre>1 2
</pre><h3>Sample Output 1</h3><pre>3
</pre>
<h3>Sample Input 2</h3><pre>5 7
</pre><h3>Sample Output 2</h3><pre>12
</pre>
"""


@pytest.fixture(scope="module")
def stage(tmp_path_factory):
    from tests.conftest import write_tree

    base = tmp_path_factory.mktemp("stage")
    subs = [{"code": c} for c in (SUM, SUM_READ_ALL, SUM_F)]
    subs += [{"code": WRONG, "status": "Wrong Answer"}, {"code": "print(1/0)\n", "status": "Runtime Error"}]
    root = write_tree(base / "Project_CodeNet", {"p00001": subs, "p00002": [{"code": SUM}],
                                                      "p00003": [{"code": CRASHES_HERE}]}, html=HTML)
    ingest.run(params.IngestParams(codenet_root=str(root), workers=1), base / "ingest")
    prm = params.TestsParams(candidates=12, max_tests=4, validators=3, min_validators=2, heldout_fraction=0,
                             measure_per_status=4, time_budget_s=600)
    summary = testgen.run(prm, params.ExecuteParams(workers=2), 1, base / "ingest", base / "tests")
    return base, summary


def test_problems_table_keeps_every_ingest_test_and_appends_generated_ones(stage):
    base, _ = stage
    before = tables.read_table(base / "ingest" / "problems.parquet", tables.PROBLEMS).to_pylist()
    after = tables.read_table(base / "tests" / "problems.parquet", tables.PROBLEMS).to_pylist()
    assert [r["problem_id"] for r in after] == [r["problem_id"] for r in before]
    for old, new in zip(before, after):
        assert new["tests"][: len(old["tests"])] == old["tests"]
        assert {k: v for k, v in new.items() if k != "tests"} == {k: v for k, v in old.items() if k != "tests"}
    generated = {r["problem_id"]: [t for t in r["tests"] if t["source"] == "generated"] for r in after}
    assert len(generated["p00001"]) == 4 and generated["p00002"] == generated["p00003"] == []


def test_report_says_what_was_kept_and_why_the_rest_was_not(stage):
    base, summary = stage
    report = json.loads((base / "tests" / "report.json").read_text())
    one, two = report["p00001"], report["p00002"]
    assert one["kept"] == 4 and one["stopped_by"] == "max_tests" and len(one["validators"]) == 3
    assert one["candidates"] == (one["duplicate"] + one["too_large"] + one["out_of_spec"] + one["validated"]
                                 + one["not_validated"])
    assert "min_validators" in two["skipped"]  # one Accepted program cannot validate
    assert summary["tests"]["kept"] == 4 and summary["tests"]["problems_skipped"] == 2
    # the validators have no comparison, constant or range() to mutate
    assert one["mutants"] == {"alive": 0, "caught": 0, "catching_candidates": 0}
    assert summary["tests"]["mutants"] == {"alive": 0, "caught": 0, "catching_candidates": 0}
    assert two["mutants"] is None  # skipped before any candidate was drawn


def test_report_says_which_constraint_lines_were_parsed(stage):
    base, summary = stage
    constraints = json.loads((base / "tests" / "report.json").read_text())["p00001"]["constraints"]
    assert constraints["format"] == "A B" and constraints["format_fits_samples"]
    assert "1 <= A" in constraints["facts_used"] and "B <= 100" in constraints["facts_used"]
    assert constraints["not_parsed"] == ["A is a prime number."] and constraints["lines_parsed"] == 2
    assert summary["tests"]["constraints"]["parse_rate"] == 4 / 6  # 2 of 3 lines, in every problem


def test_summary_measures_sample_only_against_generated_tests(stage):
    base, summary = stage
    assert json.loads((base / "tests" / "summary.json").read_text()) == summary
    m = summary["measurement"]
    assert m["judged"] == {"Accepted": 5, "Runtime Error": 1, "Wrong Answer": 1}
    assert m["accepted_rate"]["derived"]["Wrong Answer"] == 1.0
    assert m["accepted_rate"]["derived+statement"]["Wrong Answer"] == 1.0
    assert m["accepted_rate"]["derived+generated"]["Wrong Answer"] == 0.0
    assert m["accepted_rate"]["derived+statement+generated"]["Accepted"] == 0.8  # 4 of 5: the crash
    assert m["false_accepted"]["derived"] == 0.5 and m["false_accepted"]["derived+generated"] == 0.0
    # both wrong programs are of p00001, which got generated tests
    assert m["wrong_judged_where_generated"] == 2 and m["false_accepted_where_generated"] == m["false_accepted"]
    assert m["accepted_heldout_judged"] == 2  # p00002's and p00003's Accepted programs validated nothing
    # the generated tests keep every Accepted program that passes the samples; the one crashing here is counted
    assert m["accepted_passing_samples"] == 4 and m["accepted_kept_by_generated"] == 1.0
    assert m["accepted_failing_samples"] == {"Runtime Error": 1}


def test_markdown_table_has_a_row_per_status(stage):
    _, summary = stage
    table = measure.summary_markdown(summary)
    assert "| Wrong Answer | 1 | 100.0% | 100.0% | 0.0% | 0.0% |" in table


@pytest.mark.parametrize("key, value", [("heldout_fraction", 1.0), ("min_validators", 99), ("size_growth", 0.5),
                                        ("unparsed", "maybe")])
def test_bad_params_fail_naming_the_key(key, value):
    with pytest.raises(params.ParamsError, match=f"tests.{key}"):
        params.from_mapping(params.TestsParams, "tests", {key: value})


def test_params_yaml_section_loads():
    from tests.conftest import REPO

    prm = params.load(params.TestsParams, REPO / "params.yaml")
    assert prm.min_validators <= prm.validators
