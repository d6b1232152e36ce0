"""`actionbot` on hostile or oversized input: bounded, clean, never blocking, never clobbering."""

from __future__ import annotations

import csv
import os
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy.exc import OperationalError
from sqlmodel import select
from typer.testing import CliRunner, Result

from bot.clock import ManualClock
from handlers.cli.main import CliOptions, app
from storage.db import Database
from storage.models import Action, Board, InboundEvent, Person

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "bot" / "sample" / "st_helens_plan.csv"
BOARD = "St Helens Children's Improvement Board"
SLACK_VARIABLES = ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN")
CLOCK_START = datetime(2022, 10, 31, 9, 0, tzinfo=UTC)


@pytest.fixture
def cli_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, db_url: str) -> Iterator[Database]:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", db_url)
    for name in SLACK_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    database = Database.connect(db_url)
    yield database
    database.dispose()


def cli(*args: str) -> Result:
    return CliRunner().invoke(app, list(args), obj=CliOptions(clock=ManualClock(CLOCK_START)))


def import_sample(path: Path = SAMPLE, board: str = BOARD) -> Result:
    return cli("import", str(path), "--board", board, "--as-of", "2022-10-31")


def sample_rows() -> list[dict[str, str]]:
    with SAMPLE.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def write_rows(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def boards(db: Database) -> list[str]:
    with db.session(commit=False) as session:
        return [b.name for b in session.exec(select(Board)).all()]


def people(db: Database) -> list[str]:
    with db.session(commit=False) as session:
        return [p.name for p in session.exec(select(Person)).all()]


# -- plan files ------------------------------------------------------------------------------------


def test_a_fifo_is_refused_without_blocking(cli_db: Database, tmp_path: Path) -> None:
    fifo = tmp_path / "plan.csv"
    os.mkfifo(fifo)
    results: list[Result] = []
    worker = threading.Thread(target=lambda: results.append(import_sample(fifo)), daemon=True)
    worker.start()
    worker.join(timeout=20)
    if worker.is_alive():  # let the old, blocking reader go so the test run can end
        with fifo.open("wb"):
            pass
        worker.join(timeout=5)
        pytest.fail("the import blocked reading a FIFO")
    [result] = results
    assert result.exit_code == 1
    assert "pipe (FIFO), not a plan file" in result.output
    assert boards(cli_db) == []


def test_a_folder_is_refused_with_a_sentence(cli_db: Database, tmp_path: Path) -> None:
    folder = tmp_path / "plan.csv"
    folder.mkdir()
    result = import_sample(folder)
    assert result.exit_code == 1
    assert "plan.csv: this is a folder, not a plan file" in result.output
    assert boards(cli_db) == []


def test_a_file_over_50_mb_is_refused_unread(cli_db: Database, tmp_path: Path) -> None:
    big = tmp_path / "plan.csv"
    with big.open("wb") as handle:
        handle.write(SAMPLE.read_bytes())
        handle.truncate(60 * 1024 * 1024)
    result = import_sample(big)
    assert result.exit_code == 1
    assert "larger than 50 MB" in result.output
    assert boards(cli_db) == []


# -- names -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("Board/../../etc", "path separator"),
        ("Board\\Name", "path separator"),
        ("Board\x1b[31m", "control or invisible"),
        ("Board\u202eName", "control or invisible"),
        ("Board\nName", "control or invisible"),
        ("   ", "empty"),
        ("B" * 201, "longer than 200"),
    ],
)
def test_bad_board_names_are_refused_before_anything_is_written(
    cli_db: Database, name: str, problem: str
) -> None:
    for args in (
        ("import", str(SAMPLE), "--board", name, "--as-of", "2022-10-31"),
        ("board", name, "--create", "--chair", "Bec Windsor"),
    ):
        result = cli(*args)
        assert result.exit_code == 2, result.output
        assert problem in result.output
    assert boards(cli_db) == []
    assert people(cli_db) == []


def test_bad_person_names_are_refused_before_anything_is_written(cli_db: Database) -> None:
    result = cli(
        "board", "Good Board", "--create", "--chair", "Bec Windsor", "--admin", "Eve/../root"
    )
    assert result.exit_code == 2
    assert "--admin: the name contains a path separator" in result.output
    assert boards(cli_db) == []
    assert people(cli_db) == []
    result = cli("people", "link", "Eve\x07", "--email", "eve@example.invalid")
    assert result.exit_code == 2
    assert "control or invisible" in result.output


def test_a_good_name_is_stored_trimmed(cli_db: Database) -> None:
    result = cli("board", "  Good   Board ", "--create", "--chair", " Bec   Windsor ")
    assert result.exit_code == 0, result.output
    assert boards(cli_db) == ["Good Board"]
    assert people(cli_db) == ["Bec Windsor"]


# -- terminal output -------------------------------------------------------------------------------


def test_escape_sequences_from_the_database_never_reach_the_terminal(cli_db: Database) -> None:
    assert import_sample().exit_code == 0
    with cli_db.session() as session:
        session.add(
            Person(
                name="Mallory \x1b]0;owned\x07\x1b[2J",
                name_key="mallory",
                created_at=CLOCK_START,
            )
        )
    result = cli("people")
    assert result.exit_code == 0
    assert "\x1b" not in result.output
    assert "\x07" not in result.output
    assert "Mallory ]0;owned[2J" in result.output


def test_rich_markup_in_names_is_printed_as_written(
    cli_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = sample_rows()
    rows[0]["owners"] = "[bold red]Chief Exec"
    assert import_sample(write_rows(Path("plan.csv"), rows)).exit_code == 0
    monkeypatch.setattr("handlers.cli.output._is_tty", lambda _stream: True)  # the rich table
    monkeypatch.setenv("COLUMNS", "200")
    result = cli("people")
    assert result.exit_code == 0
    assert "[bold red]Chief Exec" in result.output


# -- stored text and exports -----------------------------------------------------------------------


def test_imported_text_is_stored_without_invisible_characters(cli_db: Database) -> None:
    rows = sample_rows()
    rows[0]["action"] = "Embed\u202e practice\u200b standards"
    rows[0]["latest_update"] = "On track\x1b[31m \u2066today\u2069"
    rows[0]["priority"] = "Being\u200d Brilliant"
    assert import_sample(write_rows(Path("plan.csv"), rows)).exit_code == 0
    with cli_db.session(commit=False) as session:
        first = session.exec(select(Action).where(Action.ref == "1.1")).one()
    assert first.title == "Embed practice standards"
    assert first.latest_update == "On track[31m today"
    listed = cli("rag", "1.1", "--board", BOARD)
    assert "\u202e" not in listed.output
    assert "Being Brilliant" in listed.output or "1.1" in listed.output


def test_csv_export_neutralises_formulas_and_reads_back_unchanged(
    cli_db: Database, tmp_path: Path
) -> None:
    rows = sample_rows()
    rows[0]["action"] = '=HYPERLINK("http://evil.invalid","Click")'
    rows[1]["latest_update"] = "+44 7700 900000 rang"
    rows[2]["latest_update"] = "@channel see below"
    rows[3]["latest_update"] = "-5% on last month"
    assert import_sample(write_rows(Path("plan.csv"), rows)).exit_code == 0
    exported = tmp_path / "export.csv"
    result = cli("export", "--board", BOARD, "--output", str(exported))
    assert result.exit_code == 0, result.output
    with exported.open(encoding="utf-8", newline="") as handle:
        cells = [cell for row in csv.reader(handle) for cell in row]
    assert '\'=HYPERLINK("http://evil.invalid","Click")' in cells
    assert "'+44 7700 900000 rang" in cells
    assert "'@channel see below" in cells
    assert "'-5% on last month" in cells
    assert not [cell for cell in cells if cell[:1] in ("=", "+", "-", "@")]
    again = cli("import", str(exported), "--board", BOARD)
    assert again.exit_code == 0, again.output
    assert "No changes." in again.output


def test_export_never_overwrites_or_follows_a_symlink_without_force(
    cli_db: Database, tmp_path: Path
) -> None:
    assert import_sample().exit_code == 0
    existing = tmp_path / "existing.csv"
    existing.write_text("keep me", encoding="utf-8")
    target = tmp_path / "target.txt"
    target.write_text("precious", encoding="utf-8")
    link = tmp_path / "link.csv"
    link.symlink_to(target)
    for fmt in ("csv", "json", "xlsx"):
        result = cli("export", "--format", fmt, "--output", str(existing))
        assert result.exit_code == 2
        assert "already exists: use --force to overwrite it" in result.output
        assert existing.read_text(encoding="utf-8") == "keep me"
        for force in ((), ("--force",)):
            result = cli("export", "--format", fmt, "--output", str(link), *force)
            assert result.exit_code == 2
            assert "is a symbolic link" in result.output
            assert target.read_text(encoding="utf-8") == "precious"
    result = cli("export", "--output", str(existing), "--force")
    assert result.exit_code == 0, result.output
    assert existing.read_text(encoding="utf-8").startswith("Workstream Ref,")
    fresh = tmp_path / "fresh.xlsx"
    assert cli("export", "--format", "xlsx", "--output", str(fresh)).exit_code == 0
    assert fresh.stat().st_size > 0


# -- imports never block owners --------------------------------------------------------------------


def big_plan(path: Path, actions: int) -> Path:
    """The sample's rows over and over, each copy with its own title and priority."""
    rows = sample_rows()
    copies = []
    for number in range(actions):
        row = dict(rows[number % len(rows)])
        row["action"] = f"{row['action'][:200]} (copy {number})"
        row["priority"] = f"{row['priority']} {number // 100}"
        copies.append(row)
    return write_rows(path, copies)


class Writer(threading.Thread):
    """An owner's small write every 50 ms; how long each had to wait."""

    def __init__(self, db: Database) -> None:
        super().__init__(daemon=True)
        self.db = db
        self.waits: list[float] = []
        self.refused = 0
        self.stop = threading.Event()

    def run(self) -> None:
        number = 0
        while not self.stop.is_set():
            number += 1
            start = time.perf_counter()
            try:
                with self.db.session() as session:
                    session.add(
                        InboundEvent(platform="t", event_id=f"e{number}", received_at=CLOCK_START)
                    )
            except OperationalError:
                self.refused += 1
            self.waits.append(time.perf_counter() - start)
            self.stop.wait(0.05)


def test_a_5000_action_import_never_blocks_other_writers(
    cli_db: Database, tmp_path: Path, db_url: str
) -> None:
    if not db_url.startswith("sqlite"):
        pytest.skip("SQLite's single write lock is what this measures")
    plan = big_plan(tmp_path / "big.csv", 5000)
    rows = list(csv.DictReader(plan.open(encoding="utf-8")))
    rows[4500]["review_date"] = "the thirty-second of Smarch"
    bad = cli("import", str(write_rows(tmp_path / "bad.csv", rows)), "--board", "Big board")
    assert bad.exit_code == 1
    assert "nothing was imported" in bad.output
    assert boards(cli_db) == []  # all or nothing, however large
    writer = Writer(cli_db)
    writer.start()
    try:
        result = cli("import", str(plan), "--board", "Big board", "--as-of", "2022-10-31")
    finally:
        writer.stop.set()
        writer.join(timeout=60)
    assert result.exit_code == 0, result.output
    assert "created 5,000 actions" in result.output
    assert writer.refused == 0
    assert len(writer.waits) >= 5
    assert max(writer.waits) < 1.5, f"longest wait {max(writer.waits):.2f} s"
    with cli_db.session(commit=False) as session:
        assert len(session.exec(select(Action)).all()) == 5000
    again = cli("import", str(plan), "--board", "Big board", "--as-of", "2022-10-31")
    assert "No changes." in again.output
