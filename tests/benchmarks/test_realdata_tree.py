"""benchmarks/realdata_tree.py on a tiny hand-written stand-in for shared/realdata (the real one is not needed)."""
from __future__ import annotations

import csv
import importlib.util
import json
from pathlib import Path

import pytest

from pipeline import ingest, tables
from pipeline.params import IngestParams
from tests.conftest import AIZU_HTML, REPO

spec = importlib.util.spec_from_file_location("realdata_tree", REPO / "benchmarks" / "realdata_tree.py")
realdata_tree = importlib.util.module_from_spec(spec)
spec.loader.exec_module(realdata_tree)

ADD = "print(sum(map(int, input().split())))\n"


def write_realdata(root: Path) -> Path:
    root.mkdir()
    (root / "problem_descriptions").mkdir()
    (root / "problem_descriptions" / "p00010.html").write_text(AIZU_HTML)
    (root / "problem_list.csv").write_text(
        "id,name,dataset,time_limit,memory_limit,rating,tags,complexity\np00010,Add,AIZU,1000,131072,,,\n"
    )
    runbugrun = [
        # wrong on the samples -> re-judged Wrong Answer
        {"buggy_submission_id": 11, "fixed_submission_id": 12, "problem_id": "p00010", "user_id": "u1",
         "buggy_code": "print(1)\n", "fixed_code": ADD},
        # passes the samples but failed the online judge, with a traceback -> Runtime Error (passes_samples)
        {"buggy_submission_id": 21, "fixed_submission_id": 22, "problem_id": "p00010", "user_id": "u2",
         "buggy_code": "a, b = map(int, input().split())\nprint(a + b)\n", "fixed_code": ADD + "# fixed\n",
         "errors": [{"exception": "ValueError"}]},
    ]
    pie = [{"user_id": "u3", "problem_id": "p00010", "submission_id_v0": "s123456789",
            "submission_id_v1": "s123456790", "cpu_time_v0": 30, "cpu_time_v1": 20, "memory_v0": 9000,
            "memory_v1": 8000, "input": "import sys\n" + ADD, "target": ADD}]
    for name, rows in (("runbugrun_python_valid0.jsonl", runbugrun), ("pie_python_reference.jsonl", pie)):
        (root / name).write_text("".join(json.dumps(r) + "\n" for r in rows))
    return root


@pytest.mark.parametrize("rejudge", [False, True])
def test_tree_is_read_by_ingest_with_derived_statuses(tmp_path, rejudge):
    realdata = write_realdata(tmp_path / "realdata")
    summary = realdata_tree.build(realdata, tmp_path / "out", rejudge_buggy=rejudge, workers=1)
    root = Path(summary["root"])
    prm = IngestParams(codenet_root=str(root), workers=1)
    ingest.run(prm, tmp_path / "ingest")
    subs = tables.read_table(tmp_path / "ingest" / "submissions.parquet", tables.SUBMISSIONS).to_pandas()
    status = dict(zip(subs.submission_id, subs.status))
    assert status["s800000012"] == status["s800000022"] == "Accepted"
    assert status["s123456789"] == status["s123456790"] == "Accepted"  # PIE keeps real ids
    assert status["s800000011"] == "Wrong Answer"
    assert status["s800000021"] == "Runtime Error"  # the traceback decides when the samples pass
    with (root / "derived_statuses.csv").open() as fh:
        how = {r["submission_id"]: r["derived_from"] for r in csv.DictReader(fh)}
    assert how == ({"s800000011": "rejudged_samples", "s800000021": "passes_samples"} if rejudge
                   else {"s800000011": "no_rejudge", "s800000021": "no_rejudge"})
    assert subs.set_index("submission_id").loc["s123456789", "cpu_time_ms"] == 30


def test_derived_id_colliding_with_a_real_id_stops_the_build(tmp_path):
    realdata = write_realdata(tmp_path / "realdata")
    rows = [json.loads(line) for line in (realdata / "pie_python_reference.jsonl").read_text().splitlines()]
    rows[0]["submission_id_v0"] = "s800000011"
    (realdata / "pie_python_reference.jsonl").write_text(json.dumps(rows[0]) + "\n")
    with pytest.raises(ValueError, match="collides"):
        realdata_tree.build(realdata, tmp_path / "out", rejudge_buggy=False)
