"""params.yaml reading: values as DVC writes them."""
from pipeline import params as P


def test_numbers_as_dvc_exp_writes_them_are_numbers(tmp_path):
    # `dvc exp run -S lr=3e-5` writes `lr: 3e-05`, a string to YAML 1.1 loaders.
    path = tmp_path / "params.yaml"
    path.write_text("seed: 1\nlr: 3e-05\nexecute:\n  tolerance: 1e-6\n")
    assert P.load_top("lr", path) == 3e-05
    assert P.load(P.ExecuteParams, path).tolerance == 1e-6
