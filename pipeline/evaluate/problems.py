"""The evaluated problems: those of the evaluation splits with tests of the judged sources (a seeded subset with
evaluate.max_problems), and their difficulty buckets in order. Online RL picks its train problems the same way."""
from __future__ import annotations

import logging
import math
from collections import defaultdict
from typing import Sequence

import numpy as np

from pipeline import tables
from pipeline.hashing import stable_hash
from pipeline.params import EvaluateParams, ExecuteParams

log = logging.getLogger(__name__)


def select_problems(problems: "tables.pa.Table", prm: EvaluateParams, exec_prm: ExecuteParams,
                    seed: int) -> list[dict]:
    """Problems of the evaluation splits that have tests of the judged sources, sorted by id; with
    max_problems, the first ones by a stable hash of (seed, problem_id) (a seeded, reproducible subset)."""
    rows = [r for r in problems.to_pylist() if r["split"] in prm.splits]
    judged = [r for r in rows if any(t["source"] in exec_prm.test_sources for t in r["tests"])]
    if len(judged) < len(rows):
        log.warning("evaluate: %d problems of %s have no tests of sources %s and are left out",
                    len(rows) - len(judged), list(prm.splits), list(exec_prm.test_sources))
    if prm.max_problems:
        judged.sort(key=lambda r: stable_hash(seed, r["problem_id"]))
        judged = judged[: prm.max_problems]
    return sorted(judged, key=lambda r: r["problem_id"])


def difficulty_order(problems: Sequence[dict]) -> list[str]:
    """Bucket names easiest first: by the mean CodeNet acceptance rate of their problems (buckets without a
    rate, such as "unknown", last)."""
    rates: dict[str, list[float]] = defaultdict(list)
    for p in problems:
        rate = p["acceptance_rate"]
        rates[p["difficulty"]] += [] if rate is None or math.isnan(rate) else [rate]
    return sorted(rates, key=lambda b: (not rates[b], -np.mean(rates[b]) if rates[b] else 0.0, b))
