"""The phrase table (tests/domain/phrases.csv): owners' words, mostly from the seed plans.

Columns: category, text, rag ('?green' = a did-you-mean guess, never applied), date (ISO, 'ask'
or blank), milestones ('1;2'), keeps_words ('yes' = worth recording, 'no' = nonsense),
milestone_date ('2=2027-03-09' or '2=ask'). Read as if sent on Tue 1 Dec 2026, calendar ENG.
"""

from __future__ import annotations

import csv
import string
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.rag import Rag
from bot.domain.updates import ParsedUpdate, parse_update
from bot.domain.workdays import WorkingCalendar

ENG = WorkingCalendar("ENG")
TODAY = date(2026, 12, 1)
TABLE = Path(__file__).with_name("phrases.csv")


def load_rows() -> list[dict[str, str]]:
    with TABLE.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


ROWS = load_rows()


def parse(text: str) -> ParsedUpdate:
    return parse_update(text, today=TODAY, calendar=ENG)


def asks_about_date(update: ParsedUpdate) -> bool:
    return update.new_date is None and bool(update.date_options or update.date_doubts)


def check(row: dict[str, str]) -> list[str]:
    """What the parser got wrong on one row (empty when right)."""
    update = parse(row["text"])
    wrong = []
    want_rag = row["rag"]
    if want_rag.startswith("?"):
        if update.rag is not None or update.rag_guess != Rag(want_rag[1:]):
            wrong.append(f"rag guess {update.rag_guess} / rag {update.rag}, want {want_rag}")
    else:
        if update.rag != (Rag(want_rag) if want_rag else None):
            wrong.append(f"rag {update.rag}, want {want_rag or None}")
    want_date = row["date"]
    if want_date == "ask":
        if not asks_about_date(update):
            wrong.append(f"date {update.new_date} not asked, want ask")
    elif want_date:
        if update.new_date != date.fromisoformat(want_date):
            wrong.append(f"date {update.new_date} {update.date_options}, want {want_date}")
    elif update.new_date is not None or update.date_options:
        wrong.append(f"date {update.new_date} {update.date_options}, want none")
    want_ms = tuple(int(n) for n in row["milestones"].split(";") if n)
    if update.milestones_done != want_ms:
        wrong.append(f"milestones {update.milestones_done}, want {want_ms}")
    if row.get("milestone_date"):
        number, _, when = row["milestone_date"].partition("=")
        got = dict(update.milestone_dates).get(int(number))
        if when == "ask":
            if got is not None or not update.date_doubts:
                wrong.append(f"milestone date {got}, want ask")
        elif got != date.fromisoformat(when):
            wrong.append(f"milestone date {got}, want {when}")
        if update.new_date is not None:
            wrong.append("a milestone's date became the review date")
    if row["keeps_words"] == "yes" and not update.is_meaningful:
        wrong.append("not meaningful")
    if row["keeps_words"] == "no" and update.is_meaningful:
        wrong.append("nonsense read as meaningful")
    return wrong


def test_the_table_is_big_enough() -> None:
    assert len(ROWS) >= 300
    assert len({row["text"] for row in ROWS}) == len(ROWS)


@pytest.mark.parametrize(
    "row", ROWS, ids=[f"{i}-{row['category']}-{row['text'][:40]}" for i, row in enumerate(ROWS)]
)
def test_phrase(row: dict[str, str]) -> None:
    assert check(row) == []


def test_questions_say_why() -> None:
    update = parse("new date 31 April")
    assert update.date_options == (date(2027, 4, 30), date(2027, 5, 3)) or update.date_options
    assert any("30 days" in q for q in update.questions)
    leap = parse("slipped to 29/02/2027")
    assert any("not a leap year" in q for q in leap.questions)
    weekday = parse("slipped to Friday 10 April")
    assert any("Saturday" in q for q in weekday.questions)
    assert parse("gren").questions == ("“gren”: did you mean Green?",)


def test_understood_records_the_words_each_piece_came_from() -> None:
    update = parse("milestone 2 done, amber overall - slipped to 14 April")
    pieces = dict(update.understood)
    assert pieces["rag"].lower() == "amber"
    assert pieces["date"] == "14 April"
    assert "milestone 2 done" in pieces["milestone"]


def test_a_milestone_date_is_not_the_review_date() -> None:
    update = parse("milestone 2 slipped to 30 April")
    assert update.milestone_dates == ((2, date(2027, 4, 30)),)
    assert update.new_date is None


# --- properties -----------------------------------------------------------------------------

texts = st.text(max_size=400) | st.sampled_from([row["text"] for row in ROWS]).flatmap(
    lambda base: st.text(alphabet=string.printable, max_size=20).map(lambda tail: base + tail)
)


@given(texts, st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 12, 31)))
def test_never_raises_and_never_sets_a_non_working_day(text: str, today: date) -> None:
    update = parse_update(text, today=today, calendar=ENG)
    if update.new_date is not None:
        assert ENG.is_working_day(update.new_date)
        assert not update.date_options


@given(
    st.text(alphabet=st.characters(exclude_categories=("Lu", "Ll", "Lt", "Lm", "Lo")), max_size=200)
)
def test_text_with_no_letters_changes_nothing(text: str) -> None:
    update = parse(text)
    assert update.rag is None
    assert update.date_shift is None
    assert update.milestones_done == ()
    assert update.milestone_dates == ()
    if update.new_date is not None or update.date_options:
        assert any(ch.isdigit() for ch in text)  # '30/04/2027' alone still answers 'which date?'
