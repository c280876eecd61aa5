"""The loss: small pure functions on [N, L] tensors, and the forward pass that feeds them.

rloo: loss = -A x log pi(completion | prompt), prompt tokens masked, normalised per sequence (GRPO) or per token
(DAPO), with the guard (``pg_loss``): a stop-gradient mask from the ratio to a snapshot of the initial policy's
per-token log-probs (``snapshot_logprobs``), so a negatively rewarded human program's log-prob is not pushed to
-infinity. Optional: the exact KL penalty to the initial model. sft: the same loss with A = 1, no guard, token
normalisation (the mean NLL). online_rloo: see ``loss_config``.

Logits are computed at the completion positions only (``completion_logits``: ``logits_to_keep``), which skips
the vocabulary projection of every prompt token. Shapes: N = examples, L = completion tokens, V = vocabulary.
"""
from __future__ import annotations

import dataclasses
import math
from typing import Sequence

import torch

from pipeline.params import TrainParams
from pipeline.train.batches import Batch, Example, Runtime
from pipeline.train.distributed import unwrap


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


def loss_config(algorithm: str, prm: TrainParams, temperature: float = 1.0) -> LossConfig:
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


def attention_mask_for(model, mask: torch.Tensor) -> torch.Tensor:
    """The attention mask as ``model``'s attention implementation reads it. A 2-D padding mask goes as is. A 4-D
    block mask (shared prompts, [R, 1, T, T] bool, True = may attend) is passed through by transformers
    untouched: SDPA reads a boolean mask as such, but eager attention *adds* the mask to the scores, where a
    boolean adds 0 or 1 and masks nothing; eager gets the additive form (0 where allowed, the dtype's minimum
    elsewhere). Other implementations (flash attention) take no 4-D mask: a clear error."""
    if mask.dim() != 4:
        return mask
    impl = getattr(unwrap(model).config, "_attn_implementation", None)
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
    with unwrap(model).disable_adapter():
        return completion_logits(model, batch)


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
