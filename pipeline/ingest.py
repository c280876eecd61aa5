"""Ingest stage: a CodeNet tree -> data/ingest/{problems,submissions}.parquet and summary.json.

Streams: problems are processed one at a time (in parallel over `ingest.workers` processes), and each
problem's submissions are written as they come, so peak memory is bounded by the largest problem, not the
dataset. Bad input is a counted skip (malformed rows, unknown statuses, missing or undecodable files) or,
when nothing sensible can be done (no metadata/), a clear IngestError.
"""
from __future__ import annotations

import csv
import hashlib
import logging
import math
import multiprocessing
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from tqdm import tqdm

from pipeline import codenet, params as P, tables

log = logging.getLogger(__name__)


class IngestError(RuntimeError):
    """The CodeNet tree cannot be read at all; the message says what is missing and how to fix it."""


@dataclass
class ProblemResult:
    """What one worker returns for one problem."""

    problem: dict
    submissions: list[dict]
    rows_read: int = 0
    table: "tables.pa.Table | None" = None  # submissions as Arrow, built in the worker
    skipped: Counter = field(default_factory=Counter)
    status_counts: Counter = field(default_factory=Counter)  # of kept submissions
    num_accepted: int = 0


def split_of(problem_id: str, seed: int, fractions) -> str:
    """Stable split: a hash of (seed, problem_id) mapped to [0, 1) and cut at the cumulative fractions."""
    digest = hashlib.sha256(f"{seed}:{problem_id}".encode()).digest()
    u = int.from_bytes(digest[:8], "big") / 2**64
    cumulative = 0.0
    for name in P.SPLITS:
        cumulative += fractions[name]
        if u < cumulative:
            return name
    return P.SPLITS[-1]


def assign_difficulty(rates: dict[str, float], buckets: tuple[str, ...]) -> dict[str, str]:
    """Quantile buckets of the acceptance rate: problems ranked by rate (highest first, ties by id) and cut
    into len(buckets) equal-count groups, so the first bucket is the easiest. No rate -> "unknown"."""
    ranked = sorted((pid for pid, r in rates.items() if not math.isnan(r)), key=lambda p: (-rates[p], p))
    out = {pid: "unknown" for pid in rates}
    for rank, pid in enumerate(ranked):
        out[pid] = buckets[min(len(buckets) - 1, rank * len(buckets) // len(ranked))]
    return out


def _int_or_none(value: str) -> int | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        return int(float(value))
    except ValueError:
        return None


def read_problem_list(root: Path) -> list[dict]:
    path = root / "metadata" / "problem_list.csv"
    if not (root / "metadata").is_dir():
        raise IngestError(
            f"{root / 'metadata'} does not exist. CodeNet has circulated without metadata/; download the archive "
            f"that includes it (Project_CodeNet/metadata/problem_list.csv and pXXXXX.csv), or point "
            f"ingest.codenet_root at the folder that holds data/ and metadata/."
        )
    if not path.is_file():
        raise IngestError(f"{path} is missing: it lists the problems; restore it from the CodeNet archive")
    with path.open(newline="", encoding="utf-8", errors="replace") as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in ("id", "name", "dataset", "time_limit", "memory_limit") if c not in (reader.fieldnames or [])]
        if missing:
            raise IngestError(f"{path}: header lacks {missing}; expected {','.join(codenet.PROBLEM_LIST_HEADER)}")
        rows = [r for r in reader if codenet.PROBLEM_ID.match((r.get("id") or "").strip())]
    if not rows:
        raise IngestError(f"{path} lists no problems (ids like p00000)")
    return rows


def _read_tests(root: Path, pid: str, statement_samples: list[tuple[str, str]]) -> list[dict]:
    tests: list[dict] = []
    seen: set[tuple[str, str]] = set()
    derived = root / "derived" / "input_output" / "data" / pid
    candidates = []
    if (derived / "input.txt").is_file() and (derived / "output.txt").is_file():
        pair = tuple(
            codenet.normalise_test_text((derived / name).read_bytes().decode("utf-8", errors="replace"))
            for name in ("input.txt", "output.txt")
        )
        candidates.append((pair, "derived"))
    candidates += [(pair, "statement") for pair in statement_samples]
    for (inp, out), source in candidates:
        if (inp, out) in seen or not inp:
            continue
        seen.add((inp, out))
        tests.append({"input": inp, "output": out, "source": source})
    return tests


def ingest_problem(root: Path, row: dict, prm: P.IngestParams) -> ProblemResult:
    """Read one problem: statement, tests, and its kept submissions with their code."""
    pid = row["id"].strip()
    dataset = (row.get("dataset") or "").strip()
    html_path = root / "problem_descriptions" / f"{pid}.html"
    statement, samples = ("", [])
    if html_path.is_file():
        statement, samples = codenet.parse_statement(html_path.read_bytes().decode("utf-8", errors="replace"))
    result = ProblemResult(
        problem={
            "problem_id": pid,
            "name": (row.get("name") or "").strip() or None,
            "dataset": dataset or None,
            "time_limit_ms": _int_or_none(row.get("time_limit")),
            "memory_limit_kb": _int_or_none(row.get("memory_limit")),
            "statement": statement,
            "tests": _read_tests(root, pid, samples),
        },
        submissions=[],
    )
    meta = root / "metadata" / f"{pid}.csv"
    if not meta.is_file():
        result.skipped["problem_without_metadata"] += 1
        return result
    languages = set(prm.languages)
    statuses = set(prm.statuses)
    known_statuses = set(codenet.STATUSES)
    seen_hashes: set[str] = set()
    with meta.open(newline="", encoding="utf-8", errors="replace") as fh:
        reader = csv.reader(fh)
        header = next(reader, None)
        if header != codenet.METADATA_HEADER:
            result.skipped["metadata_bad_header"] += 1
            log.warning("%s: unexpected header %s; expected %s", meta, header, codenet.METADATA_HEADER)
            return result
        rows = []
        try:
            records = list(reader)
        except csv.Error as exc:  # e.g. NUL bytes: the file is corrupt, not one row
            result.skipped["metadata_unreadable"] += 1
            log.warning("%s: unreadable CSV (%s); problem skipped", meta, exc)
            return result
        result.rows_read = len(records)
        n_fields, lang_at = len(header), header.index("language")
        for fields in records:
            # Cheap checks first: three in four CodeNet rows are other languages.
            if len(fields) != n_fields:
                result.skipped["malformed_row"] += 1
                continue
            if fields[lang_at] not in languages:
                result.skipped["language"] += 1
                continue
            rec = dict(zip(header, fields))
            if not codenet.SUBMISSION_ID.match(rec["submission_id"]) or rec["problem_id"] != pid:
                result.skipped["malformed_row"] += 1
                continue
            if rec["status"] not in known_statuses:
                result.skipped["unknown_status"] += 1
                log.warning("%s: %s has unknown status %r (skipped)", meta, rec["submission_id"], rec["status"])
                continue
            if statuses and rec["status"] not in statuses:
                result.skipped["status"] += 1
                continue
            version = codenet.python_version(rec["original_language"], dataset)
            if version not in prm.python_versions:
                result.skipped["python_version"] += 1
                continue
            rows.append(rec)
    rows.sort(key=lambda r: r["submission_id"])
    if prm.max_submissions_per_problem and len(rows) > prm.max_submissions_per_problem:
        result.skipped["max_submissions_per_problem"] += len(rows) - prm.max_submissions_per_problem
        rows = rows[: prm.max_submissions_per_problem]
    data_dir = f"{root}/data/{pid}/"  # plain strings: pathlib costs more than the read at 3.3 M files
    for rec in rows:
        try:
            with open(f"{data_dir}{rec['language']}/{rec['submission_id']}.{rec['filename_ext']}", "rb") as fh:
                raw = fh.read()
        except FileNotFoundError:
            result.skipped["missing_file"] += 1
            continue
        try:
            code = raw.decode("utf-8")
        except UnicodeDecodeError:
            # Python 3 itself refuses non-UTF-8 source without a coding cookie; we cannot store it as text.
            result.skipped["non_utf8"] += 1
            continue
        digest = codenet.code_hash(code)
        result.submissions.append(
            {
                "submission_id": rec["submission_id"],
                "problem_id": pid,
                "user_id": rec["user_id"] or None,
                "date": _int_or_none(rec["date"]),
                "original_language": rec["original_language"],
                "python_version": codenet.python_version(rec["original_language"], dataset),  # cached
                "status": rec["status"],
                "cpu_time_ms": _int_or_none(rec["cpu_time"]),
                "memory_kb": _int_or_none(rec["memory"]),
                "code_size": _int_or_none(rec["code_size"]),
                "code": code,
                "code_hash": digest,
                "is_duplicate": digest in seen_hashes,
            }
        )
        seen_hashes.add(digest)
        result.status_counts[rec["status"]] += 1
    return result


def _worker(args):
    """Ingest one problem in a pool process; the rows travel back as one Arrow table (cheap to pickle)."""
    root, row, prm = args
    res = ingest_problem(root, row, prm)
    res.table = tables.from_rows(res.submissions, tables.SUBMISSIONS)
    res.num_accepted = sum(sub["status"] == "Accepted" for sub in res.submissions)
    res.submissions = []
    return res


def run(prm: P.IngestParams, seed: int, out_dir: Path) -> dict:
    """Write problems.parquet, submissions.parquet and summary.json into out_dir; return the summary."""
    root = Path(prm.codenet_root)
    if not root.is_dir():
        raise IngestError(
            f"ingest.codenet_root = {str(root)!r} is not a folder. Point it at the Project_CodeNet folder "
            f"(the one holding data/ and metadata/)."
        )
    problem_rows = read_problem_list(root)
    if not (root / "data").is_dir():
        raise IngestError(f"{root / 'data'} does not exist: the CodeNet tree has no submissions folder")
    problems: list[dict] = []
    skipped: Counter = Counter()
    status_counts: Counter = Counter()
    rows_read = 0
    jobs = ((root, row, prm) for row in problem_rows)
    out_dir.mkdir(parents=True, exist_ok=True)
    with tables.stream_writer(out_dir / "submissions.parquet", tables.SUBMISSIONS) as writer:
        pending: list[tables.pa.Table] = []
        pending_rows = 0
        pool = multiprocessing.get_context("fork").Pool(prm.workers) if prm.workers > 1 else None
        try:
            results = pool.imap(_worker, jobs, chunksize=4) if pool else map(_worker, jobs)
            for res in tqdm(results, total=len(problem_rows), desc="ingest", unit="problem", mininterval=2):
                rows_read += res.rows_read
                skipped.update(res.skipped)
                status_counts.update(res.status_counts)
                n = res.table.num_rows
                problems.append(
                    {
                        **res.problem,
                        "num_submissions": n,
                        "num_accepted": res.num_accepted,
                        "acceptance_rate": res.num_accepted / n if n else math.nan,
                    }
                )
                pending.append(res.table)
                pending_rows += n
                if pending_rows >= prm.row_group_size:
                    writer.write_table(tables.pa.concat_tables(pending))
                    pending, pending_rows = [], 0
            if pending:
                writer.write_table(tables.pa.concat_tables(pending))
        finally:
            if pool:
                pool.terminate()
        kept = writer.rows
    difficulty = assign_difficulty({p["problem_id"]: p["acceptance_rate"] for p in problems}, prm.difficulty_buckets)
    for p in problems:
        p["difficulty"] = difficulty[p["problem_id"]]
        p["split"] = split_of(p["problem_id"], seed, prm.split_fractions)
    tables.write_table(tables.from_rows(problems, tables.PROBLEMS), out_dir / "problems.parquet", tables.PROBLEMS)
    summary = {
        "rows_read": rows_read,
        "kept": kept,
        "skipped": dict(sorted(skipped.items())),
        "kept_by_status": dict(sorted(status_counts.items())),
        "problems": len(problems),
        "problems_without_tests": sum(not p["tests"] for p in problems),
        "problems_without_submissions": sum(p["num_submissions"] == 0 for p in problems),
        "tests": sum(len(p["tests"]) for p in problems),
        "problems_by_split": dict(sorted(Counter(p["split"] for p in problems).items())),
    }
    tables.write_json(summary, out_dir / "summary.json")
    log.info("ingest: %d metadata rows read, %d submissions kept, skipped %s", rows_read, kept, dict(skipped))
    return summary


def main(params_path: Path, out_dir: Path) -> dict:
    prm = P.load(P.IngestParams, params_path)
    seed = P.load_top("seed", params_path)
    return run(prm, int(seed), out_dir)
