"""The fork server that runs untrusted Python programs: one file, pure stdlib, Python >= 3.10.

The host starts it (`python3 -I harness.py --mode M`) directly (local backend) or inside a hardened container
(docker backend) and talks to it over stdin/stdout with length-prefixed JSON frames (bytes as base64; never
pickle, so a tainted worker cannot run code in the host by what it sends back):

    harness -> host   {"hello": HARNESS_VERSION, "mode": ..., "uid": ..., "isolation": [...]}
    host -> harness   {"code": str, "stdin": b64, "time_ms": int, "memory_kb": int, "output_kb": int}
    harness -> host   {"status", "exit_code", "stdout": b64, "stderr": b64, "stdout_truncated", "wall_ms",
                       "cpu_ms", "peak_memory_kb", "error"}   (or {"sandbox_error": text})

The server imports the commonly used stdlib modules once, then forks one child per (program, test), so no
interpreter starts per program. The child isolates itself (own session, rlimits, fresh work dir, empty
environment, and in `uid` mode an unprivileged uid), compiles the program and runs it as `python3 Main.py`
would. After each run every process the program left behind is killed.

Modes (chosen by the host):
  uid        root on the host: the server enters its own network, IPC and mount namespaces once (empty
             network; private tmpfs /tmp, /var/tmp, /dev/shm; host file systems read-only), runs programs as
             uid UID_BASE + its pid (distinct per worker) and, after each run, kills every process of that uid
             from a helper that setuid()s to it: kill(-1, SIGKILL) is atomic with respect to fork.
  container  the only process in a hardened container (same uid as the programs): kill(-1, SIGKILL) after
             each run reaches everything but itself.
  tree       not root, not in a container: programs run as the calling user; leftovers are found as
             descendants (the server is a child subreaper) and killed. Weakest; see sandbox/__init__.py.
"""
from __future__ import annotations

import atexit
import base64
import ctypes
import gc
import json
import os
import resource
import select
import signal
import struct
import sys
import tempfile
import threading
import time
import traceback
import types

# numpy/scipy read these when imported: one thread each (like the judges, and forking a process that has
# started OpenBLAS threads is unsafe). Set in the server's and every child's environment.
THREAD_VARS = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
# Imported by the server so that programs find them in sys.modules (a forked child pays nothing for them).
# numpy and scipy are deliberately NOT pre-imported (measured by benchmarks/sandbox_throughput.py): a forked
# child that does nothing peaks at ~13 MB RSS with these (a bare `python3`: ~11 MB), ~21 MB with numpy and
# ~51 MB with scipy too: every program would be charged for them, which misjudges Memory Limit Exceeded on
# 64 MB problems, and each fork gets slower. Programs that import numpy pay its import, as under python3.
PRELOAD = (
    "array bisect collections copy datetime decimal enum fractions functools heapq io itertools math operator "
    "queue random re statistics string typing"
).split()

HARNESS_VERSION = "3"  # bump when any verdict rule changes (here or in sandbox/judge.py): it keys the judge memo

HEADER = struct.Struct(">I")  # frame = 4-byte big-endian length + UTF-8 JSON
MAX_REQUEST = 256 << 20  # a request larger than this is a host bug; the server refuses it
UID_BASE = 1_500_000_000  # far above any real or subordinate (userns) uid range
STDERR_TAIL = 8192  # bytes of stderr sent back (the end of it, where the exception is)
WALL_FACTOR, WALL_SLACK_MS = 2, 1000  # wall limit = 2 x time limit + 1 s (programs that sleep or block)
POLL_S = 0.05  # how often the CPU time and RSS of a running program are sampled
AS_SLACK_KB = 2 << 20  # address-space backstop = memory limit + 2 GiB (numpy+scipy map ~0.25 GB; thread stacks)
NPROC = 64  # processes + threads per sandbox uid (bounds fork and thread bombs)
NOFILE = 256
PRIVATE_TMP = ("/tmp", "/var/tmp", "/dev/shm")  # world-writable places, private and wiped after each run
CHILD_PATH = "/usr/local/bin:/usr/bin:/bin"
COMPILE_FAILED, SETUP_FAILED = b"C", b"S"  # first byte on the child's status pipe; b"R" = running the program

libc = ctypes.CDLL(None, use_errno=True)
CLONE_NEWNS, CLONE_NEWUSER, CLONE_NEWIPC, CLONE_NEWNET = 0x00020000, 0x10000000, 0x08000000, 0x40000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_REMOUNT = 0x1, 0x2, 0x4, 0x20
MS_BIND, MS_REC, MS_PRIVATE = 0x1000, 0x4000, 0x40000
PR_SET_PDEATHSIG, PR_SET_DUMPABLE, PR_SET_CHILD_SUBREAPER, PR_SET_NO_NEW_PRIVS = 1, 4, 36, 38
SYS_MOUNT_SETATTR, AT_RECURSIVE, MOUNT_ATTR_RDONLY = 442, 0x8000, 0x1


# ---------------------------------------------------------------------------------------------- framing
def pack(obj: dict) -> bytes:
    data = json.dumps(obj, separators=(",", ":")).encode()
    return HEADER.pack(len(data)) + data


def _read_exact(fd: int, n: int) -> bytes | None:
    chunks, got = [], 0
    while got < n:
        chunk = os.read(fd, min(n - got, 1 << 20))
        if not chunk:
            return None
        chunks.append(chunk)
        got += len(chunk)
    return b"".join(chunks)


def _recv(fd: int) -> dict | None:
    head = _read_exact(fd, HEADER.size)
    if head is None:
        return None
    (size,) = HEADER.unpack(head)
    if size > MAX_REQUEST:
        raise ValueError(f"request of {size} bytes")
    body = _read_exact(fd, size)
    return None if body is None else json.loads(body)


def _send(fd: int, obj: dict) -> None:
    data = memoryview(pack(obj))
    while data:
        data = data[os.write(fd, data):]


# ---------------------------------------------------------------------------------------------- set-up
def _check(ret: int, what: str) -> None:
    if ret != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


def _raise_stack_limit() -> None:
    """Re-exec once with an unlimited stack: deep recursion (setrecursionlimit(10**6), lru_cache chains) needs
    a main-thread stack that can grow far, and the kernel lays out the address space (the room left for the
    stack) at exec time, so raising the limit in the child alone is not enough."""
    soft = resource.getrlimit(resource.RLIMIT_STACK)[0]
    if soft == resource.RLIM_INFINITY:  # also true after the re-exec: it happens once
        return
    try:
        resource.setrlimit(resource.RLIMIT_STACK, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
    except (ValueError, OSError):
        return  # not allowed here: run with the stack we have (the hello message reports it)
    os.execv(sys.executable, [sys.executable, "-I", os.path.abspath(__file__), *sys.argv[1:]])


def _claim_stdio() -> tuple[int, int]:
    """Move the protocol pipes off fds 0/1 so that nothing printed by a module can corrupt the protocol."""
    proto_in, proto_out = os.dup(0), os.dup(1)
    null = os.open(os.devnull, os.O_RDWR)
    os.dup2(null, 0)
    os.dup2(null, 1)
    os.close(null)
    return proto_in, proto_out


def _mount(source: str | None, target: str, fstype: str | None, flags: int, data: str | None) -> None:
    enc = lambda s: None if s is None else s.encode()  # noqa: E731
    _check(libc.mount(enc(source), enc(target), enc(fstype), ctypes.c_ulong(flags), enc(data)), f"mount {target}")


class _MountAttr(ctypes.Structure):
    _fields_ = [("attr_set", ctypes.c_uint64), ("attr_clr", ctypes.c_uint64),
                ("propagation", ctypes.c_uint64), ("userns_fd", ctypes.c_uint64)]


def _expose_python(tmpfs_opts: str) -> None:
    """Programs run as another uid but must import Python's files. Where the interpreter lives under a
    directory others may not enter (pyenv in /root, mode 0700), cover that directory with an empty tmpfs in
    this mount namespace and bind back only the entries Python needs; the rest of it stays hidden."""
    needed = {os.path.realpath(p) for p in (*sys.path, sys.prefix, sys.base_prefix, sys.executable) if p}
    keep: dict[str, dict[str, int]] = {}  # closed directory -> {entry under it: O_PATH fd}
    for path in sorted(p for p in needed if os.path.exists(p)):
        parts = path.strip("/").split("/")
        for i in range(1, len(parts)):
            closed, entry = "/" + "/".join(parts[:i]), "/" + "/".join(parts[: i + 1])
            if not os.stat(closed).st_mode & 0o001:
                if entry not in keep.setdefault(closed, {}):
                    keep[closed][entry] = os.open(entry, os.O_PATH)
                break
    for closed, entries in keep.items():
        _mount("tmpfs", closed, "tmpfs", MS_NOSUID | MS_NODEV, tmpfs_opts + ",mode=0755")
        for entry, fd in entries.items():
            if os.path.isdir(f"/proc/self/fd/{fd}"):
                os.mkdir(entry)
            else:
                open(entry, "w").close()
            _mount(f"/proc/self/fd/{fd}", entry, None, MS_BIND | MS_REC, None)
            os.close(fd)


def _isolate_uid_mode() -> tuple[list[str], list[str]]:
    """Once per worker (root): private network, IPC and mount namespaces that every child inherits.
    Returns (what was isolated, the tmpfs mounts made here: private, so they may be wiped after each run)."""
    _check(libc.unshare(CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWIPC), "unshare")
    done = ["netns", "ipcns", "mountns"]
    _mount(None, "/", None, MS_REC | MS_PRIVATE, None)  # nothing we mount leaks back to the host
    attr = _MountAttr(MOUNT_ATTR_RDONLY, 0, 0, 0)
    if libc.syscall(SYS_MOUNT_SETATTR, -100, b"/", AT_RECURSIVE, ctypes.byref(attr), ctypes.sizeof(attr)) == 0:
        done.append("readonly-root")  # older kernels: only the tmpfs mounts below (uid checks still apply)
    tmpfs_opts = "size=512m,nr_inodes=16384"
    mounted = [path for path in PRIVATE_TMP if os.path.isdir(path)]
    hidden = _python_under(mounted)  # e.g. a venv in /tmp: the private /tmp would hide it from programs
    for path in mounted:
        _mount("tmpfs", path, "tmpfs", MS_NOSUID | MS_NODEV, tmpfs_opts + ",mode=1777")
    _restore_read_only(hidden)
    _expose_python(tmpfs_opts)
    return done + ["private-tmp", "uid"], mounted


_KEEP: set[str] = set()  # entries of the private tmp mounts that hold Python's files: never wiped


def _python_paths() -> set[str]:
    return {os.path.realpath(p) for p in (*sys.path, sys.prefix, sys.base_prefix, sys.executable) if p}


def _python_under(places: list[str]) -> dict[str, int]:
    """Python's own paths that lie under `places` (outermost only), each opened O_PATH before the places are
    covered with private tmpfs mounts."""
    inside = sorted(p for p in _python_paths() if os.path.exists(p) and any(p.startswith(d + "/") for d in places))
    outermost = [p for i, p in enumerate(inside) if not any(p.startswith(q + "/") for q in inside[:i])]
    return {p: os.open(p, os.O_PATH) for p in outermost}


def _restore_read_only(hidden: dict[str, int]) -> None:
    """Bind Python's paths back, read-only, into the private tmpfs mounts. The directories leading to them are
    root's (0755): programs can neither write beside them nor into them, and the wipe after each run skips
    them (`_KEEP`)."""
    for path, fd in hidden.items():
        os.makedirs(os.path.dirname(path), mode=0o755, exist_ok=True)
        if os.path.isdir(f"/proc/self/fd/{fd}"):
            os.mkdir(path)
        else:
            open(path, "w").close()
        _mount(f"/proc/self/fd/{fd}", path, None, MS_BIND | MS_REC, None)
        _mount(None, path, None, MS_REMOUNT | MS_BIND | MS_RDONLY, None)
        os.close(fd)
        place = next(d for d in PRIVATE_TMP if path.startswith(d + "/"))
        _KEEP.add(os.path.join(place, path[len(place) + 1 :].split("/")[0]))


def _isolate_tree_mode() -> tuple[list[str], list[str]]:
    """Unprivileged: an empty network namespace through a user namespace, where the kernel allows one.
    /tmp and friends are the user's own here: nothing is private to wipe."""
    uid, gid = os.getuid(), os.getgid()
    if libc.unshare(CLONE_NEWUSER | CLONE_NEWNET | CLONE_NEWIPC) != 0:
        return [], []
    for name, text in (("uid_map", f"{uid} {uid} 1"), ("setgroups", "deny"), ("gid_map", f"{gid} {gid} 1")):
        with open(f"/proc/self/{name}", "w") as f:
            f.write(text)
    return ["netns", "ipcns"], []


def _container_scratch() -> tuple[list[str], list[str]]:
    """Inside our own container (we are its pid 1): its writable tmpfs mounts are ours alone to wipe."""
    if os.getpid() != 1:
        raise RuntimeError("--mode container must run as pid 1 of its own container")
    return [], [path for path in PRIVATE_TMP if os.path.ismount(path) and os.access(path, os.W_OK)]


# ---------------------------------------------------------------------------------------------- the child
def _capped(value: int, cap: int) -> int:
    inf = resource.RLIM_INFINITY
    return value if cap == inf else cap if value == inf else min(value, cap)


def _set_limits(req: dict, mode: str) -> None:
    """rlimits of the child, never above the hard limits the server itself was given (a container's)."""
    cpu_s = -(-req["time_ms"] // 1000) + 1  # backstop only: the server samples CPU time to the millisecond
    address_space = (req["memory_kb"] + AS_SLACK_KB) * 1024
    wanted = {
        resource.RLIMIT_CPU: (cpu_s, cpu_s + 1),  # SIGXCPU at the soft limit, SIGKILL at the hard one
        resource.RLIMIT_AS: (address_space, address_space),
        resource.RLIMIT_FSIZE: (req["output_kb"] * 1024 + 1,) * 2,  # one byte over the cap tells truncation
        resource.RLIMIT_NOFILE: (NOFILE, NOFILE),
        resource.RLIMIT_CORE: (0, 0),
        resource.RLIMIT_STACK: (resource.RLIM_INFINITY, resource.RLIM_INFINITY),
    }
    if mode == "uid":  # NPROC counts per real uid across the machine: only meaningful for a uid of our own
        wanted[resource.RLIMIT_NPROC] = (NPROC, NPROC)
    for lim, (soft, hard) in wanted.items():
        hard = _capped(hard, resource.getrlimit(lim)[1])
        resource.setrlimit(lim, (_capped(soft, hard), hard))


def _program_defaults(workdir: str) -> None:
    """What every child needs that is the same for all runs, set once in the server (the child inherits it):
    a forked child then does less (measured: clearing and filling os.environ alone cost ~0.5 ms per child)."""
    os.environ.clear()
    os.environ.update(PATH=CHILD_PATH, HOME=workdir, LANG="C.UTF-8", **THREAD_VARS)
    sys.argv = ["Main.py"]
    signal.signal(signal.SIGXFSZ, signal.SIG_DFL)  # Python ignores it; a program is killed at the output cap
    libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)  # inherited: setuid binaries never give programs privileges


def _child_setup(req: dict, mode: str, uid: int | None, workdir: str, fds: tuple[int, int, int, int]) -> None:
    """Runs in the forked child, as root in uid mode; ends with the unprivileged program environment."""
    os.setsid()  # own session and process group: the program's signals and terminal stay its own
    for target, fd in enumerate(fds):
        os.dup2(fd, target)
    os.closerange(4, 1 << 20)  # the protocol pipes and everything else of the server
    _set_limits(req, mode)
    if uid is not None:
        os.setgroups([])
        os.setresgid(uid, uid, uid)
        os.setresuid(uid, uid, uid)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)  # set after setuid, which clears it
    libc.prctl(PR_SET_DUMPABLE, 1, 0, 0, 0)  # setuid (and the server) made it 0; /proc/self, /dev/stdin need 1
    os.chdir(workdir)
    sys.path.insert(0, workdir)  # the script's directory, as for `python3 Main.py`
    sys.stdin = sys.__stdin__ = open(0, "r", encoding="utf-8", closefd=False)
    sys.stdout = sys.__stdout__ = open(1, "w", encoding="utf-8", closefd=False)
    sys.stderr = sys.__stderr__ = open(2, "w", encoding="utf-8", errors="backslashreplace", closefd=False,
                                       buffering=1)
    atexit._clear()  # only the program's own exit handlers run


def _exit_code(code: object) -> int:
    """What `python3` exits with for SystemExit(code)."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code & 0xFF
    print(code, file=sys.stderr)
    return 1


def _finish(code: int) -> None:
    """Python's shutdown order: wait for non-daemon threads, run atexit handlers, flush stdio (a failed flush
    exits 120, like Py_FinalizeEx), then leave without running the server's own clean-up."""
    try:
        threading._shutdown()  # type: ignore[attr-defined]
        atexit._run_exitfuncs()
    except BaseException:
        pass  # atexit already printed its errors; a SystemExit in a handler changes nothing here
    for stream in dict.fromkeys((sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__)):  # programs swap them
        try:
            if stream is not None and not stream.closed:
                stream.flush()
        except BaseException:
            code = 120
    os._exit(code)


def _child(req: dict, mode: str, uid: int | None, workdir: str, fds: tuple[int, int, int, int]) -> None:
    """Never returns. Reports on fd 3 whether the program compiled, then runs it as `python3 Main.py`."""
    try:
        _child_setup(req, mode, uid, workdir, fds)
        main_path = os.path.join(workdir, "Main.py")
        try:
            code = compile(req["code"], main_path, "exec", dont_inherit=True)
        except BaseException as e:  # SyntaxError, ValueError (null bytes), RecursionError, MemoryError
            message = "".join(traceback.format_exception_only(type(e), e))
            os.write(3, COMPILE_FAILED + message.encode(errors="replace")[-4000:])
            os._exit(1)
        os.write(3, b"R")
        os.close(3)
        main = types.ModuleType("__main__")
        main.__dict__.update(__file__=main_path, __builtins__=__builtins__, __spec__=None, __loader__=None)
        sys.modules["__main__"] = main
    except BaseException as e:
        os.write(3, SETUP_FAILED + repr(e).encode(errors="replace")[:2000])
        os._exit(1)
    try:
        exec(code, main.__dict__)
        status = 0
    except SystemExit as e:
        status = _exit_code(e.code)
    except BaseException:
        etype, value, tb = sys.exc_info()
        value = value.with_traceback(tb.tb_next)  # the traceback starts at Main.py, as under python3
        sys.excepthook(etype, value, value.__traceback__)
        status = 1
    _finish(status)


# ---------------------------------------------------------------------------------------------- waiting
def _sample(pid: int) -> tuple[float, int]:
    """(CPU ms, RSS KB) of a running process, from /proc; (0, 0) once it has exited."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            fields = f.read().rsplit(b")", 1)[1].split()
        with open(f"/proc/{pid}/statm", "rb") as f:
            rss_pages = int(f.read().split()[1])
    except (OSError, IndexError, ValueError):
        return 0.0, 0
    ticks = int(fields[11]) + int(fields[12])  # utime + stime (fields 14 and 15 of stat)
    return ticks * 1000 / CLOCK_TICKS, rss_pages * PAGE_KB


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024


def _wait(pid: int, req: dict, start: float) -> tuple[int, "resource.struct_rusage", str, int]:
    """Wait for the child, killing it at the CPU, wall or memory limit. Returns (wait status, rusage, why we
    killed it or "", highest RSS seen while sampling)."""
    deadline = start + (req["time_ms"] * WALL_FACTOR + WALL_SLACK_MS) / 1000
    pidfd = os.pidfd_open(pid)
    killed, peak_kb = "", 0
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                killed = "wall"
            elif select.select([pidfd], [], [], min(POLL_S, left))[0]:
                break
            else:
                cpu_ms, rss_kb = _sample(pid)
                peak_kb = max(peak_kb, rss_kb)
                killed = "cpu" if cpu_ms > req["time_ms"] else "memory" if rss_kb > req["memory_kb"] else ""
            if killed:
                os.kill(pid, signal.SIGKILL)  # still our unreaped child: the pid cannot have been reused
                break
    finally:
        os.close(pidfd)
    _, status, usage = os.wait4(pid, 0)
    return status, usage, killed, peak_kb


# ---------------------------------------------------------------------------------------------- clean-up
def _children() -> list[int]:
    me = os.getpid()
    with open(f"/proc/{me}/task/{me}/children") as f:
        return [int(p) for p in f.read().split()]


def _kill_leftovers(mode: str, uid: int | None) -> None:
    """Kill every process the program left (daemons, setsid'd grandchildren, fork bombs) and reap them.

    We are a child subreaper (or pid 1), so every process the program left is in our subtree and, once the
    program has been reaped, the top of each remaining subtree is our child: no children, nothing to kill
    (the usual case, and it saves a fork)."""
    if not _children():
        return
    if mode == "uid":
        helper = os.fork()
        if helper == 0:
            try:
                kill_uid(uid)
            finally:
                os._exit(0)
    elif mode == "container":
        os.kill(-1, signal.SIGKILL)  # everything in the container but this server (pid 1)
    else:
        _kill_descendants()
    while True:  # the leftovers are our children now: reap them all
        try:
            os.waitpid(-1, 0)
        except ChildProcessError:
            return


def _kill_descendants() -> None:
    """tree mode: kill our children until none is left; orphans of killed ones are re-parented to us."""
    while pids := _children():
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        for pid in pids:
            try:
                os.waitpid(pid, 0)
            except ChildProcessError:
                pass


def _remove(path: str) -> None:
    """Remove a file or a tree a program built: any depth (fd-relative, so no path grows past PATH_MAX) and
    any permissions (a program may chmod 0 its directories; they are ours or we are root)."""
    if not os.path.isdir(path) or os.path.islink(path):
        os.unlink(path)
        return
    top = os.open(os.path.dirname(path), os.O_RDONLY | os.O_DIRECTORY)
    stack = [[top, os.path.basename(path), None]]  # [fd of parent, name, fd of the directory once opened]
    while stack:
        entry = stack[-1]
        parent, name, fd = entry
        if fd is not None:  # back here: everything below it is gone
            os.close(fd)
            os.rmdir(name, dir_fd=parent)
            stack.pop()
            continue
        os.chmod(name, 0o700, dir_fd=parent)
        entry[2] = fd = os.open(name, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=parent)
        with os.scandir(fd) as entries:
            for child in entries:
                if child.is_dir(follow_symlinks=False):
                    stack.append([fd, child.name, None])
                else:
                    os.unlink(child.name, dir_fd=fd)
    os.close(top)


def _wipe_tmp(scratch: list[str], work_root: str) -> None:
    """After each run: empty `scratch` (only ever tmpfs mounts private to this worker: the ones the uid mode
    mounted in its own namespace, or the container's; never a host's /tmp) and make work_root an empty
    directory again (in container mode programs share our uid, so they may have removed, replaced or
    chmod'ed it)."""
    for place in scratch:
        for entry in os.scandir(place):
            if entry.path != work_root and entry.path not in _KEEP:
                _remove(entry.path)
    if os.path.islink(work_root) or os.path.exists(work_root) and not os.path.isdir(work_root):
        _remove(work_root)
    if not os.path.isdir(work_root):
        os.mkdir(work_root)
    os.chmod(work_root, 0o711)  # the sandbox uid may enter its work dir, not list what else is there
    for entry in os.scandir(work_root):
        _remove(entry.path)


# ---------------------------------------------------------------------------------------------- one run
def _verdict(req: dict, status: int, usage, killed: str, peak_kb: int, out_size: int, err_tail: bytes) -> tuple:
    """(status, exit code, error) from how the child ended. Order: memory, time, output, then exit status."""
    cpu_ms = (usage.ru_utime + usage.ru_stime) * 1000
    sig = os.WTERMSIG(status) if os.WIFSIGNALED(status) else 0
    code = os.WEXITSTATUS(status) if os.WIFEXITED(status) else None
    last = next((ln for ln in reversed(err_tail.decode(errors="replace").splitlines()) if ln.strip()), "")[:300]
    cap_kb = req["output_kb"]
    if killed == "memory" or peak_kb > req["memory_kb"]:
        return "Memory Limit Exceeded", code, f"peak RSS {peak_kb} KB > {req['memory_kb']} KB"
    if killed in ("cpu", "wall") or sig == signal.SIGXCPU or cpu_ms > req["time_ms"]:
        what = "wall-clock" if killed == "wall" else "CPU"
        return "Time Limit Exceeded", code, f"{what} time limit {req['time_ms']} ms exceeded"
    if out_size > cap_kb * 1024 or sig == signal.SIGXFSZ:
        return "Output Limit Exceeded", code, f"output exceeded {cap_kb} KB"
    if last.startswith("MemoryError"):  # the address-space backstop was hit
        return "Memory Limit Exceeded", code, last
    if sig:
        name = signal.Signals(sig).name if sig in signal.Signals._value2member_map_ else f"signal {sig}"
        return "Runtime Error", code, f"killed by {name}" + (f" ({last})" if last else "")
    if code != 0:
        return "Runtime Error", code, last or f"exit code {code}"
    return "OK", code, ""


def run_one(req: dict, mode: str, uid: int | None, work_root: str, workdir: str) -> dict:
    """Run one program on one input; returns the response frame. Raises only for failures of the server."""
    os.mkdir(workdir, 0o700)
    with open(os.path.join(workdir, "Main.py"), "w", encoding="utf-8", errors="surrogatepass") as f:
        f.write(req["code"])
    if uid is not None:
        os.chown(workdir, uid, uid)
    files = [tempfile.TemporaryFile(dir=work_root) for _ in range(3)]  # stdin, stdout, stderr: unlinked
    if uid is not None:  # the program's own: reopening /dev/stdin (/proc/self/fd/0) checks the owner
        for f in files:
            os.fchown(f.fileno(), uid, uid)
    files[0].write(base64.b64decode(req["stdin"]))
    files[0].seek(0)
    status_r, status_w = os.pipe()
    start = time.monotonic()
    pid = os.fork()
    if pid == 0:
        _child(req, mode, uid, workdir, (*[f.fileno() for f in files], status_w))
    os.close(status_w)
    try:  # the work dir is removed by _wipe_tmp, after every run (whatever the program did to it)
        status, usage, killed, peak_kb = _wait(pid, req, start)
        wall_ms = (time.monotonic() - start) * 1000
        _kill_leftovers(mode, uid)
        report = os.read(status_r, 8192)
    finally:
        os.close(status_r)
    cap = req["output_kb"] * 1024
    out_fd, err_fd = files[1].fileno(), files[2].fileno()
    out_size, err_size = os.fstat(out_fd).st_size, os.fstat(err_fd).st_size
    stdout = os.pread(out_fd, cap, 0)
    stderr = os.pread(err_fd, STDERR_TAIL, max(0, err_size - STDERR_TAIL))
    for f in files:
        f.close()
    peak_kb = max(peak_kb, usage.ru_maxrss)
    result = dict(stdout_truncated=out_size > cap, wall_ms=wall_ms, peak_memory_kb=peak_kb,
                  cpu_ms=(usage.ru_utime + usage.ru_stime) * 1000)
    if report[:1] == SETUP_FAILED or not report:
        raise RuntimeError(f"child set-up failed: {report[1:].decode(errors='replace') or 'no report'}")
    if report[:1] == COMPILE_FAILED:
        error = report[1:].decode(errors="replace").strip().splitlines()
        verdict = ("Compile Error", 1, error[-1] if error else "SyntaxError")
        stderr = report[1:]
    else:
        verdict = _verdict(req, status, usage, killed, peak_kb, max(out_size, err_size), stderr)
    status_text, exit_code, error = verdict
    return dict(result, status=status_text, exit_code=exit_code, error=error,
                stdout=base64.b64encode(stdout).decode(), stderr=base64.b64encode(stderr).decode())


# ---------------------------------------------------------------------------------------------- main
def serve(mode: str) -> None:
    for name in PRELOAD:
        __import__(name)
    compile("pass", "<warm-up>", "exec")  # builds the ~100 AST node types once here, not in every child
    gc.freeze()  # a collection in a child then never walks (and copies on write) the server's objects
    proto_in, proto_out = _claim_stdio()
    libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)  # orphans of programs come back to us for clean-up
    libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)  # programs of the same uid (container, tree) cannot ptrace us
    isolate = {"uid": _isolate_uid_mode, "tree": _isolate_tree_mode, "container": _container_scratch}[mode]
    isolation, scratch = isolate()  # scratch: the private tmpfs mounts wiped after every run
    uid = UID_BASE + os.getpid() if mode == "uid" else None
    work_root = tempfile.mkdtemp(prefix="coderl-sandbox-")
    _wipe_tmp(scratch, work_root)
    workdir = os.path.join(work_root, "work")  # the same path every run: HOME is set once
    _program_defaults(workdir)
    if resource.getrlimit(resource.RLIMIT_STACK)[0] == resource.RLIM_INFINITY:
        isolation.append("unlimited-stack")
    _send(proto_out, {"hello": HARNESS_VERSION, "mode": mode, "uid": uid, "isolation": isolation})
    while True:
        req = _recv(proto_in)
        if req is None:  # the host closed the pipe
            break
        try:
            resp = run_one(req, mode, uid, work_root, workdir)
        except Exception as e:  # a failure of the sandbox, never of the program: the host retries elsewhere
            resp = {"sandbox_error": f"{type(e).__name__}: {e}"}
        _wipe_tmp(scratch, work_root)
        _send(proto_out, resp)
    _remove(work_root)


def kill_uid(uid: int) -> None:
    """Kill every process of a sandbox uid: as that uid, kill(-1) signals exactly its processes, and it holds
    the task list lock, so nothing forks past it. Also `harness.py --kill-uid N`, the host's clean-up after it
    had to kill a hung worker."""
    if uid < UID_BASE:  # never a real user's (or root's) processes
        raise ValueError(f"uid {uid} is not a sandbox uid (>= {UID_BASE})")
    os.setresuid(uid, uid, uid)
    os.kill(-1, signal.SIGKILL)
    os.kill(-1, signal.SIGKILL)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--kill-uid"]:
        kill_uid(int(sys.argv[2]))
    elif sys.argv[1:2] == ["--mode"] and sys.argv[2] in ("uid", "container", "tree"):
        if sys.argv[2] == "container" and os.getpid() != 1:  # kill(-1) would reach the user's other processes
            sys.exit("harness.py: --mode container must run as pid 1 of its own container")  # (checked again)
        _raise_stack_limit()
        serve(sys.argv[2])
    else:
        sys.exit("usage: harness.py --mode uid|container|tree | --kill-uid UID")
