"""Candidate inputs by mutation of the samples' layout (layout.py, model.py): the fallback when the statement
gives no format that fits the samples (format.py), so no constraint can be tied to a token.

Candidate k mutates sample k mod S within that layout, with its own seeded RNG: numbers kept, redrawn within
the range seen (or `value_growth` beyond it), from a narrow window (duplicates) or at the edges; counts kept,
shrunk or grown up to `size_growth` x the largest seen; strings edited or redrawn from the same alphabet and
length range. Vectors that are permutations, distinct or sorted in every sample stay so. With the default
growth of 1 nothing leaves the ranges, characters and sizes the samples show.
"""
from __future__ import annotations

import math
import random
from collections import Counter

from pipeline import params
from pipeline.testgen.layout import Layout, render, split_input, token_kind
from pipeline.testgen.model import Group, InputModel, token_key

VALUE_REGIMES = ("keep", "uniform", "extended", "narrow", "edge", "random")
COUNT_REGIMES = ("keep", "shrink", "grow")
KEEP_PROBABILITY = 0.8  # "keep" regime: a token keeps its sample value with this probability
EDGE_PROBABILITY = 0.6  # "edge" regime: a token takes a boundary value (ends of the ranges, 0, 1, -1)


def _extend(lo: float, hi: float, growth: float, is_int: bool) -> tuple[float, float]:
    """The range seen, moderately beyond: positive ends move by the factor, a zero end stays, signs are kept."""
    elo = lo / growth if lo > 0 else lo * growth
    ehi = hi * growth if hi > 0 else hi / growth
    if is_int:
        elo, ehi = (max(1, math.floor(elo)) if lo >= 1 else math.floor(elo)), math.ceil(ehi)
    return elo, ehi


class Mutation:
    """One candidate input: a mutation of one sample's layout, drawn with one seeded RNG."""

    def __init__(self, model: InputModel, lay: Layout, rng: random.Random, prm: params.TestsParams):
        self.model, self.lay, self.rng, self.prm = model, lay, rng, prm
        self.regime = rng.choice(VALUE_REGIMES)
        self.new: dict[tuple[int, int], int] = {}  # header int tokens of this candidate, by (ordinal, position)
        self.windows: dict[tuple, tuple[float, float]] = {}

    def render(self) -> str:
        lay, out = self.lay, []
        last = len(lay.lines) - 1
        for line in lay.header_lines():
            out.append(self._header(line, constant=self.model.constant_last_line and line == last))
            for j, role, start, end in lay.claims.get(line, ()):
                size = self.new[(lay.header[line], j)]
                if role == "cols":
                    out.append(self._vector(start, size))
                else:
                    out.extend(self._rows(start, end, size))
        return render(out)

    # -- lines
    def _header(self, line: int, constant: bool) -> list[str]:
        lay, h, tokens = self.lay, self.lay.header[line], []
        for j, token in enumerate(lay.lines[line]):
            key = token_key(lay, line, j)
            if constant or (h, j) in self.model.constants:
                new = token
            elif lay.count_role(line, j):
                new = str(self._count(line, j, int(token), key))
            else:
                new = self._token(key, token, self._length(line))
            if token_kind(new) == "int":
                self.new[(h, j)] = int(new)
            tokens.append(new)
        return tokens

    def _vector(self, line: int, size: int) -> list[str]:
        sample = self.lay.lines[line]
        key = token_key(self.lay, line, 0)
        group = self.model.groups[key]
        tokens = [self._token(key, sample[i], self._length(line)) for i in self._units(len(sample), size)]
        if group.chars or not tokens:
            return tokens
        if group.permutation_base is not None:
            values = list(range(group.permutation_base, group.permutation_base + len(tokens)))
            self.rng.shuffle(values)
            return [str(v) for v in values]
        if group.distinct:
            tokens = self._distinct(key, tokens)
        if group.sorted:
            tokens.sort(key=float)
        return tokens

    def _rows(self, start: int, end: int, size: int) -> list[list[str]]:
        rows = []
        for i in self._units(end - start, size):
            line = start + i
            rows.append([self._token(token_key(self.lay, line, j), t, self._length(line))
                         for j, t in enumerate(self.lay.lines[line])])
        return rows

    def _units(self, have: int, want: int) -> list[int]:
        """Which sample units (vector elements, block rows) the new ones are mutated from, in order."""
        if want <= have:
            return sorted(self.rng.sample(range(have), want))
        units = list(range(have)) + [self.rng.randrange(have) for _ in range(want - have)]
        if self.rng.random() < 0.5:
            self.rng.shuffle(units)
        return units

    def _distinct(self, key: tuple, tokens: list[str]) -> list[str]:
        seen, out = set(), []
        for token in tokens:
            for _ in range(20):
                if token not in seen:
                    break
                token = self._number(key, None)
            seen.add(token)
            out.append(token)
        return out

    def _length(self, line: int) -> int | None:
        owner = self.lay.strlen_token(line)
        return None if owner is None else max(1, self.new[(self.lay.header[owner[0]], owner[1])])

    # -- tokens
    def _count(self, line: int, j: int, value: int, key: tuple) -> int:
        path = (self.lay.header[line], j)
        role = self.lay.count_role(line, j)
        claim = next((c for c in self.lay.claims.get(line, ()) if c[0] == j), None)
        if claim is not None and (claim[2] == claim[3] or not self.lay.lines[claim[2]]):
            return value  # nothing in this sample to grow from
        regime = self.rng.choice(COUNT_REGIMES)
        if regime == "shrink":
            value = self.rng.randint(min(1, value), value)
        elif regime == "grow":
            top = math.ceil(self.model.count_max[path] * self.prm.size_growth)
            value = self.rng.randint(value, max(value, top))
        bound = self._bound(key)
        if bound is not None:
            value = min(value, bound)
        return max(value, 1) if role == "strlen" else max(value, 0)

    def _bound(self, key: tuple) -> int | None:
        if key not in self.model.bounds:
            return None
        path, offset = self.model.bounds[key]
        return self.new[path] - offset if path in self.new else None

    def _token(self, key: tuple, token: str | None, length: int | None) -> str:
        group = self.model.groups[key]
        if group.chars:
            return self._string(group, token, length)
        return self._number(key, token)

    def _number(self, key: tuple, token: str | None) -> str:
        group, rng = self.model.groups[key], self.rng
        is_int = token_kind(token) == "int" if token is not None else group.all_int
        decimals = len(token.split(".")[1]) if token is not None and not is_int else group.decimals
        lo, hi = group.lo, group.hi
        elo, ehi = _extend(lo, hi, self.prm.value_growth, is_int)
        bound = self._bound(key)
        if bound is not None:
            lo, hi = min(lo, bound), bound
            elo, ehi = lo, hi
        if group.categorical and rng.random() < KEEP_PROBABILITY:
            x = rng.choice(group.choices)
            return x if bound is None or int(x) <= bound else str(bound)
        if self.regime == "keep" and token is not None and rng.random() < KEEP_PROBABILITY:
            x = int(token) if is_int else float(token)
            x = x if bound is None else min(x, bound)
        elif self.regime == "narrow":
            start, width = self.windows.setdefault(key, (self._pick(lo, hi, is_int), rng.choice((0, 1, 2, 5))))
            step = 1 if is_int else 10**-decimals
            x = min(hi, start + rng.randint(0, width) * step)
        elif self.regime == "edge" and rng.random() < EDGE_PROBABILITY:
            edges = {elo, lo, hi, ehi} | ({lo + 1, hi - 1} if is_int else set())
            x = rng.choice(sorted(v for v in edges | {0, 1, -1} if elo <= v <= ehi))
        elif self.regime == "extended":
            x = self._pick(elo, ehi, is_int)
        else:
            x = self._pick(lo, hi, is_int)
        return str(int(x)) if is_int else f"{x:.{decimals}f}"

    def _pick(self, lo: float, hi: float, is_int: bool) -> float:
        """Uniform in [lo, hi], or (half the time) uniform in magnitude, so that 5..10^12 yields small ones too."""
        rng = self.rng
        if rng.random() < 0.5 or hi - lo < 100:
            return rng.randint(math.ceil(lo), math.floor(hi)) if is_int and math.ceil(lo) <= hi else rng.uniform(lo, hi)
        sign = 1 if lo >= 0 else -1 if hi <= 0 else rng.choice((-1, 1))
        near, far = (lo, hi) if sign > 0 else (-hi, -lo)
        near = max(near, 0)
        x = sign * (near + (far - near + 1) ** rng.random() - 1)
        x = min(max(x, lo), hi)
        return round(x) if is_int else x

    def _string(self, group: Group, token: str | None, length: int | None) -> str:
        rng = self.rng
        if group.categorical and length is None:
            keep = token is not None and self.regime == "keep" and rng.random() < KEEP_PROBABILITY
            return token if keep else rng.choice(group.choices)
        lo, hi = min(group.lengths), max(group.lengths)
        if token is None or self.regime == "random":
            s = self._chars(group, length or rng.randint(lo, hi))
        elif self.regime == "keep" and rng.random() < KEEP_PROBABILITY:
            s = token
        elif self.regime == "edge" and rng.random() < EDGE_PROBABILITY:
            s = self._chars(group, 1) * (length or rng.choice((lo, hi)))
        else:
            s = self._edit(group, token, fixed=length is not None, lengths=(lo, hi))
        if length is not None and len(s) != length:
            s = s[:length] + self._chars(group, length - len(s)) if len(s) < length else s[:length]
        return s

    def _chars(self, group: Group, n: int) -> str:
        return "".join(self.rng.choices(group.alphabet, weights=group.weights, k=n))

    def _edit(self, group: Group, token: str, fixed: bool, lengths: tuple[int, int]) -> str:
        """A few point edits: replace, swap, insert, delete (the last two only when the length is free)."""
        chars, rng = list(token), self.rng
        for _ in range(rng.randint(1, max(1, len(chars) // 4))):
            op = rng.choice(("replace", "swap") if fixed else ("replace", "swap", "insert", "delete"))
            if op == "replace" and chars:
                chars[rng.randrange(len(chars))] = self._chars(group, 1)
            elif op == "swap" and len(chars) >= 2:
                a, b = rng.sample(range(len(chars)), 2)
                chars[a], chars[b] = chars[b], chars[a]
            elif op == "insert" and len(chars) < lengths[1]:
                chars.insert(rng.randrange(len(chars) + 1), self._chars(group, 1))
            elif op == "delete" and len(chars) > max(1, lengths[0]):
                del chars[rng.randrange(len(chars))]
        return "".join(chars)


def mutate_candidates(
    model: InputModel, existing: list[str], prm: params.TestsParams, seed: int, problem_id: str
) -> tuple[list[str], Counter]:
    """prm.candidates mutations, candidate k of sample k mod S with RNG seeded by (seed, problem, k).

    Returns the new distinct inputs in order and the counts of those dropped before labelling
    ("duplicate" of a sample or an earlier candidate, "too_large" beyond prm.max_input_bytes)."""
    seen = {render(split_input(t)) for t in existing}
    kept, dropped = [], Counter()
    for k in range(prm.candidates):
        rng = random.Random(f"{seed}:{problem_id}:{k}")
        text = Mutation(model, model.layouts[k % len(model.layouts)], rng, prm).render()
        if text in seen:
            dropped["duplicate"] += 1
        elif len(text.encode()) > prm.max_input_bytes:
            dropped["too_large"] += 1
        else:
            seen.add(text)
            kept.append(text)
    return kept, dropped


