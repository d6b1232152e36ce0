"""Plain text from the neutral message model: the console, and Slack's notification text.

No markup: emphasis is dropped, a RAG status is its label, buttons give way to the words
that say how to answer without them. What is said comes from handlers/application/present.
"""

from __future__ import annotations

from typing import assert_never

from bot import content as model
from bot.content import Block, Line, Message, Span
from bot.domain.rag import rag_label
from handlers.application.present import NotPresentableError, present
from handlers.application.present.words import (
    UPDATE_CHARS,
    WORDS_CHARS,
    date_text,
    format_day,
    quoted,
    rag_text,
    shorten,
)

__all__ = [
    "BULLET",
    "UPDATE_CHARS",
    "WORDS_CHARS",
    "date_text",
    "format_day",
    "quoted",
    "rag_text",
    "render_text",
    "shorten",
    "text_of",
]

BULLET = "•"
INDENT = "    "
_ENDS_A_TITLE = (".", "?", "!", ":")


def render_text(content: object) -> str:
    """Draw any reply, answer, reminder or digest (or a Message) as compact plain text."""
    try:
        message = present(content)
    except NotPresentableError:
        raise TypeError(f"no plain-text rendering for {type(content).__name__}") from None
    return text_of(message)


def text_of(message: Message) -> str:
    """One line per line; a break is a blank line; a brief reply runs on as one paragraph."""
    if message.brief:
        return " ".join(text for block in message.blocks for text in _lines(block) if text)
    written: list[str] = []
    for block in message.blocks:
        for text in _lines(block):
            if text or (written and written[-1]):
                written.append(text)
    return "\n".join(written).strip("\n")


def _lines(block: Block) -> list[str]:
    match block:
        case model.Header(text=text):
            return [text]
        case model.Section(lines=lines):
            return [words(item) for item in lines]
        case model.Fields(rows=rows):
            return [f"{label}: {words(value)}" for label, value in rows]
        case model.RagCounts(counts=counts):
            return [" · ".join(f"{rag_label(c.rag)} {c.count}{c.change}" for c in counts)]
        case model.BulletList():
            return _bullets(block)
        case model.Choices(hint=hint, hint_without_buttons=instead):
            said = hint if instead is None else instead
            return [words(said)] if said else []
        case model.ItemList(title=title, items=items):
            return _listed(title, [item.lines for item in items])
        case model.Note(line=said, done=done):
            return [("✓ " if done else "") + words(said)]
        case model.Divider():
            return [""]
        case model.More():
            return [words(block.words())]
        case _:
            assert_never(block)


def _bullets(block: model.BulletList) -> list[str]:
    if not block.run_in:
        return _listed(block.title, block.items, numbered=block.numbered)
    said = "; ".join(" ".join(words(part) for part in item) for item in block.items)
    head = _heading(block.title)
    return [f"{head} {said}." if head else f"{said}."]


def _listed(
    title: Line,
    items: list[tuple[Line, ...]] | tuple[tuple[Line, ...], ...],
    *,
    numbered: bool = False,
) -> list[str]:
    head = _heading(title)
    written = [head] if head else []
    for number, (first, *rest) in enumerate(items, start=1):
        mark = f"{number}." if numbered else BULLET
        written.append(f"{mark} {words(first)}")
        written += [INDENT + words(more) for more in rest]
    return written


def _heading(title: Line) -> str:
    """A list's title introduces it with a colon, unless it already ends a sentence."""
    said = words(title)
    return said if not said or said.endswith(_ENDS_A_TITLE) else f"{said}:"


def words(said: Line) -> str:
    """A line's words, undecorated."""
    return "".join(_span(span) for span in said)


def _span(span: Span) -> str:
    match span:
        case (
            model.Plain(text=text)
            | model.Strong(text=text)
            | model.Aside(text=text)
            | model.Code(text=text)
        ):
            return text
        case model.Badge(rag=rag):
            return rag_label(rag)
        case model.Change(before=before, after=after, rag=rag):
            return f"{'RAG ' if rag else ''}{before} → {after}"
        case _:
            assert_never(span)
