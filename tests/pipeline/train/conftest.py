"""Fixtures of the train tests: small GROUPS tables (the tokenizer and the tiny model come from tests/conftest.py)."""
from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from pipeline import tables
from pipeline.params import TrainParams
from pipeline.prompt import build_prompt
from pipeline.train.batches import accepted_path
from tests.conftest import REPO

SUM = build_prompt("Read two integers a and b on one line and print a + b.")
REVERSE = build_prompt("Read a line of words and print them in reverse order.")

GOOD_SUM = "a, b = map(int, input().split())\nprint(a + b)\n"
BAD_SUM = "a, b = input().split()\nprint(a - b)\n"
GOOD_REV = "print(' '.join(input().split()[::-1]))\n"
BAD_REV = "print(input())\n"


def row(group: str, member: int, prompt: str, code: str, verdict: str, reward: float, advantage: float,
        split: str = "train", problem: str | None = None) -> dict:
    return {
        "group_id": group, "problem_id": problem or group.split("-")[0], "split": split, "difficulty": "easy",
        "member": member, "group_size": 2, "submission_id": f"s{abs(hash((group, member))) % 10**9:09d}",
        "verdict": verdict, "prompt": prompt, "completion": code, "reward": reward, "advantage": advantage,
    }


def groups_rows() -> list[dict]:
    """Two train groups (one good, one bad program each) and one valid group."""
    return [
        row("p00001-g0", 0, SUM, GOOD_SUM, "Accepted", 1.0, 1.0),
        row("p00001-g0", 1, SUM, BAD_SUM, "Runtime Error", -0.6, -1.0),
        row("p00002-g0", 0, REVERSE, GOOD_REV, "Accepted", 1.0, 1.0),
        row("p00002-g0", 1, REVERSE, BAD_REV, "Wrong Answer", -0.3, -1.0),
        row("p00003-g0", 0, SUM, GOOD_SUM, "Accepted", 1.0, 1.0, split="valid"),
        row("p00003-g0", 1, SUM, BAD_SUM, "Wrong Answer", -0.3, -1.0, split="valid"),
    ]


def write_groups(path: Path, rows: list[dict], extra_accepted: list[dict] = ()) -> Path:
    """groups.parquet at ``path`` and, as the groups stage does, the SFT set beside it: the Accepted rows
    (one per submission) plus ``extra_accepted`` (Accepted programs in no group)."""
    tables.write_table(tables.from_rows(rows, tables.GROUPS), path, tables.GROUPS)
    accepted = {r["submission_id"]: r for r in [*rows, *extra_accepted] if r["verdict"] == "Accepted"}
    tables.write_table(tables.from_rows(list(accepted.values()), tables.ACCEPTED), accepted_path(path),
                       tables.ACCEPTED)
    return path


@pytest.fixture()
def groups_path(tmp_path) -> Path:
    return write_groups(tmp_path / "groups.parquet", groups_rows())


def params(**overrides) -> TrainParams:
    """Small, fast, deterministic train params (no warmup, constant lr, no checkpoints unless asked)."""
    base = dict(batch_size=2, grad_accum=1, max_steps=2, warmup_ratio=0.0, min_lr_ratio=1.0, checkpoint_every=0,
                max_length=512, device="cpu")
    return dataclasses.replace(TrainParams(), **{**base, **overrides})
