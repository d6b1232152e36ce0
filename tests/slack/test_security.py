"""Forged, stale and probing requests: refused before anything runs, nothing written."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest

from tests.slack.conftest import SALLY, RunningApp
from tests.slack.fake_slack import FakeSlack

STALE_SECONDS = 6 * 60  # Slack's verifier refuses anything older than five minutes


def _update(app: RunningApp) -> tuple[str, str]:
    event = app.slack.direct_message("4.5 amber - council meeting booked", user=SALLY)
    body = {"type": "event_callback", "team_id": "T0COUNCIL", "event": event, "event_id": "Ev1"}
    return json.dumps(body), "application/json"


def test_a_bad_signature_is_refused_and_nothing_is_written(
    app: RunningApp, fake: FakeSlack
) -> None:
    body, kind = _update(app)

    response = app.slack.post(body, kind, signature="v0=" + "0" * 64)

    assert response.status == 401
    app.stop()
    assert app.updates("4.5") == []
    assert app.action("4.5").rag == "red"
    assert fake.answered("chat.postMessage") == []


def test_a_body_changed_after_signing_is_refused(app: RunningApp) -> None:
    body, kind = _update(app)
    stamp = int(time.time())
    signature = app.slack.verifier.generate_signature(timestamp=str(stamp), body=body)

    response = app.slack.post(
        body.replace("amber", "green"), kind, timestamp=stamp, signature=signature
    )

    assert response.status == 401


def test_a_stale_timestamp_is_refused_even_when_correctly_signed(
    app: RunningApp, fake: FakeSlack
) -> None:
    body, kind = _update(app)

    response = app.slack.post(body, kind, timestamp=int(time.time()) - STALE_SECONDS)

    assert response.status == 401
    app.stop()
    assert app.updates("4.5") == []
    assert fake.answered("chat.postMessage") == []


def test_a_stale_slash_command_gets_no_answer(app: RunningApp, fake: FakeSlack) -> None:
    form = (
        "command=%2Frag&text=red&user_id=U1&channel_id=C1&response_url="
        + fake.url
        + "%2Frespond%2Fx"
    )
    response = app.slack.post(
        form, "application/x-www-form-urlencoded", timestamp=int(time.time()) - STALE_SECONDS
    )

    assert response.status == 401
    app.stop()
    assert fake.responses() == []


def test_url_verification_challenge_is_answered(app: RunningApp) -> None:
    body = {
        "token": "legacy",
        "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
        "type": "url_verification",
    }

    response = app.slack.post(json.dumps(body), "application/json")

    assert response.status == 200
    assert response.json() == {"challenge": body["challenge"]}


def test_health_check_and_unknown_paths(app: RunningApp) -> None:
    with urllib.request.urlopen(app.url + "/healthz", timeout=5) as answer:
        assert (answer.status, answer.read()) == (200, b"ok")
    with pytest.raises(urllib.error.HTTPError) as missing:
        urllib.request.urlopen(app.url + "/admin", timeout=5)
    assert missing.value.code == 404
    with pytest.raises(urllib.error.HTTPError) as wrong_method:
        urllib.request.urlopen(app.url + "/slack/events", timeout=5)
    assert wrong_method.value.code == 405  # the endpoint exists, for POST only


def test_a_malformed_command_is_refused_at_the_edge_and_nothing_is_posted(
    app: RunningApp, fake: FakeSlack
) -> None:
    """Signed but missing who sent it: a 400 saying what is wrong, nothing stored or posted."""
    respond_to = fake.url + "/respond/T0COUNCIL/9/broken"
    form = urllib.parse.urlencode({"command": "/rag", "text": "red", "response_url": respond_to})

    response = app.slack.post(form, "application/x-www-form-urlencoded")

    assert response.status == 400
    assert "user_id" in response.body
    app.stop()
    assert fake.responses() == []
