"""`actionbot doctor` through the real command, against the stand-in Slack: one line per
check, what to do about each one that is wrong, exit 0 only when nothing is."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from alembic import command
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from pydantic import SecretStr
from typer.testing import CliRunner, Result

from bot.clock import ManualClock
from bot.config import Settings
from handlers.application.boards import BoardSettings
from handlers.cli.main import CliOptions, app
from handlers.slack.app import make_client
from handlers.slack.doctor import manifest_scopes, refused_tokens
from handlers.wiring import Services
from storage import lease
from storage.db import alembic_config
from tests.slack.conftest import WORCESTERSHIRE
from tests.slack.fake_slack import FakeSlack

BOARD = WORCESTERSHIRE.name


def doctor(settings: Settings, clock: ManualClock) -> Result:
    return CliRunner().invoke(app, ["doctor"], obj=CliOptions(settings=settings, clock=clock))


def lines(result: Result) -> list[str]:
    return result.stdout.splitlines()


def line(result: Result, words: str) -> str:
    found = [text for text in lines(result) if words in text]
    assert len(found) == 1, f"one line with {words!r} in:\n{result.stdout}"
    return found[0]


@pytest.fixture
def board_channel(services: Services, fake: FakeSlack) -> str:
    """The seeded board posts to C0BOARD, a public channel the bot is in."""
    services.application.boards.configure(BOARD, BoardSettings(channel="C0BOARD"))
    fake.add_channel("C0BOARD", "improvement-board")
    return "C0BOARD"


def _on(services: Services, fake: FakeSlack, channel: str, **kind: bool) -> None:
    services.application.boards.configure(BOARD, BoardSettings(channel=channel))
    fake.add_channel(channel, "board-room", **kind)


def test_all_good(
    settings: Settings, fake: FakeSlack, clock: ManualClock, board_channel: str
) -> None:
    result = doctor(settings, clock)

    assert result.exit_code == 0, result.output
    assert line(result, "The database at").startswith("✓ ")
    assert "tables are up to date" in line(result, "The database at")
    assert line(result, "scheduler lease").startswith("– No process holds the scheduler lease")
    assert line(result, "SLACK_BOT_TOKEN works").startswith("✓ ")
    assert "@actionbot in Council" in line(result, "SLACK_BOT_TOKEN works")
    assert line(result, "every scope").startswith("✓ ")
    assert line(result, "SLACK_SIGNING_SECRET is set").startswith("✓ ")
    assert line(result, "#improvement-board") == (
        f"✓ {BOARD} posts to #improvement-board (C0BOARD), and actionbot is in it"
    )
    assert lines(result)[-1] == "Nothing to fix."
    assert not any(text.startswith("✗") for text in lines(result))
    assert "Teams" not in result.stdout
    assert [c.params["channel"] for c in fake.answered("conversations.info")] == ["C0BOARD"]
    # It only looks: nothing posted, nothing joined.
    assert fake.attempts("chat.postMessage") == fake.attempts("conversations.join") == []


@pytest.mark.parametrize("error", ["invalid_auth", "token_revoked", "not_authed"])
def test_a_refused_token_is_named_with_where_to_get_another(
    settings: Settings, fake: FakeSlack, clock: ManualClock, board_channel: str, error: str
) -> None:
    fake.refuse_token("xoxb-test", error)

    result = doctor(settings, clock)

    assert result.exit_code == 1
    assert line(result, "SLACK_BOT_TOKEN").startswith(
        f"✗ SLACK_BOT_TOKEN was refused by Slack ({error}): copy the Bot User OAuth Token "
        "again from OAuth & Permissions"
    )
    assert "Traceback" not in result.output
    assert "SlackApiError" not in result.output
    assert "The server responded with" not in result.output
    assert lines(result)[-1].endswith("checks found something to fix (✗ above).")
    # Nothing more is asked of Slack with a token it refuses.
    assert fake.attempts("conversations.info") == []


def test_a_missing_scope_is_named_and_a_channel_it_cannot_join_says_invite(
    settings: Settings, fake: FakeSlack, clock: ManualClock, services: Services
) -> None:
    fake.scopes = sorted(manifest_scopes() - {"channels:join"})
    _on(services, fake, "C0PUBLIC", member=False)

    result = doctor(settings, clock)

    assert result.exit_code == 1
    scopes = line(result, "lacks the scope")
    assert scopes.startswith("✗ The app lacks the scope channels:join that ")
    assert "OAuth & Permissions → Bot Token Scopes" in scopes
    assert "reinstall the app" in scopes
    channel = line(result, "#board-room")
    assert channel.startswith("✗ ")
    assert "can't join it by itself without the channels:join scope" in channel
    assert "invite it with /invite @actionbot in #board-room" in channel


def test_a_public_channel_the_bot_is_not_in_will_be_joined(
    settings: Settings, fake: FakeSlack, clock: ManualClock, services: Services
) -> None:
    _on(services, fake, "C0PUBLIC", member=False)

    result = doctor(settings, clock)

    assert result.exit_code == 0, result.output
    assert line(result, "#board-room") == (
        f"✓ {BOARD} posts to #board-room (C0PUBLIC); actionbot isn't in it yet, and will join "
        "it by itself at its first post"
    )


def test_an_unreachable_private_channel_says_to_invite_the_bot(
    settings: Settings, fake: FakeSlack, clock: ManualClock, services: Services
) -> None:
    _on(services, fake, "G0PRIVATE", private=True, member=False)

    result = doctor(settings, clock)

    assert result.exit_code == 1
    said = line(result, "G0PRIVATE")
    assert said.startswith(f"✗ {BOARD}'s Slack channel G0PRIVATE can't be seen by actionbot: ")
    assert "if it is a private channel, invite the bot there (/invite @actionbot" in said
    assert f'`actionbot board "{BOARD}" --channel C…`' in said


def test_a_board_without_a_slack_channel_is_noted_not_failed(
    settings: Settings, fake: FakeSlack, clock: ManualClock, services: Services
) -> None:
    result = doctor(settings, clock)

    assert result.exit_code == 0, result.output
    assert line(result, "has no Slack channel").startswith(f"– {BOARD} has no Slack channel")


def test_the_scheduler_lease_holder_and_expiry_are_shown(
    settings: Settings, fake: FakeSlack, clock: ManualClock, services: Services
) -> None:
    with services.db.session() as session:
        lease.try_acquire(
            session,
            name="scheduler",
            holder="web-1:4242:abc123",
            now=clock.now(),
            ttl=timedelta(seconds=30),
        )

    result = doctor(settings, clock)

    held = line(result, "The scheduler runs in")
    assert held.startswith("✓ The scheduler runs in web-1:4242:abc123 (since 23 Nov 10:00)")
    assert "its lease runs to 10:00:30 (30 s)" in held

    clock.advance(timedelta(minutes=5))
    lapsed = line(doctor(settings, clock), "scheduler lease")
    assert lapsed.startswith("– No process holds the scheduler lease (it was last held by web-1")


def test_a_database_behind_the_code_is_said_and_left_as_it_is(
    settings: Settings, fake: FakeSlack, clock: ManualClock, services: Services
) -> None:
    config = alembic_config(services.db.engine)
    head = ScriptDirectory.from_config(config).get_revision("head")
    assert head is not None
    assert isinstance(head.down_revision, str)
    command.stamp(config, head.down_revision, purge=True)

    result = doctor(settings, clock)

    assert result.exit_code == 1
    said = line(result, "The database at")
    assert said.startswith("✗ ")
    assert f"is at revision {head.down_revision}, behind this version's {head.revision}" in said
    assert "weren't checked" in result.stdout
    assert line(result, "SLACK_BOT_TOKEN works").startswith("✓ ")  # Slack is still checked
    with services.db.engine.connect() as connection:
        assert MigrationContext.configure(connection).get_current_heads() == (head.down_revision,)


def test_a_missing_database_is_not_created(
    settings: Settings, fake: FakeSlack, clock: ManualClock, tmp_path: Path
) -> None:
    path = tmp_path / "nowhere" / "actionbot.db"
    elsewhere = settings.model_copy(update={"database_url": f"sqlite:///{path}"})

    result = doctor(elsewhere, clock)

    assert result.exit_code == 1
    assert line(result, "no plan database").startswith(f"✗ There is no plan database at {path}")
    assert not path.exists()


def test_socket_mode_checks_the_app_token(
    settings: Settings, fake: FakeSlack, clock: ManualClock, board_channel: str
) -> None:
    socket = settings.model_copy(update={"slack_app_token": SecretStr("xapp-test")})

    good = doctor(socket, clock)
    assert good.exit_code == 0, good.output
    assert line(good, "SLACK_APP_TOKEN").startswith("✓ SLACK_APP_TOKEN opens a Socket Mode")
    [opened] = fake.answered("apps.connections.open")
    assert opened.headers["Authorization"] == "Bearer xapp-test"

    fake.refuse_token("xapp-test", "invalid_auth")
    refused = doctor(socket, clock)
    assert refused.exit_code == 1
    assert line(refused, "SLACK_APP_TOKEN").startswith(
        "✗ SLACK_APP_TOKEN was refused by Slack (invalid_auth): make an app-level token with "
        "the connections:write scope"
    )


def test_teams_settings_are_checked_without_asking_microsoft(
    settings: Settings, fake: FakeSlack, clock: ManualClock, board_channel: str
) -> None:
    both = settings.model_copy(
        update={
            "teams_app_id": "00000000-0000-0000-0000-00000000a11d",
            "teams_tenant_id": "11111111-2222-3333-4444-555555555555",
            "teams_app_password": SecretStr("a-client-secret"),
        }
    )

    result = doctor(both, clock)

    assert result.exit_code == 0, result.output
    assert line(result, "Teams is set up").startswith(
        "✓ Teams is set up: app 00000000-0000-0000-0000-00000000a11d in tenant "
        "11111111-2222-3333-4444-555555555555, with a client secret"
    )


def test_a_console_only_deployment_says_so(
    settings: Settings, fake: FakeSlack, clock: ManualClock, services: Services
) -> None:
    console = settings.model_copy(update={"slack_bot_token": None, "slack_signing_secret": None})

    result = doctor(console, clock)

    assert result.exit_code == 0, result.output
    assert line(result, "console-only").startswith(
        "– Neither Slack nor Teams is configured: this is a console-only deployment"
    )
    assert fake.calls == []


def test_slack_not_answering_is_said_and_does_not_stop_serve(
    settings: Settings, clock: ManualClock, services: Services
) -> None:
    gone = settings.model_copy(update={"slack_api_url": "http://127.0.0.1:9/api/"})

    assert refused_tokens(gone, make_client(gone)) is None

    result = doctor(gone, clock)
    assert result.exit_code == 1
    assert line(result, "Slack didn't answer").startswith(
        "✗ Slack didn't answer at http://127.0.0.1:9/api/"
    )
