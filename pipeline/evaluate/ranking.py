"""Ranking accuracy: does the model give a correct program a higher likelihood than an incorrect one?

A 135M model on a CPU solves almost no real problem, so pass@k cannot move at that scale; what offline RL on
human programs should teach first is which of two programs for a problem is the correct one, and that needs
forward passes only. For the evaluated problems:

- pairs (correct, incorrect) of programs of the same problem: Accepted vs any other judged verdict in the rewards
  table (a Sandbox Error is no verdict of the program and is left out), each program de-duplicated per problem
  by its whitespace-normalised code; with ``ranking_pairing = same_user`` only pairs by one user (on RunBugRun
  data: a user's buggy program and its fix); at most ``ranking_pairs_per_problem`` pairs per problem, a seeded
  sample (stable per problem);
- the score of a program: its log-likelihood as a completion of the problem's prompt, in the training format
  (``train.batches.encode``: rendered prompt, fenced program, EOS), summed over its tokens and per token;
- accuracy: the share of pairs where the correct program scores higher (a tie counts one half), pooled over all
  pairs, with a 95% percentile bootstrap interval that resamples problems (pairs of one problem are not
  independent); and the mean log-likelihood margin (correct - incorrect), summed and per token.

Scoring is batched and exact: ``train.batches.collate`` packs the programs of one problem behind one copy of the prompt,
each distinct program is scored once however many pairs it is in, and no text is generated.
"""
from __future__ import annotations

import hashlib
import itertools
import logging
from contextlib import nullcontext
from dataclasses import dataclass
from typing import Sequence

import numpy as np
import pandas as pd
import torch

from pipeline.codenet import normalise_code
from pipeline.params import EvaluateParams
from pipeline.prompt import build_prompt
from pipeline.train.batches import Runtime, encode
from pipeline.train.loss import completion_logits, token_logprobs

log = logging.getLogger(__name__)

ACCEPTED = "Accepted"
NOT_A_VERDICT = ("Sandbox Error",)  # the sandbox failed, not the program


@dataclass(frozen=True)
class Pair:
    problem_id: str
    correct: int  # index into the programs list of ``build_pairs``
    incorrect: int


def problem_rng(seed: int, problem_id: str) -> np.random.Generator:
    """One generator per problem (stable hash): a problem's pairs do not change when others are added."""
    digest = hashlib.sha256(f"{seed}:ranking:{problem_id}".encode()).digest()
    return np.random.default_rng(int.from_bytes(digest[:8], "big"))


def build_pairs(problems: Sequence[dict], rewards: pd.DataFrame, submissions: pd.DataFrame,
                prm: "EvaluateParams", seed: int) -> tuple[list[dict], list[Pair]]:
    """The programs to score and the pairs over them (see the module docstring).

    problems: dicts with problem_id and statement; rewards: REWARDS columns (submission_id, verdict); submissions:
    submission_id, problem_id, user_id, code. Returns (programs: dicts with problem_id, prompt, completion,
    submission_id), pairs) in problem order; a problem with no Accepted or no other program has no pair."""
    statements = {p["problem_id"]: p["statement"] or "" for p in problems}
    judged = rewards[~rewards["verdict"].isin(NOT_A_VERDICT)][["submission_id", "verdict"]]
    df = judged.merge(submissions[["submission_id", "problem_id", "user_id", "code"]], on="submission_id")
    df = df[df["problem_id"].isin(list(statements))].sort_values(["problem_id", "submission_id"])
    programs: list[dict] = []
    pairs: list[Pair] = []
    for pid, part in df.groupby("problem_id", sort=True):
        index: dict[str, int] = {}  # normalised code -> program index (a program scored once)
        sides: dict[bool, list[tuple[int, str]]] = {True: [], False: []}  # correct? -> [(program, user)]
        for sid, verdict, user, code in part[["submission_id", "verdict", "user_id", "code"]].itertuples(index=False):
            key = normalise_code(code)
            if key not in index:
                index[key] = len(programs)
                programs.append({"problem_id": pid, "prompt": build_prompt(statements[pid]), "completion": code,
                                 "submission_id": sid})
            sides[verdict == ACCEPTED].append((index[key], user))
        candidates = sorted({(c, i) for (c, cu), (i, iu) in itertools.product(sides[True], sides[False])
                             if c != i and (prm.ranking_pairing == "all" or cu == iu)})
        cap = prm.ranking_pairs_per_problem
        if cap and len(candidates) > cap:
            keep = problem_rng(seed, pid).choice(len(candidates), size=cap, replace=False)
            candidates = [candidates[k] for k in sorted(keep)]
        pairs += [Pair(pid, c, i) for c, i in candidates]
    used = sorted({k for p in pairs for k in (p.correct, p.incorrect)})
    renumber = {old: new for new, old in enumerate(used)}
    programs = [programs[k] for k in used]
    pairs = [Pair(p.problem_id, renumber[p.correct], renumber[p.incorrect]) for p in pairs]
    return programs, pairs


@torch.no_grad()
def score_programs(model, tokenizer, programs: Sequence[dict], batch_size: int, max_length: int,
                   device) -> tuple[np.ndarray, np.ndarray]:
    """(summed log-likelihood, token count) of each program as a completion of its prompt, float64 [n] and
    int [n]; a program whose prompt + completion exceeds ``max_length`` tokens gets NaN and count 0. Batches of
    ``batch_size`` programs, a problem's programs behind one copy of its prompt."""
    rows = [{**p, "advantage": 1.0} for p in programs]
    examples, _ = encode(rows, tokenizer, 2**62, "sft")  # every row, in order; the length cut is below
    fits = [k for k, e in enumerate(examples) if len(e.ids) <= max_length]
    total = np.full(len(examples), np.nan)
    count = np.zeros(len(examples), dtype=np.int64)
    was_training = model.training
    model.eval()
    rt = Runtime(device, nullcontext, tokenizer.pad_token_id, batch_size, share_prompts=True)
    for idx, batch in rt.batches(examples, fits):
        logp = token_logprobs(completion_logits(model, batch), batch.targets)  # [N, L] float32
        sums = (logp.double() * batch.mask).sum(1).cpu().numpy()
        for row, k in enumerate(idx):
            total[k], count[k] = sums[row], examples[k].n_completion
    model.train(was_training)
    return total, count


def pair_outcomes(pairs: Sequence[Pair], total: np.ndarray, count: np.ndarray) -> dict[str, np.ndarray]:
    """Per scored pair (both programs fit): win_sum / win_token (1, 0.5 on a tie, 0) and the margins
    (correct - incorrect) summed and per token, plus each pair's problem id. Arrays of the scored pairs."""
    scored = [p for p in pairs if count[p.correct] and count[p.incorrect]]
    c = np.array([p.correct for p in scored], dtype=np.int64)
    i = np.array([p.incorrect for p in scored], dtype=np.int64)
    margin_sum = total[c] - total[i]
    margin_token = total[c] / np.maximum(count[c], 1) - total[i] / np.maximum(count[i], 1)
    win = lambda m: (m > 0) + 0.5 * (m == 0)  # noqa: E731 (a tie is a coin flip)
    return {"problem": np.array([p.problem_id for p in scored], dtype=object),
            "win_sum": win(margin_sum).astype(float), "win_token": win(margin_token).astype(float),
            "margin_sum": margin_sum, "margin_token": margin_token}


def bootstrap_interval(values: np.ndarray, groups: np.ndarray, resamples: int, seed: int,
                       level: float = 0.95) -> tuple[float, float] | None:
    """Percentile bootstrap interval of the pooled mean of ``values`` when whole groups (problems) are
    resampled with replacement: each resample draws as many problems as there are and pools their pairs.
    None with no values."""
    if not len(values):
        return None
    names, inverse = np.unique(groups.astype(str), return_inverse=True)
    sums = np.bincount(inverse, weights=values, minlength=len(names))  # [G]
    sizes = np.bincount(inverse, minlength=len(names)).astype(float)  # [G]
    rng = np.random.default_rng(seed)
    draws = rng.integers(0, len(names), size=(resamples, len(names)))  # [B, G]
    means = sums[draws].sum(1) / sizes[draws].sum(1)  # [B]
    lo, hi = np.quantile(means, [(1 - level) / 2, 1 - (1 - level) / 2])
    return float(lo), float(hi)


def summarise(outcomes: dict[str, np.ndarray], n_pairs: int, resamples: int, seed: int) -> dict:
    """The metrics block: pairs, problems, accuracy (summed and per token) with intervals, mean margins."""
    n = len(outcomes["win_sum"])
    out: dict = {"pairs": n, "pairs_too_long": n_pairs - n, "problems": int(len(set(outcomes["problem"])))}
    for kind in ("sum", "token"):
        wins = outcomes[f"win_{kind}"]
        out[f"accuracy_{kind}"] = float(wins.mean()) if n else None
        out[f"accuracy_{kind}_ci95"] = bootstrap_interval(wins, outcomes["problem"], resamples, seed)
        out[f"margin_{kind}"] = float(outcomes[f"margin_{kind}"].mean()) if n else None
    return out


def evaluate_ranking(model, tokenizer, problems: Sequence[dict], rewards: pd.DataFrame, submissions: pd.DataFrame,
                     prm: "EvaluateParams", seed: int, device) -> dict:
    """Ranking accuracy of ``model`` on the pairs of ``problems`` (module docstring): the metrics block."""
    programs, pairs = build_pairs(problems, rewards, submissions, prm, seed)
    log.info("ranking: %d pairs over %d programs of %d problems", len(pairs), len(programs),
             len({p.problem_id for p in pairs}))
    total, count = score_programs(model, tokenizer, programs, prm.ranking_batch_size, prm.ranking_max_length,
                                  device)
    block = summarise(pair_outcomes(pairs, total, count), len(pairs), prm.ranking_bootstrap, seed)
    block["programs_scored"], block["tokens_scored"] = int((count > 0).sum()), int(count.sum())
    return block
