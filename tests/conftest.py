"""Shared fixtures: tiny CodeNet-layout trees written on the fly, and the repo root."""
from __future__ import annotations

import csv
from pathlib import Path

import pytest

from pipeline import codenet

REPO = Path(__file__).resolve().parents[1]
SAMPLE_ROOT = REPO / "data" / "codenet-sample" / "Project_CodeNet"

AIZU_HTML = """<H1>Add</H1>
<p>Print the sum of <var>a</var> and <var>b</var>.</p>
<H2>Sample Input 1</H2>
<pre>
1 2
</pre>
<H2>Sample Output 1</H2>
<pre>
3
</pre>
<H2>Sample Input 2</H2>
<pre>
5 7
</pre>
<H2>Sample Output 2</H2>
<pre>
12
</pre>
"""


def write_tree(root: Path, problems: dict[str, list[dict]], html: str = AIZU_HTML, metadata: bool = True) -> Path:
    """A CodeNet tree with the given problems: {problem_id: [submission dicts]}.

    A submission dict has `code` (str or bytes; None = no file) and optional metadata overrides."""
    (root / "data").mkdir(parents=True, exist_ok=True)
    rows = []
    for i, (pid, subs) in enumerate(problems.items()):
        rows.append([pid, f"Problem {i}", "AIZU", "1000", "131072", "", "", ""])
        (root / "problem_descriptions").mkdir(parents=True, exist_ok=True)
        (root / "problem_descriptions" / f"{pid}.html").write_text(html)
        derived = root / "derived" / "input_output" / "data" / pid
        derived.mkdir(parents=True, exist_ok=True)
        (derived / "input.txt").write_text("1 2\n")
        (derived / "output.txt").write_text("3\n")
        meta_rows = []
        for j, sub in enumerate(subs):
            sid = sub.get("submission_id", f"s{i:03d}{j:06d}")
            lang = sub.get("language", "Python")
            ext = "py" if lang == "Python" else "cpp"
            code = sub.get("code", "print(sum(map(int, input().split())))\n")
            if code is not None:
                path = root / "data" / pid / lang / f"{sid}.{ext}"
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(code if isinstance(code, bytes) else code.encode())
            meta_rows.append(
                sub.get("raw_row")
                or [
                    sid, pid, "u000000001", "1500000000", lang, sub.get("original_language", "Python3"), ext,
                    sub.get("status", "Accepted"), "10", "5000", "40", "2/2",
                ]
            )
        if metadata:
            (root / "metadata").mkdir(parents=True, exist_ok=True)
            with (root / "metadata" / f"{pid}.csv").open("w", newline="") as fh:
                w = csv.writer(fh)
                w.writerow(codenet.METADATA_HEADER)
                w.writerows(meta_rows)
    if metadata:
        with (root / "metadata" / "problem_list.csv").open("w", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(codenet.PROBLEM_LIST_HEADER)
            w.writerows(rows)
    return root


@pytest.fixture
def tree(tmp_path):
    def make(problems, **kw):
        return write_tree(tmp_path / "Project_CodeNet", problems, **kw)

    return make


@pytest.fixture(scope="session")
def tokenizer():
    from pipeline.model import bundled_tokenizer

    return bundled_tokenizer()


@pytest.fixture(scope="session")
def tiny_model_dir(tokenizer, tmp_path_factory) -> Path:
    from pipeline.model import save_tiny_model

    return save_tiny_model(tmp_path_factory.mktemp("tiny-llama"), tokenizer)
