"""Execute stage: agreement with CodeNet on the bundled sample, the judge memo, crash safety."""
from __future__ import annotations

import sqlite3

import pandas as pd
import pytest

from pipeline import execute, ingest, tables
from pipeline.params import ExecuteParams, IngestParams, JUDGED_VERDICTS
from tests.conftest import SAMPLE_ROOT

CORRECT = "print(sum(map(int, input().split())))\n"


@pytest.fixture(scope="module")
def sample_run(tmp_path_factory):
    """The bundled sample ingested and executed once (local backend) for the tests of this module."""
    base = tmp_path_factory.mktemp("sample")
    ingest.run(IngestParams(codenet_root=str(SAMPLE_ROOT)), base / "ingest")
    report = execute.run(ExecuteParams(), base / "ingest", base / "execute", base / "memo.sqlite")
    verdicts = tables.read_table(base / "execute" / "verdicts.parquet", tables.VERDICTS).to_pandas()
    return report, verdicts


def test_sample_verdicts_agree_with_codenet_for_every_submission(sample_run):
    report, verdicts = sample_run
    disagree = verdicts[verdicts["verdict"] != verdicts["codenet_status"]]
    assert disagree.empty, disagree[["submission_id", "codenet_status", "verdict", "test_verdicts", "error"]].to_string()
    assert report["agreement"] == 1.0
    assert report["accepted_misses_by_error"] == {}


def test_sample_covers_every_verdict_class(sample_run):
    _, verdicts = sample_run
    assert set(verdicts["verdict"]) >= set(JUDGED_VERDICTS)


def test_agreement_report_is_a_confusion_matrix(sample_run):
    report, verdicts = sample_run
    assert report["judged"] == len(verdicts)
    assert sum(sum(row.values()) for row in report["confusion"].values()) == len(verdicts)
    assert set(report["agreement_by_status"]) == set(verdicts["codenet_status"])


def tiny_ingest(tree, tmp_path, codes):
    root = tree({"p00001": [{"code": c} for c in codes], "p00002": []})
    (root / "derived/input_output/data/p00002/input.txt").unlink()
    (root / "problem_descriptions/p00002.html").write_text("<p>no samples</p>")
    ingest.run(IngestParams(codenet_root=str(root)), tmp_path / "ingest")
    return tmp_path / "ingest"


def test_tiny_run_judges_every_test(tree, tmp_path):
    ing = tiny_ingest(tree, tmp_path, [CORRECT, "print(3)\n", "print(1/0)\n"])
    report = execute.run(ExecuteParams(workers=1), ing, tmp_path / "out", None)
    v = pd.read_parquet(tmp_path / "out" / "verdicts.parquet").set_index("submission_id").sort_index()
    assert v["verdict"].tolist() == ["Accepted", "Wrong Answer", "Runtime Error"]
    assert v["tests_passed"].tolist() == [2, 1, 0] and (v["tests_total"] == 2).all()
    assert v["test_verdicts"].iloc[1].tolist() == ["Accepted", "Wrong Answer"]
    assert "ZeroDivisionError" in v["error"].iloc[2]
    assert report["accepted_misses_by_error"] == {"Wrong Answer: -": 1, "Runtime Error: ZeroDivisionError": 1}


def test_memo_skips_recomputation_without_changing_results(tree, tmp_path, monkeypatch):
    ing = tiny_ingest(tree, tmp_path, [CORRECT, "print(3)\n"])
    memo = tmp_path / "memo.sqlite"
    execute.run(ExecuteParams(workers=1), ing, tmp_path / "a", memo)

    class NoSandbox:
        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def judge_many(self, jobs):
            if list(jobs):
                raise AssertionError("memo should have answered every job")
            return iter(())

    monkeypatch.setattr(execute, "open_judge", lambda prm: NoSandbox())
    execute.run(ExecuteParams(workers=1), ing, tmp_path / "b", memo)
    a, b = (pd.read_parquet(tmp_path / x / "verdicts.parquet") for x in "ab")
    pd.testing.assert_frame_equal(a, b)


def test_memo_key_changes_with_limits_and_tests():
    from sandbox import Job, Limits

    job = Job(CORRECT, (("1 2\n", "3\n"),), Limits(1000, 65536))
    key = execute.JudgeMemo.key(job, "local")
    assert key != execute.JudgeMemo.key(Job(CORRECT, (("1 2\n", "3\n"),), Limits(2000, 65536)), "local")
    assert key != execute.JudgeMemo.key(Job(CORRECT, (("1 2\n", "4\n"),), Limits(1000, 65536)), "local")
    assert key != execute.JudgeMemo.key(job, "docker")


def test_crash_keeps_memo_and_leaves_no_partial_verdicts(tree, tmp_path, monkeypatch):
    ing = tiny_ingest(tree, tmp_path, [CORRECT, "print(3)\n", "print(4)\n"])
    memo = tmp_path / "memo.sqlite"
    real = execute.judge_batch
    calls = []

    def crash_on_second_batch(*args):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt  # the machine going down mid-run
        yield from real(*args)

    monkeypatch.setattr(execute, "judge_batch", crash_on_second_batch)
    with pytest.raises(KeyboardInterrupt):
        execute.run(ExecuteParams(workers=1), ing, tmp_path / "out", memo, batch_size=1)
    assert not (tmp_path / "out" / "verdicts.parquet").exists()
    assert [p.name for p in (tmp_path / "out").iterdir()] == []
    with sqlite3.connect(memo) as conn:
        assert conn.execute("SELECT COUNT(*) FROM memo").fetchone()[0] == 1


def test_problem_without_tests_is_counted_not_judged(tree, tmp_path):
    root = tree({"p00001": [{}], "p00002": [{}]})
    (root / "derived/input_output/data/p00002/input.txt").unlink()
    (root / "problem_descriptions/p00002.html").write_text("<p>no samples</p>")
    ingest.run(IngestParams(codenet_root=str(root)), tmp_path / "ingest")
    report = execute.run(ExecuteParams(workers=1), tmp_path / "ingest", tmp_path / "out", None)
    assert report["not_judged"] == {"problem_without_tests": 1} and report["judged"] == 1
