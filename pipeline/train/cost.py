"""The cost report (cost.json beside the dvclive metrics): wall time split into generation, execution and
optimisation, tokens generated, programs executed, peak memory, seconds per step."""
from __future__ import annotations

import dataclasses
import resource

import torch


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
