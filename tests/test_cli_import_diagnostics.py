"""`actionbot import` explains itself (issue 11): every refusal a sentence with what to do,
every guess (a delimiter, a file's real type, a date's year, an Excel day number) said in the
report, reports in the file's own headings, and a long import summarised with a progress bar.

Each test starts from the real seed plans (St Helens, Worcestershire) and derives the variant
it needs in tmp_path.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path

import openpyxl
import pytest
from sqlmodel import col, select
from typer.testing import CliRunner, Result

import handlers.cli.plan as plan_cli
from bot.clock import ManualClock
from handlers.cli.main import CliOptions, app
from storage.db import Database
from storage.models import Action, ActionUpdate, Board, Milestone

SEEDS = Path(__file__).resolve().parents[1] / "bot" / "sample"
ST_HELENS = SEEDS / "st_helens_plan.csv"
WORCS_FILES = [
    SEEDS / name
    for name in (
        "worcestershire_sip.csv",
        "worcestershire_milestones.csv",
        "worcestershire_owners.csv",
    )
]
ST_HELENS_BOARD = "St Helens Children's Improvement Board"
WORCS_BOARD = "Worcestershire Service Improvement Board"
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)  # a Monday, long after either plan was written
SLACK_VARIABLES = ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN")


@pytest.fixture
def cli_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, db_url: str) -> Iterator[Database]:
    """DATABASE_URL at a temporary database; no .env and no Slack from the developer's shell."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", db_url)
    for name in SLACK_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    database = Database.connect(db_url)
    yield database
    database.dispose()


def cli(*args: str | Path, now: datetime = NOW) -> Result:
    return CliRunner().invoke(
        app, [str(arg) for arg in args], obj=CliOptions(clock=ManualClock(now))
    )


def ok(*args: str | Path, now: datetime = NOW) -> str:
    result = cli(*args, now=now)
    assert result.exit_code == 0, f"{args}: {result.output}"
    assert "Traceback" not in result.output
    return result.stdout


def refused(result: Result, code: int) -> str:
    """A refusal: the exit code, sentences on stderr, no traceback."""
    assert result.exit_code == code, result.output
    assert isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    assert "nothing was imported" in result.stderr
    return result.stderr


def import_st_helens(path: Path = ST_HELENS, *more: str) -> Result:
    return cli("import", path, "--board", ST_HELENS_BOARD, "--as-of", "2022-10-31", *more)


def import_worcs(*more: str, now: datetime = NOW) -> str:
    args: list[str | Path] = ["import", *WORCS_FILES, "--board", WORCS_BOARD]
    args += ["--review-date", "29 March 2017"]
    return ok(*args, *more, now=now)


def read_rows(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle))


def write_rows(path: Path, rows: list[list[str]], delimiter: str = ",") -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, delimiter=delimiter).writerows(rows)
    return path


def st_helens_rows() -> list[list[str]]:
    return read_rows(ST_HELENS)


def column(rows: list[list[str]], name: str) -> int:
    return rows[0].index(name)


def boards(db: Database) -> list[str]:
    with db.session(commit=False) as session:
        return [board.name for board in session.exec(select(Board)).all()]


def actions(db: Database) -> dict[str, Action]:
    with db.session(commit=False) as session:
        return {a.title: a for a in session.exec(select(Action).order_by(col(Action.id))).all()}


def milestones(db: Database) -> list[tuple[int, str]]:
    with db.session(commit=False) as session:
        return sorted((m.action_id, m.text) for m in session.exec(select(Milestone)).all())


def history_count(db: Database) -> int:
    with db.session(commit=False) as session:
        return len(session.exec(select(ActionUpdate)).all())


# -- 1. a missing required column ---------------------------------------------------------------


def test_a_missing_title_column_is_named_with_the_headings_found(
    cli_db: Database, tmp_path: Path
) -> None:
    rows = st_helens_rows()
    rows[0][column(rows, "action")] = "Task Name"
    result = import_st_helens(write_rows(tmp_path / "st_helens_plan.csv", rows))
    stderr = refused(result, 2)
    assert "st_helens_plan.csv has no column of action titles" in stderr
    assert "'priority', 'Task Name', 'outcomes_expected', 'measure', 'owners'" in stderr
    assert "head the column that holds each action 'Action', 'Project' or 'Title'" in stderr
    assert "no header row" not in stderr
    assert boards(cli_db) == []


def test_a_milestones_file_without_descriptions_names_that_column(
    cli_db: Database, tmp_path: Path
) -> None:
    rows = [row[:3] for row in read_rows(WORCS_FILES[1])]
    broken = write_rows(tmp_path / "worcestershire_milestones.csv", rows)
    result = cli("import", WORCS_FILES[0], broken, "--board", WORCS_BOARD)
    stderr = refused(result, 2)
    assert "has no column of milestone descriptions" in stderr
    assert "'ref', 'month_column', 'date_text'" in stderr
    assert boards(cli_db) == []


# -- 2. semicolons and tabs -----------------------------------------------------------------------


@pytest.mark.parametrize(("delimiter", "said"), [(";", "semicolons"), ("\t", "tabs")])
def test_a_semicolon_or_tab_file_imports_like_the_csv_and_says_so(
    cli_db: Database, tmp_path: Path, delimiter: str, said: str
) -> None:
    variant = write_rows(tmp_path / "st_helens_plan.csv", st_helens_rows(), delimiter)
    out = ok("import", variant, "--board", ST_HELENS_BOARD, "--as-of", "2022-10-31")
    assert f"st_helens_plan.csv separates its columns with {said}, not commas" in out
    assert "created 16 actions" in out
    plain = ok("import", ST_HELENS, "--board", ST_HELENS_BOARD, "--as-of", "2022-10-31")
    assert "No changes." in plain  # the same plan as the comma-separated original


def test_a_semicolon_file_that_cannot_be_read_says_how_it_was_split(
    cli_db: Database, tmp_path: Path
) -> None:
    rows = st_helens_rows()
    rows[0][column(rows, "action")] = "Task Name"
    result = import_st_helens(write_rows(tmp_path / "plan.csv", rows, ";"))
    stderr = refused(result, 2)
    assert "its headings, split at the semicolons, are 'priority', 'Task Name'" in stderr


# -- 3. a CSV named .xlsx, a header-only file, Excel date numbers ----------------------------------


def test_a_csv_named_xlsx_is_read_as_csv_and_said(cli_db: Database, tmp_path: Path) -> None:
    renamed = tmp_path / "st_helens_plan.xlsx"
    renamed.write_bytes(ST_HELENS.read_bytes())
    result = import_st_helens(renamed)
    assert result.exit_code == 0, result.output
    assert (
        "st_helens_plan.xlsx is named .xlsx but is a CSV (text) file: it was read as CSV "
        "(rename it to .csv)" in result.stdout
    )
    assert len(actions(cli_db)) == 16


def test_a_header_only_file_is_refused_and_nothing_is_written(
    cli_db: Database, tmp_path: Path
) -> None:
    header_only = write_rows(tmp_path / "st_helens_plan.csv", st_helens_rows()[:1])
    stderr = refused(import_st_helens(header_only), 1)
    assert "st_helens_plan.csv has column headings but no rows: nothing to import" in stderr
    assert boards(cli_db) == []


def test_excel_date_numbers_are_read_as_dates_and_said(cli_db: Database, tmp_path: Path) -> None:
    rows = st_helens_rows()
    review = column(rows, "review_date")
    rows[1][review] = "44895"  # 30 Nov 2022 as a CSV saved from a spreadsheet may show it
    rows[3][review] = "45044.0"  # 28 Apr 2023
    result = import_st_helens(write_rows(tmp_path / "st_helens_plan.csv", rows))
    assert result.exit_code == 0, result.output
    assert (
        "st_helens_plan.csv, column 'review_date': 2 cells held Excel date numbers, not dates: "
        "they were read as the dates they stand for ('44895' as 30/11/2022)" in result.stdout
    )
    found = actions(cli_db)
    assert found[rows[1][column(rows, "action")]].review_date == date(2022, 11, 30)
    assert found[rows[3][column(rows, "action")]].review_date == date(2023, 4, 28)


def test_an_xlsx_number_in_a_date_column_is_a_date(cli_db: Database, tmp_path: Path) -> None:
    rows = st_helens_rows()
    review = column(rows, "review_date")
    workbook = openpyxl.Workbook()
    for number, row in enumerate(rows):
        cells: list[object] = list(row)
        if number == 1:
            cells[review] = 42825  # a date cell whose date format was lost: a plain number
        workbook.active.append(cells)
    workbook.save(tmp_path / "plan.xlsx")
    result = import_st_helens(tmp_path / "plan.xlsx")
    assert result.exit_code == 0, result.output
    assert "'42825' as 31/03/2017" in result.stdout
    assert actions(cli_db)[rows[1][column(rows, "action")]].review_date == date(2017, 3, 31)


# -- 4. reports in the file's own headings ----------------------------------------------------


def test_changes_are_reported_in_the_files_headings(cli_db: Database, tmp_path: Path) -> None:
    sip = read_rows(WORCS_FILES[0])
    rag, commentary = column(sip, "rag"), column(sip, "commentary")
    sip[0][rag], sip[0][commentary] = "RAG Status", "Latest Position"
    renamed = write_rows(tmp_path / "worcestershire_sip.csv", sip)
    ok("import", renamed, "--board", WORCS_BOARD, "--as-of", "24/02/2017")
    sip[1][rag] = "R" if sip[1][rag] != "R" else "G"
    sip[2][commentary] = "Recruitment has started."
    write_rows(renamed, sip)
    out = ok("import", renamed, "--board", WORCS_BOARD, "--as-of", "24/02/2017")
    assert "updated 2 actions (" in out
    assert f"    {sip[1][column(sip, 'ref')]}: RAG Status\n" in out
    assert f"    {sip[2][column(sip, 'ref')]}: Latest Position\n" in out
    assert "latest_update" not in out
    assert "rag" not in out.replace("RAG", "")


def test_st_helens_review_date_heading_is_the_one_in_its_file(
    cli_db: Database, tmp_path: Path
) -> None:
    rows = st_helens_rows()
    review = column(rows, "review_date")
    rows[0][review] = "Review Date"
    plan = write_rows(tmp_path / "st_helens_plan.csv", rows)
    assert import_st_helens(plan).exit_code == 0
    rows[1][review] = "March 2023"
    write_rows(plan, rows)
    out = ok("import", plan, "--board", ST_HELENS_BOARD, "--as-of", "2022-10-31", "--json")
    (updated,) = json.loads(out)["updated"]
    assert [(c["column"], c["field"]) for c in updated["changes"]] == [
        ("Review Date", "review_date")
    ]


# -- 5. dates with no year --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("as_of", "written", "expected"),
    [
        ("2026-12-28", "15 Jan", date(2027, 1, 15)),
        ("2026-12-28", "15/01", date(2027, 1, 15)),
        ("2027-01-05", "20 Dec", date(2026, 12, 20)),
        ("2027-01-05", "20/12", date(2026, 12, 20)),
    ],
)
def test_a_date_without_a_year_is_the_nearest_to_as_of(
    cli_db: Database, tmp_path: Path, as_of: str, written: str, expected: date
) -> None:
    rows = st_helens_rows()
    rows[1][column(rows, "review_date")] = written
    plan = write_rows(tmp_path / "st_helens_plan.csv", rows)
    out = ok("import", plan, "--board", ST_HELENS_BOARD, "--as-of", as_of)
    assert actions(cli_db)[rows[1][column(rows, "action")]].review_date == expected
    assert "1 date had no year: it was read as the nearest such date" in out


def test_without_as_of_the_nearest_to_today(cli_db: Database, tmp_path: Path) -> None:
    rows = st_helens_rows()
    rows[1][column(rows, "review_date")] = "15 Jan"
    plan = write_rows(tmp_path / "st_helens_plan.csv", rows)
    ok("import", plan, "--board", ST_HELENS_BOARD, now=datetime(2026, 12, 28, 9, tzinfo=UTC))
    assert actions(cli_db)[rows[1][column(rows, "action")]].review_date == date(2027, 1, 15)


# -- 6. re-importing without --as-of never duplicates milestones ---------------------------------


def test_reimporting_without_as_of_keeps_the_same_milestones(cli_db: Database) -> None:
    import_worcs("--as-of", "24/02/2017")
    before, updates = milestones(cli_db), history_count(cli_db)
    assert before
    again = import_worcs()  # "09 Mar" is now read as 2027, not 2017: still the same milestones
    assert "No changes." in again
    assert milestones(cli_db) == before
    assert history_count(cli_db) == updates
    later = import_worcs(now=datetime(2031, 6, 2, 9, tzinfo=UTC))
    assert "No changes." in later
    assert milestones(cli_db) == before


# -- 7. a JSON export imports like CSV and XLSX ----------------------------------------------------


def test_a_json_export_round_trips_into_a_fresh_database(
    cli_db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert import_st_helens().exit_code == 0
    import_worcs("--as-of", "24/02/2017")
    exported: dict[str, tuple[Path, str, dict[str, object]]] = {}
    for board in (ST_HELENS_BOARD, WORCS_BOARD):
        path = tmp_path / f"{board[:5]}.json"
        ok("export", "--board", board, "--format", "json", "--output", path)
        csv_text = ok("export", "--board", board)
        exported[board] = (path, csv_text, json.loads(path.read_text(encoding="utf-8")))
        again = ok("import", path, "--board", board)
        assert "No changes." in again  # into the same database: nothing to change

    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'fresh.db'}")
    for board, (path, csv_text, record) in exported.items():
        out = ok("import", path, "--board", board)
        assert "is an actionbot export (JSON)" in out
        assert ok("export", "--board", board) == csv_text
        fresh = tmp_path / f"fresh-{board[:5]}.json"
        ok("export", "--board", board, "--format", "json", "--output", fresh)
        assert _plan_of(json.loads(fresh.read_text(encoding="utf-8"))) == _plan_of(record)


def _plan_of(record: dict[str, object]) -> list[dict[str, object]]:
    """The actions as the plan has them: not their history, nor when words last changed."""
    found = record["actions"]
    assert isinstance(found, list)
    return [
        {k: v for k, v in action.items() if k not in ("history", "latest_update_at")}
        for action in found
    ]


def test_a_json_file_that_is_not_an_export_is_refused(cli_db: Database, tmp_path: Path) -> None:
    path = tmp_path / "plan.json"
    path.write_text('{"rows": []}', encoding="utf-8")
    stderr = refused(cli("import", path, "--board", "B"), 2)
    assert 'plan.json is JSON but not an actionbot export (it has no "actions" list)' in stderr
    assert boards(cli_db) == []


def test_a_broken_value_in_an_export_names_the_action(cli_db: Database, tmp_path: Path) -> None:
    assert import_st_helens().exit_code == 0
    path = tmp_path / "plan.json"
    ok("export", "--board", ST_HELENS_BOARD, "--format", "json", "--output", path)
    record = json.loads(path.read_text(encoding="utf-8"))
    record["actions"][2]["rag"] = "purple"
    record["actions"][0]["title"] = "Changed"
    path.write_text(json.dumps(record), encoding="utf-8")
    updates = history_count(cli_db)
    stderr = refused(cli("import", path, "--board", ST_HELENS_BOARD), 1)
    assert 'plan.json: action 3 (ref 2.2): "rag" is "purple", not a RAG status' in stderr
    assert history_count(cli_db) == updates


# -- 8. long imports: a progress bar on a terminal, a summary ------------------------------------


def big_plan(path: Path, count: int) -> Path:
    """St Helens' rows over and over, each copy its own action in its own priority."""
    rows = st_helens_rows()
    title, priority = column(rows, "action"), column(rows, "priority")
    body = []
    for number in range(count):
        row = list(rows[1 + number % (len(rows) - 1)])
        row[title] = f"{row[title][:120]} (copy {number})"
        row[priority] = f"{row[priority]} {number // 100}"
        body.append(row)
    return write_rows(path, [rows[0], *body])


def test_a_5000_row_import_is_summarised(cli_db: Database, tmp_path: Path) -> None:
    plan = big_plan(tmp_path / "big.csv", 5000)
    out = ok("import", plan, "--board", "Big board", "--as-of", "2022-10-31")
    (created,) = [line for line in out.splitlines() if line.startswith("  created")]
    assert created.startswith("  created 5,000 actions: ")
    assert created.endswith(" …and 4,980 more")
    assert len(created.split(": ", 1)[1].split(" …")[0].split(", ")) == 20
    assert max(len(line) for line in out.splitlines()) < 600

    rows = read_rows(plan)
    for row in rows[1:3001]:
        row[column(rows, "review_date")] = "March 2023"
    write_rows(plan, rows)
    out = ok("import", plan, "--board", "Big board", "--as-of", "2022-10-31")
    assert "  updated 3,000 actions (review_date on 3,000):\n" in out
    assert len([line for line in out.splitlines() if line.startswith("    ")]) == 21
    assert "    …and 2,980 more\n" in out
    assert "  left alone 2,000 actions that already match\n" in out


def test_one_of_each_is_singular(cli_db: Database, tmp_path: Path) -> None:
    plan = write_rows(tmp_path / "plan.csv", st_helens_rows()[:2])
    out = ok("import", plan, "--board", "Small", "--as-of", "2022-10-31")
    assert "  created 1 action: 1.1\n" in out
    assert "  added 1 new person: Paula Swindlehurst\n" in out


def test_long_imports_show_progress_on_a_terminal(
    cli_db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bars: list[tuple[str, int, list[int]]] = []

    @contextmanager
    def progress(description: str, total: int | None) -> Iterator[Callable[[int], None]]:
        steps: list[int] = []
        bars.append((description, total or 0, steps))
        yield steps.append

    monkeypatch.setattr(plan_cli, "progress", progress)
    plan = big_plan(tmp_path / "big.csv", 1234)
    ok("import", plan, "--board", "Big board", "--as-of", "2022-10-31")
    assert [(name, total, sum(steps)) for name, total, steps in bars] == [
        ("Reading big.csv", 1234, 1234),
        ("Working out the changes", 1234, 1234),
    ]


def test_no_progress_bar_when_piped(cli_db: Database, tmp_path: Path) -> None:
    result = cli(
        "import", big_plan(tmp_path / "big.csv", 300), "--board", "B", "--as-of", "2022-10-31"
    )
    assert result.exit_code == 0
    assert "━" not in result.output
    assert "\x1b" not in result.output


# -- 9. --json --------------------------------------------------------------------------------


def test_the_report_as_json(cli_db: Database, tmp_path: Path) -> None:
    rows = st_helens_rows()
    rows[2][column(rows, "review_date")] = "15 Jan"
    plan = write_rows(tmp_path / "st_helens_plan.csv", rows, ";")
    report = json.loads(ok("import", plan, "--board", "B", "--as-of", "2022-10-31", "--json"))
    assert report["board"] == "B"
    assert report["new_board"] is True
    assert report["dry_run"] is False
    assert report["counts"] == {
        "created": 16,
        "updated": 0,
        "unchanged": 0,
        "not_in_files": 0,
        "people_created": len(report["people_created"]),
    }
    assert len(report["created"]) == 16
    assert [note["column"] for note in report["notes"]] == [None, "review_date"]
    assert "semicolons" in report["notes"][0]["message"]
    rows[1][column(rows, "latest_update")] = "New words."
    write_rows(plan, rows, ";")
    again = json.loads(ok("import", plan, "--board", "B", "--as-of", "2022-10-31", "--json"))
    (updated,) = again["updated"]
    (change,) = updated["changes"]
    assert change["column"] == "latest_update"
    assert change["after"] == "New words."
    assert again["counts"]["unchanged"] == 15


def test_json_dry_run_says_so_and_keeps_nothing(cli_db: Database) -> None:
    out = ok("import", ST_HELENS, "--board", "B", "--dry-run", "--json")
    assert json.loads(out)["dry_run"] is True
    assert boards(cli_db) == []


# -- every refusal: a sentence, the right exit code, nothing written -------------------------------


@pytest.mark.parametrize(
    ("name", "content", "code", "said"),
    [
        ("nowhere.csv", None, 2, "nowhere.csv: there is no such file"),
        ("plan.docx", b"Action\nA\n", 2, "save the plan as .csv or .xlsx"),
        ("plan.xlsx", b"\x00\x01 not a zip", 2, "not a readable .xlsx workbook"),
        ("plan.csv", b"", 1, "plan.csv: the file is empty: nothing to import"),
        ("plan.json", b"{oops", 2, "plan.json is not valid JSON (line 1, column 2"),
    ],
)
def test_every_refusal_is_a_sentence_and_writes_nothing(
    cli_db: Database, tmp_path: Path, name: str, content: bytes | None, code: int, said: str
) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    stderr = refused(cli("import", path, "--board", "B"), code)
    assert said in stderr
    assert boards(cli_db) == []
