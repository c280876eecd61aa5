"""Diversity metrics against hand-computed values."""
from __future__ import annotations

import itertools
import random

import pytest

from pipeline.evaluate.metrics import (code_tokens, distinct_n, diversity, edit_distance,
                                      mean_pairwise_edit_distance, normalised_edit_distance)


def reference_levenshtein(a, b) -> int:
    """The textbook O(len(a) * len(b)) dynamic programme."""
    d = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i in range(len(a) + 1):
        d[i][0] = i
    for j in range(len(b) + 1):
        d[0][j] = j
    for i, j in itertools.product(range(1, len(a) + 1), range(1, len(b) + 1)):
        d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] != b[j - 1]))
    return d[-1][-1]


def test_code_tokens_split_words_and_symbols_ignoring_layout():
    assert code_tokens("print(a+b)\n") == ["print", "(", "a", "+", "b", ")"]
    assert code_tokens("x  =\t1") == code_tokens("x = 1") == ["x", "=", "1"]


def test_distinct_n_hand_computed():
    # unigrams: a b a | a c -> 5 in all, distinct {a, b, c} = 3 -> 3/5
    # bigrams: (a b) (b a) | (a c) -> 3 in all, all distinct -> 1
    # trigrams: (a b a) only -> 1/1; 4-grams: none -> None
    programs = [["a", "b", "a"], ["a", "c"]]
    assert distinct_n(programs, 1) == pytest.approx(3 / 5)
    assert distinct_n(programs, 2) == 1.0
    assert distinct_n(programs, 3) == 1.0
    assert distinct_n(programs, 4) is None


def test_distinct_n_of_identical_programs_halves():
    programs = [["x", "=", "1"], ["x", "=", "1"]]
    assert distinct_n(programs, 1) == pytest.approx(0.5)
    assert distinct_n(programs, 2) == pytest.approx(0.5)


def test_edit_distance_hand_computed():
    assert edit_distance("kitten", "sitting") == 3
    assert edit_distance(["print", "(", "a", ")"], ["print", "(", "b", ")"]) == 1
    assert edit_distance([], ["a", "b"]) == 2
    assert edit_distance("abc", "abc") == 0


def test_edit_distance_matches_textbook_dp_on_random_sequences():
    rng = random.Random(7)
    for _ in range(200):
        a = [rng.choice("abcd") for _ in range(rng.randint(0, 12))]
        b = [rng.choice("abcd") for _ in range(rng.randint(0, 12))]
        assert edit_distance(a, b) == reference_levenshtein(a, b)


def test_normalised_edit_distance_divides_by_the_longer():
    assert normalised_edit_distance("kitten", "sitting") == pytest.approx(3 / 7)
    assert normalised_edit_distance("", "") == 0.0


def test_mean_pairwise_edit_distance_hand_computed():
    # pairs: (ab, ab) -> 0; (ab, xy) -> 2/2; (ab, xy) -> 1 => mean 2/3
    assert mean_pairwise_edit_distance([["a", "b"], ["a", "b"], ["x", "y"]]) == pytest.approx(2 / 3)
    assert mean_pairwise_edit_distance([["a"]]) is None


def test_diversity_of_one_problem():
    programs = ["print(1)", "print(2)"]  # tokens: print ( 1 ) | print ( 2 )
    d = diversity(programs)
    assert d["distinct_1"] == pytest.approx(5 / 8)  # {print, (, ), 1, 2}
    assert d["distinct_2"] == pytest.approx(5 / 6)  # {print(, (1, 1), (2, 2)}: "print (" repeats
    assert d["distinct_3"] == pytest.approx(4 / 4)
    assert d["distinct_4"] == pytest.approx(2 / 2)
    assert d["edit_distance"] == pytest.approx(1 / 4)
