"""The training loop end to end on a tiny model: parameter updates, LoRA, the direction of the RLOO update,
the guard against negative human programs, shared SFT/RLOO loop and dvclive metrics."""
from __future__ import annotations

import csv
import json
from contextlib import nullcontext

import pytest
import torch
from safetensors.torch import load_file

from pipeline.train import loop
from pipeline.train.batches import Runtime, encode
from pipeline.train.loss import loss_config, snapshot_logprobs
from pipeline.model import load_model
from tests.pipeline.train.conftest import BAD_SUM, GOOD_SUM, SUM, params, row, write_groups


def weights(model_dir):
    return load_file(str(model_dir / "model.safetensors"))


def completion_logprob(model, tokenizer, prompt: str, code: str) -> float:
    (ex,), _ = encode([{"prompt": prompt, "completion": code, "advantage": 0.0, "group_id": "g",
                          "submission_id": "s"}], tokenizer, 4096, "rloo")
    rt = Runtime(torch.device("cpu"), nullcontext, tokenizer.pad_token_id, 1, False)
    return float(snapshot_logprobs(model, [ex], [0], rt)[0].sum())


def run(tmp_path, tiny_model_dir, groups, algorithm="rloo", lr=1e-3, name="run", **overrides):
    out = tmp_path / name
    summary = loop.train(params(**overrides), lr, 0, algorithm, groups, tiny_model_dir, out / "model", out / "ckpt",
                         out / "metrics")
    return out, summary


def test_one_step_changes_every_trainable_parameter(tmp_path, tiny_model_dir, groups_path):
    out, summary = run(tmp_path, tiny_model_dir, groups_path, max_steps=1)
    assert summary["steps"] == 1
    before, after = weights(tiny_model_dir), weights(out / "model")
    assert before.keys() == after.keys()
    unchanged = [k for k in before if torch.equal(before[k], after[k])]
    assert unchanged == []


def test_lora_step_changes_only_the_adapters(tmp_path, tiny_model_dir, groups_path, monkeypatch):
    captured = {}

    def keep(model, *args, **kwargs):  # the policy as the loop leaves it, before merging
        captured.update({k: v.detach().clone() for k, v in model.named_parameters()})

    monkeypatch.setattr(loop, "save_policy", keep)
    run(tmp_path, tiny_model_dir, groups_path, max_steps=1, finetune="lora", lora_r=4, lora_dropout=0.0)
    base = weights(tiny_model_dir)
    lora = {k: v for k, v in captured.items() if "lora_" in k}
    frozen = {k: v for k, v in captured.items() if "lora_" not in k}
    assert lora and any("lora_B" in k for k in lora)
    # lora_B starts at zero, so one step moves B (A's gradient is B^T(...) = 0 at the first step).
    assert all(not torch.equal(v, torch.zeros_like(v)) for k, v in lora.items() if "lora_B" in k)
    for name, value in frozen.items():
        plain = name.removeprefix("base_model.model.").replace(".base_layer", "")
        assert torch.equal(value, base[plain]), name


def test_lora_model_is_saved_merged_and_differs_from_the_base(tmp_path, tiny_model_dir, groups_path):
    out, _ = run(tmp_path, tiny_model_dir, groups_path, max_steps=2, finetune="lora", lora_r=4, lr=1e-2)
    after = weights(out / "model")
    assert after.keys() == weights(tiny_model_dir).keys()  # a plain model: no adapter names left
    assert not torch.equal(after["model.layers.0.self_attn.q_proj.weight"],
                           weights(tiny_model_dir)["model.layers.0.self_attn.q_proj.weight"])


def test_positive_program_gets_likelier_and_negative_less_likely(tmp_path, tiny_model_dir, tokenizer):
    groups = write_groups(tmp_path / "g.parquet", [
        row("p00001-g0", 0, SUM, GOOD_SUM, "Accepted", 1.0, 1.0),
        row("p00001-g0", 1, SUM, BAD_SUM, "Runtime Error", -0.6, -1.0),
    ])
    out, _ = run(tmp_path, tiny_model_dir, groups, max_steps=5)
    before, after = load_model(tiny_model_dir).eval(), load_model(out / "model").eval()
    good = [completion_logprob(m, tokenizer, SUM, GOOD_SUM) for m in (before, after)]
    bad = [completion_logprob(m, tokenizer, SUM, BAD_SUM) for m in (before, after)]
    assert good[1] > good[0] + 1.0
    assert bad[1] < bad[0] - 1.0


def test_guard_bounds_the_fall_of_a_negative_program(tmp_path, tiny_model_dir, tokenizer):
    """Plain REINFORCE on a lone negative program pushes its log-prob down without end; the default guard
    (ratio clip 0.2 against the initial policy) stops it near n_tokens x log(0.8)."""
    groups = write_groups(tmp_path / "g.parquet", [row("p00001-g0", 0, SUM, BAD_SUM, "Wrong Answer", -0.3, -1.0)])
    (ex,), _ = encode([{"prompt": SUM, "completion": BAD_SUM, "advantage": -1.0, "group_id": "g",
                          "submission_id": "s"}], tokenizer, 4096, "rloo")
    bound = ex.n_completion * torch.log(torch.tensor(0.8)).item()
    model = load_model(tiny_model_dir).eval()
    start = completion_logprob(model, tokenizer, SUM, BAD_SUM)

    def fall(clip):  # log-prob change after 10, 20, 30 steps (from the checkpoints)
        out, _ = run(tmp_path, tiny_model_dir, groups, name=f"clip{clip}", max_steps=30, batch_size=1,
                     ratio_clip_low=clip, checkpoint_every=10, keep_checkpoints=10)
        changes = []
        for path in sorted((out / "ckpt").glob("step-*.pt")):
            model.load_state_dict(torch.load(path, weights_only=True)["model"], strict=False)
            changes.append(completion_logprob(model, tokenizer, SUM, BAD_SUM) - start)
        return changes

    unguarded, guarded = fall(0.0), fall(0.2)
    assert unguarded[-1] < -25 and unguarded[-1] < unguarded[1] - 10  # still falling fast at the end
    assert min(guarded) > 3 * bound  # Adam's momentum overshoots the per-token bound a little, no more
    assert abs(guarded[-1] - guarded[1]) < 1.0  # and it stopped falling


def test_sft_and_rloo_run_the_same_loop_and_log_the_same_metrics(tmp_path, tiny_model_dir, groups_path, monkeypatch):
    calls = []
    real = loop.batch_loss

    def spy(model, batch, cfg, denom, ref_model=None):
        calls.append(cfg)
        return real(model, batch, cfg, denom, ref_model)

    monkeypatch.setattr(loop, "batch_loss", spy)
    names = {}
    for algorithm in ("sft", "rloo"):
        calls.clear()
        out, summary = run(tmp_path, tiny_model_dir, groups_path, algorithm=algorithm, name=algorithm, max_steps=2)
        assert calls and calls[0] == loss_config(algorithm, params())
        assert (out / "model" / "config.json").exists()
        metrics = json.loads((out / "metrics" / "metrics.json").read_text())
        names[algorithm] = set(metrics)
        assert metrics["step"] == 2 and "valid_nll" in metrics and metrics["examples"] == summary["examples"]
    common = {"loss", "grad_norm", "lr", "tokens_per_s", "valid_loss", "valid_nll"}
    assert common <= names["sft"] and common <= names["rloo"]
    assert {"advantage_mean", "log_ratio", "clip_frac"} <= names["rloo"] - names["sft"]


def test_kl_penalty_loads_a_reference_and_logs_kl(tmp_path, tiny_model_dir, groups_path):
    out, _ = run(tmp_path, tiny_model_dir, groups_path, max_steps=3, kl_coef=0.5, lr=1e-2)
    with (out / "metrics" / "plots" / "metrics" / "kl.tsv").open() as fh:
        kl = [float(r["kl"]) for r in csv.DictReader(fh, delimiter="\t")]
    assert kl[0] == pytest.approx(0.0, abs=1e-6)  # the policy starts as the reference
    assert kl[-1] > 0


def test_kl_with_lora_uses_the_adapter_free_model_as_reference(tmp_path, tiny_model_dir, groups_path):
    out, _ = run(tmp_path, tiny_model_dir, groups_path, max_steps=3, kl_coef=0.5, lr=1e-2, finetune="lora", lora_r=4)
    with (out / "metrics" / "plots" / "metrics" / "kl.tsv").open() as fh:
        kl = [float(r["kl"]) for r in csv.DictReader(fh, delimiter="\t")]
    assert kl[0] == pytest.approx(0.0, abs=1e-6) and kl[-1] > 0
