"""params.yaml reading: values as DVC writes them; the dataclasses agree with params.yaml."""
import dataclasses
import re

import pytest

from pipeline import params
from tests.conftest import REPO


def test_numbers_as_dvc_exp_writes_them_are_numbers(tmp_path):
    # `dvc exp run -S lr=3e-5` writes `lr: 3e-05`, a string to YAML 1.1 loaders.
    path = tmp_path / "params.yaml"
    path.write_text("seed: 1\nlr: 3e-05\nexecute:\n  tolerance: 1e-6\n")
    assert params.load_top("lr", path) == 3e-05
    assert params.load(params.ExecuteParams, path).tolerance == 1e-6


def section_classes() -> dict[str, type]:
    """params.yaml section -> its dataclass, for every `*Params` class of pipeline.params (so a new section is
    checked without editing this test)."""
    classes = [c for name, c in vars(params).items() if name.endswith("Params") and dataclasses.is_dataclass(c)]
    return {getattr(c, "SECTION", None) or c.__name__.removesuffix("Params").lower(): c for c in classes}


def test_every_section_of_params_yaml_has_a_dataclass_and_back():
    raw = params.read_yaml(REPO / "params.yaml")
    assert {k for k, v in raw.items() if isinstance(v, dict)} == set(section_classes())


def test_dataclass_defaults_equal_params_yaml():
    """A default differing from params.yaml makes code that builds params in Python (tests, benchmarks,
    notebooks) run another configuration than the pipeline while looking the same."""
    raw = params.read_yaml(REPO / "params.yaml")
    differ = []
    for section, cls in section_classes().items():
        default, configured = cls(), params.from_mapping(cls, section, raw[section])
        for field in dataclasses.fields(cls):
            assert field.name in raw[section], f"params.yaml lacks {section}.{field.name}: document it there"
            if getattr(default, field.name) != getattr(configured, field.name):
                differ.append(f"{section}.{field.name}: default {getattr(default, field.name)!r}, "
                              f"params.yaml {getattr(configured, field.name)!r}")
    assert not differ, "pipeline/params.py defaults differ from params.yaml:\n" + "\n".join(differ)


def test_every_field_has_help_text():
    """Help with each field (TRL's style); the tests section keeps its comments until its owner converts it."""
    missing = [f"{section}.{f.name}" for section, cls in section_classes().items() if section != "tests"
               for f in dataclasses.fields(cls) if not f.metadata.get("help", "").strip()]
    assert not missing, f"fields without metadata help: {missing}"


@pytest.mark.parametrize("section, key, value, message", [
    ("train", "finetune", "qlora", "train.finetune = 'qlora' is invalid; allowed: full, lora"),  # choices
    ("train", "batch_size", 0, "train.batch_size = 0 is invalid; use 1 or more"),  # min, with its fix
    ("evaluate", "top_p", 1.5, "evaluate.top_p = 1.5 is invalid; use a value in (0, 1]"),  # max
    ("evaluate", "temperature", 0.0, "evaluate.temperature = 0.0 is invalid; use a positive"),  # min_exclusive
    ("train", "adam_beta2", 1.0, "train.adam_beta2 = 1.0 is invalid; use a value in [0, 1)"),  # max_exclusive
    ("execute", "test_sources", ["derived", "hidden"], "execute.test_sources = ('derived', 'hidden') is invalid; give "
                                                       "a non-empty subset"),  # choices, item by item
    ("groups", "splits", [], "groups.splits = () is invalid; give a non-empty subset"),  # non_empty
])
def test_the_generic_rule_names_the_key_the_value_and_what_is_allowed(section, key, value, message):
    cls = section_classes()[section]
    with pytest.raises(params.ParamsError, match=re.escape("params.yaml: " + message)):
        params.from_mapping(cls, section, {key: value})


def test_the_generic_rule_builds_the_sentence_from_the_checks_when_a_field_has_no_fix():
    assert params._allowed({"min": 1, "max_exclusive": 5}) == "use a value >= 1 and < 5"
    assert params._allowed({"choices": ("a", "b")}) == "allowed: a, b"
    assert not params._satisfies(0, {"min_exclusive": 0}) and params._satisfies(1e-9, {"min_exclusive": 0})
    assert not params._satisfies((2, 4), {"choices": (0, 2, 3)}) and params._satisfies((), {"choices": (1,)})
