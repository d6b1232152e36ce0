"""`actionbot` commands against a real SQLite file and the real seed files."""

from __future__ import annotations

import csv
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
from bot.plan_io.writer import EXPORT_COLUMNS
from handlers.application.conversation import Conversation, IncomingMessage
from handlers.cli.main import CliOptions, app
from handlers.wiring import build_services
from storage.boards import board_by_name
from storage.db import Database
from storage.models import Action, ActionUpdate, Board, Milestone, Notification, UpdateChange
from tests.console.support import (
    WORCS_FILES,
    busiest_owner,
    csv_rows,
    worcs_owners,
    worcs_red_refs,
)
from tests.slack.fake_slack import FakeSlack

ROOT = Path(__file__).resolve().parents[1]
ST_HELENS = "St Helens Children's Improvement Board"
WORCS = "Worcestershire Service Improvement Board"
SLACK_VARIABLES = ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN")


@pytest.fixture
def cli_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, db_url: str) -> Iterator[Database]:
    """DATABASE_URL at a temporary file; no .env and no Slack from the developer's shell."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", db_url)
    for name in SLACK_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    database = Database.connect(db_url)
    yield database
    database.dispose()


def cli(*args: str, clock: ManualClock | None = None) -> Result:
    return CliRunner().invoke(app, list(args), obj=CliOptions(clock=clock))


def ok(*args: str, clock: ManualClock | None = None) -> str:
    result = cli(*args, clock=clock)
    assert result.exit_code == 0, f"{args}: {result.output}"
    return result.stdout


def import_st_helens(data: Path) -> Result:
    return cli(
        "import", str(data / "st_helens_plan.csv"), "--board", ST_HELENS, "--as-of", "2022-10-31"
    )


def import_worcs(data: Path) -> str:
    files = [str(data / name) for name in WORCS_FILES]
    return ok(
        "import",
        *files,
        "--board",
        WORCS,
        "--as-of",
        "24/02/2017",
        "--review-date",
        "29 March 2017",
    )


def history(db: Database) -> list[tuple[str, set[str]]]:
    """(action title, fields changed) for every history entry, oldest first."""
    with db.session(commit=False) as session:
        rows = session.exec(select(ActionUpdate).order_by(col(ActionUpdate.id))).all()
        found = []
        for update in rows:
            action = session.get(Action, update.action_id)
            assert action is not None
            changes = session.exec(
                select(UpdateChange).where(UpdateChange.update_id == update.id)
            ).all()
            found.append((action.title, {c.field for c in changes}))
        return found


def actions(db: Database, board: str) -> list[Action]:
    with db.session(commit=False) as session:
        found = session.exec(select(Board).where(Board.name == board)).first()
        if found is None:
            return []
        return list(session.exec(select(Action).where(Action.board_id == found.id)).all())


def edited_copy(source: Path, target: Path, edits: dict[tuple[int, str], str]) -> None:
    """The CSV with some cells changed: (data row index, column) → new text."""
    rows = csv_rows(source)
    for (index, column), value in edits.items():
        rows[index][column] = value
    with target.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


# -- import ---------------------------------------------------------------------------------------


def test_import_st_helens(cli_db: Database, shared_data: Path) -> None:
    result = import_st_helens(shared_data)
    assert result.exit_code == 0, result.output
    assert len(actions(cli_db, ST_HELENS)) == len(csv_rows(shared_data / "st_helens_plan.csv"))
    assert len(actions(cli_db, ST_HELENS)) == 16
    assert "(new board)" in result.stdout
    assert "created 16 actions" in result.stdout
    assert "Paula Swindlehurst" in result.stdout


def test_reimport_changes_nothing(cli_db: Database, shared_data: Path) -> None:
    import_st_helens(shared_data)
    before = history(cli_db)
    result = import_st_helens(shared_data)
    assert result.exit_code == 0
    assert "no changes" in result.stdout.casefold()
    assert "left alone 16" in result.stdout
    assert history(cli_db) == before


def test_edited_copy_records_exactly_the_edits(
    cli_db: Database, shared_data: Path, tmp_path: Path
) -> None:
    source = shared_data / "st_helens_plan.csv"
    rows = csv_rows(source)
    import_st_helens(shared_data)
    before = history(cli_db)
    edited = tmp_path / "st_helens_plan.csv"
    edited_copy(source, edited, {(0, "review_date"): "March 2023", (2, "latest_update"): "Done."})
    result = cli("import", str(edited), "--board", ST_HELENS, "--as-of", "2022-10-31")
    assert result.exit_code == 0, result.output
    new = history(cli_db)[len(before) :]
    assert sorted(new) == sorted(
        [(rows[0]["action"], {"review_date"}), (rows[2]["action"], {"latest_update"})]
    )
    assert "updated 2 actions" in result.stdout


def test_a_broken_file_is_reported_and_changes_nothing(
    cli_db: Database, shared_data: Path, tmp_path: Path
) -> None:
    import_st_helens(shared_data)
    before = history(cli_db)
    broken = tmp_path / "st_helens_broken.csv"
    edits = {(0, "latest_update"): "Changed words", (3, "review_date"): "when pigs fly"}
    edited_copy(shared_data / "st_helens_plan.csv", broken, edits)
    result = cli("import", str(broken), "--board", ST_HELENS, "--as-of", "2022-10-31")
    assert result.exit_code == 1
    assert "st_helens_broken.csv, row 5, column 'review_date'" in result.stderr
    assert "when pigs fly" in result.stderr
    assert "nothing was imported" in result.stderr
    assert "Traceback" not in result.output
    assert history(cli_db) == before


def test_dry_run_writes_nothing(cli_db: Database, shared_data: Path) -> None:
    result = cli(
        "import", str(shared_data / "st_helens_plan.csv"), "--board", ST_HELENS, "--dry-run"
    )
    assert result.exit_code == 0, result.output
    assert "created 16 actions" in result.stdout
    assert "Dry run: nothing was saved." in result.stdout
    with cli_db.session(commit=False) as session:
        assert session.exec(select(Board)).all() == []
    assert history(cli_db) == []


def test_worcestershire_three_files(cli_db: Database, shared_data: Path) -> None:
    out = import_worcs(shared_data)
    assert "created 47 actions" in out
    loaded = {a.ref: a for a in actions(cli_db, WORCS)}
    assert len(loaded) == 47
    owners = worcs_owners(shared_data)
    with cli_db.session(commit=False) as session:
        milestones = {m.action_id for m in session.exec(select(Milestone)).all()}
    steps = csv_rows(shared_data / "worcestershire_milestones.csv")
    listed = {row["ref"] for row in steps if row["description"]}  # "TBC" alone is no step
    assert {ref for ref, a in loaded.items() if a.id in milestones} >= listed
    people = ok("people")
    for names in owners.values():
        for name in names:
            assert re.search(rf"^{re.escape(name)}\t", people, re.IGNORECASE | re.MULTILINE)
    assert {a.review_date.isoformat() for a in loaded.values() if a.review_date} == {"2017-03-29"}


def test_bad_dates_in_options_are_usage_errors(cli_db: Database, shared_data: Path) -> None:
    result = cli("import", str(shared_data / "st_helens_plan.csv"), "--board", "x", "--as-of", "?")
    assert result.exit_code == 2
    assert "--as-of “?” is not a date" in result.stderr


# -- export ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_then_import_changes_nothing(
    cli_db: Database, shared_data: Path, tmp_path: Path, fmt: str
) -> None:
    import_st_helens(shared_data)
    import_worcs(shared_data)
    before = history(cli_db)
    for board in (ST_HELENS, WORCS):
        exported = tmp_path / f"{board[:5]}.{fmt}"
        ok("export", "--board", board, "--format", fmt, "--output", str(exported))
        again = ok("import", str(exported), "--board", board)
        assert "No changes." in again
    assert history(cli_db) == before


def test_export_round_trip_keeps_chat_updates(
    cli_db: Database, shared_data: Path, tmp_path: Path, db_url: str
) -> None:
    """What owners said in chat (RAG, words, a new date, a milestone ticked) survives the trip."""
    import_worcs(shared_data)
    owner, refs = busiest_owner(shared_data)
    clock = ManualClock(datetime(2026, 11, 23, 10, 0, tzinfo=UTC))
    services = build_services(Settings(database_url=db_url, _env_file=None), clock=clock)
    person = services.application.people.find(owner)  # the sheet's "BEC WINDSOR" is Bec Windsor
    assert person is not None
    where = Conversation(platform="console", user_id=person.name, channel="console-dm:test")
    for text in (f"{refs[0]} amber - slipped to 14 April", f"{refs[0]} milestone 1 done"):
        [reply] = services.chat.on_message(IncomingMessage(where, text))
        assert isinstance(reply, UpdateRecorded), reply
    services.db.dispose()
    before = history(cli_db)
    for fmt in ("csv", "xlsx"):
        exported = tmp_path / f"plan.{fmt}"
        ok("export", "--format", fmt, "--output", str(exported))
        assert "No changes." in ok("import", str(exported), "--board", WORCS)
    assert history(cli_db) == before


def test_export_csv_to_stdout(cli_db: Database, shared_data: Path) -> None:
    import_st_helens(shared_data)
    out = ok("export", "--board", "St Helens")
    rows = list(csv.reader(out.splitlines()))
    assert tuple(rows[0]) == EXPORT_COLUMNS
    assert len(rows) == 17


def test_export_json_has_milestones_and_history(
    cli_db: Database, shared_data: Path, tmp_path: Path
) -> None:
    import_worcs(shared_data)
    record = json.loads(ok("export", "--board", "worc", "--format", "json"))
    assert record["board"]["name"] == WORCS
    by_ref = {a["ref"]: a for a in record["actions"]}
    assert len(by_ref) == 47
    first = csv_rows(shared_data / "worcestershire_milestones.csv")[0]
    steps = by_ref[first["ref"]]["milestones"]
    assert first["description"] in [m["text"] for m in steps]
    assert all(m["done"] is False for m in steps)
    created = by_ref[first["ref"]]["history"][0]
    assert created["source"] == "import"
    assert {"field": "created", "before": None, "after": first["ref"]} in created["changes"]


def test_xlsx_needs_an_output_file(cli_db: Database, shared_data: Path) -> None:
    import_st_helens(shared_data)
    result = cli("export", "--board", "St Helens", "--format", "xlsx")
    assert result.exit_code == 2
    assert "--output" in result.stderr


# -- boards and people ----------------------------------------------------------------------------


def test_board_configuration(cli_db: Database, shared_data: Path) -> None:
    import_worcs(shared_data)
    out = ok(
        "board", "worc", "--channel", "C0123ABC", "--chair", "Nigel Richardson",
        "--timezone", "Europe/London", "--digest-day", "tuesday", "--digest-time", "8:30",
        "--lead-days", "5,1",
    )  # fmt: skip
    assert "chair: Nigel Richardson (new person)" in out
    listed = ok("boards")
    assert f"{WORCS}\tC0123ABC\tEurope/London\tNigel Richardson\tTue 08:30\t5,1\t47" in listed


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--timezone", "Mars/Olympus_Mons", "unknown timezone “Mars/Olympus_Mons”"),
        ("--digest-day", "someday", "is not a day"),
        ("--digest-time", "25:00", "is not a time"),
        ("--lead-days", "a week", "whole days"),
    ],
)
def test_bad_board_settings_are_refused_kindly(
    cli_db: Database, option: str, value: str, message: str
) -> None:
    result = cli("board", "Test Board", "--create", option, value)
    assert result.exit_code == 2
    assert message in result.stderr
    assert "Traceback" not in result.output
    assert actions(cli_db, "Test Board") == []
    with cli_db.session(commit=False) as session:
        assert session.exec(select(Board)).all() == []


def test_people_link(cli_db: Database, shared_data: Path) -> None:
    source = shared_data / "st_helens_plan.csv"
    import_st_helens(shared_data)
    # A first name alone is a question now, not an answer (issue 11): nothing is linked.
    partial = cli("people", "link", "paula", "--slack", "U0PAULA1")
    assert partial.exit_code == 1
    assert "did you mean Paula Swindlehurst? Use the full name." in partial.stderr
    out = ok(
        "people", "link", "paula swindlehurst", "--slack", "U0PAULA1",
        "--email", "paula@example.org",
    )  # fmt: skip
    assert "Linked Paula Swindlehurst" in out
    owned = sum("Paula Swindlehurst" in row["owners"] for row in csv_rows(source))
    listed = ok("people")
    assert f"Paula Swindlehurst\tAD CSC\tpaula@example.org\tU0PAULA1\t{owned}" in listed
    unknown = cli("people", "link", "Nobody Atall", "--slack", "U0NOBODY")
    assert unknown.exit_code == 1
    assert "no one called “Nobody Atall”" in unknown.stderr


# -- rag, digest, remind --------------------------------------------------------------------------


def test_rag_red_lists_the_red_items(cli_db: Database, shared_data: Path) -> None:
    import_st_helens(shared_data)
    import_worcs(shared_data)
    red = worcs_red_refs(shared_data)
    out = ok("rag", "red", "--board", "Worcestershire")
    assert re.findall(r"^• (\S+) ", out, re.MULTILINE) == red
    answer = json.loads(ok("rag", "red", "--board", "Worcestershire", "--json"))
    assert answer["kind"] == "ActionList"
    assert [a["ref"] for a in answer["actions"]] == red
    assert {a["rag"] for a in answer["actions"]} == {"red"}


def test_rag_summary_as_json_keys_counts_by_status(cli_db: Database, shared_data: Path) -> None:
    import_worcs(shared_data)
    answer = json.loads(ok("rag", "--json"))
    assert answer["kind"] == "BoardSummary"
    rags = [row["rag"] for row in csv_rows(shared_data / "worcestershire_sip.csv")]
    assert answer["counts"]["red"] == rags.count("R")
    assert answer["counts"]["green"] == rags.count("G")


def test_unknown_board_is_one_line_on_stderr(cli_db: Database, shared_data: Path) -> None:
    import_worcs(shared_data)
    result = cli("rag", "--board", "Narnia")
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1
    assert "no board called “Narnia”" in result.stderr


def test_digest_prints_the_red_items(cli_db: Database, shared_data: Path) -> None:
    import_worcs(shared_data)
    out = ok("digest", "--board", "Worcestershire")
    red = worcs_red_refs(shared_data)
    assert f"Red ({len(red)}):" in out
    block = out.split(f"Red ({len(red)}):\n", 1)[1].split("\n\n", 1)[0]
    assert re.findall(r"^• (\S+) ", block, re.MULTILINE) == red


def test_remind_dry_run_then_for_real(cli_db: Database, shared_data: Path) -> None:
    """Reviews two days after the clock: every owner's 7-working-day reminder is due."""
    clock = ManualClock(datetime(2026, 11, 23, 10, 0, tzinfo=UTC))
    files = [str(shared_data / name) for name in WORCS_FILES]
    ok("import", *files, "--board", WORCS, "--as-of", "2017-02-24", "--review-date", "2026-11-25")
    owners = {name for names in worcs_owners(shared_data).values() for name in names}
    dry = ok("remind", "--dry-run", clock=clock)
    assert "Dry run: nothing was sent or recorded." in dry
    sent_to = set(re.findall(r"^→ DM to (.+)$", dry, re.MULTILINE))
    assert {n.casefold() for n in sent_to} == {n.casefold() for n in owners}
    with cli_db.session(commit=False) as session:
        assert session.exec(select(Notification)).all() == []
    unsent = ok("remind", clock=clock)  # no chat service: shown, not recorded
    assert "No chat service is configured" in unsent
    assert unsent.count("→ DM to") == dry.count("→ DM to")
    with cli_db.session(commit=False) as session:
        assert session.exec(select(Notification)).all() == []
    real = ok("remind", "--mark-sent", clock=clock)
    assert real.count("→ DM to") == dry.count("→ DM to")
    again = ok("remind", "--mark-sent", clock=clock)
    assert "→ DM to" not in again
    assert "already sent" in again


def test_chat_commands_need_a_chat_platform(cli_db: Database) -> None:
    result = cli("people", "sync")
    assert result.exit_code == 1
    assert "Slack is not configured" in result.stderr
    for args in (["serve"], ["digest", "--post"]):
        result = cli(*args)
        assert result.exit_code == 1, args
        assert "No chat platform is configured" in result.stderr
        assert "TEAMS_APP_ID" in result.stderr


def test_placeholder_tokens_are_refused(cli_db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-your-bot-token")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "a-real-looking-secret")
    result = cli("boards")
    assert result.exit_code == 2
    assert "SLACK_BOT_TOKEN is still the placeholder" in result.stderr


def test_env_example_lists_every_setting_with_a_refused_placeholder() -> None:
    text = (ROOT / ".env.example").read_text(encoding="utf-8")
    assigned = dict(re.findall(r"^#? ?([A-Z_]+)=(.*)$", text, re.MULTILINE))
    assert set(assigned) == {name.upper() for name in Settings.model_fields}
    for name in SLACK_VARIABLES:
        secrets = {"slack_signing_secret": "x", name.lower(): assigned[name]}
        with pytest.raises(ValueError, match="placeholder"):
            Settings(_env_file=None, **secrets)


# -- with Slack (a local stand-in for its Web API) -------------------------------------------------


@pytest.fixture
def slack(cli_db: Database, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeSlack]:
    fake = FakeSlack().start()
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "test-signing-secret")
    monkeypatch.setenv("SLACK_API_URL", fake.url + "/api/")
    yield fake
    fake.stop()


def test_digest_post_goes_to_the_board_channel(slack: FakeSlack, shared_data: Path) -> None:
    import_worcs(shared_data)
    unposted = cli("digest", "--post")
    assert unposted.exit_code == 1
    assert "has no channel" in unposted.stderr
    ok("board", "worc", "--channel", "C0BOARD")
    out = ok("digest", "--post")
    assert "Posted to C0BOARD" in out
    [post] = slack.answered("chat.postMessage")
    assert post.params["channel"] == "C0BOARD"
    assert f"Red ({len(worcs_red_refs(shared_data))})" in post.text


def test_people_sync_links_by_email(slack: FakeSlack, shared_data: Path) -> None:
    import_worcs(shared_data)
    ok("people", "link", "Bec Windsor", "--email", "bec@example.org")
    ok("people", "link", "Tina Russell", "--email", "tina@example.org")
    slack.users_by_email["bec@example.org"] = "U0BECWIND"
    out = ok("people", "sync")
    assert "Bec Windsor\tbec@example.org\tU0BECWIND" in out
    assert "Tina Russell\ttina@example.org\tnot found" in out
    assert "Linked 1 of 2" in out
    assert re.search(r"^Bec Windsor\t.*\tU0BECWIND\t", ok("people"), re.MULTILINE)


def test_people_names_who_the_bot_cannot_reach_until_they_are_linked(
    slack: FakeSlack, shared_data: Path
) -> None:
    import_worcs(shared_data)
    owner, refs = busiest_owner(shared_data)
    before = ok("people")
    assert "Can't reach" in before
    assert f"({len(refs)} open)" in before.split("Can't reach", 1)[1]
    name = next(
        line.split("\t")[0]
        for line in before.splitlines()
        if line.casefold().startswith(owner.casefold())
    )
    assert name in before.split("Can't reach", 1)[1]
    ok("people", "link", owner, "--slack", "U0BUSIEST")
    after = ok("people").split("Can't reach", 1)[-1]
    assert f"{name} (" not in after


def test_remind_sends_through_slack_and_says_so(slack: FakeSlack, shared_data: Path) -> None:
    clock = ManualClock(datetime(2026, 11, 23, 10, 0, tzinfo=UTC))
    files = [str(shared_data / name) for name in WORCS_FILES]
    ok("import", *files, "--board", WORCS, "--as-of", "2017-02-24", "--review-date", "2026-11-25")
    owner, refs = busiest_owner(shared_data)
    ok("people", "link", owner, "--slack", "U0BUSIEST")
    out = ok("remind", clock=clock)
    assert out.casefold().count(f"→ dm to {owner} (slack)".casefold()) == len(refs)
    assert {c.params["channel"] for c in slack.answered("chat.postMessage")} == {"U0BUSIEST"}
    assert "unreachable" in out  # everyone else has no Slack account yet: said, not skipped


def test_board_sets_nudges_escalation_and_bank_holiday_region(cli_db: Database) -> None:
    out = ok(
        "board",
        "Scottish board",
        "--create",
        "--nudge-every",
        "3",
        "--escalate-after",
        "8",
        "--holidays",
        "sct",
    )
    assert "nudge every (working days): 3" in out
    with cli_db.session(commit=False) as session:
        board = board_by_name(session, "Scottish board")
        assert board is not None
        assert (board.nudge_every_days, board.escalate_after_days) == (3, 8)
        assert board.bank_holiday_region == "SCT"
    bad = cli("board", "Scottish board", "--holidays", "Narnia")
    assert bad.exit_code == 2
    assert "Narnia" in bad.stderr


def test_new_boards_take_the_configured_bank_holiday_region(
    cli_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BANK_HOLIDAY_REGION", "NIR")
    ok("board", "Belfast board", "--create")
    with cli_db.session(commit=False) as session:
        board = board_by_name(session, "Belfast board")
        assert board is not None
        assert board.bank_holiday_region == "NIR"


def test_people_link_wont_move_someone_elses_account_without_force(
    cli_db: Database, shared_data: Path
) -> None:
    import_worcs(shared_data)
    ok("people", "link", "Bec Windsor", "--slack", "U0BECWIND")

    refused = cli("people", "link", "Tina Russell", "--slack", "U0BECWIND")

    assert refused.exit_code == 1
    assert "linked to Bec Windsor" in refused.output
    assert "--force" in refused.output
    assert re.search(r"^Bec Windsor\t.*\tU0BECWIND\t", ok("people"), re.MULTILINE)

    ok("people", "link", "Tina Russell", "--slack", "U0BECWIND", "--force")
    listed = ok("people")
    assert re.search(r"^Tina Russell\t.*\tU0BECWIND\t", listed, re.MULTILINE)
    assert not re.search(r"^Bec Windsor\t.*\tU0BECWIND\t", listed, re.MULTILINE)


def test_a_typo_in_a_board_name_never_makes_an_empty_board(
    cli_db: Database, shared_data: Path
) -> None:
    import_worcs(shared_data)

    typo = cli("board", "Servise Improvement Board", "--channel", "C0123ABC")

    assert typo.exit_code == 1
    assert "there's no board called “Servise Improvement Board”" in typo.output
    assert f"did you mean “{WORCS}”?" in typo.output
    assert "--create" in typo.output
    with cli_db.session(commit=False) as session:
        assert [b.name for b in session.exec(select(Board)).all()] == [WORCS]

    made = ok("board", "Servise Improvement Board", "--create")
    assert "Created board Servise Improvement Board." in made
