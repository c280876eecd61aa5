"""How much the generated tests change the judge: for a seeded subset of submissions per (problem, CodeNet
status), the fraction the judge accepts with the sample tests only and with the generated tests."""
from __future__ import annotations

import dataclasses

from collections import Counter, defaultdict

from tqdm import tqdm

from pipeline import judging, params
from pipeline.testgen.validate import GENERATED, SAMPLE_SOURCES, SOURCES, stable_key
from sandbox import Job, Sandbox
from sandbox.judge import PASSED, SKIPPED

# Judge configurations compared in summary.json: the tests of these sources.
CONFIGS = (("derived",), ("derived", "statement"), ("derived", GENERATED), ("derived", "statement", GENERATED))
WRONG_STATUSES = ("Wrong Answer", "Runtime Error", "Time Limit Exceeded")


def config_name(config: tuple[str, ...]) -> str:
    return "+".join(config)


def source_results(sources: list[str], verdicts: tuple[str, ...]) -> dict[str, bool | None]:
    """Per test source, whether all its tests passed (None: unknown, some were skipped after a timeout)."""
    out: dict[str, bool | None] = {}
    for source in dict.fromkeys(sources):
        mine = [v for s, v in zip(sources, verdicts) if s == source]
        failed = any(v not in PASSED and v != SKIPPED for v in mine)
        out[source] = False if failed else None if SKIPPED in mine else True
    return out


def measure(
    box: Sandbox, problems: dict[str, dict], subs: list[dict], exe: params.ExecuteParams, labeller_ids: set[str],
    special_judges: set[str] = frozenset(),
) -> dict:
    """Per CodeNet status, the fraction of `subs` the judge accepts under each of CONFIGS.

    Each submission is judged once on all its problem's tests, derived first and generated last, through the
    execute stage's judging path (judging.problem_judging: its limits, tolerance and stop_after_timeout rule);
    a configuration accepts it when every test of its sources passed. Only when a statement test timed out are
    the generated tests judged on their own (their verdicts were skipped). The
    Accepted rate is also given for the submissions that validated nothing (held out), and for the Accepted
    submissions that pass every sample test (what the generated tests alone take away: CodeNet's Accepted
    programs that fail a sample here do so before any generated test); those failing a sample are counted by
    cause: the problem is a special judge (`special_judges`: several right answers, exact comparison cannot
    judge it), or the first failing sample's verdict (a crash is mostly this Python, not CodeNet's: a removed
    module, a Python 2 idiom)."""

    def job(sub: dict, sources: tuple[str, ...]) -> tuple[Job, list[str]]:
        # The execute stage's judging path with only these sources; the row holds its tests in SOURCES order.
        judged = judging.problem_judging(problems[sub["problem_id"]], dataclasses.replace(exe, test_sources=sources))
        return judged.job(sub["code"]), list(judged.sources)

    def judge(todo: list[dict], sources: tuple[str, ...], into: dict) -> None:
        jobs = [job(sub, sources) for sub in todo]
        for index, judgement in tqdm(box.judge_many(j for j, _ in jobs), total=len(jobs), desc="measure",
                                     unit="program", mininterval=2):
            sources, verdicts = jobs[index][1], judgement.test_verdicts
            into[todo[index]["submission_id"]].update(source_results(sources, verdicts))
            for wanted, firsts in ((SAMPLE_SOURCES, first_sample_failure), ((GENERATED,), first_failure)):
                failing = [v for s, v in zip(sources, verdicts) if s in wanted and v not in PASSED and v != SKIPPED]
                if failing:
                    firsts[todo[index]["submission_id"]] = failing[0]

    passed: dict[str, dict[str, bool | None]] = defaultdict(dict)
    first_failure: dict[str, str] = {}  # the verdict of the first generated test a submission fails
    first_sample_failure: dict[str, str] = {}  # ... and of the first sample test
    subs = [s for s in subs if any(t["source"] in SAMPLE_SOURCES for t in problems[s["problem_id"]]["tests"])]
    judge(subs, SOURCES, passed)
    judge([s for s in subs if passed[s["submission_id"]].get(GENERATED, False) is None], (GENERATED,), passed)
    accepted: dict[str, Counter] = {config_name(c): Counter() for c in CONFIGS}
    # the same, over the problems that got generated tests (elsewhere the generated tests change nothing)
    accepted_where_generated: dict[str, Counter] = {config_name(c): Counter() for c in CONFIGS}
    judged_where_generated: Counter = Counter()
    with_generated = {pid for pid, row in problems.items() if any(t["source"] == GENERATED for t in row["tests"])}
    heldout: dict[str, int] = dict.fromkeys(accepted, 0)
    judged, judged_heldout = Counter(), 0
    caught: dict[str, Counter] = defaultdict(Counter)  # status -> verdicts of samples-passing ones generated fail
    accepted_on_samples = accepted_kept = 0
    accepted_sample_failures: Counter = Counter()
    for sub in subs:
        results = passed[sub["submission_id"]]
        on_samples = all(results.get(s, True) for s in SAMPLE_SOURCES)
        if on_samples and sub["submission_id"] in first_failure:
            caught[sub["status"]][first_failure[sub["submission_id"]]] += 1
        if sub["status"] == "Accepted" and on_samples:
            accepted_on_samples += 1
            accepted_kept += bool(results.get(GENERATED, True))
        elif sub["status"] == "Accepted":
            accepted_sample_failures["special judge" if sub["problem_id"] in special_judges
                                     else first_sample_failure.get(sub["submission_id"], "unknown")] += 1
        judged[sub["status"]] += 1
        generated_here = sub["problem_id"] in with_generated
        judged_where_generated[sub["status"]] += generated_here
        is_heldout = sub["status"] == "Accepted" and sub["submission_id"] not in labeller_ids
        judged_heldout += is_heldout
        for config in CONFIGS:
            ok = all(results.get(s, True) for s in config)  # a source without tests accepts everything
            accepted[config_name(config)][sub["status"]] += ok
            accepted_where_generated[config_name(config)][sub["status"]] += ok and generated_here
            heldout[config_name(config)] += ok and is_heldout
    def false_accepted(accepted_counts: dict[str, Counter], judged_counts: Counter) -> dict[str, float]:
        # WA / RE / TLE submissions the judge accepts, pooled (the "false-Accepted rate")
        wrong = sum(judged_counts[s] for s in WRONG_STATUSES)
        return {name: sum(c[s] for s in WRONG_STATUSES) / wrong if wrong else 0.0
                for name, c in accepted_counts.items()}

    return {
        "judged": dict(sorted(judged.items())),
        "accepted_rate": {name: {s: accepted[name][s] / n for s, n in sorted(judged.items())} for name in accepted},
        "false_accepted": false_accepted(accepted, judged),
        "false_accepted_where_generated": false_accepted(accepted_where_generated, judged_where_generated),
        "wrong_judged_where_generated": sum(judged_where_generated[s] for s in WRONG_STATUSES),
        "accepted_heldout_judged": judged_heldout,
        # submissions that pass every sample test but fail a generated one, by the verdict there
        "caught_by_generated": {status: dict(sorted(c.items())) for status, c in sorted(caught.items())},
        "accepted_heldout_rate": {name: heldout[name] / judged_heldout if judged_heldout else 1.0
                                  for name in heldout},
        # Accepted submissions that pass every sample test, and the share of them the generated tests keep
        "accepted_passing_samples": accepted_on_samples,
        "accepted_kept_by_generated": accepted_kept / accepted_on_samples if accepted_on_samples else 1.0,
        "accepted_failing_samples": dict(accepted_sample_failures.most_common()),
    }


def measurement_subset(meta: list[dict], per_status: int, seed: int) -> list[str]:
    """Up to per_status submission ids per (problem, CodeNet status), in a seeded stable order."""
    by_cell: dict[tuple[str, str], list[str]] = defaultdict(list)
    for sub in meta:
        by_cell[(sub["problem_id"], sub["status"])].append(sub["submission_id"])
    chosen = []
    for ids in by_cell.values():
        chosen += sorted(ids, key=lambda i: stable_key(seed, i))[:per_status]
    return sorted(chosen)


def summary_markdown(summary: dict) -> str:
    """The per-status accepted rates of summary.json as a Markdown table (benchmarks/RESULTS.md)."""
    m = summary["measurement"]
    names = [config_name(c) for c in CONFIGS]
    lines = ["| CodeNet status | n | " + " | ".join(f"accepted: {n}" for n in names) + " |",
             "|---|---:|" + "---:|" * len(names)]
    for status, n in m["judged"].items():
        lines.append(f"| {status} | {n} | " + " | ".join(f"{m['accepted_rate'][c][status]:.1%}" for c in names) + " |")
    lines.append("| **WA + RE + TLE (false-Accepted)** | "
                 f"{sum(m['judged'].get(s, 0) for s in WRONG_STATUSES)} | "
                 + " | ".join(f"**{m['false_accepted'][c]:.1%}**" for c in names) + " |")
    lines.append(f"| Accepted, not validators (held out) | {m['accepted_heldout_judged']} | "
                 + " | ".join(f"{m['accepted_heldout_rate'][c]:.1%}" for c in names) + " |")
    return "\n".join(lines)


