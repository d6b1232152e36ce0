"""Buttons and forms: the same rules and history as typed updates, and one change per press."""

from __future__ import annotations

from datetime import timedelta

from bot.domain.rag import Rag
from bot.domain.replies import Notice, NoticeKind, UpdateRecorded, UpdateUndone
from handlers.application.conversation import Conversation
from handlers.application.taps import Tap, TapHandlers
from handlers.wiring import Services
from tests.handlers.support import action, history_count, today

VEL = "Vel Kenny"  # owns 2.3 "Social Work Practice Model", red in the plan
SALLY = "Sally Clewes"  # owns only 4.5


def _taps(services: Services) -> TapHandlers:
    return TapHandlers(db=services.db, clock=services.clock)


def _tap(who: str, key: str) -> Tap:
    return Tap(Conversation(platform="console", user_id=who, channel=f"dm:{who}"), key)


def _id(services: Services, ref: str) -> int:
    found = action(services, ref).id
    assert found is not None
    return found


def test_a_rag_button_records_before_and_after(services: Services) -> None:
    before = history_count(services)

    [reply] = _taps(services).set_rag(
        _tap(VEL, "t1:vel:rag_amber"), _id(services, "2.3"), Rag.AMBER
    )

    assert isinstance(reply, UpdateRecorded)
    assert [(c.field, c.before, c.after) for c in reply.changes] == [("rag", "red", "amber")]
    assert action(services, "2.3").rag == "amber"
    assert history_count(services) == before + 1


def test_a_button_pressed_twice_records_one_change(services: Services) -> None:
    taps, action_id = _taps(services), _id(services, "2.3")
    before = history_count(services)

    first = taps.set_rag(_tap(VEL, "t2:vel:rag_green"), action_id, Rag.GREEN)
    second = taps.set_rag(_tap(VEL, "t2:vel:rag_green"), action_id, Rag.GREEN)

    assert isinstance(first[0], UpdateRecorded)
    assert second == []
    assert history_count(services) == before + 1


def test_someone_who_neither_owns_nor_chairs_is_refused_and_nothing_changes(
    services: Services,
) -> None:
    before = history_count(services)

    [reply] = _taps(services).set_rag(_tap(SALLY, "t3"), _id(services, "2.3"), Rag.GREEN)

    assert isinstance(reply, Notice)
    assert reply.kind is NoticeKind.REFUSED
    assert "Nothing was changed" in reply.text
    assert action(services, "2.3").rag == "red"
    assert history_count(services) == before


def test_the_form_changes_rag_date_and_words_and_undo_puts_them_back(
    services: Services,
) -> None:
    taps, action_id = _taps(services), _id(services, "2.3")
    old = action(services, "2.3")
    new_date = today(services) + timedelta(days=30)

    [recorded] = taps.change(
        _tap(VEL, "t4"), action_id, rag=Rag.AMBER, new_date=new_date, text="model chosen at last"
    )
    assert isinstance(recorded, UpdateRecorded)
    assert {c.field for c in recorded.changes} == {"rag", "review_date", "latest_update"}
    assert action(services, "2.3").review_date == new_date

    [undone] = taps.undo(_tap(VEL, "t5"), recorded.update_id)

    assert isinstance(undone, UpdateUndone)
    after = action(services, "2.3")
    assert (after.rag, after.review_date, after.latest_update) == (
        old.rag,
        old.review_date,
        old.latest_update,
    )
    assert taps.undo(_tap(VEL, "t5"), recorded.update_id) == []  # the same press again


def test_snooze_three_days_pauses_reminders(services: Services) -> None:
    [reply] = _taps(services).snooze(_tap(VEL, "t6"), _id(services, "2.3"), days=3)

    assert isinstance(reply, UpdateRecorded)
    [change] = reply.changes
    assert change.field.startswith("snooze:")
    assert change.after is not None
    assert change.after > today(services).isoformat()
