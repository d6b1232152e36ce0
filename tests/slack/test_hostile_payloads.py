"""Signed but hostile payloads over real HTTP: refused politely, logged once, nothing changed.

Each request here passes the edge (it is signed and has the envelope fields the inbox needs)
and is wrong inside: a RAG the buttons don't offer, a huge or negative id, a value of the
wrong type, a missing field, a forged form origin, a form opened by someone who may not
change the action, a response_url on another host. The answer is a 200 (or the form's own
error), one WARNING with an error id, no traceback or ERROR, and the plan untouched.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import urllib.parse
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from sqlmodel import col, func, select

from bot.clock import ManualClock
from handlers.slack.app import make_client
from handlers.slack.blocks import TAP_CHANGE, TAP_RAG, TAP_SNOOZE
from handlers.slack.modals import TEXT_BLOCK, TEXT_INPUT, UPDATE_FORM
from handlers.slack.notifier import SlackNotifier
from handlers.slack.payloads import STALE_BUTTON, STALE_FORM
from storage.models import Action, ActionUpdate
from tests.slack.conftest import SALLY, VEL, RunningApp
from tests.slack.fake_slack import FakeSlack

DM = "D" + VEL[1:]
FORGERIES = (
    "unsigned, as the old form wrote it",
    "moved to another channel",
    "signature cut short",
    "missing",
)
REFUSED = re.compile(r"refused \(error [0-9a-f]{8}\)")


class Elsewhere:
    """Another host (127.0.0.2) that no answer may ever reach: it records what reaches it."""

    def __init__(self) -> None:
        self.paths: list[str] = []
        seen = self.paths

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                seen.append(self.path)
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, format: str, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.2", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.2:{self.server.server_address[1]}"


@pytest.fixture
def elsewhere() -> Iterator[Elsewhere]:
    other = Elsewhere()
    yield other
    other.server.shutdown()
    other.server.server_close()


def _plan(app: RunningApp) -> tuple[int, list[tuple[object, ...]]]:
    with app.services.db.session(commit=False) as session:
        updates = session.exec(select(func.count()).select_from(ActionUpdate)).one()
        actions = session.exec(
            select(
                col(Action.id), col(Action.rag), col(Action.review_date), col(Action.latest_update)
            )
        ).all()
    return int(updates), [tuple(a) for a in actions]


def _reminder(app: RunningApp, fake: FakeSlack, clock: ManualClock, ref: str) -> dict[str, Any]:
    clock.set(clock.now().replace(hour=9, minute=30))
    app.services.dispatcher(SlackNotifier(make_client(app.services.settings))).send_due_reminders()
    return next(m for m in fake.history[DM] if f"*{ref} " in json.dumps(m["blocks"]))


def _value(message: dict[str, Any], action_id: str) -> str:
    buttons = [e for b in message["blocks"] if b["type"] == "actions" for e in b["elements"]]
    value: str = next(e for e in buttons if e["action_id"] == action_id)["value"]
    return value


def _press(
    app: RunningApp, message: dict[str, Any], action_id: str, value: str, *, user: str = VEL
) -> dict[str, Any]:
    return app.slack.block_actions(
        user=user, message=message, channel=DM, action_id=action_id, value=value
    )


def _posted_since(fake: FakeSlack, count: int) -> list[str]:
    return [c.text for c in fake.answered("chat.postMessage")[count:]]


def _assert_refused_once(caplog: pytest.LogCaptureFixture) -> None:
    """One WARNING with an error id; no ERROR, no traceback; the body never quoted."""
    loud = [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]
    assert loud == [], [r.getMessage() for r in loud]
    refusals = [r for r in caplog.records if REFUSED.search(r.getMessage())]
    assert len(refusals) == 1, [r.getMessage() for r in caplog.records]
    assert refusals[0].levelno == logging.WARNING


def _stale_answers(fake: FakeSlack) -> list[str]:
    return [c.text for c in fake.responses() if c.text == STALE_BUTTON]


@pytest.mark.parametrize(
    ("action_id", "value"),
    [
        (f"{TAP_RAG}purple", None),  # a RAG the buttons don't offer
        (TAP_SNOOZE, "9" * 5000),  # int() of this raises; bigger ones would be slow
        (TAP_SNOOZE, "-1"),
        (TAP_SNOOZE, "1e9"),
        (TAP_SNOOZE, ["11"]),  # wrong type
        (TAP_SNOOZE, 11),  # a number, not the string Slack sends
    ],
)
def test_a_press_that_is_not_one_of_ours_is_refused_and_changes_nothing(
    app: RunningApp,
    fake: FakeSlack,
    clock: ManualClock,
    caplog: pytest.LogCaptureFixture,
    action_id: str,
    value: object,
) -> None:
    caplog.set_level(logging.INFO)
    reminder = _reminder(app, fake, clock, "2.3")
    before, posted = _plan(app), len(fake.answered("chat.postMessage"))
    payload = _press(app, reminder, action_id, _value(reminder, TAP_SNOOZE))
    if value is not None:
        payload["actions"][0]["value"] = value

    response = app.slack.interactive(payload)

    assert response.status == 200
    fake.wait_for(lambda: [c for c in fake.responses() if c.text == STALE_BUTTON])
    app.stop()
    assert _plan(app) == before
    assert _posted_since(fake, posted) == []  # no notice, no "couldn't finish" DM
    assert fake.answered("chat.update") == []
    _assert_refused_once(caplog)


@pytest.mark.parametrize("missing", ["value", "channel_as_text", "message_ts"])
def test_a_press_missing_or_mangling_a_field_is_refused(
    app: RunningApp,
    fake: FakeSlack,
    clock: ManualClock,
    caplog: pytest.LogCaptureFixture,
    missing: str,
) -> None:
    caplog.set_level(logging.INFO)
    reminder = _reminder(app, fake, clock, "2.3")
    before, posted = _plan(app), len(fake.answered("chat.postMessage"))
    payload = _press(app, reminder, f"{TAP_RAG}green", _value(reminder, TAP_SNOOZE))
    if missing == "value":
        del payload["actions"][0]["value"]
    elif missing == "channel_as_text":
        payload["channel"] = DM
    else:
        del payload["message"]["ts"]

    assert app.slack.interactive(payload).status == 200

    fake.wait_for(lambda: [c for c in fake.responses() if c.text == STALE_BUTTON])
    app.stop()
    assert _plan(app) == before
    assert _posted_since(fake, posted) == []
    _assert_refused_once(caplog)


def _opened_form(app: RunningApp, fake: FakeSlack, clock: ManualClock) -> dict[str, Any]:
    reminder = _reminder(app, fake, clock, "2.3")
    payload = _press(app, reminder, TAP_CHANGE, _value(reminder, TAP_CHANGE))
    assert app.slack.interactive(payload).status == 200
    view: dict[str, Any] = fake.wait_for(lambda: fake.answered("views.open")).params["view"]
    assert view["callback_id"] == UPDATE_FORM
    return view


def _forgeries(view: dict[str, Any], action_id: int) -> dict[str, str]:
    signed = view["private_metadata"]
    text, _, signature = signed.rpartition(".")
    try:
        origin = json.loads(signed)  # the old, unsigned form: JSON alone
    except ValueError:
        origin = json.loads(text)
    moved = origin | {"c": "C0ELSEWHERE", "m": None}
    return {
        "unsigned, as the old form wrote it": json.dumps(
            {"a": action_id, "c": "C0ELSEWHERE", "m": None}
        ),
        "moved to another channel": json.dumps(moved, separators=(",", ":"), sort_keys=True)
        + "."
        + signature,
        "signature cut short": signed[:-4],
        "missing": "",
    }


@pytest.mark.parametrize("forgery", FORGERIES)
def test_a_forged_form_origin_is_refused_in_the_modal_and_nothing_is_posted(
    app: RunningApp,
    fake: FakeSlack,
    clock: ManualClock,
    caplog: pytest.LogCaptureFixture,
    forgery: str,
) -> None:
    caplog.set_level(logging.INFO)
    view = _opened_form(app, fake, clock)
    before, posted = _plan(app), len(fake.answered("chat.postMessage"))
    forged = {**view, "private_metadata": _forgeries(view, app.action("2.3").id or 0)[forgery]}
    values = {TEXT_BLOCK: {TEXT_INPUT: {"type": "plain_text_input", "value": "all done"}}}

    response = app.slack.interactive(
        app.slack.view_submission(user=VEL, view=forged, values=values)
    )

    assert response.status == 200
    assert response.json() == {"response_action": "errors", "errors": {TEXT_BLOCK: STALE_FORM}}
    app.stop()
    assert _plan(app) == before
    assert _posted_since(fake, posted) == []
    assert fake.answered("chat.update") == []
    _assert_refused_once(caplog)


def test_a_form_submitted_by_someone_other_than_its_opener_is_refused(
    app: RunningApp, fake: FakeSlack, clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    view = _opened_form(app, fake, clock)
    before, posted = _plan(app), len(fake.answered("chat.postMessage"))
    values = {TEXT_BLOCK: {TEXT_INPUT: {"type": "plain_text_input", "value": "mine now"}}}

    response = app.slack.interactive(
        app.slack.view_submission(user=SALLY, view=view, values=values)
    )

    assert response.json()["response_action"] == "errors"
    app.stop()
    assert _plan(app) == before
    assert _posted_since(fake, posted) == []
    _assert_refused_once(caplog)


def test_a_rag_the_form_does_not_offer_is_refused(
    app: RunningApp, fake: FakeSlack, clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    view = _opened_form(app, fake, clock)
    before = _plan(app)
    values = {
        "rag": {"rag_select": {"type": "static_select", "selected_option": {"value": "purple"}}}
    }

    response = app.slack.interactive(app.slack.view_submission(user=VEL, view=view, values=values))

    assert response.status == 200
    assert response.json()["response_action"] == "errors"
    app.stop()
    assert _plan(app) == before
    _assert_refused_once(caplog)


def test_someone_who_may_not_change_an_action_gets_no_form(
    app: RunningApp, fake: FakeSlack, clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    reminder = _reminder(app, fake, clock, "2.3")  # Vel's action; Sally presses
    payload = _press(app, reminder, TAP_CHANGE, _value(reminder, TAP_CHANGE), user=SALLY)

    assert app.slack.interactive(payload).status == 200

    refusal = fake.wait_for(fake.responses)
    assert "only the owners of 2.3" in refusal.text
    assert refusal.params.get("response_type") == "ephemeral"
    app.stop()
    assert fake.answered("views.open") == []
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []


def test_a_command_answers_only_on_slacks_own_response_url(
    app: RunningApp, fake: FakeSlack, caplog: pytest.LogCaptureFixture, elsewhere: Elsewhere
) -> None:
    caplog.set_level(logging.INFO)
    for url in (
        elsewhere.url + "/respond/T0COUNCIL/1/hook",
        "https://hooks.slack.com.made-up-host.invalid/respond/1",
    ):
        form = {
            "command": "/rag",
            "text": "red",
            "user_id": VEL,
            "channel_id": "C0BOARD",
            "trigger_id": f"1.1700000000.{len(url)}",
            "response_url": url,
        }
        response = app.slack.post(urllib.parse.urlencode(form), "application/x-www-form-urlencoded")
        assert response.status == 200

    app.stop()
    assert elsewhere.paths == []
    assert fake.responses() == []
    loud = [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]
    assert loud == [], [r.getMessage() for r in loud]
    assert len([r for r in caplog.records if REFUSED.search(r.getMessage())]) == 2


def test_a_bad_press_with_a_foreign_response_url_is_answered_nowhere(
    app: RunningApp,
    fake: FakeSlack,
    clock: ManualClock,
    caplog: pytest.LogCaptureFixture,
    elsewhere: Elsewhere,
) -> None:
    caplog.set_level(logging.INFO)
    reminder = _reminder(app, fake, clock, "2.3")
    before, posted = _plan(app), len(fake.answered("chat.postMessage"))
    payload = _press(app, reminder, TAP_CHANGE, _value(reminder, TAP_CHANGE), user=SALLY)
    payload["response_url"] = elsewhere.url + "/respond/actions/1"

    assert app.slack.interactive(payload).status == 200

    app.stop()
    assert elsewhere.paths == []
    assert fake.responses() == []
    assert fake.answered("views.open") == []
    assert _posted_since(fake, posted) == []
    assert _plan(app) == before
    _assert_refused_once(caplog)
