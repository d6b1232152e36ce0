"""A command loads what it uses and nothing else (issue 12, "start fast").

Each check runs the CLI in a fresh interpreter, the way a person runs `actionbot`, and reads
`sys.modules` afterwards: `--help` loads no database layer, no settings and no rich; `rag` on
an existing SQLite database loads neither the chat SDKs, nor the PostgreSQL driver, nor
Alembic (the schema is current), nor dateparser's data, nor rich when piped.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from storage.db import Database, alembic_config, current_revisions, migration_heads

ROOT = Path(__file__).resolve().parents[1]
BOARD = "Startup Board"
# Never needed to print help, nor by `rag` on SQLite: each costs 50–300 ms to import.
NEVER = ("slack_bolt", "slack_sdk", "microsoft_agents", "aiohttp", "psycopg", "alembic")
HELP_NEVER = (*NEVER, "sqlmodel", "sqlalchemy", "pydantic", "rich", "openpyxl", "dateparser")
RAG_NEVER = (*NEVER, "rich", "mako", "dateparser", "openpyxl", "apscheduler")

PROBE = """
import json, sys
from handlers.cli.main import app
try:
    app(sys.argv[1:], standalone_mode=True)
except SystemExit as stop:
    code = stop.code
else:
    code = 0
print("\\n" + json.dumps({"code": code, "modules": sorted(sys.modules)}))
"""


def loaded_by(db_url: str, *args: str) -> set[str]:
    """The top-level packages in sys.modules after `actionbot ARGS` in a fresh interpreter."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "TEAMS_"))}
    env.update(DATABASE_URL=db_url, LOAD_SAMPLE_PLAN="false", PYTHONPATH=str(ROOT))
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["code"] == 0, done.stderr
    return {name.split(".")[0] for name in result["modules"]}


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'startup.db'}"
    loaded_by(url, "board", BOARD, "--create")
    return url


def test_help_loads_no_database_settings_or_rich(tmp_path: Path) -> None:
    loaded = loaded_by(f"sqlite:///{tmp_path / 'unused.db'}", "--help")

    assert loaded.isdisjoint(HELP_NEVER), sorted(loaded & set(HELP_NEVER))
    assert not (tmp_path / "unused.db").exists()  # help opens no database either


def test_rag_on_a_current_sqlite_database_loads_no_sdk_driver_or_alembic(sqlite_url: str) -> None:
    loaded = loaded_by(sqlite_url, "rag", "--board", BOARD)

    assert loaded.isdisjoint(RAG_NEVER), sorted(loaded & set(RAG_NEVER))


def test_the_heads_read_from_the_migration_files_are_alembics() -> None:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config(Database.connect("sqlite://").engine))

    assert migration_heads() == frozenset(script.get_heads())


def test_a_new_database_is_migrated_and_then_read_as_current(tmp_path: Path) -> None:
    db = Database.connect(f"sqlite:///{tmp_path / 'fresh.db'}")

    assert current_revisions(db.engine) == migration_heads()
    Database.connect(f"sqlite:///{tmp_path / 'fresh.db'}")  # already current: nothing to do
    assert current_revisions(db.engine) == migration_heads()
