"""The tests stage: per problem, candidate inputs within the statement's constraints (draw.py), those that catch a
boundary mutant first (mutants.py), validated by the problem's Accepted programs and cross-checked on held-out
ones (validate.py); then a measurement of what the generated tests change (measure.py). Outputs: problems.parquet
(the ingest problems, generated tests appended with source "generated"), report.json (per problem: what the
constraints parser read and not, the candidates, mutants caught, kept, rejected and why, special judge,
cross-check) and summary.json (DVC metrics)."""
from __future__ import annotations

import logging
import time
from collections import Counter, defaultdict
from pathlib import Path

import pyarrow.parquet as pq
from tqdm import tqdm

from pipeline import judging, params, tables
from pipeline.engine import open_judge
from pipeline.testgen import draw, measure, mutants
from pipeline.testgen.validate import (
    GENERATED, REJECT_REASONS, cross_check, many_answers, screen, split_programs, stable_key, validate_candidates,
)
from sandbox import Sandbox

log = logging.getLogger(__name__)

META_COLUMNS = ["submission_id", "problem_id", "status", "python_version", "code_hash", "is_duplicate"]
COUNTS = ("candidates", "duplicate", "too_large", "out_of_spec", "validated", "kept", "surplus", "not_validated")


def _empty_report() -> dict:
    return {**dict.fromkeys(COUNTS, 0), "rejected": dict.fromkeys(REJECT_REASONS, 0), "kept_by_regime": {},
            "stopped_by": None, "skipped": None, "special_judge": False, "constraints": None, "validators": [],
            "heldout": [], "screened_out": [], "cross_check": None, "mutants": None, "seconds": 0.0}


def generate_problem_tests(
    box: Sandbox, problem: dict, accepted: list[dict], prm: params.TestsParams, exe: params.ExecuteParams, seed: int
) -> tuple[list[dict], dict]:
    """(generated tests, report) for one problem row of problems.parquet and its Accepted Python 3
    submissions (dicts with submission_id, code, code_hash)."""
    start = time.monotonic()
    pid = problem["problem_id"]
    own = [t for t in problem["tests"] if t["source"] != GENERATED]
    report = _empty_report()
    tests = _generate(box, problem, own, accepted, prm, exe, seed, report)
    report["seconds"] = round(time.monotonic() - start, 2)
    log.info("tests %s: kept %d of %d candidates (%s)", pid, report["kept"], report["candidates"],
             report["skipped"] or "validated")
    return tests, report


def _generate(box, problem, own, accepted, prm, exe, seed, report) -> list[dict]:
    pid = problem["problem_id"]
    sp = draw.spec(problem.get("statement") or "", [t["input"] for t in own])
    report["constraints"] = sp.report()
    if not any(t["input"].strip() for t in own):
        report["skipped"] = "no sample input"
        return []
    if prm.unparsed == "skip" and sp.constraints.not_parsed:
        report["skipped"] = f"a constraint line was not parsed (tests.unparsed = skip): {sp.constraints.not_parsed[0]}"
        return []
    judged = judging.problem_judging(problem, exe)  # its limits and comparison (tests are given per use)
    pool, heldout = split_programs(accepted, prm, seed)
    samples = tuple((t["input"], t["output"]) for t in own)
    ok, wrong, failed, cpu = screen(box, pool[: prm.validators] + heldout, samples, judged)
    validators = [p for p in pool[: prm.validators] if p in ok]
    heldout_ok = [p for p in heldout if p in ok]
    report.update(validators=[p["submission_id"] for p in validators], heldout=[p["submission_id"] for p in heldout_ok],
                  screened_out=[p["submission_id"] for p in wrong + failed])
    if wrong or many_answers(problem.get("statement") or ""):
        report["special_judge"] = True
        report["skipped"] = ("special judge: an Accepted program prints another answer on a sample"
                             if wrong else "special judge: the statement accepts several answers")
        return []
    key = "min_validators_specified" if sp.complete else "min_validators"
    if len(validators) < getattr(prm, key):
        report["skipped"] = (f"{len(validators)} distinct Accepted Python 3 programs pass the samples; "
                             f"tests.{key} = {getattr(prm, key)}")
        return []
    candidates, dropped = draw.candidates(sp, [t["input"] for t in own], prm, seed, pid)
    candidates, report["mutants"] = mutants.prioritise(box, validators, cpu, candidates, samples, judged,
                                                       prm.mutants, exe.workers, f"{seed}:{pid}")
    # the maximum-size (lead) candidates and those that catch a mutant (next in order) are never set aside for
    # their output
    leading = (sum(regime in draw.LEAD_REGIMES for regime, _ in candidates)
               + (report["mutants"]["catching_candidates"] if report["mutants"] else 0))
    tests, counts, stopped = validate_candidates(
        box, [p["code"] for p in validators], candidates, judged, prm, exe.workers, leading
    )
    report.update(candidates=prm.candidates, duplicate=dropped["duplicate"], too_large=dropped["too_large"],
                  out_of_spec=dropped["out_of_spec"], kept=counts["kept"], surplus=counts["surplus"],
                  not_validated=counts["not_validated"], stopped_by=stopped)
    report["validated"] = len(candidates) - counts["not_validated"]
    report["rejected"] = {r: counts[r] for r in REJECT_REASONS}
    report["kept_by_regime"] = {k[5:]: v for k, v in sorted(counts.items()) if k.startswith("kept_")}
    checked, failing = cross_check(box, heldout_ok, tests, judged)
    report["cross_check"] = {"judged": checked, "failed": failing,
                             "pass_rate": (checked - len(failing)) / checked if checked else None}
    if failing:
        report["skipped"] = f"cross-check: {len(failing)} of {checked} held-out Accepted programs fail a kept test"
        report["kept"] = 0
        return []
    return tests


def _read_code(path: Path, ids: list[str]) -> dict[str, str]:
    if not ids:
        return {}
    table = pq.read_table(path, columns=["submission_id", "code"], filters=[("submission_id", "in", ids)])
    return dict(zip(table.column("submission_id").to_pylist(), table.column("code").to_pylist()))


def run(prm: params.TestsParams, exe: params.ExecuteParams, seed: int, ingest_dir: Path, out_dir: Path) -> dict:
    """Generate, validate and measure tests for every ingested problem; write problems.parquet, report.json and
    summary.json to out_dir. Returns the summary."""
    problems = tables.read_table(ingest_dir / "problems.parquet", tables.PROBLEMS).to_pylist()
    subs_path = ingest_dir / "submissions.parquet"
    meta = tables.read_table(subs_path, tables.SUBMISSIONS, columns=META_COLUMNS).to_pylist()
    accepted_meta: dict[str, list[dict]] = defaultdict(list)
    for sub in meta:
        if sub["status"] == "Accepted" and sub["python_version"] == 3 and not sub["is_duplicate"]:
            accepted_meta[sub["problem_id"]].append(sub)
    code = _read_code(subs_path, [s["submission_id"] for subs in accepted_meta.values() for s in subs])
    report, validator_ids = {}, set()
    with open_judge(exe) as box:
        for row in tqdm(problems, desc="tests", unit="problem"):
            pid = row["problem_id"]
            accepted = [{**s, "code": code[s["submission_id"]]} for s in accepted_meta.get(pid, [])]
            tests, report[pid] = generate_problem_tests(box, row, accepted, prm, exe, seed)
            if report[pid]["skipped"] is None:  # elsewhere the validators shaped no kept test
                validator_ids.update(report[pid]["validators"])
            row["tests"] = [t for t in row["tests"] if t["source"] != GENERATED] + tests
        tables.write_table(tables.from_rows(problems, tables.PROBLEMS), out_dir / "problems.parquet", tables.PROBLEMS)
        tables.write_json(report, out_dir / "report.json")
        measurement = {}
        if prm.measure_per_status:
            ids = measure.measurement_subset(meta, prm.measure_per_status, seed)
            code = _read_code(subs_path, ids)
            by_id = {s["submission_id"]: s for s in meta}
            subs = [{**by_id[i], "code": code[i]} for i in ids]
            measurement = measure.measure(box, {r["problem_id"]: r for r in problems}, subs, exe, validator_ids,
                                          {pid for pid, r in report.items() if r["special_judge"]})
    summary = {"tests": totals(report), "cross_check": cross_checks(report), "measurement": measurement}
    tables.write_json(summary, out_dir / "summary.json")
    return summary


def cross_checks(report: dict) -> dict:
    """Per problem with held-out programs judged, their pass rate on the kept tests, and the problems that lost
    their generated tests to it."""
    rates = {pid: r["cross_check"]["pass_rate"] for pid, r in sorted(report.items())
             if r["cross_check"] and r["cross_check"]["judged"]}
    return {"pass_rate": rates, "failed_problems": sorted(p for p, rate in rates.items() if rate < 1.0)}


def totals(report: dict) -> dict:
    """Sums of the per-problem report (summary.json's `tests`), with the constraint parse rate and the mutants
    (alive after the samples, caught by a candidate, candidates that catch one)."""
    out, rejected, regimes, caught = Counter(), Counter(), Counter(), Counter()
    lines = parsed_lines = sections = fits = 0
    for r in report.values():
        for key in COUNTS:
            out[key] += r[key]
        rejected.update(r["rejected"])
        regimes.update(r["kept_by_regime"])
        caught.update(r["mutants"] or {})
        out["problems"] += 1
        out["problems_with_generated"] += r["kept"] > 0
        out["problems_skipped"] += r["skipped"] is not None
        out["problems_special_judge"] += r["special_judge"]
        c = r["constraints"]
        if c:
            sections += c["section"]
            lines += c["lines_parsed"] + len(c["not_parsed"])
            parsed_lines += c["lines_parsed"]
            fits += c["format_fits_samples"]
    return {**dict(out), "rejected": {k: rejected[k] for k in REJECT_REASONS}, "kept_by_regime": dict(regimes),
            "mutants": {k: caught[k] for k in ("alive", "caught", "catching_candidates")},
            "special_judge_problems": sorted(p for p, r in report.items() if r["special_judge"]),
            "constraints": {"sections": sections, "lines": lines, "lines_parsed": parsed_lines,
                            "parse_rate": parsed_lines / lines if lines else None, "format_fits_samples": fits}}


def main(params_path: Path, ingest_dir: Path, out_dir: Path) -> dict:
    return run(
        params.load(params.TestsParams, params_path), params.load(params.ExecuteParams, params_path),
        int(params.load_top("seed", params_path)), ingest_dir, out_dir,
    )
