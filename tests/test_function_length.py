"""Architecture: no function or method in the application code is longer than MAX_LINES.

A long function is read, reviewed and tested as one piece; past about a screen it should be split
into named steps. The length is end_lineno - lineno + 1 of the `def` (decorators excluded, the
docstring and any nested functions included); a nested function is also measured on its own.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MAX_LINES = 60
# Where the application code lives; a directory that does not exist (yet) is skipped.
SOURCES = ("core", "workflows", "activities", "api", "web", "services", "scripts", "bench", "worker.py")
# Alembic revision scripts are generated once and then frozen: a migration's upgrade()/downgrade()
# is a flat list of op.* calls that must stay as it was applied, so splitting it buys nothing.
EXCLUDED = ("core/migrations/versions/",)
# "path::qualname" -> why this one may stay long. Keep it short: a new entry needs a real reason,
# not "it is long today".
ALLOWED: dict[str, str] = {}


def source_files() -> list[Path]:
    files: set[Path] = set()
    for name in SOURCES:
        path = ROOT / name
        if path.is_file():
            files.add(path)
        elif path.is_dir():
            files.update(p for p in path.rglob("*.py") if "__pycache__" not in p.parts)
    return sorted(f for f in files if not f.relative_to(ROOT).as_posix().startswith(EXCLUDED))


def function_lengths(path: Path) -> list[tuple[str, int, int]]:
    """(qualname, first line, length) of every function and method in the file, nested ones too."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: list[tuple[str, int, int]] = []

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                qualname = prefix + child.name
                found.append((qualname, child.lineno, child.end_lineno - child.lineno + 1))
                visit(child, qualname + ".<locals>.")
            elif isinstance(child, ast.ClassDef):
                visit(child, prefix + child.name + ".")
            else:
                visit(child, prefix)  # defs inside if/try/with blocks keep the enclosing prefix

    visit(tree, "")
    return found


def long_functions() -> dict[str, str]:
    """ "path::qualname" -> "path:line qualname (N lines)" for every function over MAX_LINES."""
    long = {}
    for path in source_files():
        rel = path.relative_to(ROOT).as_posix()
        for qualname, line, length in function_lengths(path):
            if length > MAX_LINES:
                long[f"{rel}::{qualname}"] = f"{rel}:{line} {qualname} ({length} lines)"
    return long


def test_the_walk_finds_the_application_code():
    files = {p.relative_to(ROOT).as_posix() for p in source_files()}
    assert "worker.py" in files and "core/catalog_io.py" in files and "workflows/grievance.py" in files
    assert not any(f.startswith(EXCLUDED) for f in files)


def test_no_function_is_longer_than_the_limit():
    offenders = [where for key, where in sorted(long_functions().items()) if key not in ALLOWED]
    assert not offenders, (
        f"{len(offenders)} function(s) longer than {MAX_LINES} lines; split them into named steps "
        "(or, with a real reason, add 'path::qualname' to ALLOWED in tests/test_function_length.py):\n  "
        + "\n  ".join(offenders)
    )


def test_allowlist_has_no_stale_entries():
    """An allowed function that was split, renamed or removed leaves the list, so it cannot grow back."""
    stale = sorted(set(ALLOWED) - set(long_functions()))
    assert not stale, f"no longer over {MAX_LINES} lines (or gone), remove from ALLOWED: {stale}"
