"""Adaptive Cards from the neutral message model: the one place Teams' look and limits live.

What is said comes from handlers/application/present; here it becomes card elements. User
words go into TextRuns, which Teams never reads as markdown, so `*`, `_` and `[x](y)` stay
literal; the two places that must be TextBlock or Fact text (a header, a fact) are escaped.
Teams refuses a message over about 28 KB, so a long answer becomes several cards, each under
MAX_CARD_BYTES, every item whole on one of them: split, never cut.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import replace
from typing import Any, assert_never

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
    ItemList,
    Line,
    Message,
    More,
    Note,
    Plain,
    RagCount,
    RagCounts,
    Section,
    Span,
    Strong,
    part,
)
from bot.domain.rag import Rag, rag_label
from handlers.application.help import EXAMPLE_UPDATE
from handlers.application.present import NotPresentableError, present
from handlers.application.present.buttons import TAP_ADD_UPDATE, TAP_CHANGE
from handlers.text import BULLET, shorten, text_of, words

__all__ = [
    "ACTIONS_PER_ROW",
    "CARD_CONTENT_TYPE",
    "CARD_SCHEMA",
    "CARD_VERSION",
    "DATE_INPUT",
    "MAX_CARD_BYTES",
    "SEND_ID_PREFIX",
    "SUMMARY_CHARS",
    "TEXT_INPUT",
    "UPDATE_INPUT_CHARS",
    "Element",
    "attachment",
    "card_bytes",
    "escape_markdown",
    "render_card",
    "render_cards",
    "sent_key_of",
    "summary_text",
]

Element = dict[str, Any]
# Elements that must stay on one card: a list's item with its buttons, a title with its first item.
Unit = list[Element]

CARD_VERSION = "1.5"
CARD_SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
# Teams refuses messages over ~28 KB; the rest is room for the activity around the card.
MAX_CARD_BYTES = 24_000
SEND_ID_PREFIX = "actionbot-send:"
DATE_INPUT = "new_date"
TEXT_INPUT = "text"
UPDATE_INPUT_CHARS = 3000
# Teams shows a row of four buttons on a phone without folding them into "…".
ACTIONS_PER_ROW = 4
SUMMARY_CHARS = 200
# HTML collapses ordinary spaces; no-break spaces hold a list item's second line in.
INDENT = "\u00a0" * 4
# Widest "Part i of n" a card is measured for: far more pages than any message needs.
_WIDEST_PART = part(99_999, 99_999)

_COLOURS: dict[Rag | None, str] = {
    Rag.RED: "Attention",
    Rag.AMBER: "Warning",
    Rag.GREEN: "Good",
    Rag.COMPLETE: "Accent",
    Rag.NOT_STARTED: "Default",
    None: "Default",
}
_STYLES = {ButtonStyle.PRIMARY: "positive", ButtonStyle.DANGER: "destructive"}
_MARKDOWN = re.compile(r"[\\*_\[\]`#]")
# A list starts with a mark and a space: "- x", "1. x"; "-5 days" and "2.3 Social work" don't.
_LIST_MARK = re.compile(r"^(\s*)([-+])(?=\s|$)", re.MULTILINE)
_NUMBER_MARK = re.compile(r"^(\s*\d+)([.)])(?=\s|$)", re.MULTILINE)


def render_cards(content: object, *, key: str | None = None) -> list[Element]:
    """Any reply, answer, reminder or digest as cards; `key` marks a scheduled send's first
    card, so a sender that crashed after sending can find what it sent."""
    units = [unit for unit in _units(_message(content)) if unit]
    if key is not None and units:
        units[0] = [{**units[0][0], "id": SEND_ID_PREFIX + key}, *units[0][1:]]
    pages = _pages(units)
    if len(pages) == 1:
        return [_card(pages[0])]
    total = len(pages)
    return [
        _card([*page, _small(part(number, total))]) for number, page in enumerate(pages, start=1)
    ]


def render_card(content: object) -> Element:
    """The first card only: an invoke response carries one; the caller sends the rest."""
    return render_cards(content)[0]


def attachment(card: Element) -> Element:
    return {"contentType": CARD_CONTENT_TYPE, "content": card}


def sent_key_of(card: Mapping[str, Any]) -> str | None:
    """The claim key a scheduled send put on its first card, read back from a sent message."""
    body = card.get("body")
    first = body[0] if isinstance(body, list) and body else None
    mark = first.get("id") if isinstance(first, Mapping) else None
    if isinstance(mark, str) and mark.startswith(SEND_ID_PREFIX):
        return mark.removeprefix(SEND_ID_PREFIX)
    return None


def summary_text(content: object) -> str:
    """What a notification shows: the words alone, short enough for a phone's lock screen."""
    return shorten(text_of(_message(content)), SUMMARY_CHARS)


def card_bytes(element: Element) -> int:
    """The size Teams counts; escaped JSON is never smaller than the same JSON as UTF-8."""
    return len(json.dumps(element).encode("utf-8"))


def escape_markdown(text: str) -> str:
    """TextBlocks and Facts read a markdown subset; a title like "*Draft* 1. [v2]" must not."""
    escaped = _MARKDOWN.sub(lambda found: "\\" + found.group(), text)
    escaped = _LIST_MARK.sub(r"\1\\\2", escaped)
    return _NUMBER_MARK.sub(r"\1\\\2", escaped)


def _message(content: object) -> Message:
    try:
        return present(content)
    except NotPresentableError:
        raise TypeError(f"no Adaptive Card rendering for {type(content).__name__}") from None


def _card(body: list[Element]) -> Element:
    return {
        "type": "AdaptiveCard",
        "$schema": CARD_SCHEMA,
        "version": CARD_VERSION,
        "body": body,
        "msteams": {"width": "Full"},
    }


# --- pages ----------------------------------------------------------------------------------


def _pages(units: list[Unit]) -> list[list[Element]]:
    """Whole units, in order, onto as few cards as stay under MAX_CARD_BYTES with a part line."""
    whole = MAX_CARD_BYTES - 1 - card_bytes(_card([]))
    if sum(_cost(unit) for unit in units) <= whole:
        return [[element for unit in units for element in unit]]
    room = whole - _cost([_small(_WIDEST_PART)])
    pages: list[list[Element]] = [[]]
    used = 0
    for unit in _fitted(units, room):
        cost = _cost(unit)
        if pages[-1] and used + cost > room:
            pages.append([])
            used = 0
        pages[-1] += unit
        used += cost
    return pages


def _cost(unit: Unit) -> int:
    """Bytes a unit adds to a card's body: each element and the ", " before it."""
    return sum(card_bytes(element) + 2 for element in unit)


def _fitted(units: list[Unit], room: int) -> Iterator[Unit]:
    """A unit too big for a card goes element by element; a paragraph too big, run by run."""
    for unit in units:
        if _cost(unit) <= room:
            yield unit
            continue
        for element in unit:
            if _cost([element]) <= room:
                yield [element]
            elif element["type"] == "RichTextBlock":
                yield from ([piece] for piece in _split_paragraph(element, room))
            else:
                raise ValueError(f"a {element['type']} too big for any Teams card")


def _split_paragraph(paragraph: Element, room: int) -> list[Element]:
    """Its words in order across several paragraphs, each of which fits on a card."""
    # An escaped character is at most 12 bytes ("\\ud83d\\ude00"), so a piece fits in half a card.
    chars = max(1, room // 24)
    runs = [
        {**run, "text": run["text"][start : start + chars]}
        for run in paragraph["inlines"]
        for start in range(0, len(run["text"]), chars)
    ]
    groups: list[list[Element]] = [[]]
    for run in runs:
        if groups[-1] and _cost([{**paragraph, "inlines": [*groups[-1], run]}]) > room:
            groups.append([])
        groups[-1].append(run)
    first, *rest = ({**paragraph, "inlines": group} for group in groups)
    more = {key: value for key, value in paragraph.items() if key not in ("id", "separator")}
    return [first, *({**more, "inlines": piece["inlines"], "spacing": "None"} for piece in rest)]


# --- the model, drawn -----------------------------------------------------------------------


def _units(message: Message) -> Iterator[Unit]:
    """Each block's units; a Divider is drawn as a separator above whatever comes next."""
    separate = False
    for block in message.blocks:
        separate = separate or isinstance(block, Divider)
        for unit in _draw(block):
            if separate and unit:
                unit[0] = {**unit[0], "separator": True}
                separate = False
            yield unit


def _draw(block: Block) -> list[Unit]:
    match block:
        case Header(text=text):
            return [[_header(text)]]
        case Section(lines=lines):
            return [_paragraphs(lines)]
        case Fields(rows=rows):
            return [[_facts(rows)]]
        case RagCounts(counts=counts):
            return [[{"type": "ColumnSet", "columns": [_count(c) for c in counts]}]]
        case BulletList():
            return _bullet_list(block)
        case Choices():
            return [_choices(block)]
        case ItemList():
            return _item_list(block)
        case Note(line=said, done=done):
            return [[_small((Plain("✓ "), *said) if done else said)]]
        case Divider():
            return []  # the next element's separator (_units)
        case More():
            return [[_small(block.words())]]
        case _:
            assert_never(block)


def _header(text: str) -> Element:
    return {
        "type": "TextBlock",
        "text": escape_markdown(" ".join(text.split())),
        "size": "Large",
        "weight": "Bolder",
        "style": "heading",
        "wrap": True,
    }


def _paragraph(said: Line, *, spacing: str | None = None) -> Element:
    element: Element = {"type": "RichTextBlock", "inlines": _runs(said)}
    if spacing is not None:
        element["spacing"] = spacing
    return element


def _paragraphs(lines: tuple[Line, ...]) -> Unit:
    """A paragraph's lines one under the other, as close as the lines of one paragraph."""
    return [_paragraph(said, spacing=None if n == 0 else "None") for n, said in enumerate(lines)]


def _small(said: Line) -> Element:
    runs = [{**run, "size": "Small", "isSubtle": True} for run in _runs(said)]
    return {"type": "RichTextBlock", "inlines": runs}


def _facts(rows: tuple[tuple[str, Line], ...]) -> Element:
    """Facts take no runs, so their words are flattened and escaped."""
    facts = [
        {"title": escape_markdown(label), "value": escape_markdown(" ".join(words(said).split()))}
        for label, said in rows
    ]
    return {"type": "FactSet", "facts": facts}


def _count(count: RagCount) -> Element:
    label = _run(Badge(count.rag))
    number = _text_run(str(count.count), size="Large")
    if count.stressed:
        number["weight"] = "Bolder"
    change = [_text_run(count.change, size="Small", isSubtle=True)] if count.change else []
    items = [
        {"type": "RichTextBlock", "inlines": [label]},
        {"type": "RichTextBlock", "inlines": [number, *change], "spacing": "None"},
    ]
    return {"type": "Column", "width": "stretch", "items": items}


def _bullet_list(block: BulletList) -> list[Unit]:
    """Every item, however many: a card has no list limit, and pages take the overflow."""
    items = []
    for number, (first, *rest) in enumerate(block.items, start=1):
        mark = f"{number}. " if block.numbered else f"{BULLET} "
        more = [_paragraph((Plain(INDENT), *said), spacing="None") for said in rest]
        items.append([_paragraph((Plain(mark), *first)), *more])
    return _with_title(block.title, items)


def _item_list(block: ItemList) -> list[Unit]:
    items = [
        [*_paragraphs(item.lines), *(_choices(item.choices) if item.choices else [])]
        for item in block.items
    ]
    return _with_title(block.title, items) if items else []


def _with_title(title: Line, items: list[Unit]) -> list[Unit]:
    """A title alone at the foot of a card introduces nothing: it goes with the first item."""
    heading = [_paragraph(title)] if _runs(title) else []
    if not items:
        return [heading]
    return [[*heading, *items[0]], *items[1:]]


# --- spans ----------------------------------------------------------------------------------


def _runs(said: Line) -> list[Element]:
    """A line's spans as TextRuns, which Teams shows as written: no markdown, no links."""
    return [run for run in map(_run, said) if run["text"]]


def _run(span: Span) -> Element:
    match span:
        case Plain(text=text):
            return _text_run(text)
        case Strong(text=text):
            return _text_run(text, weight="Bolder")
        case Aside(text=text):
            return _text_run(text, italic=True, isSubtle=True)
        case Code(text=text):
            return _text_run(text, fontType="Monospace")
        case Badge(rag=rag):
            return _text_run(rag_label(rag), color=_COLOURS[rag], weight="Bolder")
        case Change(before=before, after=after):
            return _text_run(f"{before} → {after}", weight="Bolder")
        case _:
            assert_never(span)


def _text_run(text: str, **style: str | bool) -> Element:
    return {"type": "TextRun", "text": text, **style}


# --- buttons --------------------------------------------------------------------------------


def _choices(block: Choices) -> Unit:
    """Rows of a few buttons each, all of them, with the hint said under them."""
    actions = [_action(button) for button in block.buttons]
    rows: Unit = [
        {"type": "ActionSet", "actions": actions[start : start + ACTIONS_PER_ROW]}
        for start in range(0, len(actions), ACTIONS_PER_ROW)
    ]
    return [*rows, _small(block.hint)] if block.hint else rows


def _action(button: Button) -> Element:
    """A tap sends back the same action id and value as a Slack button; a date or an update
    is asked for in place, in a card the button opens."""
    if button.action_id == TAP_CHANGE:
        return _asking(button, _date_input(), "Save")
    if button.action_id == TAP_ADD_UPDATE:
        return _asking(button, _update_input(), "Send")
    return _execute(button.label, button)


def _execute(title: str, button: Button) -> Element:
    action: Element = {
        "type": "Action.Execute",
        "title": title,
        "verb": button.action_id,
        "data": {"action_id": button.action_id, "value": button.value},
    }
    if button.style is not None:
        action["style"] = _STYLES[button.style]
    return action


def _asking(button: Button, field: Element, submit: str) -> Element:
    send = _execute(submit, replace(button, style=ButtonStyle.PRIMARY))
    shown = {"type": "AdaptiveCard", "body": [field], "actions": [send]}
    return {"type": "Action.ShowCard", "title": button.label, "card": shown}


def _date_input() -> Element:
    return {
        "type": "Input.Date",
        "id": DATE_INPUT,
        "label": "New review date",
        "isRequired": True,
        "errorMessage": "Pick the new review date.",
    }


def _update_input() -> Element:
    return {
        "type": "Input.Text",
        "id": TEXT_INPUT,
        "label": "Your update",
        "isMultiline": True,
        "maxLength": UPDATE_INPUT_CHARS,
        "placeholder": EXAMPLE_UPDATE,
        "isRequired": True,
        "errorMessage": "Say in a few words how it is going.",
    }
