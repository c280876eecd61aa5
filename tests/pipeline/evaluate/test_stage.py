"""The evaluate stage end to end: tiny model -> sandbox -> samples.parquet, metrics JSON, plots data."""
from __future__ import annotations

import json

import pytest

from pipeline import tables
from pipeline.evaluate import stage
from pipeline.evaluate.generate import Generated, Request
from pipeline.params import EvaluateParams, ExecuteParams
from pipeline.prompt import extract_program
from sandbox.judge import VERDICTS

PRM = EvaluateParams(n=2, k=(1, 2), max_new_tokens=8, batch_size=4)
EXEC = ExecuteParams(workers=2)


def run(tmp_path, model_dir, problems_path, name="tiny"):
    return stage.run(PRM, EXEC, 7, model_dir, name, problems_path, tmp_path / "out",
                     tmp_path / "metrics" / f"{name}.json", tmp_path / "plots" / name, progress=False)


def test_tiny_model_writes_well_formed_samples_metrics_and_plots(tmp_path, tiny_model_dir, problems_path):
    metrics, timing = run(tmp_path, tiny_model_dir, problems_path)

    samples = tables.read_table(tmp_path / "out" / "samples.parquet", tables.SAMPLES).to_pylist()
    assert len(samples) == 2 * (PRM.n + 1)  # the train-split problem is not evaluated
    assert {s["problem_id"] for s in samples} == {"p00001", "p00002"}
    assert all(s["model"] == "tiny" and s["split"] == "test" for s in samples)
    assert sum(s["greedy"] for s in samples) == 2
    assert all(s["verdict"] in VERDICTS and s["verdict"] != "Sandbox Error" for s in samples)
    assert all(s["tests_total"] == 2 and 0 <= s["tests_passed"] <= 2 for s in samples)
    assert all(1 <= s["completion_tokens"] <= PRM.max_new_tokens for s in samples)
    assert all(s["program"] == extract_program(s["completion"]) for s in samples)

    on_disk = json.loads((tmp_path / "metrics" / "tiny.json").read_text())
    assert list(on_disk) == ["tiny"]
    assert on_disk["tiny"] == json.loads(json.dumps(metrics))
    assert metrics["problems"] == 2 and metrics["samples"] == 4
    for key in ("pass@1", "pass@2", "greedy_pass@1"):
        assert 0.0 <= metrics[key] <= 1.0
    assert set(metrics["by_difficulty"]) == {"easy", "hard"}
    assert sum(metrics["verdict_rates"].values()) == pytest.approx(1.0)

    curve = json.loads((tmp_path / "plots" / "tiny" / "pass_at_k.json").read_text())
    assert [point["k"] for point in curve] == [1, 2]
    buckets = json.loads((tmp_path / "plots" / "tiny" / "pass1_by_difficulty.json").read_text())
    assert [b["difficulty"] for b in buckets] == ["easy", "hard"]  # by acceptance rate, easiest first
    assert timing.new_tokens == sum(s["completion_tokens"] for s in samples)


SUM_OK = "```python\na, b = map(int, input().split())\nprint(a + b)\n```"
SUM_WRONG = "```python\na, b = map(int, input().split())\nprint(a - b)\n```"
REVERSE_OK = "Reverse the words:\n```python\nprint(' '.join(input().split()[::-1]))\n```\nDone."
CRASH = "```python\nprint(1 // 0)\n```"
PROSE = "I am not sure how to solve this."

SCRIPT = {  # problem index -> (sampled completions, greedy completion)
    0: ([SUM_OK, SUM_WRONG], SUM_OK),
    1: ([CRASH, PROSE], REVERSE_OK),
}


def scripted_generate_all(model, tokenizer, prompts, params, seed, progress=True):
    assert len(prompts) == 2 and params.n == 2
    requests, outputs = [], []
    for problem, (sampled, greedy) in SCRIPT.items():
        for i, text in enumerate(sampled):
            requests.append(Request(problem, i, False))
            outputs.append(Generated(text, 10))
        requests.append(Request(problem, 0, True))
        outputs.append(Generated(greedy, 10))
    return requests, outputs


def test_known_completions_get_the_right_verdicts_and_pass_rates(tmp_path, tiny_model_dir, problems_path,
                                                                 monkeypatch):
    monkeypatch.setattr(stage, "generate_all", scripted_generate_all)
    metrics, timing = run(tmp_path, tiny_model_dir, problems_path, name="scripted")

    samples = tables.read_table(tmp_path / "out" / "samples.parquet", tables.SAMPLES).to_pylist()
    verdicts = {(s["problem_id"], s["greedy"], s["sample"]): s["verdict"] for s in samples}
    assert verdicts == {
        ("p00001", False, 0): "Accepted", ("p00001", False, 1): "Wrong Answer", ("p00001", True, 0): "Accepted",
        ("p00002", False, 0): "Runtime Error", ("p00002", False, 1): "Compile Error",
        ("p00002", True, 0): "Accepted",
    }
    assert metrics["pass@1"] == pytest.approx((1 / 2 + 0) / 2)
    assert metrics["pass@2"] == pytest.approx((1 + 0) / 2)
    assert metrics["greedy_pass@1"] == 1.0
    assert metrics["by_difficulty"]["easy"]["pass@1"] == pytest.approx(0.5)
    assert metrics["by_difficulty"]["hard"]["pass@1"] == 0.0
    assert metrics["verdict_rates"]["Compile Error"] == pytest.approx(0.25)
    assert metrics["verdict_rates"]["Runtime Error"] == pytest.approx(0.25)
    # SUM_OK is both a sample and the greedy completion of p00001: judged once.
    assert timing.programs_judged == 5
