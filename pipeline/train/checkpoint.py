"""Resumable checkpoints: a run's fingerprint, atomic save, resume, and the metrics history a resume trims.

A checkpoint every train.checkpoint_every steps (trainable weights, optimiser, scheduler, RNG, step, costs so far)
under ``checkpoints/<algorithm>``; a rerun with the same inputs and params resumes from the newest one with the
same data order, and deletes those of any other run.
"""
from __future__ import annotations

import csv
import dataclasses
import hashlib
import json
import logging
from pathlib import Path

import torch

from pipeline.atomic import atomic_path
from pipeline.params import TrainParams
from pipeline.train.batches import accepted_path
from pipeline.train.cost import Cost
from pipeline.train.distributed import SINGLE, Parallel, Single

log = logging.getLogger(__name__)

# Params that change how often things are logged or saved, never the result: a resume may change them.
RUNTIME_ONLY = ("log_every", "eval_every", "checkpoint_every", "keep_checkpoints")


def file_digest(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 22), b""):
            h.update(block)
    return h.hexdigest()


def run_fingerprint(algorithm: str, prm: TrainParams, lr: float, seed: int, groups_path: Path,
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
                    cost: Cost | None = None, dist: Single | Parallel = SINGLE) -> Path | None:
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


def restore(state: dict, model, optimizer, scheduler, dist: Single | Parallel = SINGLE) -> int:
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
