"""Host side of the harness protocol: one worker = one fork server, local process or docker container.

Everything a worker sends back is untrusted: frames are size-checked before they are read, JSON is the only
format (never pickle), and any failure (EOF, timeout, oversized or malformed frame) raises WorkerError so that
the caller replaces the worker and retries the job.
"""
from __future__ import annotations

import json
import logging
import os
import select
import socket
import subprocess
import sys
import time
from pathlib import Path

from sandbox.harness import HARNESS_VERSION, HEADER, UID_BASE, pack

log = logging.getLogger(__name__)

HARNESS = Path(__file__).with_name("harness.py")
HELLO_TIMEOUT_S = 60.0  # interpreter start + pre-imports (local), container start (docker)
CLOSE_TIMEOUT_S = 5.0
HELLO_MAX_BYTES = 1 << 16
# Only what Python needs: the worker never sees the host's environment (the child clears even this).
WORKER_ENV = {"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8"}

# docker backend: the container is the hard outer boundary; the harness judges the per-test limits inside.
CONTAINER_HARNESS = "/sandbox/harness.py"
CONTAINER_MEMORY = "3g"  # cgroup limit of one container (>= any memory_kb we judge + the server + tmpfs)
CONTAINER_PIDS = 128  # processes + threads of one container (fork and thread bombs)
CONTAINER_TMPFS = {"/tmp": "size=512m,nr_inodes=16384,mode=1777", "/dev/shm": "size=64m,mode=1777"}
DOCKER_FRAME_MAX = 1 << 24  # docker splits output into frames of at most a pipe read (32 KiB in practice)
CONTAINER_CPUS = 1  # a multi-threaded program cannot take more than one core from its neighbours


class WorkerError(Exception):
    """The worker died, hung or sent something invalid: replace it and retry (never the program's fault)."""


class _Pipes:
    """Byte channel over a child process's stdin/stdout pipes, with deadlines."""

    def __init__(self, proc: subprocess.Popen):
        self.wfd, self.rfd = proc.stdin.fileno(), proc.stdout.fileno()
        os.set_blocking(self.wfd, False)

    def send(self, data: bytes, deadline: float) -> None:
        view = memoryview(data)
        while view:
            if not select.select([], [self.wfd], [], _left(deadline))[1]:
                raise WorkerError("timed out sending to the worker")
            try:
                view = view[os.write(self.wfd, view):]
            except BlockingIOError:
                continue
            except OSError as e:
                raise WorkerError(f"worker pipe closed: {e}") from e

    def recv(self, n: int, deadline: float) -> bytes:
        chunks = []
        while n:
            if not select.select([self.rfd], [], [], _left(deadline))[0]:
                raise WorkerError("timed out waiting for the worker")
            chunk = os.read(self.rfd, min(n, 1 << 20))
            if not chunk:
                raise WorkerError("the worker exited")
            chunks.append(chunk)
            n -= len(chunk)
        return b"".join(chunks)


class _DockerStream:
    """Byte channel over a container's attach socket. Without a tty docker multiplexes the output: each
    frame is [stream type, 0, 0, 0, 4-byte big-endian size] + payload; only stdout frames are protocol."""

    def __init__(self, sock: socket.socket):
        self.sock, self.buffer = sock, bytearray()

    def send(self, data: bytes, deadline: float) -> None:
        self.sock.settimeout(_left(deadline))
        try:
            self.sock.sendall(data)
        except OSError as e:
            raise WorkerError(f"container stdin: {e}") from e

    def _read(self, n: int, deadline: float) -> bytes:
        out = bytearray()
        while len(out) < n:
            self.sock.settimeout(_left(deadline))
            try:
                chunk = self.sock.recv(min(n - len(out), 1 << 20))
            except OSError as e:  # socket.timeout included
                raise WorkerError(f"container stdout: {e}") from e
            if not chunk:
                raise WorkerError("the container exited")
            out += chunk
        return bytes(out)

    def recv(self, n: int, deadline: float) -> bytes:
        while len(self.buffer) < n:
            header = self._read(8, deadline)
            size = int.from_bytes(header[4:], "big")
            if size > DOCKER_FRAME_MAX:
                raise WorkerError(f"docker stream frame of {size} bytes")
            payload = self._read(size, deadline)
            if header[0] == 1:  # stdout; stderr (2) carries only the harness's own diagnostics
                self.buffer += payload
        data, self.buffer = bytes(self.buffer[:n]), self.buffer[n:]
        return data


def _left(deadline: float) -> float:
    left = deadline - time.monotonic()
    if left <= 0:
        raise WorkerError("timed out waiting for the worker")
    return left


class Worker:
    """One fork server behind a byte channel; subclasses start and stop it."""

    channel: _Pipes | _DockerStream
    hello: dict

    def request(self, req: dict, timeout_s: float, max_bytes: int) -> dict:
        """Send one request frame and return the response frame (a dict). Raises WorkerError."""
        deadline = time.monotonic() + timeout_s
        self.channel.send(pack(req), deadline)
        return self._receive(deadline, max_bytes)

    def _receive(self, deadline: float, max_bytes: int) -> dict:
        (size,) = HEADER.unpack(self.channel.recv(HEADER.size, deadline))
        if size > max_bytes:
            raise WorkerError(f"response frame of {size} bytes (at most {max_bytes} expected)")
        try:
            resp = json.loads(self.channel.recv(size, deadline))
        except (UnicodeDecodeError, ValueError) as e:
            raise WorkerError(f"response is not JSON: {e}") from e
        if not isinstance(resp, dict):
            raise WorkerError("response is not a JSON object")
        return resp

    def _handshake(self) -> None:
        self.hello = self._receive(time.monotonic() + HELLO_TIMEOUT_S, HELLO_MAX_BYTES)
        if self.hello.get("hello") != HARNESS_VERSION:
            raise WorkerError(f"harness version {self.hello.get('hello')!r} != host's {HARNESS_VERSION!r}")

    def close(self) -> None:
        raise NotImplementedError

    def abort(self) -> None:
        """Kill the worker and everything it ran, without asking it."""
        raise NotImplementedError


class LocalWorker(Worker):
    """The harness as a child process of the host, in `uid` mode when we are root, else `tree` mode."""

    def __init__(self, mode: str):
        self.mode, self.uid = mode, None
        self.proc = subprocess.Popen(
            [sys.executable, "-I", str(HARNESS), "--mode", mode],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=WORKER_ENV, close_fds=True,
            start_new_session=True,  # a Ctrl-C on the host's terminal is for the host, which closes us
        )
        self.channel = _Pipes(self.proc)
        try:
            self._handshake()
        except WorkerError:
            self.abort()
            raise
        if mode == "uid":  # checked, since abort() kills every process of this uid
            if self.hello.get("uid") != UID_BASE + self.proc.pid:
                self.abort()
                raise WorkerError(f"worker reports uid {self.hello.get('uid')!r}, not {UID_BASE + self.proc.pid}")
            self.uid = UID_BASE + self.proc.pid

    def close(self) -> None:
        self.proc.stdin.close()  # EOF: the harness finishes, cleans up and exits
        try:
            self.proc.wait(CLOSE_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self.abort()
        self.proc.stdout.close()

    def abort(self) -> None:
        self.proc.kill()
        self.proc.wait()
        if isinstance(self.uid, int):
            # the hung worker may have left programs running under its uid: kill them all
            subprocess.run([sys.executable, "-I", str(HARNESS), "--kill-uid", str(self.uid)], env=WORKER_ENV,
                           check=False, timeout=CLOSE_TIMEOUT_S)
        for pipe in (self.proc.stdin, self.proc.stdout):
            if not pipe.closed:
                pipe.close()


class DockerWorker(Worker):
    """The harness as the only process (pid 1) of a long-lived hardened container; the host talks to it over
    the container's attached stdin/stdout."""

    def __init__(self, client, image: str):
        from docker.types import Ulimit

        api = client.api
        host_config = api.create_host_config(
            network_mode="none", read_only=True, tmpfs=CONTAINER_TMPFS, cap_drop=["ALL"],
            security_opt=["no-new-privileges"], mem_limit=CONTAINER_MEMORY, memswap_limit=CONTAINER_MEMORY,
            pids_limit=CONTAINER_PIDS, nano_cpus=CONTAINER_CPUS * 10**9,
            ulimits=[Ulimit(name="stack", soft=-1, hard=-1), Ulimit(name="core", soft=0, hard=0)],
            # mounted, not baked in: the harness in the container is always the host's version
            binds={str(HARNESS): {"bind": CONTAINER_HARNESS, "mode": "ro"}},
            auto_remove=True,
        )
        created = api.create_container(
            image, command=["python3", "-I", CONTAINER_HARNESS, "--mode", "container"], working_dir="/tmp",
            # if the host dies, its attach socket closes: the harness reads EOF and exits, the container is
            # removed (auto_remove), so no container outlives a host that never called close()
            stdin_open=True, detach=False, host_config=host_config,  # not detached: docker-py sets StdinOnce
            labels={"org.coderl.sandbox.worker": "1"},
        )
        self.container = client.containers.get(created["Id"])
        user = self.container.attrs["Config"].get("User", "")
        if user.split(":")[0] in ("", "0", "root"):
            self.container.remove(force=True)
            raise RuntimeError(f"image {image} has no non-root USER: rebuild it with sandbox/image/build.sh")
        try:
            # attach before start, so that the hello frame cannot be missed
            attached = client.api.attach_socket(self.container.id, params={"stdin": 1, "stdout": 1, "stream": 1})
            self.socket = attached._sock
            self.channel = _DockerStream(self.socket)
            self.container.start()
            self._handshake()
        except Exception:
            self.abort()
            raise

    def close(self) -> None:
        self.abort()  # removing the container ends everything in it: there is nothing else to clean up

    def abort(self) -> None:
        import docker

        if hasattr(self, "socket"):
            self.socket.close()
        try:
            self.container.remove(force=True)  # kills everything in it; nothing survives the container
        except docker.errors.APIError as e:
            if e.status_code not in (404, 409):  # already removed, or being removed (auto_remove)
                raise
