"""Turn ../shared/realdata (real CodeNet Python programs) into a CodeNet-layout tree that `coderl ingest` reads.

    python benchmarks/realdata_tree.py [--realdata ../shared/realdata] [--out benchmarks/.scratch/realdata]
                                       [--max-problems N] [--seed S] [--no-rejudge] [--workers 2]

What goes where (the tree is built on demand, never committed: the data stays beside the project):
- problem_descriptions/pXXXXX.html: the real statements, copied.
- metadata/problem_list.csv: the real rows (limits in ms / KB) of every problem that has programs here.
- metadata/pXXXXX.csv + data/pXXXXX/Python/<id>.py, one row per distinct submission:
  - PIE pairs (pie_python_reference.jsonl): both programs, Accepted, with their real `sNNN` ids, cpu time, memory.
  - RunBugRun pairs (runbugrun_python_valid0.jsonl): the fix as Accepted (it passed the online judge) and the
    buggy program with a DERIVED status (CodeNet's is not in the data). Their ids are DERIVED too:
    `s8` + RunBugRun's integer id in 8 digits (RunBugRun ids are not CodeNet's); the build stops if one
    collides with a real PIE id.
- DERIVED.md at the root and derived_statuses.csv say which rows are derived and how.

The derived status of a buggy program comes from re-judging it in the sandbox (local backend, limits from
params.yaml `execute`) on the statement's sample tests: the judge's verdict where it fails one (Wrong Answer,
Runtime Error, Time Limit Exceeded, ...); where it passes every sample it still failed the online judge's hidden
tests, so it is "Wrong Answer" unless RunBugRun recorded a traceback for it ("Runtime Error"), marked
`passes_samples` in derived_statuses.csv. `--no-rejudge` skips the sandbox: a traceback -> Runtime Error, else
Wrong Answer. There is no derived/input_output (CodeNet's copy of the first statement sample; ingest reads the
statement's samples itself) and no derived/duplicates (not in the data).
"""
from __future__ import annotations

import argparse
import csv
import dataclasses
import json
import logging
import random
import shutil
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from pipeline import codenet  # noqa: E402
from pipeline.atomic import atomic_dir  # noqa: E402
from pipeline.judging import problem_judging  # noqa: E402
from pipeline.params import ExecuteParams, load  # noqa: E402

REALDATA = REPO.parent / "shared" / "realdata"
DEFAULT_OUT = REPO / "benchmarks" / ".scratch" / "realdata"
RUNBUGRUN = "runbugrun_python_valid0.jsonl"
PIE = "pie_python_reference.jsonl"
DERIVED_ID_PREFIX = "s8"
log = logging.getLogger("realdata_tree")


def derived_id(runbugrun_id: int) -> str:
    if not 0 <= runbugrun_id < 10**8:
        raise ValueError(f"RunBugRun id {runbugrun_id} does not fit the 8 digits of a derived id")
    return f"{DERIVED_ID_PREFIX}{runbugrun_id:08d}"


def original_language(dataset: str) -> str:
    # How CodeNet spells Python 3 on each judge (CODENET_FORMAT.md): AIZU "Python3", AtCoder the version.
    return "Python3" if dataset == "AIZU" else "Python (3.8.2)"


def read_jsonl(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def collect(realdata: Path) -> tuple[dict[str, dict], dict[str, dict]]:
    """(problem_id -> problem_list row, submission_id -> submission) over both files, de-duplicated by id."""
    problems = {}
    with (realdata / "problem_list.csv").open(newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            problems[row["id"]] = row
    subs: dict[str, dict] = {}

    def add(sid: str, **row) -> None:
        old = subs.get(sid)
        if old is not None and (old["code"] != row["code"] or old["status"] != row["status"]):
            raise ValueError(f"{sid} appears twice with different code or status: the data is inconsistent")
        subs.setdefault(sid, {"submission_id": sid, **row})

    for r in read_jsonl(realdata / PIE):
        for v, code_key in (("v0", "input"), ("v1", "target")):
            add(r[f"submission_id_{v}"], problem_id=r["problem_id"], user_id=r["user_id"], code=r[code_key],
                status="Accepted", cpu_time=r[f"cpu_time_{v}"], memory=r[f"memory_{v}"], derived=False,
                traceback=False)
    real_ids = set(subs)
    for r in read_jsonl(realdata / RUNBUGRUN):
        pairs = ((r["fixed_submission_id"], r["fixed_code"], "Accepted", False),
                 (r["buggy_submission_id"], r["buggy_code"], None, bool(r.get("errors"))))
        for rid, code, status, traceback in pairs:
            sid = derived_id(rid)
            if sid in real_ids:
                raise ValueError(f"derived id {sid} (RunBugRun {rid}) collides with a real PIE id; change "
                                 f"DERIVED_ID_PREFIX")
            add(sid, problem_id=r["problem_id"], user_id=r["user_id"], code=code, status=status, cpu_time="",
                memory="", derived=True, traceback=traceback)
    return problems, subs


def rejudge(subs: list[dict], problems: dict[str, dict], realdata: Path, workers: int) -> dict[str, str]:
    """submission_id -> the judge's verdict on the statement's sample tests ("Accepted" when it passes them),
    by the execute stage's rules (pipeline.judging: limits, the statement's tolerance, the judge's whitespace)."""
    from sandbox import Sandbox

    exe = dataclasses.replace(load(ExecuteParams), test_sources=("statement",))
    jobs, ids = [], []
    for s in subs:
        pid = s["problem_id"]
        html = realdata / "problem_descriptions" / f"{pid}.html"
        text, samples = (codenet.parse_statement(html.read_text(encoding="utf-8", errors="replace"))
                         if html.is_file() else ("", []))
        if not samples:
            continue
        meta = problems.get(pid, {})
        row = {"problem_id": pid, "statement": text, "dataset": meta.get("dataset"),
               "time_limit_ms": _int(meta.get("time_limit")), "memory_limit_kb": _int(meta.get("memory_limit")),
               "tests": [{"input": i, "output": o, "source": "statement"} for i, o in samples]}
        jobs.append(problem_judging(row, exe).job(s["code"]))
        ids.append(s["submission_id"])
    verdicts = {}
    start = time.time()
    with Sandbox("local", workers=workers) as box:
        for done, (index, judgement) in enumerate(box.judge_many(jobs), 1):
            verdicts[ids[index]] = judgement.verdict
            if done % 200 == 0:
                log.info("rejudged %d/%d buggy programs (%.0f s)", done, len(jobs), time.time() - start)
    return verdicts


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def derive_statuses(buggy: list[dict], verdicts: dict[str, str] | None) -> dict[str, tuple[str, str]]:
    """submission_id -> (status, how it was derived) for programs that failed the online judge."""
    out = {}
    for s in buggy:
        fallback = "Runtime Error" if s["traceback"] else "Wrong Answer"
        verdict = None if verdicts is None else verdicts.get(s["submission_id"])
        if verdict is None:
            out[s["submission_id"]] = (fallback, "no_rejudge" if verdicts is None else "no_samples")
        elif verdict in ("Accepted", "Sandbox Error"):
            out[s["submission_id"]] = (fallback, "passes_samples" if verdict == "Accepted" else "sandbox_error")
        else:
            out[s["submission_id"]] = (verdict, "rejudged_samples")
    return out


def write_tree(out: Path, problems: dict[str, dict], subs: dict[str, dict], statuses: dict[str, tuple[str, str]],
               realdata: Path) -> dict:
    by_problem: dict[str, list[dict]] = defaultdict(list)
    for s in subs.values():
        by_problem[s["problem_id"]].append(s)
    final = out / "Project_CodeNet"
    with atomic_dir(final) as root:  # the tree appears whole or not at all
        (root / "metadata").mkdir()
        (root / "problem_descriptions").mkdir()
        with (root / "metadata" / "problem_list.csv").open("w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh)
            w.writerow(codenet.PROBLEM_LIST_HEADER)
            for pid in sorted(by_problem):
                row = problems.get(pid) or {"id": pid}
                w.writerow([row.get(k, "") for k in codenet.PROBLEM_LIST_HEADER])
        for pid, rows in sorted(by_problem.items()):
            dataset = (problems.get(pid) or {}).get("dataset", "")
            html = realdata / "problem_descriptions" / f"{pid}.html"
            if html.is_file():
                shutil.copyfile(html, root / "problem_descriptions" / f"{pid}.html")
            code_dir = root / "data" / pid / "Python"
            code_dir.mkdir(parents=True)
            with (root / "metadata" / f"{pid}.csv").open("w", newline="", encoding="utf-8") as fh:
                w = csv.writer(fh)
                w.writerow(codenet.METADATA_HEADER)
                for s in sorted(rows, key=lambda s: s["submission_id"]):
                    status = s["status"] or statuses[s["submission_id"]][0]
                    code = s["code"]
                    (code_dir / f"{s['submission_id']}.py").write_text(code, encoding="utf-8")
                    w.writerow([s["submission_id"], pid, s["user_id"], "", "Python", original_language(dataset), "py",
                                status, s["cpu_time"], s["memory"], len(code.encode("utf-8")), ""])
        with (root / "derived_statuses.csv").open("w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh)
            w.writerow(["submission_id", "problem_id", "status", "derived_from"])
            for sid, (status, how) in sorted(statuses.items()):
                w.writerow([sid, subs[sid]["problem_id"], status, how])
        (root / "DERIVED.md").write_text(
            "Built by benchmarks/realdata_tree.py from ../shared/realdata (real CodeNet programs). NOT CodeNet's own\n"
            "metadata: ids starting with 's8' are RunBugRun ids, not CodeNet's; the status of RunBugRun's buggy\n"
            "programs is derived (derived_statuses.csv says how); fixed programs are Accepted (they passed the\n"
            "online judge). PIE rows keep their real ids, cpu times and memory. See the script's docstring.\n"
        )
    statuses_count = Counter(s["status"] or statuses[s["submission_id"]][0] for s in subs.values())
    return {"root": str(final), "problems": len(by_problem), "submissions": len(subs),
            "statuses": dict(statuses_count), "derived_from": dict(Counter(h for _, h in statuses.values()))}


def build(realdata: Path = REALDATA, out: Path = DEFAULT_OUT, max_problems: int = 0, seed: int = 0,
          rejudge_buggy: bool = True, workers: int = 2) -> dict:
    """Build the tree under `out`/Project_CodeNet and return a summary (also written to `out`/summary.json)."""
    if not (realdata / RUNBUGRUN).is_file():
        raise FileNotFoundError(f"{realdata / RUNBUGRUN} not found: pass --realdata pointing at shared/realdata")
    problems, subs = collect(realdata)
    if max_problems:
        pids = sorted({s["problem_id"] for s in subs.values()})
        keep = set(random.Random(seed).sample(pids, min(max_problems, len(pids))))
        subs = {sid: s for sid, s in subs.items() if s["problem_id"] in keep}
    buggy = [s for s in subs.values() if s["status"] is None]
    out.mkdir(parents=True, exist_ok=True)
    verdicts = rejudge(buggy, problems, realdata, workers) if rejudge_buggy else None
    summary = write_tree(out, problems, subs, derive_statuses(buggy, verdicts), realdata)
    (out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    return summary


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--realdata", type=Path, default=REALDATA)
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT, help="the tree goes to OUT/Project_CodeNet")
    ap.add_argument("--max-problems", type=int, default=0, help="a seeded subset of problems; 0 = all")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--no-rejudge", action="store_true", help="derive buggy statuses without the sandbox")
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    summary = build(args.realdata, args.out, args.max_problems, args.seed, not args.no_rejudge, args.workers)
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
