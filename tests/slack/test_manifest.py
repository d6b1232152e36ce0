"""The manifest asks for what the app uses — interactivity, the Home tab, its scopes — no more."""

from __future__ import annotations

from pathlib import Path

from handlers.slack.server import EVENTS_PATH

MANIFEST = Path(__file__).resolve().parents[2] / "handlers" / "slack" / "manifest.yml"

# Each scope, and the calls that need it.
SCOPES = {
    "channels:history": "conversations.history: find_sent in a public board channel",
    "groups:history": "conversations.history: find_sent in a private board channel",
    "channels:join": "conversations.join: a public board channel the bot isn't in yet",
    "channels:read": "conversations.members: /rag answers a public board's members",
    "groups:read": "conversations.members: /rag answers a private board's members",
    "chat:write": "chat.postMessage, chat.update",
    "commands": "/rag",
    "im:history": "message.im events; conversations.history in DMs for find_sent",
    "im:write": "conversations.open",
    "app_mentions:read": "app_mention events",
    "users:read": "people sync",
    "users:read.email": "people sync by email",
}
EVENTS = {"message.im", "app_mention", "app_home_opened"}


def _list_after(lines: list[str], key: str) -> set[str]:
    """The `- item` lines under `key:`, read without a YAML parser (none is a dependency)."""
    start = next(i for i, line in enumerate(lines) if line.strip() == f"{key}:")
    items: set[str] = set()
    for line in lines[start + 1 :]:
        if not line.strip().startswith("- "):
            break
        items.add(line.strip().removeprefix("- "))
    return items


def test_scopes_and_events_are_exactly_what_the_app_uses() -> None:
    lines = MANIFEST.read_text().splitlines()

    assert _list_after(lines, "bot") == set(SCOPES)
    assert _list_after(lines, "bot_events") == EVENTS


def test_interactivity_and_the_home_tab_are_declared_on_the_one_endpoint() -> None:
    text = MANIFEST.read_text()

    assert "home_tab_enabled: true" in text
    interactivity = text[text.index("interactivity:") :]
    assert "is_enabled: true" in interactivity
    urls = [line.split("https://", 1)[1] for line in text.splitlines() if "https://YOUR" in line]
    assert len(urls) == 3  # the slash command, events and interactivity
    assert all(url.endswith(EVENTS_PATH) for url in urls)
