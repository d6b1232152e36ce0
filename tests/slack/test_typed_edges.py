"""The Slack edge reads payloads only through typed shapes, and a busy database is answered
with a status Slack retries, not a traceback."""

from __future__ import annotations

import json
from datetime import timedelta
from urllib.parse import urlencode

import pytest

from handlers.application.errors import Busy
from handlers.application.inbox import Delivery
from handlers.slack.edge import SlackEdge
from handlers.slack.payload_fields import BadPayload
from handlers.slack.payloads import FORM, HomeOpened, kind, sender, stored_sender


def test_home_opened_is_parsed_not_dug_into() -> None:
    assert HomeOpened.parse({"type": "app_home_opened", "user": "U0ABC", "tab": "messages"}) == (
        HomeOpened("U0ABC", "messages")
    )
    assert HomeOpened.parse({"user": "U0ABC"}).tab == "home"
    for bad in ({"tab": "home"}, {"user": "<script>"}, {"user": "U0ABC", "tab": 3}, []):
        with pytest.raises(BadPayload):
            HomeOpened.parse(bad)


def test_kind_and_sender_never_quote_a_body() -> None:
    assert kind({"command": "/rag"}) == "/rag"
    assert kind({"type": "event_callback", "event": {"type": "message"}}) == "message"
    assert kind({"type": "x" * 500}) == "request"
    assert kind("not a payload") == "request"
    assert sender({"user": {"id": "U0ABC"}}) == "U0ABC"
    assert sender({"event": {"user": "U0DEF"}}) == "U0DEF"
    assert sender({"user": "not an id"}) is None
    command = urlencode({"command": "/rag", "user_id": "U0ABC"})
    assert stored_sender(command, FORM) == "U0ABC"
    press = urlencode({"payload": json.dumps({"user": {"id": "U0DEF"}})})
    assert stored_sender(press, FORM) == "U0DEF"
    assert stored_sender("{not json", "application/json") is None


class _BusyInbox:
    def store(self, **_fields: object) -> Delivery | None:
        raise Busy("the database is busy or unreachable")


def test_a_busy_database_is_a_503_so_slack_sends_it_again() -> None:
    edge = SlackEdge(
        _BusyInbox(),  # type: ignore[arg-type]
        signing_secret="s",
        holder="h",
        lease_seconds=timedelta(seconds=30).total_seconds(),
        submit=lambda _delivery: None,
        apply_now=lambda _delivery: pytest.fail("nothing was stored to apply"),
    )
    payload = {"type": "event_callback", "event_id": "Ev1", "event": {"type": "message"}}
    answer = edge.take(payload, json.dumps(payload), "application/json")
    assert answer.status.startswith("503")
