"""Fixtures of the evaluate tests: a two-problem problems table (the tokenizer and the tiny model come from
tests/conftest.py)."""
from __future__ import annotations

from pathlib import Path

import pytest

from pipeline import tables


def problem(pid: str, split: str, difficulty: str, rate: float, tests: list[tuple[str, str]],
            statement: str, time_limit_ms: int | None = 1000) -> dict:
    return {
        "problem_id": pid, "name": pid, "dataset": "AIZU", "time_limit_ms": time_limit_ms,
        "memory_limit_kb": None, "statement": statement,
        "tests": [{"input": i, "output": o, "source": "derived" if k == 0 else "statement"}
                  for k, (i, o) in enumerate(tests)],
        "num_submissions": 10, "num_accepted": int(rate * 10), "acceptance_rate": rate,
        "difficulty": difficulty, "split": split,
    }


SUM_STATEMENT = "Read two integers a and b on one line and print a + b."
REVERSE_STATEMENT = "Read a line of words and print the words in reverse order, separated by single spaces."


@pytest.fixture()
def problems_path(tmp_path) -> Path:
    """Two test-split problems (an easy and a hard one) written with tables.write_table."""
    rows = [
        problem("p00001", "test", "easy", 0.7, [("1 2\n", "3\n"), ("10 -4\n", "6\n")], SUM_STATEMENT),
        problem("p00002", "test", "hard", 0.25, [("a b c\n", "c b a\n"), ("x\n", "x\n")], REVERSE_STATEMENT,
                time_limit_ms=None),
        problem("p00003", "train", "easy", 0.8, [("1\n", "1\n")], "Print the input."),
    ]
    path = tmp_path / "problems.parquet"
    tables.write_table(tables.from_rows(rows, tables.PROBLEMS), path, tables.PROBLEMS)
    return path
