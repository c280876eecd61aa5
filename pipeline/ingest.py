"""Ingest stage: a CodeNet tree -> data/ingest/{problems,submissions}.parquet and summary.json.

Streams: problems are processed one at a time (in parallel over `ingest.workers` processes), and each
problem's submissions are written as they come, so peak memory is bounded by the largest problem, not the
dataset. Bad input is a counted skip (malformed rows, unknown statuses, missing or undecodable files) or,
when nothing sensible can be done (no metadata/), a clear IngestError.
"""
from __future__ import annotations

import csv
import logging
import math
import multiprocessing
import re
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow.parquet as pq
from tqdm import tqdm

from pipeline import codenet, tables
from pipeline.errors import IngestError
from pipeline.hashing import stable_fraction
from pipeline.params import IngestParams, SPLITS, load

log = logging.getLogger(__name__)


@dataclass
class ProblemResult:
    """What one worker returns for one problem."""

    problem: dict
    part: Path  # the problem's submissions, a Parquet file written by the worker
    kept: int = 0
    rows_read: int = 0
    skipped: Counter = field(default_factory=Counter)
    status_counts: Counter = field(default_factory=Counter)  # of kept submissions


# Clusters of identical problems in a CodeNet tree (IBM/Project_CodeNet, derived/duplicates).
CLUSTERS_FILE = Path("derived/duplicates/identical_problem_clusters")


def split_of(problem_id: str, seed: int, fractions) -> str:
    """Stable split: a hash of (seed, problem_id) mapped to [0, 1) and cut at the cumulative fractions."""
    u = stable_fraction(seed, problem_id)
    cumulative = 0.0
    for name in SPLITS:
        cumulative += fractions[name]
        if u < cumulative:
            return name
    return SPLITS[-1]


def read_problem_clusters(root: Path) -> dict[str, str]:
    """problem id -> the smallest id of its cluster of identical problems, from CodeNet's
    ``derived/duplicates/identical_problem_clusters`` (one cluster a line, problem ids separated by commas);
    {} when the tree has no such file. CodeNet lists one problem under several ids (AIZU and AtCoder copies):
    without this, a copy of a test problem could sit in train."""
    path = root / CLUSTERS_FILE
    if not path.is_file():
        return {}
    parent: dict[str, str] = {}

    def find(pid: str) -> str:
        while parent.setdefault(pid, pid) != pid:
            pid = parent[pid]
        return pid

    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        ids = [x.strip() for x in line.split(",") if x.strip()]
        if any(not re.fullmatch(r"p\d{5}", x) for x in ids):
            raise IngestError(f"{path}:{n}: {line!r} is not a comma-separated list of problem ids (pNNNNN)")
        # Union-find: a problem listed on two lines joins the two clusters; the smallest id is the root.
        for pid in ids[1:]:
            a, b = sorted((find(ids[0]), find(pid)))
            parent[b] = a
    return {pid: find(pid) for pid in parent}


def assign_splits(problem_ids, seed: int, fractions, clusters: dict[str, str]) -> dict[str, str]:
    """The split of each problem: that of its cluster's representative (``read_problem_clusters``), so
    identical problems never straddle train and test; a problem in no cluster is its own representative."""
    return {pid: split_of(clusters.get(pid, pid), seed, fractions) for pid in problem_ids}


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


def _kept_rows(meta: Path, pid: str, dataset: str, prm: IngestParams, result: ProblemResult) -> list[tuple]:
    """The metadata rows to keep, as small tuples, counting every skip. Streams the CSV (a popular problem has
    tens of thousands of rows, three in four of another language)."""
    languages, statuses, known = set(prm.languages), set(prm.statuses), set(codenet.STATUSES)
    rows = []
    with meta.open(newline="", encoding="utf-8", errors="replace") as fh:
        reader = csv.reader(fh)
        header = next(reader, None)
        if header != codenet.METADATA_HEADER:
            result.skipped["metadata_bad_header"] += 1
            log.warning("%s: unexpected header %s; expected %s", meta, header, codenet.METADATA_HEADER)
            return []
        n_fields = len(header)
        try:
            for fields in reader:
                result.rows_read += 1
                # Cheap checks first: three in four CodeNet rows are other languages.
                if len(fields) != n_fields:
                    result.skipped["malformed_row"] += 1
                    continue
                sid, row_pid, user, date, lang, orig, ext, status, cpu, mem, size, _ = fields
                if lang not in languages:
                    result.skipped["language"] += 1
                    continue
                if row_pid != pid or not codenet.SUBMISSION_ID.match(sid):
                    result.skipped["malformed_row"] += 1
                    continue
                if status not in known:
                    result.skipped["unknown_status"] += 1
                    log.warning("%s: %s has unknown status %r (skipped)", meta, sid, status)
                    continue
                if statuses and status not in statuses:
                    result.skipped["status"] += 1
                    continue
                version = codenet.python_version(orig, dataset)
                if version not in prm.python_versions:
                    result.skipped["python_version"] += 1
                    continue
                rows.append((sid, user, date, lang, orig, ext, status, cpu, mem, size, version))
        except csv.Error as exc:  # e.g. NUL bytes: the file is corrupt, not one row
            result.skipped["metadata_unreadable"] += 1
            log.warning("%s: unreadable CSV (%s); the rest of this problem is skipped", meta, exc)
    rows.sort()
    if prm.max_submissions_per_problem and len(rows) > prm.max_submissions_per_problem:
        result.skipped["max_submissions_per_problem"] += len(rows) - prm.max_submissions_per_problem
        rows = rows[: prm.max_submissions_per_problem]
    return rows


def ingest_problem(root: Path, row: dict, prm: IngestParams, part: Path) -> ProblemResult:
    """Read one problem: statement, tests, and its kept submissions with their code, written to the Parquet
    file ``part`` one row group of at most ``prm.row_group_size`` rows at a time (bounded memory)."""
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
        part=part,
    )
    meta = root / "metadata" / f"{pid}.csv"
    if not meta.is_file():
        result.skipped["problem_without_metadata"] += 1
        return result
    rows = _kept_rows(meta, pid, dataset, prm, result)
    seen_hashes: set[str] = set()
    data_dir = f"{root}/data/{pid}/"  # plain strings: pathlib costs more than the read at 3.3 M files
    chunk: list[dict] = []
    with tables.stream_writer(part, tables.SUBMISSIONS) as writer:
        for sid, user, date, lang, orig, ext, status, cpu, mem, size, version in rows:
            try:
                with open(f"{data_dir}{lang}/{sid}.{ext}", "rb") as fh:
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
            chunk.append(
                {
                    "submission_id": sid,
                    "problem_id": pid,
                    "user_id": user or None,
                    "date": _int_or_none(date),
                    "original_language": orig,
                    "python_version": version,
                    "status": status,
                    "cpu_time_ms": _int_or_none(cpu),
                    "memory_kb": _int_or_none(mem),
                    "code_size": _int_or_none(size),
                    "code": code,
                    "code_hash": digest,
                    "is_duplicate": digest in seen_hashes,
                }
            )
            seen_hashes.add(digest)
            result.status_counts[status] += 1
            if len(chunk) >= prm.row_group_size:
                writer.write_rows(chunk)
                chunk = []
        writer.write_rows(chunk)
        result.kept = writer.rows
    return result


def _worker(args):
    root, row, prm, part = args
    return ingest_problem(root, row, prm, part)


def run(prm: IngestParams, out_dir: Path) -> dict:
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
    out_dir.mkdir(parents=True, exist_ok=True)
    # Workers write one Parquet part per problem; parts are appended here in problem order, row group by row
    # group, so memory is bounded by a row group whatever the size of the dataset or of its largest problem.
    with tempfile.TemporaryDirectory(dir=out_dir, prefix=".ingest-parts-") as parts, tables.stream_writer(
        out_dir / "submissions.parquet", tables.SUBMISSIONS
    ) as writer:
        jobs = ((root, row, prm, Path(parts) / f"{i}.parquet") for i, row in enumerate(problem_rows))
        pending: list[tables.pa.Table] = []
        pending_rows = 0
        pool = multiprocessing.get_context("fork").Pool(prm.workers) if prm.workers > 1 else None
        try:
            results = pool.imap(_worker, jobs, chunksize=1) if pool else map(_worker, jobs)
            for res in tqdm(results, total=len(problem_rows), desc="ingest", unit="problem", mininterval=2):
                rows_read += res.rows_read
                skipped.update(res.skipped)
                status_counts.update(res.status_counts)
                n_acc = res.status_counts["Accepted"]
                problems.append(
                    {
                        **res.problem,
                        "num_submissions": res.kept,
                        "num_accepted": n_acc,
                        "acceptance_rate": n_acc / res.kept if res.kept else math.nan,
                    }
                )
                if res.part.exists():
                    part = pq.ParquetFile(res.part)
                    for i in range(part.num_row_groups):
                        pending.append(part.read_row_group(i))
                        pending_rows += pending[-1].num_rows
                        if pending_rows >= prm.row_group_size:  # small problems share a row group
                            writer.write_table(tables.pa.concat_tables(pending))
                            pending, pending_rows = [], 0
                    res.part.unlink()
            if pending:
                writer.write_table(tables.pa.concat_tables(pending))
        finally:
            if pool:
                pool.terminate()
        kept = writer.rows
    difficulty = assign_difficulty({p["problem_id"]: p["acceptance_rate"] for p in problems}, prm.difficulty_buckets)
    for p in problems:
        p["difficulty"] = difficulty[p["problem_id"]]
    clusters = read_problem_clusters(root)
    splits = assign_splits([p["problem_id"] for p in problems], prm.split_seed, prm.split_fractions, clusters)
    for p in problems:
        p["split"] = splits[p["problem_id"]]
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
    return run(load(IngestParams, params_path), out_dir)
