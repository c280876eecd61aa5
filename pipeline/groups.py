"""Groups stage: pre-collected programs -> groups of G submissions per problem with RLOO / GRPO-style advantages.

Offline, a "group" plays the role of G samples of one prompt in online RLOO/GRPO: G human programs for the
same problem, whose rewards give each member a leave-one-out baseline (Anand et al. 2026, following
Ahmadian et al. 2024 "Back to Basics: Revisiting REINFORCE Style Optimization", and Shao et al. 2024, GRPO).

Construction, per problem (all knobs in params.yaml `groups`):
1. usable submissions: in the chosen splits, with a reward, Python 3 unless allow_python2, not a duplicate
   unless allow_duplicates;
2. imbalance cap: a seeded sample of at most max_submissions_per_problem of them;
3. groups: chunks of G from successive seeded permutations (so a submission may appear in several groups
   once max_groups_per_problem exceeds n // G; identical member sets are skipped), at most
   max_groups_per_problem; with `relaxed`, a problem with min_group_size <= n < G forms one smaller group;
4. with require_reward_variance, groups whose rewards are all equal carry no signal and are dropped.

Beside the groups, ``accepted.parquet`` holds the SFT set: every usable (step 1) Accepted program, before the
imbalance cap and whatever groups it ends up in (``build_accepted``). The paper's SFT baseline trains on all of
them, not on the few that sit in groups with reward variance.
"""
from __future__ import annotations

import logging
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from pipeline import tables
from pipeline.hashing import stable_int
from pipeline.params import GroupsParams, load, load_top
from pipeline.prompt import build_prompt

log = logging.getLogger(__name__)


# --------------------------------------------------------------------------------------------------
# Advantages: small pure functions on one group's rewards, shape (G,).


def rloo_advantages(rewards: np.ndarray) -> np.ndarray:
    """A_i = r_i - b_i with the leave-one-out baseline b_i = (sum_j r_j - r_i) / (G - 1)
    (Kool et al. 2019; Ahmadian et al. 2024, Eq. 6). Sums to zero over the group."""
    g = rewards.shape[0]
    if g < 2:
        raise ValueError("a leave-one-out baseline needs a group of at least 2")
    baseline = (rewards.sum() - rewards) / (g - 1)  # (G,)
    return rewards - baseline


def group_std(rewards: np.ndarray) -> float:
    """Sample standard deviation (ddof=1), as TRL's GRPO computes the group std."""
    return float(np.std(rewards, ddof=1))


def scale_advantages(advantages: np.ndarray, std: float, epsilon: float) -> np.ndarray:
    """GRPO-style normalisation (Shao et al. 2024, Eq. 3): divide by the reward std plus epsilon.
    For equal group sizes, RLOO advantage / std = G/(G-1) x GRPO's advantage; the difference matters for
    variable-size (relaxed) groups."""
    return advantages / (std + epsilon)


def clip_advantages(advantages: np.ndarray, bound: float) -> np.ndarray:
    """Advantage clipping to [-bound, bound] (the paper's future work on variance reduction); 0 = off."""
    return np.clip(advantages, -bound, bound) if bound > 0 else advantages


def has_reward_variance(rewards: np.ndarray) -> bool:
    """Whether a group carries a learning signal: at least two different rewards."""
    return not np.all(rewards == rewards[0])


def group_advantages(rewards: list[np.ndarray], prm: GroupsParams) -> list[np.ndarray]:
    """Advantages of the members of each group, given each group's rewards (shapes (G_k,)): leave-one-out
    baseline, scaled per ``advantage_scale`` (group: that group's std; batch: the std of every reward passed in,
    as TRL's scale_rewards="batch"; none), then clipped to ``advantage_clip``. The one rule for offline groups
    (this stage) and online groups (pipeline.train.online); zero-variance groups are the caller's to drop."""
    adv = [rloo_advantages(r) for r in rewards]
    if prm.advantage_scale == "group":
        adv = [scale_advantages(a, group_std(r), prm.epsilon) for a, r in zip(adv, rewards)]
    elif prm.advantage_scale == "batch" and rewards:
        std = float(np.std(np.concatenate(rewards), ddof=1))
        adv = [scale_advantages(a, std, prm.epsilon) for a in adv]
    return [clip_advantages(a, prm.advantage_clip) for a in adv]


# --------------------------------------------------------------------------------------------------
# Group construction.


def problem_rng(seed: int, problem_id: str) -> np.random.Generator:
    """A generator per problem from a stable hash: one problem's groups do not change when others are added."""
    return np.random.default_rng(stable_int(seed, "groups", problem_id))


def form_groups(members: list[str], prm: GroupsParams, rng: np.random.Generator) -> list[list[str]]:
    """Member lists for one problem (see the module docstring, steps 2-3)."""
    members = sorted(members)
    if len(members) > prm.max_submissions_per_problem:
        members = sorted(rng.choice(members, size=prm.max_submissions_per_problem, replace=False).tolist())
    n, g = len(members), prm.group_size
    if n < g:
        return [rng.permutation(members).tolist()] if prm.relaxed and n >= prm.min_group_size else []
    groups: list[list[str]] = []
    seen: set[frozenset] = set()
    # Each permutation yields n // g disjoint groups; a few extra rounds find new member sets, and stop when
    # the problem has no more distinct groups to give (small n).
    for _ in range(4 * prm.max_groups_per_problem):
        order = rng.permutation(members).tolist()
        for start in range(0, n - g + 1, g):
            group = order[start : start + g]
            key = frozenset(group)
            if key not in seen:
                seen.add(key)
                groups.append(group)
                if len(groups) == prm.max_groups_per_problem:
                    return groups
    return groups


def usable_submissions(
    rewards: pd.DataFrame, submissions: pd.DataFrame, problems: pd.DataFrame, prm: GroupsParams
) -> tuple[pd.DataFrame, Counter]:
    """Rewarded submissions joined with their code and problem, filtered as configured; counts what was cut."""
    cut: Counter = Counter()
    df = rewards.merge(
        submissions[["submission_id", "python_version", "is_duplicate", "code"]], on="submission_id", how="inner"
    ).merge(problems[["problem_id", "split", "difficulty"]], on="problem_id", how="inner")
    keep = df["split"].isin(prm.splits)
    cut["other_split"] = int((~keep).sum())
    df = df[keep]
    if not prm.allow_python2:
        keep = df["python_version"] != 2
        cut["python2"] = int((~keep).sum())
        df = df[keep]
    if not prm.allow_duplicates:
        keep = ~df["is_duplicate"]
        cut["duplicate"] = int((~keep).sum())
        df = df[keep]
    return df, cut


def build_groups(
    rewards: pd.DataFrame, submissions: pd.DataFrame, problems: pd.DataFrame, prm: GroupsParams, seed: int
) -> tuple[pd.DataFrame, dict]:
    """All groups with advantages (GROUPS columns) and a summary of what was kept and dropped."""
    df, cut = usable_submissions(rewards, submissions, problems, prm)
    by_id = df.set_index("submission_id")
    statements = problems.set_index("problem_id")["statement"]
    dropped: Counter = Counter()
    kept: list[tuple[str, str, int, list[str], np.ndarray]] = []  # (problem, prompt, group index, members, rewards)
    for pid, part in df.groupby("problem_id", sort=True):
        groups = form_groups(part["submission_id"].tolist(), prm, problem_rng(seed, pid))
        if not groups:
            dropped["problems_with_too_few_submissions"] += 1
        prompt = build_prompt(statements[pid])
        for k, members in enumerate(groups):
            r = by_id.loc[members, "reward"].to_numpy(dtype=float)
            if prm.require_reward_variance and not has_reward_variance(r):
                dropped["zero_variance"] += 1
                continue
            kept.append((pid, prompt, k, members, r))
    advantages = group_advantages([r for *_, r in kept], prm)
    rows = []
    for (pid, prompt, k, members, r), adv in zip(kept, advantages):
        for m, (sid, a) in enumerate(zip(members, adv)):
            sub = by_id.loc[sid]
            rows.append(
                {
                    "group_id": f"{pid}-g{k}",
                    "problem_id": pid,
                    "split": sub["split"],
                    "difficulty": sub["difficulty"],
                    "member": m,
                    "group_size": len(members),
                    "submission_id": sid,
                    "verdict": sub["verdict"],
                    "prompt": prompt,
                    "completion": sub["code"],
                    "reward": float(r[m]),
                    "advantage": float(a),
                }
            )
    out = pd.DataFrame(rows, columns=tables.GROUPS.names)
    n_groups = out["group_id"].nunique()
    formed = n_groups + dropped["zero_variance"]
    summary = {
        "groups": int(n_groups),
        "rows": int(len(out)),
        "members_used": int(out["submission_id"].nunique()),
        "groups_by_split": {k: int(v) for k, v in out.groupby("split")["group_id"].nunique().items()},
        "groups_by_difficulty": {k: int(v) for k, v in out.groupby("difficulty")["group_id"].nunique().items()},
        "problems_with_groups": int(out["problem_id"].nunique()),
        "dropped": {k: int(v) for k, v in sorted(dropped.items())},
        "zero_variance_fraction": dropped["zero_variance"] / formed if formed else 0.0,
        "submissions_not_used": {k: int(v) for k, v in sorted(cut.items())},
        "mean_reward": float(out["reward"].mean()) if len(out) else 0.0,
    }
    return out, summary


ACCEPTED = "Accepted"


def build_accepted(rewards: pd.DataFrame, submissions: pd.DataFrame, problems: pd.DataFrame,
                   prm: GroupsParams) -> pd.DataFrame:
    """The SFT set (ACCEPTED columns): the usable submissions (``usable_submissions``) judged Accepted, ordered by
    problem and submission id. De-duplication follows allow_duplicates as for groups (training de-duplicates
    again by normalised code, ``train.select_rows``)."""
    df, _ = usable_submissions(rewards, submissions, problems, prm)
    df = df[df["verdict"] == ACCEPTED].sort_values(["problem_id", "submission_id"])
    prompts = {pid: build_prompt(st) for pid, st in problems.set_index("problem_id")["statement"].items()
               if pid in set(df["problem_id"])}
    out = df.assign(prompt=df["problem_id"].map(prompts), completion=df["code"])
    return out[tables.ACCEPTED.names].reset_index(drop=True)


def run(prm: GroupsParams, seed: int, ingest_dir: Path, rewards_path: Path, out_dir: Path) -> dict:
    problems = tables.read_table(ingest_dir / "problems.parquet", tables.PROBLEMS).to_pandas()
    submissions = tables.read_table(
        ingest_dir / "submissions.parquet",
        tables.SUBMISSIONS,
        columns=["submission_id", "problem_id", "python_version", "is_duplicate", "code"],
    ).to_pandas()
    rewards = tables.read_table(rewards_path, tables.REWARDS).to_pandas()
    out, summary = build_groups(rewards, submissions, problems, prm, seed)
    accepted = build_accepted(rewards, submissions, problems, prm)
    summary["accepted_by_split"] = {k: int(v) for k, v in accepted.groupby("split").size().items()}
    tables.write_table(pa.Table.from_pandas(out, schema=tables.GROUPS, preserve_index=False), out_dir / "groups.parquet", tables.GROUPS)
    tables.write_table(pa.Table.from_pandas(accepted, schema=tables.ACCEPTED, preserve_index=False),
                       out_dir / tables.ACCEPTED_FILE, tables.ACCEPTED)
    tables.write_json(summary, out_dir / "summary.json")
    log.info("groups: %d groups, %d rows; dropped %s", summary["groups"], summary["rows"], summary["dropped"])
    return summary


def main(params_path: Path, ingest_dir: Path, rewards_path: Path, out_dir: Path) -> dict:
    return run(load(GroupsParams, params_path), int(load_top("seed", params_path)), ingest_dir, rewards_path, out_dir)
