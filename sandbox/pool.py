"""`Sandbox`: a pool of fork-server workers (local processes or docker containers) that runs and judges jobs."""
from __future__ import annotations

import base64
import binascii
import contextlib
import logging
import os
import queue
from collections.abc import Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait

from sandbox.harness import STDERR_TAIL, WALL_FACTOR, WALL_SLACK_MS
from sandbox.judge import (
    STATUSES, ExecutionResult, Job, Judgement, Limits, sandbox_error, summarise, test_verdict,
)
from sandbox.workers import DockerWorker, LocalWorker, Worker, WorkerError

log = logging.getLogger(__name__)

BACKENDS = ("local", "docker")
ATTEMPTS = 3  # a job whose worker fails is re-run on a fresh worker this many times in all
REPLY_GRACE_S = 15.0  # beyond the wall limit: clean-up after a fork bomb, a busy machine, container latency
ERROR_MAX_CHARS = 1000


class Sandbox:
    """Runs untrusted programs on a pool of `workers` fork servers; see sandbox/__init__.py for what it isolates.

    backend "local": harness processes on this machine (uid isolation and namespaces when root);
    backend "docker": one hardened container of `image` per worker. Use as a context manager, or close()."""

    def __init__(self, backend: str = "local", workers: int = 2, image: str = "coderl-sandbox:latest"):
        if backend not in BACKENDS:
            raise ValueError(f"backend = {backend!r}: must be one of {', '.join(BACKENDS)}")
        if not isinstance(workers, int) or workers < 1:
            raise ValueError(f"workers = {workers!r}: must be an int >= 1")
        self.backend = backend
        if backend == "local":
            mode = "uid" if os.geteuid() == 0 else "tree"
            if mode == "tree":
                log.warning("local sandbox without root: programs run as you, in your files and processes' "
                            "reach; use backend='docker' (or root) for untrusted code")
            self._start = lambda: LocalWorker(mode)
        else:
            client = _docker_client(image)
            self._start = lambda: DockerWorker(client, image)
        with ThreadPoolExecutor(workers) as pool:  # containers take ~1 s each to start
            futures = [pool.submit(self._start) for _ in range(workers)]
        self._workers: list[Worker | None] = []
        for future in futures:  # a slot whose worker failed to start is retried when it is first used
            error = future.exception()
            if error is not None:
                log.warning("could not start a %s sandbox worker: %s: %s", backend, type(error).__name__, error)
            self._workers.append(None if error is not None else future.result())
        if not any(self._workers):
            raise RuntimeError(f"no {backend} sandbox worker could be started: {error}") from error
        self._idle: queue.Queue[int] = queue.Queue()
        for slot in range(workers):
            self._idle.put(slot)

    # ------------------------------------------------------------------------------------------ public
    def run(self, code: str, stdin: bytes, limits: Limits) -> ExecutionResult:
        """Run `code` as `python3 Main.py` with `stdin`; never raises for what the program does."""
        with self._lease() as slot:
            return self._run_on(slot, code, stdin, limits)

    def judge(self, job: Job) -> Judgement:
        """Run the job's tests in order on one worker and judge them (rules in sandbox/judge.py)."""
        with self._lease() as slot:
            return self._judge_on(slot, job)

    def judge_many(self, jobs: Iterable[Job]) -> Iterator[tuple[int, Judgement]]:
        """Judge jobs in parallel over the workers; yields (index into jobs, judgement) as each completes.
        Reads `jobs` lazily (a few per worker ahead), so it can be a generator over millions."""
        numbered = enumerate(jobs)
        pool = ThreadPoolExecutor(len(self._workers), thread_name_prefix="sandbox")
        pending: dict = {}

        def submit_next() -> None:
            item = next(numbered, None)
            if item is not None:
                pending[pool.submit(self.judge, item[1])] = item[0]

        try:
            for _ in range(2 * len(self._workers)):
                submit_next()
            while pending:
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    index = pending.pop(future)
                    submit_next()
                    yield index, future.result()
        finally:
            pool.shutdown(wait=True, cancel_futures=True)

    def close(self) -> None:
        for slot, worker in enumerate(self._workers):
            if worker is not None:
                worker.close()
                self._workers[slot] = None

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # ------------------------------------------------------------------------------------------ internals
    @contextlib.contextmanager
    def _lease(self) -> Iterator[int]:
        slot = self._idle.get()
        try:
            yield slot
        except BaseException:  # interrupted mid-request (KeyboardInterrupt): its state is unknown
            self._discard(slot)
            raise
        finally:
            self._idle.put(slot)

    def _discard(self, slot: int) -> None:
        worker, self._workers[slot] = self._workers[slot], None
        if worker is not None:
            worker.abort()

    def _run_on(self, slot: int, code: str, stdin: bytes, limits: Limits) -> ExecutionResult:
        req, timeout_s, max_bytes = make_request(code, stdin, limits)
        problem = ""
        for attempt in range(1, ATTEMPTS + 1):
            if self._workers[slot] is None:
                self._workers[slot] = _start_or_none(self._start)
                if self._workers[slot] is None:
                    problem = "could not start a worker"
                    continue
            try:
                resp = self._workers[slot].request(req, timeout_s, max_bytes)
                if "sandbox_error" in resp:
                    raise WorkerError(f"harness: {str(resp['sandbox_error'])[:ERROR_MAX_CHARS]}")
                return parse_result(resp, limits)
            except WorkerError as e:
                problem = str(e)
                log.warning("%s worker failed (attempt %d of %d): %s", self.backend, attempt, ATTEMPTS, e)
                self._discard(slot)
        return sandbox_error(f"the sandbox failed {ATTEMPTS} times: {problem}")

    def _judge_on(self, slot: int, job: Job) -> Judgement:
        verdicts, results = [], []
        for test_input, expected in job.tests:
            result = self._run_on(slot, job.code, test_input.encode(), job.limits)
            results.append(result)
            if result.status == "Compile Error":  # the other tests would compile the same code again
                return summarise(["Compile Error"] * len(job.tests), results, len(job.tests))
            verdicts.append(test_verdict(result, expected, job.tolerance, job.whitespace_sensitive))
            if verdicts[-1] == "Time Limit Exceeded" and job.stop_after_timeout:
                break
        return summarise(verdicts, results, len(job.tests))


def make_request(code: str, stdin: bytes, limits: Limits) -> tuple[dict, float, int]:
    """(request frame, seconds to wait for the answer, largest answer frame to accept) for one run."""
    req = {"code": code, "stdin": base64.b64encode(stdin).decode(), "time_ms": limits.time_ms,
           "memory_kb": limits.memory_kb, "output_kb": limits.output_kb}
    timeout_s = (limits.time_ms * WALL_FACTOR + WALL_SLACK_MS) / 1000 + REPLY_GRACE_S
    max_bytes = 2 * (limits.output_kb * 1024 + STDERR_TAIL) + (1 << 16)  # base64 is 4/3, plus the fields
    return req, timeout_s, max_bytes


def parse_result(resp: dict, limits: Limits) -> ExecutionResult:
    """Check every field of a worker's response (it is untrusted) and build the result; WorkerError if bad."""
    try:
        stdout = base64.b64decode(resp["stdout"], validate=True)
        stderr = base64.b64decode(resp["stderr"], validate=True)
        result = ExecutionResult(
            status=resp["status"], exit_code=resp["exit_code"], stdout=stdout, stderr=stderr,
            stdout_truncated=resp["stdout_truncated"], wall_ms=float(resp["wall_ms"]),
            cpu_ms=float(resp["cpu_ms"]), peak_memory_kb=resp["peak_memory_kb"],
            error=resp["error"][:ERROR_MAX_CHARS],
        )
    except (KeyError, TypeError, ValueError, binascii.Error) as e:
        raise WorkerError(f"malformed response: {type(e).__name__}: {e}") from e
    checks = {
        "status": result.status in STATUSES and result.status != "Sandbox Error",
        "exit_code": result.exit_code is None or type(result.exit_code) is int,
        "stdout": len(stdout) <= limits.output_kb * 1024,
        "stderr": len(stderr) <= STDERR_TAIL,
        "stdout_truncated": type(result.stdout_truncated) is bool,
        "peak_memory_kb": type(result.peak_memory_kb) is int,
        "error": type(result.error) is str,
    }
    bad = [name for name, ok in checks.items() if not ok]
    if bad:
        raise WorkerError(f"malformed response fields: {', '.join(bad)}")
    return result


def _start_or_none(start) -> Worker | None:
    try:
        return start()
    except Exception as e:  # noqa: BLE001 - reported; the caller counts it as a failed attempt
        log.warning("could not start a sandbox worker: %s: %s", type(e).__name__, e)
        return None


def _docker_client(image: str):
    """A docker client with `image` present, or a RuntimeError that says what to do."""
    import docker

    try:
        client = docker.from_env()
        client.ping()
    except Exception as e:  # noqa: BLE001 - any failure here means the same thing to the user
        raise RuntimeError(f"docker backend: dockerd is not reachable ({e}); start it with `dockerd &`") from e
    try:
        client.images.get(image)
    except docker.errors.ImageNotFound as e:
        raise RuntimeError(f"docker backend: image {image} not found; build it with sandbox/image/build.sh") from e
    return client
