"""The engine seam without a cluster: params, the local engine, and what engine ray says without Ray."""
from __future__ import annotations

import sys

import pytest

from pipeline.engine import open_judge
from pipeline.params import ExecuteParams, ParamsError, from_mapping, load
from sandbox import Sandbox
from tests.conftest import REPO


def test_local_engine_is_a_sandbox_of_the_configured_workers():
    with open_judge(ExecuteParams(engine="local", workers=1)) as judge:
        assert isinstance(judge, Sandbox)
        assert len(judge._workers) == 1


def test_unknown_engine_is_rejected_at_load():
    with pytest.raises(ParamsError, match=r"execute\.engine = 'spark'.*allowed: local, ray"):
        from_mapping(ExecuteParams, "execute", {"engine": "spark"})


def test_ray_batch_size_must_be_positive():
    with pytest.raises(ParamsError, match=r"execute\.ray_batch_size = 0"):
        from_mapping(ExecuteParams, "execute", {"ray_batch_size": 0})


def test_params_yaml_execute_section_loads_with_the_engine_keys():
    prm = load(ExecuteParams, REPO / "params.yaml")
    assert prm.engine == "local" and prm.ray_address == "" and prm.ray_batch_size >= 1


def test_ray_engine_without_ray_installed_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "ray", None)  # makes `import ray` raise ModuleNotFoundError
    monkeypatch.delitem(sys.modules, "sandbox.ray_engine", raising=False)
    with pytest.raises(RuntimeError, match=r"pip install 'coderl\[scale\]'"):
        open_judge(ExecuteParams(engine="ray"))
