"""Updating with a tap, over real signed HTTP: one change per press, before → after, Undo."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from bot.clock import ManualClock
from handlers.slack.app import make_client
from handlers.slack.blocks import TAP_CHANGE, TAP_RAG, TAP_SNOOZE, TAP_UNDO
from handlers.slack.modals import DATE_BLOCK, DATE_INPUT, TEXT_BLOCK, TEXT_INPUT, UPDATE_FORM
from handlers.slack.notifier import SlackNotifier
from tests.slack.conftest import SALLY, VEL, RunningApp
from tests.slack.fake_slack import Call, FakeSlack

DM = "D" + VEL[1:]


def _reminder_for(app: RunningApp, fake: FakeSlack, clock: ManualClock, ref: str) -> dict[str, Any]:
    """The dispatcher's sweep through the Slack notifier; Vel's reminder as Slack posted it.

    The message as posted (the stand-in's answer to chat.postMessage), not as Slack holds it
    now: a press edits the reminder's buttons away, and a second press of the same message
    (Slack redelivering it, or a double tap) still carries the buttons it was pressed on.
    """
    clock.set(clock.now().replace(hour=9, minute=30))
    app.services.dispatcher(SlackNotifier(make_client(app.services.settings))).send_due_reminders()
    posted = [c for c in fake.answered("chat.postMessage") if c.answer.get("channel") == DM]
    return _as_posted(next(c for c in posted if f"*{ref} " in json.dumps(c.blocks)))


def _as_posted(call: Call) -> dict[str, Any]:
    """The message a chat.postMessage created, as it was then (later edits don't reach it)."""
    message: dict[str, Any] = call.answer["message"]
    return message


def _button(message: dict[str, Any], action_id: str) -> dict[str, Any]:
    buttons = [e for b in message["blocks"] if b["type"] == "actions" for e in b["elements"]]
    return next(e for e in buttons if e["action_id"] == action_id)


def _press(
    app: RunningApp, message: dict[str, Any], action_id: str, *, user: str = VEL, ts: str = ""
) -> None:
    value = _button(message, action_id)["value"]
    payload = app.slack.block_actions(
        user=user, message=message, channel=DM, action_id=action_id, value=value, action_ts=ts
    )
    assert app.slack.interactive(payload).status == 200


def _in_thread(fake: FakeSlack, ts: str) -> list[Call]:
    return [c for c in fake.answered("chat.postMessage") if c.params.get("thread_ts") == ts]


def _updates_of(fake: FakeSlack, ts: str) -> list[Call]:
    return [c for c in fake.answered("chat.update") if c.params["ts"] == ts]


def test_a_button_press_records_the_rag_confirms_and_settles_the_reminder(
    app: RunningApp, fake: FakeSlack, clock: ManualClock
) -> None:
    reminder = _reminder_for(app, fake, clock, "2.3")
    assert [b["type"] for b in reminder["blocks"]].count("actions") == 1

    _press(app, reminder, f"{TAP_RAG}amber")

    confirmation = fake.wait_for(lambda: _in_thread(fake, reminder["ts"]))
    assert "*RED → AMBER*" in json.dumps(confirmation.blocks, ensure_ascii=False)
    assert _button({"blocks": confirmation.blocks}, TAP_UNDO)
    edited = fake.wait_for(lambda: _updates_of(fake, reminder["ts"]))
    assert all(b["type"] != "actions" for b in edited.blocks)  # no second answer invited
    assert "Answered: *RED → AMBER*" in json.dumps(edited.blocks, ensure_ascii=False)
    app.settle()
    assert app.action("2.3").rag == "amber"
    [entry] = app.updates("2.3")
    assert entry.text == "Amber"


def test_a_button_pressed_twice_or_delivered_twice_records_one_change(
    app: RunningApp, fake: FakeSlack, clock: ManualClock
) -> None:
    reminder = _reminder_for(app, fake, clock, "2.3")

    _press(app, reminder, f"{TAP_RAG}green", ts="1700300000.000001")
    _press(app, reminder, f"{TAP_RAG}green", ts="1700300000.000001")  # the same delivery again
    _press(app, reminder, f"{TAP_RAG}green", ts="1700300002.000002")  # a second tap
    fake.wait_for(lambda: _in_thread(fake, reminder["ts"]))
    fake.wait_for(lambda: _updates_of(fake, reminder["ts"]))
    app.stop()  # every press applied (or not) before counting

    assert len(app.updates("2.3")) == 1
    assert len(_in_thread(fake, reminder["ts"])) == 1
    assert len(_updates_of(fake, reminder["ts"])) == 1


def test_undo_restores_the_previous_values_and_records_the_undo(
    app: RunningApp, fake: FakeSlack, clock: ManualClock
) -> None:
    reminder = _reminder_for(app, fake, clock, "2.3")
    _press(app, reminder, f"{TAP_RAG}complete")
    confirmation = _as_posted(fake.wait_for(lambda: _in_thread(fake, reminder["ts"])))

    _press(app, confirmation, TAP_UNDO)

    undone = fake.wait_for(lambda: _in_thread(fake, reminder["ts"]), n=2)
    assert "Undone" in undone.text
    fake.wait_for(lambda: _updates_of(fake, confirmation["ts"]))
    app.settle()  # the undo's request fully applied before reading the database
    assert app.action("2.3").rag == "red"
    first, undo = app.updates("2.3")
    assert undo.undoes_id == first.id
    assert first.undone_at is not None


def test_someone_else_pressing_is_refused_politely_and_nothing_changes(
    app: RunningApp, fake: FakeSlack, clock: ManualClock
) -> None:
    reminder = _reminder_for(app, fake, clock, "2.3")

    _press(app, reminder, f"{TAP_RAG}green", user=SALLY)

    refusal = fake.wait_for(lambda: _in_thread(fake, reminder["ts"]))
    assert "only the owners of 2.3" in refusal.text
    app.stop()
    assert app.action("2.3").rag == "red"
    assert app.updates("2.3") == []
    assert fake.answered("chat.update") == []


def test_change_date_opens_a_form_and_its_answer_is_recorded(
    app: RunningApp, fake: FakeSlack, clock: ManualClock
) -> None:
    reminder = _reminder_for(app, fake, clock, "2.3")
    new_date = clock.now().date() + timedelta(days=40)

    _press(app, reminder, TAP_CHANGE)

    opened = fake.wait_for(lambda: fake.answered("views.open"))
    view = opened.params["view"]  # views.open is sent as JSON, so the view arrives as a dict
    assert view["callback_id"] == UPDATE_FORM
    assert opened.params["trigger_id"]
    values = {
        DATE_BLOCK: {DATE_INPUT: {"type": "datepicker", "selected_date": new_date.isoformat()}},
        TEXT_BLOCK: {TEXT_INPUT: {"type": "plain_text_input", "value": "rollout plan agreed"}},
    }
    submission = app.slack.view_submission(user=VEL, view=view, values=values)
    assert app.slack.interactive(submission).status == 200

    confirmation = fake.wait_for(lambda: _in_thread(fake, reminder["ts"]))
    assert "review date" in confirmation.text
    fake.wait_for(lambda: _updates_of(fake, reminder["ts"]))
    app.settle()
    action = app.action("2.3")
    assert action.review_date == new_date
    assert action.latest_update == "rollout plan agreed"


def test_an_empty_form_is_sent_back_with_a_note(
    app: RunningApp, fake: FakeSlack, clock: ManualClock
) -> None:
    reminder = _reminder_for(app, fake, clock, "2.3")
    _press(app, reminder, TAP_CHANGE)
    opened = fake.wait_for(lambda: fake.answered("views.open"))

    submission = app.slack.view_submission(user=VEL, view=opened.params["view"], values={})
    response = app.slack.interactive(submission)

    assert response.status == 200
    assert response.json()["response_action"] == "errors"
    assert TEXT_BLOCK in response.json()["errors"]


def test_snooze_three_days_and_a_rate_limited_edit_is_retried_not_repeated(
    app: RunningApp, fake: FakeSlack, clock: ManualClock
) -> None:
    reminder = _reminder_for(app, fake, clock, "2.3")
    fake.fail_once("chat.update", 429)

    _press(app, reminder, TAP_SNOOZE)

    confirmation = fake.wait_for(lambda: _in_thread(fake, reminder["ts"]))
    assert "reminders paused until" in json.dumps(confirmation.blocks)
    fake.wait_for(lambda: _updates_of(fake, reminder["ts"]), timeout=8)
    app.stop()
    assert [c.status for c in fake.attempts("chat.update")] == [429, 200]
    assert len(app.updates("2.3")) == 1


def test_a_typed_reply_in_the_thread_settles_the_reminder_too(
    app: RunningApp, fake: FakeSlack, clock: ManualClock
) -> None:
    reminder = _reminder_for(app, fake, clock, "2.3")
    event = app.slack.direct_message(
        "amber - model chosen", user=VEL, thread_ts=reminder["ts"], channel=DM
    )

    assert app.slack.event(event).status == 200

    edited = fake.wait_for(lambda: _updates_of(fake, reminder["ts"]))
    assert all(b["type"] != "actions" for b in edited.blocks)
    confirmation = fake.wait_for(
        lambda: _in_thread(fake, reminder["ts"])
    )  # edit and reply: any order
    assert _button({"blocks": confirmation.blocks}, TAP_UNDO)  # typed or tapped: Undo is there
