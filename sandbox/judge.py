"""Records of the sandbox API and the judge rules (pure functions: no processes here).

Any change to a rule below changes verdicts: bump HARNESS_VERSION in sandbox/harness.py with it.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass

# The verdict vocabulary, defined here only: the judge speaks CodeNet's status strings (metadata/pXXXXX.csv
# `status`), so our verdicts and CodeNet's compare directly; the pipeline imports these (the sandbox imports
# nothing from the pipeline).
ACCEPTED = "Accepted"
PRESENTATION_ERROR = "WA: Presentation Error"
WRONG_ANSWER = "Wrong Answer"
COMPILE_ERROR = "Compile Error"
RUNTIME_ERROR = "Runtime Error"
TIME_LIMIT_EXCEEDED = "Time Limit Exceeded"
MEMORY_LIMIT_EXCEEDED = "Memory Limit Exceeded"
OUTPUT_LIMIT_EXCEEDED = "Output Limit Exceeded"
# The program ran past a limit or crashed (the rewards stage's runtime failures).
RUNTIME_FAILURES = (RUNTIME_ERROR, TIME_LIMIT_EXCEEDED, MEMORY_LIMIT_EXCEEDED, OUTPUT_LIMIT_EXCEEDED)
# Every verdict a program can earn, best first.
JUDGED_VERDICTS = (ACCEPTED, PRESENTATION_ERROR, WRONG_ANSWER, COMPILE_ERROR, *RUNTIME_FAILURES)
# The sandbox, not the program, failed: never blamed on the program (no reward, never memoised).
SANDBOX_ERROR = "Sandbox Error"
VERDICTS = (*JUDGED_VERDICTS, SANDBOX_ERROR)

# How one run ended ("OK": exited normally; its output is compared next).
STATUSES = ("OK", *RUNTIME_FAILURES, COMPILE_ERROR, SANDBOX_ERROR)
PASSED = (ACCEPTED, "OK")  # "OK": the test had no expected output and the program exited 0
SKIPPED = "Skipped"
DEFAULT_TOLERANCE = 1e-6


@dataclass(frozen=True)
class Limits:
    """Per-test limits: CPU time (the wall limit is derived from it), peak RSS, and stdout size."""

    time_ms: int
    memory_kb: int
    output_kb: int = 32768

    def __post_init__(self):
        for name in ("time_ms", "memory_kb", "output_kb"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
                raise ValueError(f"Limits.{name} = {value!r}: must be a positive int")


@dataclass(frozen=True)
class ExecutionResult:
    """How one run of one program on one input ended. `error` is a short text (the last stderr line, or why
    the sandbox failed), "" when none; `stderr` is the last 8 KiB of it."""

    status: str
    exit_code: int | None
    stdout: bytes
    stderr: bytes
    stdout_truncated: bool
    wall_ms: float
    cpu_ms: float
    peak_memory_kb: int
    error: str


@dataclass(frozen=True)
class Job:
    """A program and its tests, each (input, expected output or None)."""

    code: str
    tests: tuple[tuple[str, str | None], ...]
    limits: Limits
    tolerance: float = DEFAULT_TOLERANCE
    stop_after_timeout: bool = True
    whitespace_sensitive: bool = True  # False: outputs with the same tokens are equal (compare_output)

    def __post_init__(self):
        if not self.tests:
            raise ValueError("Job.tests is empty: give at least one (input, expected or None) pair")
        if self.tolerance < 0:
            raise ValueError(f"Job.tolerance = {self.tolerance!r}: must be >= 0")


@dataclass(frozen=True)
class Judgement:
    verdict: str
    test_verdicts: tuple[str, ...]
    tests_passed: int
    tests_total: int
    wall_ms: float
    cpu_ms: float
    peak_memory_kb: int
    error: str


def sandbox_error(error: str) -> ExecutionResult:
    return ExecutionResult(SANDBOX_ERROR, None, b"", b"", False, 0.0, 0.0, 0, error)


def _normalise(text: str) -> str:
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").split("\n")]
    while lines and not lines[-1]:
        lines.pop()
    return "\n".join(lines)


_INTEGER = re.compile(r"[+-]?\d+")


def _tokens_close(got: str, want: str, tolerance: float) -> bool:
    if got == want:
        return True
    if _INTEGER.fullmatch(got) and _INTEGER.fullmatch(want):
        # Two integers are one answer or two: 10^9 + 1 is not "within 1e-6" of 10^9 (a relative tolerance
        # would accept off-by-one answers on every large count). Tolerance is for real numbers.
        return int(got) == int(want)
    try:
        a, b = float(got), float(want)
    except ValueError:
        return False
    if not (math.isfinite(a) and math.isfinite(b)):
        return False  # nan and inf only equal themselves, as text (handled above)
    diff = abs(a - b)
    return diff <= tolerance or diff <= tolerance * abs(b)


def compare_output(stdout: bytes, expected: str | bytes, tolerance: float, whitespace_sensitive: bool = True) -> str:
    """"Accepted" | "WA: Presentation Error" | "Wrong Answer" for a program's stdout against the expected text.

    Normalised (CRLF -> LF, trailing whitespace of each line and trailing blank lines dropped) equal ->
    Accepted; equal whitespace-split tokens -> Presentation Error (AOJ's rule), or Accepted when not
    `whitespace_sensitive` (AtCoder's: only the tokens count); same number of tokens, each differing
    pair numbers within `tolerance` (absolute or relative to the expected value) -> Accepted; two integers
    (no point, no exponent) must be equal.
    Expected bytes (a file of any encoding) are compared as bytes: both sides are decoded with
    surrogateescape, so invalid UTF-8 survives as itself and two different invalid bytes never compare equal."""
    if isinstance(expected, bytes):
        got, want = (_normalise(b.decode("utf-8", errors="surrogateescape")) for b in (stdout, expected))
    else:
        got, want = _normalise(stdout.decode("utf-8", errors="replace")), _normalise(expected)
    if got == want:
        return ACCEPTED
    got_tokens, want_tokens = got.split(), want.split()
    if got_tokens == want_tokens:
        return PRESENTATION_ERROR if whitespace_sensitive else ACCEPTED
    if len(got_tokens) == len(want_tokens) and all(
        _tokens_close(g, w, tolerance) for g, w in zip(got_tokens, want_tokens)
    ):
        return ACCEPTED
    return WRONG_ANSWER


def test_verdict(result: ExecutionResult, expected: str | bytes | None, tolerance: float,
                 whitespace_sensitive: bool = True) -> str:
    """The verdict of one test: the run's status unless it ended normally, then the comparison."""
    if result.status != "OK":
        return result.status
    return "OK" if expected is None else compare_output(result.stdout, expected, tolerance, whitespace_sensitive)


def summarise(verdicts: list[str], results: list[ExecutionResult], total: int) -> Judgement:
    """One Judgement from the verdicts of the tests run (in order; the rest are recorded as Skipped).

    The verdict is the first failing test's; when all pass, "Accepted", or "OK" when no test had an expected
    output (nothing was compared, so nothing can be called accepted)."""
    verdicts = verdicts + [SKIPPED] * (total - len(verdicts))
    failing = [i for i, v in enumerate(verdicts) if v not in PASSED]
    first = failing[0] if failing else None
    all_ok = bool(verdicts) and all(v == "OK" for v in verdicts)
    return Judgement(
        verdict=verdicts[first] if first is not None else "OK" if all_ok else "Accepted",
        test_verdicts=tuple(verdicts),
        tests_passed=sum(v in PASSED for v in verdicts),
        tests_total=total,
        wall_ms=max((r.wall_ms for r in results), default=0.0),
        cpu_ms=max((r.cpu_ms for r in results), default=0.0),
        peak_memory_kb=max((r.peak_memory_kb for r in results), default=0),
        error=results[first].error if first is not None and first < len(results) else "",
    )
