"""params.yaml reading: values as DVC writes them; the dataclasses agree with params.yaml."""
import dataclasses

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
