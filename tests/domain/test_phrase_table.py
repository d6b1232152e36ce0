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
from bot.domain.status_words import EMOJI
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


_STATUS_EMOJI = tuple(EMOJI)


@given(
    st.text(alphabet=st.characters(exclude_categories=("Lu", "Ll", "Lt", "Lm", "Lo")), max_size=200)
)
def test_text_with_no_letters_changes_nothing(text: str) -> None:
    """Nothing but a status emoji ('✅', '🔴') may change anything, and then only the RAG."""
    update = parse(text)
    emoji = {EMOJI[e] for e in _STATUS_EMOJI if e in text}
    if len(emoji) == 1:
        assert update.rag in emoji
    else:
        assert update.rag is None
    assert update.date_shift is None
    assert update.milestones_done == ()
    assert update.milestone_dates == ()
    if update.new_date is not None or update.date_options:
        assert any(ch.isdigit() for ch in text)  # '30/04/2027' alone still answers 'which date?'


@given(
    st.lists(
        st.sampled_from([*_STATUS_EMOJI, "🎉", "👍", " ", "!", ".", "\ufe0f"]),
        min_size=1,
        max_size=8,
    ).map("".join)
)
def test_a_status_emoji_alone_is_the_status_and_two_say_nothing(text: str) -> None:
    update = parse(text)
    kinds = {EMOJI[e] for e in _STATUS_EMOJI if e in text}
    assert update.rag == (kinds.pop() if len(kinds) == 1 else None)
    assert update.new_date is None
    assert not update.date_options
    assert update.milestones_done == ()


# --- phrasings the parser's authors never saw (tests/domain/holdout_*.csv) --------------------
# Written by someone who had not read the parser. holdout_dev.csv was then used to improve it,
# row by row (so each of its rows is a test); holdout_final.csv was never looked at while the
# parser changed, and is held to issue 8's bar as a whole: at least 95% read right and no
# review date ever recorded wrongly without a question.

HOLDOUT_DEV = Path(__file__).with_name("holdout_dev.csv")
HOLDOUT_FINAL = Path(__file__).with_name("holdout_final.csv")


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.mark.parametrize("row", _rows(HOLDOUT_DEV), ids=lambda r: r["category"])
def test_holdout_dev_row(row: dict[str, str]) -> None:
    assert check(row) == [], row["text"]


def silently_wrong_date(row: dict[str, str]) -> bool:
    """A review date recorded that is not the one meant: the failure that must never happen."""
    got = parse(row["text"]).new_date
    if got is None:
        return False
    return row["date"] in ("", "ask") or date.fromisoformat(row["date"]) != got


def test_unseen_phrasings_are_read_right_and_never_get_a_wrong_date_silently() -> None:
    rows = _rows(HOLDOUT_FINAL)
    right = [row for row in rows if not check(row)]
    assert len(rows) >= 150
    assert len(right) / len(rows) >= 0.95, [r["text"] for r in rows if check(r)]
    assert [r["text"] for r in rows if silently_wrong_date(r)] == []
