"""One hostile program per test, on both backends: the verdict, and that the host is unaffected."""
from __future__ import annotations

import os
import socket
import time
import uuid
from pathlib import Path

import pytest

from sandbox import Limits, Sandbox

from .conftest import LIMITS, sandbox_pids, wait_until_no_sandbox_pids


def run(box, code: str, stdin: bytes = b"", limits: Limits = LIMITS):
    return box.run(code, stdin, limits)


def assert_host_fine(box) -> None:
    """No process of the sandbox is left and a trivial program still runs, promptly."""
    assert wait_until_no_sandbox_pids(box) == []
    start = time.monotonic()
    result = run(box, "print(6 * 7)")
    assert (result.status, result.stdout) == ("OK", b"42\n")
    assert time.monotonic() - start < 5


def test_fork_bomb(box):
    code = "import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass\n"
    result = run(box, code)
    assert result.status == "Time Limit Exceeded"
    assert_host_fine(box)


def test_thread_bomb(box):
    code = "import threading, time\nwhile True:\n    threading.Thread(target=time.sleep, args=(60,), daemon=1).start()"
    result = run(box, code)
    assert result.status == "Runtime Error"
    assert "can't start new thread" in result.error
    assert_host_fine(box)


def test_memory_bomb(box):
    result = run(box, "chunks = []\nwhile True:\n    chunks.append(b'x' * 10**6)\n")
    assert result.status == "Memory Limit Exceeded"
    assert result.peak_memory_kb > LIMITS.memory_kb
    assert result.peak_memory_kb < LIMITS.memory_kb + 512 * 1024  # stopped near the limit, not at the backstop
    assert_host_fine(box)


def test_huge_allocation_hits_the_backstop(box):
    result = run(box, "x = bytearray(10**12)")
    assert result.status == "Memory Limit Exceeded"
    assert result.error.startswith("MemoryError")
    assert_host_fine(box)


def test_output_flood(box):
    result = run(box, "while True:\n    print('x' * 999)\n")
    assert result.status == "Output Limit Exceeded"
    assert result.stdout_truncated
    assert len(result.stdout) == LIMITS.output_kb * 1024
    assert_host_fine(box)


def test_busy_loop(box):
    result = run(box, "while True:\n    pass\n")
    assert result.status == "Time Limit Exceeded"
    assert LIMITS.time_ms <= result.cpu_ms < LIMITS.time_ms + 500  # killed on CPU time, not the 1 s rlimit
    assert_host_fine(box)


def test_sleep_forever(box):
    result = run(box, "import time\ntime.sleep(10**6)\n")
    assert result.status == "Time Limit Exceeded"
    assert "wall-clock" in result.error
    assert result.wall_ms < 2 * LIMITS.time_ms + 1000 + 500
    assert_host_fine(box)


def test_network_connect_to_host_listener(box):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    listener.settimeout(0.5)
    port = listener.getsockname()[1]
    try:
        result = run(box, f"import socket\nsocket.create_connection(('127.0.0.1', {port}), timeout=1).sendall(b'hi')\n")
        with pytest.raises(socket.timeout):
            listener.accept()
    finally:
        listener.close()
    assert result.status == "Runtime Error"
    assert "Error" in result.error  # ConnectionRefusedError / OSError: Network is unreachable
    assert_host_fine(box)


def test_dns_lookup(box):
    result = run(box, "import socket\nprint(socket.getaddrinfo('example.com', 80))\n")
    assert result.status == "Runtime Error"
    assert "gaierror" in result.error
    assert_host_fine(box)


def test_write_outside_work_dir(box, open_dir):
    tmp_target = Path("/tmp") / f"sandbox-escape-{uuid.uuid4().hex}"
    targets = [open_dir / "escaped.txt", tmp_target, Path("/var/tmp") / tmp_target.name]
    code = (
        "written = 0\n"
        f"for path in {[str(t) for t in targets]!r}:\n"
        "    try:\n"
        "        open(path, 'w').write('escaped')\n"
        "        written += 1\n"
        "    except OSError:\n"
        "        pass\n"
        "open('inside.txt', 'w').write('fine')  # its own work dir is writable\n"
        "print(open('inside.txt').read())\n"
    )
    result = run(box, code)
    assert (result.status, result.stdout) == ("OK", b"fine\n")
    assert [t for t in targets if t.exists()] == []  # /tmp writes, if any, landed in a private tmpfs
    assert_host_fine(box)


def test_reading_a_secret_from_the_environment(backend, monkeypatch):
    secret = f"coderl-secret-{uuid.uuid4().hex}"
    monkeypatch.setenv("CODERL_TEST_SECRET", secret)  # set before the workers start
    code = (
        "import os, sys\n"
        "print(dict(os.environ))\n"
        "for pid in ['self', '1', str(os.getppid())] + os.listdir('/proc'):\n"
        "    try:\n"
        "        print(open(f'/proc/{pid}/environ', 'rb').read())\n"
        "    except (OSError, ValueError):\n"
        "        pass\n"
    )
    with Sandbox(backend, workers=1) as fresh:
        result = run(fresh, code)
    assert result.status == "OK"
    assert b"PATH" in result.stdout  # it did print its environment
    assert secret.encode() not in result.stdout


def test_killing_the_parent(box, backend):
    before = list(box._workers)
    code = "import os, signal, time\nos.kill(os.getppid(), signal.SIGKILL)\ntime.sleep(0.2)\nprint('alive')\n"
    result = run(box, code)
    # local: the server runs as root, the program as another uid -> PermissionError. docker: the server is
    # pid 1 of the container, which ignores SIGKILL from inside it -> the program goes on.
    assert result.status == {"local": "Runtime Error", "docker": "OK"}[backend]
    assert box._workers == before  # no worker died or was replaced
    assert_host_fine(box)


def test_daemon_outlives_its_parent(box, open_dir):
    marker = open_dir / "daemon-was-here"
    code = (
        "import os, sys, time\n"
        "if os.fork() == 0:\n"
        "    os.setsid()\n"
        "    if os.fork() == 0:\n"
        "        print(os.getpid(), flush=True)\n"
        "        time.sleep(1)\n"
        f"        open({str(marker)!r}, 'w').write('alive')\n"
        "    os._exit(0)\n"
        "time.sleep(0.2)\n"
    )
    result = run(box, code)
    assert result.status == "OK"
    assert result.stdout.strip().isdigit()  # the daemon did start
    assert sandbox_pids(box) == [] or wait_until_no_sandbox_pids(box, 0.5) == []
    time.sleep(1.5)
    assert not marker.exists()
    assert_host_fine(box)


def test_closing_stdout(box):
    result = run(box, "import os, sys\nsys.stdout.write('lost')\nos.close(1)\n")
    assert result.status == "Runtime Error"
    assert result.exit_code == 120  # like python3: flushing stdout at exit failed
    assert_host_fine(box)


def test_non_utf8_output(box):
    raw = b"\xff\xfe\x00abc\x80\n"
    result = run(box, f"import sys\nsys.stdout.buffer.write({raw!r})\n")
    assert (result.status, result.stdout) == ("OK", raw)
    assert_host_fine(box)


def test_deep_recursion(box):
    code = "import sys\nsys.setrecursionlimit(10**6)\ndef f(n):\n    return 0 if n == 0 else 1 + f(n - 1)\n" \
           "print(f(10**5))\n"
    result = run(box, code, limits=Limits(time_ms=5000, memory_kb=1024 * 1024))
    assert (result.status, result.stdout) == ("OK", b"100000\n")


def test_deep_recursion_through_c_frames(box):
    code = (
        "import sys\nfrom functools import lru_cache\nsys.setrecursionlimit(10**6)\n"
        "@lru_cache(None)\ndef f(n):\n    return 0 if n == 0 else 1 + f(n - 1)\nprint(f(10**5))\n"
    )
    result = run(box, code, limits=Limits(time_ms=5000, memory_kb=1024 * 1024))
    assert (result.status, result.stdout) == ("OK", b"100000\n")


def test_segfault(box):
    result = run(box, "import ctypes\nctypes.string_at(0)\n")
    assert result.status == "Runtime Error"
    assert "SIGSEGV" in result.error
    assert_host_fine(box)


def test_syntax_error(box):
    result = run(box, "def f(:\n    pass\n")
    assert result.status == "Compile Error"
    assert result.error.startswith("SyntaxError")


def test_python2_print(box):
    result = run(box, "print 'hello'\n")
    assert result.status == "Compile Error"
    assert "Missing parentheses" in result.error


def test_sys_exit_3(box):
    result = run(box, "import sys\nprint('partial')\nsys.exit(3)\n")
    assert (result.status, result.exit_code, result.stdout) == ("Runtime Error", 3, b"partial\n")


def test_sys_exit_0(box):
    result = run(box, "import sys\nprint('done')\nsys.exit(0)\nprint('never')\n")
    assert (result.status, result.exit_code, result.stdout) == ("OK", 0, b"done\n")


def test_uncaught_exception_reports_its_last_line(box):
    result = run(box, "print(1 // 0)\n")
    assert (result.status, result.error) == ("Runtime Error", "ZeroDivisionError: integer division or modulo by zero")
    assert b"harness" not in result.stderr  # the traceback starts at Main.py, as under python3


@pytest.mark.skipif(os.geteuid() != 0, reason="uid mode (namespaces, sandbox uid) needs root")
def test_local_workers_are_isolated_when_root():
    with Sandbox("local", workers=1) as box:
        hello = box._workers[0].hello
    assert {"netns", "mountns", "readonly-root", "private-tmp", "uid", "unlimited-stack"} <= set(hello["isolation"])


def test_leftover_check_sees_a_running_program(box):
    """The control for every "no process left" assertion above: while a program runs, it is seen."""
    import threading

    seen = []
    runner = threading.Thread(target=run, args=(box, "import time\ntime.sleep(1)\n"))
    runner.start()
    deadline = time.monotonic() + 3
    while not seen and time.monotonic() < deadline:
        seen = sandbox_pids(box)
        time.sleep(0.02)
    runner.join()
    assert seen
    assert wait_until_no_sandbox_pids(box) == []


def test_deep_locked_directory_tree(box):
    """Removing the work dir must not fail: deeper than PATH_MAX and recursion limits, chmod 0 at the bottom."""
    code = "import os\nfor _ in range(3000):\n    os.mkdir('d')\n    os.chdir('d')\nopen('f', 'w').write('x')\n" \
           "os.chmod('.', 0)\nprint('built')\n"
    before = list(box._workers)
    result = run(box, code, limits=Limits(time_ms=5000, memory_kb=256 * 1024))
    assert (result.status, result.stdout) == ("OK", b"built\n")
    assert_host_fine(box)
    assert box._workers == before


def test_tampering_with_the_work_root(box):
    """In a container programs share the server's uid: replacing its work root must not break the next run."""
    before = list(box._workers)
    code = (
        "import os, shutil\nroot = os.path.dirname(os.getcwd())\nos.chdir('/')\ntry:\n"
        "    shutil.rmtree(root)\n    os.symlink('/proc', root)\nexcept OSError as e:  # local: root's, not ours\n"
        "    print(type(e).__name__)\n"
    )
    result = run(box, code)
    assert result.status == "OK"
    assert_host_fine(box)
    assert box._workers == before
