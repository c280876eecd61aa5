"""Validation of generated tests by the problem's Accepted programs, and the held-out cross-check.

CodeNet's Accepted programs passed the judge's hidden tests, so a generated test that one of them fails is wrong
(out of the statement's constraints, or too slow for the real limits). Per problem:
1. Split: the distinct (normalised code) Accepted Python 3 programs, in a seeded order; `heldout_fraction` of
   them (at least one when enough remain) are held out; from the rest up to `validators` are chosen for
   diversity of their code (greedy: each next one shares the fewest identifiers with those chosen).
2. Screening on the problem's own sample tests. An Accepted program that runs to the end and prints something
   the judge does not accept there means the problem accepts several answers (a special judge): no generated
   tests for it. Programs that crash or time out on a sample (another Python, a missing module) are left out.
3. A candidate is kept only when every validator finishes it within the time limit (x `max_time_fraction`)
   and memory limit and all print the same output under the judge's comparison; that output is the expected
   one. Else it is rejected with the first reason (crash, timeout, memory, slow, disagreement, sandbox_error).
4. Cross-check: the held-out programs that pass the samples are judged on the kept tests; a problem where one
   fails loses its generated tests (report.json and summary.json say which).
"""
from __future__ import annotations

import dataclasses
import hashlib
import re
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

from pipeline import codenet, params
from pipeline.judging import ProblemJudging
from sandbox import Sandbox, compare_output

GENERATED = "generated"
SAMPLE_SOURCES = ("derived", "statement")
SOURCES = SAMPLE_SOURCES + (GENERATED,)
REJECT_REASONS = ("crash", "timeout", "memory", "slow", "disagreement", "sandbox_error")
UNFINISHED = "unfinished"  # a large candidate whose validators were still running when time_budget_s ran out
SCREEN_FACTOR = 2  # diversity is chosen among at most validators x this many programs
_STATUS_REASON = {"Time Limit Exceeded": "timeout", "Memory Limit Exceeded": "memory", "Sandbox Error": "sandbox_error"}
# Output sections that say several answers are right (the judge then is a special judge).
_MANY_ANSWERS = re.compile(r"(any of them|print any|output any|if there are (multiple|several|more than one)"
                           r"|いずれを出力|どれを出力|複数存在する場合)", re.IGNORECASE)


def stable_key(seed: int, key: str) -> str:
    return hashlib.sha256(f"{seed}:{key}".encode()).hexdigest()


def split_programs(accepted: list[dict], prm: params.TestsParams, seed: int) -> tuple[list[dict], list[dict]]:
    """(validator candidates in diversity order, held-out programs) from dicts with submission_id, code,
    code_hash. Distinct code only; the split and the order are functions of the seed."""
    order, hashes = [], set()
    for sub in sorted(accepted, key=lambda s: stable_key(seed, s["submission_id"])):
        if sub["code_hash"] not in hashes:
            hashes.add(sub["code_hash"])
            order.append(sub)
    n = len(order)
    held = 0
    if prm.heldout_fraction > 0 and n > prm.min_validators:
        held = min(max(1, round(prm.heldout_fraction * n)), n - prm.min_validators)
    heldout, rest = order[:held], order[held:]
    return diverse(rest[: prm.validators * SCREEN_FACTOR]), heldout


def _identifiers(code: str) -> frozenset[str]:
    return frozenset(re.findall(r"[A-Za-z_]\w*", codenet.normalise_code(code)))


def diverse(programs: list[dict]) -> list[dict]:
    """Programs reordered so that each next one is the least similar (max over those already chosen of the
    Jaccard similarity of identifier sets) to those before it; ties keep the given (seeded) order."""
    if not programs:
        return []
    sets = [_identifiers(p["code"]) for p in programs]
    chosen, left = [0], list(range(1, len(programs)))
    nearest = [_jaccard(sets[0], sets[i]) for i in range(len(programs))]
    while left:
        best = min(left, key=lambda i: (nearest[i], i))
        left.remove(best)
        chosen.append(best)
        for i in left:
            nearest[i] = max(nearest[i], _jaccard(sets[best], sets[i]))
    return [programs[i] for i in chosen]


def _jaccard(a: frozenset, b: frozenset) -> float:
    return len(a & b) / len(a | b) if a | b else 1.0


def many_answers(statement: str) -> bool:
    """Whether the statement says several outputs are accepted."""
    return bool(_MANY_ANSWERS.search(statement or ""))


def screen(box: Sandbox, programs: list[dict], tests: tuple, judged: ProblemJudging
           ) -> tuple[list[dict], list[dict], list[dict], dict[str, float]]:
    """(pass the samples, run to the end but print a rejected output, crash or exceed a limit, the CPU ms of
    each program's slowest sample by submission_id): judged on `tests` by the problem's rules, every test run
    (no stop after a timeout)."""
    if not programs:
        return [], [], [], {}
    if not tests:
        return list(programs), [], [], {}
    on_tests = dataclasses.replace(judged, tests=tests, stop_after_timeout=False)
    verdicts = dict(box.judge_many(on_tests.job(p["code"]) for p in programs))
    ok, wrong, failed = [], [], []
    for i, p in enumerate(programs):
        v = verdicts[i].verdict
        (ok if v == "Accepted" else wrong if v in ("Wrong Answer", "WA: Presentation Error") else failed).append(p)
    return ok, wrong, failed, {p["submission_id"]: verdicts[i].cpu_ms for i, p in enumerate(programs)}


def agreed_output(outputs: list[bytes], judged: ProblemJudging) -> str | None:
    """The expected output when every output is accepted against the first one's text (the problem's
    comparison: tolerance, whitespace), else None."""
    if not outputs:
        return None
    first = outputs[0].decode("utf-8", errors="replace")
    if any(compare_output(out, first, judged.tolerance, judged.whitespace_sensitive) != "Accepted"
           for out in outputs[1:]):
        return None
    return codenet.normalise_test_text(first)


def validate_input(box: Sandbox, codes: list[str], text: str, judged: ProblemJudging,
                   prm: params.TestsParams, deadline: float | None = None) -> tuple[str, str | None]:
    """("kept", expected output) or (rejection reason, None) for one candidate input; the validators run in
    order and the first crash, limit or slow run rejects it without running the rest. Past `deadline`
    (time.monotonic()) the rest are not run: ("unfinished", None)."""
    outputs, limits = [], judged.limits
    for code in codes:
        if deadline is not None and time.monotonic() > deadline:
            return UNFINISHED, None
        result = box.run(code, text.encode(), limits)
        if result.status != "OK":
            return _STATUS_REASON.get(result.status, "crash"), None
        if result.cpu_ms > prm.max_time_fraction * limits.time_ms:
            return "slow", None
        outputs.append(result.stdout)
    expected = agreed_output(outputs, judged)
    return ("kept", expected) if expected is not None else ("disagreement", None)


def validate_candidates(box: Sandbox, codes: list[str], candidates: list[tuple[str, str]], judged: ProblemJudging,
                        prm: params.TestsParams, workers: int, leading: int = 0
                        ) -> tuple[list[dict], Counter, str | None]:
    """Validate (regime, input) candidates in order, `workers` at a time, until max_tests are kept or
    max_rejected are rejected (the draw then misses a constraint the parser did not read: a tree, a connected
    graph; more candidates would only cost time). Once time_budget_s is spent, candidates over small_input_bytes
    are no longer validated, nor finished (the small ones are cheap and always are, so which of them are kept
    does not depend on the machine's speed).

    Rare answers first: a valid test whose expected output already is that of max_same_output kept tests is set
    aside while candidates remain (a yes/no problem's eighth "No" tells less than its first "Yes": boundary bugs
    sit on the rare side), and set-aside tests fill the slots left at the end, in order; the first `leading`
    candidates (maximum-size ones, and those that catch a mutant: mutants.rank) are never set aside. Returns
    the kept tests ({input, output, source}), outcome counts (kept, surplus, rejection reasons, not_validated,
    kept_<regime>) and what stopped validation early, if anything."""
    kept, spare, counts, stopped = [], [], Counter(), None
    same: Counter = Counter()
    start = time.monotonic()
    todo = list(enumerate(candidates))
    deadline = start + prm.time_budget_s

    def small(candidate: tuple[int, tuple[str, str]]) -> bool:
        return len(candidate[1][1].encode()) <= prm.small_input_bytes

    def one(candidate: tuple[int, tuple[str, str]]) -> tuple[str, str | None]:
        return validate_input(box, codes, candidate[1][1], judged, prm, None if small(candidate) else deadline)

    with ThreadPoolExecutor(workers, thread_name_prefix="validate") as pool:
        while todo:
            if len(kept) >= prm.max_tests or sum(counts[r] for r in REJECT_REASONS) >= prm.max_rejected:
                stopped = "max_tests" if len(kept) >= prm.max_tests else "max_rejected"
                counts["not_validated"] += len(todo)
                break
            if time.monotonic() > deadline:
                cheap = [c for c in todo if small(c)]
                if len(cheap) < len(todo):
                    stopped = "time_budget"
                    counts["not_validated"] += len(todo) - len(cheap)
                    todo = cheap
                    continue
            window, todo = todo[:workers], todo[workers:]
            for (pos, (regime, text)), (outcome, expected) in zip(window, pool.map(one, window)):
                if outcome == UNFINISHED:
                    stopped = "time_budget"
                    counts["not_validated"] += 1
                elif outcome != "kept":
                    counts[outcome] += 1
                    counts[f"rejected_{regime}"] += 1
                elif len(kept) < prm.max_tests and (pos < leading or same[expected] < prm.max_same_output):
                    same[expected] += 1
                    kept.append((regime, text, expected))
                else:
                    spare.append((regime, text, expected))
    room = max(0, prm.max_tests - len(kept))
    counts["surplus"] += max(0, len(spare) - room)
    tests = []
    for regime, text, expected in kept + spare[:room]:
        counts["kept"] += 1
        counts[f"kept_{regime}"] += 1
        tests.append({"input": text, "output": expected, "source": GENERATED})
    return tests, counts, stopped


def cross_check(box: Sandbox, heldout: list[dict], tests: list[dict], judged: ProblemJudging
                ) -> tuple[int, list[str]]:
    """(how many held-out programs were judged, ids of those that fail a kept test)."""
    if not heldout or not tests:
        return 0, []
    pairs = tuple((t["input"], t["output"]) for t in tests)
    on_tests = dataclasses.replace(judged, tests=pairs)
    verdicts = dict(box.judge_many(on_tests.job(p["code"]) for p in heldout))
    return len(heldout), [heldout[i]["submission_id"] for i, j in sorted(verdicts.items()) if j.verdict != "Accepted"]
