"""The Slack notifier against the stand-in: DMs by user id, retries, and who can't be reached."""

from __future__ import annotations

import time

import pytest
from slack_sdk.errors import SlackApiError

from bot.config import Settings
from bot.domain.plan import PersonRef
from bot.domain.replies import Notice, NoticeKind
from bot.ports import DeliveryLog, NotDeliverableError, Sent
from handlers.slack.app import make_client
from handlers.slack.notifier import SlackNotifier
from tests.slack.conftest import VEL
from tests.slack.fake_slack import FakeSlack

VEL_REF = PersonRef(id=14, name="Vel Kenny", chat_ids={"slack": VEL})
HELLO = Notice(NoticeKind.INFO, "Reminders for the Service Improvement Board start on Monday.")


def test_a_direct_message_goes_to_the_user_id_and_returns_the_dm_channel(
    settings: Settings, fake: FakeSlack
) -> None:
    sent = SlackNotifier(make_client(settings)).send_direct(VEL_REF, HELLO)

    [call] = fake.answered("chat.postMessage")
    assert call.params["channel"] == VEL
    assert call.text == HELLO.text
    assert call.blocks[0]["type"] == "section"
    assert call.headers["Authorization"] == "Bearer xoxb-test"
    assert sent == Sent(channel="D" + VEL[1:], message_ref=call.answer["ts"])


def test_a_person_without_a_slack_account_is_not_deliverable(
    settings: Settings, fake: FakeSlack
) -> None:
    unlinked = PersonRef(id=31, name="Jennie Leeson")

    with pytest.raises(NotDeliverableError, match="no Slack account linked for Jennie Leeson"):
        SlackNotifier(make_client(settings)).send_direct(unlinked, HELLO)
    assert fake.calls == []


def test_a_429_is_waited_out_and_the_message_posted_exactly_once(
    settings: Settings, fake: FakeSlack
) -> None:
    fake.fail_once("chat.postMessage", 429)
    started = time.monotonic()

    SlackNotifier(make_client(settings)).send_direct(VEL_REF, HELLO)

    assert time.monotonic() - started >= 1  # Retry-After: 1 was honoured
    assert [c.status for c in fake.attempts("chat.postMessage")] == [429, 200]
    assert len(fake.answered("chat.postMessage")) == 1


def test_a_server_error_is_retried(settings: Settings, fake: FakeSlack) -> None:
    fake.fail_once("chat.postMessage", 500)

    SlackNotifier(make_client(settings)).post_to_channel("C0BOARD", HELLO)

    assert [c.status for c in fake.attempts("chat.postMessage")] == [500, 200]


def test_a_channel_post_lands_in_the_channel(settings: Settings, fake: FakeSlack) -> None:
    sent = SlackNotifier(make_client(settings)).post_to_channel("C0BOARD", HELLO)

    assert sent.channel == "C0BOARD"
    assert fake.answered("chat.postMessage")[0].params["channel"] == "C0BOARD"


def test_slack_refusals_that_retrying_cannot_fix_are_not_deliverable(
    settings: Settings, fake: FakeSlack
) -> None:
    """A channel the bot was never invited to: skipped, not retried every sweep."""
    notifier = SlackNotifier(make_client(settings))
    fake.refuse_once("chat.postMessage", "not_in_channel")
    fake.refuse_once("chat.postMessage", "invalid_auth")

    with pytest.raises(NotDeliverableError, match="not_in_channel"):
        notifier.post_to_channel("C0NOTJOINED", HELLO)
    with pytest.raises(SlackApiError):
        notifier.post_to_channel("C0BOARD", HELLO)


def test_a_keyed_send_is_tagged_and_found_again_in_the_dm(
    settings: Settings, fake: FakeSlack
) -> None:
    """After a crash the dispatcher asks before resending: the claim key rides in metadata."""
    notifier = SlackNotifier(make_client(settings))
    notifier.send_direct(VEL_REF, HELLO, key="reminder:2.3:2026-12-01:14")
    notifier.send_direct(VEL_REF, HELLO, key="reminder:5.1:2026-12-01:14")

    [first, _] = fake.answered("chat.postMessage")
    assert first.params["metadata"] == {
        "event_type": "actionbot_send",
        "event_payload": {"key": "reminder:2.3:2026-12-01:14"},
    }
    found = notifier.find_sent("reminder:2.3:2026-12-01:14", person=VEL_REF)
    assert found == Sent(channel="D" + VEL[1:], message_ref=first.answer["ts"])
    assert notifier.find_sent("reminder:1.8:2026-12-01:14", person=VEL_REF) is None
    [history] = fake.answered("conversations.history")[:1]
    assert history.params["include_all_metadata"] in ("1", "true")
    assert fake.answered("conversations.open")[0].params["users"] == VEL


def test_a_keyed_channel_post_is_found_in_the_channel(settings: Settings, fake: FakeSlack) -> None:
    notifier = SlackNotifier(make_client(settings))
    sent = notifier.post_to_channel("C0BOARD", HELLO, key="digest:7:2026-11-23")
    notifier.post_to_channel("C0BOARD", HELLO)

    assert notifier.find_sent("digest:7:2026-11-23", channel="C0BOARD") == sent
    assert notifier.find_sent("digest:7:2026-11-30", channel="C0BOARD") is None
    assert "metadata" not in fake.answered("chat.postMessage")[1].params


def test_a_notifier_that_can_look_back_is_a_delivery_log(settings: Settings) -> None:
    assert isinstance(SlackNotifier(make_client(settings)), DeliveryLog)
