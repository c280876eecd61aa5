"""Evaluation metrics: pass@k, diversity, and the summary of one model's judged samples.

Pure functions (rows of tables.SAMPLES in, a metrics dict out) so that tests compare them with brute force and
hand computation.
"""
from __future__ import annotations

import itertools
import re
from collections import Counter, defaultdict
from typing import Iterable, Sequence

import numpy as np

from sandbox.judge import ACCEPTED, VERDICTS

NGRAM_ORDERS = (1, 2, 3, 4)


# ------------------------------------------------------------------------------------------------------------
# pass@k


def pass_at_k(n: int, c: int, k: int) -> float:
    """Unbiased estimate of pass@k from ``n`` samples of which ``c`` are correct: 1 - C(n-c, k) / C(n, k).

    Chen et al. 2021, "Evaluating Large Language Models Trained on Code", eq. (1), in the numerically stable
    product form of their Figure 3 (as openai/human-eval ``estimate_pass_at_k``):
    C(n-c, k) / C(n, k) = prod_{i=n-c+1}^{n} (1 - k / i).
    Raises ValueError when k > n (the estimator needs at least k samples) or c is not in [0, n].
    """
    if not 0 <= c <= n:
        raise ValueError(f"correct count c={c} must lie in [0, n={n}]")
    if not 1 <= k <= n:
        raise ValueError(f"pass@{k} needs 1 <= k <= n samples, got n={n}")
    if n - c < k:  # every k-subset contains a correct sample
        return 1.0
    return 1.0 - float(np.prod(1.0 - k / np.arange(n - c + 1, n + 1)))


# ------------------------------------------------------------------------------------------------------------
# Diversity

_CODE_TOKEN = re.compile(r"\w+|[^\w\s]")


def code_tokens(program: str) -> list[str]:
    """Lexical tokens of a program: runs of word characters, and single other non-space characters.

    Layout and whitespace are ignored, so reindenting a program does not count as diversity; the rule also
    works on programs that do not parse (Python's tokenize does not).
    """
    return _CODE_TOKEN.findall(program)


def distinct_n(token_lists: Sequence[Sequence[str]], n: int) -> float | None:
    """Distinct-n (Li et al. 2016, "A Diversity-Promoting Objective Function for Neural Conversation Models"):
    distinct n-grams / all n-grams, pooled over the programs (n-grams never cross programs). None when the
    programs have no n-gram of that order."""
    grams = [tuple(t[i : i + n]) for t in token_lists for i in range(len(t) - n + 1)]
    return len(set(grams)) / len(grams) if grams else None


def edit_distance(a: Sequence, b: Sequence) -> int:
    """Levenshtein distance (unit insertions, deletions, substitutions) between two token sequences.

    One DP row at a time in numpy: without insertions a row is elementwise; the insertion chain
    row[j] = min(cand[j], row[j-1] + 1) unrolls to row[j] = j + min_{l<=j}(cand[l] - l), a running minimum.
    """
    if len(a) < len(b):
        a, b = b, a
    if not b:
        return len(a)
    ids: dict = {}
    ai = np.array([ids.setdefault(t, len(ids)) for t in a])
    bi = np.array([ids.setdefault(t, len(ids)) for t in b])
    j = np.arange(len(b) + 1)
    row = j.copy()
    cand = np.empty(len(b) + 1, dtype=np.int64)
    for i, tok in enumerate(ai, start=1):
        cand[0] = i
        np.minimum(row[1:] + 1, row[:-1] + (bi != tok), out=cand[1:])
        row = j + np.minimum.accumulate(cand - j)
    return int(row[-1])


def normalised_edit_distance(a: Sequence, b: Sequence) -> float:
    """Edit distance / length of the longer sequence, in [0, 1]; 0 for two empty sequences."""
    longest = max(len(a), len(b))
    return edit_distance(a, b) / longest if longest else 0.0


def mean_pairwise_edit_distance(token_lists: Sequence[Sequence[str]]) -> float | None:
    """Mean normalised edit distance over all unordered pairs; None for fewer than two programs."""
    pairs = list(itertools.combinations(token_lists, 2))
    if not pairs:
        return None
    return sum(normalised_edit_distance(a, b) for a, b in pairs) / len(pairs)


def diversity(programs: Sequence[str]) -> dict[str, float | None]:
    """Diversity of one problem's programs: distinct-1..4 and mean pairwise normalised edit distance."""
    tokens = [code_tokens(p) for p in programs]
    out: dict[str, float | None] = {f"distinct_{n}": distinct_n(tokens, n) for n in NGRAM_ORDERS}
    out["edit_distance"] = mean_pairwise_edit_distance(tokens)
    return out


def _mean_over_problems(per_problem: list[dict[str, float | None]]) -> dict[str, float | int | None]:
    """Average each diversity metric over the problems where it is defined."""
    keys = [f"distinct_{n}" for n in NGRAM_ORDERS] + ["edit_distance"]
    out: dict[str, float | int | None] = {"problems": len(per_problem)}
    for key in keys:
        values = [d[key] for d in per_problem if d[key] is not None]
        out[key] = sum(values) / len(values) if values else None
    return out


# ------------------------------------------------------------------------------------------------------------
# Summary of judged samples (pure: rows of tables.SAMPLES in, metrics dict out)


def _pass_block(problems: list[dict], ks: Sequence[int]) -> dict[str, float | int]:
    """pass@k (mean over problems of the per-problem estimate) and greedy pass@1 of a set of problems."""
    out: dict[str, float | int] = {"problems": len(problems)}
    for k in ks:
        out[f"pass@{k}"] = float(np.mean([pass_at_k(p["n"], p["c"], k) for p in problems]))
    out["greedy_pass@1"] = float(np.mean([p["greedy_ok"] for p in problems]))
    return out


def per_problem(rows: Iterable[dict]) -> list[dict]:
    """Group sample rows by problem: n, c (Accepted sampled completions), greedy_ok, split, difficulty,
    and the sampled programs with their verdicts. Fails when a problem has no greedy row."""
    grouped: dict[str, dict] = {}
    for r in rows:
        p = grouped.setdefault(
            r["problem_id"],
            {"problem_id": r["problem_id"], "split": r["split"], "difficulty": r["difficulty"],
             "n": 0, "c": 0, "greedy_ok": None, "programs": [], "verdicts": []},
        )
        if r["greedy"]:
            p["greedy_ok"] = r["verdict"] == ACCEPTED
        else:
            p["n"] += 1
            p["c"] += r["verdict"] == ACCEPTED
            p["programs"].append(r["program"])
            p["verdicts"].append(r["verdict"])
    missing = [pid for pid, p in grouped.items() if p["greedy_ok"] is None]
    if missing:
        raise ValueError(f"no greedy completion for problems {missing[:5]}")
    return [grouped[pid] for pid in sorted(grouped)]


def summarise(rows: Iterable[dict], ks: Sequence[int], difficulty_order: Sequence[str] = ()) -> dict:
    """Metrics of one model from its judged sample rows (dicts with the tables.SAMPLES columns).

    pass@1 is always reported besides ``ks``. ``difficulty_order`` lists bucket names easiest first (JSON
    keys are sorted, so the order is recorded as each bucket's ``rank``). Raises ValueError for k larger
    than a problem's n.
    """
    ks = sorted(set(ks) | {1})
    problems = per_problem(rows)
    if not problems:
        raise ValueError("no judged samples to summarise")
    metrics: dict = _pass_block(problems, ks)
    metrics["samples"] = sum(p["n"] for p in problems)

    for key, field in (("by_split", "split"), ("by_difficulty", "difficulty")):
        groups: dict[str, list[dict]] = defaultdict(list)
        for p in problems:
            groups[p[field]].append(p)
        metrics[key] = {g: _pass_block(ps, ks) for g, ps in sorted(groups.items())}
    order = list(difficulty_order) + sorted(set(metrics["by_difficulty"]) - set(difficulty_order))
    for bucket, block in metrics["by_difficulty"].items():
        block["rank"] = order.index(bucket)

    counts = Counter(v for p in problems for v in p["verdicts"])
    total = sum(counts.values())
    # Every verdict reported (0.0 when absent) so that `dvc metrics diff` compares the same keys for every model.
    metrics["verdict_rates"] = {v: counts.get(v, 0) / total for v in sorted(set(VERDICTS) | set(counts))}

    metrics["diversity"] = {
        "all": _mean_over_problems([diversity(p["programs"]) for p in problems if len(p["programs"]) >= 2]),
        # Only problems with two or more correct programs: one program says nothing about spread.
        "correct": _mean_over_problems([
            diversity([prog for prog, v in zip(p["programs"], p["verdicts"]) if v == ACCEPTED])
            for p in problems if p["c"] >= 2
        ]),
    }
    return metrics


def pass_at_k_curve(rows: Iterable[dict], n: int) -> list[dict]:
    """pass@k for every k = 1..n (mean over problems): the data of the pass@k-vs-k plot."""
    problems = per_problem(rows)
    return [
        {"k": k, "pass_at_k": float(np.mean([pass_at_k(p["n"], p["c"], k) for p in problems]))}
        for k in range(1, n + 1)
    ]
