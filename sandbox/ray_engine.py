"""`RayJudge`: the sandbox spread over a Ray cluster, with the same `judge_many` contract as `Sandbox`.

    from sandbox.ray_engine import RayJudge
    with RayJudge("local", address="auto", batch_size=16) as judge:
        for index, judgement in judge.judge_many(jobs): ...

Ray is an optional dependency (`pip install coderl[scale]`): only this module imports it, and only the
`ray` engine (pipeline/engine.py) imports this module.

How it runs. Every CPU of every node hosts one `JudgeActor` (num_cpus=1), which owns a one-worker
`Sandbox` of the chosen backend: the same harness, the same verdict rules, the same isolation as on one
machine, so a node's judge slots are its Ray CPUs (`ray start --num-cpus N`). Jobs travel in batches of
`batch_size` (one Ray task each); every actor has at most IN_FLIGHT_PER_ACTOR batches queued so it never waits
for the driver. When fewer jobs are left than a full round of batches (a short job list, the end of a long one),
batches shrink so that every actor still gets work. Results come back batch by batch as they complete
(ray.wait), in completion order.

Failures. An actor that dies (its process killed, its node lost, killed by Ray's memory monitor) fails the
batches it held with RayActorError (or ObjectLostError for a result lost with its node). Those batches go back
to the front of the queue and run on other actors: a dead actor or node is never recorded as a program's
verdict. Ray restarts the actor (max_restarts; on another node when its node is gone) and it gets work again
once a ping answers. A batch that was running when actors died SPLIT_AFTER times is split into single jobs, so
that one job that brings its actor down cannot take others with it; a job whose actor died MAX_DEATHS times is
judged "Sandbox Error" (what `Sandbox` does when a worker keeps failing; execute never memoises it).
Every index is yielded exactly once: a batch is in one place at a time (queued or in flight), and only a
successful result of it is yielded; a failed task's possible late result is never read.

Not covered: the driver (this process) or the head node dying ends the run (execute's judge memo keeps every
finished batch); nodes that join after start get no actors; a docker-backend actor that is killed does not
remove its container (its harness exits when the actor's pipe closes; the container stays until removed);
local backend without root: a program may kill the node's Ray processes, as it may kill any of the user's
(its batch is retried, then judged Sandbox Error as above): use root or docker there.
"""
from __future__ import annotations

import collections
import itertools
import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import ray
from ray.exceptions import ObjectLostError, RayActorError

from sandbox.judge import ExecutionResult, Job, Judgement, Limits, sandbox_error, summarise
from sandbox.pool import BACKENDS, Sandbox

log = logging.getLogger(__name__)

IN_FLIGHT_PER_ACTOR = 2  # one batch running, one queued behind it
SPLIT_AFTER = 2  # actor deaths under a batch before it is split into single jobs
MAX_DEATHS = 4  # actor deaths under a job before it is judged Sandbox Error
ACTOR_RESTARTS = 8  # Ray restarts a dead actor (elsewhere if its node is gone) this many times
NO_ACTOR_TIMEOUT_S = 300.0  # nothing running and no actor answering for this long: give up
CLOSE_TIMEOUT_S = 10.0
RETRYABLE = (RayActorError, ObjectLostError)  # the actor or its node went away: never the program's fault


@ray.remote(num_cpus=1, max_restarts=ACTOR_RESTARTS, max_task_retries=0)
class JudgeActor:
    """One judge slot on a node: a `Sandbox(backend, workers=1)` (at-most-once tasks; the driver retries)."""

    def __init__(self, backend: str, image: str):
        self.box = Sandbox(backend, workers=1, image=image)

    @ray.method(max_task_retries=-1)  # idempotent: waits out a restart, fails only once the actor is dead
    def ping(self) -> str:
        return ray.get_runtime_context().get_node_id()

    def judge(self, jobs: list[Job]) -> list[Judgement]:
        return [self.box.judge(job) for job in jobs]

    def run(self, code: str, stdin: bytes, limits: Limits) -> ExecutionResult:
        return self.box.run(code, stdin, limits)

    def close(self) -> None:
        self.box.close()


@dataclass
class _Batch:
    items: list[tuple[int, Job]]  # (index into the caller's jobs, job)
    deaths: int = 0  # actors that died while holding this batch


class RayJudge:
    """`Sandbox`'s judging contract over a Ray cluster; see the module docstring for what it guarantees.

    address: "" starts a local Ray cluster of `workers` CPUs (shut down on close); "auto" (or "host:port",
    "ray://...") connects to a running one (disconnected on close). If this process is already connected to
    Ray, that connection is used as it is and left open. One actor per CPU of the cluster, `batch_size` jobs
    per Ray task. Raises RuntimeError when no actor can start (e.g. the backend is unavailable on the nodes).
    """

    def __init__(self, backend: str = "local", address: str = "", batch_size: int = 16, workers: int = 2,
                 image: str = "coderl-sandbox:latest"):
        if backend not in BACKENDS:
            raise ValueError(f"backend = {backend!r}: must be one of {', '.join(BACKENDS)}")
        if not isinstance(batch_size, int) or batch_size < 1:
            raise ValueError(f"batch_size = {batch_size!r}: must be an int >= 1")
        self.backend, self.batch_size = backend, batch_size
        self._owns_ray = False
        if not ray.is_initialized():
            if address:
                try:
                    ray.init(address=address, logging_level=logging.WARNING)
                except ConnectionError as e:
                    raise RuntimeError(f"no Ray cluster at execute.ray_address = {address!r} ({e}); start one "
                                       "with `ray start --head`, or use ray_address: '' for a local one") from e
            else:
                ray.init(num_cpus=workers, include_dashboard=False, logging_level=logging.WARNING)
            self._owns_ray = True  # shutdown() stops a cluster we started, or only disconnects from one we joined
        slots = int(ray.cluster_resources().get("CPU", 0))
        if slots < 1:
            self.close()
            raise RuntimeError("the Ray cluster has no CPUs to host judge actors")
        self._actors = [JudgeActor.remote(backend, image) for _ in range(slots)]
        self._ready: set[int] = set()  # actors known to answer
        self._probes: dict = {}  # ping ObjectRef -> actor number, for actors starting or restarting
        self._last_error: BaseException | None = None
        self._turn = itertools.count()  # round robin for run()
        for number in range(slots):
            self._probes[self._actors[number].ping.remote()] = number
        try:
            self._await_ready()  # fail here, not mid-run, when no actor can start; the others join when up
        except BaseException:
            self.close()
            raise
        log.info("Ray judge: %d actors on %d nodes (%d answering), batches of %d", slots,
                 len([n for n in ray.nodes() if n["Alive"]]), len(self._ready), batch_size)

    # ------------------------------------------------------------------------------------------ public
    def judge_many(self, jobs: Iterable[Job]) -> Iterator[tuple[int, Judgement]]:
        """Judge jobs over the cluster; yields (index into jobs, judgement) as each batch completes. Reads
        `jobs` lazily (two rounds of batches for every actor ahead: one sent, one read). Never raises for a
        program's behaviour; raises RuntimeError when every actor is gone for good or none answers for
        NO_ACTOR_TIMEOUT_S. Stopping early is fine: the batches still running are cancelled and never read."""
        numbered = enumerate(jobs)
        queue: collections.deque[_Batch] = collections.deque()  # batches to run again, before new ones
        ahead: collections.deque[tuple[int, Job]] = collections.deque()  # read, not yet sent
        in_flight: dict = {}  # ObjectRef -> (actor number, batch)
        load: collections.Counter[int] = collections.Counter()
        exhausted = False
        round_size = len(self._actors) * IN_FLIGHT_PER_ACTOR  # batches that keep every actor busy

        def next_batch() -> _Batch | None:
            nonlocal exhausted
            if queue:
                return queue.popleft()
            # Read one round of full batches ahead: when fewer jobs are left than that (a short job list, the
            # end of a long one), batches shrink so that they spread over every actor instead of a few.
            while not exhausted and len(ahead) < round_size * self.batch_size:
                item = next(numbered, None)
                if item is None:
                    exhausted = True
                else:
                    ahead.append(item)
            if not ahead:
                return None
            size = self.batch_size if not exhausted else min(self.batch_size, -(-len(ahead) // round_size))
            return _Batch([ahead.popleft() for _ in range(min(size, len(ahead)))])

        def fill() -> None:
            for depth in range(IN_FLIGHT_PER_ACTOR):  # breadth first: every actor busy before any queues two
                for number in sorted(self._ready):
                    if load[number] > depth:
                        continue
                    batch = next_batch()
                    if batch is None:
                        return
                    ref = self._actors[number].judge.remote([job for _, job in batch.items])
                    in_flight[ref] = (number, batch)
                    load[number] += 1

        try:
            self._settle_answered_probes()  # actors that came up since the last call get work from the start
            fill()
            while in_flight or queue or ahead or not exhausted:
                waiting = [*in_flight, *self._probes]
                if not waiting:
                    raise RuntimeError(f"every Ray judge actor is gone; last error: {self._last_error}")
                done, _ = ray.wait(waiting, num_returns=1, timeout=NO_ACTOR_TIMEOUT_S)
                if not done:
                    if in_flight:
                        continue  # batches of slow programs (time limits x tests) may take minutes
                    raise RuntimeError(f"no Ray judge actor answered in {NO_ACTOR_TIMEOUT_S:.0f} s; "
                                       f"last error: {self._last_error}")
                ref = done[0]
                if ref in self._probes:
                    self._settle_probe(ref)
                else:
                    number, batch = in_flight.pop(ref)
                    load[number] -= 1
                    try:
                        judgements = ray.get(ref)
                    except RETRYABLE as e:
                        yield from self._requeue(batch, number, e, queue)
                    else:
                        yield from zip((index for index, _ in batch.items), judgements, strict=True)
                fill()
        finally:
            for ref in in_flight:  # abandoned early (an exception, or the caller stopped reading)
                ray.cancel(ref)

    def judge(self, job: Job) -> Judgement:
        """One job on some actor (retried elsewhere if its actor dies)."""
        ((_, judgement),) = self.judge_many([job])
        return judgement

    def run(self, code: str, stdin: bytes, limits: Limits) -> ExecutionResult:
        """Run `code` as `python3 Main.py` with `stdin` on some actor; never raises for what the program does."""
        for _ in range(MAX_DEATHS):
            number = self._await_ready()
            try:
                return ray.get(self._actors[number].run.remote(code, stdin, limits))
            except RETRYABLE as e:
                self._suspect(number, e)
        return sandbox_error(f"the Ray judge actors died {MAX_DEATHS} times: {self._last_error}")

    def close(self) -> None:
        """Close every actor's sandbox, then the actors; leave Ray as we found it (connected or not)."""
        actors, self._actors = getattr(self, "_actors", []), []
        # only actors that answer: a restarting one (its node gone, no CPU free) would make us wait for nothing
        closing = [actors[number].close.remote() for number in getattr(self, "_ready", ())]
        if closing:
            ray.wait(closing, num_returns=len(closing), timeout=CLOSE_TIMEOUT_S)
        for actor in actors:
            ray.kill(actor)
        if self._owns_ray:
            ray.shutdown()
            self._owns_ray = False

    def __enter__(self) -> RayJudge:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # ------------------------------------------------------------------------------------------ internals
    def _requeue(self, batch: _Batch, number: int, error: BaseException, queue) -> Iterator[tuple[int, Judgement]]:
        """The actor holding `batch` died: queue it again (split, or judged Sandbox Error, per the rules)."""
        self._suspect(number, error)
        batch.deaths += 1
        log.warning("Ray judge actor %d failed with a batch of %d jobs (%s); re-queued (death %d of this batch)",
                    number, len(batch.items), type(error).__name__, batch.deaths)
        if len(batch.items) == 1 and batch.deaths >= MAX_DEATHS:
            index, job = batch.items[0]
            result = sandbox_error(f"its Ray judge actor died {batch.deaths} times: {type(error).__name__}")
            yield index, summarise(["Sandbox Error"], [result], len(job.tests))
        elif len(batch.items) > 1 and batch.deaths >= SPLIT_AFTER:
            queue.extendleft(_Batch([item], batch.deaths) for item in reversed(batch.items))
        else:
            queue.appendleft(batch)

    def _suspect(self, number: int, error: BaseException) -> None:
        """Take an actor out of service until a ping says it is back (Ray restarts it) or gone for good."""
        self._last_error = error
        if number in self._ready:
            self._ready.discard(number)
            self._probes[self._actors[number].ping.remote()] = number

    def _settle_probe(self, ref) -> None:
        number = self._probes.pop(ref)
        try:
            ray.get(ref)
        except RETRYABLE as e:  # restarts exhausted, or it could not start (e.g. no docker on that node)
            self._last_error = e
            log.warning("Ray judge actor %d is gone: %s", number, e)
        else:
            self._ready.add(number)

    def _settle_answered_probes(self) -> None:
        if self._probes:
            done, _ = ray.wait(list(self._probes), num_returns=len(self._probes), timeout=0)
            for ref in done:
                self._settle_probe(ref)

    def _await_ready(self) -> int:
        """An actor that answers, in turn (waiting for starting or restarting ones); RuntimeError if none will."""
        while not self._ready:
            if not self._probes:
                raise RuntimeError(f"no Ray judge actor could start or stay up; last error: {self._last_error}")
            done, _ = ray.wait(list(self._probes), num_returns=1, timeout=NO_ACTOR_TIMEOUT_S)
            if not done:
                raise RuntimeError(f"no Ray judge actor answered in {NO_ACTOR_TIMEOUT_S:.0f} s")
            self._settle_probe(done[0])
        ready = sorted(self._ready)
        return ready[next(self._turn) % len(ready)]
