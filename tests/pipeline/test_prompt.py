"""build_prompt: long sample blocks and lines are shortened, short statements pass through unchanged."""
from pipeline.prompt import INSTRUCTION, build_prompt


def test_short_statement_is_kept_whole():
    statement = "Read N.\n\n## Sample Input 1\n\n3\n1 2\n\n## Sample Output 1\n\n3"
    assert build_prompt(statement) == f"{INSTRUCTION}\n\n## Problem\n\n{statement}\n"


def test_long_sample_block_keeps_its_head_and_counts_the_rest():
    sample = [f"{i} {i + 1} {i * 7}" for i in range(150)]
    statement = "Find the path.\n\n## Sample Input 3\n\n" + "\n".join(sample) + "\n\n## Sample Output 3\n\n42"
    prompt = build_prompt(statement, max_block_lines=12)
    assert "\n".join(sample[:10]) + "\n... (140 more lines)\n\n## Sample Output 3\n\n42" in prompt
    assert sample[10] not in prompt.split("\n")


def test_block_at_the_limit_and_long_lines():
    block = "\n".join(str(i) for i in range(12))
    assert block in build_prompt("Intro\n\n" + block, max_block_lines=12)
    prompt = build_prompt("x " * 1000, max_line_chars=400)
    assert prompt.endswith(" ...\n") and len(prompt) < len(INSTRUCTION) + 450


def test_statement_cap_applies_after_shortening():
    statement = "\n\n".join("word " * 50 for _ in range(100))
    prompt = build_prompt(statement, max_statement_chars=1000)
    assert prompt.endswith("\n...\n")
    assert len(prompt) <= len(INSTRUCTION) + 1000 + 20
