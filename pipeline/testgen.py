"""Tests stage: stronger tests from mutated sample inputs, labelled by the problem's Accepted solutions.

CodeNet ships one sample test per problem and statements hold one to three more; a judge with so few tests
accepts about half of the Wrong Answer / Runtime Error / TLE submissions, and rewards with it. Per problem:

1. Layout. Each sample input (derived and statement tests) is read as lines of tokens (int, float, string).
   An int in a header line may be a count: of the tokens on the next line (`cols`, "N / a_1 ... a_N"), of the
   lines of a block after it (`rows`, "M / M edges"), or of the length of the strings there (`strlen`, a grid's
   width). A relation is kept only when every sample that has that header token shows it (the least supported
   conflicting one is dropped and the samples re-parsed until they agree), so "1 2 / 10 5" is not a vector.
   Also inferred: header tokens equal in all samples (constants, e.g. a terminator line), and an int group
   bounded by an earlier header int in every sample (vertex ids <= N).
2. Mutation. Candidate k mutates sample k mod S within that layout, with its own seeded RNG: numbers kept,
   redrawn within the range seen, within a range `value_growth` beyond it, from a narrow window (duplicates)
   or at the edges; counts kept, shrunk or grown up to `size_growth` x the largest seen (vectors and blocks
   follow); strings edited or redrawn from the same alphabet and length range (lengths tied to a count follow
   it). Vectors that are permutations, distinct or sorted in every sample stay so.
3. Labelling. Up to `solutions` distinct Accepted Python 3 submissions (seeded order) that pass the problem's
   own tests in the sandbox run each candidate. It is kept only when none crashes, times out or uses more than
   `max_time_fraction` of the time limit, and a clear majority (`min_agreeing`, `agreement`) print the same
   output under the judge's comparison; that output is the expected one. At most `max_tests` are kept, within
   `time_budget_s` of labelling per problem (candidates left then are reported as not labelled; only that cap
   depends on the machine's speed, everything else is a function of the seed).
4. Measurement. For up to `measure_per_status` submissions per (problem, CodeNet status), the judge's verdict
   on each test source; summary.json gives, per status, the fraction accepted with the sample tests only and
   with the generated tests.

Outputs: problems.parquet (the ingest problems, generated tests appended with source "generated"),
report.json (per problem: generated, kept, rejected and why) and summary.json (DVC metrics).
Not covered: inputs whose validity needs more than layout, ranges and counts (connected graphs, distinct
pairs, a valid date); such candidates are rejected when the labellers crash or disagree, or kept when they agree
(then the test asks for what the Accepted solutions do there).
"""
from __future__ import annotations

import hashlib
import logging
import math
import random
import re
import time
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow.parquet as pq
from tqdm import tqdm

from pipeline import codenet, judging, params as P, tables
from pipeline.engine import open_judge
from sandbox import Job, Limits, Sandbox, compare_output
from sandbox.judge import PASSED, SKIPPED

log = logging.getLogger(__name__)

GENERATED = "generated"
SAMPLE_SOURCES = ("derived", "statement")
SOURCES = SAMPLE_SOURCES + (GENERATED,)
REJECT_REASONS = ("crash", "timeout", "slow", "disagreement", "sandbox_error")
# Judge configurations compared in summary.json: the tests of these sources.
CONFIGS = (("derived",), ("derived", "statement"), ("derived", GENERATED), ("derived", "statement", GENERATED))
WRONG_STATUSES = ("Wrong Answer", "Runtime Error", "Time Limit Exceeded")

VALUE_REGIMES = ("keep", "uniform", "extended", "narrow", "edge", "random")
COUNT_REGIMES = ("keep", "shrink", "grow")
KEEP_PROBABILITY = 0.8  # "keep" regime: a token keeps its sample value with this probability
EDGE_PROBABILITY = 0.6  # "edge" regime: a token takes a boundary value (ends of the ranges, 0, 1, -1)
CATEGORICAL_MAX_STRINGS = 8  # a string group with few distinct, repeated values is drawn from them
CATEGORICAL_MAX_INTS = 3  # same for ints in vectors and blocks (query types, 0/1 matrices)
PROPERTY_MIN_LENGTH = 3  # a vector shows a property (sorted, distinct, permutation) only from this length on
SCREEN_FACTOR = 4  # screen at most solutions x this many Accepted submissions for labellers

# ------------------------------------------------------------------------------------------------ layout

_INT = re.compile(r"[+-]?\d+")
_FLOAT = re.compile(r"[+-]?(\d+\.\d*|\.\d+)")


def token_kind(token: str) -> str:
    """"int", "float" or "str". Digit strings with a leading zero ("007", "0101") are strings: width matters."""
    if _INT.fullmatch(token):
        digits = token.lstrip("+-")
        return "str" if len(digits) > 1 and digits[0] == "0" else "int"
    return "float" if _FLOAT.fullmatch(token) else "str"


def split_input(text: str) -> list[list[str]]:
    """Lines of whitespace-separated tokens; trailing blank lines dropped, blank lines inside kept (empty)."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    while lines and not lines[-1].strip():
        lines.pop()
    return [line.split() for line in lines]


def render(lines: list[list[str]]) -> str:
    """The input text of token lines: single spaces, LF, one final newline."""
    return "\n".join(" ".join(tokens) for tokens in lines) + "\n"


def signature(tokens: list[str]) -> str:
    """N per numeric token, S per string token: lines with one signature have the same layout."""
    return "".join("S" if token_kind(t) == "str" else "N" for t in tokens)


def _homogeneous(tokens: list[str]) -> bool:
    return len(set(signature(tokens))) == 1


@dataclass
class Layout:
    """The structure of one sample input.

    Every line is a header (its own tokens; `header[line]` is its ordinal, comparable across samples), or the
    vector / a row of the block that a count token of a header sizes. `claims[header line]` lists that
    header's counts in input order as (token, "cols" | "rows", first line, end line); `strlen[(line, token)]`
    is the span of lines whose strings are as long as that token's value."""

    lines: list[list[str]]
    header: dict[int, int] = field(default_factory=dict)
    role: dict[int, tuple] = field(default_factory=dict)  # line -> ("H",) | ("V", line, token) | ("R", line, token)
    claims: dict[int, list[tuple[int, str, int, int]]] = field(default_factory=dict)
    strlen: dict[tuple[int, int], tuple[int, int]] = field(default_factory=dict)

    def __post_init__(self):
        self.signatures = [signature(line) for line in self.lines]
        self._header_lines: list[int] | None = None

    def relations(self) -> set[tuple[int, int, str]]:
        """(header ordinal, token, role) of every count relation."""
        rels = {(self.header[i], j, role) for i, claims in self.claims.items() for j, role, _, _ in claims}
        return rels | {(self.header[i], j, "strlen") for i, j in self.strlen}

    def header_token(self, h: int, j: int) -> str | None:
        lines = self.header_lines()
        if h >= len(lines) or j >= len(self.lines[lines[h]]):
            return None
        return self.lines[lines[h]][j]

    def header_lines(self) -> list[int]:
        """Header lines in input order (computed once the parse is done)."""
        if self._header_lines is None:
            self._header_lines = sorted(self.header, key=self.header.get)
        return self._header_lines

    def count_role(self, line: int, j: int) -> str | None:
        for jj, role, _, _ in self.claims.get(line, ()):
            if jj == j:
                return role
        return "strlen" if (line, j) in self.strlen else None

    def strlen_token(self, line: int) -> tuple[int, int] | None:
        """The (header line, token) whose value is the length of the strings on `line`, if any."""
        for key, (start, end) in self.strlen.items():
            if start <= line < end:
                return key
        return None


def _block_ok(lines: list[list[str]], start: int, end: int) -> bool:
    """Whether lines [start, end) look like one block sized by a count: it runs to the end of the input, or its
    lines share one signature and the next line differs (or is a lone int: the next section's count)."""
    if start == end:
        return end == len(lines)  # a count of 0 is believed only at the very end
    if end == len(lines):
        return True
    sigs = {signature(line) for line in lines[start:end]}
    if len(sigs) != 1:
        return False
    after = lines[end]
    return signature(after) != next(iter(sigs)) or (len(after) == 1 and token_kind(after[0]) == "int")


def parse_layout(lines: list[list[str]], banned: frozenset | set = frozenset()) -> Layout:
    """Greedy parse of one sample: at each header line, the first int equal to the next line's token count
    sizes it (cols), then ints size consecutive blocks (rows), then one int may be the strings' length.
    `banned` relations (header ordinal, token, role) are not considered (cross-sample disagreement)."""
    lay = Layout(lines)
    i, h, n = 0, 0, len(lines)
    while i < n:
        lay.header[i], lay.role[i] = h, ("H",)
        ints = [(j, int(t)) for j, t in enumerate(lines[i]) if token_kind(t) == "int"]
        nxt, used, claims = i + 1, set(), []
        if nxt < n and lines[nxt] and _homogeneous(lines[nxt]):
            for j, v in ints:
                if v == len(lines[nxt]) and (h, j, "cols") not in banned:
                    claims.append((j, "cols", nxt, nxt + 1))
                    lay.role[nxt] = ("V", i, j)
                    used.add(j)
                    nxt += 1
                    break
        for j, v in ints:
            if j in used or v < 0 or (h, j, "rows") in banned:
                continue
            if nxt + v <= n and _block_ok(lines, nxt, nxt + v):
                claims.append((j, "rows", nxt, nxt + v))
                for r in range(nxt, nxt + v):
                    lay.role[r] = ("R", i, j)
                used.add(j)
                nxt += v
        span = (i + 1, nxt) if nxt > i + 1 else (i + 1, min(i + 2, n))
        strings = [t for line in lines[span[0] : span[1]] for t in line if token_kind(t) == "str"]
        if strings:
            for j, v in ints:
                if j not in used and v >= 1 and (h, j, "strlen") not in banned and all(len(s) == v for s in strings):
                    lay.strlen[(i, j)] = span
                    break
        if claims:
            lay.claims[i] = claims
        i, h = max(nxt, i + 1), h + 1
    return lay


def infer_layouts(texts: list[str]) -> list[Layout]:
    """Layouts of all samples of a problem whose count relations agree: a relation found in one sample must hold
    in every sample that has an int at that header token; the least supported conflicts are banned and all
    samples re-parsed, until none is left (each round bans at least one more relation, so this ends)."""
    lines = [split_input(t) for t in texts]
    banned: set = set()
    while True:
        layouts = [parse_layout(ls, banned) for ls in lines]
        rels = [lay.relations() for lay in layouts]
        conflicts = []
        for rel in sorted(set().union(*rels)):
            h, j, _ = rel
            having = [k for k, lay in enumerate(layouts) if token_kind(lay.header_token(h, j) or "x") == "int"]
            support = sum(rel in rels[k] for k in having)
            if support < len(having):
                conflicts.append((support / len(having), rel))
        if not conflicts:
            return layouts
        least = min(support for support, _ in conflicts)
        banned.update(rel for support, rel in conflicts if support == least)


# ------------------------------------------------------------------------------------------------ input model


def token_key(lay: Layout, line: int, j: int) -> tuple:
    """The value group of a token, comparable across samples: numbers of header lines by (signature, position),
    all header strings together, vector elements by their count, block columns by (count, row signature)."""
    role, token = lay.role[line], lay.lines[line][j]
    if role[0] == "H":
        return ("H", lay.signatures[line], j) if token_kind(token) != "str" else ("HS",)
    h = lay.header[role[1]]
    if role[0] == "V":
        return ("V", h, role[2])
    return ("R", h, role[2], lay.signatures[line], j)


@dataclass
class Group:
    """What the samples show of one value group."""

    numbers: list[float] = field(default_factory=list)
    all_int: bool = True
    decimals: int = 0
    chars: Counter = field(default_factory=Counter)
    lengths: list[int] = field(default_factory=list)
    values: Counter = field(default_factory=Counter)
    instances: list[list] = field(default_factory=list)  # vectors: the values of each sample's vector
    sorted: bool = False
    distinct: bool = False
    permutation_base: int | None = None  # 0 or 1 when every sample's vector is a permutation of base..base+n-1
    categorical: bool = False
    # Summaries drawn from for every token (computed once in finish()).
    lo: float = 0
    hi: float = 0
    choices: list[str] = field(default_factory=list)  # distinct values, sorted
    alphabet: list[str] = field(default_factory=list)
    weights: list[int] = field(default_factory=list)

    def add(self, token: str) -> None:
        self.values[token] += 1
        kind = token_kind(token)
        if kind == "str":
            self.chars.update(token)
            self.lengths.append(len(token))
            return
        self.numbers.append(int(token) if kind == "int" else float(token))
        if kind == "float":
            self.all_int = False
            self.decimals = max(self.decimals, len(token.split(".")[1]))

    def finish(self, key: tuple) -> None:
        occurrences, distinct = sum(self.values.values()), len(self.values)
        self.choices = sorted(self.values)
        self.alphabet = sorted(self.chars)
        self.weights = [self.chars[c] for c in self.alphabet]
        if self.numbers:
            self.lo, self.hi = min(self.numbers), max(self.numbers)
        if self.chars:
            self.categorical = distinct <= CATEGORICAL_MAX_STRINGS and occurrences >= 2 * distinct
        elif key[0] in ("V", "R") and self.all_int:
            self.categorical = distinct <= CATEGORICAL_MAX_INTS and occurrences >= 3 * distinct
        shown = [v for v in self.instances if len(v) >= PROPERTY_MIN_LENGTH]
        if not shown or self.chars:
            return
        self.sorted = all(v == sorted(v) for v in shown)
        self.distinct = all(len(set(v)) == len(v) for v in shown)
        for base in (0, 1):
            if self.all_int and all(sorted(v) == list(range(base, base + len(v))) for v in shown):
                self.permutation_base = base


@dataclass
class InputModel:
    """Everything the samples of one problem show about its input."""

    layouts: list[Layout]
    groups: dict[tuple, Group]
    constants: set[tuple[int, int]]  # header tokens (ordinal, position) equal in every sample (>= 2 samples)
    constant_last_line: bool  # the last line is the same in every sample (a terminator such as "0 0")
    bounds: dict[tuple, tuple[tuple[int, int], int]]  # int group -> (header token, offset): values <= it - offset
    count_max: dict[tuple[int, int], int]  # count token -> largest value in the samples

    def describe(self) -> str:
        rels = sorted(set().union(*(lay.relations() for lay in self.layouts)))
        parts = [f"{role}@{h}.{j}" for h, j, role in rels]
        for key, (path, offset) in self.bounds.items():
            parts.append(f"bound:{key[0]}<={path[0]}.{path[1]}" + ("-1" if offset else ""))
        return " ".join(parts) or "fixed lines"


def _bounds(layouts: list[Layout], occurrences: dict) -> dict:
    """Int groups bounded by an earlier header int in every sample that has them: such values (vertex or index
    ids) are drawn up to the new value of that token. Among several candidates, the columns of one block
    share a bound when one fits them all (u and v of an edge are both <= N, even where u <= M by chance);
    else the tightest wins: least relative slack (bound - max) / bound, weighted by the number of values in each
    sample, since small samples show coincidences ("3 1 / 1 2 5": ids <= M = 1 as well as <= N = 3)."""
    candidates, bases = {}, {}
    for key, per_sample in occurrences.items():
        slack: dict[tuple[int, int], float] | None = None
        bases[key] = 1
        for k, occ in per_sample.items():
            lay = layouts[k]
            values = [v for _, _, v in occ]
            if min(values) < 0:
                slack = {}
                break
            bases[key] = min(bases[key], min(values))
            first, top = min((line, j) for line, j, _ in occ), max(values)
            here = {}
            for line in lay.header_lines():
                for j, t in enumerate(lay.lines[line]):
                    if (line, j) < first and token_kind(t) == "int" and int(t) >= max(top, 1):
                        here[(lay.header[line], j)] = len(occ) * (int(t) - top) / int(t)
            slack = here if slack is None else {p: slack[p] + s for p, s in here.items() if p in slack}
        if slack:
            candidates[key] = slack
    blocks: dict[tuple, list[tuple]] = defaultdict(list)
    for key in candidates:
        blocks[key[:3] if key[0] == "R" else key].append(key)
    bounds = {}
    for keys in blocks.values():
        common = set.intersection(*(set(candidates[k]) for k in keys))
        for key in keys:
            slack = {p: s for p, s in candidates[key].items() if p in common} or candidates[key]
            bounds[key] = (min(slack, key=lambda p: (slack[p], p)), 1 if bases[key] == 0 else 0)
    return bounds


def build_model(texts: list[str]) -> InputModel | None:
    """The input model of a problem from its sample inputs; None when they hold no token at all."""
    texts = [t for t in texts if t.strip()]
    if not texts:
        return None
    layouts = infer_layouts(texts)
    groups: dict[tuple, Group] = defaultdict(Group)
    occurrences: dict[tuple, dict[int, list]] = defaultdict(lambda: defaultdict(list))
    header_values: dict[tuple[int, int], list[str]] = defaultdict(list)
    count_max: dict[tuple[int, int], int] = {}
    for k, lay in enumerate(layouts):
        vectors: dict[tuple, list] = defaultdict(list)
        for line, tokens in enumerate(lay.lines):
            for j, token in enumerate(tokens):
                key = token_key(lay, line, j)
                groups[key].add(token)
                if token_kind(token) != "str":
                    occurrences[key][k].append((line, j, groups[key].numbers[-1]))
                    if key[0] == "V":
                        vectors[key].append(groups[key].numbers[-1])
                if lay.role[line] == ("H",):
                    path = (lay.header[line], j)
                    header_values[path].append(token)
                    if lay.count_role(line, j):
                        count_max[path] = max(count_max.get(path, 0), int(token))
        for key, values in vectors.items():
            groups[key].instances.append(values)
    for key, group in groups.items():
        group.finish(key)
    several = len(layouts) >= 2
    constants = {p for p, vs in header_values.items() if several and len(vs) == len(layouts) and len(set(vs)) == 1}
    last_lines = {tuple(lay.lines[-1]) for lay in layouts}
    constant_last = several and len(last_lines) == 1 and all(lay.role[len(lay.lines) - 1] == ("H",) for lay in layouts)
    int_occurrences = {key: occ for key, occ in occurrences.items() if groups[key].all_int}
    return InputModel(layouts, dict(groups), constants, constant_last, _bounds(layouts, int_occurrences), count_max)


# ------------------------------------------------------------------------------------------------ mutation


def _extend(lo: float, hi: float, growth: float, is_int: bool) -> tuple[float, float]:
    """The range seen, moderately beyond: positive ends move by the factor, a zero end stays, signs are kept."""
    elo = lo / growth if lo > 0 else lo * growth
    ehi = hi * growth if hi > 0 else hi / growth
    if is_int:
        elo, ehi = (max(1, math.floor(elo)) if lo >= 1 else math.floor(elo)), math.ceil(ehi)
    return elo, ehi


class _Draw:
    """One candidate input: a mutation of one sample's layout, drawn with one seeded RNG."""

    def __init__(self, model: InputModel, lay: Layout, rng: random.Random, prm: P.TestsParams):
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


def generate_candidates(
    model: InputModel, existing: list[str], prm: P.TestsParams, seed: int, problem_id: str
) -> tuple[list[str], Counter]:
    """prm.candidates mutations, candidate k of sample k mod S with RNG seeded by (seed, problem, k).

    Returns the new distinct inputs in order and the counts of those dropped before labelling
    ("duplicate" of a sample or an earlier candidate, "too_large" beyond prm.max_input_bytes)."""
    seen = {render(split_input(t)) for t in existing}
    kept, dropped = [], Counter()
    for k in range(prm.candidates):
        rng = random.Random(f"{seed}:{problem_id}:{k}")
        text = _Draw(model, model.layouts[k % len(model.layouts)], rng, prm).render()
        if text in seen:
            dropped["duplicate"] += 1
        elif len(text.encode()) > prm.max_input_bytes:
            dropped["too_large"] += 1
        else:
            seen.add(text)
            kept.append(text)
    return kept, dropped


# ------------------------------------------------------------------------------------------------ labelling


def majority_output(outputs: list[bytes], tolerance: float, min_agreeing: int, agreement: float) -> str | None:
    """The expected output when a clear majority of the labellers' outputs agree, else None.

    Outputs are clustered under the judge's comparison (compare_output == "Accepted" against the cluster's first
    member, in labeller order); the largest cluster must be unique, hold >= min_agreeing outputs and >= the
    `agreement` fraction of all. Its first member's text (stored form) is the expected output."""
    clusters: list[list[int]] = []
    texts = [out.decode("utf-8", errors="replace") for out in outputs]
    for i, out in enumerate(outputs):
        for cluster in clusters:
            if compare_output(out, texts[cluster[0]], tolerance) == "Accepted":
                cluster.append(i)
                break
        else:
            clusters.append([i])
    if not clusters:
        return None
    sizes = sorted((len(c) for c in clusters), reverse=True)
    best = max(clusters, key=len)
    tie = len(sizes) > 1 and sizes[1] == sizes[0]
    if tie or sizes[0] < min_agreeing or sizes[0] < agreement * len(outputs) - 1e-9:
        return None
    return codenet.normalise_test_text(texts[best[0]])


def label_input(
    box: Sandbox, codes: list[str], text: str, limits: Limits, tolerance: float, prm: P.TestsParams
) -> tuple[str, str | None]:
    """("kept", expected output) or (rejection reason, None) for one candidate input.

    The labellers run in order; the first crash, timeout or slow run (cpu > max_time_fraction x limit) rejects
    the input without running the rest."""
    outputs = []
    for code in codes:
        result = box.run(code, text.encode(), limits)
        if result.status == "Sandbox Error":
            return "sandbox_error", None
        if result.status == "Time Limit Exceeded":
            return "timeout", None
        if result.status != "OK":
            return "crash", None
        if result.cpu_ms > prm.max_time_fraction * limits.time_ms:
            return "slow", None
        outputs.append(result.stdout)
    expected = majority_output(outputs, tolerance, prm.min_agreeing, prm.agreement)
    return ("kept", expected) if expected is not None else ("disagreement", None)


def label_candidates(
    box: Sandbox, codes: list[str], candidates: list[str], limits: Limits, tolerance: float,
    prm: P.TestsParams, workers: int,
) -> tuple[list[dict], Counter, str | None]:
    """Label candidates in order, `workers` at a time, until max_tests are kept or time_budget_s is spent.

    Returns the kept tests ({input, output, source}), outcome counts (kept, surplus, rejection reasons,
    not_labelled) and what stopped labelling early ("max_tests", "time_budget" or None)."""
    tests, counts, stopped = [], Counter(), None
    start = time.monotonic()
    with ThreadPoolExecutor(workers, thread_name_prefix="label") as pool:
        for first in range(0, len(candidates), workers):
            if len(tests) >= prm.max_tests:
                stopped = "max_tests"
            elif time.monotonic() - start > prm.time_budget_s:
                stopped = "time_budget"
            if stopped:
                counts["not_labelled"] += len(candidates) - first
                break
            window = candidates[first : first + workers]
            for text, (outcome, expected) in zip(
                window, pool.map(lambda t: label_input(box, codes, t, limits, tolerance, prm), window)
            ):
                if outcome != "kept":
                    counts[outcome] += 1
                elif len(tests) < prm.max_tests:
                    counts["kept"] += 1
                    tests.append({"input": text, "output": expected, "source": GENERATED})
                else:
                    counts["surplus"] += 1
    return tests, counts, stopped


def _stable(seed: int, key: str) -> str:
    return hashlib.sha256(f"{seed}:{key}".encode()).hexdigest()


def choose_labellers(
    box: Sandbox, accepted: list[dict], tests: tuple, limits: Limits, tolerance: float, prm: P.TestsParams, seed: int
) -> tuple[list[dict], list[str]]:
    """Up to prm.solutions distinct Accepted submissions (seeded order) that pass the problem's own tests here.

    `accepted`: dicts with submission_id, code, code_hash. Returns (labellers, ids of screened-out ones)."""
    order, hashes = [], set()
    for sub in sorted(accepted, key=lambda s: _stable(seed, s["submission_id"])):
        if sub["code_hash"] not in hashes:
            hashes.add(sub["code_hash"])
            order.append(sub)
    order = order[: prm.solutions * SCREEN_FACTOR]
    if not tests:
        return order[: prm.solutions], []
    chosen, failed, pos = [], [], 0
    while len(chosen) < prm.solutions and pos < len(order):
        batch = order[pos : pos + prm.solutions - len(chosen)]
        pos += len(batch)
        verdicts = dict(box.judge_many(Job(s["code"], tests, limits, tolerance) for s in batch))
        for i, sub in enumerate(batch):
            (chosen if verdicts[i].verdict == "Accepted" else failed).append(sub)
    return chosen, [s["submission_id"] for s in failed]


def generate_problem_tests(
    box: Sandbox, problem: dict, accepted: list[dict], prm: P.TestsParams, exe: P.ExecuteParams, seed: int
) -> tuple[list[dict], dict]:
    """(generated tests, report) for one problem row of problems.parquet and its Accepted Python 3 submissions."""
    pid = problem["problem_id"]
    own = [t for t in problem["tests"] if t["source"] != GENERATED]
    report = {"candidates": 0, "duplicate": 0, "too_large": 0, "labelled": 0, "kept": 0, "surplus": 0,
              "not_labelled": 0, "rejected": dict.fromkeys(REJECT_REASONS, 0), "stopped_by": None,
              "skipped": None, "layout": None, "labellers": [], "screened_out": []}
    model = build_model([t["input"] for t in own])
    if model is None:
        report["skipped"] = "no sample input to mutate"
        return [], report
    report["layout"] = model.describe()
    limits = judging.limits_for(exe, problem["time_limit_ms"], problem["memory_limit_kb"])
    tolerance = judging.tolerance_for(exe, pid)
    labellers, screened_out = choose_labellers(
        box, accepted, tuple((t["input"], t["output"]) for t in own), limits, tolerance, prm, seed
    )
    report["labellers"] = [s["submission_id"] for s in labellers]
    report["screened_out"] = screened_out
    if len(labellers) < prm.min_agreeing:
        report["skipped"] = (f"{len(labellers)} distinct Accepted Python 3 submissions pass the problem's tests; "
                             f"tests.min_agreeing = {prm.min_agreeing}")
        return [], report
    candidates, dropped = generate_candidates(model, [t["input"] for t in own], prm, seed, pid)
    tests, counts, stopped = label_candidates(
        box, [s["code"] for s in labellers], candidates, limits, tolerance, prm, exe.workers
    )
    report.update(candidates=prm.candidates, duplicate=dropped["duplicate"], too_large=dropped["too_large"],
                  kept=counts["kept"], surplus=counts["surplus"], not_labelled=counts["not_labelled"],
                  stopped_by=stopped)
    report["rejected"] = {r: counts[r] for r in REJECT_REASONS}
    report["labelled"] = len(candidates) - counts["not_labelled"]
    return tests, report


# ------------------------------------------------------------------------------------------------ measurement


def config_name(config: tuple[str, ...]) -> str:
    return "+".join(config)


def source_results(sources: list[str], verdicts: tuple[str, ...]) -> dict[str, bool | None]:
    """Per test source, whether all its tests passed (None: unknown, some were skipped after a timeout)."""
    out: dict[str, bool | None] = {}
    for source in dict.fromkeys(sources):
        mine = [v for s, v in zip(sources, verdicts) if s == source]
        failed = any(v not in PASSED and v != SKIPPED for v in mine)
        out[source] = False if failed else None if SKIPPED in mine else True
    return out


def measure(
    box: Sandbox, problems: dict[str, dict], subs: list[dict], exe: P.ExecuteParams, labeller_ids: set[str]
) -> dict:
    """Per CodeNet status, the fraction of `subs` the judge accepts under each of CONFIGS.

    Each submission is judged once on all its problem's tests, derived first and generated last, stopping after
    a timeout as online judges do; a configuration accepts it when every test of its sources passed. Only when
    a statement test timed out are the generated tests judged on their own (their verdicts were skipped). The
    Accepted rate is also given for the submissions that did not label (held out)."""

    def job(sub: dict, sources: tuple[str, ...]) -> tuple[Job, list[str]]:
        row = problems[sub["problem_id"]]
        tests = [t for s in sources for t in row["tests"] if t["source"] == s]
        limits = judging.limits_for(exe, row["time_limit_ms"], row["memory_limit_kb"])
        pairs = tuple((t["input"], t["output"]) for t in tests)
        tolerance = judging.tolerance_for(exe, sub["problem_id"])
        return Job(sub["code"], pairs, limits, tolerance, True), [t["source"] for t in tests]

    def judge(todo: list[dict], sources: tuple[str, ...], into: dict) -> None:
        jobs = [job(sub, sources) for sub in todo]
        for index, judgement in tqdm(box.judge_many(j for j, _ in jobs), total=len(jobs), desc="measure",
                                     unit="program", mininterval=2):
            into[todo[index]["submission_id"]].update(source_results(jobs[index][1], judgement.test_verdicts))

    passed: dict[str, dict[str, bool | None]] = defaultdict(dict)
    subs = [s for s in subs if any(t["source"] == "derived" for t in problems[s["problem_id"]]["tests"])]
    judge(subs, SOURCES, passed)
    judge([s for s in subs if passed[s["submission_id"]].get(GENERATED, False) is None], (GENERATED,), passed)
    accepted: dict[str, Counter] = {config_name(c): Counter() for c in CONFIGS}
    heldout: dict[str, int] = dict.fromkeys(accepted, 0)
    judged, judged_heldout = Counter(), 0
    for sub in subs:
        results = passed[sub["submission_id"]]
        judged[sub["status"]] += 1
        is_heldout = sub["status"] == "Accepted" and sub["submission_id"] not in labeller_ids
        judged_heldout += is_heldout
        for config in CONFIGS:
            ok = all(results.get(s, True) for s in config)  # a source without tests accepts everything
            accepted[config_name(config)][sub["status"]] += ok
            heldout[config_name(config)] += ok and is_heldout
    wrong = sum(judged[s] for s in WRONG_STATUSES)
    return {
        "judged": dict(sorted(judged.items())),
        "accepted_rate": {name: {s: accepted[name][s] / n for s, n in sorted(judged.items())} for name in accepted},
        # WA / RE / TLE submissions the judge accepts, pooled (the "false-Accepted rate")
        "false_accepted": {name: sum(accepted[name][s] for s in WRONG_STATUSES) / wrong if wrong else 0.0
                           for name in accepted},
        "accepted_heldout_judged": judged_heldout,
        "accepted_heldout_rate": {name: heldout[name] / judged_heldout if judged_heldout else 1.0
                                  for name in heldout},
    }


def measurement_subset(meta: list[dict], per_status: int, seed: int) -> list[str]:
    """Up to per_status submission ids per (problem, CodeNet status), in a seeded stable order."""
    by_cell: dict[tuple[str, str], list[str]] = defaultdict(list)
    for sub in meta:
        by_cell[(sub["problem_id"], sub["status"])].append(sub["submission_id"])
    chosen = []
    for ids in by_cell.values():
        chosen += sorted(ids, key=lambda i: _stable(seed, i))[:per_status]
    return sorted(chosen)


def summary_markdown(summary: dict) -> str:
    """The per-status accepted rates of summary.json as a Markdown table (benchmarks/RESULTS.md)."""
    m = summary["measurement"]
    names = [config_name(c) for c in CONFIGS]
    lines = ["| CodeNet status | n | " + " | ".join(f"accepted: {n}" for n in names) + " |",
             "|---|---:|" + "---:|" * len(names)]
    for status, n in m["judged"].items():
        lines.append(f"| {status} | {n} | " + " | ".join(f"{m['accepted_rate'][c][status]:.1%}" for c in names) + " |")
    lines.append("| **WA + RE + TLE (false-Accepted)** | "
                 f"{sum(m['judged'].get(s, 0) for s in WRONG_STATUSES)} | "
                 + " | ".join(f"**{m['false_accepted'][c]:.1%}**" for c in names) + " |")
    lines.append(f"| Accepted, not labellers (held out) | {m['accepted_heldout_judged']} | "
                 + " | ".join(f"{m['accepted_heldout_rate'][c]:.1%}" for c in names) + " |")
    return "\n".join(lines)


# ------------------------------------------------------------------------------------------------ stage

META_COLUMNS = ["submission_id", "problem_id", "status", "python_version", "code_hash", "is_duplicate"]


def _read_code(path: Path, ids: list[str]) -> dict[str, str]:
    if not ids:
        return {}
    table = pq.read_table(path, columns=["submission_id", "code"], filters=[("submission_id", "in", ids)])
    return dict(zip(table.column("submission_id").to_pylist(), table.column("code").to_pylist()))


def run(prm: P.TestsParams, exe: P.ExecuteParams, seed: int, ingest_dir: Path, out_dir: Path) -> dict:
    """Generate, label and measure tests for every ingested problem; write problems.parquet, report.json and
    summary.json to out_dir. Returns the summary."""
    problems = tables.read_table(ingest_dir / "problems.parquet", tables.PROBLEMS).to_pylist()
    subs_path = ingest_dir / "submissions.parquet"
    meta = tables.read_table(subs_path, tables.SUBMISSIONS, columns=META_COLUMNS).to_pylist()
    accepted_meta: dict[str, list[dict]] = defaultdict(list)
    for sub in meta:
        if sub["status"] == "Accepted" and sub["python_version"] == 3 and not sub["is_duplicate"]:
            accepted_meta[sub["problem_id"]].append(sub)
    pools = {  # labeller candidates per problem, in seeded order (distinct code_hash among them: choose_labellers)
        pid: sorted(subs, key=lambda s: _stable(seed, s["submission_id"]))[: prm.solutions * SCREEN_FACTOR * 2]
        for pid, subs in accepted_meta.items()
    }
    code = _read_code(subs_path, [s["submission_id"] for pool in pools.values() for s in pool])
    report, labeller_ids = {}, set()
    with open_judge(exe) as box:
        for row in tqdm(problems, desc="tests", unit="problem"):
            pid = row["problem_id"]
            accepted = [{**s, "code": code[s["submission_id"]]} for s in pools.get(pid, [])]
            tests, report[pid] = generate_problem_tests(box, row, accepted, prm, exe, seed)
            if report[pid]["skipped"] is None:
                labeller_ids.update(report[pid]["labellers"])
            row["tests"] = [t for t in row["tests"] if t["source"] != GENERATED] + tests
            log.info("tests %s: kept %d of %d candidates (%s)", pid, report[pid]["kept"],
                     report[pid]["candidates"], report[pid]["skipped"] or report[pid]["layout"])
        tables.write_table(tables.from_rows(problems, tables.PROBLEMS), out_dir / "problems.parquet", tables.PROBLEMS)
        tables.write_json(report, out_dir / "report.json")
        measurement = {}
        if prm.measure_per_status:
            ids = measurement_subset(meta, prm.measure_per_status, seed)
            code = _read_code(subs_path, ids)
            by_id = {s["submission_id"]: s for s in meta}
            subs = [{**by_id[i], "code": code[i]} for i in ids]
            measurement = measure(box, {r["problem_id"]: r for r in problems}, subs, exe, labeller_ids)
    summary = {"tests": totals(report), "measurement": measurement}
    tables.write_json(summary, out_dir / "summary.json")
    return summary


def totals(report: dict) -> dict:
    """Sums of the per-problem report (summary.json's `tests`)."""
    out = Counter()
    rejected = Counter()
    for r in report.values():
        for key in ("candidates", "duplicate", "too_large", "labelled", "kept", "surplus", "not_labelled"):
            out[key] += r[key]
        rejected.update(r["rejected"])
        out["problems"] += 1
        out["problems_with_generated"] += r["kept"] > 0
        out["problems_skipped"] += r["skipped"] is not None
    return {**dict(out), "rejected": {k: rejected[k] for k in REJECT_REASONS}}


def main(params_path: Path, ingest_dir: Path, out_dir: Path) -> dict:
    return run(
        P.load(P.TestsParams, params_path), P.load(P.ExecuteParams, params_path),
        int(P.load_top("seed", params_path)), ingest_dir, out_dir,
    )
