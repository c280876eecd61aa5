"""Boundary mutants of Accepted programs, and candidate inputs ranked by the mutants they tell apart.

The buggy programs that pass a problem's samples and every random test are mostly off by one at a boundary:
`<` for `<=`, `range(n - 3)` for `range(n - 2)`, `K == i - 1` for `K == i` (read on real CodeNet pairs). Random
inputs rarely sit on that boundary, and a test that does is worth more than eight that do not. So, as mutation
testing does: every single-point boundary change of an Accepted program (a comparison made strict or loose, an
integer constant +-1, a `range()` bound +-1) that still passes the samples stands for such a bug, and a candidate
input on which the mutant prints something else than the Accepted program is one that catches it. Candidates
that catch a mutant no earlier candidate catches are validated first (rank()). Nothing here reads the labels
of the programs being judged: the mutants come from the validators alone.
"""
from __future__ import annotations

import ast
import dataclasses
import random
from concurrent.futures import ThreadPoolExecutor

from pipeline.judging import ProblemJudging
from pipeline.testgen.draw import LEAD_REGIMES
from sandbox import Sandbox, compare_output

_FLIP = {ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Gt: ast.GtE, ast.GtE: ast.Gt}
MAX_CONSTANT = 10 ** 6  # larger integer constants (10**9 + 7, array sizes) are not boundaries worth a mutant
MAX_SAMPLE_CPU_MS = 50  # mutants of programs slower on a sample (numpy's import alone is ~90 ms) cost too much
MUTANT_TIME_MS = 250  # a mutant's CPU limit on a small input (its loops may never end; the judge's is seconds)
MUTANT_INPUT_BYTES = 2000  # mutants run on candidates up to this size: boundaries show on small inputs
SOURCES = 4  # mutants come from this many of the fastest validators (those within MAX_SAMPLE_CPU_MS)
DRAWS = 3  # mutants drawn per one wanted: most fail a sample and stand for no bug the samples miss


def mutants(code: str) -> list[str]:
    """Every single-point boundary mutant of a Python program, as source (comments are lost), in source order;
    [] when it does not parse. Mutations: `<` <-> `<=`, `>` <-> `>=`; an integer constant (not a bool, at most
    MAX_CONSTANT) +1 and -1; a `range()` argument that is not a constant +1 and -1."""
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError):
        return []
    out, seen = [], {ast.unparse(tree)}

    def emit() -> None:
        try:
            text = ast.unparse(tree)
        except (ValueError, RecursionError):
            return
        if text not in seen:
            seen.add(text)
            out.append(text)

    for node in list(ast.walk(tree)):
        if isinstance(node, ast.Compare):
            for i, op in enumerate(node.ops):
                if type(op) in _FLIP:
                    node.ops[i] = _FLIP[type(op)]()
                    emit()
                    node.ops[i] = op
        elif (isinstance(node, ast.Constant) and type(node.value) is int and abs(node.value) <= MAX_CONSTANT):
            value = node.value
            for delta in (1, -1):
                node.value = value + delta
                emit()
            node.value = value
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "range":
            for i, arg in enumerate(node.args):
                if isinstance(arg, (ast.Constant, ast.Starred)) or (
                        isinstance(arg, ast.BinOp) and isinstance(arg.right, ast.Constant)):
                    continue  # range(n - 3): the constant's own mutants are these
                for op in (ast.Add(), ast.Sub()):
                    node.args[i] = ast.BinOp(arg, op, ast.Constant(1))
                    emit()
                node.args[i] = arg
    return out


def pick(codes: list[str], limit: int, seed: str) -> list[str]:
    """Up to `limit` mutants drawn evenly from the programs (round robin over them, each program's mutants in a
    seeded order), so that no single program's style fills the quota."""
    rng = random.Random(seed)
    pools = []
    for code in codes:
        pool = mutants(code)
        rng.shuffle(pool)
        pools.append(pool)
    out: list[str] = []
    while len(out) < limit and any(pools):
        for pool in pools:
            if pool and len(out) < limit:
                out.append(pool.pop())
    return out


def prioritise(box: Sandbox, validators: list[dict], cpu: dict[str, float], candidates: list[tuple[str, str]],
               samples: tuple, judged: ProblemJudging, limit: int, workers: int, seed_key: str
               ) -> tuple[list[tuple[str, str]], dict | None]:
    """(candidates in validation order, rank()'s counts, or None when no mutant was run: `limit` 0 or no
    validator within MAX_SAMPLE_CPU_MS). `validators`: dicts with submission_id and code; `cpu`: their CPU ms
    on the slowest sample (validate.screen)."""
    # the fastest validators: the reference, and the sources of the mutants (each is run on many inputs)
    fastest = [p["code"] for p in sorted(validators, key=lambda p: cpu.get(p["submission_id"], 0.0))
               if cpu.get(p["submission_id"], 0.0) <= MAX_SAMPLE_CPU_MS]
    if not limit or not fastest:
        return candidates, None
    living = alive(box, pick(fastest[:SOURCES], DRAWS * limit, seed_key), samples, judged)[:limit]
    return rank(box, fastest[0], living, candidates, judged, workers)


def _limits(judged: ProblemJudging, time_ms: int):
    return dataclasses.replace(judged.limits, time_ms=min(judged.limits.time_ms, time_ms))


def alive(box: Sandbox, candidates: list[str], samples: tuple, judged: ProblemJudging) -> list[str]:
    """The mutants that pass every sample test (the others stand for no bug the samples miss) within
    MAX_SAMPLE_CPU_MS, in the given order (a mutant whose loop never ends costs that much, not the judge's limit
    per sample)."""
    if not candidates or not samples:
        return []
    limits = _limits(judged, 2 * MAX_SAMPLE_CPU_MS)
    on_samples = dataclasses.replace(judged, tests=samples, limits=limits, stop_after_timeout=True)
    verdicts = dict(box.judge_many(on_samples.job(code) for code in candidates))
    return [code for i, code in enumerate(candidates)
            if verdicts[i].verdict == "Accepted" and verdicts[i].cpu_ms <= MAX_SAMPLE_CPU_MS]


def rank(box: Sandbox, reference: str, alive: list[str], candidates: list[tuple[str, str]], judged: ProblemJudging,
         workers: int) -> tuple[list[tuple[str, str]], dict]:
    """The candidates reordered for validation: the lead ones (draw.LEAD_REGIMES: maximum-size inputs catch slow
    programs) where they were, then those on which a mutant is first caught, then the others, in order. Each
    mutant is run on the candidates of at most MUTANT_INPUT_BYTES in order until one catches it: its output
    differs from the reference's under the judge's comparison, or it fails where the reference ran. `alive`:
    mutants that pass the samples. Returns the order and counts: mutants alive, caught, and candidates that
    catch one (they follow the lead ones). The order depends on the clock only where a run on a small input
    comes near MUTANT_TIME_MS (a loop that never ends times out on any machine)."""
    limits = _limits(judged, MUTANT_TIME_MS)
    tried = [i for i, (_, text) in enumerate(candidates) if len(text.encode()) <= MUTANT_INPUT_BYTES]
    with ThreadPoolExecutor(workers, thread_name_prefix="mutants") as pool:
        runs = pool.map(lambda i: box.run(reference, candidates[i][1].encode(), limits), tried if alive else [])
        expected = {i: r.stdout.decode("utf-8", errors="replace") for i, r in zip(tried, runs) if r.status == "OK"}

        def first_catch(mutant: str) -> int | None:
            for i in expected:
                got = box.run(mutant, candidates[i][1].encode(), limits)
                if got.status != "OK" or compare_output(got.stdout, expected[i], judged.tolerance,
                                                        judged.whitespace_sensitive) != "Accepted":
                    return i
            return None

        caught = list(pool.map(first_catch, alive))
    lead = [i for i, (regime, _) in enumerate(candidates) if regime in LEAD_REGIMES]
    catchers = sorted({i for i in caught if i is not None} - set(lead))
    order = lead + catchers + [i for i in range(len(candidates)) if i not in lead and i not in catchers]
    stats = {"alive": len(alive), "caught": sum(i is not None for i in caught),
             "catching_candidates": len(catchers)}
    return [candidates[i] for i in order], stats
