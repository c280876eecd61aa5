"""The source of offline training (rloo, sft): a fixed plan of micro-batches over the encoded groups rows."""
from __future__ import annotations

import math
import time
from pathlib import Path

from pipeline.params import TrainParams
from pipeline.train.batches import Runtime, StepWork, bucket_key, collate, encode, plan_batches, select_rows
from pipeline.train.cost import Cost
from pipeline.train.distributed import SINGLE, Parallel, Single, rank_share
from pipeline.train.loss import LossConfig, snapshot_logprobs, step_denominator


class OfflineSource:
    """The micro-batches of offline training: a fixed plan over the encoded groups rows, the same on every resume
    (``plan_batches``). For rloo with the guard, ``start`` takes the initial policy's log-probs of the programs
    the plan uses."""

    def __init__(self, table, algorithm: str, prm: TrainParams, tokenizer, rt: Runtime, seed: int,
                 groups_path: Path, dist: Single | Parallel = SINGLE):
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
        return rank_share(step, self.dist.rank, self.dist.world)  # the whole step, weight 1, when alone

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
