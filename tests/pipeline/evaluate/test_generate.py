"""Batched generation with a tiny random Llama: left padding, seeding, bookkeeping, the fence stop."""
from __future__ import annotations

import torch

from pipeline.params import EvaluateParams
import pytest

from pipeline.evaluate.generate import (Request, _FenceClosed, _stop_ids, generate_all, generate_batch,
                                       generation_config, load_policy)

PARAMS = EvaluateParams(n=3, k=(1, 3), max_new_tokens=6, batch_size=4)


@pytest.fixture(scope="module")
def policy(tiny_model_dir):
    return load_policy(tiny_model_dir)


def test_load_policy_pads_on_the_left_in_float32_on_cpu(policy):
    model, tokenizer, device = policy
    assert tokenizer.padding_side == "left" and tokenizer.pad_token is not None
    if device.type == "cpu":
        assert next(model.parameters()).dtype == torch.float32


def test_batched_greedy_equals_one_at_a_time(policy):
    # Left padding with the attention mask must not change what a prompt generates.
    model, tokenizer, _ = policy
    texts = ["Short prompt.", "A much longer prompt with many more tokens in it than the first one has."]
    batched = generate_batch(model, tokenizer, texts, PARAMS, sample=False, seed=0)
    alone = [generate_batch(model, tokenizer, [t], PARAMS, sample=False, seed=0)[0] for t in texts]
    assert batched == alone
    assert all(1 <= g.tokens <= PARAMS.max_new_tokens for g in batched)


def test_greedy_rows_in_a_sampled_batch_equal_greedy_decoding(policy):
    # generate_all puts greedy and sampled completions in one batch; the greedy rows must be exactly greedy.
    model, tokenizer, _ = policy
    texts = ["Short prompt.", "A much longer prompt with many more tokens in it than the first one has.",
             "Short prompt."]
    greedy = generate_batch(model, tokenizer, texts, PARAMS, sample=False, seed=0)
    for seed in (0, 1, 2):
        mixed = generate_batch(model, tokenizer, texts, PARAMS, sample=True, seed=seed,
                               greedy_rows=[True, True, False])
        assert mixed[:2] == greedy[:2]
    sampled = [generate_batch(model, tokenizer, texts, PARAMS, sample=True, seed=seed, greedy_rows=[True, True, False])[2]
               for seed in range(4)]
    assert len({g.ids for g in sampled}) > 1  # the third row still samples


def test_sampling_is_reproducible_for_a_seed(policy):
    model, tokenizer, _ = policy
    first = generate_batch(model, tokenizer, ["Hello"] * 4, PARAMS, sample=True, seed=5)
    again = generate_batch(model, tokenizer, ["Hello"] * 4, PARAMS, sample=True, seed=5)
    other = generate_batch(model, tokenizer, ["Hello"] * 4, PARAMS, sample=True, seed=6)
    assert first == again
    assert first != other


def test_generate_all_gives_n_samples_and_one_greedy_per_prompt(policy):
    model, tokenizer, _ = policy
    requests, outputs = generate_all(model, tokenizer, ["one", "two two two"], PARAMS, seed=1, progress=False)
    assert len(outputs) == len(requests) == 2 * (PARAMS.n + 1)
    assert sorted(requests, key=lambda r: (r.problem, r.greedy, r.sample)) == [
        Request(p, s, False) for p in (0,) for s in range(3)] + [Request(0, 0, True)] + [
        Request(1, s, False) for s in range(3)] + [Request(1, 0, True)]


def _processed_scores(model, tokenizer, prm: EvaluateParams):
    """The scores generate() samples the first token from, after its logits processors and warpers."""
    enc = tokenizer(["Hello there"] * 2, return_tensors="pt", add_special_tokens=False)
    config = generation_config(prm, True, _stop_ids(model, tokenizer), tokenizer.pad_token_id)
    out = model.generate(**enc, generation_config=config, output_scores=True, return_dict_in_generate=True)
    return out.scores[0]


def test_sampling_uses_top_p_only_not_the_default_top_k(policy):
    model, tokenizer, _ = policy
    scores = _processed_scores(model, tokenizer, EvaluateParams(n=1, k=(1,), top_p=1.0, max_new_tokens=1))
    # generate()'s default top_k = 50 would leave 50 finite scores per row; top_p = 1.0 keeps the whole vocabulary.
    assert torch.isfinite(scores).sum(dim=-1).tolist() == [len(tokenizer)] * 2


def test_sampling_settings_saved_with_a_model_are_ignored(policy, tiny_model_dir, tmp_path):
    import shutil

    from transformers import GenerationConfig

    shutil.copytree(tiny_model_dir, tmp_path / "model")
    saved = GenerationConfig(do_sample=True, top_k=3, min_p=0.5, repetition_penalty=9.0, eos_token_id=2)
    saved.save_pretrained(tmp_path / "model")
    model, tokenizer, _ = load_policy(tmp_path / "model")
    prm = EvaluateParams(n=1, k=(1,), top_p=1.0, max_new_tokens=1)
    assert torch.equal(_processed_scores(model, tokenizer, prm), _processed_scores(policy[0], policy[1], prm))


def _stops_after(tokenizer, text: str) -> int | None:
    """Feed the criterion the tokens of ``text`` one at a time; the number of tokens when it first stops."""
    prompt = [tokenizer.pad_token_id] * 3
    ids = tokenizer(text, add_special_tokens=False)["input_ids"]
    criterion = _FenceClosed(tokenizer, prompt_len=len(prompt))
    for step in range(1, len(ids) + 1):
        if criterion(torch.tensor([prompt + ids[:step]]), None)[0]:
            assert criterion.closed_at == [step]
            return step
    return None


def test_fence_stop_fires_at_the_closing_fence(tokenizer):
    text = "Here:\n```python\nprint(1)\n```"
    stop = _stops_after(tokenizer, text + "\nThat prints one.")
    assert stop == len(tokenizer(text, add_special_tokens=False)["input_ids"])


def test_fence_stop_waits_for_the_program_after_a_non_python_block(tokenizer):
    text = "Sample output:\n```text\n3\n```\nSolution:\n```python\nprint(3)\n```"
    stop = _stops_after(tokenizer, text + "\nDone.")
    assert stop == len(tokenizer(text, add_special_tokens=False)["input_ids"])


def test_fence_stop_waits_for_an_open_block_or_unfenced_text(tokenizer):
    assert _stops_after(tokenizer, "```python\nprint(1)\n") is None
    assert _stops_after(tokenizer, "print(1) # use `x` here") is None
