"""The fallback without a statement format: layout inference and mutation (pure: no programs run); generated
inputs keep the samples' structure."""
from __future__ import annotations

import pytest

from pipeline import params
from pipeline.testgen import layout, model as input_model, mutate

PRM = params.TestsParams(candidates=64, size_growth=2.0, value_growth=2.0)  # the growth these tests are about


def relations(texts):
    return sorted(set().union(*(lay.relations() for lay in layout.infer_layouts(texts))))


def test_leading_count_sizes_the_next_line():
    assert relations(["3\n1 2 5\n", "4\n7 7 1 0\n"]) == [(0, 0, "cols")]


def test_grid_rows_and_width_are_counts():
    assert relations(["3 4\n...#\n.#..\n....\n", "2 2\n.#\n#.\n"]) == [(0, 0, "rows"), (0, 1, "strlen")]


def test_a_coincidence_in_one_sample_is_dropped_when_another_sample_disagrees():
    one = "1 2\n10 5\n"  # alone, "2" looks like the size of the next line
    assert relations([one]) == [(0, 1, "cols")]
    assert relations([one, "0 0\n1000000 1000000\n"]) == []


def test_conflicting_relations_resolve_to_the_one_every_sample_shows():
    # "3 1 / 1 2 5": 3 equals the next line's token count, but the other samples show M (token 1) counting rows.
    texts = ["4 5\n1 2 2\n4 2 3\n1 3 4\n3 4 6\n2 3 1\n", "3 1\n1 2 5\n", "5 2\n1 5 1\n2 3 9\n"]
    assert relations(texts) == [(0, 1, "rows")]


def test_vertex_ids_are_bounded_by_the_vertex_count():
    model = input_model.build_model(["4 5\n1 2 2\n4 2 3\n1 3 4\n3 4 6\n2 3 1\n", "3 1\n1 2 5\n", "5 2\n1 5 1\n2 3 9\n"])
    bounded = {key[-1]: path for key, (path, _) in model.bounds.items() if key[0] == "R"}
    assert bounded == {0: (0, 0), 1: (0, 0)}  # u and v <= N; the weights are not bounded


def conforms(model: input_model.InputModel, lay: layout.Layout, text: str) -> None:
    """An independent parser of `lay`: the text has the sample's header lines (token count, number kinds,
    string alphabet), each count's vector or block of that many lines, string lengths equal to their length
    tokens, constants unchanged, and nothing else. Raises AssertionError naming the mismatch."""
    lines = layout.split_input(text)
    pos, header_pos, spans = 0, {}, {}

    def same_tokens(got, sample_line, sample_tokens, vector=False):
        assert len(got) == len(sample_tokens), (got, sample_tokens)
        for j, (g, s) in enumerate(zip(got, sample_tokens)):
            group = model.groups[input_model.token_key(lay, sample_line, 0 if vector else j)]
            if layout.token_kind(s) == "str":
                assert set(g) <= set(group.chars), (g, sorted(group.chars))
            else:
                assert layout.token_kind(g) == layout.token_kind(s), (g, s)

    for line in lay.header_lines():
        assert pos < len(lines), f"input ends before header line {line}"
        same_tokens(lines[pos], line, lay.lines[line])
        for j, token in enumerate(lay.lines[line]):
            if (lay.header[line], j) in model.constants:
                assert lines[pos][j] == token
        header_pos[line] = pos
        pos += 1
        for j, role, start, end in lay.claims.get(line, ()):
            n = int(lines[header_pos[line]][j])
            if role == "cols":
                assert len(lines[pos]) == n, (n, lines[pos][:5])
                same_tokens(lines[pos], start, [lay.lines[start][0]] * n, vector=True)
                pos += 1
            else:
                block = lines[pos : pos + n]
                assert len(block) == n, f"block of {n} rows has {len(block)}"
                for row in block:
                    fits = []
                    for r in range(start, end):
                        try:
                            same_tokens(row, r, lay.lines[r])
                            fits.append(r)
                        except AssertionError:
                            pass
                    assert fits, f"row {row[:5]} fits no sample row"
                pos += n
        spans[line] = (header_pos[line] + 1, pos if lay.claims.get(line) else header_pos[line] + 2)
    assert pos == len(lines), f"{len(lines) - pos} extra lines"
    for (line, j), _ in lay.strlen.items():
        length = int(lines[header_pos[line]][j])
        start, end = spans[line]
        for row in lines[start:end]:
            assert all(len(t) == length for t in row if layout.token_kind(t) == "str"), (length, row[:3])


def test_every_generated_input_of_the_bundled_problems_parses_with_its_sample_layout(sample_ingest):
    problems, _ = sample_ingest
    checked = 0
    for pid, row in problems.items():
        inputs = [t["input"] for t in row["tests"]]
        model = input_model.build_model(inputs)
        candidates, _ = mutate.mutate_candidates(model, inputs, PRM, seed=7, problem_id=pid)
        for k, text in enumerate(candidates):
            # candidates are drawn from sample k mod S; duplicates shift the index, so try every layout
            errors = []
            for lay in model.layouts:
                try:
                    conforms(model, lay, text)
                    break
                except (AssertionError, IndexError, ValueError) as e:
                    errors.append(f"{type(e).__name__}: {e}")
            else:
                pytest.fail(f"{pid} candidate {k} fits no sample layout: {errors}\n{text[:300]}")
            checked += 1
    assert checked > 500


def grid_parser(text: str) -> None:
    """The grid problem's own format: H W, then H rows of W cells from '.#'."""
    lines = text.split("\n")
    h, w = map(int, lines[0].split())
    assert h >= 1 and w >= 1 and lines[h + 1 :] == [""]
    assert all(len(r) == w and set(r) <= set(".#") for r in lines[1 : h + 1])


def graph_parser(text: str) -> None:
    """The shortest-path problem's own format: N M, then M edges "u v w" with 1 <= u, v <= N and w >= 1."""
    lines = text.split("\n")
    n, m = map(int, lines[0].split())
    assert lines[m + 1 :] == [""]
    for edge in lines[1 : m + 1]:
        u, v, w = map(int, edge.split())
        assert 1 <= u <= n and 1 <= v <= n and w >= 1, edge


@pytest.mark.parametrize("pid, parser", [("p02555", grid_parser), ("p03777", graph_parser)])
def test_generated_inputs_satisfy_the_problems_own_input_format(sample_ingest, pid, parser):
    problems, _ = sample_ingest
    inputs = [t["input"] for t in problems[pid]["tests"]]
    candidates, _ = mutate.mutate_candidates(input_model.build_model(inputs), inputs, PRM, seed=3, problem_id=pid)
    assert len(candidates) > PRM.candidates // 2
    for text in candidates:
        parser(text)


def test_sizes_grow_beyond_the_samples_but_within_size_growth(sample_ingest):
    problems, _ = sample_ingest
    inputs = [t["input"] for t in problems["p01234"]["tests"]]
    candidates, _ = mutate.mutate_candidates(input_model.build_model(inputs), inputs, PRM, seed=3, problem_id="p01234")
    sizes = [int(t.split("\n")[0]) for t in candidates]
    largest = max(int(t.split("\n")[0]) for t in inputs)
    assert max(sizes) > largest and max(sizes) <= largest * PRM.size_growth
    assert min(sizes) < 4  # and shrink below the smallest sample


def test_candidates_are_a_function_of_the_seed():
    inputs = ["3\n1 2 5\n", "4\n7 7 1 0\n"]
    model = input_model.build_model(inputs)
    a = mutate.mutate_candidates(model, inputs, PRM, seed=1, problem_id="p00001")
    b = mutate.mutate_candidates(input_model.build_model(inputs), inputs, PRM, seed=1, problem_id="p00001")
    c = mutate.mutate_candidates(model, inputs, PRM, seed=2, problem_id="p00001")
    assert a == b and a[0] != c[0]


def test_duplicates_of_samples_and_oversized_inputs_are_dropped_before_labelling():
    inputs = ["5\n", "9\n"]
    prm = params.TestsParams(candidates=40, max_input_bytes=2, value_growth=2.0)
    candidates, dropped = mutate.mutate_candidates(input_model.build_model(inputs), inputs, prm, seed=1, problem_id="p00001")
    assert all(len(c.encode()) <= 2 for c in candidates) and "5\n" not in candidates
    assert dropped["duplicate"] > 0 and dropped["too_large"] > 0
    assert len(candidates) + sum(dropped.values()) == 40
