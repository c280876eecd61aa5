"""Crash and resume: a run interrupted after a checkpoint and restarted ends exactly where an uninterrupted run
ends (same data order, optimiser, scheduler, RNG, step); a checkpoint of another run is never resumed."""
from __future__ import annotations

import csv

import pytest
import torch
from safetensors.torch import load_file

from pipeline.train import loop
from tests.pipeline.train.conftest import params

SETTINGS = dict(max_steps=7, checkpoint_every=2, warmup_ratio=0.3, min_lr_ratio=0.1)


class Crash(RuntimeError):
    pass


def crash_in_step(monkeypatch, step: int) -> None:
    """Make the loop die inside optimiser step ``step`` (1-based), after the previous steps were logged."""
    real = torch.nn.utils.clip_grad_norm_
    calls = {"n": 0}

    def clip(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == step:
            raise Crash(f"simulated crash in step {step}")
        return real(*args, **kwargs)

    monkeypatch.setattr(torch.nn.utils, "clip_grad_norm_", clip)


def train(root, tiny_model_dir, groups_path, algorithm, lr=1e-2, **overrides):
    loop.train(params(**SETTINGS, **overrides), lr, 0, algorithm, groups_path, tiny_model_dir, root / "model",
               root / "ckpt", root / "metrics")
    return load_file(str(root / "model" / "model.safetensors"))


def logged_steps(root) -> list[int]:
    with (root / "metrics" / "plots" / "metrics" / "loss.tsv").open() as fh:
        return [int(r["step"]) for r in csv.DictReader(fh, delimiter="\t")]


# LoRA with dropout also needs the RNG state restored to reproduce the run.
@pytest.mark.parametrize("algorithm, finetune", [("rloo", "full"), ("sft", "full"), ("rloo", "lora")])
def test_resume_after_a_crash_ends_with_the_uninterrupted_run_params(tmp_path, tiny_model_dir, groups_path, monkeypatch,
                                                                    algorithm, finetune):
    lora = dict(finetune=finetune, lora_r=4, lora_dropout=0.3)
    expected = train(tmp_path / "straight", tiny_model_dir, groups_path, algorithm, **lora)

    root = tmp_path / "crashed"
    with monkeypatch.context() as m:
        crash_in_step(m, 6)  # checkpoints exist after steps 2 and 4; step 5 was logged, then the crash
        with pytest.raises(Crash):
            train(root, tiny_model_dir, groups_path, algorithm, **lora)
    assert not (root / "model").exists()
    assert [p.name for p in (root / "ckpt").glob("step-*.pt")] == ["step-00000004.pt"]
    assert logged_steps(root) == [1, 2, 3, 4, 5]

    resumed = train(root, tiny_model_dir, groups_path, algorithm, **lora)
    assert resumed.keys() == expected.keys()
    for name in expected:
        assert torch.equal(resumed[name], expected[name]), name
    assert logged_steps(root) == [1, 2, 3, 4, 5, 6, 7]  # step 5 logged once: the pre-crash row was trimmed


def test_checkpoint_of_a_run_with_other_params_is_not_resumed(tmp_path, tiny_model_dir, groups_path, monkeypatch):
    root = tmp_path / "run"
    with monkeypatch.context() as m:
        crash_in_step(m, 6)
        with pytest.raises(Crash):
            train(root, tiny_model_dir, groups_path, "rloo", lr=1e-2)
    changed = train(root, tiny_model_dir, groups_path, "rloo", lr=2e-2)  # `dvc exp run -S lr=2e-2` after the crash
    fresh = train(tmp_path / "fresh", tiny_model_dir, groups_path, "rloo", lr=2e-2)
    for name in fresh:
        assert torch.equal(changed[name], fresh[name]), name
    assert logged_steps(root) == [1, 2, 3, 4, 5, 6, 7]
