"""The harness's own safety rails, driven directly (no Sandbox): what it may wipe, where it refuses to run."""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from sandbox.pool import make_request, parse_result
from sandbox.workers import HARNESS, LocalWorker

from .conftest import LIMITS

DAEMON = (
    "import os, time\n"
    "if os.fork() == 0:\n"
    "    os.setsid()\n"
    "    if os.fork() == 0:\n"
    "        print(os.getpid(), flush=True)\n"
    "        time.sleep(30)\n"
    "    os._exit(0)\n"
    "time.sleep(0.2)\n"
)


def _run(worker: LocalWorker, code: str):
    return parse_result(worker.request(*make_request(code, b"", LIMITS)), LIMITS)


@pytest.fixture
def host_tmp_marker():
    """A file in the host's own /tmp, which no worker may remove."""
    fd, path = tempfile.mkstemp(prefix="coderl-host-marker-", dir="/tmp")
    os.close(fd)
    yield Path(path)
    Path(path).unlink(missing_ok=True)


def _modes() -> list[str]:
    return ["uid", "tree"] if os.geteuid() == 0 else ["tree"]


@pytest.mark.parametrize("mode", _modes())
def test_the_hosts_tmp_is_never_wiped(mode, host_tmp_marker):
    worker = LocalWorker(mode)
    try:
        result = _run(worker, "import os\nprint(len(os.listdir('/tmp')))\n")
        assert result.status == "OK"
    finally:
        worker.close()
    assert host_tmp_marker.exists()


def test_container_mode_refuses_outside_a_container(host_tmp_marker):
    done = subprocess.run([sys.executable, "-I", str(HARNESS), "--mode", "container"], capture_output=True,
                          text=True, timeout=30, stdin=subprocess.DEVNULL)
    assert done.returncode != 0
    assert "pid 1" in done.stderr
    assert host_tmp_marker.exists()


def test_tree_mode_kills_a_daemon():
    """The fallback for a host without root: leftovers are found as descendants of the server and killed."""
    worker = LocalWorker("tree")
    try:
        result = _run(worker, DAEMON)
        assert result.status == "OK"
        assert not Path(f"/proc/{int(result.stdout)}").exists()  # killed and reaped by the server
    finally:
        worker.close()
