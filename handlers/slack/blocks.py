"""Block Kit from the neutral message model: the one place Slack's look and limits live.

What is said comes from handlers/application/present; here it becomes mrkdwn (escaped, so
user words never become `<!channel>`), emoji for RAG, bold for emphasis, and Slack's limits:
50 blocks a message, 3000 characters a section, 75 a button, 25 elements an actions block.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, assert_never

from bot.content import (
    ELLIPSIS,
    Aside,
    Badge,
    BulletList,
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
    RagCounts,
    Section,
    Span,
    Strong,
    line,
    part,
)
from bot.content import Block as Content
from bot.content import Button as ButtonContent
from bot.domain.rag import Rag, rag_label
from handlers.application.present import NotPresentableError, present
from handlers.application.present.buttons import (
    KEEP_VALUE,
    OPEN_ADMIN,
    SNOOZE_DAYS,
    TAP_ADD_UPDATE,
    TAP_CHANGE,
    TAP_KEEP_DATE,
    TAP_PICK_DATE,
    TAP_RAG,
    TAP_SNOOZE,
    TAP_UNDO,
    update_choices,
)
from handlers.application.present.replies import outcome
from handlers.text import render_text

__all__ = [
    "ACTION_ELEMENTS",
    "BUTTON_TEXT_CHARS",
    "ELLIPSIS",
    "HEADER_CHARS",
    "KEEP_VALUE",
    "LIST_SECTIONS",
    "MAX_BLOCKS",
    "OPEN_ADMIN",
    "SECTION_CHARS",
    "SNOOZE_DAYS",
    "TAP_ADD_UPDATE",
    "TAP_CHANGE",
    "TAP_KEEP_DATE",
    "TAP_PICK_DATE",
    "TAP_RAG",
    "TAP_SNOOZE",
    "TAP_UNDO",
    "TEXT_CHARS",
    "Block",
    "actions",
    "answered",
    "button",
    "clip",
    "context",
    "divider",
    "escape",
    "fallback_text",
    "header",
    "listing",
    "message_blocks",
    "render_blocks",
    "render_pages",
    "section",
    "update_buttons",
]

Block = dict[str, Any]

MAX_BLOCKS = 50
SECTION_CHARS = 3000
HEADER_CHARS = 150
TEXT_CHARS = 40_000
# Slack's limits on interactive elements.
BUTTON_TEXT_CHARS = 75
ACTION_ELEMENTS = 25
# Sections one list may fill before the rest is summarised as "…and N more"; a long
# answer is split into several messages (render_pages) rather than cut.
LIST_SECTIONS = 200
SECONDARY_SECTIONS = 3
ITEM_INDENT = "      "

_EMOJI: dict[Rag | None, str] = {
    Rag.RED: ":red_circle:",
    Rag.AMBER: ":large_orange_circle:",
    Rag.GREEN: ":large_green_circle:",
    Rag.NOT_STARTED: ":white_circle:",
    Rag.COMPLETE: ":large_blue_circle:",
    None: ":black_circle:",
}


def escape(text: str) -> str:
    """Slack reads <…> as mentions and links: user words must never become `<!channel>`."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def clip(text: str, limit: int) -> str:
    """Cut to Slack's limit with an ellipsis, never through the middle of an `&amp;`."""
    if len(text) <= limit:
        return text
    cut = text[: limit - len(ELLIPSIS)]
    amp = cut.rfind("&", max(0, len(cut) - 5))
    if amp != -1 and ";" not in cut[amp:]:
        cut = cut[:amp]
    return cut + ELLIPSIS


def fallback_text(content: object) -> str:
    """The notification text: the plain rendering, escaped like the blocks."""
    return clip(escape(render_text(content)), TEXT_CHARS)


def render_blocks(content: object) -> list[Block]:
    """Any reply, answer, reminder or digest as at most 50 blocks, each within its limits."""
    return _fit(message_blocks(_message(content)))


def render_pages(content: object) -> list[list[Block]]:
    """A long answer as several messages of at most 50 blocks each, none of it cut."""
    blocks = message_blocks(_message(content))
    if len(blocks) <= MAX_BLOCKS:
        return [blocks]
    size = MAX_BLOCKS - 1  # room for the "part i of n" line
    pages = [blocks[start : start + size] for start in range(0, len(blocks), size)]
    return [
        [*page, context(mrkdwn(part(number, len(pages))))]
        for number, page in enumerate(pages, start=1)
    ]


def _message(content: object) -> Message:
    try:
        return present(content)
    except NotPresentableError:
        raise TypeError(f"no Block Kit rendering for {type(content).__name__}") from None


def update_buttons(action_id: int) -> Block:
    """Answer with a tap: the same buttons on a reminder and in the App Home."""
    return _actions(update_choices(action_id))


def answered(blocks: Sequence[Block], reply: object) -> list[Block]:
    """A reminder once answered: its words stay, its buttons go, and it says what was done."""
    kept = [b for b in blocks if b.get("type") != "actions" and not _is_reply_hint(b)]
    said = outcome(reply) or line(render_text(reply))
    return _fit([*kept, *_draw(Note(said, done=True))])


def _is_reply_hint(block: Block) -> bool:
    elements = block.get("elements") or [{}]
    return block.get("type") == "context" and "Reply" in str(elements[0].get("text", ""))


# --- the model, drawn ----------------------------------------------------------------------


def message_blocks(message: Message, *, room: int | None = None) -> list[Block]:
    """The message's blocks; with `room`, item lists share what the other blocks leave."""
    fixed = {n: _draw(b) for n, b in enumerate(message.blocks) if not isinstance(b, ItemList)}
    budget = None if room is None else room - sum(len(drawn) for drawn in fixed.values())
    blocks: list[Block] = []
    for number, content in enumerate(message.blocks):
        if not isinstance(content, ItemList):
            blocks += fixed[number]
            continue
        items = _item_list(content, budget)
        budget = None if budget is None else budget - len(items)
        blocks += items
    return blocks


def _draw(content: Content) -> list[Block]:
    match content:
        case Header():
            return [header(content.text)]
        case Section():
            return [section("\n".join(mrkdwn(said) for said in content.lines))]
        case Fields():
            rows = (f"*{escape(label)}:* {mrkdwn(value)}" for label, value in content.rows)
            return [section("\n".join(rows))]
        case RagCounts():
            return [section(_counts(content))]
        case BulletList():
            return _bullet_list(content)
        case Choices():
            return _choices(content)
        case ItemList():
            return _item_list(content, None)
        case Note():
            tick = ":white_check_mark: " if content.done else ""
            return [context(tick + mrkdwn(content.line))]
        case Divider():
            return [divider()]
        case More():
            return [context(mrkdwn(content.words()))]
        case _:
            assert_never(content)


def mrkdwn(said: Line) -> str:
    """A line as Slack mrkdwn: every word escaped, emphasis as Slack marks it."""
    return "".join(_mark(span) for span in said)


def _mark(span: Span) -> str:
    match span:
        case Plain():
            return escape(span.text)
        case Strong():
            return f"*{escape(span.text)}*" if span.text else ""
        case Aside():
            return f"_{escape(span.text)}_" if span.text else ""
        case Code():
            return f"`{escape(span.text)}`"
        case Badge():
            return f"{_EMOJI[span.rag]} {rag_label(span.rag)}"
        case Change():
            shown = (
                (span.before.upper(), span.after.upper()) if span.rag else (span.before, span.after)
            )
            return f"*{escape(shown[0])} → {escape(shown[1])}*"
        case _:
            assert_never(span)


def _counts(content: RagCounts) -> str:
    """Every status with its emoji; the stressed one (red, when any) in bold."""
    parts = []
    for count in content.counts:
        said = f"{_EMOJI[count.rag]} {rag_label(count.rag)} {count.count}{count.change}"
        parts.append(f"*{said}*" if count.stressed else said)
    return "   ".join(parts)


def _bullet_list(content: BulletList) -> list[Block]:
    lines = []
    for number, (first, *rest) in enumerate(content.items, start=1):
        mark = f"{number}." if content.numbered else "•"
        lines.append(
            "\n".join([f"{mark} {mrkdwn(first)}", *(ITEM_INDENT + mrkdwn(r) for r in rest)])
        )
    sections = SECONDARY_SECTIONS if content.secondary else LIST_SECTIONS
    return listing(mrkdwn(content.title), lines, max_sections=sections)


def _choices(content: Choices) -> list[Block]:
    hint = [context(mrkdwn(content.hint))] if content.hint else []
    return [_actions(content), *hint]


def _actions(content: Choices) -> Block:
    return actions(content.key, [_button(b) for b in content.buttons])


def _button(content: ButtonContent) -> Block:
    style = content.style.value if content.style else None
    return button(content.label, content.action_id, content.value, style=style)


def _item_list(content: ItemList, budget: int | None) -> list[Block]:
    """Two blocks an item (its facts, its buttons); past the budget, the rest is counted."""
    items = content.items
    if not items:
        return []
    if budget is not None and budget < 2:
        return _draw(More(len(items), content.what))
    fits = len(items) if budget is None else max(0, (budget - 2) // 2)
    blocks = [section(mrkdwn(content.title))]
    for item in items[:fits]:
        blocks.append(section("\n".join(mrkdwn(said) for said in item.lines)))
        blocks += [_actions(item.choices)] if item.choices else []
    if len(items) > fits:
        blocks += _draw(More(len(items) - fits, hint=content.hint))
    return blocks


# --- Block Kit's building blocks ---------------------------------------------------------------


def header(text: str) -> Block:
    """Plain text is never parsed for mentions; angle brackets are swapped out all the same."""
    shown = text.replace("<", "‹").replace(">", "›")
    return {"type": "header", "text": {"type": "plain_text", "text": clip(shown, HEADER_CHARS)}}


def section(text: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": clip(text, SECTION_CHARS)}}


def context(text: str) -> Block:
    element = {"type": "mrkdwn", "text": clip(text, SECTION_CHARS)}
    return {"type": "context", "elements": [element]}


def divider() -> Block:
    return {"type": "divider"}


def button(text: str, action_id: str, value: str, *, style: str | None = None) -> Block:
    shown = {"type": "plain_text", "text": clip(text, BUTTON_TEXT_CHARS), "emoji": True}
    element: Block = {"type": "button", "text": shown, "action_id": action_id, "value": value}
    if style is not None:
        element["style"] = style
    return element


def actions(block_id: str, elements: Sequence[Block]) -> Block:
    return {"type": "actions", "block_id": block_id, "elements": list(elements[:ACTION_ELEMENTS])}


def listing(title: str, lines: Sequence[str], *, max_sections: int = LIST_SECTIONS) -> list[Block]:
    """A titled list packed into few sections; what does not fit becomes "…and N more"."""
    chunks: list[list[str]] = [[title] if title else []]
    shown = 0
    for said in lines:
        text = clip(said, SECTION_CHARS)
        if chunks[-1] and len("\n".join([*chunks[-1], text])) > SECTION_CHARS:
            if len(chunks) == max_sections:
                break
            chunks.append([])
        chunks[-1].append(text)
        shown += 1
    blocks = [section("\n".join(chunk)) for chunk in chunks if chunk]
    if shown < len(lines):
        blocks += _draw(More(len(lines) - shown))
    return blocks


def _fit(blocks: list[Block]) -> list[Block]:
    """Slack refuses a message of more than 50 blocks; say what was left out instead."""
    if len(blocks) <= MAX_BLOCKS:
        return blocks
    kept = blocks[: MAX_BLOCKS - 1]
    return [*kept, *_draw(More(len(blocks) - len(kept), "sections not shown"))]
