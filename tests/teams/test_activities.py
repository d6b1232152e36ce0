"""Reading a Teams activity: the words meant, the rag question, the button pressed — and
anything else refused as unreadable, never an exception of another kind."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from microsoft_agents.activity import Activity

from handlers.teams.activities import (
    UnreadableError,
    card_press,
    conversation_of,
    rag_query,
    words_of,
)

BOT = "28:bot"


def _message(text: str, **more: Any) -> Activity:
    return Activity.model_validate(
        {
            "type": "message",
            "id": "1",
            "text": text,
            "from": {"id": "29:a", "aadObjectId": "A1A1A1A1-0000-4000-8000-000000000001"},
            "recipient": {"id": BOT, "name": "actionbot"},
            "conversation": {"id": "19:c@thread.tacv2;messageid=9", "conversationType": "channel"},
            **more,
        }
    )


@pytest.mark.parametrize(
    ("words", "query"),
    [
        ("rag", ""),
        ("rag red", "red"),
        ("/rag 2.3", "2.3"),
        ("Rag overdue", "overdue"),
        ("rag workstream 4", "workstream 4"),
        ("RAG: R", None),  # an update in RAG-code form, not a question
        ("rag - amber", None),
        ("ragged edges", None),
        ("amber - slipped", None),
    ],
)
def test_a_rag_question_is_told_from_an_update(words: str, query: str | None) -> None:
    assert rag_query(words) == query


def test_the_bots_mention_and_teams_markup_are_taken_out_and_entities_decoded() -> None:
    mention = "<at>actionbot</at>"
    activity = _message(
        f"{mention} 2.3 amber &amp; <b>R&amp;D</b> slipped",
        entities=[{"type": "mention", "text": mention, "mentioned": {"id": BOT, "name": "x"}}],
    )
    assert words_of(activity) == "2.3 amber & R&D slipped"


def test_a_channel_message_is_about_the_channel_not_the_thread_and_the_person_lowercased() -> None:
    conversation = conversation_of(_message("hi"))
    assert conversation.channel == "19:c@thread.tacv2"
    assert conversation.user_id == "a1a1a1a1-0000-4000-8000-000000000001"
    assert not conversation.is_direct


def test_a_press_carries_its_verb_value_and_inputs() -> None:
    activity = _message("", type="invoke", value={"action": {
        "type": "Action.Execute", "verb": "tap_change",
        "data": {"action_id": "tap_change", "value": "12", "new_date": "2027-03-31"},
    }})  # fmt: skip
    press = card_press(activity)
    assert (press.action_id, press.value) == ("tap_change", "12")
    assert press.day("new_date") is not None


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)


@given(value=json_values)
def test_any_invoke_value_is_read_or_refused_as_unreadable(value: object) -> None:
    activity = _message("", type="invoke", value=value)
    try:
        press = card_press(activity)
    except UnreadableError:
        return
    assert press.action_id


@given(action=st.dictionaries(st.sampled_from(["type", "verb", "data"]), json_values))
def test_any_action_is_read_or_refused_as_unreadable(action: dict[str, object]) -> None:
    activity = _message("", type="invoke", value={"action": {"type": "Action.Execute", **action}})
    try:
        press = card_press(activity)
        press.day("new_date")
    except UnreadableError:
        return
