"""The one prompt format shared by the groups stage, training, evaluation and online RL.

Format (documented in the README):
- ``build_prompt(statement)`` is the model-agnostic instruction: the task, the statement (long sample blocks and
  lines shortened), and the rule that the answer is a complete Python 3 program reading stdin and writing
  stdout, in one ```python block.
- ``render_prompt(tokenizer, prompt)`` wraps it in the model's chat template when the tokenizer has one
  (a user turn plus the generation prompt), else appends a plain ``### Solution`` header.
- ``format_completion(code)`` is the training target: the program in a fenced ```python block.
- ``extract_program(completion)`` is its inverse for generated text: the first ```python (or ```py, or bare
  ```) block; an unterminated block runs to the end; blocks in other languages are skipped (the first one is
  taken only when there is no python block); with no fence the whole text is taken as code.
"""
from __future__ import annotations

import re

INSTRUCTION = (
    "Solve the following programming problem in Python 3. Write a complete program that reads the input "
    "from standard input and prints the answer to standard output. Reply with the program in a single "
    "```python code block."
)

_OPEN_FENCE = re.compile(r"^[ \t]*```[ \t]*([\w+-]*)[ \t]*$")
_CLOSE_FENCE = re.compile(r"^[ \t]*```[ \t]*$")
PYTHON_TAGS = {"", "python", "python3", "py"}


def build_prompt(statement: str, max_statement_chars: int = 6000, max_block_lines: int = 12,
                 max_line_chars: int = 400) -> str:
    """Instruction + problem statement, shortened where CodeNet statements are long for no gain to a model:
    a run of more than ``max_block_lines`` consecutive non-empty lines (a large sample input, say) keeps its
    first ``max_block_lines - 2`` lines and says how many were left out; a line over ``max_line_chars`` is cut;
    and the whole statement is cut at ``max_statement_chars`` (a few problems have many pages). Numbers
    tokenise digit by digit, so one 150-line sample alone is thousands of prompt tokens."""
    lines = statement.strip().replace("\r\n", "\n").split("\n")
    kept: list[str] = []
    run: list[str] = []
    for line in lines + [""]:
        if line.strip():
            run.append(line if len(line) <= max_line_chars else line[:max_line_chars].rstrip() + " ...")
            continue
        if len(run) > max_block_lines:
            head = max_block_lines - 2
            run = run[:head] + [f"... ({len(run) - head} more lines)"]
        kept += run + [line]
        run = []
    statement = "\n".join(kept).strip()
    if len(statement) > max_statement_chars:
        statement = statement[:max_statement_chars].rstrip() + "\n..."
    return f"{INSTRUCTION}\n\n## Problem\n\n{statement}\n"


def render_prompt(tokenizer, prompt: str) -> str:
    """The text the model sees before the completion (chat template when the model has one)."""
    if getattr(tokenizer, "chat_template", None):
        return tokenizer.apply_chat_template(
            [{"role": "user", "content": prompt}], tokenize=False, add_generation_prompt=True
        )
    return prompt + "\n### Solution\n"


def format_completion(code: str) -> str:
    """The training target for a program: a fenced python block (CRLF normalised, trailing blanks cut)."""
    code = code.replace("\r\n", "\n").rstrip()
    return f"```python\n{code}\n```"


def extract_program(completion: str) -> str:
    """The program inside a completion; see the module docstring for the rule. Fences are paired line by
    line, so a ```text block before the program (sample output, say) is skipped, not mistaken for code."""
    lines = completion.replace("\r\n", "\n").split("\n")
    first_block = None
    i = 0
    while i < len(lines):
        opening = _OPEN_FENCE.match(lines[i])
        if not opening:
            i += 1
            continue
        end = next((j for j in range(i + 1, len(lines)) if _CLOSE_FENCE.match(lines[j])), len(lines))
        body = "\n".join(lines[i + 1 : end]).strip("\n") + "\n"
        if opening.group(1).lower() in PYTHON_TAGS:
            return body
        first_block = first_block or body
        i = end + 1
    return first_block or completion.strip("\n") + "\n"
