"""Online RLOO: the baseline that offline RL is the resource-efficient alternative to (train --algorithm online_rloo).

Online RL samples from the current policy and executes every sample at every step; offline RL executes the
human programs once (the execute stage) and only optimises afterwards. This module is the online source of the
training loop in pipeline/train/loop.py, which receives it as a plug-in (``OnlineInputs.source``) and never
imports this module: the loop, the loss (train.loss.batch_loss / pg_loss) and the cost report are the offline
ones. Per optimiser step, ``OnlineSource.step``:

1. picks ``online.problems_per_step`` train problems (with tests of the judged sources): a seeded permutation per
   epoch, cut in order, so step s always gets the same problems and a resumed run continues exactly;
2. samples ``groups.group_size`` completions per problem from the current policy with the evaluate stage's code
   (evaluate.generate.generate_batch) and sampling params (temperature, top_p, max_new_tokens, batch_size),
   seeded per (step, batch);
3. extracts each program (prompt.extract_program) and judges it with judging.judge: the execute stage's sandbox
   and rules (`execute` params, the tests of the tests stage's problems table); one judge stays open for the run;
4. rewards the verdicts with rewards.compute_rewards (same schema and weights; a Sandbox Error gets no reward and
   leaves its group; r_efficiency compares with the fastest Accepted sample of the same step and problem);
5. computes advantages with groups.group_advantages (same leave-one-out baseline, scaling and clipping); with
   groups.require_reward_variance a group of equal rewards is dropped, and a step without any group of unequal
   rewards does no update (GRPO's behaviour; counted as skipped, not an error);
6. trains on the rendered prompt's ids followed by the completion's token ids exactly as they were sampled (the
   gradient of the sampled sequence, not of a re-tokenised program), batched and collated like offline rows.

The samples are trained on once, right after they were drawn: see train.loss.loss_config for why the ratio is 1.
"""
from __future__ import annotations

import dataclasses
import logging
import math
import time
from contextlib import ExitStack
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from pipeline import judging, tables
from pipeline.engine import open_judge
from pipeline.evaluate.generate import generate_batch, plain_generation_config
from pipeline.evaluate.problems import select_problems
from pipeline.groups import group_advantages, has_reward_variance
from pipeline.judging import judgement_row
from pipeline.model import load_tokenizer
from pipeline.params import (EvaluateParams, ExecuteParams, GroupsParams, OnlineParams, RewardsParams, TrainParams,
                             fail, load)
from pipeline.prompt import build_prompt, extract_program, render_prompt
from pipeline.rewards import compute_rewards
from pipeline.train.batches import Example, Runtime, StepWork, train_advantage
from pipeline.train.checkpoint import file_digest
from pipeline.train.cost import Cost
from pipeline.train.loss import LossConfig, denominator

log = logging.getLogger(__name__)

# The judge settings that change no verdict (where and how widely jobs run): a resume may change them.
JUDGE_RUNTIME_ONLY = ("workers", "engine", "ray_address", "ray_batch_size")


@dataclasses.dataclass(frozen=True)
class OnlineInputs:
    """What online RL reads besides the train params: the problems (with tests) and four params sections."""

    problems_path: Path  # the tests stage's problems.parquet
    online: OnlineParams
    sampling: EvaluateParams  # temperature, top_p, max_new_tokens, batch_size (the rest is evaluation's)
    execute: ExecuteParams
    rewards: RewardsParams
    groups: GroupsParams  # group_size, require_reward_variance, advantage_scale, advantage_clip, epsilon

    def source(self, prm: TrainParams, base_dir: Path, rt: Runtime, seed: int) -> "OnlineSource":
        """The loop's source of micro-batches (the loop calls this: it never imports this module)."""
        return OnlineSource(self, prm, base_dir, rt, seed)

    def fingerprint(self) -> dict:
        """Everything here that changes what is trained (for the checkpoint fingerprint)."""
        s, g = self.sampling, self.groups
        return {
            "problems": file_digest(Path(self.problems_path)),
            "online": dataclasses.asdict(self.online),
            "sampling": [s.temperature, s.top_p, s.max_new_tokens, s.batch_size],
            "execute": {k: v for k, v in dataclasses.asdict(self.execute).items() if k not in JUDGE_RUNTIME_ONLY},
            "rewards": dataclasses.asdict(self.rewards),
            "groups": [g.group_size, g.require_reward_variance, g.advantage_scale, g.advantage_clip, g.epsilon],
        }


def load_inputs(params_path: Path, problems_path: Path) -> OnlineInputs:
    return OnlineInputs(
        Path(problems_path), load(OnlineParams, params_path), load(EvaluateParams, params_path),
        load(ExecuteParams, params_path), load(RewardsParams, params_path),
        load(GroupsParams, params_path),
    )


def step_problems(n: int, per_step: int, step: int, seed: int) -> list[int]:
    """Indices of the ``per_step`` problems of optimiser step ``step``, out of ``n``: epoch e is a permutation
    seeded by (seed, e) cut into consecutive chunks; the epoch's last chunk is topped up from its start, so
    every step gets ``per_step`` distinct problems. A pure function of its arguments (resume needs nothing else).
    """
    per_epoch = math.ceil(n / per_step)
    epoch, position = divmod(step, per_epoch)
    order = np.random.default_rng([seed, epoch]).permutation(n).tolist()
    chosen = order[position * per_step:(position + 1) * per_step]
    return chosen + order[: per_step - len(chosen)]


def sample_seed(seed: int, step: int, batch: int) -> int:
    """The generation seed of one batch of one step (independent of what ran before, as in evaluation)."""
    return int(np.random.SeedSequence([seed, step, batch]).generate_state(1)[0])


class OnlineSource:
    """Micro-batches of online RLOO, sampled and judged step by step (see the module docstring)."""

    def __init__(self, inputs: OnlineInputs, prm: TrainParams, base_dir: Path, rt: Runtime, seed: int):
        self.inputs, self.prm, self.rt, self.seed = inputs, prm, rt, seed
        self.table = tables.read_table(inputs.problems_path, tables.PROBLEMS)
        train_split = dataclasses.replace(inputs.sampling, splits=("train",), max_problems=0)
        problems = select_problems(self.table, train_split, inputs.execute, seed)
        # Generation pads on the left; a tokenizer of its own keeps the one saved with the model untouched.
        self.tokenizer = load_tokenizer(base_dir)
        self.tokenizer.padding_side = "left"
        prompts = [render_prompt(self.tokenizer, build_prompt(p["statement"] or "")) for p in problems]
        prompt_ids = self.tokenizer(prompts, add_special_tokens=False)["input_ids"]
        # A prompt that leaves no room for a completion within train.max_length could never be trained on:
        # sampling and judging it would be pure cost. (Offline, encode leaves such rows out likewise.)
        fits = [k for k, ids in enumerate(prompt_ids) if len(ids) < prm.max_length]
        self.problems = [problems[k] for k in fits]
        self.prompts = [prompts[k] for k in fits]
        self.prompt_ids = [prompt_ids[k] for k in fits]
        n, per_step = len(self.problems), inputs.online.problems_per_step
        if not n:
            raise ValueError(f"{inputs.problems_path}: no train problem with tests of sources "
                             f"{list(inputs.execute.test_sources)} and a prompt shorter than train.max_length "
                             f"= {prm.max_length} tokens")
        if per_step > n:
            fail("online", "problems_per_step", per_step, f"use at most the {n} train problems with tests")
        per_epoch = math.ceil(n / per_step)
        epochs = math.ceil(prm.max_steps / per_epoch) if prm.max_steps else prm.epochs
        self.total_steps = prm.max_steps or epochs * per_epoch
        self.summary = {
            "problems": n, "problems_prompt_too_long": len(problems) - n, "problems_per_step": per_step,
            "group_size": inputs.groups.group_size, "epochs": epochs, "steps": self.total_steps,
            # Counted over the steps this process ran (a resumed run's cost.json has the whole run's costs).
            "tokens": 0, "samples": 0, "too_long": 0, "sandbox_errors": 0, "groups_with_signal": 0,
            "zero_variance_groups": 0,
        }
        self.box = None
        self.norm = None  # the loss normalisation, set by start
        self._stack = ExitStack()

    def fingerprint(self) -> dict:
        return self.inputs.fingerprint()

    def start(self, model, cfg: LossConfig, cost: Cost) -> None:
        """Sample with the params' settings only (the model's own generation config is put back by close, so
        the saved policy keeps it), and open the judge that every step uses."""
        self.norm = cfg.norm
        inner = model.get_base_model() if hasattr(model, "get_base_model") else model
        saved = inner.generation_config
        plain_generation_config(inner)
        self._stack.callback(setattr, inner, "generation_config", saved)
        t0 = time.perf_counter()
        self.box = self._stack.enter_context(open_judge(self.inputs.execute))
        cost.execution_s += time.perf_counter() - t0

    def close(self) -> None:
        self._stack.close()
        self.box = None

    def generate(self, model, step: int, indices: list[int]) -> list:
        """``group_size`` sampled completions of each problem in ``indices`` (problem-major order)."""
        sampling, group = self.inputs.sampling, self.inputs.groups.group_size
        texts = [self.prompts[i] for i in indices for _ in range(group)]
        was_training = model.training
        model.eval()
        out = []
        with self.rt.autocast():
            for b, start in enumerate(range(0, len(texts), sampling.batch_size)):
                out += generate_batch(model, self.tokenizer, texts[start:start + sampling.batch_size], sampling,
                                        sample=True, seed=sample_seed(self.seed, step, b))
        model.train(was_training)
        return out

    def step(self, step: int, model, cost: Cost) -> StepWork:
        """The micro-batches of optimiser step ``step`` ([] when no group has unequal rewards) and per-step
        statistics to log; generation and execution time and counts are added to ``cost``."""
        indices = step_problems(len(self.problems), self.inputs.online.problems_per_step, step, self.seed)
        group = self.inputs.groups.group_size
        owner = [i for i in indices for _ in range(group)]  # problem index of each sample
        pids = [self.problems[i]["problem_id"] for i in owner]

        t0 = time.perf_counter()
        generated = self.generate(model, step, indices)
        generation_s = time.perf_counter() - t0
        tokens = sum(g.tokens for g in generated)

        t0 = time.perf_counter()
        programs = [extract_program(g.text) for g in generated]
        subset = self.table.filter(pc.is_in(self.table["problem_id"], value_set=pa.array(sorted(set(pids)))))
        judgements = judging.judge(pids, programs, subset, self.inputs.execute, progress=False, box=self.box)
        execution_s = time.perf_counter() - t0
        cost.generation_s += generation_s
        cost.execution_s += execution_s
        cost.tokens_generated += tokens
        cost.samples_judged += len(judgements)
        cost.programs_executed += len(set(zip(pids, programs)))

        # Rewards: the rewards stage's function on verdict rows (a Sandbox Error row comes back without reward).
        verdicts = pd.DataFrame(
            [judgement_row({"submission_id": str(n), "problem_id": pid, "status": ""}, j)
             for n, (pid, j) in enumerate(zip(pids, judgements))], columns=tables.VERDICTS.names)
        rewards = compute_rewards(verdicts, self.inputs.rewards)
        reward_of = {int(sid): float(r) for sid, r in zip(rewards["submission_id"], rewards["reward"])}

        # Groups and advantages: the groups stage's rule.
        kept, zero_variance = [], 0
        for i in indices:
            members = [n for n in range(len(owner)) if owner[n] == i and n in reward_of]
            r = np.array([reward_of[n] for n in members])
            if len(members) < 2:  # Sandbox Errors left no leave-one-out baseline
                continue
            if not has_reward_variance(r):
                zero_variance += 1
                if self.inputs.groups.require_reward_variance:
                    continue
            kept.append((i, members, r))
        if not any(has_reward_variance(r) for *_, r in kept):
            kept = []  # nothing to learn this step: no update
        advantages = group_advantages([r for *_, r in kept], self.inputs.groups)

        examples, too_long = [], 0
        for (i, members, _), adv in zip(kept, advantages):
            for n, a in zip(members, adv):
                ids = list(self.prompt_ids[i]) + list(generated[n].ids)
                if len(ids) > self.prm.max_length:
                    too_long += 1
                    continue
                a = train_advantage(float(a), f"online step {step}, sample {n}")
                examples.append(Example(tuple(ids), len(self.prompt_ids[i]), a, prompt_key=i))
        # Micro-batches of train.batch_size, a problem's samples side by side (sharing one copy of the prompt).
        batches = [batch for _, batch in self.rt.batches(examples, range(len(examples)))]

        accepted = sum(j.verdict == "Accepted" for j in judgements)
        sandbox_errors = len(judgements) - len(reward_of)
        for key, value in {"tokens": sum(len(e.ids) for e in examples), "samples": len(judgements),
                           "too_long": too_long, "sandbox_errors": sandbox_errors, "groups_with_signal": len(kept),
                           "zero_variance_groups": zero_variance}.items():
            self.summary[key] += value
        info = {
            "reward_mean": float(np.mean(list(reward_of.values()))) if reward_of else 0.0,
            "accepted_rate": accepted / len(judgements),
            "groups_with_signal": len(kept),
            "zero_variance_groups": zero_variance,
            "updated": int(bool(batches)),
            "generation_s": generation_s,
            "execution_s": execution_s,
            "tokens_generated": tokens,
        }
        log.debug("online step %d: %s", step, info)
        denom = denominator(batches, self.norm) if batches else 0
        return StepWork(batches, [1.0] * len(batches), denom, info)
