"""Reading the real seed plans, and refusing broken copies of them with useful messages."""

from __future__ import annotations

import csv
import dataclasses
from collections import Counter
from datetime import date
from pathlib import Path

import openpyxl
import pytest

from bot.domain.plan_rows import (
    ActionRow,
    CellError,
    MilestoneRow,
    OwnerName,
    PlanFileError,
    SourceRef,
)
from bot.domain.rag import Rag
from bot.plan_io.reader import read_plan_files
from tests.plan_io.support import (
    CALENDAR,
    ST_HELENS,
    ST_HELENS_AS_OF,
    WORCS_AS_OF,
    WORCS_MILESTONES,
    WORCS_OWNERS,
    WORCS_SIP,
    copy_seed,
    csv_to_xlsx,
    edit_seed,
    merge_by_ref,
    seed,
    write_csv_rows,
)


def read_st_helens(*paths: Path) -> list[ActionRow]:
    return read_plan_files(paths or [seed(ST_HELENS)], as_of=ST_HELENS_AS_OF, calendar=CALENDAR)


def read_worcs(*names: str) -> list[ActionRow]:
    paths = [seed(name) for name in names]
    return read_plan_files(paths, as_of=WORCS_AS_OF, calendar=CALENDAR)


def errors_of(paths: list[Path], as_of: date = ST_HELENS_AS_OF) -> list[CellError]:
    with pytest.raises(PlanFileError) as caught:
        read_plan_files(paths, as_of=as_of, calendar=CALENDAR)
    return caught.value.errors


# --- St Helens -------------------------------------------------------------------------------


def test_st_helens_has_16_actions_in_6_numbered_workstreams() -> None:
    rows = read_st_helens()
    assert len(rows) == 16
    counts = Counter((row.workstream_ref, row.workstream) for row in rows)
    assert list(counts.items()) == [
        (("1", "Being Brilliant at the Basics"), 1),
        (("2", "Partnerships"), 3),
        (("3", "Workforce"), 4),
        (("4", "Quality Assurance"), 1),
        (("5", "Permanency"), 4),
        (("6", "Leadership"), 3),
    ]


def test_st_helens_rows_have_no_ref_and_say_which_fields_they_carry() -> None:
    row = read_st_helens()[0]
    assert row.ref is None
    assert row.rag is None
    assert row.source.file == ST_HELENS
    assert row.source.row == 2
    assert row.present == {
        "title", "workstream", "workstream_ref", "outcomes", "measures", "owners",
        "review_date", "latest_update",
    }  # fmt: skip


def test_st_helens_owners() -> None:
    rows = read_st_helens()
    assert rows[0].owners == (OwnerName("Paula Swindlehurst", "AD CSC"),)
    assert rows[2].owners == (
        OwnerName("Jan Higgins", "Head of Children & Partnership Work"),
        OwnerName("Hilary Brooks", "DCS"),
        OwnerName("Steve Brizell", "SI"),
        OwnerName("Lisa Ellis", "Associate Director, Quality & Safety Improvement (St Helens)"),
    )
    assert rows[3].owners == (
        OwnerName("Allison Woods", "DCI (Chair of CARE)"),
        OwnerName("Jo Bibby", "HoS"),
    )
    assert rows[9].owners[1] == OwnerName("Heads of Service")


def test_the_same_person_has_one_key_across_rows() -> None:
    keys = {owner.key for row in read_st_helens() for owner in row.owners}
    assert "paula swindlehurst" in keys
    assert len([key for key in keys if "swindlehurst" in key]) == 1


def test_st_helens_review_dates_are_last_working_days() -> None:
    by_text = {row.review_date_text: row.review_date for row in read_st_helens()}
    assert by_text == {
        "November 2022": date(2022, 11, 30),
        "November 2022 (Thereafter bi-monthly review)": date(2022, 11, 30),
        "April 2023": date(2023, 4, 28),
        "February 2023": date(2023, 2, 28),
        "December 2022": date(2022, 12, 30),
        "January 2023": date(2023, 1, 31),
    }


def test_st_helens_text_is_trimmed_and_single_spaced() -> None:
    for row in read_st_helens():
        for text in (row.title, row.outcomes, row.measures, row.latest_update):
            assert text is not None
            assert text == " ".join(text.split())


# --- Worcestershire --------------------------------------------------------------------------


def test_worcestershire_has_47_actions_with_the_csv_rag_counts() -> None:
    rows = read_worcs(WORCS_SIP)
    with seed(WORCS_SIP).open(newline="", encoding="utf-8") as handle:
        letters = Counter(record["rag"] for record in csv.DictReader(handle))
    assert len(rows) == 47
    assert Counter(row.rag for row in rows) == {
        Rag.GREEN: letters["G"],
        Rag.AMBER: letters["A"],
        Rag.RED: letters["R"],
    }
    assert sum(letters.values()) == 47


def test_worcestershire_refs_and_workstreams() -> None:
    rows = read_worcs(WORCS_SIP)
    assert [row.ref for row in rows[:3]] == ["1.1", "1.2", "1.3"]
    assert rows[0].workstream == "Support and Develop Our Workforce"
    assert {row.workstream_ref for row in rows} == {str(n) for n in range(1, 9)}
    assert rows[2].latest_update is not None
    assert rows[2].latest_update.startswith("Delivery plan dependant on financial viability")


def test_worcestershire_milestone_cells() -> None:
    by_ref = {row.ref: row for row in read_worcs(WORCS_SIP)}
    assert [m.due for m in by_ref["1.2"].milestones] == [
        date(2017, 3, 13),
        date(2017, 3, 21),
        date(2017, 4, 10),
        date(2017, 4, 24),
    ]
    assert by_ref["1.7"].milestones == ()
    assert by_ref["2.2"].milestones == ()  # "TBC" alone in both columns
    assert by_ref["3.2"].milestones[1] == MilestoneRow(
        None, "TBC", "S&QA GM scoping sessions and resource requirements scheduled"
    )
    assert by_ref["6.9"].milestones[0].due == date(2017, 3, 1)  # "O1 Mar" as scanned


def test_worcestershire_milestones_file() -> None:
    rows = read_worcs(WORCS_MILESTONES)
    assert len(rows) == 94 - 3  # three TBC rows with no description are placeholders
    assert all(row.present == {"ref", "milestones"} for row in rows)
    assert all(len(row.milestones) == 1 and row.title is None for row in rows)
    first = rows[0]
    assert (first.ref, first.source.row) == ("1.1", 2)
    assert first.milestones[0] == MilestoneRow(
        date(2017, 3, 9), "09 Mar", "End to End GM meeting to start communication of Strategy"
    )


def test_milestones_file_and_milestone_cells_agree() -> None:
    """Two transcriptions of the same table must give the same milestones."""
    from_cells = {row.ref: set(_due_and_text(row)) for row in read_worcs(WORCS_SIP)}
    from_file: dict[str | None, set[tuple[date | None, str]]] = {}
    for row in read_worcs(WORCS_MILESTONES):
        from_file.setdefault(row.ref, set()).update(_due_and_text(row))
    assert {ref: found for ref, found in from_cells.items() if found} == from_file


def _due_and_text(row: ActionRow) -> list[tuple[date | None, str]]:
    return [(m.due, m.text) for m in row.milestones]


def test_worcestershire_owners_file_adds_owners_and_leads() -> None:
    rows = read_worcs(WORCS_OWNERS)
    assert len(rows) == 47
    by_ref = {row.ref: row for row in rows}
    assert by_ref["1.1"].owners == (OwnerName("Bec Windsor"),)
    assert by_ref["7.1"].owners == (OwnerName("Emma Brittain"), OwnerName("Maria White"))
    assert by_ref["5.2"].owners == (OwnerName("Emma Brittain"), OwnerName("Adam"))
    assert by_ref["7.5"].owners == (OwnerName("Martha McCarron"),)
    assert by_ref["1.1"].workstream_lead == "CATHERINE DRISCOLL; BEC WINDSOR / STEVE FIELD"
    assert rows[0].present == {"workstream", "title", "owners", "workstream_lead", "ref"}


def test_worcestershire_three_files_merge_by_ref() -> None:
    merged = merge_by_ref(read_worcs(WORCS_SIP, WORCS_MILESTONES, WORCS_OWNERS))
    assert len(merged) == 47
    assert all(row.owners and row.title and row.rag for row in merged)
    by_ref = {row.ref: row for row in merged}
    assert len(by_ref["1.2"].milestones) == 4


# --- XLSX ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "as_of"),
    [
        (ST_HELENS, ST_HELENS_AS_OF),
        (WORCS_SIP, WORCS_AS_OF),
        (WORCS_MILESTONES, WORCS_AS_OF),
        (WORCS_OWNERS, WORCS_AS_OF),
    ],
)
def test_xlsx_copies_read_the_same_as_the_csv(tmp_path: Path, name: str, as_of: date) -> None:
    xlsx = csv_to_xlsx(seed(name), tmp_path / name.replace(".csv", ".xlsx"))
    from_csv = read_plan_files([seed(name)], as_of=as_of, calendar=CALENDAR)
    from_xlsx = read_plan_files([xlsx], as_of=as_of, calendar=CALENDAR)
    assert [_without_source(row) for row in from_xlsx] == [_without_source(r) for r in from_csv]
    assert from_xlsx[0].source.row == 4  # title row, blank row, header, then data


def _without_source(row: ActionRow) -> ActionRow:
    return dataclasses.replace(row, source=SourceRef("", 0))


def test_xlsx_date_cells_are_taken_as_they_are(tmp_path: Path) -> None:
    workbook = openpyxl.Workbook()
    workbook.active.append(["Action", "Review Date"])
    workbook.active.append(["Review supervision", date(2023, 4, 14)])
    workbook.save(tmp_path / "plan.xlsx")
    (row,) = read_st_helens(tmp_path / "plan.xlsx")
    assert (row.review_date, row.review_date_text) == (date(2023, 4, 14), "14/04/2023")


def test_xlsx_float_refs_lose_trailing_zeros(tmp_path: Path) -> None:
    """Excel stores 1.10 typed as a number as 1.1; only a text cell keeps '1.10'."""
    workbook = openpyxl.Workbook()
    for row in (["Ref", "Action"], [1.10, "Typed as number"], ["2.10", "Typed as text"]):
        workbook.active.append(row)
    workbook.save(tmp_path / "plan.xlsx")
    assert [row.ref for row in read_st_helens(tmp_path / "plan.xlsx")] == ["1.1", "2.10"]


# --- values ----------------------------------------------------------------------------------


def _plan(tmp_path: Path, *rows: list[str], name: str = "plan.csv") -> Path:
    return write_csv_rows(tmp_path / name, [["Ref", "Action", "Review Date", "RAG"], *rows])


@pytest.mark.parametrize("text", ["-", "n/a", "tbc", "TBC"])
def test_review_date_placeholders_keep_their_text(tmp_path: Path, text: str) -> None:
    (row,) = read_st_helens(_plan(tmp_path, ["1", "A", text, ""]))
    assert (row.review_date, row.review_date_text) == (None, text)


def test_refs_are_normalised(tmp_path: Path) -> None:
    rows = read_st_helens(_plan(tmp_path, ["1.1 ", "A", "", ""], ["2.10", "B", "", ""]))
    assert [row.ref for row in rows] == ["1.1", "2.10"]


def test_blank_rows_and_unused_columns_are_skipped(tmp_path: Path) -> None:
    path = write_csv_rows(
        tmp_path / "plan.csv",
        [["Action", "note"], ["A", ""], ["", ""], ["", "just a note"], ["B", "x"]],
    )
    assert [(row.title, row.source.row) for row in read_st_helens(path)] == [("A", 2), ("B", 5)]


# --- broken copies ---------------------------------------------------------------------------


def test_garbled_review_date_names_file_row_and_column(tmp_path: Path) -> None:
    path = edit_seed(ST_HELENS, tmp_path, 7, "review_date", "sometime soon")
    (error,) = errors_of([path])
    assert (error.file, error.row, error.column) == (ST_HELENS, 7, "review_date")
    assert "sometime soon" in error.message
    assert str(error).startswith("st_helens_plan.csv, row 7, column 'review_date': ")


def test_ambiguous_review_date_is_an_error(tmp_path: Path) -> None:
    """ "next Friday" could be this week's or next week's: an import must not guess."""
    (error,) = errors_of([_plan(tmp_path, ["1", "A", "next Friday", ""])])
    assert (error.row, error.column) == (2, "Review Date")
    assert " or " in error.message


def test_unknown_rag_names_row_and_column(tmp_path: Path) -> None:
    path = edit_seed(WORCS_SIP, tmp_path, 5, "rag", "purple")
    (error,) = errors_of([path], as_of=WORCS_AS_OF)
    assert (error.file, error.row, error.column) == (WORCS_SIP, 5, "rag")
    assert "'purple'" in error.message


def test_duplicate_ref_in_one_file(tmp_path: Path) -> None:
    path = edit_seed(WORCS_SIP, tmp_path, 3, "ref", "1.1")
    (error,) = errors_of([path], as_of=WORCS_AS_OF)
    assert (error.row, error.column) == (3, "ref")
    assert "row 2" in error.message


def test_ref_with_no_title(tmp_path: Path) -> None:
    (error,) = errors_of([_plan(tmp_path, ["1.1", "", "", "G"])])
    assert (error.row, error.column) == (2, "Action")


def test_unreadable_milestone_date(tmp_path: Path) -> None:
    path = write_csv_rows(tmp_path / "plan.csv", [["Action", "March"], ["A", "31 Feb - Never"]])
    (error,) = errors_of([path])
    assert (error.row, error.column) == (2, "March")


def test_every_error_in_every_file_is_reported_and_nothing_returned(tmp_path: Path) -> None:
    good = copy_seed(ST_HELENS, tmp_path)
    bad = _plan(tmp_path, ["1", "A", "soonish", "purple"], ["1", "B", "", ""], name="bad.csv")
    errors = errors_of([good, bad])
    assert [(e.file, e.row, e.column) for e in errors] == [
        ("bad.csv", 2, "Review Date"),
        ("bad.csv", 2, "RAG"),
        ("bad.csv", 3, "Ref"),
    ]


def test_error_message_lists_every_problem(tmp_path: Path) -> None:
    bad = _plan(tmp_path, ["1", "A", "soonish", "purple"])
    with pytest.raises(PlanFileError, match=r"2 problems") as caught:
        read_st_helens(bad)
    assert "soonish" in str(caught.value)
    assert "purple" in str(caught.value)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("plan.xlsx", b"\x00\x01\x02 definitely not a zip", "not a readable .xlsx"),
        ("plan.csv", b"", "empty"),
        ("plan.docx", b"Action\nA\n", "save the plan as .csv or .xlsx"),
    ],
)
def test_whole_file_problems(tmp_path: Path, name: str, content: bytes, message: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    (error,) = errors_of([path])
    assert (error.file, error.row, error.column) == (name, 0, "")
    assert message in error.message
    assert str(error).startswith(f"{name}: ")


def test_a_file_with_no_title_column_says_so_and_lists_its_headings(tmp_path: Path) -> None:
    path = tmp_path / "plan.csv"
    path.write_bytes(b"colour,size,shape\nred,9,round\n")
    (error,) = errors_of([path])
    assert (error.file, error.row, error.column, error.bad_file) == ("plan.csv", 0, "", True)
    assert str(error).startswith("plan.csv has no column of action titles: ")
    assert "its headings are 'colour', 'size', 'shape'" in str(error)
    assert "'Action', 'Project' or 'Title'" in str(error)


def test_missing_file(tmp_path: Path) -> None:
    (error,) = errors_of([tmp_path / "nowhere.csv"])
    assert (error.row, error.column) == (0, "")
