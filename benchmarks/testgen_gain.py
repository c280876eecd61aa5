"""Generated tests: how often the judge accepts each CodeNet status with sample tests only vs generated tests.

    python benchmarks/testgen_gain.py [--codenet-root PATH] [--seeds 1 2 3] [--measure-all]
                                      [--statements DIR] [--no-write]

Ingests a CodeNet tree (default: the bundled sample; for real data, the tree benchmarks/realdata_tree.py builds
from ../shared/realdata) into benchmarks/.scratch/testgen/, runs the tests stage (pipeline/testgen/) with the
`tests` and `execute` sections of params.yaml, once per seed (default: params' seed), and writes the section
"## Generated tests" of benchmarks/RESULTS.md (only that section is replaced): per status, the fraction of
submissions the judge accepts with the sample tests only and with the generated tests added; the pooled
false-Accepted rate of Wrong Answer / Runtime Error / TLE submissions; held-out Accepted submissions; the
submissions that pass every sample but fail a generated test, by verdict (the TLE share); the candidates'
fate; the constraint parse rate; and the time per problem. `--measure-all` judges every submission instead of
`tests.measure_per_status` per (problem, status); `--statements DIR` also reports the parse rate over every
statement in DIR (e.g. ../shared/realdata/problem_descriptions). With several seeds, the rates of every seed
are listed and the table is the first seed's.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import results  # noqa: E402  (benchmarks/ is on sys.path when run as a script)
import dataclasses  # noqa: E402
import statistics  # noqa: E402

from pipeline import codenet, ingest, params, testgen  # noqa: E402
from pipeline.testgen import constraints, measure  # noqa: E402

SECTION = "## Generated tests"
SCRATCH = REPO / "benchmarks" / ".scratch" / "testgen"


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    return f"{os.cpu_count()} x {cpu}, Linux {platform.release()}, Python {platform.python_version()}"


def statement_parse_rate(folder: Path) -> str:
    """The constraint parser over every statement (*.html) in a folder: sections, lines, lines parsed."""
    sections = lines = parsed = complete = files = 0
    for path in sorted(folder.glob("*.html")):
        files += 1
        text, _ = codenet.parse_statement(path.read_bytes().decode("utf-8", errors="replace"))
        p = constraints.parse_constraints(text)
        sections += p.has_section
        lines += len(p.parsed) + len(p.not_parsed)
        parsed += len(p.parsed)
        complete += p.has_section and not p.not_parsed
    return (f"Constraint parser over the {files} statements in `{folder}`: {sections} have a Constraints / 制約 "
            f"section; {parsed} of its {lines} lines give a fact ({parsed / max(lines, 1):.1%}); every line read "
            f"in {complete} of {sections} sections.")


def kept_inputs_in_spec(tests_dir: Path) -> tuple[int, int, list[str]]:
    """(generated tests checked, of them outside a parsed fact, the problems of those): every kept input of a
    problem whose format fits its samples, aligned and checked against the facts the draw used."""
    from pipeline import tables
    from pipeline.testgen import draw
    from pipeline.testgen import format as input_format
    from pipeline.testgen.layout import split_input

    checked, bad, where = 0, 0, []
    for row in tables.read_table(tests_dir / "problems.parquet", tables.PROBLEMS).to_pylist():
        generated = [t["input"] for t in row["tests"] if t["source"] == "generated"]
        own = [t["input"] for t in row["tests"] if t["source"] != "generated"]
        sp = draw.spec(row.get("statement") or "", own)
        if not generated or not sp.fits:
            continue
        for text in generated:
            checked += 1
            aligned = input_format.align(sp.template, split_input(text))
            if aligned is None or input_format.check(sp.facts, aligned):
                bad += 1
                where.append(row["problem_id"])
    return checked, bad, sorted(set(where))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--codenet-root", default=None, help="CodeNet tree [default: params.yaml ingest.codenet_root]")
    ap.add_argument("--params", default=str(REPO / "params.yaml"))
    ap.add_argument("--seeds", type=int, nargs="*", default=None, help="[default: params.yaml seed]")
    ap.add_argument("--measure-all", action="store_true", help="judge every submission, not a sample per status")
    ap.add_argument("--statements", default=None, help="also report the parse rate over these statements")
    ap.add_argument("--no-write", action="store_true", help="print the section only")
    args = ap.parse_args()
    ing = params.load(params.IngestParams, args.params)
    root = args.codenet_root or ing.codenet_root
    prm, exe = params.load(params.TestsParams, args.params), params.load(params.ExecuteParams, args.params)
    if args.measure_all:
        prm = dataclasses.replace(prm, measure_per_status=10**6)
    seeds = args.seeds or [int(params.load_top("seed", args.params))]
    ingest.run(params.IngestParams(**{**ing.__dict__, "codenet_root": str(root)}), SCRATCH / "ingest")
    runs = []
    for seed in seeds:
        start = time.monotonic()
        summary = testgen.run(prm, exe, seed, SCRATCH / "ingest", SCRATCH / f"tests-{seed}")
        runs.append((seed, summary, time.monotonic() - start))
    seed, summary, seconds = runs[0]
    report = json.loads((SCRATCH / f"tests-{seed}" / "report.json").read_text())
    t, m = summary["tests"], summary["measurement"]
    rejected = ", ".join(f"{k} {v}" for k, v in t["rejected"].items() if v) or "none"
    per_problem = [r["seconds"] for r in report.values()]
    generating = [r["seconds"] for r in report.values() if r["validated"]]
    sample_cfg, full_cfg = "derived+statement", "derived+statement+generated"
    caught = {s: c for s, c in m["caught_by_generated"].items() if s != "Accepted"}
    n_caught = sum(sum(c.values()) for c in caught.values())
    tle = sum(c.get("Time Limit Exceeded", 0) for c in caught.values())
    c = t["constraints"]
    cross = summary["cross_check"]
    in_spec_checked, out_of_spec, out_of_spec_where = kept_inputs_in_spec(SCRATCH / f"tests-{seed}")
    load = os.getloadavg()[0]
    lines = [
        SECTION, "",
        f"Machine: {machine()}; load average (1 min) {load:.1f} at the end (shared machine). "
        f"Judge: {exe.backend} backend, {exe.workers} workers, time limit x {exe.time_limit_factor}.",
        "Command: `python benchmarks/testgen_gain.py"
        + (f" --codenet-root {args.codenet_root}" if args.codenet_root else "")
        + (" --measure-all" if args.measure_all else "")
        + (f" --statements {args.statements}" if args.statements else "")
        + (f" --seeds {' '.join(map(str, seeds))}" if args.seeds else "") + "` "
        f"(data: `{root}`; params.yaml `tests`: candidates {prm.candidates}, max_tests {prm.max_tests}, "
        f"max_same_output {prm.max_same_output}, max_rejected {prm.max_rejected}, mutants {prm.mutants}, "
        f"validators {prm.validators}, "
        f"min_validators {prm.min_validators}, min_validators_specified {prm.min_validators_specified}, "
        f"heldout_fraction {prm.heldout_fraction}, max_time_fraction {prm.max_time_fraction}, unparsed "
        f"{prm.unparsed}, small_input_bytes {prm.small_input_bytes}, time_budget_s {prm.time_budget_s}; seed {seed}).",
        "",
        "Fraction of submissions the judge calls Accepted, per status, by the tests it judges with "
        "(derived = CodeNet's sample test; statement = the statement's samples; generated = this stage):", "",
        measure.summary_markdown(summary), "",
        f"- **Accepted kept** (judged Accepted with every test): "
        f"{m['accepted_rate'][full_cfg].get('Accepted', float('nan')):.1%} of {m['judged'].get('Accepted', 0)}; "
        f"held out of validation: {m['accepted_heldout_rate'][full_cfg]:.1%} of {m['accepted_heldout_judged']}.",
        f"- **Accepted kept by the generated tests** (of the Accepted programs that pass every sample test here, "
        f"the share that passes the generated tests too): {m['accepted_kept_by_generated']:.1%} of "
        f"{m['accepted_passing_samples']}. Accepted programs that fail a sample test here, by cause: "
        f"{m['accepted_failing_samples'] or 'none'} (special judge: the problem accepts several answers and the "
        f"judge compares exactly; a crash or Compile Error is a program this Python cannot run: a Python 2 idiom "
        f"or 2to3 output, a module this environment lacks or that Python 3.11 removed).",
        f"- **Non-Accepted judged Accepted**: {m['false_accepted'][sample_cfg]:.1%} with the sample tests only, "
        f"{m['false_accepted'][full_cfg]:.1%} with the generated tests added; over the "
        f"{m['wrong_judged_where_generated']} of them whose problem got generated tests: "
        f"{m['false_accepted_where_generated'][sample_cfg]:.1%} -> {m['false_accepted_where_generated'][full_cfg]:.1%}.",
        f"- **Caught by generated tests** (pass every sample, fail a generated test): {n_caught} non-Accepted "
        f"programs, {tle} of them with Time Limit Exceeded ({tle / max(n_caught, 1):.0%}): "
        + "; ".join(f"{s}: {dict(v)}" for s, v in caught.items()) + ".",
        f"- Tests: {t['problems_with_generated']} of {t['problems']} problems got generated tests "
        f"({t['problems_special_judge']} special judges, {t['problems_skipped']} skipped in all); {t['kept']} kept "
        f"of {t['candidates']} candidates (by regime {t['kept_by_regime']}; {t['duplicate']} duplicates, "
        f"{t['out_of_spec']} out of spec, {t['too_large']} too large dropped before validation; {t['validated']} "
        f"validated, rejected: {rejected}; {t['not_validated']} not validated once max_tests were kept).",
        f"- Boundary mutants (alive after the samples, over every problem): {t['mutants']['alive']}; caught by a "
        f"candidate: {t['mutants']['caught']}; candidates validated early because they catch one first: "
        f"{t['mutants']['catching_candidates']}.",
        f"- Kept inputs checked again against the parsed facts (problems whose format fits the samples): "
        f"{out_of_spec} of {in_spec_checked} outside a fact" + (f" ({out_of_spec_where})" if out_of_spec else "") + ".",
        f"- Cross-check: {len(cross['pass_rate'])} problems had held-out Accepted programs judged on their kept "
        f"tests; pass rate below 1.0 (generated tests removed): {cross['failed_problems'] or 'none'}.",
        f"- Constraints of these problems: {c['sections']} sections, {c['lines_parsed']} of {c['lines']} lines "
        f"parsed ({(c['parse_rate'] or 0):.1%}); the statement's format fits the samples in {c['format_fits_samples']}"
        f" of {t['problems']} problems.",
        f"- Time: stage {seconds:.0f} s (generation, validation, cross-check and the measurement); generation + "
        f"validation per problem mean {statistics.mean(per_problem):.1f} s, median "
        f"{statistics.median(per_problem):.1f} s, max {max(per_problem):.1f} s"
        + (f"; over the {len(generating)} problems that validated candidates: mean "
           f"{statistics.mean(generating):.1f} s" if generating else "") + ".",
    ]
    if args.statements:
        lines += ["", statement_parse_rate(Path(args.statements))]
    if len(runs) > 1:
        per_seed = []
        for s, r, _ in runs:
            mm = r["measurement"]
            per_seed.append(f"seed {s}: false-Accepted {mm['false_accepted'][sample_cfg]:.1%} -> "
                            f"{mm['false_accepted'][full_cfg]:.1%}, Accepted kept "
                            f"{mm['accepted_rate'][full_cfg].get('Accepted', float('nan')):.1%}")
        lines += ["", "Per seed: " + "; ".join(per_seed)]
    text = "\n".join(lines) + "\n"
    print(text)
    if not args.no_write:
        results.write_section(SECTION, text)


if __name__ == "__main__":
    main()
