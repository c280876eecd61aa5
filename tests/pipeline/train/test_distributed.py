"""Training on two CPU processes (gloo; DDP through accelerate): both processes end with identical parameters,
equal to one process running the whole step (grad_accum doubled); a resume continues exactly; `coderl train` with
train.num_processes = 2 starts the processes itself (`accelerate launch`). Plus the pieces that need no processes:
the split of a step, the launch command, the FSDP plugin and the params' validation."""
from __future__ import annotations

import csv
import dataclasses
import os
import socket
from pathlib import Path

import pytest
import torch
import yaml
from safetensors.torch import load_file

from pipeline.params import ParamsError, TrainParams, from_mapping
from pipeline.train import distributed, loop
from pipeline.train.batches import collate, encode, select_rows
from pipeline.train.loss import denominator, step_denominator
from tests.conftest import REPO
from tests.pipeline.train.conftest import GOOD_SUM, SUM, groups_rows, params, row, write_groups

LR, SEED = 1e-2, 0
# Five train rows in batches of 2 (no sorting): micro-batches of 2, 2 and 1 sequences, so the two processes of a
# step hold different numbers of sequences and only the whole step's loss denominator gives one process's update.
RUN = dict(batch_size=2, max_steps=2, sort_window=1)
TWO = dict(RUN, num_processes=2, grad_accum=1)
ONE = dict(RUN, num_processes=1, grad_accum=2)  # the same global batch in one process
LORA_KL = dict(finetune="lora", lora_r=4, lora_dropout=0.0, kl_coef=0.1)  # dropout differs by process: off


def weights(model_dir: Path) -> dict[str, torch.Tensor]:
    return load_file(str(model_dir / "model.safetensors"))


def assert_close(actual: dict, expected: dict) -> None:
    """Parameters equal up to float32 rounding. The gradients differ only in the order of their sums (all-reduce
    vs accumulation in one process), ~1e-10 absolute; AdamW's step g / (|g| + 1e-8) multiplies that by 1e8 where
    a gradient is near zero, so a few elements move by up to ~2% of lr more or less. A wrong denominator or
    loss weight changes most updates by a good part of lr (and the logged grad_norm: see the metrics test)."""
    assert actual.keys() == expected.keys()
    for name in expected:
        torch.testing.assert_close(actual[name], expected[name], rtol=1e-5, atol=0.05 * LR, msg=name)


def logged(metrics_dir: Path, name: str) -> list[float]:
    with (metrics_dir / "plots" / "metrics" / f"{name}.tsv").open() as fh:
        return [float(r[name]) for r in csv.DictReader(fh, delimiter="\t")]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def groups(tmp_path_factory) -> Path:
    rows = groups_rows() + [row("p00001-g0", 2, SUM, GOOD_SUM.replace("a + b", "b + a"), "Accepted", 1.0, 0.5)]
    return write_groups(tmp_path_factory.mktemp("groups") / "groups.parquet", rows)


def one_process(root: Path, base: Path, groups: Path, **overrides) -> Path:
    loop.train(params(**overrides), LR, SEED, "rloo", groups, base, root / "model", root / "ckpt", root / "metrics")
    return root


# --------------------------------------------------------------------------------------------------
# Two processes started with torch.multiprocessing, each holding on to its parameters


def worker(rank: int, port: int, root: Path, base: Path, groups: Path) -> None:
    """One of two processes: the environment a launcher gives, then a run of 2 steps (checkpoint after each);
    then step 2's checkpoint is dropped and the same run resumes from step 1 into another output folder."""
    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port), WORLD_SIZE="2", RANK=str(rank),
                      LOCAL_RANK=str(rank), LOCAL_WORLD_SIZE="2")
    torch.set_num_threads(1)
    held = {}
    gather = distributed.Parallel.final_model

    def hold(self, model, rebuild):  # the parameters this process ends with
        held.update({n: p.detach().clone() for n, p in distributed.unwrap(model).named_parameters()})
        return gather(self, model, rebuild)

    distributed.Parallel.final_model = hold
    prm = params(**TWO, checkpoint_every=1, keep_checkpoints=2)
    loop.train(prm, LR, SEED, "rloo", groups, base, root / "model", root / "ckpt", root / "metrics")
    torch.save(held, root / f"rank{rank}.pt")
    torch.distributed.barrier()
    if rank == 0:
        (root / "ckpt" / "step-00000002.pt").unlink()
    torch.distributed.barrier()
    loop.train(prm, LR, SEED, "rloo", groups, base, root / "resumed", root / "ckpt", root / "metrics")


@pytest.fixture(scope="module")
def two(tmp_path_factory, tiny_model_dir, groups) -> Path:
    root = tmp_path_factory.mktemp("two")
    torch.multiprocessing.spawn(worker, args=(free_port(), root, tiny_model_dir, groups), nprocs=2, join=True)
    return root


@pytest.fixture(scope="module")
def one(tmp_path_factory, tiny_model_dir, groups) -> Path:
    return one_process(tmp_path_factory.mktemp("one"), tiny_model_dir, groups, **ONE)


def test_both_processes_hold_identical_parameters_that_moved(two, tiny_model_dir):
    rank0, rank1 = torch.load(two / "rank0.pt"), torch.load(two / "rank1.pt")
    assert rank0.keys() == rank1.keys()
    for name in rank0:
        assert torch.equal(rank0[name], rank1[name]), name
    base = weights(tiny_model_dir)
    assert all(not torch.equal(rank0[name], base[name]) for name in rank0)


def test_two_processes_equal_one_process_with_double_grad_accum(two, one):
    assert_close(weights(two / "model"), weights(one / "model"))


def test_logged_metrics_are_the_whole_steps_as_in_one_process(two, one):
    """loss and grad_norm are reduced over the processes; grad_norm also catches a wrong loss scale, which
    AdamW's update alone would hide (it is scale-invariant)."""
    for name in ("loss", "grad_norm", "log_ratio", "advantage_mean", "valid_loss"):
        assert logged(two / "metrics", name) == pytest.approx(logged(one / "metrics", name), rel=1e-5, abs=1e-7), name


def test_resume_with_two_processes_ends_where_the_straight_run_did(two):
    straight, resumed = weights(two / "model"), weights(two / "resumed")
    for name in straight:
        assert torch.equal(resumed[name], straight[name]), name


# --------------------------------------------------------------------------------------------------
# The real command: `coderl train` (the DVC stage) with train.num_processes = 2 launches itself


def write_params(path: Path, **train) -> Path:
    """The repo's params.yaml with lr, seed and the train section's small CPU settings (and ``train``)."""
    data = yaml.safe_load((REPO / "params.yaml").read_text())
    data.update(lr=LR, seed=SEED)
    data["train"].update({**dataclasses.asdict(params()), **train})
    data["train"]["lora_target_modules"] = list(data["train"]["lora_target_modules"])
    data["train"]["fsdp_wrap_layers"] = list(data["train"]["fsdp_wrap_layers"])
    path.write_text(yaml.safe_dump(data))
    return path


@pytest.mark.slow  # starts accelerate's launcher and two processes: ~15 s
def test_coderl_train_launches_the_processes_itself(tmp_path, tiny_model_dir, groups, monkeypatch):
    """LoRA with a KL penalty: the reference is the DDP-wrapped model with its adapters off; the saved model is
    gathered into a fresh copy and merged."""
    monkeypatch.chdir(REPO)  # `python -m pipeline` in the launched processes imports this checkout
    params_path = write_params(tmp_path / "params.yaml", **TWO, **LORA_KL)
    root = tmp_path / "two"
    summary = loop.main(params_path, "rloo", groups, tiny_model_dir, root / "model", root / "ckpt", root / "metrics")
    assert summary["steps"] == 2 and summary["examples"] == 5
    one = one_process(tmp_path / "one", tiny_model_dir, groups, **ONE, **LORA_KL)
    assert_close(weights(root / "model"), weights(one / "model"))
    # KL grows with the square of the parameters' distance from the start: relative rounding doubles and more.
    assert logged(root / "metrics", "kl") == pytest.approx(logged(one / "metrics", "kl"), rel=1e-3, abs=1e-9)


# --------------------------------------------------------------------------------------------------
# Without processes


def test_rank_share_splits_a_step_and_pads_the_short_process():
    step = [[0, 1], [2, 3], [4]]
    assert distributed.rank_share(step, 0, 2) == [([0, 1], 1.0), ([4], 1.0)]
    assert distributed.rank_share(step, 1, 2) == [([2, 3], 1.0), ([0, 1], 0.0)]  # reruns the first with weight 0
    assert distributed.rank_share(step, 0, 1) == [(idx, 1.0) for idx in step]  # one process: the whole step


def test_step_denominator_equals_that_of_the_collated_micro_batches(tokenizer, groups):
    from pipeline import tables

    rows, _ = select_rows(tables.read_table(groups, tables.GROUPS), "rloo", "train")
    examples, _ = encode(rows, tokenizer, 4096, "rloo")
    batches = [collate(examples[:2], tokenizer.pad_token_id), collate(examples[2:], tokenizer.pad_token_id)]
    for norm in ("sequence", "token"):
        assert step_denominator(examples, norm) == denominator(batches, norm)


def test_launch_command_reruns_the_command_as_n_processes():
    cmd = distributed.launch_command(params(num_processes=4, device="cuda"), ["train", "--out", "m"], cpu=False,
                                     port=29555)
    assert cmd[1:3] == ["-m", "accelerate.commands.launch"]
    assert cmd[cmd.index("--num_processes") + 1] == "4" and cmd[cmd.index("--main_process_port") + 1] == "29555"
    assert "--multi_gpu" in cmd and "--num_cpu_threads_per_process" not in cmd
    assert cmd[-5:] == ["-m", "pipeline", "train", "--out", "m"]


def test_launch_command_shares_the_cores_among_cpu_processes():
    cmd = distributed.launch_command(params(num_processes=2), ["train"], cpu=True, cpus=16)
    assert cmd[cmd.index("--num_cpu_threads_per_process") + 1] == "8"


def test_launch_command_is_accepted_by_accelerate():
    from accelerate.commands.launch import launch_command_parser

    cmd = distributed.launch_command(params(num_processes=2), ["train", "--out", "m"], cpu=True)
    args = launch_command_parser().parse_args(cmd[3:])
    assert args.multi_gpu and args.num_processes == 2 and args.module
    assert args.training_script == "pipeline" and args.training_script_args == ["train", "--out", "m"]


def test_needs_launch_only_outside_a_launched_process(monkeypatch):
    monkeypatch.delenv("WORLD_SIZE", raising=False)
    monkeypatch.delenv("LOCAL_RANK", raising=False)
    assert distributed.needs_launch(params(num_processes=2)) and not distributed.needs_launch(params(num_processes=1))
    monkeypatch.setenv("WORLD_SIZE", "2")
    monkeypatch.setenv("LOCAL_RANK", "1")
    assert not distributed.needs_launch(params(num_processes=2))


def test_a_launch_of_another_size_than_the_params_fails(monkeypatch):
    monkeypatch.setenv("WORLD_SIZE", "4")
    monkeypatch.setenv("LOCAL_RANK", "0")
    with pytest.raises(ParamsError, match=r"train\.num_processes = 2 .*set train\.num_processes: 4"):
        distributed.setup(params(num_processes=2), torch.device("cpu"))


def test_several_processes_without_a_launcher_fail(monkeypatch):
    monkeypatch.delenv("WORLD_SIZE", raising=False)
    with pytest.raises(ParamsError, match=r"train\.num_processes = 2 .*coderl train"):
        distributed.setup(params(num_processes=2), torch.device("cpu"))


def test_fsdp_plugin_follows_the_params():
    from torch.distributed.fsdp import CPUOffloadPolicy

    plugin = distributed.fsdp_plugin(params(distributed="fsdp", fsdp_sharding="shard_grad_op",
                                            fsdp_cpu_offload=True, fsdp_wrap_layers=("LlamaDecoderLayer",)))
    assert plugin.fsdp_version == 2 and plugin.reshard_after_forward is False
    assert isinstance(plugin.cpu_offload, CPUOffloadPolicy)
    assert plugin.transformer_cls_names_to_wrap == ["LlamaDecoderLayer"]
    assert plugin.mixed_precision_policy.param_dtype == torch.bfloat16
    assert plugin.mixed_precision_policy.reduce_dtype == torch.float32
    default = distributed.fsdp_plugin(params(distributed="fsdp", bf16=False))
    assert default.reshard_after_forward is True and default.transformer_cls_names_to_wrap is None
    assert default.mixed_precision_policy is None


@pytest.mark.parametrize("key, value, fix", [
    ("num_processes", 0, "number of GPUs"),
    ("distributed", "zero3", "allowed: ddp, fsdp"),
    ("fsdp_sharding", "hybrid", "allowed: full_shard, shard_grad_op"),
    ("fsdp_wrap_layers", ["Qwen2 layer"], "layer class names"),
])
def test_invalid_distributed_params_name_key_value_and_fix(key, value, fix):
    with pytest.raises(ParamsError, match=rf"train\.{key} = .*{fix}"):
        from_mapping(TrainParams, "train", {key: value})


def test_fsdp_on_cpu_processes_is_refused():
    with pytest.raises(ParamsError, match=r"train\.distributed = 'fsdp' .*CUDA GPUs only"):
        from_mapping(TrainParams, "train", {"distributed": "fsdp", "device": "cpu", "num_processes": 2})


def test_online_rloo_on_several_processes_is_refused_before_any_launch(tmp_path, monkeypatch):
    launched = []
    monkeypatch.setattr(distributed, "launch", lambda *a, **k: launched.append(a))
    params_path = write_params(tmp_path / "params.yaml", num_processes=2)
    with pytest.raises(ParamsError, match="train.num_processes = 2 with online_rloo.*num_processes: 1"):
        loop.main(params_path, "online_rloo", tmp_path / "g.parquet", tmp_path / "base", tmp_path / "out", None, None)
    assert not launched
