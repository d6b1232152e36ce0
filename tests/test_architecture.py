"""The layers in docs/architecture.md, checked: import-linter's contracts (pyproject.toml) hold,
they fail on a forbidden import, and the domain imports only the standard library and its
date and calendar libraries."""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("bot", "handlers", "storage", "schedules")
DOMAIN_LIBRARIES = {"dateparser", "dateutil", "holidays"}


def _lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    command = Path(sys.executable).with_name("lint-imports")
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run(
        [str(command), "--no-cache"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def _copy_of_the_code(tmp_path: Path) -> Path:
    for package in PACKAGES:
        shutil.copytree(
            ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__")
        )
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def test_the_import_contracts_hold() -> None:
    result = _lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert " 0 broken." in result.stdout


@pytest.mark.parametrize(
    ("module", "line", "complaint"),
    [
        ("handlers/slack/members.py", "import storage.db", "is not allowed to import storage"),
        ("bot/domain/rag.py", "import sqlalchemy", "is not allowed to import sqlalchemy"),
        ("storage/boards.py", "import handlers.application.chat", "not allowed to import"),
        ("handlers/application/chat.py", "import handlers.slack.app", "not allowed to import"),
    ],
)
def test_a_forbidden_import_breaks_the_contracts(
    tmp_path: Path, module: str, line: str, complaint: str
) -> None:
    copy = _copy_of_the_code(tmp_path)
    target = copy / module
    target.write_text(target.read_text(encoding="utf-8") + f"\n{line}  # noqa\n")

    result = _lint_imports(copy)

    assert result.returncode != 0
    assert complaint in result.stdout


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module)
    return found


def test_the_domain_imports_only_the_standard_library_and_its_date_libraries() -> None:
    allowed = set(sys.stdlib_module_names) | DOMAIN_LIBRARIES | {"bot"}
    for path in sorted((ROOT / "bot" / "domain").glob("*.py")):
        outside = {name for name in _imports(path) if name.split(".")[0] not in allowed}
        inside = {name for name in _imports(path) if name.startswith("bot.")}
        assert not outside, f"{path.name} imports {sorted(outside)}"
        assert all(name.startswith("bot.domain") for name in inside), f"{path.name}: {inside}"
