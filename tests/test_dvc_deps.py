"""dvc.yaml's deps cannot go stale: every project file a stage's command imports is a dependency of the stage.

A file a stage runs but does not list lets `dvc repro` return old results after that file changed, as if they
were current: the one failure a pipeline must never have. So the deps are computed here, not trusted:

1. `coderl <cmd>` (the stage's `cmd`) -> the function of pipeline/cli.py registered as that command (typer's
   name: the decorator's string, else the function name with `_` -> `-`) -> the modules it imports;
2. the transitive closure of project imports (pipeline.*, sandbox.*) from there, read with ast: imports at the
   top and inside functions alike (a deferred import runs as surely as a top-level one), `from pkg import mod`
   counting `mod` when it is a module, and every package whose `__init__.py` runs on the way (unless it holds
   no code);
3. each file of the closure must be a dep of the stage, itself or through a folder above it (`sandbox` covers
   sandbox/*; a package folder such as pipeline/testgen covers its files).

pipeline/cli.py itself is not required: each stage's cmd passes every path explicitly, so the CLI only parses
arguments and calls the stage, and listing it would re-run every stage (training included) on a help-text edit.
"""
from __future__ import annotations

import ast
import shlex
from collections import deque
from pathlib import Path

import pytest
import yaml

from tests.conftest import REPO

PACKAGES = ("pipeline", "sandbox")  # the project's own code; everything else is a library or the stdlib
CLI = "pipeline/cli.py"


def module_file(root: Path, module: str) -> Path | None:
    """The file that defines `module` (a.b -> a/b.py or a/b/__init__.py), or None when it is not a project
    module (a library, or a name such as a function imported from a module)."""
    if module.split(".")[0] not in PACKAGES:
        return None
    base = root.joinpath(*module.split("."))
    for path in (base.with_suffix(".py"), base / "__init__.py"):
        if path.is_file():
            return path
    return None


def module_name(root: Path, path: Path) -> str:
    parts = path.relative_to(root).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(root: Path, path: Path, tree: ast.AST | None = None) -> set[str]:
    """Project modules that `tree` (default: the whole file at `path`) imports, wherever the import statement is,
    with the packages each one runs on the way (importing a.b.c runs a/__init__.py and a/b/__init__.py)."""
    tree = tree if tree is not None else ast.parse(path.read_text(), str(path))
    package = module_name(root, path) if path.name == "__init__.py" else module_name(root, path).rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: `from . import x`, `from .y import z`
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            names = [base] + [f"{base}.{alias.name}" for alias in node.names]  # a name may be a submodule
        else:
            continue
        for name in names:
            parts = name.split(".")
            for i in range(1, len(parts) + 1):
                prefix = ".".join(parts[:i])
                if module_file(root, prefix) is not None:
                    found.add(prefix)
    return found


def runs_code(path: Path) -> bool:
    """False for a file whose import can change nothing (empty, or only a docstring)."""
    body = ast.parse(path.read_text()).body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]
    return bool(body)


def command_functions(root: Path) -> dict[str, ast.FunctionDef]:
    """`coderl <name>` -> its function in pipeline/cli.py (typer's naming rule)."""
    commands = {}
    for node in ast.parse((root / CLI).read_text()).body:
        if not isinstance(node, ast.FunctionDef):
            continue
        for deco in node.decorator_list:
            if (isinstance(deco, ast.Call) and isinstance(deco.func, ast.Attribute) and deco.func.attr == "command"
                    and isinstance(deco.func.value, ast.Name) and deco.func.value.id == "app"):
                named = [a.value for a in deco.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
                commands[named[0] if named else node.name.replace("_", "-")] = node
    return commands


def closure(root: Path, start: set[str]) -> dict[str, str | None]:
    """Every project file reached from the modules `start`: relative path -> the file that imports it (None for
    the start modules), so that a failure can say why a file is needed."""
    reached: dict[str, str | None] = {}
    todo = deque((m, None) for m in sorted(start))  # breadth first: the parent named is on a shortest chain
    while todo:
        module, parent = todo.popleft()
        path = module_file(root, module)
        rel = path.relative_to(root).as_posix()
        if rel in reached:
            continue
        reached[rel] = parent
        todo += [(m, rel) for m in sorted(imported_modules(root, path))]
    return {rel: parent for rel, parent in reached.items() if runs_code(root / rel)}


def stage_commands(dvc_yaml: Path) -> dict[str, str]:
    """Stage name -> the `coderl` subcommand of its cmd (a matrix stage is checked once: its items change
    arguments, not the command)."""
    stages = yaml.safe_load(dvc_yaml.read_text())["stages"]
    out = {}
    for name, stage in stages.items():
        argv = shlex.split(stage["cmd"])
        assert argv[0] == "coderl", f"dvc.yaml stage {name}: cmd {stage['cmd']!r} is not a coderl command"
        out[name] = argv[1]
    return out


def covered(rel: str, deps: list[str]) -> bool:
    return any(rel == d or rel.startswith(d.rstrip("/") + "/") for d in deps)


def missing_deps(root: Path, dvc_yaml: Path) -> list[str]:
    """One line per (stage, project file it imports that its deps leave out), saying how to fix it."""
    stages = yaml.safe_load(dvc_yaml.read_text())["stages"]
    commands = command_functions(root)
    problems = []
    for name, command in stage_commands(dvc_yaml).items():
        if command not in commands:
            problems.append(f"stage {name}: `coderl {command}` is not a command of {CLI}")
            continue
        start = imported_modules(root, root / CLI, commands[command])
        deps = [str(d) for d in stages[name].get("deps", [])]
        for rel, parent in sorted(closure(root, start).items()):
            if not covered(rel, deps):
                via = f"imported by {parent}" if parent else f"imported by `coderl {command}` in {CLI}"
                problems.append(f"stage {name}: missing dep {rel} ({via}); add `- {rel}` to stages.{name}.deps "
                                "in dvc.yaml")
    return problems


def test_every_stage_lists_every_project_file_its_command_imports():
    problems = missing_deps(REPO, REPO / "dvc.yaml")
    assert not problems, "dvc.yaml would let `dvc repro` reuse stale results:\n" + "\n".join(problems)


def test_every_stage_command_is_found_with_its_stage_module():
    """The check is not vacuous: each stage's closure holds the stage module it runs."""
    commands = command_functions(REPO)
    expected = {"ingest": "pipeline/ingest.py", "execute": "pipeline/execute.py", "rewards": "pipeline/rewards.py",
                "groups": "pipeline/groups.py", "prepare_model": "pipeline/model.py", "train": "pipeline/train/loop.py",
                "evaluate": "pipeline/evaluate/stage.py", "compare": "pipeline/evaluate/compare.py",
                "tests": "pipeline/testgen"}
    for stage, command in stage_commands(REPO / "dvc.yaml").items():
        files = closure(REPO, imported_modules(REPO, REPO / CLI, commands[command]))
        assert expected[stage] in " ".join(files), (stage, sorted(files))
        assert "pipeline/params.py" in files or stage == "compare", (stage, sorted(files))


@pytest.mark.parametrize("stage, dep", [("execute", "pipeline/execute.py"), ("execute", "sandbox"),
                                        ("ingest", "pipeline/codenet.py"), ("evaluate", "pipeline/model.py")])
def test_removing_a_dependency_makes_the_check_fail(tmp_path, stage, dep):
    spec = yaml.safe_load((REPO / "dvc.yaml").read_text())
    spec["stages"][stage]["deps"].remove(dep)
    copy = tmp_path / "dvc.yaml"
    copy.write_text(yaml.safe_dump(spec, sort_keys=False))
    problems = missing_deps(REPO, copy)
    assert problems and all(p.startswith(f"stage {stage}: missing dep {dep}") for p in problems), problems


def test_a_package_folder_dep_covers_its_modules(tmp_path):
    """A stage module turned into a package (pipeline/testgen.py -> pipeline/testgen/) is found through
    `from pipeline import testgen`, with its relative imports, and a dep on the folder covers it."""
    (tmp_path / "pipeline/stage").mkdir(parents=True)
    (tmp_path / "sandbox").mkdir()
    (tmp_path / "pipeline/__init__.py").write_text("")
    (tmp_path / "sandbox/__init__.py").write_text("from sandbox.judge import X\n")
    (tmp_path / "sandbox/judge.py").write_text("X = 1\n")
    (tmp_path / "pipeline/helper.py").write_text("def f():\n    import sandbox\n")
    (tmp_path / "pipeline/stage/__init__.py").write_text("from .draw import g\nfrom . import layout\n")
    (tmp_path / "pipeline/stage/draw.py").write_text("from ..helper import f\ng = f\n")
    (tmp_path / "pipeline/stage/layout.py").write_text("from pipeline import helper\n")
    (tmp_path / CLI).write_text('@app.command("run-it")\ndef run_it():\n    from pipeline import stage\n')
    dvc = tmp_path / "dvc.yaml"
    dvc.write_text(yaml.safe_dump({"stages": {"s": {"cmd": "coderl run-it", "deps": ["pipeline/stage"]}}}))
    assert missing_deps(tmp_path, dvc) == [
        "stage s: missing dep pipeline/helper.py (imported by pipeline/stage/draw.py); add `- pipeline/helper.py` "
        "to stages.s.deps in dvc.yaml",
        "stage s: missing dep sandbox/__init__.py (imported by pipeline/helper.py); add `- sandbox/__init__.py` to "
        "stages.s.deps in dvc.yaml",
        "stage s: missing dep sandbox/judge.py (imported by sandbox/__init__.py); add `- sandbox/judge.py` to "
        "stages.s.deps in dvc.yaml",
    ]
    dvc.write_text(yaml.safe_dump({"stages": {"s": {"cmd": "coderl run-it",
                                                    "deps": ["pipeline/stage", "pipeline/helper.py", "sandbox"]}}}))
    assert missing_deps(tmp_path, dvc) == []
