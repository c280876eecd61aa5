"""Program extraction from generated completions (pipeline.prompt.extract_program, used by evaluate)."""
from __future__ import annotations

from pipeline.prompt import extract_program, format_completion


def test_fenced_python_block_inside_prose():
    text = "Here is a solution:\n```python\na, b = map(int, input().split())\nprint(a + b)\n```\nIt adds."
    assert extract_program(text) == "a, b = map(int, input().split())\nprint(a + b)\n"


def test_bare_fence():
    assert extract_program("```\nprint(1)\n```") == "print(1)\n"


def test_py_and_python3_fences_any_case():
    assert extract_program("```py\nprint(1)\n```") == "print(1)\n"
    assert extract_program("```Python3\nprint(1)\n```") == "print(1)\n"


def test_no_fence_takes_the_whole_text():
    assert extract_program("\nprint(input())\n\n") == "print(input())\n"


def test_prose_without_code_is_kept_as_is():
    # The judge then reports a Compile Error: the model gave no program.
    assert extract_program("I cannot solve this problem.") == "I cannot solve this problem.\n"


def test_unterminated_block_runs_to_the_end():
    # A completion cut by max_new_tokens still yields its (possibly partial) program.
    assert extract_program("```python\nx = 1\nprint(x)") == "x = 1\nprint(x)\n"


def test_first_of_two_blocks():
    assert extract_program("```python\nx = 1\n```\nor\n```python\ny = 2\n```") == "x = 1\n"


def test_indentation_inside_block_is_kept():
    assert extract_program("```python\n    x = 1\n```") == "    x = 1\n"


def test_inverse_of_format_completion():
    code = "import sys\n\nfor line in sys.stdin:\n    print(line.strip()[::-1])\n"
    assert extract_program(format_completion(code)) == code


def test_non_python_block_before_the_program_is_skipped():
    text = "Sample output:\n```text\n3\n```\nSolution:\n```python\nprint(3)\n```"
    assert extract_program(text) == "print(3)\n"
