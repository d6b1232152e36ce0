"""A bad setting is named with its value and what is allowed: exit 2, a sentence, no traceback
(the real `actionbot` entry point, in a fresh process, as an officer would run it)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ACTIONBOT = Path(sys.executable).with_name("actionbot")


def _run(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    settings = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_"))}
    settings.update({"DATABASE_URL": f"sqlite:///{tmp_path / 'plan.db'}", **env})
    return subprocess.run(
        [str(ACTIONBOT), "boards"],
        cwd=tmp_path,
        env=settings,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize(
    ("variable", "value", "allowed"),
    [
        ("SEND_WORKERS", "0", "greater than or equal to 1"),
        ("PORT", "abc", "valid integer"),
        ("LOG_LEVEL", "LOUD", "DEBUG, INFO, WARNING, ERROR, CRITICAL"),
        ("DEFAULT_TIMEZONE", "Mars/Base", "IANA time zone"),
        ("DATABASE_URL", "mysql://db/plan", "sqlite:///"),
        ("BANK_HOLIDAY_REGION", "FR", "ENG, WLS, SCT, NIR"),
    ],
)
def test_a_bad_setting_says_which_what_and_what_is_allowed(
    tmp_path: Path, variable: str, value: str, allowed: str
) -> None:
    result = _run(tmp_path, **{variable: value})

    assert result.returncode == 2
    said = result.stdout + result.stderr
    assert f"{variable}={value}:" in said
    assert allowed in said
    assert "Traceback" not in said
    assert "Error" not in said  # no exception class name reaches a person
    assert not (tmp_path / "plan.db").exists()  # nothing was created on the way to refusing


def test_good_settings_still_run(tmp_path: Path) -> None:
    result = _run(tmp_path, LOG_LEVEL="warning", BANK_HOLIDAY_REGION="sct")
    assert result.returncode == 0, result.stderr
