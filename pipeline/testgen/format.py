"""The input format of a statement's Input section, tied to tokens: which variable each token of an input is.

AtCoder-style statements show the format as lines of names: scalars (`N K`), a vector on one line
(`A_1 A_2 ... A_N`, `K A_1 ... A_K`, `A_{1,1} ... A_{1,W}`), a block of rows between vertical dots
(`A_1 B_1` / `:` / `A_M B_M`; a unit of two lines such as `d_1` / `A_{1,1} ... A_{1,d_1}` too), and rows of
strings (`S_1` / `\\vdots` / `S_H`, or `c_{1,1}c_{1,2}...c_{1,W}` without spaces). parse_format() reads that
into a Template; align() walks a template over the token lines of one input, reading the sizes from the values
it has bound so far, and names every token (None when the input does not fit: then the layout learned from
samples alone is used, and no per-variable fact can be tied to a token). check() tests an aligned input against
the constraint facts (constraints.py).
Not covered: formats with a number of test cases whose case layout is given elsewhere, prose-only formats
(older AIZU statements), and queries whose line layout depends on a type token.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from pipeline.testgen.constraints import (
    INPUT_HEADINGS, Fact, Ref, evaluate, normalise, number, section,
)

_VDOTS = {":", "\\vdots", "⋮", ".", "︙", "...", ".."}
_NAME_FULL = re.compile(r"([A-Za-z][A-Za-z0-9']*?)(?:_(\{[^{}]*\}|[A-Za-z0-9]+))?")


@dataclass(frozen=True)
class Name:
    """A name in the format: base and raw subscript parts (`A_{1,W}` -> ("A", ("1", "W")))."""

    base: str
    sub: tuple[str, ...] = ()


def _name(token: str) -> Name | None:
    m = _NAME_FULL.fullmatch(token)
    if not m:
        return None
    sub = m.group(2)
    parts = () if sub is None else tuple(p for p in sub.strip("{}").replace(" ", "").split(",") if p)
    return Name(m.group(1), parts)


@dataclass
class Line:
    """One format line: scalars, then optionally a vector of `count` elements (`string`: one token whose
    characters are the elements, a grid row written without spaces)."""

    scalars: list[Name]
    vector: str | None = None  # element base
    count: str | None = None  # element count expression (format names, e.g. "N", "d_i", "W")
    string: bool = False
    index: tuple[str, ...] = ()  # the vector's leading subscript parts (A_{1,1..W}: ("1",))
    start: int = 1  # the first element's index (A_0 ... A_N: 0)


@dataclass
class Block:
    """`count` repetitions of a unit of lines; inside, the unit's first index ("1") is the row number."""

    unit: list[Line]
    count: str


@dataclass
class Template:
    entries: list = field(default_factory=list)  # Line | Block
    text: list[str] = field(default_factory=list)

    def describe(self) -> str:
        return " / ".join(self.text)


def _format_lines(text: str) -> list[str]:
    """The lines of the Input section that are the format (names, dots), the longest run of them."""
    runs, run = [], []
    for raw in text.split("\n"):
        line = normalise(raw)
        tokens = line.split()
        ok = bool(tokens) and all(t in _VDOTS or _name(t) or re.fullmatch(r"(?:" + _NAME_FULL.pattern + r")+", t)
                                  for t in tokens)
        if ok and not re.search(r"[a-z]{4,} [a-z]{4,}", line):
            run.append(line)
        elif run:
            runs.append(run)
            run = []
    if run:
        runs.append(run)
    return max(runs, key=len) if runs else []


def _first_index(name: Name) -> str | None:
    return name.sub[0] if name.sub else None


def _count_expr(last: Name, first: Name) -> str | None:
    """The element count of a vector from its first and last names: A_1..A_N -> N, A_0..A_{N-1} -> N-1+1."""
    if not last.sub or not first.sub:
        return None
    end, start = last.sub[-1], first.sub[-1]
    if start == "1":
        return end
    if start.isdigit():  # A_0 ... A_N: N+1 elements; A_2 ... A_N: N-1
        return f"({end})-{int(start) - 1}" if int(start) > 1 else f"({end})+1"
    return None


def _line(tokens: list[str]) -> Line | None:
    tokens = ["..." if t == ".." else t for t in tokens]  # p_1 p_2 .. p_N
    if "..." not in tokens:
        if len(tokens) == 1 and len(re.findall(_NAME_FULL.pattern, tokens[0])) > 1 and "_" in tokens[0]:
            return None  # c_{1,1}c_{1,2} without dots: not read
        names = [_name(t) for t in tokens]
        return Line(names) if None not in names else None
    k = tokens.index("...")
    before, after = tokens[:k], tokens[k + 1:]
    if len(after) == 2 and (a := _name(after[0])) and (b := _name(after[1])) and a.base == b.base:
        after = after[1:]  # A_1 A_2 ... A_{N-1} A_N: the last two shown
    if len(after) != 1:
        return None
    glued = re.findall(r"[A-Za-z][A-Za-z0-9']*?_(?:\{[^{}]*\}|[A-Za-z0-9]+)", "".join(before))
    if len(before) == 1 and len(glued) > 1:  # c_{1,1}c_{1,2} ... c_{1,W}: a string row
        first, last = _name(glued[0]), _name(after[0])
        count = _count_expr(last, first) if first and last and first.base == last.base else None
        return Line([], first.base, count, True, first.sub[:-1], int(first.sub[-1])) if count else None
    names = [_name(t) for t in before] + [_name(after[0])]
    if None in names:
        return None
    last = names[-1]
    elems = [n for n in names[:-1] if n.base == last.base and n.sub]
    if not elems:
        return None
    first = elems[0]
    scalars = names[: names.index(first)]
    count = _count_expr(last, first)
    return Line(scalars, last.base, count, False, first.sub[:-1], int(first.sub[-1])) if count else None


def _relative(expr: str) -> str:
    """Inside a block unit, a count such as d_1 means "d of this row": written d_i (generic) for evaluate()."""
    return re.sub(r"_(?:1|\{1\})(?![0-9])", "_i", expr)


def parse_format(statement: str) -> Template | None:
    """The Template of a statement's Input section; None when no format lines are found or they do not read."""
    text = section(statement, INPUT_HEADINGS)
    if text is None:
        return None
    shown = _format_lines(text)
    if not shown:
        return None
    lines = _canonical(shown)
    entries: list = []
    k = 0
    while k < len(lines):
        tokens = lines[k].split()
        if len(tokens) == 1 and tokens[0] in _VDOTS:
            # the unit: lines just before whose first name is indexed 1; the same number of lines after
            unit_n = 0
            while unit_n < len(entries) and isinstance(entries[-1 - unit_n], Line):
                line = entries[-1 - unit_n]
                names = line.scalars or []
                idx = _first_index(names[0]) if names else (line.index[0] if line.index else None)
                if idx != "1":
                    break
                unit_n += 1
            if unit_n == 0 or k + unit_n >= len(lines) + 1:
                return None
            tail = [_line(lines[k + 1 + u].split()) for u in range(unit_n)] if k + unit_n < len(lines) else [None]
            if None in tail:
                return None
            last = tail[0]
            ref = last.scalars[0] if last.scalars else Name(last.vector or "", last.index)
            count = _first_index(ref)
            if count is None:
                return None
            unit = entries[len(entries) - unit_n:]
            for line in unit:
                if line.count:
                    line.count = _relative(line.count)
            del entries[len(entries) - unit_n:]
            entries.append(Block(unit, count))
            k += 1 + unit_n
            continue
        line = _line(tokens)
        if line is None:
            return None
        entries.append(line)
        k += 1
    return Template(entries, shown)


def _canonical(lines: list[str]) -> list[str]:
    """Format lines in the one shape the parser reads: a run of vertical-dot lines (`.` / `.` / `.`, or
    `:  :  :` under a row of three) is one `:`, and a second row shown before the dots (`h_1` / `h_2` / `:` /
    `h_N`) is left out: the block's unit is its first row."""
    out: list[str] = []
    for line in lines:
        tokens = line.split()
        if all(t in _VDOTS for t in tokens):
            if out and out[-1] == ":":
                continue
            if len(out) >= 2 and _second_row(out[-2], out[-1]):
                out.pop()
            out.append(":")
        else:
            out.append(line)
    return out


def _second_row(first: str, second: str) -> bool:
    """Whether `second` is `first` with its leading index 1 made 2 (`A_1 B_1` / `A_2 B_2`)."""
    a, b = [_name(t) for t in first.split()], [_name(t) for t in second.split()]
    if len(a) != len(b) or None in a or None in b or not a:
        return False
    return all(x.base == y.base and x.sub and x.sub[0] == "1" and y.sub == ("2",) + x.sub[1:]
               for x, y in zip(a, b))


# ------------------------------------------------------------------------------------------------ alignment


@dataclass
class Aligned:
    """The names of one input's tokens: refs[(line, token)] = Ref(base, concrete subscript or None), and
    the values of every scalar and element by Ref (the environment bounds are evaluated in)."""

    refs: dict[tuple[int, int], Ref] = field(default_factory=dict)
    values: dict[Ref, float] = field(default_factory=dict)
    tokens: dict[Ref, str] = field(default_factory=dict)
    by_sub: dict[str, dict[str, float]] = field(default_factory=dict)  # subscript -> base -> value


def _scalar_ref(name: Name, row: int | None) -> Ref:
    if not name.sub:
        return Ref(name.base)
    sub = [str(row) if row is not None and k == 0 and p == "1" else p for k, p in enumerate(name.sub)]
    return Ref(name.base, ",".join(sub))


def _bind(out: Aligned, pos: tuple[int, int], ref: Ref, token: str) -> None:
    out.refs[pos] = ref
    out.tokens[ref] = token
    value = number(token)
    if value is not None:
        out.values[ref] = value
    out.values[Ref("len", ref.base if ref.sub is None else str(ref))] = len(token)
    if ref.sub is not None:
        out.by_sub.setdefault(ref.sub, {})[ref.base] = value if value is not None else len(token)
        if "," not in ref.sub:
            out.values[Ref("row", ref.base)] = value if value is not None else len(token)  # d_i: this row's d


class Env:
    """Values seen from one token without copying: scalars, and (generic `A_i`) the element of base A with the
    same subscript, or in a count (`rows`) this row's value."""

    def __init__(self, aligned: Aligned, sub: str | None = None, rows: bool = False):
        self.aligned, self.same = aligned, aligned.by_sub.get(sub, {}) if sub is not None else {}
        self.rows = rows

    def get(self, ref: Ref, default=None):
        if ref.sub is None and ref.base in self.same:
            return self.same[ref.base]
        if ref.sub is None and self.rows and Ref("row", ref.base) in self.aligned.values:
            return self.aligned.values[Ref("row", ref.base)]
        return self.aligned.values.get(ref, default)


def _count(expr: str, out: Aligned) -> int | None:
    value = evaluate(expr, Env(out, rows=True))
    if value is None or value != int(value) or value < 0:
        return None
    return int(value)


def _align_line(line: Line, tokens: list[str], lno: int, row: int | None, out: Aligned) -> bool:
    n = len(line.scalars)
    if len(tokens) < n:
        return False
    for j, name in enumerate(line.scalars):
        _bind(out, (lno, j), _scalar_ref(name, row), tokens[j])
    if line.vector is None:
        return len(tokens) == n
    count = _count(line.count, out)
    prefix = [str(row) if row is not None and p == "1" else p for p in line.index]
    if line.string:
        if len(tokens) != n + 1 or (count is not None and len(tokens[n]) != count):
            return False
        _bind(out, (lno, n), Ref(line.vector, ",".join(prefix) or None), tokens[n])
        return True
    if count is not None and len(tokens) - n != count:
        return False
    for e, token in enumerate(tokens[n:]):
        _bind(out, (lno, n + e), Ref(line.vector, ",".join(prefix + [str(e + line.start)])), token)
    return True


def align(template: Template, lines: list[list[str]]) -> Aligned | None:
    """Names for every token of `lines` (split_input of one input), or None when the input does not fit."""
    out, lno = Aligned(), 0
    for entry in template.entries:
        if isinstance(entry, Line):
            if lno >= len(lines) or not _align_line(entry, lines[lno], lno, None, out):
                return None
            lno += 1
            continue
        count = _count(entry.count, out)
        if count is None:
            return None
        for row in range(1, count + 1):
            for line in entry.unit:
                if lno >= len(lines) or not _align_line(line, lines[lno], lno, row, out):
                    return None
                lno += 1
    return out if lno == len(lines) else None


# ------------------------------------------------------------------------------------------------ checking


def _applies(fact: Fact, ref: Ref, aligned: Aligned) -> bool:
    if fact.ref is None:
        return True
    if fact.ref.base != ref.base:
        return False
    if fact.ref.sub is None or fact.ref.sub == ref.sub:
        return True
    index = evaluate(fact.ref.sub, Env(aligned))  # A_N >= 1: the element whose index is N
    return ref.sub is not None and index is not None and ref.sub.split(",")[-1] == str(int(index))


def _env(aligned: Aligned, ref: Ref) -> Env:
    """Values seen from one token: scalars, and the elements with the same subscript (B_i <= A_i)."""
    return Env(aligned, ref.sub)


def _in_range(x: float, fact: Fact, env: dict) -> bool | None:
    """Whether x satisfies the bounds of a range fact; None when a bound cannot be evaluated."""
    ok = True
    for expr, strict, lower in ((fact.lo, fact.lo_strict, True), (fact.hi, fact.hi_strict, False)):
        if expr is None:
            continue
        bound = evaluate(expr, env)
        if bound is None:
            return None
        # exact for ints (bounds such as 10^18 + 1 exceed a float's precision), 1e-9 slack for reals
        slack = 0 if isinstance(bound, int) and float(x).is_integer() else 1e-9
        if lower:
            ok &= x > bound if strict else x >= bound - slack
        else:
            ok &= x < bound if strict else x <= bound + slack
    return ok


def check(facts: list[Fact], aligned: Aligned) -> list[str]:
    """The facts an aligned input violates, described (empty: it satisfies every fact that can be evaluated)."""
    bad: list[str] = []
    groups: dict[tuple[str, str], list[tuple[int, str]]] = {}
    by_base: dict[str, list[tuple[Ref, str]]] = {}  # a fact about A reads A's tokens only
    for ref, token in aligned.tokens.items():
        by_base.setdefault(ref.base, []).append((ref, token))
        if ref.sub is not None and ref.base != "len":
            *head, last = ref.sub.split(",")
            if last.isdigit():
                groups.setdefault((ref.base, ",".join(head)), []).append((int(last), token))
    for fact in facts:
        if fact.kind == "sum":  # m_1 + ... + m_N <= X: every element of the base, together
            values = [number(t) for r, t in by_base.get(fact.ref.base, ()) if r.sub is not None]
            total = sum(values) if values and None not in values else None
            if total is not None and _in_range(total, fact, Env(aligned)) is False:
                bad.append(f"{fact.describe()} (sum={total})")
            continue
        if fact.kind in ("distinct", "sorted", "permutation"):
            for (base, _), elems in groups.items():
                if fact.ref is not None and fact.ref.base != base:
                    continue
                if fact.ref is None and fact.kind != "distinct":
                    continue
                values = [number(t) if number(t) is not None else t for _, t in sorted(elems)]
                if fact.kind == "distinct" and len(set(values)) != len(values):
                    bad.append(fact.describe())
                elif fact.kind == "sorted" and any(
                        (a >= b if fact.strict else a > b) for a, b in zip(values, values[1:])):
                    bad.append(fact.describe())
                elif fact.kind == "permutation" and sorted(values) != list(
                        range(int(fact.lo or 1), int(fact.lo or 1) + len(values))):
                    bad.append(fact.describe())
            continue
        for ref, token in aligned.tokens.items() if fact.ref is None else by_base.get(fact.ref.base, ()):
            if not _applies(fact, ref, aligned) or ref.base == "len":
                continue
            value = number(token)
            if fact.kind == "integer":
                ok = value is None or re.fullmatch(r"[+-]?\d+", token) is not None
            elif fact.kind == "alphabet":
                ok = all(c in fact.chars for c in token)
            elif fact.kind == "choices":
                ok = token in fact.values
            elif fact.kind == "length" or (fact.kind == "abs" and value is None):
                ok = _in_range(len(token), fact, _env(aligned, ref)) is not False
            elif fact.kind in ("range", "abs"):
                if value is None:
                    continue
                x = abs(value) if fact.kind == "abs" else value
                ok = _in_range(x, fact, _env(aligned, ref)) is not False
            elif fact.kind == "neq":
                other = Ref(fact.other.base, ref.sub if fact.other.sub is None else fact.other.sub)
                ok = other not in aligned.tokens or aligned.tokens[other] != token
            else:
                ok = True
            if not ok:
                bad.append(f"{fact.describe()} ({ref}={token[:20]})")
                break
    return bad


def resolve(facts: list[Fact], samples: list[Aligned]) -> tuple[list[Fact], list[str]]:
    """The facts made concrete by the samples, and those dropped as misread (described).

    |X| is a length when X is a string in the samples (a token with a letter or a leading zero, or X has an
    alphabet fact), else an absolute value; single-character choices for a variable whose sample tokens are
    longer are its alphabet ("S_i is L or R" of a string S); a fact that a sample violates was misread."""
    stringy = {f.ref.base for f in facts if f.kind == "alphabet" and f.ref}
    for aligned in samples:
        for ref, token in aligned.tokens.items():
            if number(token) is None or re.fullmatch(r"0\d+", token):
                stringy.add(ref.base)
    longer = {ref.base for a in samples for ref, t in a.tokens.items() if len(t) > 1}
    out: list[Fact] = []
    for f in facts:
        if f.kind == "abs" and f.ref is not None:
            if f.ref.base in stringy:
                f = Fact("length", f.ref, f.lo, f.hi, f.lo_strict, f.hi_strict, line=f.line)
            else:
                lo = f"-({f.hi})" if f.hi is not None else None
                f = Fact("range", f.ref, lo, f.hi, f.hi_strict, f.hi_strict, line=f.line)
        elif f.kind == "choices" and f.ref is not None and f.ref.base in longer and all(len(v) == 1 for v in f.values):
            f = Fact("alphabet", f.ref, chars="".join(sorted(f.values)), line=f.line)
        out.append(f)
    dropped = []
    for f in list(out):
        if any(check([f], a) for a in samples):
            out.remove(f)
            dropped.append(f.describe())
    return out + _lengths_from_samples(samples, stringy | {f.ref.base for f in out if f.kind == "length" and f.ref}), dropped


def _lengths_from_samples(samples: list[Aligned], strings: set[str]) -> list[Fact]:
    """|S| = N for a scalar string S and an integer scalar N before it when every sample shows it (AtCoder
    says "a string S of length N" in the statement's prose, not its Constraints). Only ever narrows: an input
    with |S| = N that keeps every other fact is in spec whatever the prose says. A one-character S is no
    evidence (N = 1 by chance)."""
    if not samples:
        return []
    first = samples[0]
    position = {ref: pos for pos, ref in first.refs.items()}
    scalars = [ref for ref in first.tokens if ref.sub is None]
    out = []
    for s in (r for r in scalars if r.base in strings):
        if not any(len(a.tokens.get(s, "")) > 1 for a in samples):
            continue
        for n in scalars:
            if n == s or position[n] > position[s] or not isinstance(first.values.get(n), int):
                continue
            if all(s in a.tokens and a.values.get(n) == len(a.tokens[s]) for a in samples):
                out.append(Fact("length", s, n.base, n.base, line=f"|{s.base}| = {n.base} in every sample"))
                break
    return out
