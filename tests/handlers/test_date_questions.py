"""Doubtful dates are asked about, milestone dates move milestones, and every confirmation
says which words each change was read from (the plan as the sample ships it, real SQLite)."""

from __future__ import annotations

from datetime import date

from sqlmodel import select

from bot.domain.replies import AskWhichDate, Notice, UpdateRecorded, UpdateUndone
from handlers.application.conversation import Conversation, IncomingMessage
from handlers.application.help import QUESTION_GONE
from handlers.text import date_text, render_text
from handlers.wiring import Services
from storage.models import Action, Milestone, Person
from storage.plan import actions_owned_by, milestones_of
from tests.handlers.support import action, history_count, say, today


def _owner_with_milestones(services: Services, at_least: int) -> tuple[str, str]:
    """Someone who owns exactly one action, and that action has enough milestones."""
    with services.db.session(commit=False) as session:
        for person in session.exec(select(Person).order_by(Person.name)).all():
            assert person.id is not None
            owned = actions_owned_by(session, person.id)
            one = owned[0] if len(owned) == 1 else None
            if one is not None and len(milestones_of(session, one.id or 0)) >= at_least:
                return person.name, one.ref
    raise AssertionError(f"the sample plan has no single-action owner with {at_least} milestones")


def _milestone(services: Services, ref: str, position: int) -> Milestone:
    target = action(services, ref)
    with services.db.session(commit=False) as session:
        return session.exec(
            select(Milestone).where(
                Milestone.action_id == target.id, Milestone.position == position
            )
        ).one()


def _unchanged(services: Services, ref: str, before: Action, count: int) -> None:
    assert action(services, ref) == before
    assert history_count(services) == count


def _next(services: Services, month: int, day: int) -> date:
    now = today(services)
    this_year = date(now.year, month, day)
    return this_year if this_year >= now else date(now.year + 1, month, day)


def test_a_vague_slip_is_asked_about_and_a_typed_date_completes_the_update(
    services: Services,
) -> None:
    name, ref = _owner_with_milestones(services, 0)
    before, count = action(services, ref), history_count(services)

    [question] = say(services, name, "amber - slipped slightly, waiting on legal")

    assert isinstance(question, AskWhichDate)
    assert question.options == ()
    assert question.reasons
    assert "Nothing has been changed yet" in render_text(question)
    _unchanged(services, ref, before, count)

    [reply] = say(services, name, "30 April")
    assert isinstance(reply, UpdateRecorded)
    after = action(services, ref)
    assert after.review_date == _next(services, 4, 30)
    assert after.rag == "amber"
    assert after.latest_update == "slipped slightly, waiting on legal"


def test_an_impossible_date_says_why_and_keep_records_the_rest(services: Services) -> None:
    name, ref = _owner_with_milestones(services, 0)
    before, count = action(services, ref), history_count(services)

    [question] = say(services, name, "red - slipped to 31 April")

    assert isinstance(question, AskWhichDate)
    assert any("30 days" in reason for reason in question.reasons)
    assert date(_next(services, 4, 30).year, 4, 30) in question.options
    _unchanged(services, ref, before, count)

    [reply] = say(services, name, "keep")
    assert isinstance(reply, UpdateRecorded)
    after = action(services, ref)
    assert after.rag == "red"
    assert after.review_date == before.review_date
    assert "review_date" not in {c.field for c in reply.changes}


def test_a_date_in_a_milestones_sentence_moves_that_milestone_not_the_review_date(
    services: Services,
) -> None:
    name, ref = _owner_with_milestones(services, 2)
    before = action(services, ref)
    old_due = _milestone(services, ref, 2).due
    moved = _next(services, 4, 30)

    [reply] = say(services, name, "milestone 2 slipped to 30 April")

    assert isinstance(reply, UpdateRecorded)
    assert _milestone(services, ref, 2).due == moved
    assert action(services, ref).review_date == before.review_date
    text = render_text(reply)
    assert f"milestone 2 due {_day(old_due)} → {_day(moved)}" in text

    [undone] = say(services, name, "undo")
    assert isinstance(undone, UpdateUndone)
    assert _milestone(services, ref, 2).due == old_due


def test_a_vague_milestone_date_is_asked_about_for_that_milestone(services: Services) -> None:
    name, ref = _owner_with_milestones(services, 2)
    before, count = action(services, ref), history_count(services)

    [question] = say(services, name, "milestone 2 pushed back slightly")

    assert isinstance(question, AskWhichDate)
    assert question.milestone == 2
    assert "milestone 2's due date" in render_text(question)
    _unchanged(services, ref, before, count)

    [reply] = say(services, name, "30 April")
    assert isinstance(reply, UpdateRecorded)
    assert _milestone(services, ref, 2).due == _next(services, 4, 30)
    assert action(services, ref).review_date == before.review_date


def test_words_with_no_change_are_noted_as_the_update(services: Services) -> None:
    name, ref = _owner_with_milestones(services, 0)
    before = action(services, ref)

    [reply] = say(services, name, "3 of 5 posts filled")

    assert isinstance(reply, UpdateRecorded)
    assert reply.words_only
    assert "RAG and review date unchanged" in render_text(reply)
    after = action(services, ref)
    assert (after.rag, after.review_date) == (before.rag, before.review_date)
    assert after.latest_update == "3 of 5 posts filled"


def test_the_confirmation_shows_the_words_each_change_came_from(services: Services) -> None:
    name, _ref = _owner_with_milestones(services, 0)

    [reply] = say(services, name, "R - slipped to the end of April")

    assert isinstance(reply, UpdateRecorded)
    sources = {c.field: c.source for c in reply.changes}
    assert sources["review_date"] in ("end of April", "the end of April")
    text = render_text(reply)
    assert f"← “{sources['review_date']}”" in text
    assert "← “R”" in text


def test_a_pressed_answer_with_no_open_question_changes_nothing(services: Services) -> None:
    name, ref = _owner_with_milestones(services, 0)
    before, count = action(services, ref), history_count(services)
    conversation = Conversation("console", name, f"dm:{name}")
    pressed = IncomingMessage(conversation, "2027-04-30", answers_question=True)

    [reply] = services.chat.on_message(pressed)

    assert isinstance(reply, Notice)
    assert reply.text == QUESTION_GONE
    _unchanged(services, ref, before, count)


def _day(value: date | None) -> str:
    return date_text(value.isoformat() if value else None)
