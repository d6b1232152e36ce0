"""Test doubles for the dispatcher's platforms."""

from __future__ import annotations

from dataclasses import dataclass

from tests.handlers import support


@dataclass
class RecordingNotifier(support.RecordingNotifier):
    """The transcript recorder, with one place every board's digest goes, as the console has
    (bot.ports.SharedChannel): no board needs a channel linked for it."""

    shared_channel: str = "channel"
