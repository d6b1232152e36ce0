"""Files that explain themselves: delimiters sniffed, mislabelled files read as what they are,
Excel date numbers, dates without a year, missing columns named, JSON exports read back."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, timedelta
from pathlib import Path

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.plan_rows import CellError, MilestoneRow, PlanFileError, ReadNote
from bot.plan_io.columns import header_score
from bot.plan_io.dates import EXCEL_EPOCH, FIRST_SERIAL, LAST_SERIAL, read_plan_date, serial_date
from bot.plan_io.exported import read_export
from bot.plan_io.reader import PlanRead, read_plans
from bot.plan_io.tabular import DELIMITERS, pick_delimiter, read_table
from tests.plan_io.support import (
    CALENDAR,
    ST_HELENS,
    ST_HELENS_AS_OF,
    WORCS_AS_OF,
    WORCS_MILESTONES,
    read_csv_rows,
    seed,
    write_csv_rows,
)


def read(*paths: Path, as_of: date = ST_HELENS_AS_OF) -> PlanRead:
    return read_plans(list(paths), as_of=as_of, calendar=CALENDAR)


def errors(*paths: Path, as_of: date = ST_HELENS_AS_OF) -> list[CellError]:
    with pytest.raises(PlanFileError) as caught:
        read(*paths, as_of=as_of)
    return caught.value.errors


def rewritten(name: str, target: Path, delimiter: str = ",") -> Path:
    """A seed plan saved again with another delimiter."""
    with target.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle, delimiter=delimiter).writerows(read_csv_rows(seed(name)))
    return target


def comparable(found: PlanRead) -> list[object]:
    return [(row.title, row.review_date, row.owners, row.milestones) for row in found.rows]


# --- missing columns --------------------------------------------------------------------------


def test_a_missing_title_column_is_named_with_the_headings_found(tmp_path: Path) -> None:
    rows = read_csv_rows(seed(ST_HELENS))
    rows[0][rows[0].index("action")] = "Task Name"
    (error,) = errors(write_csv_rows(tmp_path / ST_HELENS, rows))
    assert error.bad_file
    assert str(error).startswith(f"{ST_HELENS} has no column of action titles: its headings are ")
    assert "'priority', 'Task Name', 'outcomes_expected'" in str(error)
    assert "'Action', 'Project' or 'Title'" in str(error)
    assert "no header row" not in str(error)


def test_a_milestones_file_without_descriptions_says_so(tmp_path: Path) -> None:
    rows = [row[:3] for row in read_csv_rows(seed(WORCS_MILESTONES))]  # ref, month, date_text
    (error,) = errors(write_csv_rows(tmp_path / WORCS_MILESTONES, rows), as_of=WORCS_AS_OF)
    assert "has no column of milestone descriptions" in str(error)
    assert "'ref', 'month_column', 'date_text'" in str(error)
    assert "'Description' or 'Milestone'" in str(error)


def test_the_headings_shown_are_the_row_most_like_a_header(tmp_path: Path) -> None:
    path = write_csv_rows(
        tmp_path / "plan.csv",
        [["Improvement Plan 2023"], [], ["Ref", "Owner", "RAG Status"], ["1", "A", "Red"]],
    )
    (error,) = errors(path)
    assert "its headings are 'Ref', 'Owner', 'RAG Status'" in str(error)


def test_an_xlsx_with_no_plan_names_the_sheet_when_it_has_several(tmp_path: Path) -> None:
    workbook = openpyxl.Workbook()
    workbook.active.title = "Summary"
    workbook.active.append(["Ref", "RAG Status"])
    workbook.create_sheet("Notes").append(["Some notes"])
    workbook.save(tmp_path / "plan.xlsx")
    (error,) = errors(tmp_path / "plan.xlsx")
    assert "has no column of action titles on worksheet 'Summary'" in str(error)


# --- delimiters -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("delimiter", "name", "said"),
    [
        (";", "plan.csv", "semicolons"),
        ("\t", "plan.txt", "tabs"),
        ("|", "plan.csv", "vertical bars ('|')"),
    ],
)
def test_other_delimiters_read_the_same_and_are_said(
    tmp_path: Path, delimiter: str, name: str, said: str
) -> None:
    found = read(rewritten(ST_HELENS, tmp_path / name, delimiter))
    assert comparable(found) == comparable(read(seed(ST_HELENS)))
    (note,) = found.notes
    assert (
        str(note) == f"{name} separates its columns with {said}, not commas: it was read that way"
    )


def test_a_tsv_file_is_expected_to_use_tabs(tmp_path: Path) -> None:
    found = read(rewritten(ST_HELENS, tmp_path / "plan.tsv", "\t"))
    assert len(found.rows) == 16
    assert found.notes == []


def test_commas_inside_a_semicolon_file_stay_in_their_cells(tmp_path: Path) -> None:
    path = tmp_path / "plan.csv"
    path.write_text("Ref;Action;By Whom\n1.1;Plan, then act;Bec Windsor, Head of Service\n")
    (row,) = read(path).rows
    assert (row.ref, row.title) == ("1.1", "Plan, then act")


def test_an_unreadable_semicolon_file_says_how_it_was_split(tmp_path: Path) -> None:
    path = tmp_path / "plan.csv"
    path.write_text("colour;size;shape\nred;9;round\n")
    (error,) = errors(path)
    assert "its headings, split at the semicolons, are 'colour', 'size', 'shape'" in str(error)


_NAMED = ("Ref", "Owner", "RAG Status", "Review Date", "Latest Update", "Measure", "Outcomes")
# Cells without letters can't spell a heading, so the only header is the one we wrote.
_CELL = st.text(alphabet='0123456789 ,;|\t"\n.-/()', max_size=12)


@settings(max_examples=60, deadline=None)
@given(
    delimiter=st.sampled_from(DELIMITERS),
    headings=st.lists(st.sampled_from(_NAMED), unique=True, min_size=1, max_size=5),
    body=st.lists(st.lists(_CELL, min_size=1, max_size=6), max_size=8),
)
def test_any_table_is_read_back_with_its_own_delimiter(
    tmp_path_factory: pytest.TempPathFactory,
    delimiter: str,
    headings: list[str],
    body: list[list[str]],
) -> None:
    header = ["Action", *headings]
    rows = [[f"{number}", *cells[: len(header) - 1]] for number, cells in enumerate(body, 1)]
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter).writerows([header, *rows])
    assert pick_delimiter(out.getvalue(), header_score) == delimiter
    path = tmp_path_factory.mktemp("sniff") / "plan.csv"
    path.write_bytes(out.getvalue().encode("utf-8"))
    table = read_table(path, header_score)
    assert table.header == tuple(header)
    assert [list(row.cells) for row in table.rows] == [_as_read(row) for row in rows]


def _as_read(row: list[str]) -> list[str]:
    """What the reader keeps: line ends as \\n, trailing blank cells dropped."""
    cells = [cell.replace("\r\n", "\n").replace("\r", "\n") for cell in row]
    while cells and not cells[-1].strip():
        cells.pop()
    return cells


# --- files named for another format ------------------------------------------------------------


def test_a_csv_named_xlsx_is_read_as_csv_and_said(tmp_path: Path) -> None:
    found = read(rewritten(ST_HELENS, tmp_path / "plan.xlsx"))
    assert comparable(found) == comparable(read(seed(ST_HELENS)))
    assert [str(note) for note in found.notes] == [
        "plan.xlsx is named .xlsx but is a CSV (text) file: it was read as CSV (rename it to .csv)"
    ]


def test_a_workbook_named_csv_is_read_as_a_workbook(tmp_path: Path) -> None:
    workbook = openpyxl.Workbook()
    for row in read_csv_rows(seed(ST_HELENS)):
        workbook.active.append(row)
    workbook.save(tmp_path / "plan.csv")
    found = read(tmp_path / "plan.csv")
    assert comparable(found) == comparable(read(seed(ST_HELENS)))
    assert "is named .csv but is an Excel workbook" in str(found.notes[0])


def test_a_csv_named_json_is_read_as_csv_and_said(tmp_path: Path) -> None:
    found = read(rewritten(ST_HELENS, tmp_path / "plan.json"))
    assert comparable(found) == comparable(read(seed(ST_HELENS)))
    assert "plan.json is named .json but is a CSV (text) file" in str(found.notes[0])


def test_excel_unicode_text_is_read(tmp_path: Path) -> None:
    """Excel's "Unicode Text" is UTF-16, tab-separated: NUL bytes, but text."""
    out = io.StringIO()
    csv.writer(out, delimiter="\t").writerows(read_csv_rows(seed(ST_HELENS)))
    path = tmp_path / "plan.txt"
    path.write_bytes(out.getvalue().encode("utf-16"))
    found = read(path)
    assert comparable(found) == comparable(read(seed(ST_HELENS)))
    assert "separates its columns with tabs" in str(found.notes[0])


def test_an_old_xls_workbook_named_xlsx_is_refused_with_what_to_do(tmp_path: Path) -> None:
    path = tmp_path / "plan.xlsx"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(512))
    (error,) = errors(path)
    assert error.bad_file
    assert "Excel 97-2003 workbook (.xls)" in str(error)
    assert "save it as .xlsx" in str(error)


def test_a_header_only_file_has_nothing_to_import(tmp_path: Path) -> None:
    path = write_csv_rows(tmp_path / ST_HELENS, read_csv_rows(seed(ST_HELENS))[:1])
    (error,) = errors(path)
    assert str(error) == f"{ST_HELENS} has column headings but no rows: nothing to import"
    assert not error.bad_file  # a problem (exit 1), not a malformed file


# --- Excel date numbers -----------------------------------------------------------------------


@given(st.integers(min_value=FIRST_SERIAL, max_value=LAST_SERIAL))
def test_any_serial_in_range_is_the_day_excel_means(days: int) -> None:
    expected = date(1899, 12, 30) + timedelta(days=days)
    assert serial_date(str(days)) == expected
    assert serial_date(f"{days}.75") == expected  # a date and a time of day
    assert 1990 <= expected.year <= 2100


@given(st.integers(min_value=0, max_value=10**7))
def test_numbers_outside_the_serial_range_are_not_dates(number: int) -> None:
    if not FIRST_SERIAL <= number <= LAST_SERIAL:
        assert serial_date(str(number)) is None


@pytest.mark.parametrize("text", ["1.1", "2022", "42825x", "", "4282", "-42825"])
def test_refs_years_and_words_are_not_serials(text: str) -> None:
    assert serial_date(text) is None


def test_serial_review_dates_are_read_as_dates_and_said(tmp_path: Path) -> None:
    rows = read_csv_rows(seed(ST_HELENS))
    column = rows[0].index("review_date")
    rows[1][column] = "44895"  # 30 Nov 2022, as a CSV from a spreadsheet shows a date cell
    rows[2][column] = "44895.0"
    found = read(write_csv_rows(tmp_path / ST_HELENS, rows))
    assert [row.review_date for row in found.rows[:2]] == [date(2022, 11, 30)] * 2
    assert found.rows[0].review_date_text == "30/11/2022"
    (note,) = found.notes
    assert note.column == "review_date"
    assert "2 cells held Excel date numbers, not dates" in str(note)
    assert "'44895' as 30/11/2022" in str(note)


def test_numeric_cells_in_an_xlsx_date_column_are_dates(tmp_path: Path) -> None:
    workbook = openpyxl.Workbook()
    for cells in (["Ref", "Action", "Review Date"], [1.1, "Typed as a number", 42825]):
        workbook.active.append(cells)
    workbook.save(tmp_path / "plan.xlsx")
    (row,) = read(tmp_path / "plan.xlsx").rows
    assert row.review_date == EXCEL_EPOCH + timedelta(days=42825) == date(2017, 3, 31)


def test_serial_dates_in_a_milestones_file(tmp_path: Path) -> None:
    path = write_csv_rows(
        tmp_path / "m.csv", [["Ref", "Date", "Description"], ["1.1", "42825", "Go"]]
    )
    (row,) = read(path, as_of=WORCS_AS_OF).rows
    assert row.milestones == (MilestoneRow(date(2017, 3, 31), "31/03/2017", "Go"),)


# --- dates without a year ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "as_of", "expected"),
    [
        ("15 Jan", date(2026, 12, 28), date(2027, 1, 15)),
        ("15/01", date(2026, 12, 28), date(2027, 1, 15)),
        ("20 Dec", date(2027, 1, 5), date(2026, 12, 20)),
        ("09 Mar", WORCS_AS_OF, date(2017, 3, 9)),
        ("15 Jan 2026", date(2026, 12, 28), date(2026, 1, 15)),  # a year written is kept
    ],
)
def test_a_date_without_a_year_is_the_nearest_to_the_plan_date(
    text: str, as_of: date, expected: date
) -> None:
    reading = read_plan_date(text, as_of=as_of, calendar=CALENDAR)
    assert reading is not None
    assert reading.date == expected


@given(
    as_of=st.dates(min_value=date(1992, 1, 1), max_value=date(2098, 12, 31)),
    day=st.dates(min_value=date(2001, 1, 1), max_value=date(2001, 12, 31)),  # not a leap year
)
def test_a_yearless_date_is_never_more_than_half_a_year_away(as_of: date, day: date) -> None:
    text = f"{day.day} {day:%B}"
    reading = read_plan_date(text, as_of=as_of, calendar=CALENDAR)
    assert reading is not None
    assert reading.date is not None
    assert (reading.date.month, reading.date.day) == (day.month, day.day)
    assert abs((reading.date - as_of).days) <= 184


def test_yearless_dates_are_said_once_per_column(tmp_path: Path) -> None:
    found = read(seed(WORCS_MILESTONES), as_of=WORCS_AS_OF)
    (note,) = found.notes
    assert note.column == "date_text"
    assert str(note).startswith(f"{WORCS_MILESTONES}, column 'date_text': 89 dates had no year")
    assert "'09 Mar' as 09/03/2017" in str(note)


# --- the user's headings travel with the rows --------------------------------------------------


def test_rows_carry_their_files_headings(tmp_path: Path) -> None:
    path = write_csv_rows(
        tmp_path / "plan.csv",
        [["Ref", "Action", "RAG Status", "Review Date", "March"], ["1", "A", "Red", "", ""]],
    )
    (row,) = read(path).rows
    assert row.columns["rag"] == "RAG Status"
    assert row.columns["review_date"] == "Review Date"
    assert row.columns["milestones"] == "March"


# --- JSON exports ------------------------------------------------------------------------------


def _export(*actions: object) -> bytes:
    return json.dumps({"exported_at": "2026-01-01T00:00:00", "actions": list(actions)}).encode()


def test_an_export_reads_as_plan_rows() -> None:
    data = _export(
        {
            "ref": "1.1",
            "title": "Recruit",
            "workstream": "Workforce",
            "owners": [{"name": "Bec Windsor", "role": "HoS"}],
            "review_date": "2023-04-28",
            "review_date_text": "April 2023",
            "rag": "amber",
            "milestones": [
                {
                    "position": 1,
                    "due": "2023-03-09",
                    "text": "Go",
                    "done": True,
                    "date_text": "9 Mar",
                }
            ],
            "history": [{"whatever": "is ignored"}],
        }
    )
    found = read_export("plan.json", data)
    assert found.errors == []
    (row,) = found.rows
    assert (row.ref, row.title, row.workstream, row.review_date) == (
        "1.1",
        "Recruit",
        "Workforce",
        date(2023, 4, 28),
    )
    assert row.rag is not None
    assert row.rag.value == "amber"
    assert row.milestones == (MilestoneRow(date(2023, 3, 9), "9 Mar", "Go", True),)
    assert isinstance(found.notes[0], ReadNote)


@pytest.mark.parametrize(
    ("data", "said", "bad_file"),
    [
        (b"{not json", "is not valid JSON (line 1, column 2", True),
        (b"[1, 2]", 'not an actionbot export (it has no "actions" list)', True),
        (b'{"actions": []}', "has no actions in it: nothing to import", False),
        (_export({"ref": "1", "title": "A", "rag": "purple"}), '"rag" is "purple"', False),
        (_export({"ref": "1"}), 'action 1 (ref 1): has no "title"', False),
        (_export({"title": "A", "review_date": "soon"}), '"review_date" should be a date', False),
        (_export({"title": "A", "owners": "Bec"}), '"owners" should be a list', False),
        (_export({"ref": "1", "title": "A"}, {"ref": "1", "title": "B"}), "also action 1", False),
        (b"[" * 100_000, "", True),
    ],
)
def test_a_broken_export_says_what_is_wrong(data: bytes, said: str, bad_file: bool) -> None:
    found = read_export("plan.json", data)
    assert found.rows == [] or found.errors
    (error,) = found.errors
    assert said in str(error)
    assert error.bad_file is bad_file


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=8,
)
_KEYS = st.sampled_from(
    ["ref", "title", "owners", "rag", "review_date", "milestones", "workstream", "x"]
)


@settings(max_examples=100, deadline=None)
@given(actions=st.lists(st.dictionaries(_KEYS, _JSON, max_size=6) | _JSON, max_size=4))
def test_any_json_gives_rows_or_sentences_never_an_exception(actions: list[object]) -> None:
    found = read_export("plan.json", json.dumps({"actions": actions}).encode())
    assert all(isinstance(error, CellError) and str(error) for error in found.errors)
