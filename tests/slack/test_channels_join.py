"""A board's public channel the bot isn't in is joined, and the post made again, once; a
private one can't be joined, and the reason says to invite the bot."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from bot.clock import ManualClock
from bot.config import Settings
from bot.domain.plan import PersonRef
from bot.domain.replies import Notice, NoticeKind
from bot.ports import NotDeliverableError
from handlers.application.boards import BoardSettings
from handlers.cli.main import CliOptions, app
from handlers.slack.app import make_client
from handlers.slack.notifier import SlackNotifier
from handlers.wiring import Services
from tests.slack.conftest import WORCESTERSHIRE
from tests.slack.fake_slack import FakeSlack

HELLO = Notice(NoticeKind.INFO, "This week's digest is below.")
PUBLIC, PRIVATE = "C0PUBLIC", "G0PRIVATE"


def _notifier(settings: Settings) -> SlackNotifier:
    return SlackNotifier(make_client(settings))


def test_a_public_channel_the_bot_is_not_in_is_joined_and_the_post_made_again(
    settings: Settings, fake: FakeSlack
) -> None:
    channel = fake.add_channel(PUBLIC, "improvement-board", member=False)

    sent = _notifier(settings).post_to_channel(PUBLIC, HELLO, key="digest:7:2026-11-23")

    assert [c.method for c in fake.calls] == [
        "chat.postMessage",
        "conversations.join",
        "chat.postMessage",
    ]
    [refused, posted] = fake.attempts("chat.postMessage")
    assert refused.answer == {"ok": False, "error": "not_in_channel"}
    assert fake.answered("conversations.join")[0].params["channel"] == PUBLIC
    assert posted.answer["ok"] is True
    assert sent.channel == PUBLIC
    assert channel.member
    [message] = fake.history_of(PUBLIC)
    assert message["metadata"]["event_payload"] == {"key": "digest:7:2026-11-23"}


def test_a_channel_the_bot_is_in_is_not_joined_again(settings: Settings, fake: FakeSlack) -> None:
    fake.add_channel(PUBLIC, "improvement-board", member=True)

    _notifier(settings).post_to_channel(PUBLIC, HELLO)

    assert [c.method for c in fake.calls] == ["chat.postMessage"]


def test_a_private_channel_the_bot_is_not_in_says_to_invite_it(
    settings: Settings, fake: FakeSlack
) -> None:
    """Slack hides a private channel from a bot outside it: channel_not_found, no join."""
    fake.add_channel(PRIVATE, "board-private", private=True, member=False)

    with pytest.raises(NotDeliverableError) as refused:
        _notifier(settings).post_to_channel(PRIVATE, HELLO)

    assert "channel_not_found" in str(refused.value)
    assert "if it is private, invite the bot there (/invite @actionbot" in str(refused.value)
    assert fake.attempts("conversations.join") == []
    assert fake.history_of(PRIVATE) == []


@pytest.mark.parametrize("error", ["method_not_supported_for_channel_type", "channel_not_found"])
def test_a_channel_that_cannot_be_joined_says_to_invite_the_bot(
    settings: Settings, fake: FakeSlack, error: str
) -> None:
    fake.add_channel(PUBLIC, "improvement-board", member=False)
    fake.refuse_once("conversations.join", error)

    with pytest.raises(NotDeliverableError) as refused:
        _notifier(settings).post_to_channel(PUBLIC, HELLO)

    said = str(refused.value)
    assert f"not_in_channel, and actionbot can't join it by itself ({error})" in said
    assert "invite the bot there with /invite @actionbot" in said
    assert len(fake.attempts("chat.postMessage")) == 1  # not posted again


def test_without_the_join_scope_the_reason_names_it(settings: Settings, fake: FakeSlack) -> None:
    fake.add_channel(PUBLIC, "improvement-board", member=False)
    fake.refuse_once("conversations.join", "missing_scope")

    with pytest.raises(NotDeliverableError, match=r"lacks the channels:join scope"):
        _notifier(settings).post_to_channel(PUBLIC, HELLO)


def test_the_post_is_made_again_only_once(settings: Settings, fake: FakeSlack) -> None:
    fake.add_channel(PUBLIC, "improvement-board", member=False)
    fake.refuse_once("chat.postMessage", "not_in_channel")
    fake.refuse_once("chat.postMessage", "not_in_channel")

    with pytest.raises(NotDeliverableError, match="even after joining it"):
        _notifier(settings).post_to_channel(PUBLIC, HELLO)

    assert len(fake.attempts("conversations.join")) == 1
    assert len(fake.attempts("chat.postMessage")) == 2


def test_a_direct_message_is_never_a_join(settings: Settings, fake: FakeSlack) -> None:
    fake.refuse_once("chat.postMessage", "not_in_channel")
    person = PersonRef(id=1, name="Vel Kenny", chat_ids={"slack": "U0VELKENNY"})

    with pytest.raises(NotDeliverableError, match="not_in_channel"):
        _notifier(settings).send_direct(person, HELLO)
    assert fake.attempts("conversations.join") == []


def test_digest_post_joins_the_boards_public_channel_then_posts(
    settings: Settings, fake: FakeSlack, services: Services, clock: ManualClock
) -> None:
    """Through the real command: `actionbot digest --post` to a channel the bot was never
    added to."""
    services.application.boards.configure(WORCESTERSHIRE.name, BoardSettings(channel=PUBLIC))
    fake.add_channel(PUBLIC, "improvement-board", member=False)

    result = CliRunner().invoke(
        app,
        ["digest", "--post", "--board", WORCESTERSHIRE.name],
        obj=CliOptions(settings=settings, clock=clock),
    )

    assert result.exit_code == 0, result.output
    assert "Posted to C0PUBLIC" in result.stdout
    assert [c.params["channel"] for c in fake.attempts("conversations.join")] == [PUBLIC]
    assert len(fake.history_of(PUBLIC)) >= 1
