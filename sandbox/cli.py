"""`coderl sandbox ...`: run one program in the sandbox from the command line."""
from __future__ import annotations

import json
from pathlib import Path

import typer

from sandbox.judge import DEFAULT_TOLERANCE, Limits, test_verdict
from sandbox.pool import BACKENDS, Sandbox

app = typer.Typer(add_completion=False, no_args_is_help=True, help=__doc__)


@app.callback()
def _group() -> None:
    """Run untrusted programs in the sandbox."""


def _check_backend(value: str) -> str:
    if value not in BACKENDS:
        raise typer.BadParameter(f"{value!r} is not one of {', '.join(BACKENDS)}")
    return value


@app.command()
def run(
    code: Path = typer.Argument(..., exists=True, dir_okay=False, readable=True, help="the program (Main.py)"),
    input: Path = typer.Option(..., "--input", exists=True, dir_okay=False, readable=True, help="stdin file"),
    expected: Path = typer.Option(None, "--expected", exists=True, dir_okay=False, readable=True,
                                  help="expected stdout: judge the output against it"),
    time_limit_ms: int = typer.Option(2000, "--time-limit-ms", min=1, help="CPU time limit"),
    memory_limit_mb: int = typer.Option(256, "--memory-limit-mb", min=1, help="peak RSS limit"),
    backend: str = typer.Option("local", "--backend", callback=_check_backend, help="local | docker"),
) -> None:
    """Run CODE on one input; print one JSON object. Its status is the judge verdict when --expected is
    given, else the run's status ("OK" when the program exited 0). Exits 0 whatever the verdict."""
    limits = Limits(time_ms=time_limit_ms, memory_kb=memory_limit_mb * 1024)
    try:
        source = code.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        # What `python3 Main.py` does with such a file (no coding cookie): a SyntaxError before any line runs.
        typer.echo(json.dumps({"status": "Compile Error", "exit_code": None, "wall_ms": 0.0, "peak_memory_kb": 0,
                               "stdout_bytes": 0, "stdout_truncated": False,
                               "error": f"the program is not UTF-8 ({exc.reason} at byte {exc.start})"}))
        return
    with Sandbox(backend=backend, workers=1) as box:
        result = box.run(source, input.read_bytes(), limits)
    want = expected.read_bytes() if expected is not None else None  # the judge compares bytes, any encoding
    typer.echo(json.dumps({
        "status": test_verdict(result, want, tolerance=DEFAULT_TOLERANCE),
        "exit_code": result.exit_code,
        "wall_ms": round(result.wall_ms, 3),
        "peak_memory_kb": result.peak_memory_kb,
        "stdout_bytes": len(result.stdout),
        "stdout_truncated": result.stdout_truncated,
        "error": result.error,
    }))
