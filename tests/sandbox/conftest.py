"""Fixtures: one Sandbox per backend for the whole session (containers take a second to start), and helpers
that look at the host from outside the sandbox (its processes, its files)."""
from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path

import pytest

from sandbox import Limits, Sandbox

# Short limits keep the hostile tests fast: the wall limit is 2 x 500 + 1000 ms = 2 s.
LIMITS = Limits(time_ms=500, memory_kb=256 * 1024, output_kb=1024)
IMAGE = "coderl-sandbox:latest"


def docker_skip_reason() -> str | None:
    """Why the docker backend cannot be tested here, or None."""
    try:
        import docker

        client = docker.from_env()
        client.ping()
    except Exception as e:  # noqa: BLE001 - any failure means "no dockerd"
        return f"dockerd not reachable ({type(e).__name__}); start it with `dockerd &`"
    try:
        client.images.get(IMAGE)
    except docker.errors.ImageNotFound:
        return f"image {IMAGE} not built; run sandbox/image/build.sh"
    return None


@pytest.fixture(scope="session", params=["local", "docker"])
def backend(request) -> str:
    if request.param == "docker" and (reason := docker_skip_reason()):
        pytest.skip(reason)
    return request.param


@pytest.fixture(scope="session")
def box(backend):
    with Sandbox(backend, workers=2) as sandbox:
        yield sandbox


def sandbox_pids(box: Sandbox) -> list[int]:
    """Host pids of processes that programs started and that are still alive (the servers excluded)."""
    workers = [w for w in box._workers if w is not None]
    if box.backend == "local":
        uids = {w.uid for w in workers}
        return [pid for pid in _pids() if _uid(pid) in uids]
    found = []
    for worker in workers:
        worker.container.reload()
        server = worker.container.attrs["State"]["Pid"]
        found += [pid for pid in _pids() if pid != server and worker.container.id in _read(f"/proc/{pid}/cgroup")]
    return found


def wait_until_no_sandbox_pids(box: Sandbox, seconds: float = 1.0) -> list[int]:
    """Leftovers after `seconds` (killed processes take a moment to disappear from /proc)."""
    deadline = time.monotonic() + seconds
    while (left := sandbox_pids(box)) and time.monotonic() < deadline:
        time.sleep(0.05)
    return left


def _pids() -> list[int]:
    return [int(name) for name in os.listdir("/proc") if name.isdigit()]


def _read(path: str) -> str:
    try:
        with open(path) as f:
            return f.read()
    except OSError:
        return ""


def _uid(pid: int) -> int | None:
    for line in _read(f"/proc/{pid}/status").splitlines():
        if line.startswith("Uid:"):
            return int(line.split()[1])
    return None


@pytest.fixture
def open_dir():
    """A world-writable directory on the host outside /tmp: a program that escaped its work dir (or the
    read-only root of its mount namespace) could write here."""
    path = Path(tempfile.mkdtemp(prefix=".sandbox-escape-", dir=Path(__file__).parent))
    path.chmod(0o777)
    yield path
    shutil.rmtree(path)
