"""Evaluate stage: sample programs from a policy, judge them in the sandbox, report pass@k and diversity.

For every problem of the evaluation splits the model writes ``evaluate.n`` sampled completions and one greedy
completion (batched, left-padded generation with the KV cache; bf16 on a GPU, float32 on CPU). The program is
taken from each completion with ``pipeline.prompt.extract_program`` and judged by the sandbox on all of the
problem's tests, with the problem's limits times the judge's time factor (the same rules as the execute stage).

Outputs
- ``<out>/samples.parquet`` (schema ``tables.SAMPLES``): one row per completion with its verdict.
- ``<metrics>``: ``{<model name>: {...}}`` so ``dvc metrics show`` lines models up: pass@k overall, per split and
  per difficulty bucket, greedy pass@1, the rate of each verdict among samples, and diversity.
- ``<plots>/pass_at_k.json`` (pass@k for k = 1..n) and ``<plots>/pass1_by_difficulty.json``.

Metric definitions live in small pure functions below (``pass_at_k``, ``distinct_n``, ``edit_distance``,
``summarise``) so that tests compare them with brute force and hand computation.
"""
from __future__ import annotations

import itertools
import logging
import math
import re
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

from pipeline import params as P, tables
from pipeline.atomic import write_text
from pipeline import judging
from pipeline.hashing import stable_hash
from pipeline.prompt import build_prompt, extract_program, render_prompt
from sandbox.judge import ACCEPTED, VERDICTS

log = logging.getLogger(__name__)

NGRAM_ORDERS = (1, 2, 3, 4)


# ------------------------------------------------------------------------------------------------------------
# pass@k


def pass_at_k(n: int, c: int, k: int) -> float:
    """Unbiased estimate of pass@k from ``n`` samples of which ``c`` are correct: 1 - C(n-c, k) / C(n, k).

    Chen et al. 2021, "Evaluating Large Language Models Trained on Code", eq. (1), in the numerically stable
    product form of their Figure 3 (as openai/human-eval ``estimate_pass_at_k``):
    C(n-c, k) / C(n, k) = prod_{i=n-c+1}^{n} (1 - k / i).
    Raises ValueError when k > n (the estimator needs at least k samples) or c is not in [0, n].
    """
    if not 0 <= c <= n:
        raise ValueError(f"correct count c={c} must lie in [0, n={n}]")
    if not 1 <= k <= n:
        raise ValueError(f"pass@{k} needs 1 <= k <= n samples, got n={n}")
    if n - c < k:  # every k-subset contains a correct sample
        return 1.0
    return 1.0 - float(np.prod(1.0 - k / np.arange(n - c + 1, n + 1)))


# ------------------------------------------------------------------------------------------------------------
# Diversity

_CODE_TOKEN = re.compile(r"\w+|[^\w\s]")


def code_tokens(program: str) -> list[str]:
    """Lexical tokens of a program: runs of word characters, and single other non-space characters.

    Layout and whitespace are ignored, so reindenting a program does not count as diversity; the rule also
    works on programs that do not parse (Python's tokenize does not).
    """
    return _CODE_TOKEN.findall(program)


def distinct_n(token_lists: Sequence[Sequence[str]], n: int) -> float | None:
    """Distinct-n (Li et al. 2016, "A Diversity-Promoting Objective Function for Neural Conversation Models"):
    distinct n-grams / all n-grams, pooled over the programs (n-grams never cross programs). None when the
    programs have no n-gram of that order."""
    grams = [tuple(t[i : i + n]) for t in token_lists for i in range(len(t) - n + 1)]
    return len(set(grams)) / len(grams) if grams else None


def edit_distance(a: Sequence, b: Sequence) -> int:
    """Levenshtein distance (unit insertions, deletions, substitutions) between two token sequences.

    One DP row at a time in numpy: without insertions a row is elementwise; the insertion chain
    row[j] = min(cand[j], row[j-1] + 1) unrolls to row[j] = j + min_{l<=j}(cand[l] - l), a running minimum.
    """
    if len(a) < len(b):
        a, b = b, a
    if not b:
        return len(a)
    ids: dict = {}
    ai = np.array([ids.setdefault(t, len(ids)) for t in a])
    bi = np.array([ids.setdefault(t, len(ids)) for t in b])
    j = np.arange(len(b) + 1)
    row = j.copy()
    cand = np.empty(len(b) + 1, dtype=np.int64)
    for i, tok in enumerate(ai, start=1):
        cand[0] = i
        np.minimum(row[1:] + 1, row[:-1] + (bi != tok), out=cand[1:])
        row = j + np.minimum.accumulate(cand - j)
    return int(row[-1])


def normalised_edit_distance(a: Sequence, b: Sequence) -> float:
    """Edit distance / length of the longer sequence, in [0, 1]; 0 for two empty sequences."""
    longest = max(len(a), len(b))
    return edit_distance(a, b) / longest if longest else 0.0


def mean_pairwise_edit_distance(token_lists: Sequence[Sequence[str]]) -> float | None:
    """Mean normalised edit distance over all unordered pairs; None for fewer than two programs."""
    pairs = list(itertools.combinations(token_lists, 2))
    if not pairs:
        return None
    return sum(normalised_edit_distance(a, b) for a, b in pairs) / len(pairs)


def diversity(programs: Sequence[str]) -> dict[str, float | None]:
    """Diversity of one problem's programs: distinct-1..4 and mean pairwise normalised edit distance."""
    tokens = [code_tokens(p) for p in programs]
    out: dict[str, float | None] = {f"distinct_{n}": distinct_n(tokens, n) for n in NGRAM_ORDERS}
    out["edit_distance"] = mean_pairwise_edit_distance(tokens)
    return out


def _mean_over_problems(per_problem: list[dict[str, float | None]]) -> dict[str, float | int | None]:
    """Average each diversity metric over the problems where it is defined."""
    keys = [f"distinct_{n}" for n in NGRAM_ORDERS] + ["edit_distance"]
    out: dict[str, float | int | None] = {"problems": len(per_problem)}
    for key in keys:
        values = [d[key] for d in per_problem if d[key] is not None]
        out[key] = sum(values) / len(values) if values else None
    return out


# ------------------------------------------------------------------------------------------------------------
# Summary of judged samples (pure: rows of tables.SAMPLES in, metrics dict out)


def _pass_block(problems: list[dict], ks: Sequence[int]) -> dict[str, float | int]:
    """pass@k (mean over problems of the per-problem estimate) and greedy pass@1 of a set of problems."""
    out: dict[str, float | int] = {"problems": len(problems)}
    for k in ks:
        out[f"pass@{k}"] = float(np.mean([pass_at_k(p["n"], p["c"], k) for p in problems]))
    out["greedy_pass@1"] = float(np.mean([p["greedy_ok"] for p in problems]))
    return out


def per_problem(rows: Iterable[dict]) -> list[dict]:
    """Group sample rows by problem: n, c (Accepted sampled completions), greedy_ok, split, difficulty,
    and the sampled programs with their verdicts. Fails when a problem has no greedy row."""
    grouped: dict[str, dict] = {}
    for r in rows:
        p = grouped.setdefault(
            r["problem_id"],
            {"problem_id": r["problem_id"], "split": r["split"], "difficulty": r["difficulty"],
             "n": 0, "c": 0, "greedy_ok": None, "programs": [], "verdicts": []},
        )
        if r["greedy"]:
            p["greedy_ok"] = r["verdict"] == ACCEPTED
        else:
            p["n"] += 1
            p["c"] += r["verdict"] == ACCEPTED
            p["programs"].append(r["program"])
            p["verdicts"].append(r["verdict"])
    missing = [pid for pid, p in grouped.items() if p["greedy_ok"] is None]
    if missing:
        raise ValueError(f"no greedy completion for problems {missing[:5]}")
    return [grouped[pid] for pid in sorted(grouped)]


def summarise(rows: Iterable[dict], ks: Sequence[int], difficulty_order: Sequence[str] = ()) -> dict:
    """Metrics of one model from its judged sample rows (dicts with the tables.SAMPLES columns).

    pass@1 is always reported besides ``ks``. ``difficulty_order`` lists bucket names easiest first (JSON
    keys are sorted, so the order is recorded as each bucket's ``rank``). Raises ValueError for k larger
    than a problem's n.
    """
    ks = sorted(set(ks) | {1})
    problems = per_problem(rows)
    if not problems:
        raise ValueError("no judged samples to summarise")
    metrics: dict = _pass_block(problems, ks)
    metrics["samples"] = sum(p["n"] for p in problems)

    for key, field in (("by_split", "split"), ("by_difficulty", "difficulty")):
        groups: dict[str, list[dict]] = defaultdict(list)
        for p in problems:
            groups[p[field]].append(p)
        metrics[key] = {g: _pass_block(ps, ks) for g, ps in sorted(groups.items())}
    order = list(difficulty_order) + sorted(set(metrics["by_difficulty"]) - set(difficulty_order))
    for bucket, block in metrics["by_difficulty"].items():
        block["rank"] = order.index(bucket)

    counts = Counter(v for p in problems for v in p["verdicts"])
    total = sum(counts.values())
    # Every verdict reported (0.0 when absent) so that `dvc metrics diff` compares the same keys for every model.
    metrics["verdict_rates"] = {v: counts.get(v, 0) / total for v in sorted(set(VERDICTS) | set(counts))}

    metrics["diversity"] = {
        "all": _mean_over_problems([diversity(p["programs"]) for p in problems if len(p["programs"]) >= 2]),
        # Only problems with two or more correct programs: one program says nothing about spread.
        "correct": _mean_over_problems([
            diversity([prog for prog, v in zip(p["programs"], p["verdicts"]) if v == ACCEPTED])
            for p in problems if p["c"] >= 2
        ]),
    }
    return metrics


def pass_at_k_curve(rows: Iterable[dict], n: int) -> list[dict]:
    """pass@k for every k = 1..n (mean over problems): the data of the pass@k-vs-k plot."""
    problems = per_problem(rows)
    return [
        {"k": k, "pass_at_k": float(np.mean([pass_at_k(p["n"], p["c"], k) for p in problems]))}
        for k in range(1, n + 1)
    ]


# ------------------------------------------------------------------------------------------------------------
# Generation


def load_policy(model_dir: Path | str):
    """(model, tokenizer, device) for a transformers model directory: bf16 on a GPU, float32 on CPU; the
    tokenizer pads on the left (generation appends on the right). FileNotFoundError names the stage to run."""
    import torch

    from pipeline.model import load_model, load_tokenizer

    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    tokenizer = load_tokenizer(model_dir)
    tokenizer.padding_side = "left"
    model = load_model(model_dir, device=device)
    if device.type == "cuda":
        model = model.to(torch.bfloat16)
    plain_generation_config(model)
    return model.eval(), tokenizer, device


def plain_generation_config(model) -> None:
    """generate() fills every setting left unset from the model's generation_config: keep only its special
    tokens, so that no temperature, top_k or repetition_penalty saved with a model changes the sampling (here
    and in online RL, pipeline.online)."""
    from transformers import GenerationConfig

    saved = model.generation_config
    model.generation_config = GenerationConfig(
        bos_token_id=saved.bos_token_id, eos_token_id=saved.eos_token_id, pad_token_id=saved.pad_token_id
    )


class _FenceClosed:
    """Stopping criterion: a row is done once its program's code block is closed.

    extract_program takes the first python block, so text after that block's closing fence never changes the
    program; stopping there saves the tokens a base model spends on explanations. The program is final exactly
    when appending ``_PROBE`` no longer changes what extract_program returns: the probe ends the current line
    and then adds a python block, which an open block, unfenced text, or a closed non-python block (sample
    output, say) would let through. Only rows whose newest token holds a backtick are re-checked.
    ``closed_at[row]`` is the number of new tokens when the row closed (None while open).
    """

    _PROBE = "\n\x00\n```python\n\x00\n```\n"

    def __init__(self, tokenizer, prompt_len: int):
        self.tokenizer = tokenizer
        self.prompt_len = prompt_len
        self.closed_at: list[int | None] = []

    def __call__(self, input_ids, scores, **kwargs):
        import torch

        if not self.closed_at:
            self.closed_at = [None] * input_ids.shape[0]
        new_tokens = input_ids.shape[1] - self.prompt_len
        last = self.tokenizer.batch_decode(input_ids[:, -1:].tolist())
        for row, piece in enumerate(last):
            if self.closed_at[row] is None and "`" in piece:
                text = self.tokenizer.decode(input_ids[row, self.prompt_len :].tolist(), skip_special_tokens=True)
                if extract_program(text + self._PROBE) == extract_program(text):
                    self.closed_at[row] = new_tokens
        closed = [at is not None for at in self.closed_at]
        return torch.tensor(closed, dtype=torch.bool, device=input_ids.device)


@dataclass(frozen=True)
class Generated:
    text: str
    tokens: int  # new tokens up to and including the first stop token, or up to the closing code fence
    ids: tuple[int, ...] = ()  # those tokens' ids, as sampled (online RL trains on exactly these)


def _stop_ids(model, tokenizer) -> list[int]:
    ids = model.generation_config.eos_token_id
    ids = [] if ids is None else [ids] if isinstance(ids, int) else list(ids)
    if tokenizer.eos_token_id is not None and tokenizer.eos_token_id not in ids:
        ids.append(tokenizer.eos_token_id)
    return ids


def generation_config(params: "P.EvaluateParams", sample: bool, stop_ids: list[int], pad_token_id: int):
    """Nucleus sampling with the params' temperature and top_p (top_k = 0: generate() would otherwise apply
    its default top-k of 50), or greedy decoding."""
    from transformers import GenerationConfig

    return GenerationConfig(
        max_new_tokens=params.max_new_tokens,
        do_sample=sample,
        temperature=params.temperature if sample else None,
        top_p=params.top_p if sample else None,
        top_k=0 if sample else None,
        pad_token_id=pad_token_id,
        eos_token_id=stop_ids,
        use_cache=True,
    )


def generate_batch(model, tokenizer, texts: Sequence[str], params: "P.EvaluateParams", sample: bool,
                   seed: int) -> list[Generated]:
    """Complete each text once (one left-padded batch): sampled with the params' temperature and top_p, or
    greedy. The settings come from params only (see load_policy and generation_config)."""
    import torch
    from transformers import StoppingCriteriaList

    device = next(model.parameters()).device
    # The rendered prompt already holds the template's special tokens; do not add a second BOS.
    enc = tokenizer(list(texts), return_tensors="pt", padding=True, add_special_tokens=False).to(device)
    stop_ids = _stop_ids(model, tokenizer)
    config = generation_config(params, sample, stop_ids, tokenizer.pad_token_id)
    prompt_len = enc["input_ids"].shape[1]
    fence = _FenceClosed(tokenizer, prompt_len)
    torch.manual_seed(seed)
    with torch.inference_mode():
        out = model.generate(**enc, generation_config=config, stopping_criteria=StoppingCriteriaList([fence]))
    results = []
    for i, row in enumerate(out[:, prompt_len:].tolist()):
        # A row ends at its first stop token or where its code block closed (then padding follows).
        end = next((j + 1 for j, t in enumerate(row) if t in stop_ids), len(row))
        if fence.closed_at and fence.closed_at[i] is not None:
            end = min(end, fence.closed_at[i])
        results.append(Generated(tokenizer.decode(row[:end], skip_special_tokens=True), end, tuple(row[:end])))
    return results


@dataclass(frozen=True)
class Request:
    problem: int  # index into the problems list
    sample: int  # 0..n-1 for sampled completions, 0 for the greedy one
    greedy: bool


def generate_all(model, tokenizer, prompts: Sequence[str], params: "P.EvaluateParams", seed: int,
                 progress: bool = True) -> tuple[list[Request], list[Generated]]:
    """n sampled + 1 greedy completion per prompt. Requests are sorted by prompt length (longest first, so
    memory problems show at once) and cut into batches of ``batch_size``; batch b is seeded with seed + b so
    the result does not depend on what ran before."""
    from tqdm import tqdm

    lengths = [len(tokenizer(p, add_special_tokens=False)["input_ids"]) for p in prompts]
    requests = [Request(i, s, False) for i in range(len(prompts)) for s in range(params.n)]
    requests += [Request(i, 0, True) for i in range(len(prompts))]
    requests.sort(key=lambda r: (r.greedy, -lengths[r.problem], r.problem, r.sample))
    batches = [
        list(group)
        for _, same_mode in itertools.groupby(requests, key=lambda r: r.greedy)
        for group in _chunks(list(same_mode), params.batch_size)
    ]
    done: list[Request] = []
    outputs: list[Generated] = []
    for b, batch in enumerate(tqdm(batches, desc="generate", unit="batch", disable=not progress)):
        texts = [prompts[r.problem] for r in batch]
        outputs += generate_batch(model, tokenizer, texts, params, sample=not batch[0].greedy, seed=seed + b)
        done += batch
    return done, outputs


def _chunks(items: list, size: int) -> Iterable[list]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


# ------------------------------------------------------------------------------------------------------------
# The stage


def select_problems(problems: "tables.pa.Table", prm: "P.EvaluateParams", exec_prm: "P.ExecuteParams",
                    seed: int) -> list[dict]:
    """Problems of the evaluation splits that have tests of the judged sources, sorted by id; with
    max_problems, the first ones by a stable hash of (seed, problem_id) (a seeded, reproducible subset)."""
    rows = [r for r in problems.to_pylist() if r["split"] in prm.splits]
    judged = [r for r in rows if any(t["source"] in exec_prm.test_sources for t in r["tests"])]
    if len(judged) < len(rows):
        log.warning("evaluate: %d problems of %s have no tests of sources %s and are left out",
                    len(rows) - len(judged), list(prm.splits), list(exec_prm.test_sources))
    if prm.max_problems:
        judged.sort(key=lambda r: stable_hash(seed, r["problem_id"]))
        judged = judged[: prm.max_problems]
    return sorted(judged, key=lambda r: r["problem_id"])


def difficulty_order(problems: Sequence[dict]) -> list[str]:
    """Bucket names easiest first: by the mean CodeNet acceptance rate of their problems (buckets without a
    rate, such as "unknown", last)."""
    rates: dict[str, list[float]] = defaultdict(list)
    for p in problems:
        rate = p["acceptance_rate"]
        rates[p["difficulty"]] += [] if rate is None or math.isnan(rate) else [rate]
    return sorted(rates, key=lambda b: (not rates[b], -np.mean(rates[b]) if rates[b] else 0.0, b))


@dataclass(frozen=True)
class Timing:
    generate_s: float
    new_tokens: int
    judge_s: float
    programs_judged: int  # distinct (problem, program) pairs sent to the sandbox
    test_runs: int  # program executions on one test (a Compile Error runs none)

    @property
    def tokens_per_s(self) -> float:
        return self.new_tokens / self.generate_s if self.generate_s else float("nan")

    @property
    def runs_per_s(self) -> float:
        return self.test_runs / self.judge_s if self.judge_s else float("nan")


def run(prm: "P.EvaluateParams", exec_prm: "P.ExecuteParams", seed: int, model_dir: Path, name: str,
        problems_path: Path, out_dir: Path, metrics_path: Path, plots_dir: Path,
        progress: bool = True, ranking_inputs: tuple[Path, Path] | None = None) -> tuple[dict, Timing]:
    """Generate, judge and score; write samples.parquet, the metrics JSON and the plots data.
    ``ranking_inputs``: (rewards.parquet, ingest submissions.parquet) for the ranking accuracy
    (``pipeline.ranking``, metrics key "ranking"); None leaves it out (the stage always passes them).
    Returns (metrics of this model, timing). Raises FileNotFoundError for a missing model or problems file
    and ValueError when the splits hold no judgeable problem."""
    if not name or not re.fullmatch(r"[\w.-]+", name):
        raise ValueError(f"model name {name!r} must be a non-empty word (letters, digits, _ . -)")
    table = tables.read_table(problems_path, tables.PROBLEMS)
    problems = select_problems(table, prm, exec_prm, seed)
    if not problems:
        raise ValueError(f"{problems_path}: no problem with tests in splits {list(prm.splits)}")
    log.info("evaluate %s: %d problems x (%d sampled + 1 greedy)", name, len(problems), prm.n)

    model, tokenizer, device = load_policy(model_dir)
    ranking = None
    if ranking_inputs is not None:
        ranking = rank_programs(model, tokenizer, table, prm, seed, device, *ranking_inputs)
    prompts = [render_prompt(tokenizer, build_prompt(p["statement"] or "")) for p in problems]
    start = time.perf_counter()
    requests, generated = generate_all(model, tokenizer, prompts, prm, seed, progress)
    generate_s = time.perf_counter() - start
    del model  # the weights are not needed while judging (which can take longer than generating)

    programs = [extract_program(g.text) for g in generated]
    start = time.perf_counter()
    judgements = judging.judge([problems[r.problem]["problem_id"] for r in requests], programs, table, exec_prm, progress)
    judge_s = time.perf_counter() - start
    sandbox_errors = sum(j.verdict == "Sandbox Error" for j in judgements)
    if sandbox_errors:  # counted as failures (and reported in verdict_rates): pass@k is then a lower bound
        log.warning("evaluate %s: %d completions got a Sandbox Error (the sandbox, not the program, failed)",
                    name, sandbox_errors)

    unique = {(problems[r.problem]["problem_id"], prog): j for r, prog, j in zip(requests, programs, judgements)}
    timing = Timing(
        generate_s=generate_s, new_tokens=sum(g.tokens for g in generated), judge_s=judge_s,
        programs_judged=len(unique),
        test_runs=sum(sum(v != "Skipped" for v in j.test_verdicts) for j in unique.values()
                      if j.verdict != "Compile Error"),
    )
    rows = []
    for r, g, program, j in zip(requests, generated, programs, judgements):
        p = problems[r.problem]
        rows.append({
            "model": name, "problem_id": p["problem_id"], "split": p["split"], "difficulty": p["difficulty"],
            "sample": r.sample, "greedy": r.greedy, "completion": g.text, "completion_tokens": g.tokens,
            "program": program, "verdict": j.verdict, "tests_passed": j.tests_passed,
            "tests_total": j.tests_total, "error": j.error,
        })
    rows.sort(key=lambda row: (row["problem_id"], row["greedy"], row["sample"]))
    tables.write_table(tables.from_rows(rows, tables.SAMPLES), out_dir / "samples.parquet", tables.SAMPLES)

    metrics = summarise(rows, prm.k, difficulty_order(problems))
    metrics["mean_completion_tokens"] = float(np.mean([row["completion_tokens"] for row in rows]))
    if ranking is not None:
        metrics["ranking"] = ranking
    tables.write_json({name: metrics}, metrics_path)
    write_plots(rows, metrics, prm.n, plots_dir)

    log.info("evaluate %s: pass@1 %.3f, greedy pass@1 %.3f; generation %.1f new tokens/s on %s, "
             "sandbox %.1f test runs/s", name, metrics["pass@1"], metrics["greedy_pass@1"],
             timing.tokens_per_s, device, timing.runs_per_s)
    return metrics, timing


def rank_programs(model, tokenizer, table: "tables.pa.Table", prm: "P.EvaluateParams", seed: int, device,
                  rewards_path: Path, submissions_path: Path) -> dict:
    """The ranking metrics block on every problem of the evaluation splits (tests or not, max_problems aside)."""
    from pipeline import ranking

    problems = [r for r in table.to_pylist() if r["split"] in prm.splits]
    rewards = tables.read_table(rewards_path, tables.REWARDS, columns=["submission_id", "verdict"]).to_pandas()
    submissions = tables.read_table(submissions_path, tables.SUBMISSIONS,
                                    columns=["submission_id", "problem_id", "user_id", "code"]).to_pandas()
    start = time.perf_counter()
    block = ranking.evaluate_ranking(model, tokenizer, problems, rewards, submissions, prm, seed, device)
    block["seconds"] = time.perf_counter() - start
    return block


def write_plots(rows: Sequence[dict], metrics: dict, n: int, plots_dir: Path) -> None:
    """DVC plots data: pass@k for k = 1..n, and pass@1 / greedy pass@1 per difficulty bucket (easiest first)."""
    tables.write_json(pass_at_k_curve(rows, n), plots_dir / "pass_at_k.json")
    buckets = sorted(metrics["by_difficulty"].items(), key=lambda kv: kv[1]["rank"])
    tables.write_json(
        [{"difficulty": b, "pass_at_1": m["pass@1"], "greedy_pass_at_1": m["greedy_pass@1"],
          "problems": m["problems"]} for b, m in buckets],
        plots_dir / "pass1_by_difficulty.json",
    )


def main(params_path: Path, model_dir: Path, name: str, problems_path: Path, out_dir: Path, metrics_path: Path,
         plots_dir: Path | None = None, rewards_path: Path = Path("data/rewards/rewards.parquet"),
         submissions_path: Path = Path("data/ingest/submissions.parquet")) -> dict:
    prm = P.load(P.EvaluateParams, params_path)
    exec_prm = P.load(P.ExecuteParams, params_path)
    seed = int(P.load_top("seed", params_path))
    plots_dir = plots_dir or metrics_path.parent / "plots" / name
    metrics, _ = run(prm, exec_prm, seed, model_dir, name, problems_path, out_dir, metrics_path, plots_dir,
                     ranking_inputs=(rewards_path, submissions_path))
    return metrics


# ------------------------------------------------------------------------------------------------------------
# Comparison of evaluated models


def comparison_table(per_model: dict[str, dict]) -> str:
    """A Markdown report of models side by side: pass@k and greedy pass@1 overall, pass@1 per difficulty
    bucket (easiest first), verdict rates and diversity. ``per_model`` maps a name to its metrics."""
    models = list(per_model)
    pass_keys = sorted({k for m in per_model.values() for k in m if k.startswith("pass@")},
                       key=lambda k: int(k.removeprefix("pass@")))
    buckets: dict[str, int] = {}
    for m in per_model.values():
        for b, block in m.get("by_difficulty", {}).items():
            buckets.setdefault(b, block.get("rank", len(buckets)))

    def table(title: str, header: str, lines: list[tuple[str, list]]) -> list[str]:
        out = [f"## {title}", "", f"| {header} | " + " | ".join(models) + " |",
               "|---|" + "---:|" * len(models)]
        out += [f"| {label} | " + " | ".join(_fmt(v) for v in values) + " |" for label, values in lines]
        return out + [""]

    def get(m: dict, *path):
        for key in path:
            if not isinstance(m, dict) or key not in m:
                return None
            m = m[key]
        return m

    lines = ["# Evaluation: models side by side", ""]
    lines += table("Pass rates (all evaluated problems)", "metric",
                   [("problems", [get(per_model[m], "problems") for m in models])]
                   + [(k, [get(per_model[m], k) for m in models]) for k in pass_keys + ["greedy_pass@1"]])
    lines += table("pass@1 by difficulty", "difficulty",
                   [(f"{b} ({_fmt(get(per_model[models[0]], 'by_difficulty', b, 'problems'))} problems)",
                     [get(per_model[m], "by_difficulty", b, "pass@1") for m in models])
                    for b in sorted(buckets, key=buckets.get)])
    lines += table("Ranking accuracy (correct vs incorrect program of one problem, forward passes only)",
                   "metric", ranking_lines(per_model, models, get))
    verdicts = sorted({v for m in per_model.values() for v in m.get("verdict_rates", {})},
                      key=lambda v: (VERDICTS.index(v) if v in VERDICTS else len(VERDICTS), v))
    lines += table("Verdicts among samples", "verdict",
                   [(v, [get(per_model[m], "verdict_rates", v) for m in models]) for v in verdicts])
    div_keys = [f"distinct_{n}" for n in NGRAM_ORDERS] + ["edit_distance"]
    lines += table("Diversity (mean over problems)", "metric",
                   [(f"{subset}: {k}", [get(per_model[m], "diversity", subset, k) for m in models])
                    for subset in ("all", "correct") for k in div_keys])
    return "\n".join(lines)


def ranking_lines(per_model: dict[str, dict], models: list[str], get) -> list[tuple[str, list]]:
    """Rows of the ranking table: pairs, accuracy (summed and per-token log-likelihood) with its 95% bootstrap
    interval over problems, and the mean margins."""
    def accuracy(m: str, kind: str):
        value, ci = get(per_model[m], "ranking", f"accuracy_{kind}"), get(per_model[m], "ranking", f"accuracy_{kind}_ci95")
        return None if value is None else f"{value:.3f} [{ci[0]:.3f}, {ci[1]:.3f}]"

    return [("pairs (problems)", [None if get(per_model[m], "ranking", "pairs") is None else
                                  f"{get(per_model[m], 'ranking', 'pairs')} ({get(per_model[m], 'ranking', 'problems')})"
                                  for m in models]),
            ("accuracy, summed log-lik. [95% CI]", [accuracy(m, "sum") for m in models]),
            ("accuracy, per-token log-lik. [95% CI]", [accuracy(m, "token") for m in models]),
            ("mean margin, summed (nats)", [get(per_model[m], "ranking", "margin_sum") for m in models]),
            ("mean margin, per token (nats)", [get(per_model[m], "ranking", "margin_token") for m in models])]


def _fmt(value) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


def compare(metrics_dir: Path, out_path: Path) -> str:
    """Read every ``<metrics_dir>/*.json`` written by this stage ({name: metrics}), write the Markdown
    comparison to ``out_path`` and return it. Models appear in the order base, sft, rloo, then by name."""
    import json

    per_model: dict[str, dict] = {}
    for path in sorted(metrics_dir.glob("*.json")):
        data = json.loads(path.read_text())
        if not isinstance(data, dict) or len(data) != 1 or not isinstance(next(iter(data.values())), dict):
            raise ValueError(f"{path}: expected {{model name: metrics}} as written by `coderl evaluate`")
        per_model.update(data)
    if not per_model:
        raise FileNotFoundError(f"no metrics in {metrics_dir}/*.json: run `coderl evaluate` (or `dvc repro`) first")
    known = ["base", "sft", "rloo"]
    order = sorted(per_model, key=lambda m: (known.index(m) if m in known else len(known), m))
    text = comparison_table({m: per_model[m] for m in order}) + "\n"
    write_text(out_path, text)
    return text
