"""Fixtures of the tests stage's tests: the bundled sample ingested once, one local sandbox per module."""
from __future__ import annotations

import pytest

from pipeline import ingest, params, tables
from sandbox import Sandbox
from tests.conftest import SAMPLE_ROOT


@pytest.fixture(scope="session")
def sample_ingest(tmp_path_factory):
    """(problems by id, submissions as dicts) of the bundled sample."""
    out = tmp_path_factory.mktemp("ingest")
    ingest.run(params.IngestParams(codenet_root=str(SAMPLE_ROOT), workers=1), out)
    problems = {r["problem_id"]: r for r in tables.read_table(out / "problems.parquet", tables.PROBLEMS).to_pylist()}
    subs = tables.read_table(out / "submissions.parquet", tables.SUBMISSIONS).to_pylist()
    return problems, subs


@pytest.fixture(scope="module")
def box():
    with Sandbox("local", workers=2) as sandbox:
        yield sandbox
