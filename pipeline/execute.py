"""Execute stage: judge every ingested submission on its problem's tests in the sandbox.

Each submission is judged as pipeline.judging says (its problem's tests, limits and tolerance), the path every
judged program takes. Writes data/execute/verdicts.parquet (one row per submission) and agreement.json (our
verdict vs CodeNet's status). Depends only on the judge's params, so a reward change never re-runs it. A run
over millions of programs survives a crash through the judge memo: an SQLite file keyed by (exact code, tests,
limits, tolerance, harness version, backend) that is committed batch by batch; it only skips recomputation and
never changes a result (a Sandbox Error is never memoised).
"""
from __future__ import annotations

import hashlib
import json
import logging
import sqlite3
from collections import Counter, defaultdict
from contextlib import closing
from dataclasses import asdict
from pathlib import Path
from typing import Iterable, Iterator

import pyarrow.parquet as pq
from tqdm import tqdm

from pipeline import tables
from pipeline.engine import open_judge
from pipeline.judging import judgement_row, problem_judgings
from pipeline.params import ExecuteParams, load
from sandbox import HARNESS_VERSION, Job, Judgement, Sandbox
from sandbox.judge import ACCEPTED, SANDBOX_ERROR

log = logging.getLogger(__name__)

SUBMISSION_COLUMNS = ["submission_id", "problem_id", "status", "code"]


class JudgeMemo:
    """(job key) -> Judgement, in SQLite: survives crashes, committed after every batch."""

    def __init__(self, path: Path | None):
        self.conn = None
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            self.conn = sqlite3.connect(path)
            self.conn.execute("CREATE TABLE IF NOT EXISTS memo (key TEXT PRIMARY KEY, judgement TEXT NOT NULL)")

    @staticmethod
    def key(job: Job, backend: str) -> str:
        payload = json.dumps(
            [job.code, job.tests, asdict(job.limits), job.tolerance, job.stop_after_timeout,
             job.whitespace_sensitive, HARNESS_VERSION, backend]
        )
        return hashlib.sha256(payload.encode("utf-8", errors="surrogatepass")).hexdigest()

    def get_many(self, keys: list[str]) -> dict[str, Judgement]:
        if self.conn is None or not keys:
            return {}
        found = {}
        for start in range(0, len(keys), 500):
            chunk = keys[start : start + 500]
            rows = self.conn.execute(
                f"SELECT key, judgement FROM memo WHERE key IN ({','.join('?' * len(chunk))})", chunk
            )
            for key, blob in rows:
                data = json.loads(blob)
                data["test_verdicts"] = tuple(data["test_verdicts"])
                found[key] = Judgement(**data)
        return found

    def put_many(self, items: Iterable[tuple[str, Judgement]]) -> None:
        if self.conn is None:
            return
        rows = [(k, json.dumps(asdict(j))) for k, j in items if j.verdict != SANDBOX_ERROR]
        self.conn.executemany("INSERT OR REPLACE INTO memo VALUES (?, ?)", rows)
        self.conn.commit()

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()


def judge_batch(
    sandbox: Sandbox, memo: JudgeMemo, subs: list[dict], jobs: list[Job], backend: str
) -> Iterator[tuple[dict, Judgement]]:
    """Judge a batch (memo first, the rest in parallel), in input order."""
    keys = [JudgeMemo.key(job, backend) for job in jobs]
    done = memo.get_many(keys)
    todo = [i for i, k in enumerate(keys) if k not in done]
    fresh = {}
    for local_index, judgement in sandbox.judge_many(jobs[i] for i in todo):
        fresh[keys[todo[local_index]]] = judgement
    memo.put_many(fresh.items())
    done.update(fresh)
    for sub, key in zip(subs, keys):
        yield sub, done[key]


def agreement_report(confusion: dict[str, Counter], misses: Counter, not_judged: Counter) -> dict:
    """Confusion matrix of our verdict vs CodeNet's status, and the agreement rate per status."""
    per_status = {}
    total = agree = 0
    for status, row in sorted(confusion.items()):
        n = sum(row.values())
        per_status[status] = row.get(status, 0) / n if n else 0.0
        total += n
        agree += row.get(status, 0)
    return {
        "agreement": agree / total if total else 0.0,
        "agreement_by_status": per_status,
        "confusion": {s: dict(sorted(row.items())) for s, row in sorted(confusion.items())},
        # Fidelity: every exception behind an Accepted program we did not accept.
        "accepted_misses_by_error": dict(misses.most_common()),
        "judged": total,
        "not_judged": dict(not_judged),
    }


def iter_submissions(path: Path, batch_size: int) -> Iterator[list[dict]]:
    """Submissions in batches (bounded memory for 3.3 M rows)."""
    tables.read_table(path, tables.SUBMISSIONS, columns=SUBMISSION_COLUMNS[:1])  # schema check, cheap
    parquet = pq.ParquetFile(path)
    for batch in parquet.iter_batches(batch_size=batch_size, columns=SUBMISSION_COLUMNS):
        yield batch.to_pylist()


def run(
    prm: ExecuteParams,
    ingest_dir: Path,
    out_dir: Path,
    memo_path: Path | None,
    batch_size: int = 2000,
    problems_path: Path | None = None,
) -> dict:
    """Judge ingest_dir's submissions on the tests of problems_path (default: ingest's problems.parquet; the
    pipeline passes the tests stage's table, which adds generated tests)."""
    problems = tables.read_table(problems_path or ingest_dir / "problems.parquet", tables.PROBLEMS)
    per_problem = problem_judgings(problems, prm)
    total = pq.ParquetFile(ingest_dir / "submissions.parquet").metadata.num_rows
    confusion: dict[str, Counter] = defaultdict(Counter)
    misses: Counter = Counter()
    not_judged: Counter = Counter()
    memo = JudgeMemo(memo_path)
    with closing(memo), open_judge(prm) as sandbox, tables.stream_writer(
        out_dir / "verdicts.parquet", tables.VERDICTS
    ) as writer, tqdm(total=total, desc="execute", unit="program", mininterval=2) as bar:
        for subs in iter_submissions(ingest_dir / "submissions.parquet", batch_size):
            batch, jobs = [], []
            for sub in subs:
                problem = per_problem.get(sub["problem_id"])
                if problem is None or not problem.tests:
                    not_judged["problem_without_tests"] += 1
                    continue
                batch.append(sub)
                jobs.append(problem.job(sub["code"]))
            rows = []
            for sub, judgement in judge_batch(sandbox, memo, batch, jobs, prm.backend):
                rows.append(judgement_row(sub, judgement))
                confusion[sub["status"]][judgement.verdict] += 1
                if sub["status"] == ACCEPTED and judgement.verdict != ACCEPTED:
                    misses[f"{judgement.verdict}: {judgement.error.split(':')[0] or '-'}"] += 1
            writer.write_rows(rows)
            bar.update(len(subs))
    report = agreement_report(confusion, misses, not_judged)
    tables.write_json(report, out_dir / "agreement.json")
    log.info("execute: %d judged, agreement with CodeNet %.3f", report["judged"], report["agreement"])
    return report


def main(params_path: Path, ingest_dir: Path, out_dir: Path, memo_path: Path | None, problems_path: Path | None = None) -> dict:
    return run(load(ExecuteParams, params_path), ingest_dir, out_dir, memo_path, problems_path=problems_path)
