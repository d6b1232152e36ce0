"""Issue 11 for people and boards, through the real `actionbot` entry point on a real database.

People are named in full (a partial name is a question, never an answer); boards and people
are renamed and removed with the change in the audit; emails are checked; `boards` and
`people` list as tables or JSON. The plan is the bundled St Helens sample (its chair Hilary
Brooks included) and, where two boards matter, Worcestershire imported from its CSVs.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlmodel import col, select
from typer.testing import CliRunner, Result

from bot.clock import ManualClock
from bot.config import Settings
from bot.domain.replies import UpdateRecorded
from handlers.application.conversation import Conversation, IncomingMessage
from handlers.application.sample import SAMPLE_BOARDS, load_sample_board
from handlers.cli.main import CliOptions, app
from handlers.wiring import build_services
from storage.db import Database
from storage.models import (
    Action,
    ActionOwner,
    ActionUpdate,
    AuditEntry,
    Board,
    BoardRole,
    ChatIdentity,
    Milestone,
    Person,
    UpdateChange,
)
from tests.console.support import WORCS_FILES

CLOCK = ManualClock(datetime(2026, 11, 23, 10, 0, tzinfo=UTC))
ST_HELENS, WORCS = SAMPLE_BOARDS[0].name, SAMPLE_BOARDS[1].name
HILARY, PAULA = "Hilary Brooks", "Paula Swindlehurst"
PAULA_ALONE = ("1.1", "3.4")  # the St Helens actions Paula owns with no one else
BOARD_KEYS = {
    "name", "slack_channel", "teams_channel", "timezone", "bank_holidays", "chairs", "admins",
    "digest_day", "digest_time", "lead_days", "nudge_every_days", "escalate_after_days",
    "actions",
}  # fmt: skip
PERSON_KEYS = {"name", "role", "email", "slack", "teams", "actions_owned"}


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, db_url: str) -> Settings:
    """Nothing configured but the database: no Slack or Teams from the developer's shell."""
    monkeypatch.chdir(tmp_path)
    for name in Settings.model_fields:
        if name.startswith(("slack_", "teams_")):
            monkeypatch.delenv(name.upper(), raising=False)
    return Settings(database_url=db_url, _env_file=None)


@pytest.fixture
def db(settings: Settings) -> Iterator[Database]:
    """The St Helens sample plan, with Hilary Brooks as its chair."""
    database = Database.connect(settings.database_url)
    load_sample_board(database, SAMPLE_BOARDS[0], now=CLOCK.now(), today=CLOCK.now().date())
    yield database
    database.dispose()


def cli(settings: Settings, *args: str) -> Result:
    return CliRunner().invoke(app, list(args), obj=CliOptions(settings=settings, clock=CLOCK))


def ok(settings: Settings, *args: str) -> str:
    result = cli(settings, *args)
    assert result.exit_code == 0, f"{args}: {result.output}"
    return result.stdout


def refused(settings: Settings, *args: str, code: int = 1) -> str:
    """The one line on stderr of a command that exits `code`, never a traceback."""
    result = cli(settings, *args)
    assert result.exit_code == code, f"{args}: {result.output}"
    assert "Traceback" not in result.output
    assert result.stderr.count("\n") == 1, result.stderr
    return result.stderr


def import_worcs(settings: Settings, shared_data: Path) -> None:
    files = [str(shared_data / name) for name in WORCS_FILES]
    ok(settings, "import", *files, "--board", WORCS, "--as-of", "24/02/2017")


def snapshot(db: Database) -> dict[str, object]:
    """Everything a refused command must leave as it was."""
    with db.session(commit=False) as session:
        people = session.exec(select(Person)).all()
        roles = session.exec(select(BoardRole)).all()
        owners = session.exec(select(ActionOwner)).all()
        accounts = session.exec(select(ChatIdentity)).all()
        return {
            "people": sorted((p.name, p.name_key, p.email) for p in people),
            "roles": sorted((r.board_id, r.person_id, r.role) for r in roles),
            "owners": sorted((o.action_id, o.person_id) for o in owners),
            "accounts": sorted((c.person_id, c.platform, c.external_id) for c in accounts),
            "boards": sorted(b.name for b in session.exec(select(Board))),
            "actions": len(session.exec(select(Action)).all()),
            "history": len(session.exec(select(ActionUpdate)).all()),
            "audit": len(session.exec(select(AuditEntry)).all()),
        }


def people_rows(out: str) -> dict[str, list[str]]:
    return {line.split("\t")[0]: line.split("\t") for line in out.splitlines()[1:]}


# -- 1. a person is named in full; a partial name is a question ------------------------------


def test_a_partial_name_is_offered_back_not_taken(settings: Settings, db: Database) -> None:
    before = snapshot(db)

    prefix = refused(settings, "board", "St Helens", "--chair", "Hil")
    assert "no one called “Hil”; did you mean Hilary Brooks? Use the full name" in prefix
    assert "--new-person" in prefix
    surname = refused(settings, "board", "St Helens", "--admin", "Swindlehurst")
    assert "did you mean Paula Swindlehurst? Use the full name" in surname
    linked = refused(settings, "people", "link", "Hil", "--slack", "U0HILARY")
    assert linked.startswith("actionbot: no one called “Hil”; did you mean Hilary Brooks? ")
    several = refused(settings, "people", "link", "Head", "--slack", "U0HEAD")
    assert "(2 people match)" in several
    assert "Head of Service Quality Assurance or Heads of Service? Use the full name." in several
    misspelt = refused(settings, "board", "St Helens", "--chair", "Hilary Brookes")
    assert "did you mean Hilary Brooks?" in misspelt
    nobody = refused(settings, "people", "link", "Nobody Atall", "--slack", "U0NOBODY")
    assert "no one called “Nobody Atall”" in nobody
    assert "`actionbot people` lists everyone" in nobody
    assert snapshot(db) == before

    # The full name in any case and spacing is exact; --new-person adds a lookalike anyway.
    assert f"Linked {HILARY}" in ok(
        settings, "people", "link", "hilary   BROOKS", "--slack", "U0HILARY"
    )
    made = ok(settings, "board", "St Helens", "--chair", "Hilary Brookes", "--new-person")
    assert "chair: Hilary Brookes (new person)" in made
    new = ok(settings, "board", "St Helens", "--admin", "Ann Other")  # like no one: just added
    assert "admin: Ann Other (new person)" in new


def test_chat_still_takes_a_unique_first_name(settings: Settings, db: Database) -> None:
    """/rag @name reads like chat (`actionbot rag` gives the same answers): a unique prefix
    is fine there, as nothing is changed by it."""
    out = ok(settings, "rag", "@paula", "--board", "St Helens")
    assert f"Actions owned by {PAULA}" in out


# -- 2. rename and remove, in the history -----------------------------------------------------


def test_board_rename_and_remove_are_in_the_audit(
    settings: Settings, db: Database, shared_data: Path
) -> None:
    import_worcs(settings, shared_data)
    with db.session(commit=False) as session:
        board = session.exec(select(Board).where(Board.name == WORCS)).one()
        ids = [a.id for a in session.exec(select(Action).where(Action.board_id == board.id))]
        steps = session.exec(select(Milestone).where(col(Milestone.action_id).in_(ids))).all()
        entries = session.exec(select(ActionUpdate).where(col(ActionUpdate.action_id).in_(ids)))
        counts = f"{len(ids)} actions, {len(steps)} milestones"
        history_count = f"{len(entries.all())} history entries"
    renamed_to = "Worcestershire Improvement Board"

    renamed = ok(settings, "board", "rename", "worc", renamed_to)
    assert f"Renamed board “{WORCS}” to “{renamed_to}”." in renamed
    assert f"{renamed_to}\t" in ok(settings, "board", renamed_to)
    typo = refused(settings, "board", "rename", "Worcester Board", "Anything")
    assert f"there's no board called “Worcester Board”; did you mean “{renamed_to}”?" in typo
    taken = refused(settings, "board", "rename", "worc", "st helens children's improvement BOARD")
    assert f"there's already a board called “{ST_HELENS}”" in taken

    before = snapshot(db)
    partial = refused(settings, "board", "remove", "Worcestershire", "--yes")
    assert f"did you mean “{renamed_to}”? Removing a board takes its whole name" in partial
    preview = cli(settings, "board", "remove", renamed_to)
    assert preview.exit_code == 1
    assert f"{counts}, 8 workstreams, {history_count}" in preview.stdout
    assert f"add --yes to remove “{renamed_to}” for good" in preview.stderr
    assert snapshot(db) == before

    gone = ok(settings, "board", "remove", renamed_to.upper(), "--yes")
    assert f"Removed board “{renamed_to}”: {counts}" in gone
    assert [b["name"] for b in json.loads(ok(settings, "boards", "--json"))] == [ST_HELENS]
    with db.session(commit=False) as session:
        assert session.exec(select(Action).where(col(Action.id).in_(ids))).all() == []
        assert len(session.exec(select(Action)).all()) == 16  # St Helens', untouched
    history = json.loads(ok(settings, "boards", "--history", "--json"))
    assert (history[0]["field"], history[0]["name"]) == ("removed", renamed_to)
    assert counts in history[0]["before"]
    assert (history[1]["field"], history[1]["before"], history[1]["after"]) == (
        "name",
        WORCS,
        renamed_to,
    )
    assert "Board changes" not in ok(settings, "boards", "--history")  # piped: no title


def test_chairs_and_admins_come_off_a_board(settings: Settings, db: Database) -> None:
    ok(settings, "board", "St Helens", "--admin", PAULA)
    before = snapshot(db)
    not_chair = refused(settings, "board", "St Helens", "--remove-chair", PAULA)
    assert (
        f"{PAULA} isn't a chair of {ST_HELENS} (its chairs: {HILARY}); nothing was changed"
        in not_chair
    )
    assert "did you mean" in refused(settings, "board", "St Helens", "--remove-admin", "Paula")
    assert snapshot(db) == before

    out = ok(settings, "board", "St Helens", "--remove-chair", HILARY, "--remove-admin", PAULA)
    assert f"chair removed: {HILARY}" in out
    assert f"admin removed: {PAULA}" in out
    assert "has no chair now" in out
    board = json.loads(ok(settings, "boards", "--json"))[0]
    assert (board["chairs"], board["admins"]) == ([], [])
    changes = [
        (e["field"], e["before"], e["after"])
        for e in json.loads(ok(settings, "boards", "--history", "--json"))
    ]
    assert changes[:2] == [("admin", PAULA, None), ("chair", HILARY, None)]


def test_people_rename_keeps_their_actions_and_console_account(
    settings: Settings, db: Database, db_url: str
) -> None:
    owned = people_rows(ok(settings, "people"))[PAULA][-1]
    assert "did you mean" in refused(settings, "people", "rename", "Paula", "P Swindlehurst")
    taken = refused(settings, "people", "rename", PAULA, "hilary brooks")
    assert "Hilary Brooks is already in the plans" in taken

    out = ok(settings, "people", "rename", PAULA, "Paula Swindlehurst-Jones")
    assert f"Renamed {PAULA} to Paula Swindlehurst-Jones." in out
    rows = people_rows(ok(settings, "people"))
    assert PAULA not in rows
    assert rows["Paula Swindlehurst-Jones"][-1] == owned
    [entry] = json.loads(ok(settings, "people", "--history", "--json"))
    assert (entry["field"], entry["before"], entry["after"]) == (
        "name",
        PAULA,
        "Paula Swindlehurst-Jones",
    )

    # The console knows her by her new name, and her updates are hers.
    services = build_services(Settings(database_url=db_url, _env_file=None), clock=CLOCK)
    where = Conversation("console", "Paula Swindlehurst-Jones", "console-dm:test")
    [reply] = services.chat.on_message(IncomingMessage(where, "1.1 amber - audits slipped"))
    assert isinstance(reply, UpdateRecorded), reply
    services.db.dispose()


def test_people_remove_needs_someone_to_take_their_open_actions(
    settings: Settings, db: Database, db_url: str
) -> None:
    services = build_services(Settings(database_url=db_url, _env_file=None), clock=CLOCK)
    where = Conversation("console", PAULA, "console-dm:test")
    [reply] = services.chat.on_message(IncomingMessage(where, "1.1 amber - audits slipped"))
    assert isinstance(reply, UpdateRecorded), reply
    services.db.dispose()
    before = snapshot(db)

    stranded = refused(settings, "people", "remove", PAULA, "--yes")
    assert (
        f"{PAULA} is the only owner of 2 open actions: {ST_HELENS}: {', '.join(PAULA_ALONE)}"
        in stranded
    )
    assert "--reassign-to NAME" in stranded
    preview = cli(settings, "people", "remove", PAULA, "--reassign-to", HILARY)
    assert preview.exit_code == 1
    assert f"Would remove {PAULA}:" in preview.stdout
    assert "8 actions passed to Hilary Brooks" in preview.stdout
    assert "add --yes to remove" in preview.stderr
    assert "did you mean" in refused(
        settings, "people", "remove", PAULA, "--reassign-to", "Hil", "--yes"
    )
    assert snapshot(db) == before

    out = ok(settings, "people", "remove", PAULA, "--reassign-to", HILARY, "--yes")
    assert f"Removed {PAULA}:" in out
    assert PAULA not in people_rows(ok(settings, "people"))
    assert "no one called" in refused(settings, "people", "link", PAULA, "--slack", "U0PAULA1")
    exported = json.loads(ok(settings, "export", "--board", "St Helens", "--format", "json"))
    first = next(a for a in exported["actions"] if a["ref"] == "1.1")
    assert [o["name"] for o in first["owners"]] == [HILARY]
    whose = {(h["who"], h["source"]) for h in first["history"]}
    assert (PAULA, "console") in whose  # what she said is still hers
    with db.session(commit=False) as session:
        owners_changed = session.exec(
            select(UpdateChange)
            .join(ActionUpdate, col(ActionUpdate.id) == col(UpdateChange.update_id))
            .where(UpdateChange.field == "owners", ActionUpdate.source == "cli")
        ).all()
        assert len(owners_changed) == 8
        assert all(
            PAULA in (c.before or "") and PAULA not in (c.after or "") for c in owners_changed
        )
    audit = json.loads(ok(settings, "people", "--history", "--json"))
    assert {(e["field"], e["before"], e["after"]) for e in audit} >= {
        ("removed", PAULA, None),
        ("actions passed to", None, HILARY),
    }
    # The same name again is someone new, not the removed row brought back.
    assert "chair: Paula Swindlehurst (new person)" in ok(
        settings, "board", "St Helens", "--chair", PAULA
    )


# -- 3. emails are checked --------------------------------------------------------------------


def test_an_email_that_isnt_one_is_refused(settings: Settings, db: Database) -> None:
    before = snapshot(db)
    bad = refused(settings, "people", "link", PAULA, "--email", "not-an-email", code=2)
    assert "--email “not-an-email” isn't an email address: give one like" in bad
    assert "isn't an email address" in refused(
        settings, "people", "link", "Nobody Atall", "--email", "paula@", code=2
    )  # checked before anyone is looked up
    assert snapshot(db) == before
    ok(settings, "people", "link", PAULA, "--email", "Paula.S@StHelens.GOV.uk")
    assert people_rows(ok(settings, "people"))[PAULA][2] == "Paula.S@sthelens.gov.uk"


# -- 4. listings ------------------------------------------------------------------------------


def test_listings_as_tables_and_json(settings: Settings, db: Database, shared_data: Path) -> None:
    import_worcs(settings, shared_data)
    boards = json.loads(ok(settings, "boards", "--json"))
    assert [b["name"] for b in boards] == [ST_HELENS, WORCS]
    assert all(set(b) == BOARD_KEYS for b in boards)
    assert boards[0]["chairs"] == [HILARY]
    assert (boards[0]["actions"], boards[1]["actions"]) == (16, 47)
    assert boards[0]["lead_days"] == [7, 1]
    listed = ok(settings, "boards")
    assert listed.splitlines()[0].split("\t")[:4] == ["name", "channel", "timezone", "chairs"]

    people = json.loads(ok(settings, "people", "--json"))
    assert all(set(p) == PERSON_KEYS for p in people)
    hilary = next(p for p in people if p["name"] == HILARY)
    assert hilary["actions_owned"] == int(people_rows(ok(settings, "people"))[HILARY][4])
    assert hilary["email"] is None

    for command in (
        ["boards"],
        ["people"],
        ["board", "set"],
        ["board", "remove"],
        ["people", "remove"],
    ):
        shown = ok(settings, *command, "--help")
        for line in shown.splitlines():
            if re.search(r"--(json|history|yes|create|new-person|force)\b", line):
                assert "<bool>" not in line, line

    unknown = refused(settings, "board", "Narnia")
    assert "there's no board called “Narnia”." in unknown
    assert f"Boards: {ST_HELENS}, {WORCS}." in unknown


def test_empty_listings_say_how_to_begin(settings: Settings) -> None:
    assert "No boards yet" in ok(settings, "boards")
    assert json.loads(ok(settings, "boards", "--json")) == []
    assert "No one is in the plans yet" in ok(settings, "people")
    assert json.loads(ok(settings, "people", "--json")) == []
    assert "No changes recorded yet." in ok(settings, "people", "--history")
