"""benchmarks/RESULTS.md is shared by every benchmark script: each one owns one `## ` section of it."""
from __future__ import annotations

import re
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"


def write_section(section: str, text: str, results: Path = RESULTS) -> None:
    """Replace (or append) the section headed `section` (a `## ...` line) with `text`, leaving the others."""
    old = results.read_text() if results.exists() else "# Benchmark results\n"
    pattern = re.compile(rf"^{re.escape(section)}\n.*?(?=^## |\Z)", re.S | re.M)
    new = pattern.sub(lambda _: text, old) if pattern.search(old) else old.rstrip("\n") + "\n\n" + text
    results.write_text(new)
