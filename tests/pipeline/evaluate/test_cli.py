"""The thin `coderl evaluate` and `coderl compare` commands."""
from __future__ import annotations

import json

import yaml
from typer.testing import CliRunner

from pipeline.cli import app
from tests.conftest import REPO
from tests.pipeline.evaluate.test_ranking import write_ranking_inputs

REPO_PARAMS = REPO / "params.yaml"


def test_evaluate_then_compare_from_the_command_line(tmp_path, tiny_model_dir, problems_path):
    params = yaml.safe_load(REPO_PARAMS.read_text())
    params["evaluate"].update(n=1, k=[1], max_new_tokens=4, batch_size=2, ranking_pairs_per_problem=4)
    (tmp_path / "params.yaml").write_text(yaml.safe_dump(params))
    metrics = tmp_path / "metrics" / "eval" / "base.json"
    rewards, submissions = write_ranking_inputs(tmp_path)

    result = CliRunner().invoke(app, [
        "evaluate", "--params", str(tmp_path / "params.yaml"), "--model-dir", str(tiny_model_dir),
        "--name", "base", "--problems", str(problems_path), "--out", str(tmp_path / "data" / "base"),
        "--metrics", str(metrics), "--rewards", str(rewards), "--submissions", str(submissions),
    ])
    assert result.exit_code == 0, result.output
    assert list(json.loads(metrics.read_text())) == ["base"]
    assert json.loads(metrics.read_text())["base"]["ranking"]["pairs"] == 5
    assert (tmp_path / "data" / "base" / "samples.parquet").exists()
    assert (tmp_path / "metrics" / "eval" / "plots" / "base" / "pass_at_k.json").exists()  # default --plots

    result = CliRunner().invoke(app, ["compare", "--metrics-dir", str(metrics.parent),
                                      "--out", str(tmp_path / "comparison.md")])
    assert result.exit_code == 0, result.output
    assert "| metric | base |" in result.output
    assert (tmp_path / "comparison.md").read_text().strip() == result.output.strip()
