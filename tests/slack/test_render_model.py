"""One message model, two renderers: every block drawn by both, with the same words."""

from __future__ import annotations

import html
import json
import re
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any, get_args

import pytest

from bot.content import (
    Aside,
    Badge,
    Block,
    BulletList,
    Button,
    ButtonStyle,
    Change,
    Choices,
    Code,
    Divider,
    Fields,
    Header,
    Item,
    ItemList,
    Message,
    More,
    Note,
    RagCount,
    RagCounts,
    Section,
    Span,
    Strong,
    line,
)
from bot.domain.digest import build_digest
from bot.domain.plan import FieldChange, HistoryEntry
from bot.domain.rag import Rag
from bot.domain.reminders import ChairAlert, ReminderMessage, SendKind
from bot.domain.replies import (
    ActionChoice,
    AskWhichAction,
    AskWhichDate,
    Notice,
    NoticeKind,
    PlanChanged,
    UpdateRecorded,
    UpdateUndone,
)
from bot.domain.summary import (
    ActionList,
    RagHelp,
    action_detail,
    board_summary,
    overdue_list,
    red_list,
)
from bot.domain.workdays import WorkingCalendar
from handlers.application.home import Home, HomeItem, order_items
from handlers.application.present import present
from handlers.application.present.home import home
from handlers.slack.blocks import MAX_BLOCKS, SECTION_CHARS, render_blocks, render_pages
from handlers.slack.home_blocks import home_view
from handlers.text import render_text, text_of
from tests.domain.builders import BEC, PAULA, action, milestone, plan, worcestershire_plan

TODAY = date(2027, 3, 15)

EVERY_BLOCK = Message(
    (
        Header("Board — RAG on Mon 15 Mar 2027"),
        Section((line("Plain ", Strong("strong"), " ", Aside("aside"), " ", Code("code")),)),
        Fields(
            (("RAG", line(Badge(Rag.AMBER))), ("Review", line(Change("Mon 1 Mar", "Fri 5 Mar"))))
        ),
        RagCounts((RagCount(Rag.RED, 2, " (+1)", stressed=True), RagCount(None, 1))),
        BulletList(line(Strong("Listed")), ((line("first"), line("its words")), (line("second"),))),
        Choices(
            "choose",
            (Button("Tap me", "tap_me", "1", ButtonStyle.PRIMARY),),
            hint=line("Tap, or say so"),
        ),
        ItemList(line(Strong("Grouped (1)")), "grouped", (Item((line("an item"),)),)),
        Note(line("small print"), done=True),
        Divider(),
        More(3, "waiting", line(Code("/rag"), " lists them")),
    )
)


def _slack_texts(blocks: list[dict[str, Any]]) -> list[str]:
    """What a reader sees in the blocks, in order; button labels aside."""
    texts: list[str] = []
    for block in blocks:
        if block["type"] in ("header", "section"):
            texts.append(block["text"]["text"])
        if block["type"] == "context":
            texts += [element["text"] for element in block["elements"]]
    return texts


def _words(text: str) -> list[str]:
    """The words, without markup, emoji, punctuation or case. "RAG" marks a RAG change in
    plain text where Block Kit uses capitals, so it is left out of the comparison."""
    text = html.unescape(re.sub(r":[a-z_]+:", " ", text)).casefold()
    return [word for word in re.findall(r"[^\W_]+", text) if word != "rag"]


def _same_words(message: Message) -> None:
    """Both renderers, given one message, say the same words in the same order."""
    plain = _words(text_of(message))
    slack = _words("\n".join(_slack_texts(render_blocks(message))))
    assert slack == plain


def _one_of_each() -> list[object]:
    """A result of every type the core returns, from the real Worcestershire plan."""
    sip = worcestershire_plan()
    red = next(a for a in sip.actions if a.rag is Rag.RED)
    stepped = replace(red, milestones=(milestone(1, date(2027, 3, 2), "Event"),))
    amber = (FieldChange("rag", "red", "amber"),)
    history = (HistoryEntry(1, datetime(2027, 3, 1, tzinfo=UTC), "Bec", "slack", "amber", amber),)
    changes = (
        FieldChange("rag", "red", "amber", source="at risk"),
        FieldChange("review_date", "2027-03-31", "2027-04-14", source="end of April"),
    )
    return [
        board_summary(sip, today=TODAY),
        red_list(sip, today=TODAY),
        overdue_list(sip, today=TODAY),
        ActionList("B", "Red actions", (), TODAY, "Nothing is red on B."),
        action_detail(stepped, history, board_name="B", today=TODAY),
        RagHelp("B", "I couldn't find action 9.9 on B."),
        *(ReminderMessage("B", stepped, date(2027, 3, 31), 7, TODAY, kind) for kind in SendKind),
        ChairAlert("B", PAULA, ((red, 6),), TODAY),
        replace(build_digest(sip, today=TODAY, calendar=WorkingCalendar()), unreachable=("Ann",)),
        UpdateRecorded("B", "2.3", "T", changes, 7),
        UpdateUndone("B", "2.3", "T", changes),
        PlanChanged("B", "9", "T", (FieldChange("created", None, "9"),)),
        AskWhichAction((ActionChoice("2.3", "T", "B"), ActionChoice("1.1", "U", "C"))),
        AskWhichDate(
            "next Friday", (date(2027, 3, 19), date(2027, 3, 26)), ("it could be either",)
        ),
        Notice(NoticeKind.INFO, "Nothing was changed."),
    ]


def _without_button_only_hints(message: Message) -> Message:
    """Plain text says how to answer without buttons; shown the buttons' hint, it is the same."""
    blocks = tuple(
        replace(b, hint_without_buttons=None) if isinstance(b, Choices) else b
        for b in message.blocks
    )
    return replace(message, blocks=blocks)


# --- every block type, both renderers ---------------------------------------------------------


def test_the_sample_holds_every_block_type_and_every_span_type() -> None:
    """A block type added to the model must be added here, and so drawn by both below."""
    blocks = {type(b) for b in EVERY_BLOCK.blocks}
    assert blocks == set(get_args(Block))
    spans = {type(s) for b in EVERY_BLOCK.blocks if isinstance(b, Section) for s in b.lines[0]}
    spans |= {Badge, Change}  # in the Fields
    assert spans == set(get_args(Span))


def test_every_block_type_renders_in_plain_text() -> None:
    text = render_text(EVERY_BLOCK)

    assert text.splitlines()[0] == "Board — RAG on Mon 15 Mar 2027"
    assert "Plain strong aside code" in text
    assert "RAG: Amber\nReview: Mon 1 Mar → Fri 5 Mar" in text
    assert "Red 2 (+1) · No RAG 1" in text
    assert "Listed:\n• first\n    its words\n• second" in text
    assert "Tap, or say so" in text
    assert "Tap me" not in text  # no buttons in plain text
    assert "Grouped (1):\n• an item" in text
    assert "✓ small print" in text
    assert "\n\n…and 3 more waiting — /rag lists them" in text
    assert not re.search(r"[*_`]", text)


def test_every_block_type_renders_in_block_kit() -> None:
    blocks = render_blocks(EVERY_BLOCK)
    kinds = [b["type"] for b in blocks]
    text = json.dumps(blocks, ensure_ascii=False)

    assert kinds[0] == "header"
    assert {"section", "context", "actions", "divider"} <= set(kinds)
    assert "Plain *strong* _aside_ `code`" in text
    assert "*RAG:* :large_orange_circle: Amber" in text
    assert "*Review:* *Mon 1 Mar → Fri 5 Mar*" in text
    assert "*:red_circle: Red 2 (+1)*   :black_circle: No RAG 1" in text
    assert "*Listed*\\n• first\\n      its words\\n• second" in text
    button = next(b for b in blocks if b["type"] == "actions")
    assert button["block_id"] == "choose"
    assert button["elements"][0]["style"] == "primary"
    assert button["elements"][0]["action_id"] == "tap_me"
    assert ":white_check_mark: small print" in text
    assert "…and 3 more waiting — `/rag` lists them" in text


def test_the_two_renderers_show_the_same_words_for_every_block() -> None:
    _same_words(EVERY_BLOCK)


@pytest.mark.parametrize("content", _one_of_each(), ids=lambda c: type(c).__name__)
def test_the_two_renderers_show_the_same_words_for_everything_the_core_says(
    content: object,
) -> None:
    _same_words(_without_button_only_hints(present(content)))


def test_plain_text_says_how_to_undo_without_the_button() -> None:
    reply = UpdateRecorded("B", "2.3", "T", (FieldChange("rag", "red", "amber"),), 7)

    assert render_text(reply).endswith("Red → Amber. Reply “undo” to reverse it.")
    assert "Tap Undo, or reply “undo”, to reverse it." in json.dumps(
        render_blocks(reply), ensure_ascii=False
    )


def test_the_home_view_says_the_same_in_both() -> None:
    sip = worcestershire_plan()
    items = [HomeItem(a, "SIB") for a in sip.actions[:6]]
    overdue, soon, rest = order_items(items, TODAY)
    view = Home("Paula", TODAY, overdue, soon, rest, (board_summary(sip, today=TODAY),), ("SIB",))
    message = home(view, account="Slack")

    plain = _words(text_of(message))
    slack = _words("\n".join(_slack_texts(home_view(view)["blocks"])))
    assert slack == plain
    assert "Plan admin" in json.dumps(home_view(view))


# --- the digest's unreachable owners ------------------------------------------------------------


def test_the_digest_names_the_owners_it_cannot_reach() -> None:
    sip = plan(action("1.1", rag=Rag.RED, owners=(PAULA, BEC)))
    digest = replace(
        build_digest(sip, today=TODAY, calendar=WorkingCalendar()),
        unreachable=("Ann Smith", "Bob Jones"),
    )

    text = render_text(digest)
    blocks = json.dumps(render_blocks(digest), ensure_ascii=False)

    said = (
        "Can't reach: Ann Smith, Bob Jones — not linked to any chat platform (actionbot people link"
    )
    assert said in text
    assert "*Can't reach:* Ann Smith, Bob Jones — not linked to any chat platform" in blocks
    assert "`actionbot people link" in blocks


def test_a_digest_that_reaches_everyone_says_nothing_of_it() -> None:
    digest = build_digest(plan(action("1.1")), today=TODAY, calendar=WorkingCalendar())

    assert "Can't reach" not in render_text(digest)
    assert "Can't reach" not in json.dumps(render_blocks(digest))


# --- long lists ---------------------------------------------------------------------------------


def _long_list(count: int) -> ActionList:
    actions = tuple(
        action(f"{n}.1", title="Recruit and retain experienced social workers " * 3, rag=Rag.RED)
        for n in range(1, count + 1)
    )
    return ActionList("Big Board", "Red actions", actions, TODAY, "Nothing is red.")


def test_a_too_long_list_paginates_with_every_item_once() -> None:
    answer = _long_list(900)

    pages = render_pages(answer)

    assert len(pages) > 1
    for number, page in enumerate(pages, start=1):
        assert len(page) <= MAX_BLOCKS
        assert all(len(t) <= SECTION_CHARS for t in _slack_texts(page))
        assert _slack_texts(page)[-1] == f"Part {number} of {len(pages)}"
    shown = [t for page in pages for text in _slack_texts(page) for t in text.split("\n• ")]
    refs = [re.search(r"\*(\d+)\.1 ", t) for t in shown]
    assert [m.group(1) for m in refs if m] == [str(n) for n in range(1, 901)]
    assert render_text(answer).count("\n• ") == 900  # plain text has no limit to keep to


def test_one_message_of_a_too_long_list_says_what_it_left_out() -> None:
    blocks = render_blocks(_long_list(900))

    assert len(blocks) == MAX_BLOCKS
    assert re.fullmatch(r"…and \d+ more sections not shown", _slack_texts(blocks)[-1])


def test_a_secondary_list_is_cut_short_and_counted() -> None:
    items = tuple((line(f"item {n} " + "words " * 40),) for n in range(200))
    message = Message((BulletList(line(Strong("Reviews due")), items, secondary=True),))

    blocks = render_blocks(message)

    assert len(blocks) == 4  # three sections and the count
    assert re.fullmatch(r"…and \d+ more", _slack_texts(blocks)[-1])
    assert render_text(message).count("\n• ") == 200
