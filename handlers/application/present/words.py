"""The small words every presenter shares: dates, shortened commentary, RAG and field values,
and a change said as before → after."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import date

from bot.content import Change, Line, Plain, Strong, joined, line
from bot.domain.plan import ActionView, FieldChange
from bot.domain.rag import Rag, rag_label

_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
UPDATE_CHARS = 300
WORDS_CHARS = 160
# An imported milestone is kept as "2026-11-23 - Mock up completed": its date, then its words.
_DATED_WORDS = re.compile(r"(\d{4}-\d{2}-\d{2})(?:\s*[-–]\s*|\s+|$)(.*)", re.ASCII | re.DOTALL)


def format_day(day: date, *, with_year: bool = True) -> str:
    """Every date the bot shows looks the same ("Fri 31 Mar 2027"), whatever the locale."""
    text = f"{_DAYS[day.weekday()]} {day.day} {_MONTHS[day.month - 1]}"
    return f"{text} {day.year}" if with_year else text


def shorten(text: str, limit: int) -> str:
    """Long commentary would bury the facts; cut on a word and say so with an ellipsis."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    cut = flat[: limit - 1]
    if " " in cut[limit // 2 :]:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,;:.-") + "…"


def quoted(text: str, limit: int = WORDS_CHARS) -> str:
    return f"“{shorten(text, limit)}”"


def sentence(text: str) -> str:
    text = text.strip()
    text = text[:1].upper() + text[1:]
    return text if text.endswith((".", "?", "!")) else text + "."


def or_list(items: Sequence[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} or {items[-1]}"


def rag_text(value: str | None) -> str:
    """A stored RAG as a person reads it."""
    if not value:
        return rag_label(None)
    try:
        return Rag(value).label
    except ValueError:
        return value


def date_text(value: str | None) -> str:
    """A stored ISO date as a person reads it; anything else is shown as written."""
    if not value:
        return "none"
    try:
        return format_day(date.fromisoformat(value))
    except ValueError:
        return value


def _plain(value: str | None) -> str:
    return shorten(value, WORDS_CHARS) if value else "—"


def dated_words(value: str | None) -> str:
    """Words that may start with a stored ISO date, with that date as every other is shown."""
    if not value:
        return _plain(value)
    found = _DATED_WORDS.fullmatch(value.strip())
    if found is None:
        return _plain(value)
    try:
        day = format_day(date.fromisoformat(found.group(1)))
    except ValueError:
        return _plain(value)
    words = found.group(2).strip()
    return f"{day} – {shorten(words, WORDS_CHARS)}" if words else day


def change(made: FieldChange) -> Line:
    """One field's before → after, in the words a person would use."""
    field, before, after = made.field, made.before, made.after
    if field == "rag":
        return line(Change(rag_text(before), rag_text(after), rag=True))
    if field == "review_date":
        return line("review date ", Change(date_text(before), date_text(after)))
    if field == "latest_update":
        return line(f"update {quoted(after or '', UPDATE_CHARS)}")
    if field.startswith("snooze:"):
        if not after:
            return line("reminders resumed")
        return line("reminders paused until ", Strong(date_text(after)))
    number = field.partition(":")[2]
    if field.startswith("milestone_due:"):
        return line(f"milestone {number} due ", Change(date_text(before), date_text(after)))
    if field.startswith("milestone:"):
        return line(f"milestone {number}: ", Change(dated_words(before), dated_words(after)))
    return line(f"{field.replace('_', ' ')} ", Change(_plain(before), _plain(after)))


def changes(items: Iterable[FieldChange], empty: str, *, separator: str = "; ") -> Line:
    said = [change(c) for c in items]
    return joined(said, separator) if said else (Plain(empty),)


def shown_source(made: FieldChange) -> str | None:
    """The owner's words behind a change, unless they just repeat it ("amber" → Amber)."""
    source = " ".join((made.source or "").split())
    if not source or source.casefold() == rag_text(made.after).casefold():
        return None
    return shorten(source, WORDS_CHARS)


def title(action: ActionView) -> Strong:
    return Strong(f"{action.ref} {action.title}")
