"""Training data: groups rows -> token ids -> length-bucketed micro-batches on the device.

Each row becomes an ``Example`` (rendered prompt + fenced program + EOS, the prompt masked from the loss);
``plan_batches`` cuts the examples into seeded, length-bucketed micro-batches (shuffled, then sorted by (prompt,
length) inside windows, which keeps padding low); ``collate`` pads them into a ``Batch``. The programs of one
prompt in a batch (a group's members) share one copy of the prompt, exactly (block attention mask, restarted
positions), and logits are kept only at the completion positions.

Shapes: N = examples in a batch, L = completion tokens per example; R, T, K = model rows, their length, kept
positions.
"""
from __future__ import annotations

import dataclasses
import math
from pathlib import Path
from typing import Sequence

import numpy as np
import torch

from pipeline import tables
from pipeline.codenet import normalise_code
from pipeline.prompt import format_completion, render_prompt
from sandbox.judge import ACCEPTED


@dataclasses.dataclass(frozen=True)
class Example:
    ids: tuple[int, ...]  # rendered prompt + completion + EOS
    n_prompt: int  # the first n_prompt ids are the prompt (no loss)
    advantage: float  # 1.0 for sft
    prompt_key: int = 0  # equal keys = identical prompt ids (rows of one problem): their prompt can be shared

    @property
    def n_completion(self) -> int:
        return len(self.ids) - self.n_prompt


def accepted_path(groups_path: Path) -> Path:
    """The SFT set the groups stage writes beside ``groups_path`` (tables.ACCEPTED)."""
    return Path(groups_path).with_name(tables.ACCEPTED_FILE)


def select_rows(table, algorithm: str, split: str) -> tuple[list[dict], dict]:
    """The rows one algorithm trains on for ``split``, and counts of what was left out.

    rloo: every row of the groups table (each carries its group's advantage). sft: rows of the SFT set
    (``accepted_path``; every usable Accepted program, in or out of a group), Accepted only, one per
    (problem, whitespace-normalised code), in submission order.
    """
    rows = [r for r in table.to_pylist() if r["split"] == split]
    stats = {"rows": len(rows)}
    if algorithm == "sft":
        rows.sort(key=lambda r: (r["problem_id"], r["submission_id"]))
        seen, kept = set(), []
        for r in rows:
            key = (r["problem_id"], normalise_code(r["completion"]))  # the same rule as ingest's duplicates
            if r["verdict"] == ACCEPTED and key not in seen:
                seen.add(key)
                kept.append(r)
        stats["not_accepted_or_duplicate"] = len(rows) - len(kept)
        rows = kept
    return rows, stats


def encode(rows: Sequence[dict], tokenizer, max_length: int, algorithm: str):
    """Token ids of each row: render_prompt(prompt) + format_completion(code) + EOS.

    Prompt and completion are tokenised separately, as at generation time (the evaluator tokenises the rendered
    prompt alone and the model continues it). Rows longer than ``max_length`` are left out (returned count).
    Fails on a non-finite advantage (a bug upstream).
    """
    if not rows:
        return [], 0
    # Distinct prompts, shortest first: prompt_key order is also the bucketing order of plan_batches.
    texts = sorted({r["prompt"] for r in rows})
    ids = tokenizer([render_prompt(tokenizer, p) for p in texts], add_special_tokens=False)["input_ids"]
    order = sorted(range(len(texts)), key=lambda k: (len(ids[k]), k))
    prompt = {texts[k]: (key, ids[k]) for key, k in enumerate(order)}
    eos = [] if tokenizer.eos_token_id is None else [tokenizer.eos_token_id]
    completions = tokenizer([format_completion(r["completion"]) for r in rows], add_special_tokens=False)["input_ids"]
    examples, too_long = [], 0
    for row, comp in zip(rows, completions):
        adv = 1.0 if algorithm == "sft" else train_advantage(
            float(row["advantage"]), f"groups row {row['group_id']}/{row['submission_id']}")
        key, prompt_ids = prompt[row["prompt"]]
        full = list(prompt_ids) + list(comp) + eos
        if len(full) > max_length:
            too_long += 1
            continue
        examples.append(Example(tuple(full), len(prompt_ids), adv, key))
    return examples, too_long


def train_advantage(advantage: float, where: str) -> float:
    """The advantage a row trains with, as the groups rule computed it (scaled and clipped there, offline and
    online alike: groups.advantage_clip). Fails on a non-finite value (a bug upstream; ``where`` names the row)."""
    if not math.isfinite(advantage):
        raise ValueError(f"{where}: advantage {advantage} is not finite")
    return advantage


def plan_batches(keys: Sequence, batch_size: int, sort_window: int, epochs: int, seed: int) -> list[list[int]]:
    """Micro-batches of example indices for ``epochs`` passes, bucketed and deterministic in ``seed``.

    Per epoch: a seeded shuffle; inside windows of ``sort_window`` batches the rows are sorted by ``keys`` (their
    length, or (prompt, length) so rows sharing a prompt land together) and cut into batches (similar lengths,
    little padding); then the batch order is shuffled so that long batches are not always at the end of a
    window. ``sort_window = 1`` gives plain shuffled batches.
    """
    n = len(keys)
    window = batch_size * sort_window
    plan: list[list[int]] = []
    for epoch in range(epochs):
        rng = np.random.default_rng([seed, epoch])
        order = rng.permutation(n).tolist()
        batches = []
        for start in range(0, n, window):
            chunk = sorted(order[start:start + window], key=lambda i: keys[i])
            batches += [chunk[j:j + batch_size] for j in range(0, len(chunk), batch_size)]
        plan += [batches[k] for k in rng.permutation(len(batches))]
    return plan


def bucket_key(example: Example, share_prompts: bool):
    """Sort key of plan_batches: (prompt, length) when prompts are shared, else the length."""
    return (example.prompt_key, len(example.ids)) if share_prompts else len(example.ids)


@dataclasses.dataclass
class Batch:
    """R model rows (sequences fed to the model) holding N examples. Without prompt sharing R = N and row n is
    example n; with it, the examples of one prompt share a row: prompt, then each program in turn."""

    input_ids: torch.Tensor  # [R, T] right-padded
    attention_mask: torch.Tensor  # [R, T] (one example per row) or [R, 1, T, T] bool (shared prompts)
    position_ids: torch.Tensor | None  # [R, T] when prompts are shared (each program continues the prompt)
    keep: torch.Tensor  # [R, K] positions whose logits are computed (those predicting completion tokens)
    gather: tuple[torch.Tensor, torch.Tensor] | None  # ([N, L] row, [N, L] column) into the [R, K] logits
    targets: torch.Tensor  # [N, L] completion token ids (pad id where padding)
    mask: torch.Tensor  # [N, L] bool, True at real completion tokens
    advantages: torch.Tensor  # [N]
    old_logp: torch.Tensor | None  # [N, L] initial policy's log-probs of the targets (0 where padding)
    n_tokens: int  # tokens the model processes (a shared prompt once)
    n_row_tokens: int  # prompt + completion tokens of the examples (a shared prompt once per example)

    def to(self, device) -> "Batch":
        def move(x):
            if isinstance(x, torch.Tensor):
                return x.to(device)
            return tuple(move(t) for t in x) if isinstance(x, tuple) else x

        return Batch(**{f.name: move(getattr(self, f.name)) for f in dataclasses.fields(self)})


def collate(examples: Sequence[Example], pad_id: int, old_logps: Sequence[torch.Tensor] | None = None,
            share_prompts: bool = False) -> Batch:
    """Pad examples into a Batch. With ``share_prompts``, examples with the same prompt become one row
    ``prompt, program 1, program 2, ...`` whose attention mask lets each program see the prompt and itself only
    and whose position ids restart each program where the prompt ends: every program gets exactly the logits it
    would get alone, and the prompt is computed once."""
    N, L = len(examples), max(e.n_completion for e in examples)
    members: dict[int, list[int]] = {}
    for n, e in enumerate(examples):
        members.setdefault(e.prompt_key if share_prompts else -1 - n, []).append(n)
    rows = list(members.values())
    packed = any(len(m) > 1 for m in rows)

    ids_rows, pos_rows, seg_rows, keep_rows = [], [], [], []
    row_of, col_of = torch.zeros(N, dtype=torch.long), torch.zeros(N, dtype=torch.long)
    for r, group in enumerate(rows):
        p = examples[group[0]].n_prompt
        ids, pos, seg, keep = list(examples[group[0]].ids[:p]), list(range(p)), [0] * p, []
        for k, n in enumerate(group, start=1):
            e = examples[n]
            start = len(ids)
            row_of[n], col_of[n] = r, len(keep)
            # Logits at position t predict the token at t + 1; a program's first token is predicted by the
            # prompt's last position (shared by all programs of the row).
            keep += [p - 1] + list(range(start, start + e.n_completion - 1))
            ids += e.ids[p:]
            pos += range(p, p + e.n_completion)
            seg += [k] * e.n_completion
        ids_rows.append(ids), pos_rows.append(pos), seg_rows.append(seg), keep_rows.append(keep)

    R, T, K = len(rows), max(map(len, ids_rows)), max(map(len, keep_rows))
    input_ids = torch.full((R, T), pad_id, dtype=torch.long)
    real = torch.zeros((R, T), dtype=torch.bool)
    segment = torch.full((R, T), -1, dtype=torch.long)
    position_ids = torch.zeros((R, T), dtype=torch.long)
    keep = torch.full((R, K), T - 1, dtype=torch.long)
    for r in range(R):
        n = len(ids_rows[r])
        input_ids[r, :n] = torch.tensor(ids_rows[r])
        real[r, :n] = True
        segment[r, :n] = torch.tensor(seg_rows[r])
        position_ids[r, :n] = torch.tensor(pos_rows[r])
        keep[r, : len(keep_rows[r])] = torch.tensor(keep_rows[r])

    targets = torch.full((N, L), pad_id, dtype=torch.long)
    mask = torch.zeros((N, L), dtype=torch.bool)
    old = None if old_logps is None else torch.zeros((N, L), dtype=torch.float32)
    for n, e in enumerate(examples):
        targets[n, : e.n_completion] = torch.tensor(e.ids[e.n_prompt:])
        mask[n, : e.n_completion] = True
        if old is not None:
            old[n, : e.n_completion] = old_logps[n]
    if packed:
        # [R, 1, T, T]: query i sees key j when j <= i and j is prompt or the same program; the diagonal keeps
        # padding rows from being empty (an all-masked softmax row is NaN).
        causal = torch.ones((T, T), dtype=torch.bool).tril()
        same = (segment[:, None, :] == 0) | (segment[:, None, :] == segment[:, :, None])
        attention = (causal & same & real[:, None, :]) | torch.eye(T, dtype=torch.bool)
        attention_mask, pos_ids = attention[:, None], position_ids
        l_idx = torch.arange(L)
        gather = (row_of[:, None].expand(N, L), (col_of[:, None] + l_idx).clamp(max=K - 1))
    else:
        attention_mask, pos_ids, gather = real.long(), None, None
    advantages = torch.tensor([e.advantage for e in examples], dtype=torch.float32)
    return Batch(input_ids, attention_mask, pos_ids, keep, gather, targets, mask, advantages, old,
                 n_tokens=int(real.sum()), n_row_tokens=sum(len(e.ids) for e in examples))


@dataclasses.dataclass(frozen=True)
class Runtime:
    """How batches are built and run (not what is learnt)."""

    device: torch.device
    autocast: object  # a context-manager factory: bf16 autocast on cuda, else a no-op
    pad_id: int
    batch_size: int
    share_prompts: bool

    def batches(self, examples: Sequence[Example], indices: Sequence[int]):
        """(indices, Batch) over ``indices`` in bucketed order, on the device: the batches of passes without
        gradients, and of online RL's freshly sampled examples."""
        order = sorted(indices, key=lambda i: bucket_key(examples[i], self.share_prompts))
        for start in range(0, len(order), self.batch_size):
            idx = order[start:start + self.batch_size]
            batch = collate([examples[i] for i in idx], self.pad_id, share_prompts=self.share_prompts)
            yield idx, batch.to(self.device)


@dataclasses.dataclass
class StepWork:
    """What one optimiser step trains on in this process: micro-batches (none: no update) with their loss weights
    (0 for a rerun that only keeps the processes' collectives in step, see distributed.rank_share), the loss
    denominator of the whole step (all processes), and a source's statistics to log."""

    batches: list[Batch]
    weights: list[float]
    denom: int
    info: dict
