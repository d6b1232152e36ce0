"""Export round-trips: what we write, the reader reads back as the same actions."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path

import openpyxl
import pytest

from bot.domain.plan_rows import ActionRow, MilestoneRow, OwnerName, SourceRef
from bot.domain.rag import Rag
from bot.plan_io.owners import format_owner, parse_owners
from bot.plan_io.reader import read_plan_files
from bot.plan_io.writer import EXPORT_COLUMNS, export_cells, review_date_cell, write_csv, write_xlsx
from tests.plan_io.support import (
    CALENDAR,
    ST_HELENS,
    ST_HELENS_AS_OF,
    WORCS_AS_OF,
    WORCS_FILES,
    comparable,
    merge_by_ref,
    seed,
)

SOURCE = SourceRef("plan.csv", 2)
Route = Callable[[Sequence[ActionRow], Path, date], list[ActionRow]]


def st_helens() -> list[ActionRow]:
    return read_plan_files([seed(ST_HELENS)], as_of=ST_HELENS_AS_OF, calendar=CALENDAR)


def worcestershire() -> list[ActionRow]:
    paths = [seed(name) for name in WORCS_FILES]
    return merge_by_ref(read_plan_files(paths, as_of=WORCS_AS_OF, calendar=CALENDAR))


def via_csv(rows: Sequence[ActionRow], folder: Path, as_of: date) -> list[ActionRow]:
    path = folder / "export.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        write_csv(rows, handle)
    return read_plan_files([path], as_of=as_of, calendar=CALENDAR)


def via_xlsx(rows: Sequence[ActionRow], folder: Path, as_of: date) -> list[ActionRow]:
    path = folder / "export.xlsx"
    write_xlsx(rows, path)
    return read_plan_files([path], as_of=as_of, calendar=CALENDAR)


@pytest.mark.parametrize("route", [via_csv, via_xlsx])
def test_st_helens_round_trip(tmp_path: Path, route: Route) -> None:
    rows = st_helens()
    back = route(rows, tmp_path, ST_HELENS_AS_OF)
    assert [comparable(row) for row in back] == [comparable(row) for row in rows]


@pytest.mark.parametrize("route", [via_csv, via_xlsx])
def test_worcestershire_round_trip(tmp_path: Path, route: Route) -> None:
    rows = worcestershire()
    back = route(rows, tmp_path, WORCS_AS_OF)
    assert [comparable(row) for row in back] == [comparable(row) for row in rows]


def test_round_trip_is_independent_of_the_import_date(tmp_path: Path) -> None:
    """Milestones are written with their year, so a later re-import keeps them in 2017."""
    rows = worcestershire()
    back = via_csv(rows, tmp_path, date(2024, 6, 1))
    assert [comparable(row).milestones for row in back] == [
        comparable(row).milestones for row in rows
    ]


def test_seed_owners_format_and_parse_back_unchanged() -> None:
    owners = {owner for row in st_helens() + worcestershire() for owner in row.owners}
    assert len(owners) > 20
    for owner in owners:
        assert parse_owners(format_owner(owner)) == (owner,)


def test_csv_layout() -> None:
    row = ActionRow(
        source=SOURCE,
        present=frozenset(),
        ref="2.3",
        title="Social Work Practice Model",
        workstream_ref="2",
        workstream="Improve Our Practice",
        owners=(OwnerName("Vel Kenny"), OwnerName("Allison Woods", "DCI (Chair of CARE)")),
        review_date=date(2017, 3, 31),
        review_date_text="31/03/2017",
        rag=Rag.RED,
        latest_update="Practice Model / Approach to be identified",
        milestones=(
            MilestoneRow(date(2017, 3, 2), "02 Mar", "Attend event", done=True),
            MilestoneRow(None, "TBC", "Choose model"),
        ),
    )
    out = io.StringIO(newline="")
    write_csv([row], out)
    header, cells = csv.reader(io.StringIO(out.getvalue(), newline=""))
    assert tuple(header) == EXPORT_COLUMNS
    assert dict(zip(header, cells, strict=True)) == {
        "Workstream Ref": "2",
        "Workstream": "Improve Our Practice",
        "Workstream Lead": "",
        "Ref": "2.3",
        "Action": "Social Work Practice Model",
        "Outcomes Expected": "",
        "Measure": "",
        "By Whom": "Vel Kenny; DCI Allison Woods (Chair of CARE)",
        "Review Date": "31/03/2017",
        "RAG": "Red",
        "Update": "Practice Model / Approach to be identified",
        "Milestones": "[x] 02 Mar 2017 - Attend event\nTBC - Choose model",
    }


@pytest.mark.parametrize(
    ("rag", "label"),
    [(Rag.GREEN, "Green"), (Rag.AMBER, "Amber"), (Rag.COMPLETE, "Complete"),
     (Rag.NOT_STARTED, "Not started"), (None, "")],
)  # fmt: skip
def test_rag_labels(rag: Rag | None, label: str) -> None:
    row = ActionRow(source=SOURCE, present=frozenset(), title="A", rag=rag)
    assert export_cells(row, calendar=CALENDAR)[EXPORT_COLUMNS.index("RAG")] == label


@pytest.mark.parametrize(
    ("due", "text", "cell"),
    [
        (date(2022, 11, 30), "November 2022", "November 2022"),
        (date(2022, 11, 30), "November 2022 (Thereafter bi-monthly review)",
         "November 2022 (Thereafter bi-monthly review)"),
        (date(2023, 4, 14), "November 2022", "14/04/2023"),  # moved by an update
        (date(2023, 4, 14), None, "14/04/2023"),
        (date(2022, 11, 4), "Friday", "04/11/2022"),  # relative words go stale
        (None, "TBC", "TBC"),
        (None, None, ""),
    ],
)  # fmt: skip
def test_review_date_cell(due: date | None, text: str | None, cell: str) -> None:
    row = ActionRow(source=SOURCE, present=frozenset(), review_date=due, review_date_text=text)
    assert review_date_cell(row, CALENDAR) == cell


def test_xlsx_keeps_text_that_looks_like_numbers_or_formulas(tmp_path: Path) -> None:
    row = ActionRow(
        source=SOURCE,
        present=frozenset(),
        ref="2.10",
        title='=HYPERLINK("http://example.invalid")',
        latest_update="+44 and \x07bell",
    )
    write_xlsx([row], tmp_path / "out.xlsx")
    sheet = openpyxl.load_workbook(tmp_path / "out.xlsx").active
    cells = {name: sheet.cell(2, index).value for index, name in enumerate(EXPORT_COLUMNS, 1)}
    assert cells["Ref"] == "2.10"
    assert sheet.cell(2, EXPORT_COLUMNS.index("Action") + 1).data_type == "s"
    assert cells["Update"] == "+44 and bell"
