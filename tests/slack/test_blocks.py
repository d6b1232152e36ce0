"""Block Kit rendering: every content type, within Slack's limits, with user words escaped."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlmodel import select

from bot.domain.digest import Digest
from bot.domain.plan import ActionView, FieldChange, HistoryEntry, MilestoneView, PersonRef
from bot.domain.rag import Rag
from bot.domain.reminders import ChairAlert, ReminderMessage, SendKind
from bot.domain.replies import (
    ActionChoice,
    AskWhichAction,
    AskWhichDate,
    Notice,
    NoticeKind,
    UpdateRecorded,
    UpdateUndone,
)
from bot.domain.summary import ActionDetail, ActionList, RagAnswer, rag_counts
from handlers.application.conversation import Conversation, RagRequest
from handlers.slack.app import make_client
from handlers.slack.blocks import (
    HEADER_CHARS,
    MAX_BLOCKS,
    SECTION_CHARS,
    answered,
    clip,
    escape,
    fallback_text,
    render_blocks,
    render_pages,
)
from handlers.slack.notifier import SlackNotifier
from handlers.wiring import Services
from storage.models import Board
from storage.plan import action_view, find_action
from tests.slack.conftest import CHAIR, VEL

TODAY = date(2026, 11, 23)
OWNER = PersonRef(id=1, name="Vel Kenny", role="Head of Service")


def _texts(blocks: list[dict[str, Any]]) -> list[str]:
    texts: list[str] = []
    for block in blocks:
        if "text" in block:
            texts.append(block["text"]["text"])
        for element in block.get("elements", []):
            text = element["text"]
            texts.append(text["text"] if isinstance(text, dict) else text)
    return texts


def assert_buttons(block: dict[str, Any]) -> None:
    """Slack's limits for an actions block: ≤ 25 elements, unique ids, short plain labels."""
    elements = block["elements"]
    assert 0 < len(elements) <= 25
    assert len({e["action_id"] for e in elements}) == len(elements)
    for element in elements:
        assert element["type"] == "button"
        assert element["text"]["type"] == "plain_text"
        assert 0 < len(element["text"]["text"]) <= 75
        assert 0 < len(element["value"]) <= 2000


def assert_valid(blocks: list[dict[str, Any]]) -> None:
    """What Slack would refuse (or show as a mention) never leaves this module."""
    assert 0 < len(blocks) <= MAX_BLOCKS
    for block in blocks:
        kind = block["type"]
        assert kind in {"header", "section", "context", "divider", "actions"}
        if kind == "actions":
            assert_buttons(block)
        if kind == "header":
            assert block["text"]["type"] == "plain_text"
            assert 0 < len(block["text"]["text"]) <= HEADER_CHARS
        if kind == "section":
            assert block["text"]["type"] == "mrkdwn"
            assert 0 < len(block["text"]["text"]) <= SECTION_CHARS
        if kind == "context":
            assert 0 < len(block["elements"]) <= 10
            assert all(0 < len(e["text"]) <= SECTION_CHARS for e in block["elements"])
    for text in _texts(blocks):
        assert "<" not in text
        assert ">" not in text


def _action(ref: str = "2.3", **changes: Any) -> ActionView:
    base = ActionView(
        id=1,
        board_id=1,
        ref=ref,
        title="Social Work Practice Model",
        workstream="Improve Our Practice (Standards)",
        workstream_ref="2",
        owners=(OWNER,),
        review_date=date(2026, 12, 2),
        review_date_text=None,
        rag=Rag.RED,
        latest_update="Practice Model / Approach to be identified",
        latest_update_at=None,
        milestones=(
            MilestoneView(
                1, date(2026, 11, 5), "Attend event on Restorative Approach model", False
            ),
            MilestoneView(2, date(2026, 12, 20), "Model chosen", False),
            MilestoneView(3, date(2026, 10, 1), "Scope agreed", True),
        ),
    )
    return replace(base, **changes)


# --- the real plan, every answer --------------------------------------------------------------


def _ask(services: Services, text: str, *mentions: str) -> RagAnswer | Notice:
    conversation = Conversation("slack", CHAIR, "C0BOARD", is_direct=False)
    return services.rag.answer(RagRequest(conversation, text, mentioned_user_ids=mentions))


def _reminder(services: Services) -> ReminderMessage:
    with services.db.session(commit=False) as session:
        board = session.exec(select(Board)).one()
        assert board.id is not None
        found = find_action(session, board.id, "2.3")
        assert found is not None
        view = action_view(session, found)
    assert view.review_date is not None
    return ReminderMessage(board.name, view, view.review_date, 7, TODAY)


def _digest(services: Services) -> Digest:
    with services.db.session(commit=False) as session:
        board = session.exec(select(Board)).one()
    dispatcher = services.dispatcher(SlackNotifier(make_client(services.settings)))
    return dispatcher.digest_for(board)


REAL: dict[str, Callable[[Services], object]] = {
    "board summary": lambda s: _ask(s, ""),
    "red": lambda s: _ask(s, "red"),
    "overdue": lambda s: _ask(s, "overdue"),
    "one action": lambda s: _ask(s, "2.3"),
    "a person": lambda s: _ask(s, f"<@{VEL}|vel>", VEL),
    "a workstream": lambda s: _ask(s, "workstream 2"),
    "help": lambda s: _ask(s, "what is going on?"),
    "reminder": _reminder,
    "digest": _digest,
}


@pytest.mark.parametrize("name", list(REAL))
def test_every_answer_from_the_real_plan_renders_within_limits(
    services: Services, name: str
) -> None:
    content = REAL[name](services)

    blocks = render_blocks(content)

    assert_valid(blocks)
    assert fallback_text(content)


def test_the_summary_puts_the_red_list_after_the_counts(services: Services) -> None:
    blocks = render_blocks(_ask(services, ""))

    assert blocks[0]["type"] == "header"
    text = "\n".join(_texts(blocks))
    assert text.index("Red 8") < text.index("*Red (8)*")
    assert "*2.3 Social Work Practice Model* — Vel Kenny" in text


REPLIES: list[object] = [
    UpdateRecorded(
        "Worcestershire Service Improvement Board",
        "2.3",
        "Social Work Practice Model",
        (
            FieldChange("rag", "red", "amber"),
            FieldChange("review_date", "2026-12-02", "2027-04-14"),
            FieldChange("latest_update", None, "model chosen, rollout plan by 14 April"),
            FieldChange("milestone:2", "open", "done"),
        ),
        update_id=7,
    ),
    UpdateUndone(
        "Board", "2.3", "Social Work Practice Model", (FieldChange("rag", "amber", "red"),)
    ),
    AskWhichAction(
        (ActionChoice("2.2", "Quality of Assessments", "B"), ActionChoice("2.3", "M", "B"))
    ),
    AskWhichDate("next Friday", (date(2026, 11, 27), date(2026, 12, 4))),
    Notice(NoticeKind.REFUSED, "Sorry, only the owners of 2.3 can change it."),
]


@pytest.mark.parametrize("reply", REPLIES, ids=lambda r: type(r).__name__)
def test_every_reply_renders_within_limits(reply: object) -> None:
    assert_valid(render_blocks(reply))


def test_the_confirmation_shows_before_and_after_in_bold() -> None:
    text = "\n".join(_texts(render_blocks(REPLIES[0])))

    assert "Recorded for *2.3 Social Work Practice Model*" in text
    assert "*RED → AMBER*" in text
    assert "review date *Wed 2 Dec 2026 → Wed 14 Apr 2027*" in text
    assert "“model chosen, rollout plan by 14 April”" in text
    assert "undo" in text


def test_the_reminder_has_what_the_owner_needs_to_reply() -> None:
    content = ReminderMessage("Worcestershire SIB", _action(), date(2026, 12, 2), 7, TODAY)

    text = "\n".join(_texts(render_blocks(content)))

    assert "*2.3 Social Work Practice Model*" in text
    assert "review *Wed 2 Dec*" in text
    assert "Currently *RED*: “Practice Model / Approach to be identified”" in text
    assert "Thu 5 Nov – Attend event on Restorative Approach model _(overdue)_" in text
    assert "Sun 20 Dec – Model chosen" in text
    assert "Scope agreed" not in text  # done milestones are not open
    assert "Reply here with an update, e.g. `amber - " in text


# --- Slack's limits ---------------------------------------------------------------------------


def test_a_long_list_fits_one_message_or_runs_to_pages_with_every_item() -> None:
    actions = tuple(
        _action(f"{n}.1", title="Recruit and retain experienced social workers " * 4)
        for n in range(1, 1201)
    )
    content = ActionList("Big Board", "Red actions", actions, TODAY, "Nothing is red.")

    one = render_blocks(content)
    pages = render_pages(content)

    assert_valid(one)
    assert one[-1]["type"] == "context"
    assert "not shown" in one[-1]["elements"][0]["text"]
    for page in pages:
        assert_valid(page)
    shown = sum(t.count("• *") for page in pages for t in _texts(page))
    assert shown == 1200
    assert len(pages) > 1


def test_a_digest_of_a_huge_plan_stays_within_fifty_blocks() -> None:
    many = tuple(_action(f"{n}.{m}", title="x" * 300) for n in range(1, 60) for m in (1, 2))
    digest = Digest(
        board_name="Big Board",
        today=TODAY,
        red=many,
        newly_red=many,
        recovered=many,
        overdue_milestones=(),
        no_update=many,
        reviews_due_this_week=many,
        counts=rag_counts(many),
    )

    assert_valid(render_blocks(digest))


def test_a_long_notice_is_cut_to_the_section_limit_with_an_ellipsis() -> None:
    blocks = render_blocks(Notice(NoticeKind.INFO, "word " * 2000))

    text = blocks[0]["text"]["text"]
    assert len(text) == SECTION_CHARS
    assert text.endswith("…")


def test_clipping_never_leaves_half_an_entity() -> None:
    assert clip(escape("a" * 10 + "<"), 13) == "a" * 10 + "…"
    assert clip("abc", 3) == "abc"


def test_unknown_content_is_a_programming_error() -> None:
    with pytest.raises(TypeError, match="no Block Kit rendering for int"):
        render_blocks(42)


# --- escaping ---------------------------------------------------------------------------------


def test_a_channel_ping_in_user_words_is_shown_not_sent() -> None:
    words = "<!channel> red'); DROP TABLE action;-- <@U123> & <https://evil.example|click>"
    content = ReminderMessage("Board", _action(latest_update=words), date(2026, 12, 2), 7, TODAY)

    blocks = render_blocks(content)

    assert "&lt;!channel&gt;" in json.dumps(blocks)
    assert "&amp;" in json.dumps(blocks)
    assert "<" not in fallback_text(content)
    assert_valid(blocks)


user_text = st.text(min_size=1, max_size=400)


@settings(max_examples=60, deadline=None)
@given(title=user_text, words=user_text, owner=user_text, board=user_text)
def test_no_user_words_can_become_markup(title: str, words: str, owner: str, board: str) -> None:
    action = _action(
        title=title, latest_update=words, owners=(PersonRef(id=2, name=owner),), workstream=board
    )
    contents: list[object] = [
        ReminderMessage(board, action, date(2026, 12, 2), 7, TODAY),
        ActionList(board, title, (action,), TODAY, words),
        Notice(NoticeKind.INFO, words),
        UpdateRecorded(board, "2.3", title, (FieldChange("latest_update", None, words),), 1),
    ]
    for content in contents:
        assert_valid(render_blocks(content))
        assert "<" not in fallback_text(content)


def test_timestamps_in_history_render_as_dates() -> None:
    entry = HistoryEntry(
        id=1,
        at=datetime(2026, 11, 24, 9, 0, tzinfo=UTC),
        who="Vel Kenny",
        source="slack",
        text="amber - model chosen",
        changes=(FieldChange("rag", "red", "amber"),),
    )
    blocks = render_blocks(ActionDetail("Board", _action(), (entry,), TODAY))

    text = "\n".join(_texts(blocks))
    assert "Vel Kenny: *RED → AMBER*, on Tue 24 Nov 2026" in text


@pytest.mark.parametrize(
    ("kind", "opening"),
    [
        (SendKind.REMINDER, "— review *Wed 2 Dec*."),
        (SendKind.NUDGE, "— the review date was *Wed 2 Dec* and there's no update yet."),
        (SendKind.MILESTONE, "— milestone due: *Sun 20 Dec – Model chosen*."),
        (SendKind.SNOOZE, "— as you asked, a reminder: review *Wed 2 Dec*."),
    ],
)
def test_each_kind_of_reminder_says_what_it_is_first(kind: SendKind, opening: str) -> None:
    action = _action()
    content = ReminderMessage(
        "Worcestershire SIB", action, date(2026, 12, 2), 7, TODAY, kind, action.milestones[1]
    )

    blocks = render_blocks(content)

    assert_valid(blocks)
    first_line = blocks[0]["text"]["text"].splitlines()[0]
    assert first_line == f"*2.3 Social Work Practice Model* (Worcestershire SIB) {opening}"


def test_the_chair_hears_which_actions_went_quiet() -> None:
    silent = ((_action(), 6), (_action("4.5", title="Children in Care Council"), 9))
    content = ChairAlert("Worcestershire SIB", OWNER, silent, TODAY)

    blocks = render_blocks(content)

    assert_valid(blocks)
    text = "\n".join(_texts(blocks))
    assert "2 action(s) have gone quiet" in text
    assert "*4.5 Children in Care Council* — review was Wed 2 Dec 2026, no update for 9" in text


def test_the_digest_shows_changes_since_last_week_and_weeks_red() -> None:
    red = _action(red_since=datetime(2026, 11, 2, 9, 0, tzinfo=UTC))
    digest = Digest(
        board_name="Worcestershire SIB",
        today=TODAY,
        red=(red,),
        newly_red=(),
        recovered=(),
        overdue_milestones=(),
        no_update=(),
        reviews_due_this_week=(),
        counts={**rag_counts((red,)), Rag.RED: 8, Rag.AMBER: 18},
        previous_counts={Rag.RED: 7, Rag.AMBER: 19},
    )

    text = "\n".join(_texts(render_blocks(digest)))

    assert "*:red_circle: Red 8 (+1)*" in text
    assert "Amber 18 (−1)" in text
    assert "_(red 3 weeks)_" in text


def _buttons(blocks: list[dict[str, Any]]) -> dict[str, str]:
    """action_id → value of every button in the message."""
    return {
        e["action_id"]: e["value"] for b in blocks if b["type"] == "actions" for e in b["elements"]
    }


def test_the_reminder_carries_the_update_buttons() -> None:
    content = ReminderMessage("Worcestershire SIB", _action(), date(2026, 12, 2), 7, TODAY)

    buttons = _buttons(render_blocks(content))

    assert set(buttons) == {
        "tap_rag_green",
        "tap_rag_amber",
        "tap_rag_red",
        "tap_rag_complete",
        "tap_change",
        "tap_add_update",
        "tap_snooze",
    }
    assert set(buttons.values()) == {"1"}  # the action's id


def test_the_confirmation_carries_undo_and_an_answered_reminder_loses_its_buttons() -> None:
    confirmation = REPLIES[0]
    assert isinstance(confirmation, UpdateRecorded)
    reminder = render_blocks(
        ReminderMessage("Worcestershire SIB", _action(), date(2026, 12, 2), 7, TODAY)
    )

    assert _buttons(render_blocks(confirmation)) == {"tap_undo": str(confirmation.update_id)}
    settled = answered(reminder, confirmation)
    assert_valid(settled)
    assert _buttons(settled) == {}
    assert "Answered: *RED → AMBER*" in "\n".join(_texts(settled))
    assert "Reply here" not in "\n".join(_texts(settled))
