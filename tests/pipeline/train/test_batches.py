"""Rows -> examples -> batches: what each algorithm trains on, tokenisation, bucketing, padding alignment."""
from __future__ import annotations

import numpy as np
import pytest

from pipeline import tables
from pipeline.train import loop
from pipeline.train.batches import Example, collate, encode, plan_batches, select_rows
from pipeline.prompt import format_completion, render_prompt
from tests.pipeline.train.conftest import BAD_SUM, GOOD_REV, GOOD_SUM, SUM, groups_rows, row


def test_rloo_trains_on_every_train_row_and_sft_on_unique_accepted_ones():
    plus = GOOD_SUM.replace(" + ", "+")  # different tokens, so a different program
    rows = groups_rows() + [
        row("p00001-g1", 0, SUM, GOOD_SUM, "Accepted", 1.0, 0.5),  # the same program in another group
        row("p00001-g1", 1, SUM, plus, "Accepted", 1.0, 0.5),
        row("p00009-g0", 0, SUM, GOOD_SUM, "Accepted", 1.0, 0.5),  # same code, other problem: kept
    ]
    table = tables.from_rows(rows, tables.GROUPS)
    rloo, _ = select_rows(table, "rloo", "train")
    sft, stats = select_rows(table, "sft", "train")
    assert len(rloo) == 7  # every train row, valid rows excluded
    assert sorted((r["problem_id"], r["completion"]) for r in sft) == [
        ("p00001", GOOD_SUM), ("p00001", plus), ("p00002", GOOD_REV), ("p00009", GOOD_SUM)
    ]
    assert stats == {"rows": 7, "not_accepted_or_duplicate": 3}


def test_sft_drops_a_whitespace_only_variant():
    rows = [
        row("p00001-g0", 0, SUM, GOOD_SUM, "Accepted", 1.0, 1.0),
        row("p00001-g0", 1, SUM, GOOD_SUM.replace("\n", "\r\n") + "   \n", "Accepted", 1.0, 1.0),
        row("p00001-g1", 0, SUM, GOOD_SUM, "Accepted", 1.0, 1.0),
    ]
    sft, _ = select_rows(tables.from_rows(rows, tables.GROUPS), "sft", "train")
    assert len(sft) == 1


def test_example_is_rendered_prompt_then_fenced_program_then_eos(tokenizer):
    r = row("p00001-g0", 0, SUM, GOOD_SUM, "Accepted", 1.0, -0.25)
    (ex,), dropped = encode([r], tokenizer, 4096, "rloo")
    assert dropped == 0 and ex.advantage == -0.25
    assert tokenizer.decode(ex.ids[: ex.n_prompt]) == render_prompt(tokenizer, SUM)
    assert tokenizer.decode(ex.ids[ex.n_prompt:]) == format_completion(GOOD_SUM) + tokenizer.eos_token
    (sft,), _ = encode([r], tokenizer, 4096, "sft")
    assert sft.advantage == 1.0


def test_too_long_rows_are_dropped_and_counted_and_advantages_kept(tokenizer):
    """Advantages train as the groups stage computed them (it owns the one clip, groups.advantage_clip)."""
    rows = [row("p00001-g0", 0, SUM, GOOD_SUM, "Accepted", 1.0, 3.0),
            row("p00001-g0", 1, SUM, BAD_SUM * 50, "Wrong Answer", 0.0, -3.0)]
    exs, dropped = encode(rows, tokenizer, 200, "rloo")
    assert dropped == 1 and [e.advantage for e in exs] == [3.0]


def test_plan_covers_each_example_once_per_epoch_and_is_seeded():
    lengths = list(np.random.default_rng(0).integers(10, 500, size=37))
    plan = plan_batches(lengths, 4, 3, 2, seed=7)
    per_epoch = len(plan) // 2
    for epoch in (plan[:per_epoch], plan[per_epoch:]):
        assert sorted(i for b in epoch for i in b) == list(range(37))
    assert plan == plan_batches(lengths, 4, 3, 2, seed=7)
    assert plan != plan_batches(lengths, 4, 3, 2, seed=8)
    assert plan[:per_epoch] != plan[per_epoch:]  # a new order each epoch


def test_length_bucketing_cuts_padding():
    lengths = list(np.random.default_rng(1).integers(50, 1000, size=400))

    def padding(plan):
        return sum(len(b) * max(lengths[i] for i in b) - sum(lengths[i] for i in b) for b in plan)

    bucketed = padding(plan_batches(lengths, 8, 16, 1, seed=0))
    plain = padding(plan_batches(lengths, 8, 1, 1, seed=0))
    assert bucketed < 0.25 * plain


def test_collate_aligns_targets_with_the_positions_that_predict_them():
    a = Example((1, 2, 3, 4, 5), 3, 1.0)  # completion 4, 5
    b = Example((6, 7, 8), 1, -1.0)  # completion 7, 8
    batch = collate([a, b], pad_id=0)
    assert batch.input_ids.tolist() == [[1, 2, 3, 4, 5], [6, 7, 8, 0, 0]]
    assert batch.keep.tolist() == [[2, 3], [0, 1]] and batch.gather is None
    assert batch.targets.tolist() == [[4, 5], [7, 8]]
    for row_ids, pos, tgt, m in zip(batch.input_ids, batch.keep, batch.targets, batch.mask):
        assert all(row_ids[p + 1] == t for p, t, ok in zip(pos, tgt, m) if ok)
    c = Example((1, 2, 3), 2, 0.5)  # completion 3 only: padded to L = 2
    batch = collate([a, c], pad_id=0)
    assert batch.mask.tolist() == [[True, True], [True, False]]
    assert batch.n_tokens == batch.n_row_tokens == 8


def test_shared_prompt_rows_pack_into_one_sequence():
    a = Example((1, 2, 3, 4, 5), 3, 1.0, prompt_key=0)  # prompt 1 2 3, program 4 5
    b = Example((1, 2, 3, 6), 3, -1.0, prompt_key=0)  # same prompt, program 6
    c = Example((9, 8), 1, 0.5, prompt_key=1)
    batch = collate([a, b, c], pad_id=0, share_prompts=True)
    assert batch.input_ids.tolist() == [[1, 2, 3, 4, 5, 6], [9, 8, 0, 0, 0, 0]]
    assert batch.position_ids[0].tolist() == [0, 1, 2, 3, 4, 3]  # program 2 continues the prompt, not program 1
    seen = batch.attention_mask[0, 0]
    assert seen[5].tolist() == [True, True, True, False, False, True]  # program 2 sees the prompt and itself
    assert seen[4].tolist() == [True, True, True, True, True, False]
    # Example b's only token (6) is predicted from the prompt's last position (2), like a's first token.
    rows, cols = batch.gather
    assert batch.keep[rows, cols][:, 0].tolist() == [2, 2, 0]
    assert batch.n_tokens == 8 and batch.n_row_tokens == 11


def test_no_training_rows_is_a_clear_error(tiny_model_dir, tmp_path):
    from tests.pipeline.train.conftest import params, write_groups

    only_bad = [row("p00001-g0", 0, SUM, BAD_SUM, "Wrong Answer", -0.3, -1.0)]
    groups = write_groups(tmp_path / "g.parquet", only_bad)
    with pytest.raises(ValueError, match="no sft training rows"):
        loop.train(params(), 1e-3, 0, "sft", groups, tiny_model_dir, tmp_path / "o", tmp_path / "c", tmp_path / "m")


def test_sft_trains_on_accepted_programs_outside_any_group(tiny_model_dir, tmp_path):
    """The SFT baseline is every Accepted program of the train split, not only those in groups with reward
    variance: a third Accepted program of p00001 in no group is trained on."""
    from tests.pipeline.train.conftest import params, write_groups

    lone = row("p00001-none", 0, SUM, GOOD_SUM.replace("a + b", "b + a"), "Accepted", 1.0, 0.0)
    groups = write_groups(tmp_path / "groups.parquet", groups_rows(), extra_accepted=[lone])
    summary = loop.train(params(max_steps=1), 1e-3, 0, "sft", groups, tiny_model_dir, tmp_path / "o", tmp_path / "c",
                         tmp_path / "m")
    assert summary["examples"] == 3  # GOOD_SUM and GOOD_REV from the groups, and the lone program
