"""Facts about the input from a statement's Constraints / 制約 section (plain text from codenet.parse_statement).

Each line of the section is read into facts about named variables, the names being those of the Input
section's format (format.py ties them to tokens):
- ranges: chains of comparisons (`1 ≤ N ≤ 2×10^5`, `1 \\leq A_i \\leq 10^{9}`, `0 < x, y < 100`,
  `1 ≤ K ≤ N ≤ 100`, `|A_i| ≤ 10^9`), "X is an integer between a and b (inclusive)", "not exceeding",
  `N は 1 以上 100 以下`; bounds are expressions that may name other variables (`A_i ≤ N - 1`);
- string lengths: `|S| ≤ 10`, "the length of S is between 1 and 100", "S の長さは 1 以上 10 以下";
- alphabets and choices: "consists of lowercase English letters", "consists of `1` and `9`", "S is `A`,
  `B` or `C`", 英小文字 / 英大文字 / 数字;
- integers ("All values in input are integers", 入力は全て整数), distinctness ("pairwise distinct",
  `A_i ≠ A_j (i ≠ j)`, 相異なる), `B_i ≠ C_i`, sortedness (`A_1 < A_2 < ... < A_N`, `t_i < t_{i+1}`, "sorted in
  ascending order");
- sums of a vector's elements: `m_1 + m_2 + ... + m_N ≤ X`, `2 ≤ c_1 + ... + c_M`.
A line that gives no fact is reported as not parsed, with its text (report.json); generated inputs must satisfy
every fact (check()), and a fact that a sample input violates is dropped as misread (format.py). A subscript
that is no index (`t_{i+1}`, a sum) names no variable: such a line is not parsed, never a fact about nothing.
Not covered: graphs (connected, no multi-edges), sums in prose ("the sum of N over all test cases is at most
..."), descending order, parity, divisibility, dates, geometry; such lines stay "not parsed" and only validation
by Accepted programs guards them.
"""
from __future__ import annotations

import functools
import math
import re
import string
from dataclasses import dataclass

# ------------------------------------------------------------------------------------------------ sections

_HEADING = re.compile(r"^#{1,6}\s*(.+?)\s*$", re.MULTILINE)
CONSTRAINT_HEADINGS = ("constraints", "制約")
INPUT_HEADINGS = ("input", "inputs", "入力")


def section(text: str, names: tuple[str, ...]) -> str | None:
    """The text under the first "## <name>" heading (case-insensitive) up to the next heading; None if none."""
    heads = list(_HEADING.finditer(text))
    for k, m in enumerate(heads):
        if m.group(1).strip().lower() in names:
            end = heads[k + 1].start() if k + 1 < len(heads) else len(text)
            return text[m.end():end].strip("\n")
    return None


# ------------------------------------------------------------------------------------------------ notation

_REPLACEMENTS = [
    (r"\\leqq|\\leq|\\le(?![a-z])|≦|≤|=<", " <= "), (r"\\geqq|\\geq|\\ge(?![a-z])|≧|≥|=>", " >= "),
    (r"\\neq|\\ne(?![a-z])|≠|!=", " != "), (r"\\lt(?![a-z])", " < "), (r"\\gt(?![a-z])", " > "),
    (r"\\times|×|\\cdot(?![s])", " * "), (r"\\ldots|\\cdots|\\dots|…|⋯|\.\.\.+", " ... "),
    (r"\\mathrm|\\rm|\\mathit|\\text|\\left|\\right|\\,|\\;|\\!|\\ |\\quad|~|\$|\\\(|\\\)", " "),
    (r"−|－", "-"), (r"，", ","), (r"（", "("), (r"）", ")"), (r"\\{|\\}", ""),
]


def normalise(line: str) -> str:
    """One constraint line with TeX and Unicode notation spelled the same way: <=, >=, !=, *, ..., ^."""
    s = line
    for pattern, repl in _REPLACEMENTS:
        s = re.sub(pattern, repl, s)
    s = re.sub(r"`", "", s)
    s = re.sub(r"\(=[^()]*\)", "", s)  # 499500(=1+2+...+999): an aside
    s = re.sub(r"\s*\(\s*\d+\s*<=\s*[ijk]\s*<=[^()]*\)", "", s)  # a_i (1 <= i <= N) is ...: which elements
    s = re.sub(r"[(,]?\s*(?:where )?\|\w+\| denotes the length of \w+\.?\)?", "", s)
    while re.search(r"(?<![\d.])(\d{1,3}(?:,\d{3})+)(?![\d,])", s):  # 2,000,000 -> 2000000
        s = re.sub(r"(?<![\d.])(\d{1,3}(?:,\d{3})+)(?![\d,])", lambda m: m.group(1).replace(",", ""), s)
    s = re.sub(r"\{[^{}]*\}", lambda m: m.group(0).replace(" ", ""), s)  # A_{i, 1} -> A_{i,1}
    s = " ".join(s.split())
    return re.sub(r"(?<![\d.])(\d{1,3}(?: \d{3})+)(?![\d.])", lambda m: m.group(1).replace(" ", ""), s)  # 200 000


_NAME = r"[A-Za-z][A-Za-z0-9']*(?:_(?:\{[^{}]*\}|[A-Za-z0-9]+))?"
NAME = re.compile(_NAME)
_INDEX = re.compile(r"^(?:[a-z]|[a-z],?[a-z]|[a-z]\s*,\s*[a-z])$")  # i, j, ij, i,j: "every element"
_SUBSCRIPT = re.compile(r"[A-Za-z0-9_,+\-*/()]+")  # H_1, A_N, A_{N-1}, A_{i,1}
_RELATIVE = re.compile(r"(?<![A-Za-z])[ijk](?![A-Za-z0-9])[^,]*[+\-]|[+\-][^,]*(?<![A-Za-z])[ijk](?![A-Za-z0-9])")
_WORDS = {"and", "or", "is", "are", "the", "of", "in", "an", "to", "all", "each", "it", "if", "be", "at",
          "as", "by", "for", "on", "not", "no", "with", "integer", "integers", "string", "strings", "i", "j",
          "between", "inclusive", "input", "values", "value", "number", "numbers", "most", "least", "than",
          "length", "lengths", "sum", "log", "max", "min", "mod", "gcd", "lcm", "abs", "sqrt"}


@dataclass(frozen=True)
class Ref:
    """A variable as the statement names it: base `A` and subscript; sub None = every element (A_i, A_{i,j})."""

    base: str
    sub: str | None = None

    def __str__(self) -> str:
        return self.base if self.sub is None else f"{self.base}_{self.sub}"


def parse_ref(token: str) -> Ref | None:
    """`A_i` -> Ref("A"), `H_1` -> Ref("H", "1"), `A_{i, j}` -> Ref("A"), `N` -> Ref("N"); None if not a name."""
    m = re.fullmatch(r"([A-Za-z][A-Za-z0-9']*?)(?:_\{?([^{}]*?)\}?)?", token.strip())
    if not m or m.group(1).lower() in _WORDS and m.group(2) is None and len(m.group(1)) > 1:
        return None
    base, sub = m.group(1), m.group(2)
    if sub is not None:
        sub = sub.replace(" ", "")
        if _INDEX.match(sub) or sub == "":
            sub = None
        elif not _SUBSCRIPT.fullmatch(sub) or _RELATIVE.search(sub):
            return None  # `m_1 + ... + m_N` (a sum), `t_{i+1}` (the next element): not one variable
    elif len(base) >= 2 and base[-1] in "ij" and base[:-1].isalpha() and base[:-1].lower() not in _WORDS:
        base = base[:-1]  # "Ai", "timei": AIZU statements whose <sub> lost its underscore
    return Ref(base, sub)


# ------------------------------------------------------------------------------------------------ expressions

_EXPR_TOKEN = re.compile(r"\s*(\d+(?:\.\d+)?|" + _NAME + r"|\*\*|[-+*/^(){}])")


@functools.lru_cache(maxsize=4096)
def to_python(expr: str) -> tuple[str, list[Ref]] | None:
    """A bound expression (`2 * 10^5`, `N-1`, `N(N-1)/2`, `2^{18}`, `A + B + C`) as Python source over
    variables v0, v1, ... and the Refs they stand for; None when it is not an arithmetic expression."""
    s, pos, out, refs = expr, 0, [], []
    prev = None
    while pos < len(s):
        m = _EXPR_TOKEN.match(s, pos)
        if not m:
            if s[pos:].strip() == "":
                break
            return None
        tok, pos = m.group(1), m.end()
        tok = {"{": "(", "}": ")"}.get(tok, tok)  # 2^{18}
        kind = "num" if tok[0].isdigit() else "name" if tok[0].isalpha() else tok
        if kind == "name":
            ref = parse_ref(tok)
            if ref is None:
                return None
            tok = f"v{len(refs)}"
            refs.append(ref)
        if prev in ("num", "name", ")") and kind in ("num", "name", "("):
            out.append("*")  # 2N, N(N-1)
        out.append("**" if tok == "^" else tok)
        prev = kind
    if not out:
        return None
    src = "".join(out)
    try:
        compile(src, "<bound>", "eval")
    except SyntaxError:
        return None
    return src, refs


def evaluate(expr: str, values: dict[Ref, float]) -> float | None:
    """The value of a bound expression given variable values (a Ref's exact subscript first, then its base);
    None when a variable is unknown. Only arithmetic reaches eval (to_python admits nothing else)."""
    parsed = to_python(expr)
    if parsed is None:
        return None
    src, refs = parsed
    if not refs:
        return _constant(src)
    env = {}
    for k, ref in enumerate(refs):
        value = values.get(ref)
        if value is None:
            return None
        env[f"v{k}"] = value
    try:
        return eval(_code(src), {"__builtins__": {}}, env)  # noqa: S307 (arithmetic over numbers only)
    except (ArithmeticError, OverflowError, ValueError, TypeError):
        return None


@functools.lru_cache(maxsize=4096)
def _code(src: str):
    return compile(src, "<bound>", "eval")


@functools.lru_cache(maxsize=4096)
def _constant(src: str) -> float | None:
    try:
        return eval(_code(src), {"__builtins__": {}}, {})  # noqa: S307 (arithmetic over numbers only)
    except (ArithmeticError, OverflowError, ValueError, TypeError):
        return None


# ------------------------------------------------------------------------------------------------ facts


@dataclass(frozen=True)
class Fact:
    """One fact about one variable (or, with ref None, about every value of the input).

    kind: "range" (lo/hi bound expressions, strict or not: for a string variable, |S| gives kind "length"),
    "abs" (|X| <= hi: a length for strings, a symmetric range for numbers), "length", "alphabet" (chars),
    "choices" (values), "integer", "distinct", "sorted" (strict: increasing), "neq" (other: elementwise !=),
    "permutation" (of lo..lo+n-1), "sum" (lo/hi bound the sum of every element)."""

    kind: str
    ref: Ref | None
    lo: str | None = None
    hi: str | None = None
    lo_strict: bool = False
    hi_strict: bool = False
    chars: str = ""
    values: tuple[str, ...] = ()
    other: Ref | None = None
    strict: bool = False
    line: str = ""

    def describe(self) -> str:
        who = str(self.ref) if self.ref else "*"
        if self.kind in ("range", "abs", "length", "sum"):
            lo = f"{self.lo} {'<' if self.lo_strict else '<='} " if self.lo is not None else ""
            hi = f" {'<' if self.hi_strict else '<='} {self.hi}" if self.hi is not None else ""
            name = {"range": who, "abs": f"|{who}|", "length": f"len({who})", "sum": f"sum({who})"}[self.kind]
            return f"{lo}{name}{hi}"
        if self.kind == "alphabet":
            return f"{who} over {self.chars!r}"
        if self.kind == "choices":
            return f"{who} in {list(self.values)}"
        if self.kind == "neq":
            return f"{who} != {self.other}"
        return f"{who} {self.kind}" + (" (strict)" if self.strict else "")


_OPS = re.compile(r"(<=|>=|!=|<|>|=)")
_QUALIFIER = re.compile(r"\(\s*(?:[a-z]\s*(?:<=|<|!=|=|>=|>)[^()]*|[^()]*(?:<=|<)\s*[a-z]\s*(?:<=|<)[^()]*)\)\s*$")
ALPHABETS = {
    "lowercase": string.ascii_lowercase, "uppercase": string.ascii_uppercase, "digit": string.digits,
    "英小文字": string.ascii_lowercase, "英大文字": string.ascii_uppercase, "数字": string.digits,
}


def _refs_term(term: str) -> list[Ref] | None:
    """A term that lists variables (`N`, `A_i, B_i`, `x_1, y_1, x_2`), or None."""
    parts = [p.strip() for p in re.split(r",(?![^{]*\})", term)]
    refs = [parse_ref(p) for p in parts]
    if not parts or any(r is None for r in refs):
        return None
    return refs


def _number_or_expr(term: str) -> str | None:
    term = term.strip()
    return term if term and to_python(term) is not None else None


def _chain(line: str) -> list[Fact]:
    """Facts from a comparison chain: `lo <= X, Y <= hi`, `X < Y`, `|S| <= 10`, `A_1 < ... < A_N`."""
    line = _QUALIFIER.sub("", line).strip().rstrip(".")
    parts = _OPS.split(line)
    if len(parts) < 3:
        return []
    terms, ops = [p.strip() for p in parts[0::2]], parts[1::2]
    if any(not t for t in terms):
        return []
    facts: list[Fact] = []
    # t_i < t_{i+1}, T_i <= T_{i+1}: sorted (A_i >= A_{i+1}, a descending order, is no fact we have)
    if len(ops) == 1:
        m = re.fullmatch(r"([A-Za-z][A-Za-z0-9']*)_\{?i\}?", terms[0])
        if m and re.fullmatch(re.escape(m.group(1)) + r"_\{?i\+1\}?", terms[1]):
            return [Fact("sorted", Ref(m.group(1)), strict=ops[0] == "<", line=line)] if ops[0] in ("<", "<=") else []
    # A_1 < A_2 < ... < A_N (possibly between numeric ends): sorted
    if any(t == "..." for t in terms) and all(op in ("<", "<=") for op in ops):
        dots = [k for k, t in enumerate(terms) if t == "..."]
        inner = [parse_ref(terms[k]) for d in dots for k in (d - 1, d + 1) if 0 <= k < len(terms)]
        bases = {r.base for r in inner if r is not None}
        if len(bases) == 1 and len(inner) >= 2 and None not in inner:
            base = Ref(bases.pop())
            strict = all(op == "<" for op in ops[1:-1]) if len(ops) > 2 else ops[0] == "<"
            facts.append(Fact("sorted", base, strict=strict, line=line))
            def outside(term: str) -> bool:  # an end of the chain that is not an element of the vector itself
                ref = parse_ref(term)
                return _number_or_expr(term) is not None and (ref is None or ref.base != base.base)

            if outside(terms[0]):
                facts.append(Fact("range", base, lo=terms[0], lo_strict=ops[0] == "<", line=line))
            if outside(terms[-1]):
                facts.append(Fact("range", base, hi=terms[-1], hi_strict=ops[-1] == "<", line=line))
            return facts
        return []
    if len(ops) == 1 and ops[0] == "!=":
        left, right = _refs_term(terms[0]), _refs_term(terms[1])
        if left and right and len(left) == len(right) == 1:
            a, b = left[0], right[0]
            if a.base == b.base:
                return [Fact("distinct", Ref(a.base), line=line)]  # A_i != A_j (i != j)
            return [Fact("neq", a, other=b, line=line)]
        return []
    if "!=" in ops:
        return []
    if any(op in (">", ">=") for op in ops):  # a >= b >= c: read right to left
        if not all(op in (">", ">=") for op in ops):
            return []
        terms, ops = terms[::-1], [{">": "<", ">=": "<="}[op] for op in ops[::-1]]
    if "=" in ops:
        if len(ops) == 1:  # D = 365, |T| = |S| + 1
            return _chain_link(terms[0], "<=", terms[1], line) + _chain_link(terms[1], "<=", terms[0], line)
        return []
    for k, op in enumerate(ops):
        facts += _chain_link(terms[k], op, terms[k + 1], line)
    # transitive numeric ends: 1 <= K <= N <= 10^5 gives N >= 1 and K <= 10^5 too
    # ends that bound the others: numbers, expressions and single variables (1 <= A_i < B_i <= N: A_i < N)
    numeric = [k for k, t in enumerate(terms) if _number_or_expr(t) and len(_refs_term(t) or [None]) == 1]
    for k, t in enumerate(terms):
        refs = _refs_term(t) or _abs_refs(t) or []
        if not refs or t in (terms[0], terms[-1]) and len(terms) == 2:
            continue
        kind = "abs" if _abs_refs(t) else "range"
        for lo_k in [n for n in numeric if n < k - 1]:
            facts += [Fact(kind, r, lo=terms[lo_k], lo_strict="<" in ops[lo_k:k], line=line) for r in refs]
        for hi_k in [n for n in numeric if n > k + 1]:
            facts += [Fact(kind, r, hi=terms[hi_k], hi_strict="<" in ops[k:hi_k], line=line) for r in refs]
    return facts


def _abs_ref(term: str) -> Ref | None:
    m = re.fullmatch(r"\|\s*(" + _NAME + r")\s*\|", term.strip())
    return parse_ref(m.group(1)) if m else None


def _abs_refs(term: str) -> list[Ref] | None:
    """`|S|` or `|x_1|, |y_1|`: the variables inside the bars, or None."""
    parts = [p.strip() for p in re.split(r",(?![^{]*\})", term)]
    refs = [_abs_ref(p) for p in parts]
    return refs if parts and None not in refs else None


def _sum_ref(term: str) -> Ref | None:
    """`m_1 + m_2 + ... + m_N` (the elements of one vector, with `+` and `...`): Ref("m"), else None."""
    tokens = re.findall(r"\.\.\.|\+|" + _NAME + r"|\S", term)
    names = [t for t in tokens if t not in ("+", "...")]
    if ("+" not in tokens or "..." not in tokens or len(names) < 2 or tokens[0] != names[0]
            or tokens[-1] != names[-1] or not all(NAME.fullmatch(t) and "_" in t for t in names)):
        return None
    bases = {t.split("_", 1)[0] for t in names}
    return Ref(bases.pop()) if len(bases) == 1 else None


def _chain_link(left: str, op: str, right: str, line: str) -> list[Fact]:
    """Facts of `left op right` (op < or <=): bounds on whichever side names variables (or sums a vector)."""
    strict = op == "<"
    out = []
    for total, bound, upper in ((_sum_ref(left), right, True), (_sum_ref(right), left, False)):
        if total is not None and _number_or_expr(bound) is not None:
            out.append(Fact("sum", total, hi=bound, hi_strict=strict, line=line) if upper
                       else Fact("sum", total, lo=bound, lo_strict=strict, line=line))
    lrefs, rrefs = _refs_term(left) or _abs_refs(left), _refs_term(right) or _abs_refs(right)
    rexpr, lexpr = _number_or_expr(_len_expr(right)), _number_or_expr(_len_expr(left))
    if lrefs and rexpr is not None:
        kind = "abs" if _abs_refs(left) else "range"
        out += [Fact(kind, r, hi=rexpr, hi_strict=strict, line=line) for r in lrefs]
    if rrefs and lexpr is not None:
        kind = "abs" if _abs_refs(right) else "range"
        out += [Fact(kind, r, lo=lexpr, lo_strict=strict, line=line) for r in rrefs]
    return out


def _len_expr(expr: str) -> str:
    """|S| inside a bound (|T| <= |S| + 1) is written len_S, a name evaluate() resolves to S's length."""
    return re.sub(r"\|\s*(" + _NAME + r")\s*\|", lambda m: f"len_{{{m.group(1)}}}", expr)


def _names_in(text: str) -> list[Ref]:
    """Variables named in a prose sentence: short names (`S`, `T`, `S_i`, `A_{i}`), not English words."""
    out = []
    for m in re.finditer(r"(?<![A-Za-z0-9_])(" + _NAME + r")(?![A-Za-z0-9_'])", text):
        tok = m.group(1)
        if tok.lower() in _WORDS or (len(tok.split("_")[0]) > 2 and "_" not in tok) or tok in ("A", "a") and \
                re.match(r"\s+(string|positive|non|lowercase|uppercase|number|sequence|permutation|valid|pair)",
                         text[m.end():]):
            continue
        ref = parse_ref(tok)
        if ref is not None and ref not in out:
            out.append(ref)
    return out


def _items(text: str) -> list[str]:
    """`A`, `B`, or `C` / A, B and C / 0 and 1 -> ["A", "B", "C"]."""
    text = re.sub(r"\b(?:either|one of|only|the characters?|letters?)\b", " ", text)
    parts = re.split(r",\s*(?:and|or)\s+|\s+(?:and|or)\s+|,\s*|、|\s*または\s*|\s*か\s*", text.strip().rstrip(". "))
    items = [p.strip().strip("'\"") for p in parts if p.strip()]
    for k in range(len(items) - 2, 0, -1):  # 1, 2, ..., 9 / a, b, ..., z
        a, b = items[k - 1], items[k + 1]
        if items[k] == "..." and len(a) == len(b) == 1 and ord(a) < ord(b):
            items[k:k + 1] = [chr(c) for c in range(ord(a) + 1, ord(b))]
    return list(dict.fromkeys(items))


def _prose(line: str) -> list[Fact]:
    """Facts from sentences (English and Japanese)."""
    line = re.sub(r"\s*\([^()]*(?:<=|<)[^()]*\)", "", line)  # S_i (1 <= i <= N) is ...: the qualifier names no fact
    low = line.lower()
    facts: list[Fact] = []
    if re.search(r"(all (the )?(values|numbers|input values|inputs?)( given)?( in (the )?input)? are integers|"
                 r"入力は(すべて|全て)整数|入力される値は(すべて|全て)整数|入力中の値は(すべて|全て)整数)", low):
        facts.append(Fact("integer", None, line=line))
        m = re.search(r"between (\S+) and (\S+)", line)
        if m and to_python(m.group(1)) and to_python(m.group(2).rstrip(".")):
            facts.append(Fact("range", None, lo=m.group(1), hi=m.group(2).rstrip("."), line=line))
        return facts
    subject = re.match(r"^(?:each (?:of |character (?:in|of) )?)?(.+?)\s+(?:is|are|has|have|consists?|contains?|は|の)"
                       r"(?=\s|[^A-Za-z])", line)
    refs = _names_in(subject.group(1)) if subject else []
    m = re.search(r"(?:the )?lengths? of (.+?) (?:is|are) (?:between|at least|at most)", line, re.I)
    if m:
        refs = _names_in(m.group(1))
    if not refs:
        m = re.match(r"^(.+?)\s*は", line)
        refs = _names_in(m.group(1)) if m else []
    if not refs:
        return facts
    between = re.search(r"between (.+?) and (.+?)(?: \(inclusive\))?(?:[.,]|$| consisting| and | \()", line)
    jp = re.search(r"(\S+)\s*以上\s*(\S+?)\s*以下", line)
    is_length = re.search(r"length|長さ|文字", low)
    if between or jp:
        lo, hi = (between.group(1), between.group(2)) if between else (jp.group(1), jp.group(2))
        if to_python(lo) and to_python(hi):
            kind = "length" if is_length else "range"
            facts += [Fact(kind, r, lo=lo, hi=hi, line=line) for r in refs]
    m = re.search(r"(?:not exceeding|at most|or less|以下) (\S+?)[.]?$|(\S+) 以下", line)
    if not facts and m and re.search(r"positive integer|natural number", low):
        hi = m.group(1) or m.group(2)
        if to_python(hi):
            facts += [Fact("range", r, lo="1", hi=hi, line=line) for r in refs]
    if re.search(r"\bis an? (non-negative |positive )?integers?\b|are (non-negative |positive )?integers\b|は整数",
                 low) and not facts:
        facts += [Fact("integer", r, line=line) for r in refs]
        if "positive" in low:
            facts += [Fact("range", r, lo="1", line=line) for r in refs]
        if "non-negative" in low:
            facts += [Fact("range", r, lo="0", line=line) for r in refs]
    if re.search(r"pairwise distinct|all distinct|are distinct|all different|are different|相異なる|互いに異なる", low):
        facts += [Fact("distinct", Ref(r.base), line=line) for r in refs]
    if re.search(r"sorted in ascending order|in ascending order|昇順", low):
        facts += [Fact("sorted", Ref(r.base), line=line) for r in refs]
    named = [key for key in ALPHABETS if key in low]
    clause = re.search(r"consist(?:s|ing)? (?:only )?of (?:the )?(?:digits?|letters?|characters?) (.+?)(?:\.|$)", line)
    listed = _items(clause.group(1)) if clause else []
    if listed and all(len(i) == 1 for i in listed):  # "consisting of digits `1` and `9`": those, not all digits
        facts += [Fact("alphabet", r, chars="".join(sorted(set(listed))), line=line) for r in refs]
    elif named and re.search(r"consist|letters?\b|characters|contains? only|からなる|のみ|文字", low):
        chars = set("".join(ALPHABETS[k] for k in named))
        m = re.search(r"(?:consist(?:s|ing)? of|からなる).*", line)
        extra = [i for i in _items(m.group(0)) if len(i) == 1 and not i.isalnum()] if m else []
        chars |= set(extra)  # "consists of digits and ?"
        facts += [Fact("alphabet", r, chars="".join(sorted(chars)), line=line) for r in refs]
    else:
        m = re.search(r"consist(?:s|ing)? (?:only )?of (.+?)(?:\.|$)", line) or \
            re.search(r"^.+?は\s*(.+?)\s*(?:のみ)?からなる", line)
        run = re.fullmatch(r"(?:the )?characters? (\S+) only", m.group(1)) if m else None
        if run:  # "consists of the characters ()[]{} only"
            facts += [Fact("alphabet", r, chars="".join(sorted(set(run.group(1)))), line=line) for r in refs]
        elif m and not re.search(r"letters|characters|digits|integers", m.group(1)):
            items = _items(m.group(1))
            if len(items) == 1 and re.fullmatch(r"[^\w\s]{2,}", items[0]):
                items = list(items[0])  # "the characters ()[]{} only"
            if items and all(len(i) == 1 for i in items):
                facts += [Fact("alphabet", r, chars="".join(sorted(set(items))), line=line) for r in refs]
    m = re.search(r"^(.+?) (?:is|are) (?:either |one of )?(.+?)\.?$", line)
    if not facts and m and re.search(r"\bor\b", m.group(2)) and not re.search(r"integer|string|number|letter",
                                                                             m.group(2)):
        items = _items(m.group(2))
        if items and all(re.fullmatch(r"\S{1,12}", i) for i in items):
            per_char = re.search(r"\bcharacters?\b|\bletters?\b", m.group(1).lower()) and all(len(i) == 1 for i in items)
            kind = "alphabet" if per_char else "choices"  # "each character of S is L or R"
            facts += [Fact(kind, r, values=() if per_char else tuple(items),
                           chars="".join(sorted(items)) if per_char else "", line=line) for r in refs]
    m = re.search(r"(?:is a string of length|is|are) (\S+?) characters? long|(?:is a string of length|length of \S+ is) "
                  r"(\S+?)\.?$", line)
    if m and to_python(m.group(1) or m.group(2)) and not any(f.kind == "length" for f in facts):
        n = m.group(1) or m.group(2)
        facts += [Fact("length", r, lo=n, hi=n, line=line) for r in refs]
    m = re.search(r"is a permutation of (?:\(\s*)?(0|1)\s*,\s*(?:1|2)\s*,", line)
    if m:
        facts += [Fact("permutation", Ref(r.base), lo=m.group(1), line=line) for r in refs[:1]]
    if re.search(r"non-empty", low) and not any(f.kind in ("length",) for f in facts):
        facts += [Fact("length", r, lo="1", line=line) for r in refs]
    return facts


def parse_line(line: str) -> list[Fact]:
    """The facts of one constraint line ([] when it says nothing this parser reads)."""
    norm = normalise(line)
    if not norm:
        return []
    facts = _chain(norm) if _OPS.search(norm) and not re.search(r"[a-z]{3,} [a-z]{3,} [a-z]{3,}", norm) else []
    return list(dict.fromkeys(facts or _prose(norm)))


@dataclass
class Parsed:
    """The Constraints section of one statement: its facts, and the lines that gave none."""

    facts: list[Fact]
    parsed: list[str]
    not_parsed: list[str]
    has_section: bool

    def report(self) -> dict:
        return {"section": self.has_section, "facts": [f.describe() for f in self.facts],
                "lines_parsed": len(self.parsed), "not_parsed": self.not_parsed}


def parse_constraints(statement: str) -> Parsed:
    """Facts of a statement's Constraints / 制約 section (none found: an empty Parsed with has_section False)."""
    text = section(statement, CONSTRAINT_HEADINGS)
    if text is None:
        return Parsed([], [], [], False)
    facts, parsed, not_parsed = [], [], []
    for raw in text.split("\n"):
        line = raw.strip()
        if not line or line.lower().rstrip(":") in ("you can assume that", "constraints"):
            continue
        found = parse_line(line)
        (parsed if found else not_parsed).append(line)
        facts += [f for f in found if f not in facts]
    return Parsed(facts, parsed, not_parsed, True)


# ------------------------------------------------------------------------------------------------ checking


MAX_INT_DIGITS = 4000


def number(token: str) -> int | float | None:
    """An int for integer tokens (exact, 10^18 included), a float for reals, None for anything else: a digit
    string too long for Python's int() (over sys.get_int_max_str_digits(), 4300) is a string of digits."""
    if re.fullmatch(r"[+-]?\d+", token):
        return int(token) if len(token) <= MAX_INT_DIGITS else None
    try:
        value = float(token)
    except ValueError:
        return None
    return value if math.isfinite(value) else None
