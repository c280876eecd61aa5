"""What the samples of a problem show about its input, per value group of the layout (layout.py): numbers,
alphabets, lengths, categorical values, vector properties (sorted, distinct, permutation), constant header
tokens, and int groups bounded by an earlier header int (vertex ids <= N)."""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from pipeline.testgen.layout import Layout, infer_layouts, token_kind

CATEGORICAL_MAX_STRINGS = 8  # a string group with few distinct, repeated values is drawn from them
CATEGORICAL_MAX_INTS = 3  # same for ints in vectors and blocks (query types, 0/1 matrices)
PROPERTY_MIN_LENGTH = 3  # a vector shows a property (sorted, distinct, permutation) only from this length on


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


