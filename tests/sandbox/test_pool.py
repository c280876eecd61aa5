"""Sandbox: judge, judge_many, retries after worker failures, the untrusted-response checks, the CLI."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time

import pytest

from sandbox import Job, Limits, Sandbox
from sandbox.pool import parse_result
from sandbox.workers import WorkerError

from .conftest import LIMITS

ADD = "a, b = map(int, input().split())\nprint(a + b)\n"


def test_judge_accepts_and_rejects(box):
    job = Job(ADD, (("1 2\n", "3\n"), ("5 7\n", "12\n"), ("1 1\n", "3\n")), LIMITS)
    judgement = box.judge(job)
    assert judgement.test_verdicts == ("Accepted", "Accepted", "Wrong Answer")
    assert (judgement.verdict, judgement.tests_passed, judgement.tests_total) == ("Wrong Answer", 2, 3)


def test_judge_stops_after_a_timeout(box):
    code = "n = int(input())\nwhile n:\n    pass\nprint(0)\n"
    judgement = box.judge(Job(code, (("0\n", "0\n"), ("1\n", "0\n"), ("0\n", "0\n")), LIMITS))
    assert judgement.test_verdicts == ("Accepted", "Time Limit Exceeded", "Skipped")


def test_judge_compile_error_runs_no_test(box):
    judgement = box.judge(Job("print 1\n", (("", "1\n"), ("", "1\n")), LIMITS))
    assert (judgement.verdict, judgement.test_verdicts) == ("Compile Error", ("Compile Error",) * 2)


def test_judge_without_expected_output(box):
    judgement = box.judge(Job("print(input())\n", (("x\n", None),), LIMITS))
    assert (judgement.verdict, judgement.tests_passed) == ("OK", 1)


def test_judge_many_yields_every_index_once(box):
    jobs = [Job(ADD, ((f"{i} {i}\n", f"{2 * i}\n"),), LIMITS) for i in range(10)]
    jobs[3] = Job("print(1/0)\n", (("", "1\n"),), LIMITS)
    results = dict(box.judge_many(iter(jobs)))
    assert sorted(results) == list(range(10))
    assert results[3].verdict == "Runtime Error"
    assert all(results[i].verdict == "Accepted" for i in range(10) if i != 3)


def _kill_worker_soon(worker, delay: float) -> None:
    def kill():
        time.sleep(delay)
        if hasattr(worker, "proc"):
            os.kill(worker.proc.pid, signal.SIGKILL)
        else:
            worker.container.kill()

    threading.Thread(target=kill, daemon=True).start()


def test_a_worker_dying_mid_run_is_replaced_and_the_run_retried(backend):
    with Sandbox(backend, workers=1) as box:
        first = box._workers[0]
        _kill_worker_soon(first, 0.3)
        result = box.run("import time\ntime.sleep(0.6)\nprint('done')\n", b"", Limits(2000, 262144))
        assert (result.status, result.stdout) == ("OK", b"done\n")
        assert box._workers[0] is not first


def test_sandbox_error_when_workers_keep_failing(backend):
    with Sandbox(backend, workers=1) as box:
        def broken():
            raise RuntimeError("cannot start")

        box._start = broken
        _kill_worker_soon(box._workers[0], 0.2)
        result = box.run("import time\ntime.sleep(1)\n", b"", Limits(2000, 262144))
    assert result.status == "Sandbox Error"
    assert "cannot start" in result.error or "could not start" in result.error


GOOD = {"status": "OK", "exit_code": 0, "stdout": "eA==", "stderr": "", "stdout_truncated": False,
        "wall_ms": 1.0, "cpu_ms": 1.0, "peak_memory_kb": 100, "error": ""}


def test_parse_result_accepts_a_well_formed_response():
    assert parse_result(GOOD, LIMITS).stdout == b"x"


@pytest.mark.parametrize("field, value", [
    ("status", "Accepted"), ("status", "Sandbox Error"), ("exit_code", "0"), ("stdout", "not base64!"),
    ("stdout_truncated", 1), ("peak_memory_kb", 1.5), ("error", ["x"]), ("stdout", None),
])
def test_parse_result_rejects_a_tainted_response(field, value):
    with pytest.raises(WorkerError):
        parse_result({**GOOD, field: value}, LIMITS)


def test_parse_result_rejects_oversized_stdout():
    big = {**GOOD, "stdout": "eHh4" * (LIMITS.output_kb * 1024 // 3 + 1)}  # 3 bytes per 4 characters
    with pytest.raises(WorkerError, match="stdout"):
        parse_result(big, LIMITS)


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pipeline", "sandbox", "run", *args],
                          capture_output=True, text=True, timeout=120)


def test_cli_prints_the_verdict(tmp_path):
    (tmp_path / "Main.py").write_text(ADD)
    (tmp_path / "in.txt").write_text("2 2\n")
    (tmp_path / "out.txt").write_text("5\n")
    done = _cli(str(tmp_path / "Main.py"), "--input", str(tmp_path / "in.txt"), "--expected", str(tmp_path / "out.txt"))
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert (report["status"], report["exit_code"], report["stdout_bytes"]) == ("Wrong Answer", 0, 2)


def test_cli_compares_a_non_utf8_expected_file_as_bytes(tmp_path):
    (tmp_path / "Main.py").write_text("import sys\nsys.stdout.buffer.write(bytes([0xff, 0x0a]))\n")
    (tmp_path / "in.txt").write_text("")
    (tmp_path / "same.txt").write_bytes(b"\xff\n")
    (tmp_path / "other.txt").write_bytes(b"\xfe\n")  # invalid UTF-8 too: must not pass as "the same U+FFFD"
    verdicts = []
    for name in ("same.txt", "other.txt"):
        done = _cli(str(tmp_path / "Main.py"), "--input", str(tmp_path / "in.txt"), "--expected", str(tmp_path / name))
        assert done.returncode == 0, done.stderr
        verdicts.append(json.loads(done.stdout)["status"])
    assert verdicts == ["Accepted", "Wrong Answer"]


def test_cli_prints_a_verdict_for_a_non_utf8_program(tmp_path):
    (tmp_path / "Main.py").write_bytes(b"print('\xe9')\n")  # latin-1, no coding cookie
    (tmp_path / "in.txt").write_text("")
    done = _cli(str(tmp_path / "Main.py"), "--input", str(tmp_path / "in.txt"))
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["status"] == "Compile Error" and "UTF-8" in report["error"]


def test_cli_rejects_a_bad_backend(tmp_path):
    (tmp_path / "Main.py").write_text(ADD)
    (tmp_path / "in.txt").write_text("2 2\n")
    done = _cli(str(tmp_path / "Main.py"), "--input", str(tmp_path / "in.txt"), "--backend", "cloud")
    assert done.returncode == 2
    assert "cloud" in done.stderr
