"""A Teams activity read into what the core is told: who, where, which words, which button.

Teams names a person by their Entra object id (aadObjectId), which is what `people link
--teams` stores; the "29:…" id is Teams' own and changes with the app. A channel message
reaches us only when the bot is @mentioned, its text carrying `<at>actionbot</at>`.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from microsoft_agents.activity import Activity, ChannelAccount

from handlers.application.conversation import Conversation

PLATFORM = "teams"
PERSONAL = "personal"
_TAG = re.compile(r"<[^>]{0,200}>")
# "rag red" asks; "RAG: R" and "rag - amber" are updates (bot/domain/status_words.py).
_RAG_WORD = re.compile(r"^\s*/?rag\b(?!\s*[:=\-–])[\s,]*", re.IGNORECASE)


class UnreadableError(Exception):
    """An activity that is not shaped as Teams documents it: nothing is done with it."""


def account_id(account: ChannelAccount | None) -> str | None:
    """The person's Entra object id, lowercased as `people link --teams` stores it."""
    if account is None or not account.aad_object_id:
        return None
    return str(account.aad_object_id).strip().lower()


def is_personal(activity: Activity) -> bool:
    conversation = activity.conversation
    return conversation is not None and (conversation.conversation_type or PERSONAL) == PERSONAL


def conversation_of(activity: Activity) -> Conversation:
    user = account_id(activity.from_property)
    if user is None or activity.conversation is None or not activity.conversation.id:
        raise UnreadableError("no sender or conversation")
    return Conversation(
        platform=PLATFORM,
        user_id=user,
        channel=base_conversation_id(str(activity.conversation.id)),
        thread=None,
        is_direct=is_personal(activity),
    )


def base_conversation_id(conversation_id: str) -> str:
    """A channel's id without the thread Teams appends (`19:…@thread.tacv2;messageid=…`)."""
    return conversation_id.split(";", 1)[0]


def words_of(activity: Activity) -> str:
    """The message's words, the bot's @mention and Teams' markup taken out, entities decoded."""
    text = activity.text or ""
    if activity.recipient is not None and activity.recipient.id:
        for mention in activity.get_mentions():
            mentioned = getattr(mention, "mentioned", None)
            said = getattr(mention, "text", None)
            if mentioned is not None and mentioned.id == activity.recipient.id and said:
                text = text.replace(said, " ")
    text = _TAG.sub(" ", text)
    return " ".join(html.unescape(text).split())


def rag_query(words: str) -> str | None:
    """`rag red` → "red"; None when the words are not a rag question."""
    found = _RAG_WORD.match(words)
    if found is None:
        return None
    return words[found.end() :].strip()


def mentioned_people(activity: Activity) -> list[ChannelAccount]:
    """Everyone @mentioned but the bot (for `rag @person`)."""
    bot = activity.recipient.id if activity.recipient is not None else None
    people = []
    for mention in activity.get_mentions():
        mentioned = getattr(mention, "mentioned", None)
        if mentioned is not None and mentioned.id and mentioned.id != bot:
            people.append(mentioned)
    return people


def with_mentions_as_ids(words: str, people: list[tuple[ChannelAccount, str | None]]) -> str:
    """`rag Jane Smith` (Jane @mentioned) → `rag @<her object id>`, as the core reads it."""
    for person, found in people:
        if person.name and found:
            words = words.replace(person.name, f"@{found}", 1)
    return " ".join(words.split())


@dataclass(frozen=True)
class CardPress:
    """An Action.Execute: the button's action id and value, and the inputs beside it."""

    action_id: str
    value: str
    inputs: dict[str, Any]

    def text(self, name: str) -> str:
        found = self.inputs.get(name)
        return found.strip() if isinstance(found, str) else ""

    def day(self, name: str) -> date | None:
        """An Input.Date's value (YYYY-MM-DD); None when blank, UnreadableError when garbled."""
        raw = self.text(name)
        if not raw:
            return None
        try:
            return date.fromisoformat(raw[:10])
        except ValueError:
            raise UnreadableError(f"{name} is not a date") from None


def card_press(activity: Activity) -> CardPress:
    """`value.action` of an adaptiveCard/action invoke, as cards.py gave the button."""
    value = activity.value
    if not isinstance(value, dict):
        raise UnreadableError("no value")
    action = value.get("action")
    if not isinstance(action, dict) or action.get("type") != "Action.Execute":
        raise UnreadableError("not an Action.Execute")
    data = action.get("data")
    data = data if isinstance(data, dict) else {}
    verb = action.get("verb") or data.get("action_id")
    if not isinstance(verb, str) or not verb or len(verb) > 100:
        raise UnreadableError("no verb")
    raw_value = data.get("value", "")
    if not isinstance(raw_value, str | int) or len(str(raw_value)) > 200:
        raise UnreadableError("bad value")
    inputs = {k: v for k, v in data.items() if k not in ("action_id", "value")}
    return CardPress(action_id=verb, value=str(raw_value), inputs=inputs)
