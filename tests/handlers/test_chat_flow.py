"""Updates by message, through the platform-neutral handlers every adapter drives."""

from __future__ import annotations

from datetime import date

import pytest

from bot.domain.rag import Rag
from bot.domain.reminders import ReminderMessage
from bot.domain.replies import (
    AskWhichAction,
    AskWhichDate,
    Notice,
    NoticeKind,
    UpdateRecorded,
    UpdateUndone,
)
from handlers.wiring import Services
from tests.handlers.support import (
    RecordingNotifier,
    action,
    history_count,
    owned_refs,
    owners_by_count,
    say,
)

CHAIR = "Nigel Richardson"


def _single_owner(services: Services) -> tuple[str, str]:
    name = sorted(owners_by_count(services)[1])[0]
    return name, owned_refs(services, name)[0]


def _multi_owner(services: Services) -> tuple[str, list[str]]:
    counts = owners_by_count(services)
    name = sorted(counts[max(counts)])[0]
    return name, owned_refs(services, name)


def test_an_owner_of_one_action_updates_it_in_plain_words(services: Services) -> None:
    name, ref = _single_owner(services)
    before = action(services, ref)

    [reply] = say(services, name, "amber - slipped to 14 April")

    assert isinstance(reply, UpdateRecorded)
    after = action(services, ref)
    assert after.rag == Rag.AMBER.value
    assert after.review_date == date(2027, 4, 14)
    assert after.latest_update == "slipped to 14 April"
    changed = {c.field: (c.before, c.after) for c in reply.changes}
    assert changed["review_date"] == (before.review_date.isoformat(), "2027-04-14")
    if before.rag != Rag.AMBER.value:
        assert changed["rag"] == (before.rag, "amber")


def test_an_owner_of_several_actions_is_asked_which_and_the_answer_applies_it(
    services: Services,
) -> None:
    name, refs = _multi_owner(services)
    assert len(refs) > 1
    count = history_count(services)

    [question] = say(services, name, "red - no clear scope yet")
    assert isinstance(question, AskWhichAction)
    assert [c.ref for c in question.choices] == refs
    assert history_count(services) == count

    [reply] = say(services, name, "2")
    assert isinstance(reply, UpdateRecorded)
    assert reply.ref == refs[1]
    assert action(services, refs[1]).rag == "red"
    assert action(services, refs[0]).rag != "red" or refs[0] == refs[1]


def test_a_ref_at_the_start_picks_the_action(services: Services) -> None:
    name, refs = _multi_owner(services)
    [reply] = say(services, name, f"{refs[-1]} green - plan agreed with partners")
    assert isinstance(reply, UpdateRecorded)
    assert reply.ref == refs[-1]
    assert action(services, refs[-1]).latest_update == "plan agreed with partners"


def test_someone_else_cannot_change_an_action_but_the_chair_can(services: Services) -> None:
    _owner, refs = _multi_owner(services)
    outsider, _ = _single_owner(services)
    target = next(r for r in refs if r not in owned_refs(services, outsider))
    before = action(services, target)

    [refusal] = say(services, outsider, f"{target} red - taking this over")
    assert isinstance(refusal, Notice)
    assert refusal.kind is NoticeKind.REFUSED
    assert action(services, target) == before

    [reply] = say(services, CHAIR, f"{target} red - escalated at the board")
    assert isinstance(reply, UpdateRecorded)
    assert action(services, target).rag == "red"


def test_an_ambiguous_date_is_asked_about_then_the_chosen_one_is_recorded(
    services: Services,
) -> None:
    name, ref = _single_owner(services)
    [question] = say(services, name, "moved to next Friday")
    assert isinstance(question, AskWhichDate)
    first, second = question.options
    assert action(services, ref).review_date not in (first, second)

    [reply] = say(services, name, "2")
    assert isinstance(reply, UpdateRecorded)
    assert action(services, ref).review_date == second


def test_undo_puts_the_previous_values_back_and_says_so_in_the_history(
    services: Services,
) -> None:
    name, ref = _single_owner(services)
    before = action(services, ref)
    say(services, name, "red - funding withdrawn, new date 30 June")
    assert action(services, ref).rag == "red"

    [reply] = say(services, name, "undo")

    assert isinstance(reply, UpdateUndone)
    after = action(services, ref)
    assert (after.rag, after.review_date, after.latest_update) == (
        before.rag,
        before.review_date,
        before.latest_update,
    )
    [again] = say(services, name, "undo")
    assert isinstance(again, Notice)


@pytest.mark.parametrize(
    "text",
    [
        "asdf",
        "42",
        "👍👍👍",
        "???",
        "   ",
        "x" * 10_000,
        "'; DROP TABLE action; --",
    ],
)
def test_nonsense_gets_a_kind_answer_and_changes_nothing(services: Services, text: str) -> None:
    name, ref = _single_owner(services)
    before = action(services, ref)
    count = history_count(services)

    [reply] = say(services, name, text)

    assert isinstance(reply, Notice)
    assert reply.kind is NoticeKind.NOT_UNDERSTOOD
    assert "nothing" in reply.text.lower()
    assert history_count(services) == count
    assert action(services, ref) == before


def test_the_same_event_delivered_twice_is_applied_once(services: Services) -> None:
    name, _ref = _single_owner(services)
    count = history_count(services)
    first = say(services, name, "green - website live", event_id="Ev1")
    second = say(services, name, "green - website live", event_id="Ev1")
    assert isinstance(first[0], UpdateRecorded)
    assert second == []
    assert history_count(services) == count + 1


def test_a_reply_in_a_reminder_thread_updates_that_action(services: Services) -> None:
    name, refs = _multi_owner(services)
    notifier = RecordingNotifier()
    result = services.dispatcher(notifier).send_due_reminders()
    assert result.sent > 0
    mine = [
        (content, sent)
        for who, content, sent in notifier.sent
        if who == name and isinstance(content, ReminderMessage) and content.kind == "reminder"
    ]
    assert len(mine) == len(refs)
    content, sent = mine[-1]
    ref = content.action.ref  # type: ignore[attr-defined]

    [reply] = say(services, name, "amber - slipped to 14 April", thread=sent.message_ref)

    assert isinstance(reply, UpdateRecorded)
    assert reply.ref == ref
    assert action(services, ref).review_date == date(2027, 4, 14)


def test_someone_the_bot_does_not_know_is_told_how_to_get_linked(services: Services) -> None:
    [reply] = say(services, "Nobody Atall", "green - all done")
    assert isinstance(reply, Notice)
    assert reply.kind is NoticeKind.REFUSED


def test_a_milestone_is_ticked_by_number_and_a_missing_one_is_explained(
    services: Services,
) -> None:
    name, ref = _single_owner(services)
    from storage.plan import milestones_of

    with services.db.session(commit=False) as session:
        target = action(services, ref)
        assert target.id is not None
        count = len(milestones_of(session, target.id))
    [missing] = say(services, name, f"milestone {count + 1} done")
    assert isinstance(missing, Notice)
    assert str(count + 1) in missing.text
    if count:
        [reply] = say(services, name, "milestone 1 done")
        assert isinstance(reply, UpdateRecorded)
        assert ("milestone:1", "open", "done") in {
            (c.field, c.before, c.after) for c in reply.changes
        }


def test_a_new_review_date_in_the_past_is_questioned_not_recorded(services: Services) -> None:
    name, ref = _single_owner(services)
    before = action(services, ref)
    count = history_count(services)

    [reply] = say(services, name, "amber - new date 14 April 2020")

    assert isinstance(reply, AskWhichDate)
    assert any("past" in reason for reason in reply.reasons)
    assert action(services, ref) == before
    assert history_count(services) == count


@pytest.mark.parametrize(("typed", "meant"), [("gren", "Green"), ("ambre - slipped", "Amber")])
def test_a_misspelt_status_is_asked_about_and_changes_nothing(
    services: Services, typed: str, meant: str
) -> None:
    name, ref = _single_owner(services)
    before, count = action(services, ref), history_count(services)

    [reply] = say(services, name, typed)

    assert isinstance(reply, Notice)
    assert f"did you mean {meant}?" in reply.text
    assert "Nothing was changed" in reply.text
    assert (action(services, ref), history_count(services)) == (before, count)
