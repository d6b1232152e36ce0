"""The App Home tab in Block Kit: my actions with their buttons, and the boards I chair.

Slack refuses a Home view of more than 100 blocks: what does not fit is counted, not dropped
silently, and /rag still answers for all of it. What the tab says is
handlers/application/present/home.py.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from handlers.application.present.home import home
from handlers.slack.blocks import message_blocks

if TYPE_CHECKING:
    from handlers.application.home import Home

MAX_HOME_BLOCKS = 100
# Kept back for the "…and N more" lines and the closing context.
RESERVED = 4
ACCOUNT = "Slack"


def home_view(view: Home | None) -> dict[str, Any]:
    """The whole tab, always within Slack's limit of 100 blocks."""
    blocks = message_blocks(home(view, account=ACCOUNT), room=MAX_HOME_BLOCKS - RESERVED)
    return {"type": "home", "blocks": blocks[:MAX_HOME_BLOCKS]}
