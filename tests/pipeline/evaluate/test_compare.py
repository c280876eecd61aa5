"""`coderl compare`: metrics/eval/*.json -> one Markdown table with the models side by side."""
from __future__ import annotations

import pytest

from pipeline import tables
from pipeline.evaluate.compare import compare
from pipeline.evaluate.metrics import summarise


def metrics_of(accepted: int) -> dict:
    rows = []
    for pid, difficulty in (("p1", "easy"), ("p2", "hard")):
        for i in range(4):
            verdict = "Accepted" if i < accepted and difficulty == "easy" else "Wrong Answer"
            rows.append({"problem_id": pid, "split": "test", "difficulty": difficulty, "greedy": False,
                         "sample": i, "verdict": verdict, "program": f"print({i})"})
        rows.append({"problem_id": pid, "split": "test", "difficulty": difficulty, "greedy": True, "sample": 0,
                     "verdict": "Wrong Answer", "program": "print(0)"})
    return summarise(rows, ks=[1, 4], difficulty_order=["easy", "hard"])


def test_compare_puts_models_side_by_side_in_pipeline_order(tmp_path):
    for name, accepted in (("rloo", 3), ("base", 1), ("sft", 2)):
        tables.write_json({name: metrics_of(accepted)}, tmp_path / f"{name}.json")
    text = compare(tmp_path, tmp_path / "comparison.md")
    assert (tmp_path / "comparison.md").read_text() == text
    lines = text.splitlines()
    assert "| metric | base | sft | rloo |" in lines
    # pass@1 = (accepted/4 + 0) / 2 per model
    assert "| pass@1 | 0.125 | 0.250 | 0.375 |" in lines
    assert "| pass@4 | 0.500 | 0.500 | 0.500 |" in lines
    easy = next(i for i, line in enumerate(lines) if line.startswith("| easy"))
    hard = next(i for i, line in enumerate(lines) if line.startswith("| hard"))
    assert easy < hard  # easiest bucket first
    assert lines[easy] == "| easy (1 problems) | 0.250 | 0.500 | 0.750 |"


def test_compare_without_metrics_says_what_to_run(tmp_path):
    with pytest.raises(FileNotFoundError, match="coderl evaluate"):
        compare(tmp_path, tmp_path / "comparison.md")


def test_compare_rejects_a_foreign_json(tmp_path):
    tables.write_json({"a": 1, "b": 2}, tmp_path / "other.json")
    with pytest.raises(ValueError, match="other.json"):
        compare(tmp_path, tmp_path / "comparison.md")
