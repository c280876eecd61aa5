"""Readers for the pieces of a Project CodeNet tree (see shared CODENET_FORMAT.md): statements, sample tests,
language versions and code normalisation. Pure functions, no I/O policy: pipeline/ingest.py decides what to keep.
"""
from __future__ import annotations

import functools
import hashlib
import html
import re
from html.parser import HTMLParser

from sandbox.judge import JUDGED_VERDICTS

# CodeNet's status vocabulary (metadata/pXXXXX.csv `status`): the verdicts our judge also gives (the sandbox
# owns those strings), and the statuses only CodeNet's judges record (their own failures, interactive problems).
STATUSES = (
    *JUDGED_VERDICTS,
    "Judge Not Available",
    "Internal error",
    "Query Limit Exceeded",
    "Judge System Error",
)

METADATA_HEADER = (
    "submission_id,problem_id,user_id,date,language,original_language,filename_ext,status,"
    "cpu_time,memory,code_size,accuracy"
).split(",")
PROBLEM_LIST_HEADER = "id,name,dataset,time_limit,memory_limit,rating,tags,complexity".split(",")

PROBLEM_ID = re.compile(r"^p\d{5}$")
SUBMISSION_ID = re.compile(r"^s\d{9}$")


@functools.lru_cache(maxsize=4096)  # a few dozen distinct spellings over 13.9 M rows
def python_version(original_language: str, dataset: str) -> int:
    """2, 3, or 0 (unknown) from CodeNet's `original_language`.

    AtCoder spells the version out (`Python (3.8.2)`, `PyPy2 (5.6.0)`); on AIZU a bare `Python` is Python 2 and
    `Python3` is Python 3 (CODENET_FORMAT.md).
    """
    lang = original_language.strip().lower()
    m = re.match(r"^(?:python|pypy)\s*\(?\s*([23])", lang)
    if m:
        return int(m.group(1))
    if lang == "python":
        return 2 if dataset == "AIZU" else 0
    return 0


_TRAILING_BLANKS = re.compile(r"[^\S\n]+$", re.MULTILINE)
_INNER_BLANKS = re.compile(r"(?<=\S)[^\S\n]+(?=\S)")
_BLANK_LINES = re.compile(r"\n{2,}")


def normalise_code(code: str) -> str:
    """Whitespace-normalised code for duplicate detection: CRLF -> LF, trailing blanks and blank lines dropped,
    runs of inner whitespace collapsed. Leading indentation is kept, since it is Python syntax.
    (Regexes rather than a loop over lines: ingest hashes millions of programs.)"""
    code = code.replace("\r\n", "\n").replace("\r", "\n")
    code = _INNER_BLANKS.sub(" ", _TRAILING_BLANKS.sub("", code))
    return _BLANK_LINES.sub("\n", code).strip("\n")


def code_hash(code: str) -> str:
    return hashlib.sha256(normalise_code(code).encode("utf-8")).hexdigest()


# --------------------------------------------------------------------------------------------------
# Statements

_BLOCK_TAGS = {"p", "div", "section", "h1", "h2", "h3", "h4", "h5", "h6", "pre", "br", "li", "ul", "ol", "tr", "table"}
_SAMPLE_HEADING = re.compile(
    r"^\s*(?:(sample\s*input|入力例)|(sample\s*output|出力例))\s*(\d*)\s*$", re.IGNORECASE
)


class _StatementParser(HTMLParser):
    """Collects plain text (blocks on their own lines, <pre> kept verbatim), headings, and the <pre> blocks
    with the heading that precedes each. AtCoder pages carry a Japanese and an English copy
    (`<span class="lang-ja">`, `<span class="lang-en">`): the text is taken from the English one when present."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: dict[str, list[str]] = {"all": [], "en": []}
        self.lang_stack: list[str | None] = []
        self.in_pre = 0
        self.in_heading = False
        self.heading_text: list[str] = []
        self.last_heading = ""
        self.pre_text: list[str] = []
        self.pres: list[tuple[str, str]] = []  # (heading, pre text)

    def _lang(self) -> str | None:
        return next((lang for lang in reversed(self.lang_stack) if lang), None)

    def _emit(self, text: str) -> None:
        self.parts["all"].append(text)
        if self._lang() == "en":
            self.parts["en"].append(text)

    def handle_starttag(self, tag, attrs):
        if tag == "span":
            classes = dict(attrs).get("class") or ""
            lang = "en" if "lang-en" in classes else "ja" if "lang-ja" in classes else None
            self.lang_stack.append(lang)
        if tag in _BLOCK_TAGS:
            self._emit("\n")
        if tag in {"h1", "h2", "h3", "h4", "h5", "h6"}:
            self.in_heading = True
            self.heading_text = []
            self._emit("## " if tag != "h1" else "# ")
        if tag == "pre":
            self.in_pre += 1
            self.pre_text = []
        if tag in ("sub", "sup") and not self.in_pre:
            # 10<sup>9</sup> must not read as 109, nor a<sub>i</sub> as ai (constraints, prompts)
            self._emit("_{" if tag == "sub" else "^{")

    def handle_endtag(self, tag):
        if tag in ("sub", "sup") and not self.in_pre:
            self._emit("}")
        if tag == "span" and self.lang_stack:
            self.lang_stack.pop()
        if tag in {"h1", "h2", "h3", "h4", "h5", "h6"} and self.in_heading:
            self.in_heading = False
            self.last_heading = " ".join("".join(self.heading_text).split())
        if tag == "pre" and self.in_pre:
            self.in_pre -= 1
            self.pres.append((self.last_heading, "".join(self.pre_text)))
        if tag in _BLOCK_TAGS:
            self._emit("\n")

    def handle_data(self, data):
        if self.in_heading:
            self.heading_text.append(data)
        if self.in_pre:
            self.pre_text.append(data)
            self._emit(data)
        else:
            # Collapse HTML whitespace but keep a word boundary at either end ("<var>a</var> and").
            words = " ".join(data.split())
            lead = " " if data[:1].isspace() else ""
            tail = " " if data[-1:].isspace() and words else ""
            self._emit(lead + words + tail)


_ONE_CHAR_SCRIPT = re.compile(r"([_^])\{\s*(\w)\s*\}")


def _clean_text(parts: list[str]) -> str:
    text = _ONE_CHAR_SCRIPT.sub(r"\1\2", "".join(parts))  # a_{i} -> a_i, 10^{9} -> 10^9; a_{i+1} stays
    lines = [line.rstrip() for line in text.split("\n")]
    out, blank = [], False
    for line in lines:
        if not line.strip():
            blank = bool(out)
            continue
        if blank:
            out.append("")
        out.append(line)
        blank = False
    return "\n".join(out).strip() + "\n"


def _sample_text(pre: str) -> str:
    """A <pre> sample as the judge feeds it (HTML ignores one newline right after <pre>)."""
    text = normalise_test_text(pre)
    return normalise_test_text(text[1:] if text.startswith("\n") else text)


def parse_statement(html_text: str) -> tuple[str, list[tuple[str, str]]]:
    """Plain-text statement and the (input, output) sample pairs found under "Sample Input N" /
    "Sample Output N" (or 入力例 N / 出力例 N) headings, in order, de-duplicated (AtCoder pages repeat
    them in both languages). Unpaired samples are dropped."""
    parser = _StatementParser()
    parser.feed(html_text)
    parser.close()
    text = _clean_text(parser.parts["en"] if "".join(parser.parts["en"]).strip() else parser.parts["all"])
    inputs: dict[str, str] = {}
    outputs: dict[str, str] = {}
    order: list[str] = []
    for heading, pre in parser.pres:
        m = _SAMPLE_HEADING.match(html.unescape(heading))
        if not m:
            continue
        key = m.group(3) or "1"
        target = inputs if m.group(1) else outputs
        if key not in target:  # the first copy (ja or en) wins; the other is a repeat
            target[key] = _sample_text(pre)
            if key not in order:
                order.append(key)
    pairs = []
    for key in order:
        if key in inputs and key in outputs and inputs[key]:
            pair = (inputs[key], outputs[key])
            if pair not in pairs:
                pairs.append(pair)
    return text, pairs


def normalise_test_text(text: str) -> str:
    """Stored form of a test input or output: LF line ends and exactly one final newline ("" stays "").

    The judge ignores line-end style and trailing newlines, and Python programs that split on '\\n' must not
    see CRLF; one form also lets the derived test and the statement's first sample de-duplicate."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text.rstrip("\n") + "\n" if text.strip() else ""
