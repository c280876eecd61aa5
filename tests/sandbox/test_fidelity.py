"""A program behaves as under `python3 Main.py` with stdin from a file (both backends)."""
from __future__ import annotations

from sandbox import Limits

from .conftest import LIMITS

GENEROUS = Limits(time_ms=10_000, memory_kb=1024 * 1024)  # numpy/scipy imports take a while on a busy box


def test_name_is_main(box):
    result = box.run("print(__name__)\nif __name__ == '__main__':\n    print('main')\n", b"", LIMITS)
    assert result.stdout == b"__main__\nmain\n"


def test_argv(box):
    assert box.run("import sys\nprint(sys.argv)\n", b"", LIMITS).stdout == b"['Main.py']\n"


def test_input_lines(box):
    code = "n = int(input())\nprint(sum(int(input()) for _ in range(n)))\n"
    assert box.run(code, b"3\n1\n2\n3\n", LIMITS).stdout == b"6\n"


def test_stdin_read(box):
    code = "import sys\ndata = sys.stdin.read().split()\nprint(len(data), sys.stdin.buffer.read())\n"
    assert box.run(code, b"a b\nc\n", LIMITS).stdout == b"3 b''\n"


def test_input_at_eof_raises(box):
    result = box.run("input()\n", b"", LIMITS)
    assert (result.status, result.error) == ("Runtime Error", "EOFError: EOF when reading a line")


def test_atexit_handlers_run_and_their_output_counts(box):
    code = (
        "import atexit, io, sys\nbuf = io.StringIO()\nsys.stdout = buf\n"
        "atexit.register(lambda: sys.__stdout__.write(buf.getvalue()))\nprint('fast io')\n"
    )
    assert box.run(code, b"", LIMITS).stdout == b"fast io\n"


def test_non_daemon_thread_finishes_before_exit(box):
    code = (
        "import sys, threading\nsys.setrecursionlimit(10**6)\nthreading.stack_size(2**26)\n"
        "def f(n):\n    return 0 if n == 0 else 1 + f(n - 1)\n"
        "threading.Thread(target=lambda: print(f(50000))).start()\n"
    )
    result = box.run(code, b"", GENEROUS)
    assert (result.status, result.stdout) == ("OK", b"50000\n")


def test_numpy_and_scipy(box):
    code = (
        "import numpy as np\nfrom scipy.optimize import linprog\nfrom scipy.sparse.csgraph import shortest_path\n"
        "a = np.array(list(map(int, input().split())))\n"
        "print(int(a.sum()), int(np.linalg.matrix_rank(np.eye(3))))\n"
        "print(round(linprog([1, 1], A_ub=[[-1, -1]], b_ub=[-1]).fun, 6))\n"
        "print(int(shortest_path(np.array([[0, 1], [1, 0]]))[0, 1]))\n"
    )
    result = box.run(code, b"1 2 3\n", GENEROUS)
    assert (result.status, result.stdout) == ("OK", b"6 3\n1.0\n1\n"), result.error


def test_dev_stdin(box):
    code = "print(open('/dev/stdin').read().split())\n"
    assert box.run(code, b"x\ny z\n", LIMITS).stdout == b"['x', 'y', 'z']\n"


def test_open_0(box):
    code = "import sys\nsys.stdin = open(0)\nprint(input(), sys.stdin.read().split())\n"
    assert box.run(code, b"x\ny z\n", LIMITS).stdout == b"x ['y', 'z']\n"


def test_environment_is_minimal(box):
    result = box.run("import os\nprint(sorted(os.environ))\n", b"", LIMITS)
    assert result.stdout == b"['HOME', 'LANG', 'MKL_NUM_THREADS', 'OMP_NUM_THREADS', 'OPENBLAS_NUM_THREADS', 'PATH']\n"
