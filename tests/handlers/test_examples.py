"""The bot's own examples, typed exactly as shown, do what they say and nothing else, any day."""

from __future__ import annotations

from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.rag import Rag
from bot.domain.replies import UpdateRecorded
from bot.domain.snooze import parse_snooze
from bot.domain.updates import Command, DateShift, ParsedUpdate, parse_update, resolve_shift
from bot.domain.workdays import WorkingCalendar
from handlers.application.help import EXAMPLE_UPDATE, HELP_TEXT
from handlers.text import render_text
from handlers.wiring import Services
from tests.handlers.support import action, owned_refs, owners_by_count, say, today

ENG = WorkingCalendar("ENG")
ANY_DAY = st.dates(min_value=date(2026, 1, 1), max_value=date(2045, 12, 31))


def _read(text: str, day: date) -> ParsedUpdate:
    return parse_update(text, today=day, calendar=ENG)


def _asks_nothing(update: ParsedUpdate) -> bool:
    return not update.questions and not update.date_options and update.rag_guess is None


def _help_examples() -> list[str]:
    """The bullet lines of the help, without their explanations in brackets."""
    lines = [line.removeprefix("• ") for line in HELP_TEXT.splitlines() if line.startswith("• ")]
    return [line.split(" (", 1)[0] for line in lines]


def test_the_help_shows_the_example_the_reminders_use() -> None:
    assert EXAMPLE_UPDATE in _help_examples()


@settings(max_examples=150, deadline=None)
@given(ANY_DAY)
def test_the_example_update_sets_amber_and_moves_the_date_two_weeks(day: date) -> None:
    update = _read(EXAMPLE_UPDATE, day)
    assert update.rag is Rag.AMBER
    assert update.date_shift == DateShift(days=14)
    assert update.new_date is None
    assert update.milestones_done == ()
    assert _asks_nothing(update)


@settings(max_examples=60, deadline=None)
@given(ANY_DAY)
def test_every_help_example_does_what_it_says(day: date) -> None:
    green, milestone, with_ref, undo, snoozes = _help_examples()[1:]
    assert (_read(green, day).rag, _read(green, day).new_date) == (Rag.GREEN, None)
    ticked = _read(milestone, day)
    assert (ticked.milestones_done, ticked.rag, ticked.new_date) == ((2,), None, None)
    ref = _read(with_ref, day)
    assert (ref.ref, ref.rag, ref.new_date, ref.date_shift) == ("2.3", Rag.RED, None, None)
    assert _read(undo, day).command is Command.UNDO
    for snooze in snoozes.split(" / "):
        request = parse_snooze(snooze, today=day, calendar=ENG)
        assert request is not None
        assert request.until is not None
        assert request.until > day
    assert all(_asks_nothing(_read(text, day)) for text in (green, milestone, with_ref))


def test_typing_the_reminder_example_records_exactly_that(services: Services) -> None:
    name = _single_owner(services)
    ref = _only_action(services, name)
    before = action(services, ref)

    [reply] = say(services, name, EXAMPLE_UPDATE)

    assert isinstance(reply, UpdateRecorded)
    after = action(services, ref)
    expected = resolve_shift(
        DateShift(days=14), before.review_date, today=today(services), calendar=ENG
    )
    assert after.rag == Rag.AMBER.value
    assert after.review_date == expected
    assert after.latest_update == "slipped two weeks, waiting on sign-off"
    assert {c.field for c in reply.changes} <= {"rag", "review_date", "latest_update"}
    assert "← “slipped two weeks”" in render_text(reply)


def _single_owner(services: Services) -> str:
    return sorted(owners_by_count(services)[1])[0]


def _only_action(services: Services, name: str) -> str:
    [ref] = owned_refs(services, name)
    return ref
