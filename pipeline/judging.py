"""How a program is judged on a problem: the one path from a problem row to a verdict row.

    problem row (problems.parquet) --problem_judging(row, exe)--> ProblemJudging: its tests (the sources in
        execute.test_sources, in the row's order), limits (the problem's, x execute.time_limit_factor; defaults
        where CodeNet has none), numeric tolerance (its execute.tolerance_overrides entry, else the error the
        statement allows, else execute.tolerance), whether whitespace counts (the judge the problem comes from)
        and the stop-after-timeout rule
    ProblemJudging.job(code) --> sandbox Job --a judge (pipeline.engine.open_judge)--> Judgement
    judgement_row(submission, judgement) --> a row of the verdicts table (tables.VERDICTS)
    judge(problem_ids, programs, problems, exe) --> the Judgements of many programs, each distinct (problem,
        program) judged once (evaluation and online RL)

The execute stage judges CodeNet's submissions this way; evaluation, online RL and test generation judge their
programs with the same rules, so a verdict means the same thing everywhere. The judge's own rules (comparison,
limits enforcement) live in the sandbox; this module only decides what the sandbox is asked.
"""
from __future__ import annotations

import re
from contextlib import nullcontext
from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterable, Sequence

from pipeline.engine import open_judge
from pipeline.params import ExecuteParams
from sandbox import Job, Judgement, Limits

if TYPE_CHECKING:
    import pyarrow as pa


def limits_for(exe: ExecuteParams, time_limit_ms: int | None, memory_limit_kb: int | None) -> Limits:
    """Sandbox limits for a problem: its own limits (CodeNet metadata), or execute's defaults where they are
    missing or 0 (some AIZU rows); the time limit times execute.time_limit_factor (this machine is not
    CodeNet's judge)."""
    time_ms = time_limit_ms if time_limit_ms and time_limit_ms > 0 else exe.default_time_limit_ms
    memory_kb = memory_limit_kb if memory_limit_kb and memory_limit_kb > 0 else exe.default_memory_limit_kb
    return Limits(
        time_ms=int(round(time_ms * exe.time_limit_factor)),
        memory_kb=int(memory_kb),
        output_kb=exe.output_limit_kb,
    )


# "... absolute or relative error from the judge's output is at most 10^{-6}", "an absolute error greater than
# 10^{-4}", "絶対誤差または相対誤差が 10^{-6} 以下", "error less than 0.0001": the bound follows the word error.
_ERROR_BOUND = re.compile(
    r"(?:error|誤差)[^\n。]{0,120}?(?:10\s*\^\s*\{?\s*[-−–‐]\s*(\d{1,2})\s*\}?|(?<![\d.])(0\.0*1)(?!\.?\d))",
    re.IGNORECASE)


def statement_tolerance(statement: str | None) -> float | None:
    """The numeric error a problem statement allows (the loosest when it states several), None when it states
    none. Real judges accept any answer within it (AtCoder, AOJ checkers for real-valued outputs)."""
    bounds = [10.0 ** -int(exponent) if exponent else float(decimal)
              for exponent, decimal in _ERROR_BOUND.findall(statement or "")]
    return max(bounds) if bounds else None


def whitespace_sensitive(dataset: str | None) -> bool:
    """Whether a problem's judge tells outputs apart by whitespace alone: AOJ does (its Presentation Error
    verdict); AtCoder compares tokens (real Accepted AtCoder programs print "AC x  3" for "AC x 3")."""
    return dataset != "AtCoder"


def tolerance_for(exe: ExecuteParams, row: dict) -> float:
    """The numeric tolerance of a problem row: its override in execute.tolerance_overrides, else the error its
    statement allows, else execute.tolerance."""
    if row["problem_id"] in exe.tolerance_overrides:
        return exe.tolerance_overrides[row["problem_id"]]
    stated = statement_tolerance(row.get("statement"))
    return exe.tolerance if stated is None else stated


@dataclass(frozen=True)
class ProblemJudging:
    """Everything the judge needs about one problem besides the program."""

    problem_id: str
    tests: tuple[tuple[str, str | None], ...]  # (input, expected output), in the row's order
    sources: tuple[str, ...]  # the source of each test (derived, statement, generated)
    limits: Limits
    tolerance: float
    stop_after_timeout: bool
    whitespace_sensitive: bool = True

    def job(self, code: str) -> Job:
        """The sandbox Job judging ``code`` on this problem. Raises ValueError when the problem has no tests
        of the judged sources (check ``tests`` first: such problems cannot be judged)."""
        return Job(code, self.tests, self.limits, self.tolerance, self.stop_after_timeout, self.whitespace_sensitive)


def problem_judging(row: dict, exe: ExecuteParams) -> ProblemJudging:
    """How programs are judged on the problem ``row`` (a row of problems.parquet) under the execute params."""
    tests = [t for t in row["tests"] if t["source"] in exe.test_sources]
    return ProblemJudging(
        problem_id=row["problem_id"],
        tests=tuple((t["input"], t["output"]) for t in tests),
        sources=tuple(t["source"] for t in tests),
        limits=limits_for(exe, row["time_limit_ms"], row["memory_limit_kb"]),
        tolerance=tolerance_for(exe, row),
        stop_after_timeout=exe.stop_after_timeout,
        whitespace_sensitive=whitespace_sensitive(row.get("dataset")),
    )


def problem_judgings(problems: "pa.Table | Iterable[dict]", exe: ExecuteParams) -> dict[str, ProblemJudging]:
    """problem_id -> ProblemJudging for a problems table (pyarrow) or an iterable of its rows (dicts)."""
    rows: Iterable[dict] = problems.to_pylist() if hasattr(problems, "to_pylist") else problems
    return {row["problem_id"]: problem_judging(row, exe) for row in rows}


def judgement_row(sub: dict, j: Judgement) -> dict:
    """A row of the verdicts table (tables.VERDICTS) for submission ``sub`` (submission_id, problem_id and
    CodeNet's status; "" for programs that have none, such as sampled ones) judged ``j``."""
    return {
        "submission_id": sub["submission_id"],
        "problem_id": sub["problem_id"],
        "verdict": j.verdict,
        "codenet_status": sub["status"],
        "tests_passed": j.tests_passed,
        "tests_total": j.tests_total,
        "test_verdicts": list(j.test_verdicts),
        "wall_ms": j.wall_ms,
        "cpu_ms": j.cpu_ms,
        "peak_memory_kb": j.peak_memory_kb,
        "error": j.error,
    }


def judge(problem_ids: Sequence[str], programs: Sequence[str], problems: "pa.Table | Iterable[dict]",
          exe: ExecuteParams, progress: bool = True, box=None) -> list[Judgement]:
    """Judge programs[i] on problem problem_ids[i] exactly as the execute stage judges submissions (its tests,
    limits x time factor, tolerance and stop-after-timeout rule); returns the Judgements in input order.

    A (problem, program) pair that occurs twice is judged once: the verdict is a function of the pair, and
    greedy or low-temperature sampling repeats programs often. ``box``: an open judge (``open_judge(exe)``)
    to reuse across calls (online RL judges every step); None opens one for this call.
    """
    from tqdm import tqdm

    per_problem = problem_judgings(problems, exe)
    keys = list(zip(problem_ids, programs))
    unique = list(dict.fromkeys(keys))
    jobs = [per_problem[pid].job(program) for pid, program in unique]
    results: list = [None] * len(jobs)
    with open_judge(exe) if box is None else nullcontext(box) as box:
        for index, judgement in tqdm(box.judge_many(jobs), total=len(jobs), desc="judge", unit="program",
                                     disable=not progress):
            results[index] = judgement
    position = {key: i for i, key in enumerate(unique)}
    return [results[position[key]] for key in keys]
