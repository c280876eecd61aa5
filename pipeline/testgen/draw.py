"""Candidate inputs of one problem, inside its statement's constraints.

spec(): the statement's format (format.py) aligned with every sample input, and its constraint facts
(constraints.py) made concrete by the samples. When a format fits every sample, inputs are drawn from it
(TemplateDraw): each variable within its parsed range / length / alphabet / choices, evaluated in input order
(`A_i <= N` uses the N just drawn); a variable without a parsed fact keeps what the samples show (numbers in the
range seen, strings over the characters seen, unconstrained strings as seen). Sizes (the variables that count
elements, rows or characters) follow the candidate's regime: the first candidate is the maximum-size input
(every size at its upper bound, values random: up to max_input_bytes), then every value at its maximum, then a
minimum one, then random sizes with random, edge or small values, or small sizes with values tied to those drawn
before them (relation: equal, +-1, sums and differences; all these scaled to small_input_bytes). Every candidate
is aligned again and checked against every fact; one that breaks a fact is redrawn (a few times) and else
dropped as out of spec, so no kept input breaks a parsed fact. Without a format that fits, the samples' layout
is mutated (mutate.py) within the ranges they show.
"""
from __future__ import annotations

import math
import random
import re
from collections import Counter, defaultdict, deque
from dataclasses import dataclass, field

from pipeline import params
from pipeline.testgen import constraints
from pipeline.testgen import format as input_format
from pipeline.testgen.layout import render, split_input
from pipeline.testgen.model import InputModel, build_model
from pipeline.testgen.mutate import mutate_candidates

# Regimes of the candidates in order: maximum size first (so they are validated even when time runs short).
LEAD_REGIMES = ("max", "max_values", "min")
MAX_REGIMES = ("max",)  # the regimes allowed max_input_bytes; the rest are cut to small_input_bytes
CYCLE_REGIMES = ("random", "edge", "small", "relation")
REDRAWS = 8  # a candidate that breaks a fact (a relation drawn out of order) is redrawn this many times
LARGE_REDRAWS = 1  # ... and one over LARGE bytes only once (a pure-Python draw of 10^5 tokens takes seconds)
LARGE = 100_000
SIZE_SAMPLE = 2000  # rows (or elements) drawn before the size of the whole is extrapolated
SCALE_STEPS = 12  # a maximum-size input over max_input_bytes is scaled down this many times at most


@dataclass
class Spec:
    """What a problem's statement and samples say about its input."""

    constraints: constraints.Parsed
    template: input_format.Template | None
    samples: list[input_format.Aligned]  # aligned samples (empty without a template that fits them all)
    facts: list[constraints.Fact]  # resolved: kept only when every sample satisfies them
    dropped: list[str]  # facts a sample violates (misread)
    model: InputModel | None  # the samples' layout: the fallback
    why_no_template: str | None = None
    stats: dict = field(default_factory=dict)  # per base: what the samples show

    @property
    def fits(self) -> bool:
        return self.template is not None and bool(self.samples)

    @property
    def complete(self) -> bool:
        """Whether the statement specifies the whole input: a format that fits, every constraint line parsed,
        every variable bounded by a fact."""
        return self.fits and not self.constraints.not_parsed and not self.unconstrained()

    def report(self) -> dict:
        return {
            **self.constraints.report(),
            "format": self.template.describe() if self.template else None,
            "format_fits_samples": self.fits,
            "no_format_because": self.why_no_template,
            "facts_used": [f.describe() for f in self.facts] if self.fits else [],
            "facts_dropped_by_samples": self.dropped,
            "variables_without_fact": self.unconstrained(),
        }

    def unconstrained(self) -> list[str]:
        """Bases of the input that no fact bounds (they keep the samples' values)."""
        if not self.fits:
            return []
        bounded = {f.ref.base for f in self.facts if f.ref is not None and f.kind in
                   ("range", "length", "alphabet", "choices", "permutation")}
        return sorted(b for b in self.stats if b not in bounded and b != "len")


def spec(statement: str, sample_inputs: list[str]) -> Spec:
    parsed = constraints.parse_constraints(statement or "")
    template = input_format.parse_format(statement or "")
    inputs = [t for t in sample_inputs if t.strip()]
    model = build_model(inputs)
    if template is None:
        return Spec(parsed, None, [], parsed.facts, [], model, "no format lines in the Input section")
    aligned = [input_format.align(template, split_input(t)) for t in inputs]
    if not aligned or None in aligned:
        return Spec(parsed, template, [], parsed.facts, [], model, "the format does not fit every sample")
    facts, dropped = input_format.resolve(parsed.facts, aligned)
    return Spec(parsed, template, aligned, facts, dropped, model, None, _stats(aligned))


def _stats(samples: list[input_format.Aligned]) -> dict:
    stats: dict[str, dict] = defaultdict(lambda: {"numbers": [], "strings": [], "decimals": 0, "all_int": True})
    for aligned in samples:
        for ref, token in aligned.tokens.items():
            s = stats[ref.base]
            value = constraints.number(token)
            if value is None or re.fullmatch(r"[+-]?0\d+", token):
                s["strings"].append(token)
            else:
                s["numbers"].append(value)
                if not isinstance(value, int):
                    s["all_int"] = False
                    s["decimals"] = max(s["decimals"], len(token.split(".")[1]) if "." in token else 0)
    return dict(stats)


def _sizes(template: input_format.Template, facts: list[constraints.Fact]) -> set[str]:
    """Bases of the variables that size something: element and row counts, and the bounds of a string's length
    (|S| = N)."""
    exprs = []
    for entry in template.entries:
        lines = entry.unit if isinstance(entry, input_format.Block) else [entry]
        exprs += [entry.count] if isinstance(entry, input_format.Block) else []
        exprs += [line.count for line in lines if line.count]
    exprs += [expr for f in facts if f.kind == "length" for expr in (f.lo, f.hi) if expr]
    out = set()
    for expr in exprs:
        parsed = constraints.to_python(expr)
        if parsed:
            out |= {r.base for r in parsed[1]}
    return out


class TooLarge(Exception):
    """A candidate would exceed max_input_bytes: `estimate` is its size had it been rendered (bytes)."""

    def __init__(self, estimate: float):
        super().__init__(f"about {estimate:.0f} bytes")
        self.estimate = estimate


class TemplateDraw:
    """One candidate drawn from the template, under one regime, with one seeded RNG. Sizes are scaled by
    `scale` (for inputs over max_bytes); a size that would still exceed max_bytes raises TooLarge before
    anything that large is drawn (a count bounded by 10^18 is a count all the same)."""

    def __init__(self, sp: Spec, rng: random.Random, regime: str, scale: float = 1.0, max_bytes: int = 1 << 30):
        self.sp, self.rng, self.regime, self.scale, self.max_bytes = sp, rng, regime, scale, max_bytes
        self.bytes = 0
        self._generic: dict[str, tuple[list, list]] = {}
        self._neq: dict[str, list[constraints.Ref]] = {}
        self.attempt = 0  # redraws of the current token
        self.sizes = _sizes(sp.template, sp.facts)
        self.out = input_format.Aligned()
        self.groups: dict[tuple[str, str], set] = defaultdict(set)
        self.recent: deque[int] = deque(maxlen=16)  # the last ints drawn (relation regime)
        self.summed = {f.ref.base for f in sp.facts if f.kind == "sum" and f.ref}  # bases a "sum" fact bounds
        self.sums: Counter = Counter()  # per such base, the sum of its numbers drawn so far
        self.left = 0  # elements (or rows) of the current vector (or block) still to draw after this one

    def render(self) -> str:
        lines: list[list[str]] = []
        for entry in self.sp.template.entries:
            if isinstance(entry, input_format.Line):
                lines.append(self._line(entry, None, len(lines)))
                continue
            count = input_format._count(entry.count, self.out) or 0
            self._ahead(count * 2 * len(entry.unit))
            start = self.bytes
            for row in range(1, count + 1):
                self.left = count - row
                for line in entry.unit:
                    lines.append(self._line(line, row, len(lines)))
                if row == SIZE_SAMPLE or self.bytes > self.max_bytes:  # the rows so far say how large all would be
                    self._extrapolate(start, row, count)
            self.left = 0
        self._sort(lines)
        return render(lines)

    def _line(self, line: input_format.Line, row: int | None, lno: int) -> list[str]:
        tokens = []
        for j, name in enumerate(line.scalars):
            ref = input_format._scalar_ref(name, row)
            token = self._token(ref)
            input_format._bind(self.out, (lno, j), ref, token)
            tokens.append(token)
            self.bytes += len(token) + 1
        if line.vector is None:
            return tokens
        count = input_format._count(line.count, self.out) or 0
        self._ahead(count * (1 if line.string else 2))
        prefix = [str(row) if row is not None and p == "1" else p for p in line.index]
        if line.string:
            ref = constraints.Ref(line.vector, ",".join(prefix) or None)
            token = self._string(ref, self._facts(ref), fixed=count)
            input_format._bind(self.out, (lno, len(tokens)), ref, token)
            self.bytes += len(token) + 1
            return tokens + [token]
        perm = next((f for f in self.sp.facts if f.kind == "permutation" and f.ref and f.ref.base == line.vector), None)
        values = list(range(int(perm.lo or 1), int(perm.lo or 1) + count)) if perm else None
        if values:
            self.rng.shuffle(values)
        start = self.bytes
        outer = self.left
        for e in range(count):
            self.left = count - e - 1
            ref = constraints.Ref(line.vector, ",".join(prefix + [str(e + line.start)]))
            token = str(values[e]) if values else self._token(ref)
            input_format._bind(self.out, (lno, len(tokens)), ref, token)
            tokens.append(token)
            self.bytes += len(token) + 1
            if e + 1 == SIZE_SAMPLE or self.bytes > self.max_bytes:
                self._extrapolate(start, e + 1, count)
        self.left = outer
        return tokens

    def _extrapolate(self, start: int, done: int, count: int) -> None:
        """Raise TooLarge when `count` rows (or elements) would pass max_bytes, judged from the `done` drawn since
        self.bytes was `start`: a too-large draw stops after a sample of its rows, not at max_bytes, and the size
        it reports makes the next scale about right."""
        estimate = start + (self.bytes - start) * count / done
        if estimate > self.max_bytes:
            raise TooLarge(estimate)

    def _ahead(self, more: int) -> None:
        """Raise TooLarge when `more` bytes still to draw (a lower estimate) would take the input past max_bytes
        (self.bytes counts what was drawn)."""
        if self.bytes + more > self.max_bytes:
            raise TooLarge(self.bytes + more)

    # -- one token
    def _facts(self, ref: constraints.Ref) -> list[constraints.Fact]:
        """The facts about one token; those of every element of a base are looked up once per base."""
        if ref.base not in self._generic:
            mine = [f for f in self.sp.facts if f.ref is None or f.ref.base == ref.base]
            self._generic[ref.base] = ([f for f in mine if f.ref is None or f.ref.sub is None],
                                       [f for f in mine if f.ref is not None and f.ref.sub is not None])
        generic, specific = self._generic[ref.base]
        return generic + [f for f in specific if input_format._applies(f, ref, self.out)] if specific else generic

    def _token(self, ref: constraints.Ref) -> str:
        facts = self._facts(ref)
        stat = self.sp.stats.get(ref.base, {"numbers": [], "strings": [], "decimals": 0, "all_int": True})
        kinds = {f.kind for f in facts if f.ref}
        # a length fact makes a string even of digits ("S is a string of length 1 to 100", samples 1214, 3)
        stringy = (bool(stat["strings"]) or "length" in kinds and "range" not in kinds
                   or bool(kinds & {"alphabet", "choices"}) and not stat["numbers"])
        distinct = any(f.kind == "distinct" and f.ref is not None for f in facts)
        group = (ref.base, ref.sub.rsplit(",", 1)[0] if ref.sub and "," in ref.sub else "")
        partners = [self.out.tokens[p] for p in self._unequal(ref) if p in self.out.tokens]
        token = ""
        for self.attempt in range(30 if distinct or partners else 1):
            token = self._string(ref, facts) if stringy else self._number(ref, facts, stat)
            if (not distinct or token not in self.groups[group]) and token not in partners:
                break
        self.groups[group].add(token)
        # only where they are read: a maximum-size draw has 10^5 tokens
        if not stringy and (ref.base in self.summed or self.regime == "relation"):
            value = constraints.number(token)
            if value is not None and ref.base in self.summed:
                self.sums[ref.base] += value
            if isinstance(value, int) and self.regime == "relation":
                self.recent.append(value)
        return token

    def _unequal(self, ref: constraints.Ref) -> list[constraints.Ref]:
        """The tokens this one must differ from ("u_i != v_i": drawing v_i, the u_i of its row), as check() pairs
        them."""
        if ref.base not in self._neq:
            self._neq[ref.base] = [other for f in self.sp.facts if f.kind == "neq" and f.ref and f.other
                                   for mine, other in ((f.ref, f.other), (f.other, f.ref)) if mine.base == ref.base]
        return [constraints.Ref(o.base, ref.sub if o.sub is None else o.sub) for o in self._neq[ref.base]]

    def _bounds(self, ref: constraints.Ref, facts: list[constraints.Fact], kinds: tuple[str, ...], is_int: bool) -> tuple:
        env = input_format._env(self.out, ref)
        lo = hi = None
        step = 1 if is_int else 1e-6
        for f in facts:
            if f.kind not in kinds:
                continue
            if f.lo is not None and (b := constraints.evaluate(f.lo, env)) is not None:
                b = b + step if f.lo_strict else b
                lo = b if lo is None else max(lo, b)
            if f.hi is not None and (b := constraints.evaluate(f.hi, env)) is not None:
                b = b - step if f.hi_strict else b
                hi = b if hi is None else min(hi, b)
        return lo, hi

    def _sum_room(self, ref: constraints.Ref, facts: list[constraints.Fact], lo: float, is_int: bool) -> float:
        """The most this element may be under a sum's upper bound (`m_1 + ... + m_N <= X`): the bound less what
        the elements before it took and the least the ones after it need; inf without such a fact."""
        room = math.inf
        for f in facts:
            if f.kind == "sum" and f.hi is not None:
                bound = constraints.evaluate(f.hi, input_format._env(self.out, ref))
                if bound is not None:
                    bound -= (1 if is_int else 1e-6) if f.hi_strict else 0
                    room = min(room, bound - self.sums[ref.base] - self.left * max(lo, 0))
        return room

    def _size_of(self, lo, hi):
        """A size (count or length) under the regime; hi already scaled for the byte limit."""
        rng, r = self.rng, self.regime
        if r in ("max", "max_values"):
            return hi
        if r == "min":
            return lo
        if r in ("small", "relation"):
            return rng.randint(lo, min(hi, lo + 5))
        return _log_uniform(rng, lo, hi)

    def _scaled(self, lo, hi):
        return max(lo, min(hi, int(lo + (hi - lo) * self.scale))) if self.scale < 1 else hi

    def _number(self, ref: constraints.Ref, facts: list[constraints.Fact], stat: dict) -> str:
        rng = self.rng
        is_int = stat["all_int"] or any(f.kind == "integer" for f in facts)
        lo, hi = self._bounds(ref, facts, ("range",), is_int)
        seen = stat["numbers"]
        if lo is None:
            lo = min(seen) if seen else (hi if hi is not None else 0)
        if hi is None:
            hi = max(seen) if seen else lo
        hi = min(hi, self._sum_room(ref, facts, lo, is_int))
        if hi < lo:
            return str(int(lo)) if is_int else str(lo)  # empty range: the checker rejects the candidate
        if is_int:
            lo, hi = math.ceil(lo), math.floor(hi)
        alphabet = next((f.chars for f in facts if f.kind == "alphabet"), None)
        if alphabet and is_int:
            return self._digits(alphabet, int(lo), int(hi))
        if ref.base in self.sizes:
            x = self._size_of(int(lo), int(self._scaled(lo, hi))) if is_int else rng.uniform(lo, hi)
        elif self.regime == "max_values":
            x = max(lo, hi - self.attempt)  # a redraw ("u_i != v_i") steps away from the edge
        elif self.regime == "min":
            x = min(hi, lo + self.attempt)
        elif self.regime == "edge":
            x = rng.choice([lo, hi, min(hi, lo + 1), max(lo, hi - 1)])
        elif self.regime == "small":
            x = rng.randint(lo, min(hi, lo + 3)) if is_int else rng.uniform(lo, min(hi, lo + 3))
        elif self.regime == "relation" and is_int:
            x = self._related(int(lo), int(hi))
        elif is_int and rng.random() < 0.5:
            x = rng.randint(lo, hi)
        else:
            x = _log_uniform(rng, lo, hi) if is_int else rng.uniform(lo, hi)
        if is_int:
            return str(int(x))
        decimals = stat["decimals"] or 2
        return f"{x:.{decimals}f}"

    def _related(self, lo: int, hi: int) -> int:
        """An int in [lo, hi] tied to the numbers drawn before it: one of them, one +-1, or the sum or difference
        of two (else an edge): the equalities an off-by-one comparison gets wrong (`N % 500 == A`,
        `b - a == x`) come up far more often than from independent draws."""
        rng = self.rng
        earlier = list(self.recent)
        pick = rng.random() if earlier else 1.0
        if pick < 0.35:
            x = rng.choice(earlier)
        elif pick < 0.55:
            x = rng.choice(earlier) + rng.choice((-1, 1))
        elif pick < 0.85:
            a, b = rng.choice(earlier), rng.choice(earlier)
            x = a + b if rng.random() < 0.5 else a - b
        elif rng.random() < 0.5:  # the first number, or one on its own: an edge or a random magnitude
            x = rng.choice([lo, hi, min(hi, lo + 1), max(lo, hi - 1)])
        else:
            x = _log_uniform(rng, lo, hi)
        return x if lo <= x <= hi else _log_uniform(rng, lo, hi)

    def _digits(self, alphabet: str, lo: int, hi: int) -> str:
        """An int within [lo, hi] written only with the allowed digits ("consists of 1 and 9")."""
        digits = sorted(c for c in alphabet if c.isdigit())
        for _ in range(50):
            n = self.rng.randint(len(str(max(lo, 0))), len(str(hi)))
            s = "".join(self.rng.choice(digits) for _ in range(n)).lstrip("0") or "0"
            if lo <= int(s) <= hi:
                return s
        return str(lo)

    def _string(self, ref: constraints.Ref, facts: list[constraints.Fact], fixed: int | None = None) -> str:
        rng = self.rng
        stat = self.sp.stats.get(ref.base, {"strings": []})
        seen = stat["strings"] or [str(x) for x in stat.get("numbers", [])]
        choices = next((f.values for f in facts if f.kind == "choices"), None)
        if choices:
            return rng.choice(list(choices))
        alphabet = next((f.chars for f in facts if f.kind == "alphabet"), None)
        lo, hi = self._bounds(ref, facts, ("length",), True)
        if alphabet is None and lo is None and hi is None and fixed is None:
            return rng.choice(seen) if seen else "a"  # nothing parsed: a string the samples show
        chars = alphabet or "".join(sorted({c for s in seen for c in s})) or "a"
        if fixed is not None:
            n = fixed
        else:
            lens = [len(s) for s in seen] or [1]
            lo = max(0, int(lo if lo is not None else min(lens)))
            hi = int(hi if hi is not None else max(lens))
            if hi < lo:
                return "a" * lo
            n = self._size_of(lo, self._scaled(lo, hi))
            self._ahead(n)
        if self.regime == "max_values" or self.regime == "min":
            return (max(chars) if self.regime == "max_values" else min(chars)) * n
        if self.regime == "small":
            chars = chars[:3]  # few letters: repeats and patterns (three: "RGB" problems need all three)
        pieces = [t for t in seen if len(t) > 1 and set(t) <= set(chars)]
        if self.regime == "random" and pieces and rng.random() < 0.5:
            return _from_pieces(rng, pieces, n)
        return "".join(rng.choice(chars) for _ in range(n))

    def _sort(self, lines: list[list[str]]) -> None:
        """Vectors that a fact says are sorted: their drawn values, in order (distinct ones stay distinct)."""
        for fact in self.sp.facts:
            if fact.kind != "sorted" or fact.ref is None:
                continue
            groups: dict[str, list] = defaultdict(list)
            for (lno, j), ref in self.out.refs.items():
                if ref.base == fact.ref.base and ref.sub is not None:
                    groups[ref.sub.rsplit(",", 1)[0] if "," in ref.sub else ""].append((lno, j))
            for positions in groups.values():
                positions.sort()
                values = sorted((lines[lno][j] for lno, j in positions), key=lambda t: constraints.number(t) or 0)
                for (lno, j), v in zip(positions, values):
                    lines[lno][j] = v


def _from_pieces(rng: random.Random, seen: list[str], n: int) -> str:
    """n characters made of random pieces (1 to 4 characters) of the samples' strings: the substrings a problem
    is about ("ABC" in "ZABCDBABCQ") come back far more often than from characters drawn one by one."""
    out: list[str] = []
    size = 0
    while size < n:
        s = rng.choice(seen)
        start = rng.randrange(len(s))
        piece = s[start: start + rng.randint(1, 4)]
        out.append(piece)
        size += len(piece)
    return "".join(out)[:n]


def _log_uniform(rng: random.Random, lo: float, hi: float) -> int:
    """An int in [lo, hi], uniform in magnitude half the time (so that 1..2x10^5 gives small ones too)."""
    lo, hi = int(lo), int(hi)
    if hi - lo < 100 or rng.random() < 0.5:
        return rng.randint(lo, hi)
    return min(hi, lo + int((hi - lo + 1) ** rng.random()) - 1)


def regime(k: int) -> str:
    return LEAD_REGIMES[k] if k < len(LEAD_REGIMES) else CYCLE_REGIMES[(k - len(LEAD_REGIMES)) % len(CYCLE_REGIMES)]


def candidates(sp: Spec, existing: list[str], prm: params.TestsParams, seed: int, problem_id: str
               ) -> tuple[list[tuple[str, str]], Counter]:
    """Up to prm.candidates new distinct inputs as (regime, text), and counts of those dropped ("duplicate",
    "too_large", "out_of_spec"). Candidate k uses an RNG seeded by (seed, problem, k), and nothing depends on the
    clock: the same seed draws the same inputs on any machine. Only the maximum-size candidate may use
    max_input_bytes; the others (max_values too: every value at its maximum) are scaled to small_input_bytes (a
    pure-Python draw of 10^5 tokens takes seconds)."""
    dropped: Counter = Counter()
    if not sp.fits:
        if sp.model is None:
            return [], dropped
        texts, dropped = mutate_candidates(sp.model, existing, prm, seed, problem_id)
        return [("mutation", t) for t in texts], dropped
    seen = {render(split_input(t)) for t in existing}
    kept = []
    for k in range(prm.candidates):
        rng, reg, scale, text = random.Random(f"{seed}:{problem_id}:{k}"), regime(k), 1.0, None
        limit = prm.max_input_bytes if reg in MAX_REGIMES else min(prm.max_input_bytes, prm.small_input_bytes)
        redraws, why = 0, "too_large"
        for _ in range(REDRAWS + SCALE_STEPS):
            try:
                text = TemplateDraw(sp, rng, reg, scale, limit).render()
                size = len(text.encode())
            except TooLarge as exc:
                size = exc.estimate
            if size > limit:
                scale *= 0.9 * limit / size
                text, why = None, "too_large"
                continue
            why = "out_of_spec"
            aligned = input_format.align(sp.template, split_input(text))
            if aligned is not None and not input_format.check(sp.facts, aligned):
                break
            text = None
            redraws += 1
            if redraws > (LARGE_REDRAWS if size > LARGE else REDRAWS):
                break
        if text is None:
            dropped[why] += 1
        elif text in seen:
            dropped["duplicate"] += 1
        else:
            seen.add(text)
            kept.append((reg, text))
    return kept, dropped
