"""The compare stage: the evaluated models side by side in one Markdown table (pass@k, per difficulty, ranking
accuracy, verdicts, diversity), read from the evaluate stage's metrics files."""
from __future__ import annotations

from pathlib import Path

from pipeline.atomic import write_text
from pipeline.evaluate.metrics import NGRAM_ORDERS
from sandbox.judge import VERDICTS


def comparison_table(per_model: dict[str, dict]) -> str:
    """A Markdown report of models side by side: pass@k and greedy pass@1 overall, pass@1 per difficulty
    bucket (easiest first), verdict rates and diversity. ``per_model`` maps a name to its metrics."""
    models = list(per_model)
    pass_keys = sorted({k for m in per_model.values() for k in m if k.startswith("pass@")},
                       key=lambda k: int(k.removeprefix("pass@")))
    buckets: dict[str, int] = {}
    for m in per_model.values():
        for b, block in m.get("by_difficulty", {}).items():
            buckets.setdefault(b, block.get("rank", len(buckets)))

    def table(title: str, header: str, lines: list[tuple[str, list]]) -> list[str]:
        out = [f"## {title}", "", f"| {header} | " + " | ".join(models) + " |",
               "|---|" + "---:|" * len(models)]
        out += [f"| {label} | " + " | ".join(_fmt(v) for v in values) + " |" for label, values in lines]
        return out + [""]

    def get(m: dict, *path):
        for key in path:
            if not isinstance(m, dict) or key not in m:
                return None
            m = m[key]
        return m

    lines = ["# Evaluation: models side by side", ""]
    lines += table("Pass rates (all evaluated problems)", "metric",
                   [("problems", [get(per_model[m], "problems") for m in models])]
                   + [(k, [get(per_model[m], k) for m in models]) for k in pass_keys + ["greedy_pass@1"]])
    lines += table("pass@1 by difficulty", "difficulty",
                   [(f"{b} ({_fmt(get(per_model[models[0]], 'by_difficulty', b, 'problems'))} problems)",
                     [get(per_model[m], "by_difficulty", b, "pass@1") for m in models])
                    for b in sorted(buckets, key=buckets.get)])
    lines += table("Ranking accuracy (correct vs incorrect program of one problem, forward passes only)",
                   "metric", ranking_lines(per_model, models, get))
    verdicts = sorted({v for m in per_model.values() for v in m.get("verdict_rates", {})},
                      key=lambda v: (VERDICTS.index(v) if v in VERDICTS else len(VERDICTS), v))
    lines += table("Verdicts among samples", "verdict",
                   [(v, [get(per_model[m], "verdict_rates", v) for m in models]) for v in verdicts])
    div_keys = [f"distinct_{n}" for n in NGRAM_ORDERS] + ["edit_distance"]
    lines += table("Diversity (mean over problems)", "metric",
                   [(f"{subset}: {k}", [get(per_model[m], "diversity", subset, k) for m in models])
                    for subset in ("all", "correct") for k in div_keys])
    return "\n".join(lines)


def ranking_lines(per_model: dict[str, dict], models: list[str], get) -> list[tuple[str, list]]:
    """Rows of the ranking table: pairs, accuracy (summed and per-token log-likelihood) with its 95% bootstrap
    interval over problems, and the mean margins."""
    def accuracy(m: str, kind: str):
        value, ci = get(per_model[m], "ranking", f"accuracy_{kind}"), get(per_model[m], "ranking", f"accuracy_{kind}_ci95")
        return None if value is None else f"{value:.3f} [{ci[0]:.3f}, {ci[1]:.3f}]"

    return [("pairs (problems)", [None if get(per_model[m], "ranking", "pairs") is None else
                                  f"{get(per_model[m], 'ranking', 'pairs')} ({get(per_model[m], 'ranking', 'problems')})"
                                  for m in models]),
            ("accuracy, summed log-lik. [95% CI]", [accuracy(m, "sum") for m in models]),
            ("accuracy, per-token log-lik. [95% CI]", [accuracy(m, "token") for m in models]),
            ("mean margin, summed (nats)", [get(per_model[m], "ranking", "margin_sum") for m in models]),
            ("mean margin, per token (nats)", [get(per_model[m], "ranking", "margin_token") for m in models])]


def _fmt(value) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


def compare(metrics_dir: Path, out_path: Path) -> str:
    """Read every ``<metrics_dir>/*.json`` written by this stage ({name: metrics}), write the Markdown
    comparison to ``out_path`` and return it. Models appear in the order base, sft, rloo, then by name."""
    import json

    per_model: dict[str, dict] = {}
    for path in sorted(metrics_dir.glob("*.json")):
        data = json.loads(path.read_text())
        if not isinstance(data, dict) or len(data) != 1 or not isinstance(next(iter(data.values())), dict):
            raise ValueError(f"{path}: expected {{model name: metrics}} as written by `coderl evaluate`")
        per_model.update(data)
    if not per_model:
        raise FileNotFoundError(f"no metrics in {metrics_dir}/*.json: run `coderl evaluate` (or `dvc repro`) first")
    known = ["base", "sft", "rloo"]
    order = sorted(per_model, key=lambda m: (known.index(m) if m in known else len(known), m))
    text = comparison_table({m: per_model[m] for m in order}) + "\n"
    write_text(out_path, text)
    return text
