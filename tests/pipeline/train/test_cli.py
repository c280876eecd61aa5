"""`coderl train` from the command line: params errors name the key and the fix; the top-level lr reaches the
model, the metrics and the checkpoints."""
from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.params import ParamsError, TrainParams, from_mapping
from tests.pipeline.test_model import write_params


def test_train_params_errors_name_the_key_and_the_fix():
    with pytest.raises(ParamsError, match=r"train.finetune = 'qlora' is invalid; allowed: full, lora"):
        from_mapping(TrainParams, "train", {"finetune": "qlora"})
    with pytest.raises(ParamsError, match=r"train.ratio_clip_low"):
        from_mapping(TrainParams, "train", {"ratio_clip_low": 1.5})
    with pytest.raises(ParamsError, match="unknown key"):
        from_mapping(TrainParams, "train", {"learning_rate": 1e-5})


def test_train_command_reads_top_level_lr_and_writes_model_and_metrics(tiny_model_dir, groups_path, tmp_path):
    params = write_params(tmp_path / "params.yaml", lr=5e-3,
                          train={"max_steps": 1, "batch_size": 2, "checkpoint_every": 1, "device": "cpu"})
    result = CliRunner().invoke(app, [
        "train", "--params", str(params), "--algorithm", "sft", "--groups", str(groups_path),
        "--base", str(tiny_model_dir), "--out", str(tmp_path / "sft"), "--checkpoints", str(tmp_path / "ckpt"),
        "--metrics", str(tmp_path / "metrics"),
    ])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "sft" / "model.safetensors").exists()
    assert json.loads((tmp_path / "sft" / "source.json").read_text())["lr"] == 5e-3
    assert json.loads((tmp_path / "metrics" / "metrics.json").read_text())["lr"] == 5e-3
    assert (tmp_path / "ckpt" / "step-00000001.pt").exists()
