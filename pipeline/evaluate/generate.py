"""Generation: n sampled + 1 greedy completion per prompt in left-padded batches, with the params' sampling
settings only (temperature, top_p, max_new_tokens); a row stops at its first stop token or once its program's
code block is closed. Used by the evaluate stage and by online RL (pipeline/train/online.py), which trains on
exactly the token ids sampled here."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

from pipeline.params import EvaluateParams
from pipeline.prompt import extract_program


def load_policy(model_dir: Path | str):
    """(model, tokenizer, device) for a transformers model directory: bf16 on a GPU, float32 on CPU; the
    tokenizer pads on the left (generation appends on the right). FileNotFoundError names the stage to run."""
    import torch

    from pipeline.model import load_model, load_tokenizer

    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    tokenizer = load_tokenizer(model_dir)
    tokenizer.padding_side = "left"
    model = load_model(model_dir, device=device)
    if device.type == "cuda":
        model = model.to(torch.bfloat16)
    plain_generation_config(model)
    return model.eval(), tokenizer, device


def plain_generation_config(model) -> None:
    """generate() fills every setting left unset from the model's generation_config: keep only its special
    tokens, so that no temperature, top_k or repetition_penalty saved with a model changes the sampling (here
    and in online RL, pipeline.train.online)."""
    from transformers import GenerationConfig

    saved = model.generation_config
    model.generation_config = GenerationConfig(
        bos_token_id=saved.bos_token_id, eos_token_id=saved.eos_token_id, pad_token_id=saved.pad_token_id
    )


class _FenceClosed:
    """Stopping criterion: a row is done once its program's code block is closed.

    extract_program takes the first python block, so text after that block's closing fence never changes the
    program; stopping there saves the tokens a base model spends on explanations. The program is final exactly
    when appending ``_PROBE`` no longer changes what extract_program returns: the probe ends the current line
    and then adds a python block, which an open block, unfenced text, or a closed non-python block (sample
    output, say) would let through. Only rows whose newest token holds a backtick are re-checked.
    ``closed_at[row]`` is the number of new tokens when the row closed (None while open).
    """

    _PROBE = "\n\x00\n```python\n\x00\n```\n"

    def __init__(self, tokenizer, prompt_len: int):
        self.tokenizer = tokenizer
        self.prompt_len = prompt_len
        self.closed_at: list[int | None] = []

    def __call__(self, input_ids, scores, **kwargs):
        import torch

        if not self.closed_at:
            self.closed_at = [None] * input_ids.shape[0]
        new_tokens = input_ids.shape[1] - self.prompt_len
        last = self.tokenizer.batch_decode(input_ids[:, -1:].tolist())
        for row, piece in enumerate(last):
            if self.closed_at[row] is None and "`" in piece:
                text = self.tokenizer.decode(input_ids[row, self.prompt_len :].tolist(), skip_special_tokens=True)
                if extract_program(text + self._PROBE) == extract_program(text):
                    self.closed_at[row] = new_tokens
        closed = [at is not None for at in self.closed_at]
        return torch.tensor(closed, dtype=torch.bool, device=input_ids.device)


@dataclass(frozen=True)
class Generated:
    text: str
    tokens: int  # new tokens up to and including the first stop token, or up to the closing code fence
    ids: tuple[int, ...] = ()  # those tokens' ids, as sampled (online RL trains on exactly these)


def _stop_ids(model, tokenizer) -> list[int]:
    ids = model.generation_config.eos_token_id
    ids = [] if ids is None else [ids] if isinstance(ids, int) else list(ids)
    if tokenizer.eos_token_id is not None and tokenizer.eos_token_id not in ids:
        ids.append(tokenizer.eos_token_id)
    return ids


def generation_config(params: EvaluateParams, sample: bool, stop_ids: list[int], pad_token_id: int):
    """Nucleus sampling with the params' temperature and top_p (top_k = 0: generate() would otherwise apply
    its default top-k of 50), or greedy decoding."""
    from transformers import GenerationConfig

    return GenerationConfig(
        max_new_tokens=params.max_new_tokens,
        do_sample=sample,
        temperature=params.temperature if sample else None,
        top_p=params.top_p if sample else None,
        top_k=0 if sample else None,
        pad_token_id=pad_token_id,
        eos_token_id=stop_ids,
        use_cache=True,
    )


class _GreedyRows:
    """Logits processor: the rows marked greedy keep only their highest score, so sampling picks exactly the
    greedy token there (temperature and top-p never move the argmax), while the other rows sample. Greedy and
    sampled completions then share one batch: one pass of decoding steps instead of two (on a CPU, decoding
    steps, not rows, are most of evaluation's time)."""

    def __init__(self, greedy_rows: Sequence[bool]):
        self.greedy_rows = list(greedy_rows)

    def __call__(self, input_ids, scores):
        import torch

        rows = torch.tensor(self.greedy_rows, device=scores.device)
        best = scores.argmax(dim=-1, keepdim=True)
        only_best = torch.full_like(scores, float("-inf")).scatter(-1, best, scores.gather(-1, best))
        return torch.where(rows.unsqueeze(1), only_best, scores)


def generate_batch(model, tokenizer, texts: Sequence[str], params: EvaluateParams, sample: bool,
                   seed: int, greedy_rows: Sequence[bool] | None = None) -> list[Generated]:
    """Complete each text once (one left-padded batch): sampled with the params' temperature and top_p, or
    greedy; with ``sample`` and ``greedy_rows``, the rows marked True are greedy and the others sampled. The
    settings come from params only (see load_policy and generation_config)."""
    import torch
    from transformers import LogitsProcessorList, StoppingCriteriaList

    device = next(model.parameters()).device
    # The rendered prompt already holds the template's special tokens; do not add a second BOS.
    enc = tokenizer(list(texts), return_tensors="pt", padding=True, add_special_tokens=False).to(device)
    stop_ids = _stop_ids(model, tokenizer)
    config = generation_config(params, sample, stop_ids, tokenizer.pad_token_id)
    prompt_len = enc["input_ids"].shape[1]
    fence = _FenceClosed(tokenizer, prompt_len)
    torch.manual_seed(seed)
    with torch.inference_mode():
        mixed = sample and greedy_rows is not None and any(greedy_rows)
        processors = LogitsProcessorList([_GreedyRows(greedy_rows)] if mixed else [])
        out = model.generate(**enc, generation_config=config, stopping_criteria=StoppingCriteriaList([fence]),
                             logits_processor=processors)
    results = []
    for i, row in enumerate(out[:, prompt_len:].tolist()):
        # A row ends at its first stop token or where its code block closed (then padding follows).
        end = next((j + 1 for j, t in enumerate(row) if t in stop_ids), len(row))
        if fence.closed_at and fence.closed_at[i] is not None:
            end = min(end, fence.closed_at[i])
        results.append(Generated(tokenizer.decode(row[:end], skip_special_tokens=True), end, tuple(row[:end])))
    return results


@dataclass(frozen=True)
class Request:
    problem: int  # index into the problems list
    sample: int  # 0..n-1 for sampled completions, 0 for the greedy one
    greedy: bool


def generate_all(model, tokenizer, prompts: Sequence[str], params: EvaluateParams, seed: int,
                 progress: bool = True) -> tuple[list[Request], list[Generated]]:
    """n sampled + 1 greedy completion per prompt. Requests are sorted by prompt length (longest first, so
    memory problems show at once) and cut into batches of ``batch_size``, greedy and sampled rows side by side
    (_GreedyRows); batch b is seeded with seed + b so the result does not depend on what ran before."""
    from tqdm import tqdm

    lengths = [len(tokenizer(p, add_special_tokens=False)["input_ids"]) for p in prompts]
    requests = [Request(i, s, False) for i in range(len(prompts)) for s in range(params.n)]
    requests += [Request(i, 0, True) for i in range(len(prompts))]
    requests.sort(key=lambda r: (-lengths[r.problem], r.problem, r.greedy, r.sample))
    batches = list(_chunks(requests, params.batch_size))
    done: list[Request] = []
    outputs: list[Generated] = []
    for b, batch in enumerate(tqdm(batches, desc="generate", unit="batch", disable=not progress)):
        texts = [prompts[r.problem] for r in batch]
        greedy = [r.greedy for r in batch]
        outputs += generate_batch(model, tokenizer, texts, params, sample=not all(greedy), seed=seed + b,
                                  greedy_rows=greedy)
        done += batch
    return done, outputs


def _chunks(items: list, size: int) -> Iterable[list]:
    for i in range(0, len(items), size):
        yield items[i : i + size]
