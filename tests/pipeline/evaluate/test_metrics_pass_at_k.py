"""pass@k: the unbiased estimator against brute force over all size-k subsets, and its edge cases."""
from __future__ import annotations

import itertools
import math
import random
from fractions import Fraction

import pytest

from pipeline.evaluate.metrics import pass_at_k


def brute_force(correct: list[bool], k: int) -> float:
    """The definition: the fraction of size-k subsets of the samples that hold a correct one."""
    subsets = list(itertools.combinations(correct, k))
    assert len(subsets) == math.comb(len(correct), k)
    return sum(any(s) for s in subsets) / len(subsets)


def test_matches_brute_force_on_random_cases():
    rng = random.Random(1234)
    for _ in range(300):
        n = rng.randint(1, 12)
        correct = [rng.random() < rng.random() for _ in range(n)]
        k = rng.randint(1, n)
        assert pass_at_k(n, sum(correct), k) == pytest.approx(brute_force(correct, k), abs=1e-12)


def test_matches_exact_binomial_ratio_for_large_n():
    # n = 200 overflows nothing in the product form; compare with exact rational arithmetic.
    for n, c, k in [(200, 3, 100), (200, 1, 1), (200, 150, 10), (1000, 7, 500)]:
        exact = 1 - Fraction(math.comb(n - c, k), math.comb(n, k))
        assert pass_at_k(n, c, k) == pytest.approx(float(exact), rel=1e-9)


def test_no_correct_sample_gives_zero():
    assert pass_at_k(10, 0, 1) == 0.0
    assert pass_at_k(10, 0, 10) == 0.0


def test_all_correct_gives_one():
    assert pass_at_k(10, 10, 1) == 1.0
    assert pass_at_k(1, 1, 1) == 1.0


def test_fewer_wrong_samples_than_k_gives_one():
    # n - c < k: every k-subset contains a correct sample.
    assert pass_at_k(5, 3, 3) == 1.0


def test_pass_at_1_is_the_fraction_correct():
    assert pass_at_k(8, 3, 1) == pytest.approx(3 / 8)


def test_k_larger_than_n_is_an_error():
    with pytest.raises(ValueError, match="n=3"):
        pass_at_k(3, 1, 5)


def test_k_below_one_is_an_error():
    with pytest.raises(ValueError):
        pass_at_k(3, 1, 0)


def test_c_outside_zero_to_n_is_an_error():
    with pytest.raises(ValueError):
        pass_at_k(3, 4, 1)
    with pytest.raises(ValueError):
        pass_at_k(3, -1, 1)
