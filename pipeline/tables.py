"""Every Parquet table of the pipeline: its schema, declared once, and atomic writes / validated reads.

A stage output is written with pipeline.atomic (a temporary file beside its destination, renamed into place
only when complete), so a crash never leaves a half-written Parquet (or JSON) file behind.
"""
from __future__ import annotations

import json
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.atomic import atomic_path

TEST_CASE = pa.struct(
    [
        pa.field("input", pa.large_string()),
        pa.field("output", pa.large_string()),
        # Where the test comes from: "derived" (derived/input_output), "statement" (HTML samples),
        # "generated" (mutated inputs labelled by Accepted solutions).
        pa.field("source", pa.string()),
    ]
)

PROBLEMS = pa.schema(
    [
        pa.field("problem_id", pa.string(), nullable=False),
        pa.field("name", pa.string()),
        pa.field("dataset", pa.string()),
        pa.field("time_limit_ms", pa.int32()),  # null where CodeNet leaves it empty
        pa.field("memory_limit_kb", pa.int32()),
        pa.field("statement", pa.large_string()),
        pa.field("tests", pa.list_(TEST_CASE)),
        pa.field("num_submissions", pa.int32()),  # kept Python submissions
        pa.field("num_accepted", pa.int32()),
        pa.field("acceptance_rate", pa.float64()),  # NaN when the problem has no kept submission
        pa.field("difficulty", pa.string()),
        pa.field("split", pa.string()),
    ]
)

SUBMISSIONS = pa.schema(
    [
        pa.field("submission_id", pa.string(), nullable=False),
        pa.field("problem_id", pa.string(), nullable=False),
        pa.field("user_id", pa.string()),
        pa.field("date", pa.int64()),  # unix seconds
        pa.field("original_language", pa.string()),
        pa.field("python_version", pa.int8()),  # 2, 3, or 0 = unknown
        pa.field("status", pa.string()),  # CodeNet's verdict
        pa.field("cpu_time_ms", pa.int32()),
        pa.field("memory_kb", pa.int32()),
        pa.field("code_size", pa.int32()),
        pa.field("code", pa.large_string()),
        pa.field("code_hash", pa.string()),  # sha256 of the whitespace-normalised code
        pa.field("is_duplicate", pa.bool_()),  # same code_hash as an earlier submission of the problem
    ]
)

VERDICTS = pa.schema(
    [
        pa.field("submission_id", pa.string(), nullable=False),
        pa.field("problem_id", pa.string(), nullable=False),
        pa.field("verdict", pa.string()),  # our judge, CodeNet vocabulary + "Sandbox Error"
        pa.field("codenet_status", pa.string()),
        pa.field("tests_passed", pa.int32()),
        pa.field("tests_total", pa.int32()),
        pa.field("test_verdicts", pa.list_(pa.string())),  # per test, in problems.tests order
        pa.field("wall_ms", pa.float64()),  # max over the tests run
        pa.field("cpu_ms", pa.float64()),
        pa.field("peak_memory_kb", pa.int64()),
        pa.field("error", pa.string()),  # last stderr line of the first failing test (e.g. the exception)
    ]
)

REWARDS = pa.schema(
    [
        pa.field("submission_id", pa.string(), nullable=False),
        pa.field("problem_id", pa.string(), nullable=False),
        pa.field("verdict", pa.string()),
        pa.field("r_verdict", pa.float64()),  # CodeRL-style reward of the verdict class
        pa.field("r_partial", pa.float64()),  # fraction of tests passed
        pa.field("r_syntax", pa.float64()),  # 1 when the program compiles
        pa.field("r_runtime", pa.float64()),  # 1 when it ran without crash, timeout or memory excess
        pa.field("r_efficiency", pa.float64()),  # fastest Accepted cpu time / own (Accepted only, else 0)
        pa.field("reward", pa.float64()),  # the weighted sum used for training
    ]
)

GROUPS = pa.schema(
    [
        pa.field("group_id", pa.string(), nullable=False),  # "<problem_id>-g<k>"
        pa.field("problem_id", pa.string(), nullable=False),
        pa.field("split", pa.string()),
        pa.field("difficulty", pa.string()),
        pa.field("member", pa.int16()),
        pa.field("group_size", pa.int16()),
        pa.field("submission_id", pa.string(), nullable=False),
        pa.field("verdict", pa.string()),
        pa.field("prompt", pa.large_string()),  # pipeline.prompt.build_prompt(statement)
        pa.field("completion", pa.large_string()),  # the program text
        pa.field("reward", pa.float64()),
        pa.field("advantage", pa.float64()),
    ]
)

# The SFT set (written by the groups stage beside groups.parquet): every usable Accepted program of the groups
# splits, whether or not it sits in a group with reward variance; the SFT baseline trains on its train rows and
# every algorithm's valid_nll reads its valid rows.
ACCEPTED_FILE = "accepted.parquet"  # its name in the groups stage's folder, beside groups.parquet
ACCEPTED = pa.schema(
    [
        pa.field("problem_id", pa.string(), nullable=False),
        pa.field("split", pa.string()),
        pa.field("difficulty", pa.string()),
        pa.field("submission_id", pa.string(), nullable=False),
        pa.field("verdict", pa.string()),  # always Accepted (kept so training can check it)
        pa.field("prompt", pa.large_string()),  # pipeline.prompt.build_prompt(statement)
        pa.field("completion", pa.large_string()),  # the program text
    ]
)

# One row per completion the evaluate stage generated and judged.
SAMPLES = pa.schema(
    [
        pa.field("model", pa.string(), nullable=False),  # the evaluated model's name (base, sft, rloo)
        pa.field("problem_id", pa.string(), nullable=False),
        pa.field("split", pa.string()),
        pa.field("difficulty", pa.string()),
        pa.field("sample", pa.int32()),  # 0..n-1 among the sampled completions; 0 for the greedy one
        pa.field("greedy", pa.bool_()),
        pa.field("completion", pa.large_string()),  # the generated text
        pa.field("completion_tokens", pa.int32()),  # new tokens up to and including the stop token
        pa.field("program", pa.large_string()),  # pipeline.prompt.extract_program(completion)
        pa.field("verdict", pa.string()),  # sandbox verdict, CodeNet vocabulary + "Sandbox Error"
        pa.field("tests_passed", pa.int32()),
        pa.field("tests_total", pa.int32()),
        pa.field("error", pa.string()),  # last stderr line of the first failing test
    ]
)


class SchemaError(ValueError):
    """A table on disk does not match the schema the pipeline declares for it."""


def check_schema(table: pa.Table, schema: pa.Schema, where: str, cast: bool = False) -> pa.Table:
    """Return ``table`` restricted to ``schema``'s columns in order; fail naming each missing/mistyped column.

    With ``cast`` (writing), compatible types are converted (e.g. pandas' large_string/int64 to the declared
    string/int32); a value that does not fit fails in pyarrow's safe cast."""
    problems = []
    for field in schema:
        if field.name not in table.column_names:
            problems.append(f"missing column '{field.name}' ({field.type})")
        elif not cast and not table.schema.field(field.name).type.equals(field.type):
            problems.append(
                f"column '{field.name}' has type {table.schema.field(field.name).type}, expected {field.type}"
            )
    if problems:
        raise SchemaError(
            f"{where}: " + "; ".join(problems) + ". Re-run the stage that writes it (`dvc repro`)."
        )
    table = table.select(schema.names)
    return table.cast(schema) if cast else table


def read_table(path: Path | str, schema: pa.Schema, columns: list[str] | None = None) -> pa.Table:
    """Read a pipeline table and validate it against its declared schema."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path} not found: run the stage that writes it first (`dvc repro`)")
    table = pq.read_table(path, columns=columns)
    if columns is not None:
        schema = pa.schema([schema.field(c) for c in columns])
    return check_schema(table, schema, str(path))


def write_table(table: pa.Table, path: Path | str, schema: pa.Schema) -> None:
    """Validate and write a whole table atomically."""
    table = check_schema(table, schema, f"writing {path}", cast=True)
    with atomic_path(path, ".parquet.tmp") as tmp:
        pq.write_table(table, tmp)


def from_rows(rows: list[dict[str, Any]], schema: pa.Schema) -> pa.Table:
    return pa.Table.from_pylist(rows, schema=schema)


@contextmanager
def stream_writer(path: Path | str, schema: pa.Schema) -> Iterator["RowGroupWriter"]:
    """Write a table row group by row group (bounded memory), renamed into place only on success."""
    with atomic_path(path, ".parquet.tmp") as tmp:
        writer = pq.ParquetWriter(tmp, schema)
        try:
            yield RowGroupWriter(writer, schema)
        finally:
            writer.close()


class RowGroupWriter:
    def __init__(self, writer: pq.ParquetWriter, schema: pa.Schema):
        self._writer = writer
        self._schema = schema
        self.rows = 0

    def write_rows(self, rows: list[dict[str, Any]]) -> None:
        if rows:
            self.write_table(from_rows(rows, self._schema))

    def write_table(self, table: pa.Table) -> None:
        """Append one row group (a table already in this schema)."""
        if table.num_rows:
            self._writer.write_table(table, row_group_size=table.num_rows)
            self.rows += table.num_rows


def write_json(obj: Any, path: Path | str) -> None:
    """Write JSON atomically (metrics files are read by `dvc metrics show`)."""
    with atomic_path(path, ".json.tmp") as tmp:
        tmp.write_text(json.dumps(obj, indent=2, sort_keys=True, default=float) + "\n")
