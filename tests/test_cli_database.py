"""One plan whatever folder you are in: with no DATABASE_URL the plan lives in the user data
folder, and the command that creates it says where (the real `actionbot`, fresh processes)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ACTIONBOT = Path(sys.executable).with_name("actionbot")


def _run(cwd: Path, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "TEAMS_"))}
    env.pop("DATABASE_URL", None)
    env.update({"HOME": str(home), "XDG_DATA_HOME": str(home / ".local" / "share")})
    return subprocess.run(
        [str(ACTIONBOT), *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_default_plan_is_one_file_in_the_user_data_folder_whatever_the_folder(
    tmp_path: Path,
) -> None:
    home, first, second = tmp_path / "home", tmp_path / "a", tmp_path / "b"
    for folder in (home, first, second):
        folder.mkdir()
    expected = home / ".local" / "share" / "actionbot" / "actionbot.db"

    made = _run(first, home, "board", "Test Board", "--create")
    assert made.returncode == 0, made.stderr
    assert f"Created a new plan database at {expected}" in made.stderr
    assert expected.exists()

    listed = _run(second, home, "boards")  # another folder: the same plan, nothing new made
    assert listed.returncode == 0, listed.stderr
    assert "Test Board" in listed.stdout
    assert "Created" not in listed.stderr
    assert list(first.iterdir()) == []
    assert list(second.iterdir()) == []


def test_digest_and_rag_answer_in_json_for_scripts(tmp_path: Path) -> None:
    import json

    home = tmp_path / "home"
    home.mkdir()
    assert _run(tmp_path, home, "run").returncode == 0  # loads the sample plan, then exits
    digest = _run(tmp_path, home, "digest", "--board", "Worcestershire", "--json")
    assert digest.returncode == 0, digest.stderr
    parsed = json.loads(digest.stdout)
    assert parsed["kind"] == "Digest"
    rag = _run(tmp_path, home, "rag", "red", "--board", "Worcestershire", "--json")
    assert rag.returncode == 0, rag.stderr
    assert "2.3" in json.dumps(json.loads(rag.stdout))
