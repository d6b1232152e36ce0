"""Owners answer in Slack DMs (and mentions): the plan changes once, and they are told what."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from datetime import date

from sqlalchemy import inspect
from sqlmodel import func, select

from bot.clock import ManualClock
from handlers.slack.app import make_client
from handlers.slack.notifier import SlackNotifier
from storage.models import Action
from tests.slack.conftest import SALLY, VEL, RunningApp
from tests.slack.fake_slack import BOT_ID, BOT_USER_ID, Call, FakeSlack

UPDATE = "amber - slipped to 14 April"


def _next_14_april(clock: ManualClock) -> date:
    today = clock.now().date()
    this_year = date(today.year, 4, 14)
    return this_year if this_year >= today else date(today.year + 1, 4, 14)


def _posts_to(fake: FakeSlack, channel: str, thread: str | None = None) -> list[Call]:
    return [
        c
        for c in fake.answered("chat.postMessage")
        if c.params.get("channel") == channel and c.params.get("thread_ts") == thread
    ]


def _send_reminders(app: RunningApp, fake: FakeSlack) -> Call:
    """The dispatcher's sweep, through the Slack notifier; returns Vel's reminder for 2.3."""
    notifier = SlackNotifier(make_client(app.services.settings))
    result = app.services.dispatcher(notifier).send_due_reminders()
    assert result.sent >= 2  # Vel Kenny's four actions and Sally Clewes's one
    reminders = [c for c in fake.answered("chat.postMessage") if c.params["channel"] == VEL]
    return next(c for c in reminders if "2.3 Social Work Practice Model" in c.text)


def test_a_reply_in_the_reminder_thread_updates_that_action(
    app: RunningApp, fake: FakeSlack, clock: ManualClock
) -> None:
    clock.set(clock.now().replace(hour=9, minute=30))  # Mon 09:30, seven working days ahead
    reminder = _send_reminders(app, fake)
    blocks = json.dumps(reminder.blocks)
    assert "*2.3 Social Work Practice Model*" in blocks
    assert "Currently *RED*" in blocks
    assert "Reply here with an update" in blocks
    dm_channel, reminder_ts = reminder.answer["channel"], reminder.answer["ts"]
    assert dm_channel == "D" + VEL[1:]

    event = app.slack.direct_message(UPDATE, user=VEL, thread_ts=reminder_ts, channel=dm_channel)
    response = app.slack.event(event, event_id="Ev0REMINDREPLY")

    assert response.status == 200
    confirmation = fake.wait_for(lambda: _posts_to(fake, dm_channel, reminder_ts))
    assert "Amber" in confirmation.text
    assert "14 Apr" in confirmation.text
    assert "RED → AMBER" in json.dumps(confirmation.blocks, ensure_ascii=False)
    app.settle()
    action = app.action("2.3")
    assert action.rag == "amber"
    assert action.review_date == _next_14_april(clock)
    [entry] = app.updates("2.3")
    assert entry.text == UPDATE


def test_an_owner_of_several_actions_is_asked_which_one(
    app: RunningApp, fake: FakeSlack, clock: ManualClock
) -> None:
    dm = "D" + VEL[1:]
    assert app.slack.event(app.slack.direct_message(UPDATE, user=VEL)).status == 200

    question = fake.wait_for(lambda: _posts_to(fake, dm))
    assert "Which action do you mean?" in question.text
    for ref in ("1.8", "2.2", "2.3", "5.1"):
        assert ref in question.text
    app.settle()
    assert app.updates("2.3") == []

    assert app.slack.event(app.slack.direct_message("2.3", user=VEL)).status == 200

    confirmation = fake.wait_for(lambda: _posts_to(fake, dm), n=2)
    assert "Recorded for 2.3" in confirmation.text
    app.settle()
    assert app.action("2.3").rag == "amber"
    assert app.action("2.3").review_date == _next_14_april(clock)
    assert app.action("2.2").rag == "red"


def test_slack_retrying_an_event_does_not_apply_it_twice(app: RunningApp, fake: FakeSlack) -> None:
    dm = "D" + SALLY[1:]
    event = app.slack.direct_message("4.5 amber - first council meeting booked", user=SALLY)

    assert app.slack.event(event, event_id="Ev0ONCEONLY").status == 200
    fake.wait_for(lambda: _posts_to(fake, dm))
    retried = app.slack.event(event, event_id="Ev0ONCEONLY", retry_num=1)

    assert retried.status == 200
    app.stop()
    assert len(app.updates("4.5")) == 1
    assert len(_posts_to(fake, dm)) == 1


def test_a_retry_racing_the_first_delivery_still_applies_once(
    app: RunningApp, fake: FakeSlack
) -> None:
    event = app.slack.direct_message("4.5 amber - first council meeting booked", user=SALLY)

    with ThreadPoolExecutor(max_workers=3) as pool:
        sends = [
            pool.submit(app.slack.event, event, event_id="Ev0RACE", retry_num=n or None)
            for n in range(3)
        ]
        assert [s.result().status for s in sends] == [200, 200, 200]

    app.stop()
    assert len(app.updates("4.5")) == 1
    assert len(_posts_to(fake, "D" + SALLY[1:])) == 1


def test_a_leading_mention_in_a_dm_is_not_part_of_the_update(
    app: RunningApp, fake: FakeSlack
) -> None:
    words = f"<@{BOT_USER_ID}> 4.5 amber - first council meeting booked"

    assert app.slack.event(app.slack.direct_message(words, user=SALLY)).status == 200

    fake.wait_for(lambda: _posts_to(fake, "D" + SALLY[1:]))
    app.settle()
    [entry] = app.updates("4.5")
    assert entry.text == "4.5 amber - first council meeting booked"


def test_an_unlinked_person_is_told_politely_and_nothing_changes(
    app: RunningApp, fake: FakeSlack
) -> None:
    stranger = "U0STRANGER"
    event = app.slack.direct_message("2.3 green - all done", user=stranger)

    assert app.slack.event(event).status == 200

    reply = fake.wait_for(lambda: _posts_to(fake, "D" + stranger[1:]))
    assert "don't know who you are" in reply.text
    app.settle()
    assert app.action("2.3").rag == "red"
    assert app.updates("2.3") == []


def test_someone_else_s_action_is_refused(app: RunningApp, fake: FakeSlack) -> None:
    event = app.slack.direct_message("2.3 green - sorted it for Vel", user=SALLY)

    assert app.slack.event(event).status == 200

    reply = fake.wait_for(lambda: _posts_to(fake, "D" + SALLY[1:]))
    assert "only the owners of 2.3" in reply.text
    assert "Nothing was changed" in reply.text
    app.settle()
    assert app.action("2.3").rag == "red"
    assert app.updates("2.3") == []


def test_an_injection_attempt_changes_no_table_and_is_echoed_escaped(
    app: RunningApp, fake: FakeSlack
) -> None:
    with app.services.db.session(commit=False) as session:
        before = session.exec(select(func.count()).select_from(Action)).one()
    attack = "<!channel> red'); DROP TABLE action;--"

    assert app.slack.event(app.slack.direct_message(attack, user=SALLY)).status == 200

    reply = fake.wait_for(lambda: _posts_to(fake, "D" + SALLY[1:]))
    assert "<!channel>" not in reply.text
    assert "<!channel>" not in json.dumps(reply.blocks)
    assert "<" not in json.dumps(reply.blocks)
    app.settle()
    with app.services.db.session(commit=False) as session:
        assert session.exec(select(func.count()).select_from(Action)).one() == before
        assert "action" in inspect(session.get_bind()).get_table_names()


def test_a_mention_in_a_channel_is_answered_in_its_thread(app: RunningApp, fake: FakeSlack) -> None:
    event = app.slack.mention("4.5 amber - first council meeting booked for March", user=SALLY)

    assert app.slack.event(event).status == 200

    reply = fake.wait_for(lambda: _posts_to(fake, "C0BOARD", event["ts"]))
    assert "Recorded for 4.5" in reply.text
    app.settle()
    assert app.action("4.5").rag == "amber"
    assert len(app.updates("4.5")) == 1


def test_edits_bot_posts_and_the_bot_s_own_messages_are_ignored(
    app: RunningApp, fake: FakeSlack
) -> None:
    dm = "D" + SALLY[1:]
    edited = {
        "type": "message",
        "subtype": "message_changed",
        "channel": dm,
        "channel_type": "im",
        "hidden": True,
        "ts": "1700100000.000900",
        "event_ts": "1700100000.000900",
        "message": {"type": "message", "user": SALLY, "text": "4.5 green - done", "ts": "1.1"},
    }
    from_a_bot = app.slack.direct_message("4.5 green - done", user=SALLY)
    from_a_bot.update({"bot_id": "B0OTHER", "subtype": "bot_message"})
    from_itself = app.slack.direct_message("Recorded for 4.5", user=BOT_USER_ID, channel=dm)
    from_itself["bot_id"] = BOT_ID
    mention_in_a_dm = app.slack.mention("4.5 green - done", user=SALLY, channel=dm)

    for event in (edited, from_a_bot, from_itself, mention_in_a_dm):
        assert app.slack.event(event).status == 200

    app.stop()
    assert fake.answered("chat.postMessage") == []
    assert app.updates("4.5") == []


def test_a_rate_limited_reply_is_retried_and_posted_once(app: RunningApp, fake: FakeSlack) -> None:
    fake.fail_once("chat.postMessage", 429)
    event = app.slack.direct_message("4.5 amber - first council meeting booked", user=SALLY)

    assert app.slack.event(event).status == 200

    fake.wait_for(lambda: fake.answered("chat.postMessage"), timeout=10)
    app.stop()
    assert [c.status for c in fake.attempts("chat.postMessage")] == [429, 200]
    assert len(app.updates("4.5")) == 1
