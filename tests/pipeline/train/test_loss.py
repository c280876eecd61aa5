"""The loss math: batched, padded, logits_to_keep computation against hand computations on a tiny model."""
from __future__ import annotations

import math

import pytest
import torch

from pipeline.train import loop
from pipeline.train.batches import Example, collate, encode
from pipeline.params import TrainParams
from pipeline.train.loss import (LossConfig, batch_loss, completion_logits, denominator, kl_to_reference, loss_config,
                                 pg_loss, token_logprobs)
from pipeline.model import load_model
from tests.pipeline.train.conftest import BAD_REV, BAD_SUM, GOOD_REV, GOOD_SUM, REVERSE, SUM


@pytest.fixture(scope="module")
def model(tiny_model_dir):
    return load_model(tiny_model_dir).eval()


@pytest.fixture(scope="module")
def examples(tokenizer):
    rows = [
        {"prompt": SUM, "completion": GOOD_SUM, "advantage": 1.5},
        {"prompt": SUM, "completion": BAD_SUM, "advantage": -0.5},
        {"prompt": REVERSE, "completion": GOOD_REV + "# a longer program\n" * 3, "advantage": 0.7},
    ]
    rows = [{**r, "group_id": "g", "submission_id": f"s{i}"} for i, r in enumerate(rows)]
    exs, dropped = encode(rows, tokenizer, 1024, "rloo")
    assert dropped == 0 and len({len(e.ids) for e in exs}) == 3  # different lengths: padding is exercised
    return exs


def per_example_logprobs(model, ex: Example, temperature: float = 1.0) -> list[float]:
    """The reference: one unpadded sequence at a time, full logits, log_softmax, pick the completion tokens."""
    with torch.no_grad():
        logits = model(input_ids=torch.tensor([ex.ids])).logits[0]  # [T, V]
    logp = torch.log_softmax(logits.double() / temperature, -1)
    return [logp[t - 1, ex.ids[t]].item() for t in range(ex.n_prompt, len(ex.ids))]


def test_rloo_sequence_loss_equals_hand_computation(model, examples, tokenizer):
    batch = collate(examples, tokenizer.pad_token_id)
    cfg = LossConfig("sequence", 0.0, 0.0, 0.0)
    with torch.no_grad():
        loss, _ = batch_loss(model, batch, cfg, denominator([batch], "sequence"))
    hand = sum(-e.advantage * sum(lp) / len(lp) for e in examples for lp in [per_example_logprobs(model, e)])
    assert loss.item() == pytest.approx(hand / len(examples), rel=1e-5)


def test_rloo_token_loss_equals_hand_computation(model, examples, tokenizer):
    batch = collate(examples, tokenizer.pad_token_id)
    cfg = LossConfig("token", 0.0, 0.0, 0.0)
    with torch.no_grad():
        loss, _ = batch_loss(model, batch, cfg, denominator([batch], "token"))
    per = [(e.advantage, per_example_logprobs(model, e)) for e in examples]
    hand = sum(-a * sum(lp) for a, lp in per) / sum(len(lp) for _, lp in per)
    assert loss.item() == pytest.approx(hand, rel=1e-5)


def test_guarded_loss_equals_hand_computation(model, examples, tokenizer):
    """The guard against a made-up snapshot: stopped tokens add nothing, the others add -A log pi."""
    logps = [per_example_logprobs(model, e) for e in examples]
    shifts = [-0.5, 0.5, 0.05]  # snapshot = current + shift: ratio = exp(-shift) = 1.65, 0.61, 0.95
    old = [torch.tensor([v + s for v in lp]) for lp, s in zip(logps, shifts)]
    batch = collate(examples, tokenizer.pad_token_id, old)
    cfg = LossConfig("sequence", 0.2, 0.1, 0.0)
    with torch.no_grad():
        loss, stats = batch_loss(model, batch, cfg, denominator([batch], "sequence"))
    # example 0: A > 0, r = 1.65 > 1.1 -> stopped; example 1: A < 0, r = 0.61 < 0.8 -> stopped; example 2 inside.
    e, lp = examples[2], logps[2]
    hand = -e.advantage * sum(lp) / len(lp)
    assert loss.item() == pytest.approx(hand / len(examples), rel=1e-4)
    assert stats["clipped"] == len(logps[0]) + len(logps[1])


@pytest.mark.parametrize("clip_high", [0.0, 0.1])
def test_guard_gradient_is_exactly_reinforce_inside_and_zero_outside(clip_high):
    # Ratios to the snapshot (old = 0): 0.5, 0.79, 0.81, 1.05, 1.5, for a negative and a positive advantage.
    ratios = torch.tensor([0.5, 0.79, 0.81, 1.05, 1.5])
    logp = torch.log(ratios).repeat(2, 1).requires_grad_(True)  # [2, 5]
    adv = torch.tensor([-1.5, 0.7])
    pg_loss(logp, torch.zeros(2, 5), adv, 0.2, clip_high).sum().backward()
    inside_neg = ratios >= 0.8  # A < 0 stops once the probability fell below 0.8 x its initial value
    inside_pos = ratios <= 1.1 if clip_high else torch.ones(5, dtype=torch.bool)
    expected = torch.stack([torch.where(inside_neg, 1.5, 0.0), torch.where(inside_pos, -0.7, 0.0)])
    # -A * d(log pi)/d(log pi) = -A inside, with no ratio weight; exactly 0 outside.
    assert torch.equal(logp.grad, expected)


def test_a_sampling_temperature_scores_the_softmax_of_logits_over_it(model, examples, tokenizer):
    """Online RL scores its samples at the temperature it drew them with: log softmax(logits / T)."""
    batch = collate(examples, tokenizer.pad_token_id)
    cfg = LossConfig("token", 0.0, 0.0, 0.0, temperature=0.6)
    with torch.no_grad():
        loss, _ = batch_loss(model, batch, cfg, denominator([batch], "token"))
    per = [(e.advantage, per_example_logprobs(model, e, 0.6)) for e in examples]
    hand = sum(-a * sum(lp) for a, lp in per) / sum(len(lp) for _, lp in per)
    assert loss.item() == pytest.approx(hand, rel=1e-5)
    assert loss_config("online_rloo", TrainParams(), 0.6).temperature == 0.6
    assert loss_config("rloo", TrainParams()).temperature == 1.0


@pytest.mark.parametrize("attention", ["eager", "sdpa"])
def test_shared_prompts_give_the_unshared_logprobs_under_each_attention(tiny_model_dir, tokenizer, attention):
    """Packing is exact whatever attention the model runs: eager adds the mask to the scores (a boolean mask
    would mask nothing there), SDPA reads it as a boolean."""
    model = load_model(tiny_model_dir).eval()
    model.set_attn_implementation(attention)
    rows = [{"prompt": p, "completion": c, "advantage": 1.0, "group_id": "g", "submission_id": str(i)}
            for i, (p, c) in enumerate([(SUM, GOOD_SUM), (SUM, BAD_SUM), (REVERSE, GOOD_REV), (SUM, GOOD_SUM * 2)])]
    exs, _ = encode(rows, tokenizer, 1024, "rloo")
    with torch.no_grad():
        packed = collate(exs, tokenizer.pad_token_id, share_prompts=True)
        assert packed.attention_mask.dim() == 4
        logp = token_logprobs(completion_logits(model, packed), packed.targets)
    for n, e in enumerate(exs):
        torch.testing.assert_close(logp[n, : e.n_completion].double(),
                                   torch.tensor(per_example_logprobs(model, e), dtype=torch.float64),
                                   rtol=1e-4, atol=1e-4)


def test_shared_prompts_refuse_an_attention_that_reads_no_4d_mask(tiny_model_dir, tokenizer):
    model = load_model(tiny_model_dir).eval()
    model.config._attn_implementation = "flash_attention_2"  # as set by from_pretrained; not run here
    batch = collate([Example((1, 2, 3), 2, 1.0), Example((1, 2, 4), 2, 1.0)], 0, share_prompts=True)
    with pytest.raises(ValueError, match="share_prompts: false"):
        completion_logits(model, batch)


def test_sft_loss_is_the_causal_lm_mean_nll(model, examples, tokenizer):
    """SFT shares batch_loss: with A = 1, no clip, token normalisation it is transformers' own masked NLL."""
    sft = [Example(e.ids, e.n_prompt, 1.0) for e in examples]
    batch = collate(sft, tokenizer.pad_token_id)
    with torch.no_grad():
        loss, _ = batch_loss(model, batch, loss_config("sft", None), denominator([batch], "token"))
        labels = batch.input_ids.clone()
        labels[batch.attention_mask == 0] = -100
        for b, e in enumerate(sft):
            labels[b, : e.n_prompt] = -100
        reference = model(input_ids=batch.input_ids, attention_mask=batch.attention_mask, labels=labels).loss
    assert loss.item() == pytest.approx(reference.item(), rel=1e-5)


@pytest.mark.parametrize("norm", ["sequence", "token"])
def test_accumulated_micro_batches_give_the_big_batch_gradient(model, examples, tokenizer, norm):
    cfg = LossConfig(norm, 0.0, 0.0, 0.0)

    def grads(parts):
        model.zero_grad()
        batches = [collate([examples[i] for i in p], tokenizer.pad_token_id) for p in parts]
        denom = denominator(batches, norm)
        for b in batches:
            batch_loss(model, b, cfg, denom)[0].backward()
        return [p.grad.clone() for p in model.parameters()]

    whole, split = grads([[0, 1, 2]]), grads([[0], [1, 2]])
    model.zero_grad()
    for a, b in zip(whole, split):
        torch.testing.assert_close(a, b, rtol=1e-4, atol=1e-7)


@pytest.mark.parametrize("norm", ["sequence", "token"])
def test_shared_prompts_give_the_same_loss_and_gradient(model, tokenizer, norm):
    """Packing a group's programs behind one copy of their prompt is exact, padding included."""
    rows = [{"prompt": p, "completion": c, "advantage": a, "group_id": "g", "submission_id": str(i)}
            for i, (p, c, a) in enumerate([(SUM, GOOD_SUM, 1.0), (SUM, BAD_SUM, -1.0), (REVERSE, GOOD_REV, 0.5),
                                            (SUM, GOOD_SUM * 3, 0.3), (REVERSE, BAD_REV, -0.5)])]
    exs, _ = encode(rows, tokenizer, 1024, "rloo")
    cfg = LossConfig(norm, 0.0, 0.0, 0.0)

    def run(share):
        model.zero_grad()
        batch = collate(exs, tokenizer.pad_token_id, share_prompts=share)
        loss, _ = batch_loss(model, batch, cfg, denominator([batch], norm))
        loss.backward()
        return loss.item(), [p.grad.clone() for p in model.parameters()], batch

    plain_loss, plain_grads, plain = run(False)
    shared_loss, shared_grads, shared = run(True)
    model.zero_grad()
    assert shared.input_ids.shape[0] == 2 and shared.n_tokens < 0.6 * plain.n_tokens
    assert shared_loss == pytest.approx(plain_loss, rel=1e-5)
    for a, b in zip(plain_grads, shared_grads):
        torch.testing.assert_close(a, b, rtol=1e-4, atol=1e-6)


def test_kl_to_reference_is_zero_for_the_same_logits_and_positive_otherwise():
    logits = torch.randn(2, 3, 11)
    assert kl_to_reference(logits, logits).abs().max() < 1e-6
    other = logits + torch.randn(2, 3, 11)
    p, q = logits.double().softmax(-1), other.double().softmax(-1)
    brute = (p * (p.log() - q.log())).sum(-1)
    torch.testing.assert_close(kl_to_reference(logits, other).double(), brute, rtol=1e-4, atol=1e-6)


def test_lr_schedule_warms_up_then_decays_to_the_floor():
    f = [loop.lr_factor(s, 10, 2, 0.1) for s in range(10)]
    assert f[0] == pytest.approx(1 / 3) and f[1] == pytest.approx(2 / 3) and f[2] == pytest.approx(1.0)
    assert all(a >= b for a, b in zip(f[2:], f[3:]))
    assert loop.lr_factor(10, 10, 2, 0.1) == pytest.approx(0.1)
