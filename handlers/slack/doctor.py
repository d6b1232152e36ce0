"""`actionbot doctor`, Slack's part: the bot token, its scopes, how Slack reaches the bot, and
each board's channel, each said in a sentence with what to do about it.

Everything is asked of Slack itself (auth.test, conversations.info, and apps.connections.open
for Socket Mode); nothing is changed. The scopes granted come back in the `x-oauth-scopes`
header of every Web API answer and are compared with the manifest's.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.config import Settings
from bot.domain.safety import terminal_safe
from handlers.application.health import Check
from handlers.slack.app import TokenRefusedError, slack_error

MANIFEST = Path(__file__).resolve().parent / "manifest.yml"
SCOPES_HEADER = "x-oauth-scopes"
JOIN_SCOPE = "channels:join"
DEFAULT_API_HOST = "slack.com"
APPS = "api.slack.com/apps"


@dataclass(frozen=True)
class Identity:
    """Who the bot token says the bot is, and what it was granted (None: Slack didn't say)."""

    name: str
    team: str
    bot_id: str
    scopes: frozenset[str] | None

    @property
    def invite(self) -> str:
        return f"/invite @{self.name}"

    def may_join(self) -> bool:
        return self.scopes is None or JOIN_SCOPE in self.scopes


def manifest_scopes() -> frozenset[str]:
    """The bot scopes handlers/slack/manifest.yml asks for (read without a YAML parser)."""
    lines = MANIFEST.read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip() == "bot:")
    scopes: set[str] = set()
    for line in lines[start + 1 :]:
        if not line.strip().startswith("- "):
            break
        scopes.add(line.strip().removeprefix("- "))
    return frozenset(scopes)


def slack_checks(
    settings: Settings, client: WebClient, boards: Sequence[tuple[str, str | None]] | None
) -> list[Check]:
    """The token first: if Slack refuses it, nothing else can be asked. `boards` (name, Slack
    channel id or None) when the plan could be read; None skips the channels."""
    identity, said = _token(settings, client)
    if identity is None:
        return [said]
    checks = [said, _scopes(identity), _transport(settings, client)]
    for board, channel in boards or ():
        checks.append(_channel(client, identity, board, channel))
    return checks


def refused_tokens(settings: Settings, client: WebClient) -> str | None:
    """For `serve` at start: the sentence for a token Slack refuses (the bot token, then the
    app-level token in Socket Mode). None when both are accepted, or when Slack couldn't be
    asked: it may well answer by the first request, and serving is not stopped for that."""
    try:
        client.auth_test()
        if settings.slack_app_token is not None:
            client.apps_connections_open(app_token=settings.slack_app_token.get_secret_value())
    except TokenRefusedError as refused:
        return refused.message
    except (SlackClientError, OSError):
        return None
    return None


def _token(settings: Settings, client: WebClient) -> tuple[Identity | None, Check]:
    try:
        answer = client.auth_test()
    except TokenRefusedError as refused:
        return None, Check(False, refused.message)
    except SlackApiError as failure:
        error = slack_error(failure) or f"HTTP {failure.response.status_code}"
        return None, Check(
            False,
            f"Slack would not check SLACK_BOT_TOKEN ({error}) at {settings.slack_api_url}: "
            "try again in a minute, and check SLACK_API_URL if it persists",
        )
    except (SlackClientError, OSError) as failure:
        return None, Check(False, _unreachable(settings, failure))
    identity = Identity(
        name=str(answer.get("user") or "actionbot"),
        team=str(answer.get("team") or answer.get("team_id") or "the workspace"),
        bot_id=str(answer.get("bot_id") or ""),
        scopes=_granted(answer.headers),
    )
    if not identity.bot_id:
        return None, Check(
            False,
            "SLACK_BOT_TOKEN is a user's token, not the app's: copy the Bot User OAuth Token "
            f"(xoxb-…) from OAuth & Permissions at {APPS}",
        )
    return identity, Check(
        True,
        f"SLACK_BOT_TOKEN works: Slack{_host(settings)} knows the bot as @{_safe(identity.name)} "
        f"in {_safe(identity.team)}",
    )


def _scopes(identity: Identity) -> Check:
    wanted = manifest_scopes()
    if identity.scopes is None:
        return Check(
            None,
            "Slack didn't say which scopes SLACK_BOT_TOKEN has, so they weren't compared with "
            "handlers/slack/manifest.yml",
        )
    missing = sorted(wanted - identity.scopes)
    if not missing:
        return Check(
            True, f"The app has every scope handlers/slack/manifest.yml asks for ({len(wanted)})"
        )
    scopes = ", ".join(missing)
    return Check(
        False,
        f"The app lacks {'the scope' if len(missing) == 1 else 'scopes'} {scopes} that "
        "handlers/slack/manifest.yml asks for: add "
        f"{'it' if len(missing) == 1 else 'them'} under OAuth & Permissions → Bot Token Scopes "
        f"at {APPS} (or paste the manifest again under App Manifest), then reinstall the app "
        "to the workspace",
    )


def _transport(settings: Settings, client: WebClient) -> Check:
    """Socket Mode: the app-level token must open a connection. HTTP: requests are verified
    with the signing secret, which Slack never reveals, so only its presence is checked."""
    if settings.slack_app_token is not None:
        try:
            client.apps_connections_open(app_token=settings.slack_app_token.get_secret_value())
        except TokenRefusedError as refused:
            return Check(False, refused.message)
        except SlackApiError as failure:
            error = slack_error(failure) or f"HTTP {failure.response.status_code}"
            return Check(
                False,
                f"Slack would not open a Socket Mode connection with SLACK_APP_TOKEN ({error}): "
                f"turn Socket Mode on under Settings → Socket Mode at {APPS}",
            )
        except (SlackClientError, OSError) as failure:
            return Check(False, _unreachable(settings, failure))
        return Check(
            True,
            "SLACK_APP_TOKEN opens a Socket Mode connection: Slack reaches actionbot without a "
            "public URL",
        )
    if settings.slack_signing_secret is None:
        return Check(
            False,
            "SLACK_SIGNING_SECRET is not set: copy the Signing Secret from Basic Information → "
            f"App Credentials at {APPS}, so requests to /slack/events can be verified",
        )
    return Check(
        True,
        "SLACK_SIGNING_SECRET is set (only a request Slack signs can prove it right: Event "
        "Subscriptions shows https://<host>/slack/events as Verified once `actionbot serve` "
        "answers there)",
    )


def _channel(client: WebClient, identity: Identity, board: str, channel: str | None) -> Check:
    shown = _safe(board)
    if not channel:
        return Check(
            None,
            f"{shown} has no Slack channel, so its digest isn't posted in Slack: "
            f'`actionbot board "{shown}" --channel C0123ABC` to give it one',
        )
    try:
        found: Mapping[str, Any] = client.conversations_info(channel=channel).get("channel") or {}
    except SlackApiError as failure:
        return Check(False, _unseen(identity, shown, channel, slack_error(failure)))
    except (SlackClientError, OSError) as failure:
        return Check(
            False,
            f"{shown}'s channel {channel} couldn't be checked: Slack didn't answer ({failure})",
        )
    name = f"#{_safe(str(found.get('name') or channel))}"
    where = f"{shown} posts to {name} ({channel})"
    if found.get("is_archived"):
        return Check(
            False,
            f"{where}, which is archived: unarchive it, or give the board another channel with "
            f'`actionbot board "{shown}" --channel C…`',
        )
    if found.get("is_member"):
        return Check(True, f"{where}, and actionbot is in it")
    if found.get("is_private"):
        return Check(
            False,
            f"{where}, a private channel actionbot isn't in: invite it with {identity.invite} "
            f"in {name}",
        )
    if identity.may_join():
        return Check(
            True,
            f"{where}; actionbot isn't in it yet, and will join it by itself at its first post",
        )
    return Check(
        False,
        f"{where}; actionbot isn't in it and can't join it by itself without the {JOIN_SCOPE} "
        f"scope: invite it with {identity.invite} in {name}, or add the scope and reinstall",
    )


def _unseen(identity: Identity, board: str, channel: str, error: str) -> str:
    if error == "channel_not_found":
        return (
            f"{board}'s Slack channel {channel} can't be seen by actionbot: if it is a private "
            f"channel, invite the bot there ({identity.invite} in the channel); otherwise check "
            "the id (the channel's name → About → Channel ID) and set it with "
            f'`actionbot board "{board}" --channel C…`'
        )
    if error == "missing_scope":
        return (
            f"{board}'s Slack channel {channel} couldn't be checked: the app lacks the scope to "
            "read it (channels:read, or groups:read for a private channel)"
        )
    return f"{board}'s Slack channel {channel} couldn't be checked: Slack said {error or 'no'}"


def _granted(headers: Mapping[str, Any] | None) -> frozenset[str] | None:
    for name, value in (headers or {}).items():
        if name.lower() == SCOPES_HEADER:
            text = value[0] if isinstance(value, list) and value else value
            return frozenset(s.strip() for s in str(text).split(",") if s.strip())
    return None


def _unreachable(settings: Settings, failure: BaseException) -> str:
    reason = getattr(failure, "reason", None) or failure
    return (
        f"Slack didn't answer at {settings.slack_api_url} ({_safe(str(reason))[:120]}): check "
        "this machine's network and proxy, and SLACK_API_URL"
    )


def _host(settings: Settings) -> str:
    host = urlsplit(settings.slack_api_url).hostname or ""
    return "" if host == DEFAULT_API_HOST else f" (at {host})"


def _safe(text: str) -> str:
    return terminal_safe(text)
