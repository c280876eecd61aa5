"""Training throughput: our loop (pipeline.train) against TRL's SFTTrainer, same model, rows, batch size, epochs.

    python benchmarks/train_throughput.py [--model-dir DIR] [--rows 0] [--epochs 2] [--batch-size 8]
        [--write]

The rows are the train split of data/groups/groups.parquet (the bundled sample after `dvc repro groups`), one per
distinct (problem, submission), every one marked Accepted so that SFT trains on all of them; both trainers get the
very same token ids (pipeline.train.batches.encode: rendered prompt + fenced program + EOS; TRL receives them
pre-tokenised with a completion mask, so it trains on the program tokens only, like us). The model is a tiny
random Llama (pipeline.model.tiny_model with the SmolLM2 tokenizer) unless ``--model-dir`` names a prepared model.
The RLOO loss is an advantage-weighted NLL with the same cost, so SFT is the fair reference for loop efficiency;
our rloo run is listed too (its one-off snapshot of the initial log-probs is timed separately, not in the loop).

Tokens/s = prompt + program tokens of the rows trained on x epochs / wall seconds of the training loop (model
loading excluded; our time includes dvclive logging every step). TRL runs with its defaults (which turn gradient
checkpointing on: less memory, a second forward pass) and without gradient checkpointing, with random and with
length-grouped batches; "x fastest TRL" compares with the fastest of them. Variants of our loop isolate where the
speed comes from: ``share_prompts`` (a group's programs behind one copy of the prompt) and ``logits_to_keep``
(the vocabulary projection only at program positions, always on). TRL and our runs alternate so that a change
in the machine's load hits both sides alike.
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import os
import platform
import re
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from pipeline import tables  # noqa: E402
from pipeline.model import load_tokenizer  # noqa: E402
from pipeline.params import TrainParams  # noqa: E402
from pipeline.train import loop  # noqa: E402
from pipeline.train.batches import accepted_path, encode, select_rows  # noqa: E402
from sandbox.judge import ACCEPTED  # noqa: E402

SCRATCH = REPO / "benchmarks" / ".scratch" / "train"
RESULTS = REPO / "benchmarks" / "RESULTS.md"
SECTION = "## Training throughput"
INTRO = ("Our loop (pipeline/train/loop.py) against TRL's SFTTrainer, same model, rows (identical token ids), batch "
         "size and epochs, side by side in one run per table, TRL and our runs alternating (see the docstring of "
         "benchmarks/train_throughput.py). Tokens/s counts the prompt + program tokens of every row trained on.")


def tiny_model_dir() -> Path:
    """A tiny random Llama with SmolLM2's tokenizer (pipeline.model.save_tiny_model), made once."""
    from pipeline.model import save_tiny_model

    path = SCRATCH / "tiny-llama"
    return path if (path / "config.json").exists() else save_tiny_model(path)


def benchmark_groups(rows_limit: int) -> Path:
    """The train rows of groups.parquet, de-duplicated, all marked Accepted (so sft keeps every one)."""
    source = REPO / "data" / "groups" / "groups.parquet"
    if not source.exists():
        raise SystemExit(f"{source} not found: run `dvc repro groups` first (the benchmark trains on its rows)")
    seen, rows = set(), []
    for r in tables.read_table(source, tables.GROUPS).to_pylist():
        if r["split"] == "train" and (r["problem_id"], r["submission_id"]) not in seen:
            seen.add((r["problem_id"], r["submission_id"]))
            rows.append({**r, "verdict": ACCEPTED})
    rows = rows[:rows_limit] if rows_limit else rows
    path = SCRATCH / "groups.parquet"
    tables.write_table(tables.from_rows(rows, tables.GROUPS), path, tables.GROUPS)
    # sft reads the SFT set beside the groups table: the same rows.
    tables.write_table(tables.from_rows(rows, tables.ACCEPTED), accepted_path(path), tables.ACCEPTED)
    return path


def run_ours(model_dir: Path, groups: Path, prm: TrainParams, algorithm: str, name: str, lr: float) -> dict:
    out = SCRATCH / "runs" / name
    t0 = time.perf_counter()
    summary = loop.train(prm, lr, 0, algorithm, groups, model_dir, out / "model", out / "ckpt", out / "metrics")
    total = time.perf_counter() - t0
    return {"seconds": summary["train_seconds"], "tokens": summary["tokens"],
            "overhead": total - summary["train_seconds"]}


def run_trl(model_dir: Path, examples: list, prm: TrainParams, lr: float, sampler: str,
            checkpointing: bool) -> dict:
    """TRL's SFTTrainer on pre-tokenised examples (input_ids + completion_mask), same batch and epochs.
    ``checkpointing``: TRL turns gradient checkpointing on by default (memory for compute); our loop does not."""
    import torch
    from datasets import Dataset
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from trl import SFTConfig, SFTTrainer

    data = Dataset.from_list([{"input_ids": list(e.ids), "completion_mask": [0] * e.n_prompt + [1] * e.n_completion}
                              for e in examples])
    cuda = torch.cuda.is_available()
    config = SFTConfig(
        output_dir=str(SCRATCH / "runs" / f"trl-{sampler}-{checkpointing}"),
        per_device_train_batch_size=prm.batch_size,
        gradient_accumulation_steps=prm.grad_accum, num_train_epochs=prm.epochs, learning_rate=lr,
        lr_scheduler_type="cosine", warmup_steps=prm.warmup_ratio, max_grad_norm=prm.grad_clip,
        max_length=None, completion_only_loss=True, packing=False, train_sampling_strategy=sampler,
        bf16=cuda, use_cpu=not cuda, dataloader_num_workers=0, logging_steps=1000, save_strategy="no",
        report_to="none", disable_tqdm=True, seed=0, gradient_checkpointing=checkpointing,
    )
    model = AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch.float32)
    trainer = SFTTrainer(model=model, args=config, train_dataset=data,
                         processing_class=AutoTokenizer.from_pretrained(model_dir))
    t0 = time.perf_counter()
    trainer.train()
    seconds = time.perf_counter() - t0
    assert trainer.model.is_gradient_checkpointing == checkpointing  # Trainer switches it on inside train()
    return {"seconds": seconds, "tokens": prm.epochs * sum(len(e.ids) for e in examples), "optim": config.optim}


def machine() -> str:
    import torch

    cpu = next((ln.split(":", 1)[1].strip() for ln in Path("/proc/cpuinfo").read_text().splitlines()
                if ln.startswith("model name")), platform.processor())
    mem_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "no GPU"
    return (f"{os.cpu_count()} x {cpu}, {mem_gib:.0f} GiB RAM, {gpu}, Linux {platform.release()}, "
            f"Python {platform.python_version()}, torch {torch.__version__}, torch threads {torch.get_num_threads()}")


def write_subsection(title: str, text: str) -> None:
    """Replace (or add) the ``### title`` block inside our section of RESULTS.md, leaving the rest alone."""
    old = RESULTS.read_text() if RESULTS.exists() else "# Benchmark results\n"
    section = re.compile(rf"^{re.escape(SECTION)}\n.*?(?=^## |\Z)", re.S | re.M)
    match = section.search(old)
    body = match.group(0) if match else f"{SECTION}\n\n{INTRO}\n"
    block = f"### {title}\n\n{text}"
    sub = re.compile(rf"^### {re.escape(title)}\n.*?(?=^### |\Z)", re.S | re.M)
    body = sub.sub(lambda _: block + "\n", body) if sub.search(body) else body.rstrip("\n") + "\n\n" + block
    body = body.rstrip("\n") + "\n\n"
    new = old[: match.start()] + body + old[match.end():] if match else old.rstrip("\n") + "\n\n" + body
    RESULTS.write_text(new.rstrip("\n") + "\n")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model-dir", type=Path, help="a prepared model directory (default: a tiny random Llama)")
    ap.add_argument("--rows", type=int, default=0, help="use only the first N rows (0 = all)")
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--batch-size", type=int, default=8)
    ap.add_argument("--max-length", type=int, default=1024)
    ap.add_argument("--write", action="store_true", help="write the section into benchmarks/RESULTS.md")
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING)
    import transformers

    transformers.logging.set_verbosity_error()

    model_dir = args.model_dir or tiny_model_dir()
    groups = benchmark_groups(args.rows)
    lr = 1e-4
    prm = dataclasses.replace(
        TrainParams(), batch_size=args.batch_size, grad_accum=1, epochs=args.epochs, max_steps=0,
        max_length=args.max_length, checkpoint_every=0, log_every=1, warmup_ratio=0.1,
    )
    tokenizer = load_tokenizer(model_dir)
    rows, _ = select_rows(tables.read_table(groups, tables.GROUPS), "sft", "train")
    examples, too_long = encode(rows, tokenizer, prm.max_length, "sft")
    load_before = os.getloadavg()[0]

    # TRL and our runs alternate, so that a change in the machine's load hits both sides alike.
    runs = {
        "TRL SFTTrainer, its defaults (gradient checkpointing, random batches)":
            lambda: run_trl(model_dir, examples, prm, lr, "random", True),
        "ours sft, share_prompts=false": lambda: run_ours(
            model_dir, groups, dataclasses.replace(prm, share_prompts=False), "sft", "sft-noshare", lr),
        "TRL SFTTrainer, no gradient checkpointing": lambda: run_trl(model_dir, examples, prm, lr, "random", False),
        "ours sft (defaults: bucketing, shared prompts)": lambda: run_ours(model_dir, groups, prm, "sft", "sft", lr),
        "TRL SFTTrainer, no gradient checkpointing, group_by_length":
            lambda: run_trl(model_dir, examples, prm, lr, "group_by_length", False),
        "ours rloo (defaults, guard on)": lambda: run_ours(model_dir, groups, prm, "rloo", "rloo", lr),
    }
    results = {name: run() for name, run in runs.items()}
    load_after = os.getloadavg()[0]

    # The reference is the fastest TRL configuration.
    trl_rate = max((r for name, r in results.items() if name.startswith("TRL")),
                   key=lambda r: r["tokens"] / r["seconds"])
    base = trl_rate["tokens"] / trl_rate["seconds"]
    command = " ".join(["python benchmarks/train_throughput.py"] + sys.argv[1:])
    model_name = args.model_dir or "a tiny random Llama (hidden 32, 2 layers, SmolLM2 vocabulary of 49152)"
    n = len(examples)
    lines = [
        f"Machine: {machine()}. Load average (1 min) {load_before:.1f} before, {load_after:.1f} after.",
        f"Command: `{command}`",
        "",
        f"Model: {model_name}. Rows: {n} distinct train programs of the bundled sample's groups ({too_long} longer "
        f"than {args.max_length} tokens left out), {sum(len(e.ids) for e in examples)} tokens per epoch, mean prompt "
        f"{sum(e.n_prompt for e in examples) / n:.0f} / program {sum(e.n_completion for e in examples) / n:.0f} "
        f"tokens; batch {args.batch_size} sequences, {args.epochs} epochs, AdamW (TRL: `{trl_rate['optim']}`).",
        "",
        "| trainer | loop seconds | tokens | tokens/s | x fastest TRL |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, r in results.items():
        rate = r["tokens"] / r["seconds"]
        lines.append(f"| {name} | {r['seconds']:.1f} | {r['tokens']} | {rate:.0f} | {rate / base:.2f} |")
    text = "\n".join(lines) + "\n"
    title = "tiny random Llama"
    if args.model_dir:
        source = args.model_dir / "source.json"
        info = json.loads(source.read_text()) if source.exists() else {}
        title = f"{info.get('source', args.model_dir)} ({info.get('parameters', 0) / 1e6:.0f}M parameters)"
    print(f"### {title}\n\n{text}")
    if args.write:
        write_subsection(title, text)


if __name__ == "__main__":
    main()
