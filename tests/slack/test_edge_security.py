"""The edge: nothing acts on an unverified request, nothing unbounded is read or logged."""

from __future__ import annotations

import http.client
import json
import logging
import time
import urllib.parse
from collections.abc import Iterator

import pytest

from bot.logs import OneLineFormatter
from tests.slack.conftest import RunningApp
from tests.slack.fake_slack import FakeSlack


@pytest.fixture
def elsewhere() -> Iterator[FakeSlack]:
    """Another host the attacker would like the bot to POST to."""
    other = FakeSlack().start()
    yield other
    other.stop()


def _raw_post(app: RunningApp, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
    host, port = app.url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        connection.request("POST", "/slack/events", body=body, headers=headers)
        answer = connection.getresponse()
        return answer.status, answer.read()
    finally:
        connection.close()


@pytest.mark.parametrize("stamp", ["abc", "", "1e10", "-5", "99999999999999999999", " 1"])
def test_a_malformed_timestamp_is_a_401_and_never_reaches_a_response_url(
    app: RunningApp, elsewhere: FakeSlack, stamp: str
) -> None:
    form = urllib.parse.urlencode(
        {
            "command": "/rag",
            "text": "red",
            "user_id": "U0VELKENNY",
            "trigger_id": "1.2.3",
            "response_url": elsewhere.url + "/respond/T0/1/evil",
        }
    )
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": "v0=" + "0" * 64,
    }

    status, _ = _raw_post(app, form.encode(), headers)
    app.stop()

    assert status == 401
    assert elsewhere.calls == []


def test_a_body_over_the_limit_is_refused_before_it_is_read(app: RunningApp) -> None:
    host, port = app.url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    connection.putrequest("POST", "/slack/events")
    connection.putheader("Content-Type", "application/json")
    connection.putheader("Content-Length", str(50_000_000))
    connection.endheaders()
    connection.send(b"{" * 1000)  # a little of it; the server must not wait for the rest
    started = time.monotonic()
    answer = connection.getresponse()
    connection.close()

    assert answer.status == 413
    assert time.monotonic() - started < 5


def test_a_refused_body_is_logged_by_size_and_hash_never_by_content(
    app: RunningApp, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    body = json.dumps({"type": "event_callback", "text": "SECRET-PAYLOAD\nERROR forged line"})
    headers = {
        "Content-Type": "application/json",
        "X-Slack-Request-Timestamp": str(int(time.time())),
        "X-Slack-Signature": "v0=" + "1" * 64,
    }

    status, _ = _raw_post(app, body.encode(), headers)

    assert status == 401
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "SECRET-PAYLOAD" not in logged
    assert f"{len(body)} bytes, sha256 " in logged


def test_a_log_line_cannot_be_forged_with_newlines_or_control_characters() -> None:
    formatter = OneLineFormatter("%(levelname)s %(message)s")
    record = logging.LogRecord(
        "x",
        logging.WARNING,
        __file__,
        1,
        "reply from %s",
        ("Vel\nERROR admin logged in\x1b[2J",),
        None,
    )

    line = formatter.format(record)

    assert "\n" not in line
    assert "\x1b" not in line
    assert line == "WARNING reply from Vel\\nERROR admin logged in\\x1b[2J"
