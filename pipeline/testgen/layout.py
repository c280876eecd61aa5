"""The structure of a sample input, learned from the samples alone: lines of tokens, and which header ints
count the tokens of the next line (`cols`, "N / a_1 ... a_N"), the lines of a block after it (`rows`,
"M / M edges") or the length of the strings there (`strlen`, a grid's width).

A relation is kept only when every sample that has that header token shows it (the least supported
conflicting one is dropped and the samples re-parsed until they agree), so "1 2 / 10 5" is not a vector.
This is the fallback structure when the statement's Input section gives no usable format (format.py).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

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


