"""Training on several processes (one per GPU) with accelerate: DDP, or FSDP for models that do not fit one GPU.

The loop in ``pipeline/train/loop.py`` is one code path for any number of processes W; this module holds what differs
between one process and W of them:

- ``Single``: one process and no accelerate: the plain torch calls the loop always made (train.num_processes = 1).
- ``Parallel``: one of W processes started by ``accelerate launch`` (or torchrun). accelerate's ``Accelerator``
  wraps the model in DDP (every process holds the whole model; gradients are all-reduced) or FSDP2 (parameters,
  gradients and AdamW states sharded over the processes), configured from params.yaml's ``train`` section.
- ``launch_command`` / ``launch``: ``coderl train`` re-runs itself under ``accelerate launch`` when
  train.num_processes > 1 and it is not yet one of the launched processes, so that
  ``dvc exp run -S train.num_processes=8`` works with the DVC stage's command unchanged.

How W processes share one optimiser step so that the update equals one process running grad_accum x W
micro-batches of the same size: every process plans the same seeded micro-batches; a step holds grad_accum x W
of them and process r runs micro-batches r, r + W, ... (``rank_share``); the loss denominator is the whole step's,
which every process computes from the example indices alone (no communication); DDP and FSDP *average*
gradients over the processes, so each process scales its loss by W to get the sum one process accumulates.

What the Accelerator does: the wrapping (``prepare``), ``no_sync`` and gradient clipping. The loop keeps its own
micro-batching, loss scaling, autocast (train.bf16) and schedule. Checkpoints and the final model go through
torch's distributed state-dict API as full (unsharded) tensors written by process 0, so they have the same
format from DDP and FSDP.

Covered by tests/pipeline/train/test_distributed.py: DDP on 2 CPU processes (gloo), started as a launcher starts
them and through `coderl train`'s own launch: both processes end with identical parameters, equal to one process
with grad_accum doubled (full fine-tuning; LoRA with a KL penalty); the logged metrics are the whole step's;
resume.
Not covered (no GPU here): FSDP execution (accelerate runs FSDP on CUDA only; only its configuration is tested),
NCCL, several machines.
"""
from __future__ import annotations

import contextlib
import logging
import os
import shlex
import subprocess
import sys
from typing import Callable, Sequence

import torch

from pipeline.params import TrainParams, fail

log = logging.getLogger(__name__)

# Set by accelerate launch and torchrun in every process they start.
LAUNCH_ENV = ("WORLD_SIZE", "LOCAL_RANK")


def launched_world() -> int | None:
    """How many processes this one was launched with (accelerate launch, torchrun), or None if it was not."""
    if not all(k in os.environ for k in LAUNCH_ENV):
        return None
    return int(os.environ["WORLD_SIZE"])


def needs_launch(prm: TrainParams) -> bool:
    """True when train.num_processes > 1 and this process is not one of the launched ones: start them."""
    return prm.num_processes > 1 and launched_world() is None


def rank_share(step: Sequence[Sequence[int]], rank: int, world: int) -> list[tuple[Sequence[int], float]]:
    """Process ``rank``'s micro-batches of one optimiser step (lists of example indices) with their loss weight.

    Process r runs micro-batches r, r + W, ... with weight 1. Every process runs the same number of them: one left
    short (a step at the end of the data with fewer than W x its share) reruns the step's first micro-batch with
    weight 0, because the collectives of DDP (buffer broadcast in each forward, all-reduce in the synchronised
    backward) and FSDP (gathers in every forward and backward) must match across processes. (For the same
    reason every process runs the validation passes, and only the main one logs them.) With W = 1: the whole
    step, weight 1.
    """
    per_rank = -(-len(step) // world)
    mine = [(idx, 1.0) for idx in step[rank::world]]
    return mine + [(step[0], 0.0)] * (per_rank - len(mine))


def trainable_state(model) -> dict[str, torch.Tensor]:
    return {n: p.detach().cpu().clone() for n, p in model.named_parameters() if p.requires_grad}


def check_checkpoint_names(state: dict, model) -> None:
    names = {n for n, p in model.named_parameters() if p.requires_grad}
    if set(state["model"]) != names:
        raise RuntimeError("checkpoint does not hold this model's trainable parameters; delete it to start over")


def unwrap(model):
    """The model inside a DDP wrapper (FSDP2 shards the model in place: nothing to unwrap)."""
    return model.module if isinstance(model, torch.nn.parallel.DistributedDataParallel) else model


class NullLive:
    """dvclive's Live for the processes other than the main one: they compute what the main one logs (the
    collectives must match) and write nothing."""

    def __init__(self):
        self.step = 0
        self.summary: dict = {}

    def log_metric(self, *args, **kwargs) -> None:
        pass

    def next_step(self) -> None:
        pass

    def make_summary(self) -> None:
        pass

    def end(self) -> None:
        pass


class Single:
    """One process, no accelerate: exactly the torch calls of the single-process loop."""

    rank, world, is_main = 0, 1, True

    def __init__(self, device: torch.device | None = None):
        self.device = device

    def prepare(self, model, optimizer):
        return model, optimizer

    def sync(self, model, last: bool):
        """Context of one micro-batch's forward and backward (DDP: no gradient all-reduce before the last)."""
        return contextlib.nullcontext()

    def clip_grad_norm_(self, params, max_norm: float) -> torch.Tensor:
        return torch.nn.utils.clip_grad_norm_(params, max_norm)

    def reduce_sum(self, values: dict[str, float]) -> dict[str, float]:
        """The sums of ``values`` over all processes (every process must call it, with the same keys)."""
        return values

    def main_first(self):
        """Context run by the main process first, then by the others."""
        return contextlib.nullcontext()

    def state(self, model, optimizer) -> dict:
        """The checkpoint's model, optimiser and RNG entries (Parallel: on the main process only)."""
        return {
            "model": trainable_state(model),
            "optimizer": optimizer.state_dict(),
            "rng": torch.get_rng_state(),
            "cuda_rng": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else [],
        }

    def load_state(self, state: dict, model, optimizer) -> None:
        check_checkpoint_names(state, model)
        missing, unexpected = model.load_state_dict(state["model"], strict=False)
        assert not unexpected, unexpected
        optimizer.load_state_dict(state["optimizer"])
        torch.set_rng_state(state["rng"])
        if state["cuda_rng"]:
            torch.cuda.set_rng_state_all(state["cuda_rng"])

    def final_model(self, model, rebuild: Callable):
        """The whole trained policy on the main process (None on the others)."""
        return model


SINGLE = Single()


class Parallel:
    """One of train.num_processes processes: accelerate's Accelerator with DDP or FSDP2 (train.distributed)."""

    def __init__(self, prm: TrainParams, cpu: bool):
        from accelerate import Accelerator
        from accelerate.utils import DistributedDataParallelKwargs

        self.fsdp = prm.distributed == "fsdp"
        if self.fsdp and cpu:
            fail("train", "distributed", prm.distributed,
                   "FSDP runs on CUDA GPUs only (accelerate has no FSDP for CPU processes); use ddp, or a GPU machine")
        if os.environ.get("ACCELERATE_USE_FSDP", "false").lower() == "true" and not self.fsdp:
            fail("train", "distributed", prm.distributed,
                   "this process was launched with accelerate's --use_fsdp; set train.distributed: fsdp (the FSDP "
                   "settings are params.yaml's train.fsdp_*), or launch without --use_fsdp")
        self.accelerator = Accelerator(
            cpu=cpu,
            # bf16 autocast is the loop's own (train.bf16); with FSDP the plugin also gathers weights in bf16.
            mixed_precision="no",
            fsdp_plugin=fsdp_plugin(prm) if self.fsdp else None,
            # DDP: gradients live in the all-reduce buckets instead of beside them (4 bytes per trainable parameter).
            kwargs_handlers=[DistributedDataParallelKwargs(gradient_as_bucket_view=True)],
        )
        acc = self.accelerator
        if acc.num_processes != prm.num_processes:
            fail("train", "num_processes", prm.num_processes,
                   f"the processes form a group of {acc.num_processes}; set train.num_processes: {acc.num_processes}")
        self.rank, self.world, self.is_main = acc.process_index, acc.num_processes, acc.is_main_process
        self.device = acc.device

    def prepare(self, model, optimizer):
        # FSDP2 swaps the optimiser's parameters for their shards: model and optimiser go in one call.
        return self.accelerator.prepare(model, optimizer)

    def sync(self, model, last: bool):
        # FSDP reduce-scatters after every micro-batch: no_sync would hold every layer's unsharded gradients until
        # the step, the memory FSDP is there to save.
        if last or self.fsdp:
            return contextlib.nullcontext()
        return self.accelerator.no_sync(model)

    def clip_grad_norm_(self, params, max_norm: float) -> torch.Tensor:
        norm = self.accelerator.clip_grad_norm_(params, max_norm)
        return norm.full_tensor() if hasattr(norm, "full_tensor") else norm  # FSDP2: a DTensor

    def reduce_sum(self, values: dict[str, float]) -> dict[str, float]:
        keys = sorted(values)
        t = torch.tensor([float(values[k]) for k in keys], dtype=torch.float64, device=self.device)
        torch.distributed.all_reduce(t)
        return dict(zip(keys, t.tolist()))

    def main_first(self):
        return self.accelerator.main_process_first()

    def _gather(self, obj) -> list:
        out = [None] * self.world
        torch.distributed.all_gather_object(out, obj)
        return out

    def state(self, model, optimizer) -> dict:
        """Full (unsharded) trainable weights and optimiser state on the main process, every process's RNG.
        A collective: every process calls it."""
        from torch.distributed.checkpoint.state_dict import (StateDictOptions, get_model_state_dict,
                                                             get_optimizer_state_dict)

        full = StateDictOptions(full_state_dict=True, cpu_offload=True, ignore_frozen_params=True)
        names = {n for n, p in unwrap(model).named_parameters() if p.requires_grad}
        weights = get_model_state_dict(model, options=full)  # tied weights appear twice: keep the parameter names
        optim = get_optimizer_state_dict(model, raw_optimizer(optimizer), options=full)
        cuda = torch.cuda.get_rng_state(self.device) if self.device.type == "cuda" else None
        rngs = self._gather((torch.get_rng_state(), cuda))
        return {
            "model": {k: v for k, v in weights.items() if k in names},
            "optimizer": optim,
            "rng": [r for r, _ in rngs],  # one per process: each process's dropout stream continues exactly
            "cuda_rng": [c for _, c in rngs] if cuda is not None else [],
        }

    def load_state(self, state: dict, model, optimizer) -> None:
        from torch.distributed.checkpoint.state_dict import (StateDictOptions, set_model_state_dict,
                                                             set_optimizer_state_dict)

        check_checkpoint_names(state, unwrap(model))
        set_model_state_dict(model, state["model"], options=StateDictOptions(full_state_dict=True, strict=False))
        set_optimizer_state_dict(model, raw_optimizer(optimizer), state["optimizer"],
                                 options=StateDictOptions(full_state_dict=True))
        torch.set_rng_state(state["rng"][self.rank])
        if state["cuda_rng"]:
            torch.cuda.set_rng_state(state["cuda_rng"][self.rank], self.device)

    def final_model(self, model, rebuild: Callable):
        """Gathers the full weights (every process calls it) into ``rebuild()``, a fresh CPU copy of the policy, on
        the main process; None on the others."""
        from torch.distributed.checkpoint.state_dict import StateDictOptions, get_model_state_dict

        weights = get_model_state_dict(model, options=StateDictOptions(full_state_dict=True, cpu_offload=True))
        if not self.is_main:
            return None
        final = rebuild()
        final.load_state_dict(weights)
        return final


def raw_optimizer(optimizer):
    """The torch optimiser inside accelerate's AcceleratedOptimizer."""
    return getattr(optimizer, "optimizer", optimizer)


def fsdp_plugin(prm: TrainParams):
    """accelerate's FSDP2 plugin from params.yaml (train.fsdp_*, bf16). Every field that accelerate would
    otherwise read from FSDP_* environment variables is set here: params.yaml is the one source."""
    from accelerate.utils import FullyShardedDataParallelPlugin
    from torch.distributed.fsdp import MixedPrecisionPolicy

    return FullyShardedDataParallelPlugin(
        fsdp_version=2,
        reshard_after_forward=prm.fsdp_sharding == "full_shard",
        auto_wrap_policy="transformer_based_wrap",
        # None: the model's own _no_split_modules (its decoder layer class).
        transformer_cls_names_to_wrap=list(prm.fsdp_wrap_layers) or None,
        cpu_offload=prm.fsdp_cpu_offload,
        state_dict_type="FULL_STATE_DICT",
        # Weights gathered and computed in bf16, gradients reduced in float32 into the float32 shards.
        mixed_precision_policy=(MixedPrecisionPolicy(param_dtype=torch.bfloat16, reduce_dtype=torch.float32)
                                if prm.bf16 else None),
        activation_checkpointing=False,  # train.gradient_checkpointing is applied to the model itself
        activation_checkpointing_offload=False,
        ignored_modules=None,
    )


def setup(prm: TrainParams, device: torch.device) -> Single | Parallel:
    """The loop's view of the processes: Single for train.num_processes = 1, else Parallel (this process must be
    one of the launched ones). Fails when the launch and params.yaml disagree on the number of processes."""
    world = launched_world()
    if world is not None and world != prm.num_processes:
        fail("train", "num_processes", prm.num_processes,
               f"this process was launched as one of {world}; set train.num_processes: {world} (the global batch "
               "depends on it), or run `coderl train`, which starts the processes itself")
    if prm.num_processes == 1:
        return Single(device)
    if world is None:
        fail("train", "num_processes", prm.num_processes,
               "more than one process needs a launcher: run `coderl train` (it starts them) or `accelerate launch "
               f"--num_processes {prm.num_processes} -m pipeline train ...`")
    return Parallel(prm, cpu=device.type == "cpu")


def launch_command(prm: TrainParams, args: Sequence[str], cpu: bool, port: int = 0,
                   cpus: int | None = None) -> list[str]:
    """``accelerate launch`` starting train.num_processes copies of ``python -m pipeline <args>`` on this machine.

    --multi_gpu is accelerate's torchrun launcher, also for CPU processes (its --cpu launcher starts one process
    unless MPI is set up; inside, Accelerator(cpu=True) then picks gloo). The command carries no training
    setting: each process builds its Accelerator (DDP or FSDP) from params.yaml. ``cpu``: CPU processes share the
    ``cpus`` cores equally. ``port`` 0: accelerate picks a free one.
    """
    n = prm.num_processes
    cmd = [sys.executable, "-m", "accelerate.commands.launch", "--multi_gpu", "--num_processes", str(n),
           "--num_machines", "1", "--main_process_port", str(port), "--mixed_precision", "no",
           "--dynamo_backend", "no"]
    if cpu:
        cmd += ["--num_cpu_threads_per_process", str(max(1, (cpus or os.cpu_count() or 1) // n))]
    return cmd + ["-m", "pipeline", *args]


def launch(prm: TrainParams, args: Sequence[str], cpu: bool) -> None:
    """Run ``args`` (a `coderl` command line) as train.num_processes processes and wait for them."""
    if not cpu and torch.cuda.device_count() < prm.num_processes:
        fail("train", "num_processes", prm.num_processes,
               f"{torch.cuda.device_count()} GPUs are visible here; use at most that many (device: cpu starts CPU "
               "processes instead, for tests)")
    cmd = launch_command(prm, args, cpu)
    log.info("starting %d training processes: %s", prm.num_processes, shlex.join(cmd))
    result = subprocess.run(cmd)
    if result.returncode:
        raise RuntimeError(f"the training processes failed (exit status {result.returncode}; their errors are "
                           f"above): {shlex.join(cmd)}")
