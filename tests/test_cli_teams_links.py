"""`actionbot people link --teams`, `people sync --teams` and `board --teams-channel`.

Through the real CLI against the test database (SQLite, or PostgreSQL when
ACTIONBOT_TEST_POSTGRES_URL is set), with settings handed in, so no .env and no variable
from the developer's shell decides whether Teams or Slack is configured.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from bot.clock import ManualClock
from bot.config import Settings
from handlers.application.people import PersonLine
from handlers.cli.main import CliOptions, app
from handlers.wiring import build_services
from storage.boards import board_by_name
from storage.channels import board_channels
from storage.db import Database

SAMPLE = Path(__file__).resolve().parents[1] / "bot" / "sample" / "st_helens_plan.csv"
BOARD = "St Helens Children's Improvement Board"
PAULA, HILARY = "Paula Swindlehurst", "Hilary Brooks"
PAULA_ID = "8F3A1C2D-4B5E-4F60-9A7B-1C2D3E4F5A6B"  # as the Entra admin centre may show it
HILARY_ID = "0b6c4d2e-1f3a-4c5b-8d7e-9f0a1b2c3d4e"
CHANNEL = "19:a1b2c3d4e5f60718293a4b5c6d7e8f90@thread.tacv2"
OTHER_CHANNEL = "19:ffeeddccbbaa00998877665544332211@thread.tacv2"
CLOCK = ManualClock(datetime(2026, 11, 23, 10, 0, tzinfo=UTC))
TEAMS = {"teams_app_id": "app-id", "teams_app_password": "s3cret", "teams_tenant_id": "tenant"}


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, db_url: str) -> Settings:
    """Nothing configured but the database; no Slack or Teams from the shell either."""
    monkeypatch.chdir(tmp_path)
    for name in Settings.model_fields:
        if name.startswith(("slack_", "teams_")):
            monkeypatch.delenv(name.upper(), raising=False)
    return Settings(database_url=db_url, _env_file=None)


@pytest.fixture
def db(settings: Settings) -> Iterator[Database]:
    """The plan the commands work on: St Helens, imported through the CLI."""
    result = cli(settings, "import", str(SAMPLE), "--board", BOARD)
    assert result.exit_code == 0, result.output
    database = Database.connect(settings.database_url, upgrade=False)
    yield database
    database.dispose()


def cli(settings: Settings, *args: str) -> Result:
    return CliRunner().invoke(app, list(args), obj=CliOptions(settings=settings, clock=CLOCK))


def ok(settings: Settings, *args: str) -> str:
    result = cli(settings, *args)
    assert result.exit_code == 0, f"{args}: {result.output}"
    return result.stdout


def with_teams(settings: Settings, **more: Any) -> Settings:
    return Settings(database_url=settings.database_url, _env_file=None, **TEAMS, **more)


def people(settings: Settings) -> dict[str, PersonLine]:
    """What the application says about everyone, by name."""
    services = build_services(settings, clock=CLOCK)
    try:
        return {p.name: p for p in services.application.people.everyone()}
    finally:
        services.db.dispose()


def teams_channel(db: Database) -> str | None:
    with db.session(commit=False) as session:
        board = board_by_name(session, BOARD)
        assert board is not None
        assert board.id is not None
        return board_channels(session, [board])[board.id].get("teams")


def header(output: str) -> list[str]:
    return output.splitlines()[0].split("\t")


# -- people link --teams ---------------------------------------------------------------------------


def test_link_teams_stores_the_object_id_lowercased(settings: Settings, db: Database) -> None:
    out = ok(settings, "people", "link", "paula swindlehurst", "--teams", PAULA_ID)

    assert f"Linked {PAULA}: Teams {PAULA_ID.lower()}." in out
    assert people(settings)[PAULA].accounts["teams"] == PAULA_ID.lower()
    listed = ok(settings, "people")
    assert header(listed)[-1] == "teams id"
    assert re.search(rf"^{PAULA}\t.*\t{PAULA_ID.lower()}$", listed, re.MULTILINE)
    assert re.search(rf"^{HILARY}\t[^\n]*\t$", listed, re.MULTILINE)  # her Teams id: none yet


def test_slack_teams_and_email_in_one_call(settings: Settings, db: Database) -> None:
    out = ok(
        settings, "people", "link", PAULA,
        "--slack", "U0PAULA1", "--teams", PAULA_ID, "--email", "paula@example.org",
    )  # fmt: skip

    assert "Slack U0PAULA1 and Teams" in out
    assert "and email paula@example.org" in out
    paula = people(settings)[PAULA]
    assert paula.email == "paula@example.org"
    assert dict(paula.accounts) == {
        "console": PAULA,
        "slack": "U0PAULA1",
        "teams": PAULA_ID.lower(),
    }


@pytest.mark.parametrize(
    "bad",
    [
        "paula@example.org",  # an email, not the object id
        "29:1abcDEFghi",  # a Teams (Bot Framework) user id
        "8f3a1c2d4b5e4f609a7b1c2d3e4f5a6b",  # a GUID without its dashes
        "8f3a1c2d-4b5e-4f60-9a7b-1c2d3e4f5a6",  # one digit short
        "00000000-0000-0000-0000-000000000000",  # the example in the message
        "",
    ],
)
def test_a_teams_id_that_isnt_a_guid_is_refused_and_nothing_changes(
    settings: Settings, db: Database, bad: str
) -> None:
    before = people(settings)

    refused = cli(settings, "people", "link", PAULA, "--teams", bad, "--email", "p@example.org")

    assert refused.exit_code == 2, refused.output
    said = " ".join(refused.stderr.split())  # as printed, without the terminal's line breaks
    assert "--teams must be the person's Microsoft Entra object id, a GUID like" in said
    assert "Entra ID → Users → Object ID" in said
    assert "Traceback" not in refused.output
    assert people(settings) == before  # not the email either


def test_someone_elses_teams_account_moves_only_with_force(
    settings: Settings, db: Database
) -> None:
    ok(settings, "people", "link", PAULA, "--teams", PAULA_ID)

    refused = cli(settings, "people", "link", HILARY, "--teams", PAULA_ID.lower())

    assert refused.exit_code == 1
    assert f"linked to {PAULA}" in refused.stderr
    assert "--force" in refused.stderr
    assert "teams" not in people(settings)[HILARY].accounts
    assert people(settings)[PAULA].accounts["teams"] == PAULA_ID.lower()

    ok(settings, "people", "link", HILARY, "--teams", PAULA_ID, "--force")

    moved = people(settings)
    assert moved[HILARY].accounts["teams"] == PAULA_ID.lower()
    assert "teams" not in moved[PAULA].accounts


def test_linking_again_replaces_their_teams_account(settings: Settings, db: Database) -> None:
    ok(settings, "people", "link", PAULA, "--teams", PAULA_ID)
    ok(settings, "people", "link", PAULA, "--teams", HILARY_ID)
    assert people(settings)[PAULA].accounts["teams"] == HILARY_ID


def test_people_shows_no_teams_column_until_teams_is_used(settings: Settings, db: Database) -> None:
    assert header(ok(settings, "people")) == [
        "name",
        "role",
        "email",
        "slack id",
        "actions owned",
    ]
    assert header(ok(with_teams(settings), "people"))[-1] == "teams id"


# -- people sync --teams ---------------------------------------------------------------------------


def test_people_sync_teams_needs_teams(settings: Settings, db: Database) -> None:
    result = cli(settings, "people", "sync", "--teams")

    assert result.exit_code == 2
    said = " ".join(result.stderr.split())
    assert (
        "Teams is not configured: set TEAMS_APP_ID, TEAMS_APP_PASSWORD and TEAMS_TENANT_ID; "
        "see README “Microsoft Teams”" in said
    )
    assert "Traceback" not in result.output


# With Teams configured, `people sync --teams` calls Platforms.sync_teams_people(); its test
# (against the Teams stand-ins) belongs beside this one, next to the wiring it needs.


def test_people_sync_without_teams_is_still_slacks(settings: Settings, db: Database) -> None:
    result = cli(with_teams(settings), "people", "sync")
    assert result.exit_code == 1
    assert "Slack is not configured" in result.stderr


# -- board --teams-channel -------------------------------------------------------------------------


def test_a_boards_teams_channel_is_stored_and_shown(settings: Settings, db: Database) -> None:
    out = ok(settings, "board", "st helens", "--teams-channel", CHANNEL)

    assert f"teams channel: {CHANNEL}" in out
    assert teams_channel(db) == CHANNEL
    listed = ok(settings, "boards")
    assert header(listed)[-1] == "teams channel"
    assert re.search(rf"^{BOARD}\t.*\t{re.escape(CHANNEL)}$", listed, re.MULTILINE)

    again = ok(settings, "board", "st helens")  # no changes: prints the board as it is
    assert "teams channel:" not in again
    assert re.search(rf"^{BOARD}\t.*\t{re.escape(CHANNEL)}$", again, re.MULTILINE)


def test_the_slack_channel_works_as_before_beside_it(settings: Settings, db: Database) -> None:
    ok(settings, "board", "st helens", "--channel", "C0BOARD")
    listed = ok(settings, "boards")
    assert "teams channel" not in listed  # Slack-only: the listing is as it was
    assert f"{BOARD}\tC0BOARD\tEurope/London\t" in listed

    ok(settings, "board", "st helens", "--channel", "C0OTHER", "--teams-channel", CHANNEL)

    assert re.search(rf"^{BOARD}\tC0OTHER\t.*\t{re.escape(CHANNEL)}$", ok(settings, "boards"), re.M)
    assert teams_channel(db) == CHANNEL


@pytest.mark.parametrize(
    "given",
    [
        "19%3aa1b2c3d4e5f60718293a4b5c6d7e8f90%40thread.tacv2",  # as it is in the link
        "https://teams.microsoft.com/l/channel/19%3aa1b2c3d4e5f60718293a4b5c6d7e8f90%40thread"
        ".tacv2/General?groupId=0b6c4d2e-1f3a-4c5b-8d7e-9f0a1b2c3d4e&tenantId=t",  # the link
    ],
)
def test_a_teams_channel_is_taken_as_teams_gives_it(
    settings: Settings, db: Database, given: str
) -> None:
    ok(settings, "board", BOARD, "--teams-channel", given)
    assert teams_channel(db) == CHANNEL


def test_an_older_teams_channel_id_is_taken(settings: Settings, db: Database) -> None:
    older = "19:0f1e2d3c4b5a69788796a5b4c3d2e1f0@thread.skype"
    ok(settings, "board", BOARD, "--teams-channel", older)
    assert teams_channel(db) == older


@pytest.mark.parametrize(
    "bad",
    ["General", "C0123ABC", "19:abc", "abc@thread.tacv2", "19:a b@thread.tacv2", "19:x" * 60],
)
def test_a_bad_teams_channel_is_refused_and_nothing_changes(
    settings: Settings, db: Database, bad: str
) -> None:
    before = ok(settings, "boards")

    refused = cli(settings, "board", BOARD, "--digest-day", "fri", "--teams-channel", bad)

    assert refused.exit_code == 2, refused.output
    said = " ".join(refused.stderr.split())
    assert "isn't a Teams channel id" in said
    assert "Get link to channel" in said
    assert "after /channel/, URL-decoded" in said
    assert teams_channel(db) is None
    assert ok(settings, "boards") == before  # the digest day wasn't changed either


def test_the_application_knows_each_boards_teams_channel(settings: Settings, db: Database) -> None:
    """What the Teams adapter and `digest --post` read: a board's channels, every board's."""
    ok(settings, "board", "Second board", "--create", "--teams-channel", CHANNEL)
    ok(settings, "board", "Third board", "--create", "--channel", "C0THIRD")
    services = build_services(settings, clock=CLOCK)
    try:
        boards = services.application.boards
        assert boards.channels("teams") == [CHANNEL]
        ok(settings, "board", BOARD, "--teams-channel", OTHER_CHANNEL)
        assert boards.channels("teams") == [OTHER_CHANNEL, CHANNEL]
        assert boards.channels("slack") == ["C0THIRD"]
        found = boards.find("Second board")
        assert found is not None
        assert found.teams_channel == CHANNEL
        third = boards.find("Third board")
        assert third is not None
        assert (third.channel_id, third.teams_channel) == ("C0THIRD", None)
        assert third.channels == {"slack": "C0THIRD"}
    finally:
        services.db.dispose()
