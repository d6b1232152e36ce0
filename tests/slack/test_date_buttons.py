"""A doubtful date is asked with its candidates as buttons, over real signed HTTP: a press
records the chosen date once, "Keep the current date" records the rest, a stale press nothing."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from handlers.application.help import QUESTION_GONE
from handlers.slack.blocks import TAP_KEEP_DATE, TAP_PICK_DATE
from tests.slack.conftest import SALLY, RunningApp
from tests.slack.fake_slack import Call, FakeSlack

DM = "D" + SALLY[1:]
REF = "4.5"  # Sally Clewes's one action


def _ask(app: RunningApp, fake: FakeSlack, text: str) -> dict[str, Any]:
    """Sally's message; the question the bot posted back, as Slack holds it."""
    event = app.slack.direct_message(text, user=SALLY, channel=DM)
    assert app.slack.event(event).status == 200
    call = fake.wait_for(lambda: _with_buttons(fake))
    message: dict[str, Any] = call.answer["message"]
    return message


def _with_buttons(fake: FakeSlack) -> list[Call]:
    posted = [c for c in fake.answered("chat.postMessage") if c.params.get("channel") == DM]
    return [c for c in posted if TAP_KEEP_DATE in json.dumps(c.blocks)]


def _buttons(message: dict[str, Any]) -> list[dict[str, Any]]:
    return [e for b in message["blocks"] if b["type"] == "actions" for e in b["elements"]]


def _press(app: RunningApp, message: dict[str, Any], button: dict[str, Any]) -> None:
    payload = app.slack.block_actions(
        user=SALLY,
        message=message,
        channel=DM,
        action_id=button["action_id"],
        value=button["value"],
    )
    assert app.slack.interactive(payload).status == 200
    app.settle()


def _texts(fake: FakeSlack) -> list[str]:
    return [c.text for c in fake.answered("chat.postMessage") if c.params.get("channel") == DM]


def test_an_impossible_date_offers_buttons_and_a_press_records_that_date_once(
    app: RunningApp, fake: FakeSlack
) -> None:
    before = app.action(REF)
    question = _ask(app, fake, "amber - slipped to 31 April")

    assert "April has only 30 days" in json.dumps(question["blocks"])
    picks = [b for b in _buttons(question) if b["action_id"].startswith(TAP_PICK_DATE)]
    assert [b["value"] for b in picks] == ["2027-04-30", "2027-05-04"]
    assert app.action(REF).review_date == before.review_date  # nothing until it is answered

    _press(app, question, picks[0])
    _press(app, question, picks[0])  # a double tap, or Slack delivering it again

    after = app.action(REF)
    assert after.review_date == date(2027, 4, 30)
    assert after.rag == "amber"
    assert len(app.updates(REF)) == 1
    confirmations = [t for t in _texts(fake) if t.startswith("Recorded for 4.5")]
    assert len(confirmations) == 1
    edited = [c for c in fake.answered("chat.update") if c.params["ts"] == question["ts"]]
    assert edited, "the question's buttons are settled once it is answered"
    assert TAP_PICK_DATE not in json.dumps(edited[-1].params.get("blocks"))


def test_keep_the_current_date_records_the_rest_and_a_stale_press_changes_nothing(
    app: RunningApp, fake: FakeSlack
) -> None:
    before = app.action(REF)
    question = _ask(app, fake, "red - slipped slightly, waiting on the provider")
    keep = next(b for b in _buttons(question) if b["action_id"] == TAP_KEEP_DATE)

    _press(app, question, keep)

    after = app.action(REF)
    assert (after.rag, after.review_date) == ("red", before.review_date)
    assert after.latest_update == "slipped slightly, waiting on the provider"
    [entry] = app.updates(REF)

    stale = dict(keep, action_id=TAP_PICK_DATE + "1", value="2027-04-30")
    _press(app, question, stale)
    assert app.action(REF).review_date == before.review_date
    assert len(app.updates(REF)) == 1
    assert QUESTION_GONE in _texts(fake)
    assert entry.id == app.updates(REF)[0].id
