"""Online RLOO (pipeline/train/online.py) on a tiny random model: samples go through the real sandbox, rewards and
advantages come from the rewards and groups stages' functions, the loss is train.loss.batch_loss, a step with signal
updates the policy, a step without does not, a crash resumes exactly, and every algorithm writes a cost report.

A tiny random Llama only emits gibberish (every group Compile Errors: no signal), so the policy is made by hand
(``policy_dir``) and the tasks are chosen for it: "print nothing" problems (expected output empty) and
one-token completions. The policy's first token is close to uniform over `5`, `print` (right programs: no output,
Accepted), `x` (NameError: Runtime Error) and `(` (Compile Error), so sampled groups mix rewards as a real
policy's do, in a fraction of a second.
"""
from __future__ import annotations

import dataclasses
import json
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
import torch
from safetensors.torch import load_file

from pipeline import judging, tables
from pipeline.groups import group_advantages
from pipeline.model import load_model
from pipeline.params import (JUDGED_VERDICTS, EvaluateParams, ExecuteParams, GroupsParams, OnlineParams, ParamsError,
                             RewardsParams)
from pipeline.prompt import build_prompt, render_prompt
from pipeline.rewards import compute_rewards
from pipeline.train import loop
from pipeline.train import online as online_source
from pipeline.train.online import OnlineInputs, step_problems
from tests.pipeline.train.conftest import params

PER_STEP, GROUP = 2, 4
TOKENS = ("5", "print", "x", "(")  # Accepted, Accepted, Runtime Error, Compile Error
COST_FIELDS = ("generation_s", "execution_s", "optimisation_s", "loop_s", "total_s", "tokens_generated",
               "samples_judged", "programs_executed", "steps", "optimiser_steps", "skipped_steps",
               "seconds_per_step", "peak_rss_mib")


def quiet_problem(pid: str, statement: str, split: str = "train") -> dict:
    return {
        "problem_id": pid, "name": pid, "dataset": "AIZU", "time_limit_ms": 1000, "memory_limit_kb": 131072,
        "statement": statement, "tests": [{"input": "1 2\n", "output": "", "source": "derived"}],
        "num_submissions": 4, "num_accepted": 2, "acceptance_rate": 0.5, "difficulty": "easy", "split": split,
    }


@pytest.fixture(scope="module")
def policy_dir(tiny_model_dir, tokenizer, tmp_path_factory) -> Path:
    """The tiny model, changed so that its first completion token is one of TOKENS, nearly uniformly, whatever
    the prompt: the layers' output projections are scaled down (the last position's hidden state is then that of
    the prompt's last token, the chat template's newline, for every prompt) and the (tied) output rows of TOKENS
    point along that state. Their logits differ by 0.06, so near-greedy sampling always picks the same one."""
    model = load_model(tiny_model_dir)
    with torch.no_grad():
        for layer in model.model.layers:
            layer.self_attn.o_proj.weight.mul_(1e-3)
            layer.mlp.down_proj.weight.mul_(1e-3)
        last = tokenizer(render_prompt(tokenizer, build_prompt("any")), add_special_tokens=False)["input_ids"][-1]
        h = model.model.norm(model.model.embed_tokens.weight[last])
        for k, token in enumerate(TOKENS):
            (tid,) = tokenizer(token, add_special_tokens=False)["input_ids"]
            model.lm_head.weight[tid] = (20 + 0.01 * k) * h / h.norm()
    path = tmp_path_factory.mktemp("policy")
    model.save_pretrained(path)
    tokenizer.save_pretrained(path)
    return path


@pytest.fixture()
def problems_path(tmp_path) -> Path:
    rows = [
        quiet_problem("p00101", "Read a line and print nothing."),
        quiet_problem("p00102", "The answer is the empty output: print nothing at all."),
        quiet_problem("p00103", "Print nothing, whatever the input."),
        quiet_problem("p00104", "A test problem that no training step may pick.", split="test"),
    ]
    path = tmp_path / "problems.parquet"
    tables.write_table(tables.from_rows(rows, tables.PROBLEMS), path, tables.PROBLEMS)
    return path


def inputs(problems_path: Path, temperature: float = 1.0, **groups) -> OnlineInputs:
    sampling = dataclasses.replace(EvaluateParams(), n=1, k=(1,), temperature=temperature, top_p=1.0,
                                   max_new_tokens=1, batch_size=8)
    return OnlineInputs(problems_path, OnlineParams(problems_per_step=PER_STEP), sampling,
                          ExecuteParams(workers=1), RewardsParams(),
                          dataclasses.replace(GroupsParams(), group_size=GROUP, **groups))


def run(tmp_path, model_dir, groups_path, online, algorithm="online_rloo", name="run", steps=1, **overrides):
    out = tmp_path / name
    summary = loop.train(params(max_steps=steps, batch_size=8, **overrides), 1e-2, 0, algorithm, groups_path,
                         model_dir, out / "model", out / "ckpt", out / "metrics", online)
    return out, summary


def weights(model_dir: Path) -> dict:
    return load_file(str(model_dir / "model.safetensors"))


@pytest.fixture()
def judged(monkeypatch):
    """Every call of judging.judge (the sandbox), with its problems, programs and verdicts."""
    calls = []
    real = judging.judge

    def spy(problem_ids, programs, problems, prm, progress=True, box=None):
        out = real(problem_ids, programs, problems, prm, progress, box)
        calls.append((list(problem_ids), list(programs), [j.verdict for j in out]))
        return out

    monkeypatch.setattr(judging, "judge", spy)
    return calls


@pytest.fixture()
def losses(monkeypatch):
    """The advantages of every training micro-batch that went through the loop's batch_loss (validation, which runs
    without gradients, is left out)."""
    seen = []
    real = loop.batch_loss

    def spy(model, batch, *args, **kwargs):
        if torch.is_grad_enabled():
            seen.append(batch.advantages.clone())
        return real(model, batch, *args, **kwargs)

    monkeypatch.setattr(loop, "batch_loss", spy)
    return seen


def compiles(program: str) -> bool:
    try:
        compile(program, "Main.py", "exec")
        return True
    except (SyntaxError, ValueError):
        return False


def test_every_sample_is_judged_in_the_sandbox(tmp_path, policy_dir, groups_path, problems_path, judged):
    out, summary = run(tmp_path, policy_dir, groups_path, inputs(problems_path), steps=2)
    assert len(judged) == 2  # one sandbox call per step ...
    for pids, programs, verdicts in judged:
        assert len(pids) == PER_STEP * GROUP  # ... with group_size samples of problems_per_step problems
        assert len(set(pids)) == PER_STEP and "p00104" not in pids  # train problems only
        assert set(verdicts) <= set(JUDGED_VERDICTS)
        # The verdicts are the sandbox's: a program is a Compile Error exactly when Python cannot compile it.
        for program, verdict in zip(programs, verdicts):
            assert (verdict == "Compile Error") == (not compiles(program)), (program, verdict)
    verdicts = Counter(v for *_, vs in judged for v in vs)
    assert verdicts["Accepted"] and len(verdicts) >= 2, verdicts  # right and wrong programs
    cost = json.loads((out / "metrics" / "cost.json").read_text())
    assert cost["samples_judged"] == 2 * PER_STEP * GROUP == summary["samples"]
    assert cost["programs_executed"] == sum(len(set(zip(p, q))) for p, q, _ in judged)


def test_the_loss_is_batch_loss_with_the_rewards_and_groups_stages_advantages(
        tmp_path, policy_dir, groups_path, problems_path, judged, losses):
    run(tmp_path, policy_dir, groups_path, inputs(problems_path), steps=1)
    ((pids, _, verdicts),) = judged
    assert losses, "the update did not go through batch_loss"
    # By hand: CodeRL rewards of the verdicts, leave-one-out baseline, divided by the group's std + epsilon.
    reward = RewardsParams().verdict_reward
    expected = []
    for pid in dict.fromkeys(pids):
        r = np.array([reward[v] for p, v in zip(pids, verdicts) if p == pid])
        if len(set(r)) > 1:
            baseline = (r.sum() - r) / (len(r) - 1)
            expected += list((r - baseline) / (np.std(r, ddof=1) + 1e-4))
    assert expected, f"no group with unequal rewards in {verdicts}: the test needs one"
    trained = torch.cat(losses).tolist()
    np.testing.assert_allclose(sorted(trained), sorted(expected), rtol=1e-5)


def test_rewards_and_advantages_come_from_the_stage_functions(tmp_path, policy_dir, groups_path, problems_path,
                                                              monkeypatch):
    calls = Counter()
    # The online source calls the rewards and groups stages' own functions (the names it imported are theirs).
    assert online_source.compute_rewards is compute_rewards and online_source.group_advantages is group_advantages
    for module, name in ((online_source, "compute_rewards"), (online_source, "group_advantages")):
        real = getattr(module, name)

        def spy(*args, _real=real, _name=name, **kwargs):
            calls[_name] += 1
            return _real(*args, **kwargs)

        monkeypatch.setattr(module, name, spy)
    run(tmp_path, policy_dir, groups_path, inputs(problems_path), steps=2)
    assert calls == {"compute_rewards": 2, "group_advantages": 2}


def test_samples_are_scored_at_their_sampling_temperature(tmp_path, policy_dir, groups_path, problems_path,
                                                         monkeypatch):
    configs = []
    real = loop.batch_loss

    def spy(model, batch, cfg, *args, **kwargs):
        if torch.is_grad_enabled():
            configs.append(cfg)
        return real(model, batch, cfg, *args, **kwargs)

    monkeypatch.setattr(loop, "batch_loss", spy)
    run(tmp_path, policy_dir, groups_path, inputs(problems_path, temperature=0.7), steps=1)
    assert configs and {c.temperature for c in configs} == {0.7}


def test_a_step_with_unequal_rewards_changes_the_parameters(tmp_path, policy_dir, groups_path, problems_path):
    out, summary = run(tmp_path, policy_dir, groups_path, inputs(problems_path), steps=1)
    assert summary["groups_with_signal"] >= 1 and summary["cost"]["optimiser_steps"] == 1
    before, after = weights(policy_dir), weights(out / "model")
    unchanged = [k for k in before if torch.equal(before[k], after[k])]
    assert unchanged == []


# Kept or not (groups.require_reward_variance), groups of equal rewards have no signal: no update either way.
@pytest.mark.parametrize("require_variance", [True, False])
def test_a_step_whose_groups_all_have_equal_rewards_does_not_update(tmp_path, policy_dir, groups_path,
                                                                     problems_path, judged, losses, require_variance):
    # Near-greedy sampling: every sample of a problem is the same program, so every group has one reward.
    online = inputs(problems_path, temperature=1e-4, require_reward_variance=require_variance)
    out, summary = run(tmp_path, policy_dir, groups_path, online, steps=2)
    for pids, _, verdicts in judged:
        for pid in set(pids):
            assert len({v for p, v in zip(pids, verdicts) if p == pid}) == 1
    assert losses == []
    assert summary["zero_variance_groups"] == 2 * PER_STEP
    assert summary["cost"]["skipped_steps"] == 2 and summary["cost"]["optimiser_steps"] == 0
    before, after = weights(policy_dir), weights(out / "model")
    assert all(torch.equal(before[k], after[k]) for k in before)


@pytest.mark.parametrize("algorithm", ["sft", "rloo", "online_rloo"])
def test_cost_report_is_well_formed(tmp_path, policy_dir, groups_path, problems_path, algorithm):
    out, summary = run(tmp_path, policy_dir, groups_path, inputs(problems_path), algorithm=algorithm, steps=2)
    cost = json.loads((out / "metrics" / "cost.json").read_text())
    assert cost == summary["cost"] and cost["algorithm"] == algorithm and cost["device"] == "cpu"
    for field in COST_FIELDS:
        assert isinstance(cost[field], (int, float)) and cost[field] >= 0, field
    assert cost["generation_s"] + cost["execution_s"] + cost["optimisation_s"] <= cost["loop_s"] <= cost["total_s"]
    assert cost["steps"] == 2 == cost["optimiser_steps"] + cost["skipped_steps"]
    assert cost["seconds_per_step"] == pytest.approx(cost["loop_s"] / 2)
    assert cost["optimisation_s"] > 0 and cost["peak_rss_mib"] > 0
    if algorithm == "online_rloo":
        assert cost["tokens_generated"] > 0 and cost["generation_s"] > 0 and cost["execution_s"] > 0
        assert cost["samples_judged"] == 2 * PER_STEP * GROUP and cost["programs_executed"] > 0
        assert "upstream_programs_executed_once" not in cost
    else:  # offline: nothing generated or executed here; the programs were executed once, upstream
        assert cost["tokens_generated"] == cost["samples_judged"] == cost["programs_executed"] == 0
        assert cost["generation_s"] == cost["execution_s"] == 0
        assert cost["upstream_programs_executed_once"] > 0


class Crash(RuntimeError):
    pass


def test_resume_after_a_crash_ends_with_the_uninterrupted_run_params(tmp_path, policy_dir, groups_path,
                                                                    problems_path, monkeypatch):
    online = inputs(problems_path)
    straight, _ = run(tmp_path, policy_dir, groups_path, online, name="straight", steps=3, checkpoint_every=2)
    real, calls = judging.judge, {"n": 0}

    def crash_in_third_step(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:
            raise Crash("simulated crash in step 3")
        return real(*args, **kwargs)

    with monkeypatch.context() as m:
        m.setattr(judging, "judge", crash_in_third_step)
        with pytest.raises(Crash):
            run(tmp_path, policy_dir, groups_path, online, name="crashed", steps=3, checkpoint_every=2)
    crashed = tmp_path / "crashed"
    assert [p.name for p in (crashed / "ckpt").glob("step-*.pt")] == ["step-00000002.pt"]
    _, summary = run(tmp_path, policy_dir, groups_path, online, name="crashed", steps=3, checkpoint_every=2)
    expected, resumed = weights(straight / "model"), weights(crashed / "model")
    for name in expected:
        assert torch.equal(resumed[name], expected[name]), name
    # The cost report covers the whole run: the two steps before the checkpoint and the one after the resume.
    assert summary["cost"]["steps"] == 3 and summary["cost"]["samples_judged"] == 3 * PER_STEP * GROUP


def test_step_problems_is_a_seeded_cover_of_the_problems_per_epoch():
    n, per_step = 7, 3
    steps = [step_problems(n, per_step, s, seed=5) for s in range(6)]  # 2 epochs of 3 steps
    assert steps == [step_problems(n, per_step, s, seed=5) for s in range(6)]  # a pure function of the step
    assert all(len(set(s)) == per_step for s in steps)
    for epoch in (steps[:3], steps[3:]):
        assert set().union(*map(set, epoch)) == set(range(n))
    assert steps[:3] != steps[3:]  # each epoch its own order
    assert steps != [step_problems(n, per_step, s, seed=6) for s in range(6)]


def test_online_rloo_needs_its_inputs_and_enough_problems(tmp_path, policy_dir, groups_path, problems_path):
    with pytest.raises(ValueError, match="online_rloo samples its own programs"):
        run(tmp_path, policy_dir, groups_path, None)
    too_many = dataclasses.replace(inputs(problems_path), online=OnlineParams(problems_per_step=4))
    with pytest.raises(ParamsError, match="online.problems_per_step = 4"):
        run(tmp_path, policy_dir, groups_path, too_many)
