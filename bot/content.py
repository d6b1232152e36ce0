"""What the bot says, as platform-neutral content: built once, drawn by each platform.

The presenters (handlers/application/present/) turn every reply, answer, reminder, digest and
home view into a `Message`: all the wording, its order and its emphasis live there. A
renderer turns a `Message` into one platform's output and adds only that platform's look and
limits: handlers/text.py (plain text: the console, notifications), handlers/slack/blocks.py
(Block Kit). `Block` and `Span` are closed unions; each renderer matches them exhaustively
(`match` + `typing.assert_never`), so mypy names any case a renderer forgets.

The Adaptive Card renderer (Microsoft Teams, handlers/teams/cards.py) works the same way:
Header → TextBlock; Section → a RichTextBlock per line, each span a TextRun (user words are
never read as markdown); Fields → FactSet; RagCounts → ColumnSet; Choices → ActionSets of
Action.Execute whose verb and data are the same action ids and values as Slack's buttons.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from bot.domain.rag import Rag

ELLIPSIS = "…"

# -- inline: a line is a run of spans -------------------------------------------------------


@dataclass(frozen=True)
class Plain:
    text: str


@dataclass(frozen=True)
class Strong:
    """Where the eye should land: a ref and title, the date a reminder is about."""

    text: str


@dataclass(frozen=True)
class Aside:
    """Said quietly: "(overdue)", "no update yet", the words a change was read from."""

    text: str


@dataclass(frozen=True)
class Code:
    """Something to type exactly as shown: a ref, an example update, a command."""

    text: str


@dataclass(frozen=True)
class Badge:
    """A RAG status shown as a status: its label, with a coloured mark where there is one."""

    rag: Rag | None


@dataclass(frozen=True)
class Change:
    """before → after, what a confirmation is checked by.

    `rag`: a change of RAG status (its two labels), which each platform marks its own way:
    plain text names it ("RAG Red → Amber"), Block Kit shows it in bold capitals."""

    before: str
    after: str
    rag: bool = False


Span = Plain | Strong | Aside | Code | Badge | Change
Line = tuple[Span, ...]


def line(*parts: Span | str) -> Line:
    """A line from spans, a bare string being plain text."""
    return tuple(Plain(part) if isinstance(part, str) else part for part in parts)


def joined(lines: Sequence[Line], separator: str) -> Line:
    """Several lines run into one: "a; b; c"."""
    spans: list[Span] = []
    for number, item in enumerate(lines):
        if number:
            spans.append(Plain(separator))
        spans.extend(item)
    return tuple(spans)


# -- blocks ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Header:
    """The message's title, as plain words."""

    text: str


@dataclass(frozen=True)
class Section:
    """A paragraph: its lines are shown one under the other."""

    lines: tuple[Line, ...]


@dataclass(frozen=True)
class Fields:
    """Labelled facts, one a row: "RAG: Red", "Review: Wed 31 Mar 2027"."""

    rows: tuple[tuple[str, Line], ...]


@dataclass(frozen=True)
class RagCount:
    rag: Rag | None
    count: int
    change: str = ""  # " (+1)" since the last digest
    stressed: bool = False  # where the eye should land (red, when there is any)


@dataclass(frozen=True)
class RagCounts:
    """How many actions have each status, side by side."""

    counts: tuple[RagCount, ...]


@dataclass(frozen=True)
class BulletList:
    """A titled list; each item is one or more lines (the first carries the bullet).

    `secondary`: may be cut short where a message has little room (the rest is counted).
    `run_in`: reads as one sentence ("Open milestones: a; b."), as a renderer short of lines
    may show it."""

    title: Line
    items: tuple[tuple[Line, ...], ...]
    numbered: bool = False
    secondary: bool = False
    run_in: bool = False


class ButtonStyle(StrEnum):
    PRIMARY = "primary"
    DANGER = "danger"


@dataclass(frozen=True)
class Button:
    """A tap: the platform sends back `action_id` and `value`; the label is what it says."""

    label: str
    action_id: str
    value: str
    style: ButtonStyle | None = None


@dataclass(frozen=True)
class Choices:
    """Buttons answering this message; `key` tells one group of them from another.

    `hint` is said beside the buttons; `hint_without_buttons` instead of them, where a
    platform has none (the console): "Reply “undo” to reverse it." for an Undo button."""

    key: str
    buttons: tuple[Button, ...]
    hint: Line = ()
    hint_without_buttons: Line | None = None


@dataclass(frozen=True)
class Item:
    """One entry of an ItemList: its lines, and the buttons that act on it."""

    lines: tuple[Line, ...]
    choices: Choices | None = None


@dataclass(frozen=True)
class ItemList:
    """A titled group of items with their own buttons (the App Home's actions).

    Where the platform has room for only some, the rest is counted: "…and 3 more — `hint`",
    or "…and 5 more `what`" when there is no room for any."""

    title: Line
    what: str
    items: tuple[Item, ...]
    hint: Line = ()


@dataclass(frozen=True)
class Note:
    """Small print under the content; `done` marks a settled question (a tick)."""

    line: Line
    done: bool = False


@dataclass(frozen=True)
class Divider:
    """A break between parts of a message."""


@dataclass(frozen=True)
class More:
    """What was left out, counted: "…and 12 more", "…and 3 more overdue — /rag lists them all".

    Presenters may end a list with one; renderers add one where a platform's limits cut."""

    count: int
    what: str = ""
    hint: Line = ()

    def words(self) -> Line:
        what = f" {self.what}" if self.what else ""
        head = Plain(f"{ELLIPSIS}and {self.count} more{what}")
        return (head, Plain(" — "), *self.hint) if self.hint else (head,)


Block = (
    Header | Section | Fields | RagCounts | BulletList | Choices | ItemList | Note | Divider | More
)


@dataclass(frozen=True)
class Message:
    """Everything one message says, in order.

    `brief`: a short reply (a confirmation, a question) that reads as one paragraph where a
    platform writes plain lines. A platform that limits a message's size splits or counts
    (its renderer's `pages`), never cuts silently; `part` words the pieces alike everywhere."""

    blocks: tuple[Block, ...]
    brief: bool = False


def part(number: int, total: int) -> Line:
    """The line a message split into pieces carries on each: "Part 2 of 3"."""
    return (Plain(f"Part {number} of {total}"),)
