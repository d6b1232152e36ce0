"""Adaptive Cards: every content type, user words literal, long answers split, never cut."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.content import (
    Aside,
    Badge,
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
    Line,
    Message,
    More,
    Note,
    Plain,
    RagCount,
    RagCounts,
    Section,
    Strong,
    line,
)
from bot.domain.digest import build_digest
from bot.domain.plan import BoardPlan, FieldChange, HistoryEntry
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
from handlers.application.help import EXAMPLE_UPDATE
from handlers.application.home import Home, HomeItem, order_items
from handlers.application.present import present
from handlers.application.present.buttons import (
    TAP_ADD_UPDATE,
    TAP_CHANGE,
    TAP_RAG,
    TAP_SNOOZE,
    TAP_UNDO,
)
from handlers.application.present.home import home
from handlers.teams.cards import (
    ACTIONS_PER_ROW,
    CARD_CONTENT_TYPE,
    CARD_VERSION,
    DATE_INPUT,
    MAX_CARD_BYTES,
    SEND_ID_PREFIX,
    SUMMARY_CHARS,
    TEXT_INPUT,
    attachment,
    escape_markdown,
    render_card,
    render_cards,
    sent_key_of,
    summary_text,
)
from handlers.text import words
from tests.domain.builders import PAULA, action, milestone, worcestershire_plan

TODAY = date(2027, 3, 15)
HOSTILE = "*bold* _x_ [a](http://evil) `code` # 1. - <at>all</at>"

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

ELEMENT_TYPES = {"TextBlock", "RichTextBlock", "FactSet", "ColumnSet", "ActionSet"}
ACTION_TYPES = {"Action.Execute", "Action.ShowCard"}


# --- walking a card ---------------------------------------------------------------------------


def _elements(elements: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """Every element, columns' items included, in reading order."""
    for element in elements:
        yield element
        for column in element.get("columns", []):
            yield from _elements(column["items"])


def _actions(card: dict[str, Any]) -> list[dict[str, Any]]:
    return [a for e in _elements(card["body"]) if e["type"] == "ActionSet" for a in e["actions"]]


def _runs(card: dict[str, Any]) -> list[dict[str, Any]]:
    return [r for e in _elements(card["body"]) for r in e.get("inlines", [])]


def _paragraphs(card: dict[str, Any]) -> list[str]:
    """What each RichTextBlock says, its runs joined."""
    return [
        "".join(run["text"] for run in e["inlines"])
        for e in _elements(card["body"])
        if e["type"] == "RichTextBlock"
    ]


def assert_valid(card: dict[str, Any]) -> None:
    """What Teams expects: a 1.5 card of known elements, under the size Teams accepts."""
    assert card["type"] == "AdaptiveCard"
    assert card["version"] == CARD_VERSION == "1.5"
    assert card["$schema"] == "http://adaptivecards.io/schemas/adaptive-card.json"
    assert len(json.dumps(card).encode("utf-8")) < MAX_CARD_BYTES
    assert json.loads(json.dumps(card)) == card
    for element in _elements(card["body"]):
        assert element["type"] in ELEMENT_TYPES | {"Column"}
        if element["type"] == "TextBlock":
            assert element["wrap"] is True
        for run in element.get("inlines", []):
            assert run["type"] == "TextRun"
            assert run["text"]
        if element["type"] == "ActionSet":
            assert 0 < len(element["actions"]) <= ACTIONS_PER_ROW
            assert {a["type"] for a in element["actions"]} <= ACTION_TYPES


# --- building content the way the core does ---------------------------------------------------


def _reminder(**changes: Any) -> ReminderMessage:
    fields: dict[str, Any] = {"rag": Rag.RED, "latest_update": "Waiting on the panel", **changes}
    owned = action("2.3", **fields)
    stepped = replace(owned, milestones=(milestone(1, date(2027, 3, 2), "Event"),))
    return ReminderMessage("B", stepped, date(2027, 3, 31), 7, TODAY)


def _huge_red_plan(copies: int) -> BoardPlan:
    """The real Worcestershire projects, all red, repeated into a very long plan."""
    seed = worcestershire_plan()
    actions = tuple(
        replace(a, id=n * 1000 + a.id, ref=f"{n + 1}.{a.ref}", rag=Rag.RED)
        for n in range(copies)
        for a in seed.actions
    )
    return replace(seed, actions=actions)


def _home_message() -> Message:
    sip = worcestershire_plan()
    items = [HomeItem(a, "SIB") for a in sip.actions[:6]]
    overdue, soon, rest = order_items(items, TODAY)
    view = Home("Paula", TODAY, overdue, soon, rest, (board_summary(sip, today=TODAY),), ("SIB",))
    return home(view, account="Teams")


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
        _home_message(),
        EVERY_BLOCK,
    ]


# --- every block type -------------------------------------------------------------------------


def test_every_block_type_becomes_its_card_element() -> None:
    card = render_card(EVERY_BLOCK)
    body = card["body"]
    kinds = [e["type"] for e in body]

    assert_valid(card)
    assert body[0] == {
        "type": "TextBlock",
        "text": "Board — RAG on Mon 15 Mar 2027",
        "size": "Large",
        "weight": "Bolder",
        "style": "heading",
        "wrap": True,
    }
    assert {"RichTextBlock", "FactSet", "ColumnSet", "ActionSet"} <= set(kinds)
    facts = next(e for e in body if e["type"] == "FactSet")["facts"]
    assert facts == [
        {"title": "RAG", "value": "Amber"},
        {"title": "Review", "value": "Mon 1 Mar → Fri 5 Mar"},
    ]
    columns = next(e for e in body if e["type"] == "ColumnSet")["columns"]
    assert [c["type"] for c in columns] == ["Column", "Column"]
    shown = ["".join(r["text"] for b in c["items"] for r in b["inlines"]) for c in columns]
    assert shown == ["Red2 (+1)", "No RAG1"]
    assert columns[0]["items"][0]["inlines"][0]["color"] == "Attention"
    assert columns[0]["items"][1]["inlines"][0]["weight"] == "Bolder"  # stressed

    said = _paragraphs(card)
    assert "Plain strong aside code" in said
    assert said[said.index("Listed") : said.index("Listed") + 4] == [
        "Listed",
        "• first",
        "\u00a0" * 4 + "its words",
        "• second",
    ]
    assert "Tap, or say so" in said
    assert said[said.index("Grouped (1)") + 1] == "an item"
    assert "✓ small print" in said
    assert said[-1] == "…and 3 more waiting — /rag lists them"


def test_spans_take_their_look_as_text_runs() -> None:
    runs = {r["text"]: r for r in _runs(render_card(EVERY_BLOCK))}

    assert runs["strong"]["weight"] == "Bolder"
    assert runs["aside"]["italic"] is True
    assert runs["aside"]["isSubtle"] is True
    assert runs["code"]["fontType"] == "Monospace"
    assert runs["Plain "] == {"type": "TextRun", "text": "Plain "}


def test_small_print_is_small_and_subtle() -> None:
    body = render_card(EVERY_BLOCK)["body"]
    note = next(e for e in body if _paragraphs({"body": [e]}) == ["✓ small print"])
    more = body[-1]

    for element in (note, more):
        assert all(r["size"] == "Small" and r["isSubtle"] for r in element["inlines"])


def test_a_divider_is_the_next_elements_separator() -> None:
    body = render_card(EVERY_BLOCK)["body"]

    assert [n for n, e in enumerate(body) if e.get("separator")] == [len(body) - 1]
    assert "Divider" not in json.dumps(body)


def test_a_numbered_list_is_numbered() -> None:
    listed = BulletList(line("Steps"), ((line("one"),), (line("two"),)), numbered=True)

    assert _paragraphs(render_card(Message((listed,)))) == ["Steps", "1. one", "2. two"]


@pytest.mark.parametrize(
    ("rag", "colour"),
    [
        (Rag.RED, "Attention"),
        (Rag.AMBER, "Warning"),
        (Rag.GREEN, "Good"),
        (Rag.COMPLETE, "Accent"),
        (Rag.NOT_STARTED, "Default"),
        (None, "Default"),
    ],
)
def test_a_rag_badge_has_its_colour(rag: Rag | None, colour: str) -> None:
    card = render_card(Message((Section((line("Now ", Badge(rag)),)),)))
    badge = _runs(card)[-1]

    assert badge["color"] == colour
    assert badge["text"] == (rag.label if rag else "No RAG")


# --- user words stay literal ------------------------------------------------------------------


def test_user_words_with_markdown_appear_literally_in_text_runs() -> None:
    card = render_card(_reminder(latest_update=HOSTILE))

    assert any(HOSTILE in run["text"] for run in _runs(card))
    assert not any(e["type"] == "TextBlock" for e in card["body"])


def test_markdown_in_a_header_or_fact_is_escaped() -> None:
    hostile = Message((Header(HOSTILE), Fields(((HOSTILE, line(Strong(HOSTILE))),))))
    body = render_card(hostile)["body"]
    escaped = r"\*bold\* \_x\_ \[a\](http://evil) \`code\` \# 1. - <at>all</at>"

    assert body[0]["text"] == escaped
    assert body[1]["facts"] == [{"title": escaped, "value": escaped}]


@pytest.mark.parametrize(
    ("text", "escaped"),
    [
        ("- not a list", r"\- not a list"),
        ("+ nor this", r"\+ nor this"),
        ("12. nor this", r"12\. nor this"),
        ("a\\b", "a\\\\b"),
        ("## big", r"\#\# big"),
        ("plain words", "plain words"),
        ("2.3 Social work", "2.3 Social work"),
        ("-5 days", "-5 days"),
        ("1) first", r"1\) first"),
    ],
)
def test_escape_markdown(text: str, escaped: str) -> None:
    assert escape_markdown(text) == escaped


_WORDS = st.text(st.characters(exclude_categories=["Cs"]), min_size=1, max_size=200)


@given(plain=_WORDS, strong=_WORDS)
def test_any_words_survive_verbatim_into_a_text_run(plain: str, strong: str) -> None:
    message = Message(
        (
            Section((line(Plain(plain), " ", Strong(strong)),)),
            BulletList(line("Listed"), ((line(Strong(strong), Plain(plain)),),)),
            Note(line(Plain(plain))),
        )
    )
    card = render_card(message)
    texts = [run["text"] for run in _runs(card)]

    assert_valid(card)
    assert texts.count(plain) >= 3
    assert texts.count(strong) >= 2
    assert any(r["text"] == strong and r.get("weight") == "Bolder" for r in _runs(card))


# --- buttons ----------------------------------------------------------------------------------


def test_a_reminder_has_all_seven_buttons_in_rows_of_four() -> None:
    reminder = _reminder()
    card = render_card(reminder)
    rows = [e for e in card["body"] if e["type"] == "ActionSet"]
    actions = _actions(card)
    value = str(reminder.action.id)

    assert_valid(card)
    assert [len(row["actions"]) for row in rows] == [4, 3]
    assert [a["title"] for a in actions] == [
        "Green",
        "Amber",
        "Red",
        "Complete",
        "Change date",
        "Add update",
        "Snooze 3 days",
    ]
    executes = [a for a in actions if a["type"] == "Action.Execute"]
    assert [a["verb"] for a in executes] == [
        f"{TAP_RAG}green",
        f"{TAP_RAG}amber",
        f"{TAP_RAG}red",
        f"{TAP_RAG}complete",
        TAP_SNOOZE,
    ]
    for execute in executes:
        assert execute["data"] == {"action_id": execute["verb"], "value": value}
    assert [a["type"] for a in actions[4:6]] == ["Action.ShowCard"] * 2
    assert "Reply here with an update, e.g. " + EXAMPLE_UPDATE in _paragraphs(card)


def test_change_date_asks_for_the_date_in_the_card() -> None:
    reminder = _reminder()
    change = next(a for a in _actions(render_card(reminder)) if a["title"] == "Change date")
    shown = change["card"]

    assert shown["type"] == "AdaptiveCard"
    (field,) = shown["body"]
    assert field["type"] == "Input.Date"
    assert field["id"] == DATE_INPUT == "new_date"
    assert field["label"] == "New review date"
    assert field["isRequired"] is True
    assert field["errorMessage"]
    (save,) = shown["actions"]
    assert save["type"] == "Action.Execute"
    assert save["title"] == "Save"
    assert save["verb"] == TAP_CHANGE
    assert save["data"] == {"action_id": TAP_CHANGE, "value": str(reminder.action.id)}


def test_add_update_asks_for_the_words_in_the_card() -> None:
    reminder = _reminder()
    add = next(a for a in _actions(render_card(reminder)) if a["title"] == "Add update")
    (field,) = add["card"]["body"]
    (send,) = add["card"]["actions"]

    assert field["type"] == "Input.Text"
    assert field["id"] == TEXT_INPUT == "text"
    assert field["isMultiline"] is True
    assert field["maxLength"] == 3000
    assert field["label"] == "Your update"
    assert field["placeholder"] == EXAMPLE_UPDATE
    assert (send["title"], send["verb"]) == ("Send", TAP_ADD_UPDATE)
    assert send["data"] == {"action_id": TAP_ADD_UPDATE, "value": str(reminder.action.id)}


def test_button_styles_become_teams_styles() -> None:
    buttons = (
        Button("Yes", "yes", "1", ButtonStyle.PRIMARY),
        Button("No", "no", "1", ButtonStyle.DANGER),
        Button("Maybe", "maybe", "1"),
    )
    actions = _actions(render_card(Message((Choices("c", buttons),))))

    assert [a.get("style") for a in actions] == ["positive", "destructive", None]


def test_an_undo_button_carries_the_update_id() -> None:
    reply = UpdateRecorded("B", "2.3", "T", (FieldChange("rag", "red", "amber"),), 7)
    (undo,) = _actions(render_card(reply))

    assert undo == {
        "type": "Action.Execute",
        "title": "Undo",
        "verb": TAP_UNDO,
        "data": {"action_id": TAP_UNDO, "value": "7"},
    }


def test_the_home_view_keeps_each_items_buttons_with_it() -> None:
    cards = render_cards(_home_message())
    body = [e for card in cards for e in card["body"]]
    actions = [a for card in cards for a in _actions(card)]

    assert [a["title"] for a in actions].count("Add update") == 6
    for card in cards:
        assert_valid(card)
    for n, element in enumerate(body):
        if element["type"] == "ActionSet" and len(element["actions"]) == ACTIONS_PER_ROW:
            assert body[n + 1]["type"] == "ActionSet"  # the rest of the same item's buttons
            assert body[n - 1]["type"] == "RichTextBlock"  # the item's own lines


# --- long answers -----------------------------------------------------------------------------


def _listed_lines(message: Message) -> Counter[str]:
    """Every list item's lines as the cards should say them, counted."""
    said: Counter[str] = Counter()
    for block in message.blocks:
        if isinstance(block, BulletList):
            for first, *rest in block.items:
                said[f"• {words(first)}"] += 1
                said.update("\u00a0" * 4 + words(more) for more in rest)
    return said


def _assert_split_whole(content: object) -> list[dict[str, Any]]:
    cards = render_cards(content)
    total = len(cards)
    expected = _listed_lines(present(content))
    shown: Counter[str] = Counter()

    assert total > 1
    for number, card in enumerate(cards, start=1):
        assert_valid(card)
        said = _paragraphs(card)
        assert said[-1] == f"Part {number} of {total}"
        shown.update(text for text in said if text in expected)
    assert shown == expected
    assert not any(text.startswith("…and") for card in cards for text in _paragraphs(card))
    return cards


def test_a_very_long_red_list_is_split_into_cards_with_every_item_once() -> None:
    _assert_split_whole(red_list(_huge_red_plan(copies=40), today=TODAY))  # 1,880 actions


def test_a_long_digest_is_split_with_every_line_once() -> None:
    plan = _huge_red_plan(copies=20)
    overdue = tuple(replace(a, review_date=date(2027, 1, 4)) for a in plan.actions[::3])
    plan = replace(plan, actions=overdue + plan.actions[len(overdue) :])
    digest = build_digest(plan, today=TODAY, calendar=WorkingCalendar())
    cards = _assert_split_whole(digest)

    assert cards[0]["body"][0]["type"] == "TextBlock"  # the header leads the first card


def test_an_item_is_never_split_from_its_continuation_line() -> None:
    for card in render_cards(red_list(_huge_red_plan(copies=40), today=TODAY)):
        said = _paragraphs(card)
        starts = [n for n, text in enumerate(said) if text.startswith("• ")]
        assert said[starts[-1] + 1].startswith("\u00a0")


def test_a_short_answer_is_one_card_with_no_part_line() -> None:
    cards = render_cards(red_list(worcestershire_plan(), today=TODAY))

    assert len(cards) == 1
    assert not any(text.startswith("Part ") for text in _paragraphs(cards[0]))


def test_one_enormous_paragraph_is_split_across_cards_in_order() -> None:
    text = "word " * 20_000 + "😀" * 5_000
    cards = render_cards(Message((Section((line(Strong(text)),)),)))

    assert len(cards) > 4
    for card in cards:
        assert_valid(card)
    runs = [r for card in cards for r in _runs(card) if r.get("weight") == "Bolder"]
    assert "".join(r["text"] for r in runs) == text


# --- sent keys, summaries, attachments --------------------------------------------------------


def test_a_send_key_round_trips_on_the_first_card_only() -> None:
    key = "digest:1:2027-03-15"
    cards = render_cards(red_list(_huge_red_plan(copies=40), today=TODAY), key=key)

    assert cards[0]["body"][0]["id"] == SEND_ID_PREFIX + key
    assert sent_key_of(cards[0]) == key
    assert [sent_key_of(card) for card in cards[1:]] == [None] * (len(cards) - 1)
    assert sent_key_of(json.loads(json.dumps(cards[0]))) == key
    for card in cards:
        assert_valid(card)


def test_a_reminder_key_round_trips() -> None:
    card = render_cards(_reminder(), key="reminder:9:2027-03-31:7")[0]

    assert sent_key_of(card) == "reminder:9:2027-03-31:7"
    assert sent_key_of(render_card(_reminder())) is None
    assert sent_key_of({}) is None
    assert sent_key_of({"body": [{"id": "someone-else"}]}) is None


def test_the_summary_is_short_plain_and_whole_words() -> None:
    digest = build_digest(_huge_red_plan(copies=2), today=TODAY, calendar=WorkingCalendar())
    said = summary_text(digest)

    assert said.startswith("Children's Improvement Board — weekly digest")
    assert len(said) <= SUMMARY_CHARS
    assert said.endswith("…")
    assert "\n" not in said
    assert summary_text(Notice(NoticeKind.INFO, "Nothing was changed.")) == "Nothing was changed."


def test_an_attachment_wraps_a_card() -> None:
    card = render_card(_reminder())

    assert attachment(card) == {"contentType": CARD_CONTENT_TYPE, "content": card}
    assert CARD_CONTENT_TYPE == "application/vnd.microsoft.card.adaptive"


def test_something_the_bot_does_not_say_is_refused() -> None:
    with pytest.raises(TypeError, match="Adaptive Card"):
        render_cards(object())


@pytest.mark.parametrize("content", _one_of_each(), ids=lambda c: type(c).__name__)
def test_everything_the_core_says_is_a_valid_card(content: object) -> None:
    cards = render_cards(content, key="k")

    assert sent_key_of(cards[0]) == "k"
    for card in cards:
        assert_valid(card)
        assert card["body"]
    said = "\n".join(text for card in cards for text in _paragraphs(card))
    assert said or cards[0]["body"][0]["type"] == "TextBlock"


def _line_of_every_span() -> Line:
    return line("a", Strong("b"), Aside("c"), Code("d"), Badge(Rag.RED), Change("e", "f"))


def test_every_span_has_a_run() -> None:
    runs = _runs(render_card(Message((Section((_line_of_every_span(),)),))))

    assert [r["text"] for r in runs] == ["a", "b", "c", "d", "Red", "e → f"]
