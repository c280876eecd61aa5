"""The judge engine: where the execute stage's jobs run, behind one call, `open_judge(prm)`.

    with open_judge(prm) as judge:
        for index, judgement in judge.judge_many(jobs): ...

execute.engine (params.yaml):
  local  a `Sandbox` of `workers` fork servers on this machine (the default; needs nothing more).
  ray    a `sandbox.ray_engine.RayJudge`: one sandbox actor per CPU of every node of a Ray cluster
         (execute.ray_address: "" starts a local one, "auto" joins a running one), jobs sent in batches of
         execute.ray_batch_size. Needs `pip install coderl[scale]`; only this engine imports Ray.
Both give the same verdicts (the same harness judges every job) and the same contract: judge_many(jobs)
yields (index into jobs, Judgement) once per job, in completion order.
"""
from __future__ import annotations

from pipeline.params import ExecuteParams
from sandbox import Sandbox


def open_judge(prm: ExecuteParams):
    """A context manager with `judge_many(jobs) -> Iterator[(index, Judgement)]` (and run / judge) for the
    configured engine. Raises RuntimeError when engine ray is chosen but Ray is not installed, or when no
    judge worker can start."""
    if prm.engine == "local":
        return Sandbox(backend=prm.backend, workers=prm.workers)
    try:
        from sandbox.ray_engine import RayJudge
    except ModuleNotFoundError as e:
        if e.name != "ray":
            raise
        raise RuntimeError("execute.engine = 'ray' needs Ray: pip install 'coderl[scale]' (or use engine: "
                           "local)") from e
    return RayJudge(backend=prm.backend, address=prm.ray_address, batch_size=prm.ray_batch_size,
                    workers=prm.workers)
