"""The train stage: offline RLOO with GRPO-style advantages (or the SFT baseline) on groups.parquet.

Following Anand et al. 2026 ("Efficient Post-training of LLMs for Code Generation With Offline Reinforcement
Learning", arXiv 2605.28409): an online policy-gradient method applied to pre-collected human programs. Each
groups row is (prompt, program, advantage); the advantage is already computed by the groups stage (leave-one-out
baseline scaled by the group's reward std). Only the ``train`` split is trained on; ``valid`` gives a logged
validation loss.

- ``rloo``: loss = -A x log pi(completion | prompt), prompt tokens masked, normalised per sequence (GRPO) or per
  token (DAPO). The data are human programs, not samples of the policy, so nothing stops plain REINFORCE from
  pushing a negatively rewarded program's log-prob to -infinity. The guard (default on): a stop-gradient mask
  from the ratio to a snapshot of the *initial* policy's per-token log-probs, computed once before training (no
  second model kept): the gradient stays -A x grad log pi where the mask lets it through (``pg_loss``).
  Optional: KL penalty to the initial model (exact over the vocabulary), advantage clipping.
- ``sft``: the paper's supervised baseline: mean token NLL of every Accepted program of the train split (the
  groups stage's SFT set, ``accepted_path``), de-duplicated per problem.
  Same loop and data pipeline (advantage 1, no guard, token normalisation).
- ``online_rloo``: the online baseline offline RL is measured against (``pipeline.online``): each step samples G
  programs per problem from the current policy, judges them in the sandbox and trains on them with the same loss.

The loop takes each optimiser step's micro-batches from a *source*: ``OfflineSource`` (the fixed plan over the
groups rows) or ``pipeline.online.OnlineSource`` (sample, judge, reward, group, per step). Every run writes a
cost report, ``cost.json`` beside the dvclive metrics: wall time split into generation, execution and
optimisation, tokens generated, programs executed, peak memory, seconds per step (``Cost``).

The loop (``train``) is written out top to bottom in the nanoGPT style; the math lives in small pure functions
with shape comments (N = examples in a batch, L = completion tokens per example, V = vocabulary; R, T, K = model
rows, their length, kept positions).

Efficiency: length-bucketed batches (shuffled, then sorted by (prompt, length) inside windows) keep padding low;
the programs of one prompt in a batch (a group's members) share one copy of the prompt, exactly (block attention
mask, restarted positions); logits are computed only at the completion positions (``logits_to_keep``), which
skips the vocabulary projection for every prompt token; bf16 autocast and optional gradient checkpointing on a
GPU.

Crash safety: a checkpoint every ``checkpoint_every`` steps (trainable weights, optimiser, scheduler, RNG, step)
under ``checkpoints/<algorithm>``; a rerun with the same inputs and params resumes from the newest one with the
same data order. The final model is written atomically.

Several GPUs (train.num_processes > 1): the same loop in each of the processes `accelerate launch` starts (DDP, or
FSDP); each runs its share of a step's micro-batches and the update equals one process running them all. The
helpers around the loop are in pipeline/distributed.py.
"""
from __future__ import annotations

import csv
import dataclasses
import hashlib
import json
import logging
import math
import resource
import time
from contextlib import nullcontext
from pathlib import Path
from typing import Sequence

import numpy as np
import torch

from pipeline import distributed as D
from pipeline import model as M
from pipeline import params as P
from pipeline import tables
from pipeline.atomic import atomic_path
from pipeline.codenet import normalise_code
from pipeline.prompt import format_completion, render_prompt
from sandbox.judge import ACCEPTED

log = logging.getLogger(__name__)

ALGORITHMS = ("rloo", "sft", "online_rloo")
# Params that change how often things are logged or saved, never the result: a resume may change them.
RUNTIME_ONLY = ("log_every", "eval_every", "checkpoint_every", "keep_checkpoints")


# --------------------------------------------------------------------------------------------------
# Data: rows -> token ids -> length-bucketed batches


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


# --------------------------------------------------------------------------------------------------
# The math: small pure functions on [N, L] tensors


def token_logprobs(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """log softmax(logits)[target] without materialising the full log-softmax.

    logits [N, L, V], targets [N, L] -> [N, L] (float32, also under bf16 autocast).
    """
    logits = logits.float()
    return logits.gather(-1, targets.unsqueeze(-1)).squeeze(-1) - torch.logsumexp(logits, dim=-1)


def pg_loss(logp: torch.Tensor, old_logp: torch.Tensor | None, advantages: torch.Tensor,
            clip_low: float, clip_high: float) -> torch.Tensor:
    """Per-token policy-gradient loss [N, L]: -A * log pi on the tokens the guard keeps, 0 on the others.

    The paper's offline loss is REINFORCE (Williams 1992) with the RLOO baseline already in A (Ahmadian et al.
    2024, eq. 6): gradient -A * grad log pi. The guard uses the ratio r = pi / pi_init per token (pi_init: the
    initial policy's snapshot) only as a stop-gradient mask, never as a weight: a negative-advantage token whose
    probability already fell below (1 - clip_low) x its initial value gets no more push down (so a human
    program's log-prob is not driven to -infinity); with clip_high > 0, a positive-advantage token above
    (1 + clip_high) x its initial value stops likewise. This is PPO's clipped region (Schulman et al. 2017,
    eq. 7) without PPO's ratio weight r, which for positive advantages is unbounded. A zero bound leaves that
    side open (both zero: no guard, old_logp may be None).

    logp, old_logp [N, L]; advantages [N].
    """
    a = advantages.unsqueeze(1)  # [N, 1]
    if clip_low == 0 and clip_high == 0:
        return -a * logp
    keep = ~guard_stops(logp.detach() - old_logp, a, clip_low, clip_high)  # [N, L] bool, no gradient
    return -a * logp * keep


def guard_stops(log_ratio: torch.Tensor, advantages: torch.Tensor, clip_low: float, clip_high: float) -> torch.Tensor:
    """The tokens the guard stops [N, L] bool: log ratio below log(1 - clip_low) with a negative advantage, or
    above log(1 + clip_high) with a positive one (a zero bound: that side never stops).

    log_ratio [N, L]; advantages broadcastable to it ([N, 1] or [N, L])."""
    stop = torch.zeros_like(log_ratio, dtype=torch.bool)
    if clip_low > 0:
        stop |= (log_ratio < math.log(1 - clip_low)) & (advantages < 0)
    if clip_high > 0:
        stop |= (log_ratio > math.log(1 + clip_high)) & (advantages > 0)
    return stop


def kl_to_reference(logits: torch.Tensor, ref_logits: torch.Tensor) -> torch.Tensor:
    """Exact KL(pi || pi_ref) over the vocabulary at each position: [N, L, V] x 2 -> [N, L]."""
    logp = logits.float().log_softmax(-1)
    ref = ref_logits.float().log_softmax(-1)
    return (logp.exp() * (logp - ref)).sum(-1)


def masked_total(per_token: torch.Tensor, mask: torch.Tensor, norm: str) -> torch.Tensor:
    """Numerator of the loss; divide by the step's denominator (``denominator``).

    token: sum of per-token values (DAPO, Yu et al. 2025). sequence: sum over sequences of each sequence's mean
    (GRPO, Shao et al. 2024, eq. 3). per_token [N, L], mask [N, L] -> scalar.
    """
    m = mask.to(per_token.dtype)
    if norm == "token":
        return (per_token * m).sum()
    return ((per_token * m).sum(1) / m.sum(1).clamp(min=1)).sum()


def denominator(batches: Sequence[Batch], norm: str) -> int:
    """Completion tokens (token) or sequences (sequence) in the batches of one optimiser step, so that a step
    split into micro-batches gives the same loss as one big batch."""
    if norm == "token":
        return max(1, sum(int(b.mask.sum()) for b in batches))
    return sum(int(b.mask.shape[0]) for b in batches)


def step_denominator(examples: Sequence[Example], norm: str) -> int:
    """``denominator`` of a step from its examples alone: each process gets the whole step's denominator without
    collating (or receiving) the micro-batches of the others."""
    if norm == "token":
        return max(1, sum(e.n_completion for e in examples))
    return len(examples)


def lr_factor(step: int, total: int, warmup: int, min_ratio: float) -> float:
    """Linear warmup for ``warmup`` steps, then cosine decay to ``min_ratio`` at ``total`` (nanoGPT)."""
    if step < warmup:
        return (step + 1) / (warmup + 1)
    progress = min(1.0, (step - warmup) / max(1, total - warmup))
    return min_ratio + (1 - min_ratio) * 0.5 * (1 + math.cos(math.pi * progress))


@dataclasses.dataclass(frozen=True)
class LossConfig:
    norm: str  # "sequence" | "token"
    clip_low: float  # 0 = off
    clip_high: float  # 0 = off
    kl_coef: float  # 0 = off
    # Log-probs are of softmax(logits / temperature): online RL scores its samples under the distribution it drew
    # them from (evaluate.temperature), as TRL's GRPOTrainer does; 1 for human programs.
    temperature: float = 1.0

    @property
    def needs_snapshot(self) -> bool:
        return self.clip_low > 0 or self.clip_high > 0


def loss_config(algorithm: str, prm: "P.TrainParams", temperature: float = 1.0) -> LossConfig:
    """SFT is the same loss with A = 1, no clipping, no KL, token normalisation: the mean NLL.

    online_rloo trains once on each sample, right after drawing it from the current policy: the ratio to the
    sampling policy is exactly 1, where PPO's clipped surrogate has the gradient of -A log pi. So the clip is
    dropped and no snapshot forward is spent on it (TRL's GRPOTrainer, num_iterations = 1, likewise takes the
    old log-probs as the current ones detached); the KL penalty to the initial model still applies. It scores
    its samples at their sampling ``temperature``."""
    if algorithm == "sft":
        return LossConfig("token", 0.0, 0.0, 0.0)
    if algorithm == "online_rloo":
        return LossConfig(prm.loss_norm, 0.0, 0.0, prm.kl_coef, temperature)
    return LossConfig(prm.loss_norm, prm.ratio_clip_low, prm.ratio_clip_high, prm.kl_coef)


# --------------------------------------------------------------------------------------------------
# Model plumbing


def attention_mask_for(model, mask: torch.Tensor) -> torch.Tensor:
    """The attention mask as ``model``'s attention implementation reads it. A 2-D padding mask goes as is. A 4-D
    block mask (shared prompts, [R, 1, T, T] bool, True = may attend) is passed through by transformers
    untouched: SDPA reads a boolean mask as such, but eager attention *adds* the mask to the scores, where a
    boolean adds 0 or 1 and masks nothing; eager gets the additive form (0 where allowed, the dtype's minimum
    elsewhere). Other implementations (flash attention) take no 4-D mask: a clear error."""
    if mask.dim() != 4:
        return mask
    impl = getattr(D.unwrap(model).config, "_attn_implementation", None)
    if impl == "sdpa":
        return mask
    if impl == "eager":
        dtype = next(model.parameters()).dtype
        return torch.zeros(mask.shape, dtype=dtype, device=mask.device).masked_fill(~mask, torch.finfo(dtype).min)
    raise ValueError(f"train.share_prompts packs several programs after one prompt with a 4-D attention mask, "
                     f"which only sdpa and eager attention read; this model uses {impl!r}: set "
                     "train.share_prompts: false, or load the model with attn_implementation='sdpa'")


def completion_logits(model, batch: Batch) -> torch.Tensor:
    """Logits at the completion positions only, per example: [N, L, V]. The vocabulary projection is computed
    at the kept positions alone (``logits_to_keep``), never for prompt tokens."""
    out = model(input_ids=batch.input_ids, attention_mask=attention_mask_for(model, batch.attention_mask),
                position_ids=batch.position_ids, logits_to_keep=batch.keep, use_cache=False)
    logits = out.logits  # [R, K, V]
    if batch.gather is None:
        return logits  # one example per row: already [N, L, V]
    rows, cols = batch.gather
    return logits[rows, cols]  # [N, L, V]


def batch_loss(model, batch: Batch, cfg: LossConfig, denom: int, ref_model=None) -> tuple[torch.Tensor, dict]:
    """The loss of one micro-batch (already divided by the step's denominator) and its summed statistics."""
    logits = completion_logits(model, batch) / cfg.temperature  # [N, L, V]
    logp = token_logprobs(logits, batch.targets)  # [N, L]
    per_token = pg_loss(logp, batch.old_logp, batch.advantages, cfg.clip_low, cfg.clip_high)  # [N, L]
    stats = {"pg": masked_total(per_token, batch.mask, cfg.norm).item()}
    if cfg.kl_coef > 0:
        with torch.no_grad():
            ref_logits = reference_logits(model, ref_model, batch) / cfg.temperature
        kl = kl_to_reference(logits, ref_logits)  # [N, L]
        per_token = per_token + cfg.kl_coef * kl
        stats["kl"] = masked_total(kl.detach(), batch.mask, cfg.norm).item()
    if batch.old_logp is not None:
        with torch.no_grad():
            log_ratio = (logp - batch.old_logp)[batch.mask]  # [M] real completion tokens
            adv = batch.advantages.unsqueeze(1).expand_as(batch.mask)[batch.mask]  # [M]
            stats["log_ratio"] = log_ratio.sum().item()
            # A token is clipped (no gradient) when its ratio left the trust region on the side its advantage pushes.
            clipped = guard_stops(log_ratio, adv, cfg.clip_low, cfg.clip_high)
            stats["clipped"] = int(clipped.sum())
    loss = masked_total(per_token, batch.mask, cfg.norm) / denom
    return loss, stats


def reference_logits(model, ref_model, batch: Batch) -> torch.Tensor:
    """The initial policy's logits at the completion positions: a frozen copy (full fine-tuning) or the same
    model with its LoRA adapters switched off."""
    if ref_model is not None:
        return completion_logits(ref_model, batch)
    with D.unwrap(model).disable_adapter():
        return completion_logits(model, batch)


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


@torch.no_grad()
def snapshot_logprobs(model, examples: Sequence[Example], indices: Sequence[int], rt: Runtime) -> list:
    """The current policy's log-prob of each completion token of ``examples[i]`` for i in ``indices``
    ([n_completion], float32, CPU; None for examples not listed, which are never trained on)."""
    was_training = model.training
    model.eval()
    out: list[torch.Tensor | None] = [None] * len(examples)
    for idx, batch in rt.batches(examples, indices):
        with rt.autocast():
            logp = token_logprobs(completion_logits(model, batch), batch.targets).cpu()  # [N, L]
        for row, i in enumerate(idx):
            out[i] = logp[row, : examples[i].n_completion].clone()
    model.train(was_training)
    return out


@torch.no_grad()
def eval_loss(model, examples: Sequence[Example], cfg: LossConfig, rt: Runtime) -> float:
    """The unguarded loss (no ratio, no KL) over ``examples``, normalised over the whole set."""
    plain = dataclasses.replace(cfg, clip_low=0.0, clip_high=0.0, kl_coef=0.0)
    was_training = model.training
    model.eval()
    total, denom = 0.0, 0
    for _, batch in rt.batches(examples, range(len(examples))):
        with rt.autocast():
            _, stats = batch_loss(model, batch, plain, 1)
        total += stats["pg"]
        denom += denominator([batch], plain.norm)
    model.train(was_training)
    return total / max(1, denom)


def pick_device(name: str) -> torch.device:
    if name == "cuda" and not torch.cuda.is_available():
        raise P.ParamsError("params.yaml: train.device = 'cuda' but no CUDA device is visible; use auto or cpu")
    if name == "auto":
        name = "cuda" if torch.cuda.is_available() else "cpu"
    return torch.device(name)


def build_policy(base_dir: Path, prm: "P.TrainParams", device: torch.device, seed: int):
    """The trainable policy: the base model in float32, wrapped in LoRA adapters when finetune = lora."""
    model = M.load_model(base_dir, device)
    model.config.use_cache = False
    if prm.gradient_checkpointing:
        model.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": False})
    if prm.finetune == "lora":
        from peft import LoraConfig, get_peft_model

        torch.manual_seed(seed)  # LoRA's A matrices are random
        config = LoraConfig(r=prm.lora_r, lora_alpha=prm.lora_alpha, lora_dropout=prm.lora_dropout,
                            target_modules=list(prm.lora_target_modules), task_type="CAUSAL_LM")
        model = get_peft_model(model, config)
    return model


def make_optimizer(model, lr: float, prm: "P.TrainParams") -> torch.optim.AdamW:
    """AdamW over the trainable parameters; weight decay on matrices only, not on norms and biases (nanoGPT)."""
    params = [p for p in model.parameters() if p.requires_grad]
    groups = [
        {"params": [p for p in params if p.dim() >= 2], "weight_decay": prm.weight_decay},
        {"params": [p for p in params if p.dim() < 2], "weight_decay": 0.0},
    ]
    # fused: one kernel for all parameters (CPU and CUDA), much faster than the per-tensor loop.
    return torch.optim.AdamW(groups, lr=lr, betas=(prm.adam_beta1, prm.adam_beta2), fused=True)


# --------------------------------------------------------------------------------------------------
# Checkpoints


def file_digest(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 22), b""):
            h.update(block)
    return h.hexdigest()


def run_fingerprint(algorithm: str, prm: "P.TrainParams", lr: float, seed: int, groups_path: Path,
                    base_dir: Path, extra: dict | None = None) -> str:
    """What a checkpoint must match to be resumed: the params, the data and the base weights (and ``extra``:
    what else a source reads, e.g. online RL's problems and sampling, judge and reward params)."""
    settings = {k: v for k, v in dataclasses.asdict(prm).items() if k not in RUNTIME_ONLY}
    files = sorted(p for p in Path(base_dir).iterdir() if p.suffix in (".json", ".safetensors"))
    key = {
        "algorithm": algorithm, "lr": lr, "seed": seed, "train": settings,
        "groups": file_digest(groups_path), "accepted": file_digest(accepted_path(groups_path)),
        "base": {p.name: file_digest(p) for p in files},
    }
    if extra:
        key["extra"] = extra
    return hashlib.sha256(json.dumps(key, sort_keys=True, default=list).encode()).hexdigest()


def save_checkpoint(ckpt_dir: Path, step: int, model, optimizer, scheduler, fingerprint: str, keep: int,
                    cost: "Cost | None" = None, dist: D.Single | D.Parallel = D.SINGLE) -> Path | None:
    """Write checkpoint ``step`` (the number of optimiser steps done) atomically; keep the newest ``keep``.
    ``cost``: the run's costs so far, so that a resumed run reports the whole run's cost. With several processes
    every one calls it (the state is gathered from all) and the main one writes."""
    state = {
        "fingerprint": fingerprint,
        "step": step,
        "cost": {} if cost is None else dataclasses.asdict(cost),
        **dist.state(model, optimizer),  # model, optimizer, rng, cuda_rng
        "scheduler": scheduler.state_dict(),
    }
    if not dist.is_main:
        return None
    ckpt_dir.mkdir(parents=True, exist_ok=True)
    path = ckpt_dir / f"step-{step:08d}.pt"
    with atomic_path(path, ".pt.tmp") as tmp:
        torch.save(state, tmp)
    for old in sorted(ckpt_dir.glob("step-*.pt"))[:-keep]:
        old.unlink()
    return path


def latest_checkpoint(ckpt_dir: Path, fingerprint: str) -> dict | None:
    """The newest checkpoint of this very run, or None. Checkpoints of another run (other params or data) are
    deleted: ``checkpoints/`` persists across `dvc repro`, and resuming someone else's run would be wrong."""
    if not ckpt_dir.exists():
        return None
    for path in sorted(ckpt_dir.glob("step-*.pt"), reverse=True):
        # mmap: the processes of one machine (train.num_processes) share one copy in the page cache.
        state = torch.load(path, map_location="cpu", weights_only=True, mmap=True)
        if state["fingerprint"] == fingerprint:
            return state
        log.warning("removing %s: it belongs to a run with other params or data", path)
        path.unlink()
    return None


def restore(state: dict, model, optimizer, scheduler, dist: D.Single | D.Parallel = D.SINGLE) -> int:
    """Load a checkpoint into the live objects; returns the step to continue from."""
    dist.load_state(state, model, optimizer)  # model, optimizer, rng
    scheduler.load_state_dict(state["scheduler"])
    return int(state["step"])


def trim_history(metrics_dir: Path, done_steps: int) -> None:
    """Drop logged rows of steps after ``done_steps`` (logged after the checkpoint, before the crash); rows are
    numbered by steps done, so the checkpoint's own step stays."""
    for tsv in (metrics_dir / "plots" / "metrics").rglob("*.tsv"):
        with tsv.open() as fh:
            rows = list(csv.reader(fh, delimiter="\t"))
        if not rows:
            continue
        col = rows[0].index("step")
        keep = [rows[0]] + [r for r in rows[1:] if int(r[col]) <= done_steps]
        with tsv.open("w", newline="") as fh:
            csv.writer(fh, delimiter="\t", lineterminator="\n").writerows(keep)


# --------------------------------------------------------------------------------------------------
# Sources of micro-batches, and the cost report


@dataclasses.dataclass
class Cost:
    """Where a run's time goes, accumulated over its steps (checkpointed, so a resumed run reports the whole run).

    generation_s: sampling from the policy; execution_s: the sandbox (both 0 for offline algorithms: their
    programs were executed once, by the execute stage); optimisation_s: everything else a step does (batching,
    advantages, forward, backward, optimiser; for rloo also the one-off log-probs of the initial policy);
    loop_s: the whole loop and the source's one-off setup (adds logging, checkpoints, periodic validation).
    """

    generation_s: float = 0.0
    execution_s: float = 0.0
    optimisation_s: float = 0.0
    loop_s: float = 0.0
    tokens_generated: int = 0  # new tokens sampled (up to each completion's stop)
    samples_judged: int = 0  # completions whose program got a verdict
    programs_executed: int = 0  # distinct (problem, program) pairs run in the sandbox
    steps: int = 0  # optimiser steps of the loop, with or without an update
    optimiser_steps: int = 0  # steps that updated the parameters
    skipped_steps: int = 0  # online: every group had equal rewards, so nothing to learn (no update)

    @classmethod
    def restored(cls, state: dict | None) -> "Cost":
        return cls(**state.get("cost", {})) if state else cls()

    def report(self, algorithm: str, total_s: float, device: torch.device, upstream_programs: int | None) -> dict:
        """The cost report (cost.json): this object's fields plus total wall time, time per step and peak memory.
        ``upstream_programs``: offline, the distinct programs of the training data, executed once upstream."""
        out = {"algorithm": algorithm, **dataclasses.asdict(self), "total_s": total_s,
               "seconds_per_step": self.loop_s / self.steps if self.steps else 0.0,
               # ru_maxrss is KiB on Linux: the peak of this process (model, optimiser, generation caches).
               "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "device": device.type}
        if device.type == "cuda":
            out["peak_cuda_mib"] = torch.cuda.max_memory_allocated(device) / 2**20
        if upstream_programs is not None:
            out["upstream_programs_executed_once"] = upstream_programs
        return out


@dataclasses.dataclass
class StepWork:
    """What one optimiser step trains on in this process: micro-batches (none: no update) with their loss weights
    (0 for a rerun that only keeps the processes' collectives in step, see distributed.rank_share), the loss
    denominator of the whole step (all processes), and a source's statistics to log."""

    batches: list[Batch]
    weights: list[float]
    denom: int
    info: dict


class OfflineSource:
    """The micro-batches of offline training: a fixed plan over the encoded groups rows, the same on every resume
    (``plan_batches``). For rloo with the guard, ``start`` takes the initial policy's log-probs of the programs
    the plan uses."""

    def __init__(self, table, algorithm: str, prm: "P.TrainParams", tokenizer, rt: Runtime, seed: int,
                 groups_path: Path, dist: D.Single | D.Parallel = D.SINGLE):
        rows, self.summary = select_rows(table, algorithm, "train")
        self.examples, self.summary["too_long"] = encode(rows, tokenizer, prm.max_length, algorithm)
        if not self.examples:
            raise ValueError(f"{groups_path}: no {algorithm} training rows in the train split ({self.summary}); "
                             "check the groups stage output or raise train.max_length")
        self.upstream_programs = len({r["submission_id"] for r in rows})
        per_epoch = math.ceil(len(self.examples) / prm.batch_size)
        micro_per_step = prm.grad_accum * dist.world  # grad_accum on each of the processes
        epochs = math.ceil(prm.max_steps * micro_per_step / per_epoch) if prm.max_steps else prm.epochs
        keys = [bucket_key(e, prm.share_prompts) for e in self.examples]
        plan = plan_batches(keys, prm.batch_size, prm.sort_window, epochs, seed)
        steps = [plan[i:i + micro_per_step] for i in range(0, len(plan), micro_per_step)]
        self.total_steps = min(len(steps), prm.max_steps) if prm.max_steps else len(steps)
        self.steps = steps[:self.total_steps]
        tokens = sum(len(self.examples[i].ids) for micro in self.steps for idx in micro for i in idx)
        self.summary.update(examples=len(self.examples), epochs=epochs, steps=self.total_steps, tokens=tokens)
        self.algorithm, self.rt, self.share_prompts, self.dist = algorithm, rt, prm.share_prompts, dist
        self.old_logps = None
        self.norm = None

    def fingerprint(self) -> dict | None:
        return None  # the groups table and the train params (in every fingerprint) say it all

    def start(self, model, cfg: LossConfig, cost: Cost) -> None:
        self.norm = cfg.norm
        if self.algorithm == "rloo" and cfg.needs_snapshot:
            t0 = time.perf_counter()
            used = sorted({i for step in self.steps for idx, _ in self.share(step) for i in idx})
            self.old_logps = snapshot_logprobs(model, self.examples, used, self.rt)  # this process's rows only
            cost.optimisation_s += time.perf_counter() - t0

    def share(self, step: list[list[int]]) -> list[tuple[list[int], float]]:
        return D.rank_share(step, self.dist.rank, self.dist.world)  # the whole step, weight 1, when alone

    def step(self, step: int, model, cost: Cost) -> "StepWork":
        """This process's micro-batches of optimiser step ``step`` (on the device); the denominator is the whole
        step's, over all processes."""
        old = self.old_logps
        mine = self.share(self.steps[step])
        batches = [collate([self.examples[i] for i in idx], self.rt.pad_id,
                           None if old is None else [old[i] for i in idx], self.share_prompts).to(self.rt.device)
                   for idx, _ in mine]
        denom = step_denominator([self.examples[i] for idx in self.steps[step] for i in idx], self.norm)
        return StepWork(batches, [w for _, w in mine], denom, {})

    def close(self) -> None:
        pass


# --------------------------------------------------------------------------------------------------
# The loop


def train(prm: "P.TrainParams", lr: float, seed: int, algorithm: str, groups_path: Path, base_dir: Path,
          out_dir: Path, ckpt_dir: Path, metrics_dir: Path, online=None) -> dict:
    """Train ``algorithm`` from ``base_dir`` and save to ``out_dir``: rloo on the train split of ``groups_path``,
    sft on that of the SFT set beside it (``accepted_path``); online_rloo on programs it samples itself for the problems of ``online``
    (``pipeline.online.OnlineInputs``; required for it, ignored otherwise). The valid split of ``groups_path``
    gives every algorithm the same validation losses.

    Returns the run summary (also in ``metrics_dir``/metrics.json; ``train_seconds`` is the loop and final
    validation of this process, after a resume only the rest) with the cost report under ``cost`` (also
    ``metrics_dir``/cost.json). Fails with FileNotFoundError when an input is missing and ValueError when no
    training row is left (e.g. sft with no Accepted program in train) or online_rloo lacks ``online``.
    """
    from dvclive import Live
    from tqdm import tqdm

    t_begin = time.perf_counter()
    if algorithm not in ALGORITHMS:
        raise ValueError(f"algorithm {algorithm!r} is unknown; allowed: {list(ALGORITHMS)}")
    if algorithm == "online_rloo" and online is None:
        raise ValueError("online_rloo samples its own programs: pass online=pipeline.online.OnlineInputs(...)")
    groups_path, base_dir, out_dir = Path(groups_path), Path(base_dir), Path(out_dir)
    ckpt_dir, metrics_dir = Path(ckpt_dir), Path(metrics_dir)
    # DVC declares the checkpoint folder as an output: it must exist even when no checkpoint is due.
    ckpt_dir.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(seed)
    # One process, or one of train.num_processes started by `accelerate launch` (pipeline/distributed.py).
    dist = D.setup(prm, pick_device(prm.device))
    device = dist.device
    use_bf16 = prm.bf16 and device.type == "cuda"
    autocast = (lambda: torch.autocast("cuda", dtype=torch.bfloat16)) if use_bf16 else nullcontext
    cfg = loss_config(algorithm, prm, online.sampling.temperature if algorithm == "online_rloo" else 1.0)

    # Data: where each step's micro-batches come from, and the validation rows (every algorithm alike).
    tokenizer = M.load_tokenizer(base_dir)
    rt = Runtime(device, autocast, tokenizer.pad_token_id, prm.batch_size, prm.share_prompts)
    # sft trains on the SFT set (every Accepted program); every algorithm's valid_nll reads its valid rows.
    accepted = tables.read_table(accepted_path(groups_path), tables.ACCEPTED)
    table = accepted if algorithm == "sft" else tables.read_table(groups_path, tables.GROUPS)
    if algorithm == "online_rloo":
        from pipeline.online import OnlineSource  # online imports this module: import here, not at the top

        source = OnlineSource(online, prm, base_dir, rt, seed)
    else:
        source = OfflineSource(table, algorithm, prm, tokenizer, rt, seed, groups_path, dist)
    summary, total_steps = source.summary, source.total_steps
    valid_rows, _ = select_rows(table, algorithm, "valid")
    valid, _ = encode(valid_rows, tokenizer, prm.max_length, algorithm)
    valid_nll_rows, _ = select_rows(accepted, "sft", "valid")
    valid_nll, _ = encode(valid_nll_rows, tokenizer, prm.max_length, "sft")
    summary["valid_examples"] = len(valid)
    log.info("%s: %s", algorithm, summary)

    # Model, reference, optimiser, schedule, resume.
    model = build_policy(base_dir, prm, device, seed)
    ref_model = None
    if cfg.kl_coef > 0 and prm.finetune == "full":
        ref_model = M.load_model(base_dir, device).eval().requires_grad_(False)
    fingerprint = run_fingerprint(algorithm, prm, lr, seed, groups_path, base_dir, source.fingerprint())
    with dist.main_first():  # the main process deletes other runs' checkpoints before the others look
        state = latest_checkpoint(ckpt_dir, fingerprint)
    cost = Cost.restored(state)
    resumed_loop_s = cost.loop_s
    # The initial policy's snapshot (offline rloo): before the checkpoint's weights are loaded, and before DDP /
    # FSDP wrapping (each process takes that of its own micro-batches).
    t0 = time.perf_counter()
    source.start(model, cfg, cost)
    cost.loop_s += time.perf_counter() - t0
    optimizer = make_optimizer(model, lr, prm)
    model, optimizer = dist.prepare(model, optimizer)  # DDP / FSDP wrapping; unchanged for one process
    warmup = round(prm.warmup_ratio * total_steps)
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: lr_factor(s, total_steps, warmup, prm.min_lr_ratio))
    start = restore(state, model, optimizer, scheduler, dist) if state else 0
    del state
    if start:
        log.info("resuming from checkpoint at step %d of %d", start, total_steps)
        if dist.is_main:
            trim_history(metrics_dir, start)
    live = (Live(str(metrics_dir), resume=start > 0, report=None, save_dvc_exp=False, dvcyaml=None)
            if dist.is_main else D.NullLive())
    trainable = [p for p in model.parameters() if p.requires_grad]

    model.train()
    t_start = time.perf_counter()
    try:
        for step in tqdm(range(start, total_steps), desc=f"train {algorithm}", initial=start, total=total_steps,
                         disable=not dist.is_main):
            t0 = time.perf_counter()
            paid = cost.generation_s + cost.execution_s
            work = source.step(step, model, cost)  # online: samples, judges and charges it to cost
            totals: dict[str, float] = {}
            if work.batches:
                for k, (batch, weight) in enumerate(zip(work.batches, work.weights)):
                    with dist.sync(model, last=k == len(work.batches) - 1):
                        with autocast():
                            loss, stats = batch_loss(model, batch, cfg, work.denom, ref_model)
                        # DDP and FSDP average the processes' gradients; x W gives the sum one process accumulates.
                        (loss * (weight * dist.world)).backward()
                    for name, v in {**stats, **batch_counts(batch)}.items():
                        totals[name] = totals.get(name, 0.0) + weight * v
                grad_norm = dist.clip_grad_norm_(trainable, prm.grad_clip if prm.grad_clip > 0 else math.inf)
                current_lr = optimizer.param_groups[0]["lr"]
                optimizer.step()
                cost.optimiser_steps += 1
            else:  # every group had equal rewards: no signal, no update (GRPO's behaviour)
                cost.skipped_steps += 1
            scheduler.step()
            optimizer.zero_grad(set_to_none=True)

            step_seconds = time.perf_counter() - t0
            update_seconds = step_seconds - (cost.generation_s + cost.execution_s - paid)
            cost.optimisation_s += update_seconds
            cost.steps += 1
            done = step + 1
            if done % prm.log_every == 0 or done == total_steps:
                live.step = done
                for key, value in work.info.items():
                    live.log_metric(key, value)
                if work.batches:
                    totals = dist.reduce_sum(totals)  # the step's sums over all processes
                    log_step(live, algorithm, cfg, totals, work.denom, grad_norm, current_lr, update_seconds)
                if prm.eval_every and done % prm.eval_every == 0 and done != total_steps:
                    log_validation(live, model, valid, valid_nll, cfg, rt)
                live.next_step()
            cost.loop_s += time.perf_counter() - t0
            if prm.checkpoint_every and done % prm.checkpoint_every == 0:
                t_save = time.perf_counter()
                save_checkpoint(ckpt_dir, done, model, optimizer, scheduler, fingerprint, prm.keep_checkpoints, cost,
                                dist)
                cost.loop_s += time.perf_counter() - t_save
    finally:
        source.close()

    # The end: validation, then the final model, written atomically, then the cost report.
    live.step = total_steps
    log_validation(live, model, valid, valid_nll, cfg, rt)
    seconds = time.perf_counter() - t_start
    summary = {**source.summary, "train_seconds": seconds}  # online: its counts are complete only now
    for key, value in summary.items():
        live.summary[key] = value
    live.make_summary()
    live.end()
    # The whole policy on the main process (FSDP gathers its shards: every process takes part).
    final = dist.final_model(model, lambda: build_policy(base_dir, prm, torch.device("cpu"), seed))
    # total_s: this process's whole run; after a resume plus the loop time of the steps before the checkpoint.
    total_s = time.perf_counter() - t_begin + resumed_loop_s
    report = cost.report(algorithm, total_s, device, getattr(source, "upstream_programs", None))
    if dist.is_main:
        save_policy(final, tokenizer, base_dir, out_dir, prm,
                    {"algorithm": algorithm, "base": str(base_dir), "steps": total_steps, "lr": lr, "seed": seed})
        tables.write_json(report, metrics_dir / "cost.json")
        log.info("saved %s to %s (%d steps, %.0f s); cost: %s", algorithm, out_dir, total_steps, seconds, report)
    return {**summary, "cost": report}


def batch_counts(batch: Batch) -> dict[str, float]:
    """What log_step needs of a micro-batch besides its loss statistics (summed over the step's micro-batches
    and processes)."""
    return {"rows": batch.mask.shape[0], "advantage_sum": float(batch.advantages.sum()),
            "completion_tokens": int(batch.mask.sum()), "row_tokens": batch.n_row_tokens,
            "processed_tokens": batch.n_tokens}


def log_step(live, algorithm: str, cfg: LossConfig, totals: dict, denom: int, grad_norm, current_lr: float,
             seconds: float) -> None:
    """dvclive metrics of one update from its summed statistics: loss, gradient norm, lr, throughput, and the
    guard's statistics."""
    live.log_metric("loss", (totals["pg"] + cfg.kl_coef * totals.get("kl", 0.0)) / denom)
    live.log_metric("grad_norm", float(grad_norm))
    live.log_metric("lr", current_lr)
    # tokens_per_s counts each row's prompt + program (comparable with trainers that do not share prompts);
    # processed_tokens_per_s what the model actually ran (a shared prompt once).
    live.log_metric("tokens_per_s", totals["row_tokens"] / seconds)
    live.log_metric("processed_tokens_per_s", totals["processed_tokens"] / seconds)
    if algorithm != "sft":
        live.log_metric("advantage_mean", totals["advantage_sum"] / max(1, totals["rows"]))
        live.log_metric("pg_loss", totals["pg"] / denom)
    if "kl" in totals:
        live.log_metric("kl", totals["kl"] / denom)
    if "log_ratio" in totals:
        live.log_metric("log_ratio", totals["log_ratio"] / max(1, totals["completion_tokens"]))
        live.log_metric("clip_frac", totals["clipped"] / max(1, totals["completion_tokens"]))


def log_validation(live, model, valid, valid_nll, cfg: LossConfig, rt: Runtime) -> None:
    """valid_loss: the algorithm's unguarded loss on the valid split; valid_nll: mean NLL of its Accepted
    programs (comparable across algorithms and with the base model)."""
    if valid:
        live.log_metric("valid_loss", eval_loss(model, valid, cfg, rt))
    if valid_nll:
        live.log_metric("valid_nll", eval_loss(model, valid_nll, loss_config("sft", None), rt))


def save_policy(model, tokenizer, base_dir: Path, out_dir: Path, prm: "P.TrainParams", info: dict) -> None:
    """Save the trained policy in the base model's dtype: LoRA adapters merged (a plain model) unless
    merge_lora is false (then the adapter alone; loading it needs peft and the base)."""
    base_dtype = json.loads((base_dir / "config.json").read_text()).get("dtype") or "float32"
    if prm.finetune == "lora" and prm.merge_lora:
        model = model.merge_and_unload()
    model = model.to(getattr(torch, base_dtype))
    model.config.use_cache = True
    M.save_model_dir(model, tokenizer, out_dir, info)


def main(params_path: Path, algorithm: str, groups: Path, base: Path, out: Path, checkpoints: Path | None,
         metrics: Path | None, problems: Path | None = None) -> dict:
    """``problems``: the tests stage's problems table, read by online_rloo only (default
    data/tests/problems.parquet)."""
    prm = P.load(P.TrainParams, params_path)
    lr = float(P.load_top("lr", params_path))
    seed = int(P.load_top("seed", params_path))
    if not lr > 0:
        raise P.ParamsError(f"params.yaml: lr = {lr!r} is invalid; use a positive learning rate, e.g. 1.0e-5")
    if algorithm == "online_rloo" and prm.num_processes > 1:
        raise P.ParamsError(f"params.yaml: train.num_processes = {prm.num_processes} with online_rloo: online RL runs "
                            "in one process (its sampling is not sharded); set train.num_processes: 1")
    checkpoints, metrics = checkpoints or Path("checkpoints") / algorithm, metrics or Path("metrics/train") / algorithm
    if D.needs_launch(prm):
        # train.num_processes > 1: start the processes (`accelerate launch`), each running this command again.
        D.launch(prm, ["train", "--params", str(params_path), "--algorithm", algorithm, "--groups", str(groups),
                       "--base", str(base), "--out", str(out), "--checkpoints", str(checkpoints),
                       "--metrics", str(metrics)], cpu=pick_device(prm.device).type == "cpu")
        return json.loads((Path(metrics) / "metrics.json").read_text())
    online = None
    if algorithm == "online_rloo":
        from pipeline.online import load_inputs

        online = load_inputs(params_path, problems or Path("data/tests/problems.parquet"))
    return train(prm, lr, seed, algorithm, groups, base, out, checkpoints, metrics, online)
