"""Files as tables: encodings, header rows below titles, spreadsheet row numbers."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest

from bot.plan_io.columns import header_score
from bot.plan_io.tabular import NoHeaderError, TableError, cell_value, read_table


def _xlsx(path: Path, rows: list[list[object]], *, sheets: int = 1) -> Path:
    workbook = openpyxl.Workbook()
    for _ in range(sheets - 1):  # leading sheets without a plan, like a cover page
        workbook.active.append(["Cover page"])
        workbook.create_sheet()
        workbook.active = len(workbook.worksheets) - 1
    sheet = workbook.worksheets[-1]
    for row in rows:
        sheet.append(row)
    workbook.save(path)
    return path


def test_csv_rows_are_numbered_as_a_spreadsheet_shows_them(tmp_path: Path) -> None:
    path = tmp_path / "plan.csv"
    path.write_text('Ref,Action\r\n1.1,"two\r\nlines"\r\n1.2,Next\r\n', encoding="utf-8")
    table = read_table(path, header_score)
    assert table.header_row == 1
    assert [(row.number, row.cells) for row in table.rows] == [
        (2, ("1.1", "two\nlines")),  # a CR LF inside a cell is stored as one newline
        (3, ("1.2", "Next")),
    ]


def test_byte_order_mark_is_not_part_of_the_first_header(tmp_path: Path) -> None:
    path = tmp_path / "plan.csv"
    path.write_bytes("\ufeffRef,Action\n1,A\n".encode())
    assert read_table(path, header_score).header == ("Ref", "Action")


def test_cp1252_files_from_older_excel_are_read(tmp_path: Path) -> None:
    path = tmp_path / "plan.csv"
    path.write_bytes("Action,Update\nBudget,£550 – agreed\n".encode("cp1252"))
    assert read_table(path, header_score).rows[0].cells == ("Budget", "£550 – agreed")


def test_header_is_found_below_title_rows(tmp_path: Path) -> None:
    path = tmp_path / "plan.csv"
    path.write_text("St Helens Improvement Plan\n\nAction,By Whom\nA,B\n", encoding="utf-8")
    table = read_table(path, header_score)
    assert (table.header_row, table.rows[0].number) == (3, 4)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (b"  \r\n", "empty"),
        (b"\x00\x01binary\x00", "binary"),
    ],
)
def test_unreadable_csv_files(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "plan.csv"
    path.write_bytes(content)
    with pytest.raises(TableError, match=message):
        read_table(path, header_score)


def test_other_extensions_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "plan.docx"
    path.write_text("Action\nA\n")
    with pytest.raises(TableError, match=r"\.docx"):
        read_table(path, header_score)


def test_binary_garbage_named_xlsx(tmp_path: Path) -> None:
    path = tmp_path / "plan.xlsx"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    with pytest.raises(TableError, match=r"not a readable \.xlsx"):
        read_table(path, header_score)


def test_xlsx_header_below_title_and_typed_cells(tmp_path: Path) -> None:
    rows: list[list[object]] = [
        ["Improvement Plan"],
        [],
        ["Ref", "Action", "Review Date", "Count"],
        [1.1, "First", datetime(2022, 11, 30), 3],  # noqa: DTZ001 - Excel dates are naive
        [2.1, "Second", None, 2.5],
    ]
    table = read_table(_xlsx(tmp_path / "plan.xlsx", rows), header_score)
    assert table.header_row == 3
    assert [(row.number, row.cells) for row in table.rows] == [
        (4, ("1.1", "First", date(2022, 11, 30), "3")),
        (5, ("2.1", "Second", "", "2.5")),
    ]


def test_xlsx_uses_the_first_sheet_with_a_header(tmp_path: Path) -> None:
    path = _xlsx(tmp_path / "plan.xlsx", [["Action"], ["Only action"]], sheets=2)
    assert read_table(path, header_score).rows[0].cells == ("Only action",)


def test_xlsx_without_a_plan_sheet_keeps_what_its_top_rows_hold(tmp_path: Path) -> None:
    path = _xlsx(tmp_path / "plan.xlsx", [["colour", "size"], ["red", 9]])
    with pytest.raises(NoHeaderError) as caught:
        read_table(path, header_score)
    assert caught.value.candidates == (("colour", "size"), ("red", "9"))
    assert caught.value.sheet is None  # one sheet: no need to name it


def test_a_workbook_with_no_plan_on_any_sheet_names_the_sheet_it_looked_at(
    tmp_path: Path,
) -> None:
    path = _xlsx(tmp_path / "plan.xlsx", [["colour", "size"]], sheets=2)
    with pytest.raises(NoHeaderError) as caught:
        read_table(path, header_score)
    assert caught.value.sheet == "Sheet"  # the first sheet with anything in it: the cover


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        (None, ""),
        (1.1, "1.1"),  # also what a typed-in 1.10 arrives as: the float cannot tell them apart
        (2.0, "2"),
        (7, "7"),
        (True, "TRUE"),
        (datetime(2017, 3, 9, 0, 0), date(2017, 3, 9)),  # noqa: DTZ001 - as openpyxl returns
        ("  text ", "  text "),
    ],
)
def test_cell_values(value: object, cell: object) -> None:
    assert cell_value(value) == cell


def test_a_title_that_is_a_column_name_does_not_hide_the_real_header(tmp_path: Path) -> None:
    path = tmp_path / "plan.csv"
    path.write_text("Actions\nRef,Action,By Whom,RAG\n1.1,A,B,G\n", encoding="utf-8")
    table = read_table(path, header_score)
    assert (table.header_row, table.header) == (2, ("Ref", "Action", "By Whom", "RAG"))
