"""The whole pipeline as a user runs it: `dvc repro` in a temporary copy of the repo, on a 4-problem slice of
the bundled sample and a tiny random model, then the caching behaviour users rely on."""
from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from pipeline.model import save_tiny_model
from tests.conftest import REPO, SAMPLE_ROOT

pytestmark = pytest.mark.slow

PROBLEMS = ["p00002", "p00555", "p02700", "p03150"]
BIN = Path(sys.executable).parent


def sh(args: list[str], cwd: Path, check: bool = True) -> subprocess.CompletedProcess:
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    proc = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True)
    if check and proc.returncode:
        raise AssertionError(f"{' '.join(args)} failed ({proc.returncode}):\n{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}")
    return proc


def copy_repo(dst: Path) -> None:
    """The files a clone would have (git's tracked files), as in CI's fresh clone: never the stage outputs a
    local `dvc repro` left in the working tree."""
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, capture_output=True, check=True).stdout.decode().split("\0")
    for rel in filter(None, listed):
        src = REPO / rel
        if src.is_file() and not rel.startswith("data/codenet-sample/"):
            (dst / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dst / rel)


def slice_sample(dst: Path) -> None:
    """A CodeNet tree with only PROBLEMS, in the same layout."""
    for sub in ("data", "problem_descriptions", "derived/input_output/data"):
        for pid in PROBLEMS:
            if (SAMPLE_ROOT / sub / pid).exists():
                shutil.copytree(SAMPLE_ROOT / sub / pid, dst / sub / pid)
            elif (SAMPLE_ROOT / sub / f"{pid}.html").exists():
                (dst / sub).mkdir(parents=True, exist_ok=True)
                shutil.copy2(SAMPLE_ROOT / sub / f"{pid}.html", dst / sub / f"{pid}.html")
    (dst / "metadata").mkdir(parents=True)
    with (SAMPLE_ROOT / "metadata/problem_list.csv").open() as fh:
        rows = list(csv.reader(fh))
    with (dst / "metadata/problem_list.csv").open("w", newline="") as fh:
        csv.writer(fh).writerows([rows[0]] + [r for r in rows[1:] if r[0] in PROBLEMS])
    for pid in PROBLEMS:
        shutil.copy2(SAMPLE_ROOT / "metadata" / f"{pid}.csv", dst / "metadata" / f"{pid}.csv")


def set_params(path: Path, **updates) -> None:
    params = yaml.safe_load(path.read_text())
    for dotted, value in updates.items():
        node = params
        *parents, last = dotted.split(".")
        for key in parents:
            node = node[key]
        node[last] = value
    path.write_text(yaml.safe_dump(params, sort_keys=False))


@pytest.fixture(scope="module")
def project(tmp_path_factory, tokenizer):
    root = tmp_path_factory.mktemp("project")
    copy_repo(root)
    slice_sample(root / "data" / "tiny" / "Project_CodeNet")
    save_tiny_model(root / "tiny-model", tokenizer)
    set_params(
        root / "params.yaml",
        **{
            "ingest.codenet_root": "data/tiny/Project_CodeNet",
            "ingest.split_fractions": {"train": 0.5, "valid": 0.0, "test": 0.5},
            "model.source": "tiny-model",
            "train.max_steps": 2,
            "train.batch_size": 2,
            "train.grad_accum": 1,
            "evaluate.n": 2,
            "evaluate.k": [1, 2],
            "evaluate.max_new_tokens": 16,
            "evaluate.batch_size": 4,
            "tests.candidates": 8,
            "tests.max_tests": 3,
            "tests.measure_per_status": 1,
        },
    )
    # A clone has commits; dvclive (train) needs a HEAD.
    sh(["git", "init", "-q"], root)
    sh(["git", "add", "-A"], root)
    sh(["git", "-c", "user.name=coderl", "-c", "user.email=coderl@localhost", "commit", "-qm", "init"], root)
    sh(["dvc", "repro"], root)
    return root


def test_repro_writes_every_stage_output(project):
    for rel in [
        "data/ingest/problems.parquet",
        "data/tests/problems.parquet",
        "data/execute/verdicts.parquet",
        "data/rewards/rewards.parquet",
        "data/groups/groups.parquet",
        "models/policy/base/config.json",
        "models/policy/sft/config.json",
        "models/policy/rloo/config.json",
        "data/evaluate/rloo/samples.parquet",
        "metrics/eval/comparison.md",
    ]:
        assert (project / rel).exists(), rel
    for model in ("base", "sft", "rloo"):
        metrics = json.loads((project / f"metrics/eval/{model}.json").read_text())
        assert model in metrics
    shown = json.loads(sh(["dvc", "metrics", "show", "--json"], project).stdout)
    assert shown  # DVC can read every declared metric


def test_second_repro_runs_nothing(project):
    out = sh(["dvc", "repro"], project).stdout
    assert "Running stage" not in out


def test_a_groups_param_change_reruns_groups_and_downstream_only(project):
    set_params(project / "params.yaml", **{"groups.group_size": 3})
    status = json.loads(sh(["dvc", "status", "--json"], project).stdout)
    assert set(status) == {"groups"}  # the judge and everything upstream stay valid
    out = sh(["dvc", "repro", "groups"], project).stdout
    assert "Running stage 'groups'" in out and "Running stage 'execute'" not in out
    status = json.loads(sh(["dvc", "status", "--json"], project).stdout)
    assert {"train@sft", "train@rloo"} <= set(status)  # new groups: training is stale
    assert "evaluate@base" not in status


def test_lr_is_a_top_level_param_that_only_training_depends_on(project):
    sh(["dvc", "repro"], project)
    set_params(project / "params.yaml", lr=3e-5)
    status = json.loads(sh(["dvc", "status", "--json"], project).stdout)
    assert {"train@sft", "train@rloo"} <= set(status)
    assert "groups" not in status and "evaluate@base" not in status
