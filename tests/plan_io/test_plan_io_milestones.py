"""Milestone cells: several dated steps per cell, split at each date token."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.plan_rows import MilestoneRow
from bot.plan_io.milestones import (
    dedupe_milestones,
    format_milestone,
    is_unreadable,
    parse_milestones,
)
from tests.plan_io.support import CALENDAR, WORCS_AS_OF


def _parse(cell: str) -> tuple[MilestoneRow, ...]:
    return parse_milestones(cell, today=WORCS_AS_OF, calendar=CALENDAR)


def test_a_cell_with_two_milestones() -> None:
    cell = (
        "13 Mar - Mock up of recruitment website completed for feedback 21 Mar - World Social "
        "Worker Day. Promotional campaigns launched around this date"
    )
    assert _parse(cell) == (
        MilestoneRow(
            date(2017, 3, 13), "13 Mar", "Mock up of recruitment website completed for feedback"
        ),
        MilestoneRow(
            date(2017, 3, 21),
            "21 Mar",
            "World Social Worker Day. Promotional campaigns launched around this date",
        ),
    )


@pytest.mark.parametrize(
    ("cell", "due", "date_text", "text"),
    [
        ("O1 Mar - Working group", date(2017, 3, 1), "01 Mar", "Working group"),
        ("01 Mar- Complete training", date(2017, 3, 1), "01 Mar", "Complete training"),
        ("Apr - Embed usage", date(2017, 4, 28), "Apr", "Embed usage"),
        ("14 March - New CSE Tracker", date(2017, 3, 14), "14 March", "New CSE Tracker"),
        ("11 April - Locality Event", date(2017, 4, 11), "11 April", "Locality Event"),
        ("6 Mar - Co-ordination of audits", date(2017, 3, 6), "6 Mar", "Co-ordination of audits"),
        ("TBC - S&QA GM scoping sessions", None, "TBC", "S&QA GM scoping sessions"),
        ("09 Mar 2018 - Next year", date(2018, 3, 9), "09 Mar 2018", "Next year"),
    ],
)
def test_date_tokens(cell: str, due: date | None, date_text: str, text: str) -> None:
    assert _parse(cell) == (MilestoneRow(due, date_text, text),)


@pytest.mark.parametrize("cell", ["", "TBC", " tbc ", "·", "-", "n/a", "TBC -"])
def test_placeholders_give_no_milestones(cell: str) -> None:
    assert _parse(cell) == ()


def test_done_markers() -> None:
    cell = "[x] 09 Mar 2017 - Kick-off\n✓ 10 Mar 2017 - Launch\n11 Mar 2017 - Review"
    assert [(m.due, m.done) for m in _parse(cell)] == [
        (date(2017, 3, 9), True),
        (date(2017, 3, 10), True),
        (date(2017, 3, 11), False),
    ]


def test_text_before_any_date_is_an_undated_milestone() -> None:
    assert _parse("Agree the scope 31 Mar - Sign off") == (
        MilestoneRow(None, "", "Agree the scope"),
        MilestoneRow(date(2017, 3, 31), "31 Mar", "Sign off"),
    )


def test_words_that_merely_contain_a_month_do_not_split() -> None:
    (only,) = _parse("03 Mar - Marketing plan - May be late; Decision by Sept-ish")
    assert only.text == "Marketing plan - May be late; Decision by Sept-ish"


def test_same_date_and_text_twice_is_one_milestone() -> None:
    cell = "31 Mar - Launch case tracker 31 Mar - Launch case tracker 31 Mar - Other"
    assert [m.text for m in _parse(cell)] == ["Launch case tracker", "Other"]


def test_dedupe_keeps_the_done_copy() -> None:
    open_row = MilestoneRow(date(2017, 3, 1), "01 Mar", "Go live")
    done_row = MilestoneRow(date(2017, 3, 1), "01 Mar 2017", "Go live", done=True)
    assert dedupe_milestones([open_row, done_row]) == (done_row,)


def test_unreadable_dates_are_kept_for_the_reader_to_report() -> None:
    (row,) = _parse("31 Feb - Impossible")
    assert row == MilestoneRow(None, "31 Feb", "Impossible")
    assert is_unreadable(row)
    assert not is_unreadable(MilestoneRow(None, "TBC", "Later"))


@pytest.mark.parametrize(
    "row",
    [
        MilestoneRow(date(2017, 3, 9), "09 Mar", "End to End GM meeting"),
        MilestoneRow(date(2018, 12, 31), "31/12/2018", "Year end", done=True),
        MilestoneRow(None, "TBC", "S&QA GM scoping sessions"),
    ],
)
def test_formatted_milestones_read_back(row: MilestoneRow) -> None:
    (back,) = _parse(format_milestone(row))
    assert (back.due, back.text, back.done) == (row.due, row.text, row.done)


def test_format_includes_the_year() -> None:
    row = MilestoneRow(date(2017, 3, 9), "09 Mar", "End to End GM meeting", done=True)
    assert format_milestone(row) == "[x] 09 Mar 2017 - End to End GM meeting"


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_any_text_parses_without_raising(cell: str) -> None:
    for row in _parse(cell):
        assert row.text or row.date_text


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["09 Mar", "Apr", "TBC", "O1 Mar", "14 March", "[x] 2 Feb 2018"]),
            st.text(alphabet="abc DEF.&-", min_size=1),
        ),
        max_size=4,
    )
)
def test_generated_cells_parse_without_raising(parts: list[tuple[str, str]]) -> None:
    _parse(" ".join(f"{when} - {text}" for when, text in parts))
