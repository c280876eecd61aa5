"""The `coderl` command line: one thin command per DVC stage (parse, load params, call the stage)."""
from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

import typer

from sandbox.cli import app as sandbox_app

app = typer.Typer(add_completion=False, no_args_is_help=True, help=__doc__)
app.add_typer(sandbox_app, name="sandbox")

PARAMS = typer.Option(Path("params.yaml"), "--params", help="params.yaml to read")


@app.callback()
def _setup(verbose: bool = typer.Option(False, "--verbose", "-v", help="debug logging")):
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s"
    )


@app.command()
def ingest(params: Path = PARAMS, out: Path = typer.Option(Path("data/ingest"), help="output folder")):
    """Read a CodeNet tree into problems.parquet, submissions.parquet and summary.json."""
    from pipeline import ingest as stage

    stage.main(params, out)


@app.command()
def execute(
    params: Path = PARAMS,
    ingest: Path = typer.Option(Path("data/ingest"), help="ingest stage output folder"),
    out: Path = typer.Option(Path("data/execute"), help="output folder"),
    memo: Path = typer.Option(None, help="judge memo (SQLite) for crash recovery; omit to disable"),
    problems: Path = typer.Option(None, help="problems table with the tests to judge on (default: ingest's)"),
):
    """Judge every submission in the sandbox: verdicts.parquet and agreement.json."""
    from pipeline import execute as stage

    stage.main(params, ingest, out, memo, problems)


@app.command()
def rewards(
    params: Path = PARAMS,
    verdicts: Path = typer.Option(Path("data/execute/verdicts.parquet"), help="execute stage verdicts"),
    out: Path = typer.Option(Path("data/rewards"), help="output folder"),
):
    """Map verdicts to reward components and the combined reward: rewards.parquet."""
    from pipeline import rewards as stage

    stage.main(params, verdicts, out)


@app.command()
def groups(
    params: Path = PARAMS,
    ingest: Path = typer.Option(Path("data/ingest"), help="ingest stage output folder"),
    rewards: Path = typer.Option(Path("data/rewards/rewards.parquet"), help="rewards stage output"),
    out: Path = typer.Option(Path("data/groups"), help="output folder"),
):
    """Form groups of G submissions per problem with RLOO/GRPO-style advantages: groups.parquet."""
    from pipeline import groups as stage

    stage.main(params, ingest, rewards, out)


# Further stage commands are added below, one per stage, in pipeline order.


@app.command("prepare-model")
def prepare_model(
    params: Path = PARAMS,
    out: Path = typer.Option(Path("models/policy/base"), help="output model directory"),
):
    """Save the base policy (params: model.source) as a plain safetensors model directory with its tokenizer."""
    from pipeline import model as stage

    stage.main(params, out)


@app.command()
def train(
    params: Path = PARAMS,
    algorithm: str = typer.Option("rloo", help="rloo (offline RLOO, the default), sft (the baseline) or "
                                  "online_rloo (online RLOO: samples and judges programs every step)"),
    groups: Path = typer.Option(Path("data/groups/groups.parquet"), help="groups stage output"),
    base: Path = typer.Option(Path("models/policy/base"), help="prepare-model output (the initial policy)"),
    out: Path = typer.Option(..., help="output model directory, e.g. models/policy/rloo"),
    checkpoints: Path = typer.Option(None, help="resumable checkpoints [default: checkpoints/<algorithm>]"),
    metrics: Path = typer.Option(None, help="dvclive folder [default: metrics/train/<algorithm>]"),
    problems: Path = typer.Option(Path("data/tests/problems.parquet"), help="online_rloo: problems with tests"),
):
    """Train the policy on the train split of groups.parquet (explicit loop, dvclive metrics, resumable)."""
    from pipeline.train import loop as stage

    stage.main(params, algorithm, groups, base, out, checkpoints, metrics, problems)


@app.command()
def evaluate(
    params: Path = PARAMS,
    model_dir: Path = typer.Option(..., help="transformers model directory, e.g. models/policy/sft"),
    name: str = typer.Option(..., help="model name: the top-level key of the metrics file (base, sft, rloo)"),
    problems: Path = typer.Option(Path("data/ingest/problems.parquet"), help="ingest stage problems"),
    out: Path = typer.Option(..., help="output folder for samples.parquet, e.g. data/evaluate/sft"),
    metrics: Path = typer.Option(..., help="metrics JSON, e.g. metrics/eval/sft.json"),
    plots: Path = typer.Option(None, help="plots data folder [default: <metrics dir>/plots/<name>]"),
    rewards: Path = typer.Option(Path("data/rewards/rewards.parquet"), help="rewards stage output (ranking pairs)"),
    submissions: Path = typer.Option(Path("data/ingest/submissions.parquet"), help="ingest submissions (their code)"),
):
    """Sample and judge programs on the evaluation splits: pass@k, verdict rates, diversity, ranking accuracy,
    plots."""
    from pipeline.evaluate import stage

    stage.main(params, model_dir, name, problems, out, metrics, plots, rewards, submissions)


@app.command("tests")
def tests_(
    params: Path = PARAMS,
    ingest: Path = typer.Option(Path("data/ingest"), help="ingest stage output folder"),
    out: Path = typer.Option(Path("data/tests"), help="output folder"),
):
    """Generate tests within the statement's constraints, validated by every Accepted program: problems.parquet,
    report.json, summary.json."""
    from pipeline import testgen as stage

    stage.main(params, ingest, out)


@app.command()
def compare(
    metrics_dir: Path = typer.Option(Path("metrics/eval"), help="folder of the evaluate stage's <name>.json"),
    out: Path = typer.Option(Path("metrics/eval/comparison.md"), help="Markdown table to write"),
):
    """Print the evaluated models side by side (pass@k, per difficulty, verdicts, diversity)."""
    from pipeline.evaluate.compare import compare as stage

    typer.echo(stage(metrics_dir, out))


def main() -> None:
    """Console entry point: user errors (bad params, bad input, missing upstream outputs) print one clear
    line and exit 2 instead of a traceback; anything else is a bug and keeps its traceback."""
    from pipeline.errors import USER_ERRORS

    # Idle OpenMP threads sleep instead of spinning. libgomp's default (spin, then sleep) collapses when another
    # process holds a core: on 2 cores beside one busy process SmolLM2 decoded at 141 ms/step by default and
    # 69 ms with passive threads; idle, passive costs 13-23% (benchmarks/omp_contention.py, RESULTS.md). Read
    # when torch loads, so set before any import of it; a user's own OMP_WAIT_POLICY wins.
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    try:
        app(prog_name="coderl")
    except USER_ERRORS as exc:
        print(f"coderl: error: {exc}", file=sys.stderr)
        sys.exit(2)
