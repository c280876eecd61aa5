"""The train stage's loop: offline RLOO with GRPO-style advantages (or the SFT baseline) on groups.parquet.

Following Anand et al. 2026 ("Efficient Post-training of LLMs for Code Generation With Offline Reinforcement
Learning", arXiv 2605.28409): an online policy-gradient method applied to pre-collected human programs. Each
groups row is (prompt, program, advantage); the advantage is already computed by the groups stage (leave-one-out
baseline scaled by the group's reward std). Only the ``train`` split is trained on; ``valid`` gives a logged
validation loss.

- ``rloo``: loss = -A x log pi(completion | prompt) with the guard against pushing a human program's log-prob to
  -infinity (``pipeline.train.loss``). Optional: KL penalty to the initial model, advantage clipping (groups).
- ``sft``: the paper's supervised baseline: mean token NLL of every Accepted program of the train split (the
  groups stage's SFT set, ``accepted_path``), de-duplicated per problem.
  Same loop and data pipeline (advantage 1, no guard, token normalisation).
- ``online_rloo``: the online baseline offline RL is measured against (``pipeline.train.online``): each step
  samples G programs per problem from the current policy, judges them in the sandbox and trains on them with the
  same loss.

The loop takes each optimiser step's micro-batches from a *source*: ``OfflineSource`` (the fixed plan over the
groups rows, ``pipeline.train.offline``) or the online source, which ``main`` builds the inputs of and the loop
receives as a plug-in (``online.source(...)``): this module never imports the online code. Every run writes a
cost report, ``cost.json`` beside the dvclive metrics (``pipeline.train.cost``).

Where the rest lives: batching and collation (``batches``), the loss math (``loss``), checkpoints and resume
(``checkpoint``), several processes (``distributed``: the same loop in each of the processes `accelerate launch`
starts, DDP or FSDP). ``train`` below is written out top to bottom in the nanoGPT style; bf16 autocast and
optional gradient checkpointing on a GPU. The final model is written atomically.
"""
from __future__ import annotations

import json
import logging
import math
import time
from contextlib import nullcontext
from pathlib import Path

import torch

from pipeline import tables
from pipeline.model import load_model, load_tokenizer, save_model_dir
from pipeline.params import ParamsError, TrainParams, load, load_top
from pipeline.train import distributed
from pipeline.train.batches import Batch, Runtime, accepted_path, encode, select_rows
from pipeline.train.checkpoint import latest_checkpoint, restore, run_fingerprint, save_checkpoint, trim_history
from pipeline.train.cost import Cost
from pipeline.train.loss import LossConfig, batch_loss, eval_loss, loss_config
from pipeline.train.offline import OfflineSource

log = logging.getLogger(__name__)

ALGORITHMS = ("rloo", "sft", "online_rloo")


def train(prm: TrainParams, lr: float, seed: int, algorithm: str, groups_path: Path, base_dir: Path,
          out_dir: Path, ckpt_dir: Path, metrics_dir: Path, online=None) -> dict:
    """Train ``algorithm`` from ``base_dir`` and save to ``out_dir``: rloo on the train split of ``groups_path``,
    sft on that of the SFT set beside it (``accepted_path``); online_rloo on programs it samples itself with the
    source that ``online`` builds (``pipeline.train.online.OnlineInputs``, or any object with its ``sampling`` and
    ``source(prm, base_dir, rt, seed)``; required for it, ignored otherwise). The valid split of ``groups_path``
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
        raise ValueError("online_rloo samples its own programs: pass online=pipeline.train.online.OnlineInputs(...)")
    groups_path, base_dir, out_dir = Path(groups_path), Path(base_dir), Path(out_dir)
    ckpt_dir, metrics_dir = Path(ckpt_dir), Path(metrics_dir)
    # DVC declares the checkpoint folder as an output: it must exist even when no checkpoint is due.
    ckpt_dir.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(seed)
    # One process, or one of train.num_processes started by `accelerate launch` (pipeline/train/distributed.py).
    dist = distributed.setup(prm, pick_device(prm.device))
    device = dist.device
    use_bf16 = prm.bf16 and device.type == "cuda"
    autocast = (lambda: torch.autocast("cuda", dtype=torch.bfloat16)) if use_bf16 else nullcontext
    cfg = loss_config(algorithm, prm, online.sampling.temperature if algorithm == "online_rloo" else 1.0)

    # Data: where each step's micro-batches come from, and the validation rows (every algorithm alike).
    tokenizer = load_tokenizer(base_dir)
    rt = Runtime(device, autocast, tokenizer.pad_token_id, prm.batch_size, prm.share_prompts)
    # sft trains on the SFT set (every Accepted program); every algorithm's valid_nll reads its valid rows.
    accepted = tables.read_table(accepted_path(groups_path), tables.ACCEPTED)
    table = accepted if algorithm == "sft" else tables.read_table(groups_path, tables.GROUPS)
    if algorithm == "online_rloo":
        source = online.source(prm, base_dir, rt, seed)  # the plug-in: this module never imports the online code
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
        ref_model = load_model(base_dir, device).eval().requires_grad_(False)
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
            if dist.is_main else distributed.NullLive())
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


def save_policy(model, tokenizer, base_dir: Path, out_dir: Path, prm: TrainParams, info: dict) -> None:
    """Save the trained policy in the base model's dtype: LoRA adapters merged (a plain model) unless
    merge_lora is false (then the adapter alone; loading it needs peft and the base)."""
    base_dtype = json.loads((base_dir / "config.json").read_text()).get("dtype") or "float32"
    if prm.finetune == "lora" and prm.merge_lora:
        model = model.merge_and_unload()
    model = model.to(getattr(torch, base_dtype))
    model.config.use_cache = True
    save_model_dir(model, tokenizer, out_dir, info)


def main(params_path: Path, algorithm: str, groups: Path, base: Path, out: Path, checkpoints: Path | None,
         metrics: Path | None, problems: Path | None = None) -> dict:
    """``problems``: the tests stage's problems table, read by online_rloo only (default
    data/tests/problems.parquet)."""
    prm = load(TrainParams, params_path)
    lr = float(load_top("lr", params_path))
    seed = int(load_top("seed", params_path))
    if not lr > 0:
        raise ParamsError(f"params.yaml: lr = {lr!r} is invalid; use a positive learning rate, e.g. 1.0e-5")
    if algorithm == "online_rloo" and prm.num_processes > 1:
        raise ParamsError(f"params.yaml: train.num_processes = {prm.num_processes} with online_rloo: online RL runs "
                            "in one process (its sampling is not sharded); set train.num_processes: 1")
    checkpoints, metrics = checkpoints or Path("checkpoints") / algorithm, metrics or Path("metrics/train") / algorithm
    if distributed.needs_launch(prm):
        # train.num_processes > 1: start the processes (`accelerate launch`), each running this command again.
        distributed.launch(prm, ["train", "--params", str(params_path), "--algorithm", algorithm,
                                 "--groups", str(groups), "--base", str(base), "--out", str(out),
                                 "--checkpoints", str(checkpoints), "--metrics", str(metrics)],
                           cpu=pick_device(prm.device).type == "cpu")
        return json.loads((Path(metrics) / "metrics.json").read_text())
    online = None
    if algorithm == "online_rloo":
        from pipeline.train.online import load_inputs  # the caller picks the source

        online = load_inputs(params_path, problems or Path("data/tests/problems.parquet"))
    return train(prm, lr, seed, algorithm, groups, base, out, checkpoints, metrics, online)


# --------------------------------------------------------------------------------------------------
# Helpers of the loop: device, policy, optimiser, schedule


def lr_factor(step: int, total: int, warmup: int, min_ratio: float) -> float:
    """Linear warmup for ``warmup`` steps, then cosine decay to ``min_ratio`` at ``total`` (nanoGPT)."""
    if step < warmup:
        return (step + 1) / (warmup + 1)
    progress = min(1.0, (step - warmup) / max(1, total - warmup))
    return min_ratio + (1 - min_ratio) * 0.5 * (1 + math.cos(math.pi * progress))


def pick_device(name: str) -> torch.device:
    if name == "cuda" and not torch.cuda.is_available():
        raise ParamsError("params.yaml: train.device = 'cuda' but no CUDA device is visible; use auto or cpu")
    if name == "auto":
        name = "cuda" if torch.cuda.is_available() else "cpu"
    return torch.device(name)


def build_policy(base_dir: Path, prm: TrainParams, device: torch.device, seed: int):
    """The trainable policy: the base model in float32, wrapped in LoRA adapters when finetune = lora."""
    model = load_model(base_dir, device)
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


def make_optimizer(model, lr: float, prm: TrainParams) -> torch.optim.AdamW:
    """AdamW over the trainable parameters; weight decay on matrices only, not on norms and biases (nanoGPT)."""
    params = [p for p in model.parameters() if p.requires_grad]
    groups = [
        {"params": [p for p in params if p.dim() >= 2], "weight_decay": prm.weight_decay},
        {"params": [p for p in params if p.dim() < 2], "weight_decay": 0.0},
    ]
    # fused: one kernel for all parameters (CPU and CUDA), much faster than the per-tensor loop.
    return torch.optim.AdamW(groups, lr=lr, betas=(prm.adam_beta1, prm.adam_beta2), fused=True)
