"""Plan files are read within bounds, stored clean, and exported safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
import textwrap
from datetime import date
from pathlib import Path

import openpyxl
import pytest

from bot.domain.plan_rows import ActionRow, SourceRef
from bot.domain.workdays import WorkingCalendar
from bot.plan_io import tabular
from bot.plan_io.reader import read_plan_file
from bot.plan_io.writer import EXPORT_COLUMNS, write_csv

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "bot" / "sample" / "st_helens_plan.csv"
AS_OF = date(2022, 10, 31)
CALENDAR = WorkingCalendar("ENG")
MAX_COLUMNS = 200  # bot.plan_io.tabular.MAX_COLUMNS


def sample_rows() -> list[list[str]]:
    with SAMPLE.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle))


def sample_xlsx(path: Path, stray: str | None) -> Path:
    """The St Helens plan as a real workbook, with one stray cell far away if asked."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in sample_rows():
        sheet.append(row)
    if stray is not None:
        sheet[stray] = "stray"
    workbook.save(path)
    return path


# A child process with an address-space cap, so the old, unbounded reader can't take the
# machine down while it fails; tracemalloc's peak is the read's own (ru_maxrss would include
# the forked test process).
_MEASURE = textwrap.dedent(
    """
    import resource, sys, time, tracemalloc
    from datetime import date
    from pathlib import Path
    resource.setrlimit(resource.RLIMIT_AS, (1536 * 1024 * 1024, 1536 * 1024 * 1024))
    from bot.domain.workdays import WorkingCalendar
    from bot.plan_io.reader import read_plan_file
    tracemalloc.start()
    start = time.perf_counter()
    rows, errors = read_plan_file(
        Path(sys.argv[1]), as_of=date(2022, 10, 31), calendar=WorkingCalendar("ENG")
    )
    took = time.perf_counter() - start
    peak_mb = tracemalloc.get_traced_memory()[1] / (1024 * 1024)
    print(len(rows), f"{took:.3f}", f"{peak_mb:.1f}")
    print(" | ".join(str(error) for error in errors))
    """
)


def measured_read(path: Path) -> tuple[int, float, float, str]:
    done = subprocess.run(
        [sys.executable, "-c", _MEASURE, str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    first, errors = done.stdout.splitlines()[:2]
    count, took, peak = first.split()
    return int(count), float(took), float(peak), errors


def test_a_cell_at_xfd1048576_is_refused_fast_in_bounded_memory(tmp_path: Path) -> None:
    """openpyxl would pad every row to column XFD and every gap to row 1,048,576."""
    path = sample_xlsx(tmp_path / "stray.xlsx", "XFD1048576")
    count, took, peak_mb, errors = measured_read(path)
    assert count == 0
    assert "more than 200,000 rows" in errors
    assert took < 5
    assert peak_mb < 200


def test_a_stray_cell_beyond_column_200_is_reported(tmp_path: Path) -> None:
    path = sample_xlsx(tmp_path / "wide.xlsx", "XFD1")
    rows, errors = read_plan_file(path, as_of=AS_OF, calendar=CALENDAR)
    assert rows == []
    [error] = errors
    assert f"beyond column {MAX_COLUMNS}" in str(error)
    assert "row 1" in str(error)


def test_a_csv_row_wider_than_the_bound_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "wide.csv"
    rows = sample_rows()
    rows[3] = [*rows[3], *([""] * MAX_COLUMNS), "stray"]
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    found, errors = read_plan_file(path, as_of=AS_OF, calendar=CALENDAR)
    assert found == []
    assert [f"beyond column {MAX_COLUMNS}" in str(e) and "row 4" in str(e) for e in errors] == [
        True
    ]
    # A spreadsheet's padding to the right is not "too wide": trailing empty cells cost nothing.
    padded = tmp_path / "padded.csv"
    with padded.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([[*row, *([""] * 500)] for row in sample_rows()])
    found, errors = read_plan_file(padded, as_of=AS_OF, calendar=CALENDAR)
    assert errors == []
    assert len(found) == len(sample_rows()) - 1


def test_oversized_files_are_refused_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "huge.csv"
    with path.open("wb") as handle:
        handle.truncate(51 * 1024 * 1024)  # sparse: nothing is read, the size says it all
    rows, errors = read_plan_file(path, as_of=AS_OF, calendar=CALENDAR)
    assert rows == []
    assert "larger than 50 MB" in str(errors[0])


def test_read_plan_bytes_stops_at_the_limit(tmp_path: Path) -> None:
    read_plan_bytes = tabular.read_plan_bytes
    assert tabular.MAX_COLUMNS == MAX_COLUMNS
    path = tmp_path / "plan.csv"
    path.write_bytes(b"x" * 2000)
    assert read_plan_bytes(path, limit=2000) == b"x" * 2000
    with pytest.raises(tabular.TableError, match="larger than"):
        read_plan_bytes(path, limit=1999)


def test_invisible_characters_never_reach_the_rows(tmp_path: Path) -> None:
    """Bidi overrides, zero-width spaces and C1 controls are dropped; the words are kept."""
    rows = sample_rows()
    rows[1][1] = "Embed\u202e practice\u200b standards\x85 now\x1b[31m"
    rows[1][4] = "AD CSC Paula\u2066 Swindlehurst"
    path = tmp_path / "plan.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    found, errors = read_plan_file(path, as_of=AS_OF, calendar=CALENDAR)
    assert errors == []
    assert found[0].title == "Embed practice standards now[31m"
    assert [owner.name for owner in found[0].owners] == ["Paula Swindlehurst"]


def _row(title: str, update: str) -> ActionRow:
    return ActionRow(
        source=SourceRef("plan.csv", 2),
        present=frozenset({"ref", "title", "latest_update"}),
        ref="1.1",
        title=title,
        latest_update=update,
    )


def test_csv_cells_that_would_run_as_formulas_are_text() -> None:
    out = io.StringIO(newline="")
    write_csv([_row('=HYPERLINK("http://evil.invalid","x")', "@SUM(1)")], out)
    header, cells = csv.reader(io.StringIO(out.getvalue(), newline=""))
    by_name = dict(zip(header, cells, strict=True))
    assert header == list(EXPORT_COLUMNS)
    assert by_name["Action"] == '\'=HYPERLINK("http://evil.invalid","x")'
    assert by_name["Update"] == "'@SUM(1)"
    assert by_name["Ref"] == "1.1"


def test_guarded_csv_cells_read_back_as_written(tmp_path: Path) -> None:
    """Our apostrophe comes off on import; a user's own apostrophe stays."""
    texts = ["=1+1", "+44 7700 900000", "-5 on last month", "@here", "'=quoted", "'tis done"]
    path = tmp_path / "export.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        write_csv(
            [
                ActionRow(
                    source=SourceRef("x", n),
                    present=frozenset({"ref", "title"}),
                    ref=f"1.{n}",
                    title=text,
                )
                for n, text in enumerate(texts, start=1)
            ],
            handle,
        )
    with path.open(encoding="utf-8", newline="") as handle:
        written = [row[EXPORT_COLUMNS.index("Action")] for row in csv.reader(handle)][1:]
    guarded = ["'=1+1", "'+44 7700 900000", "'-5 on last month", "'@here", "''=quoted"]
    assert written == [*guarded, "'tis done"]
    found, errors = read_plan_file(path, as_of=AS_OF, calendar=CALENDAR)
    assert errors == []
    assert [row.title for row in found] == texts
