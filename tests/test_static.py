"""Type checking is part of the test command (ruff runs through pytest-ruff)."""

from __future__ import annotations

from pathlib import Path

import pytest
from mypy import api

ROOT = Path(__file__).resolve().parents[1]


def test_mypy_strict_passes_on_the_packages() -> None:
    stdout, stderr, status = api.run(["--config-file", str(ROOT / "pyproject.toml")])
    if status != 0:
        pytest.fail(f"mypy found problems:\n{stdout}{stderr}")
