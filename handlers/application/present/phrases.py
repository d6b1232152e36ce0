"""How an action, a milestone and a board's RAG totals are said, wherever they appear."""

from __future__ import annotations

from datetime import date

from bot.content import Aside, Line, RagCount, RagCounts, line
from bot.domain.plan import ActionView, MilestoneView
from bot.domain.rag import RAG_ORDER, Rag
from handlers.application.present.words import WORDS_CHARS, format_day, quoted, shorten, title


def words(action: ActionView) -> Line:
    """The latest update, quoted and shortened, or that there is none."""
    return (
        line(quoted(action.latest_update)) if action.latest_update else line(Aside("no update yet"))
    )


def red_item(action: ActionView) -> Line:
    return line(title(action), f" — {action.owner_names}: ", *words(action))


def milestone_words(milestone: MilestoneView, today: date) -> str:
    """A dated step; the year is shown only when it is not this year."""
    when = milestone.date_text or "no date"
    if milestone.due is not None:
        when = format_day(milestone.due, with_year=milestone.due.year != today.year)
    return f"{when} – {shorten(milestone.text, WORDS_CHARS)}"


def milestone_item(milestone: MilestoneView, today: date) -> Line:
    late = (" ", Aside("(overdue)")) if milestone.is_overdue(today) else ()
    return line(milestone_words(milestone, today), *late)


def overdue_mark(action: ActionView, today: date) -> Line:
    return line(" ", Aside("(overdue)")) if action.is_overdue(today) else ()


def board_counts(counts: dict[Rag | None, int]) -> RagCounts:
    """Every status, even at zero, so the eye compares like with like; No RAG only if any."""
    shown: list[Rag | None] = [*RAG_ORDER, None] if counts.get(None, 0) else [*RAG_ORDER]
    return RagCounts(
        tuple(
            RagCount(rag, counts.get(rag, 0), stressed=rag is Rag.RED and bool(counts.get(rag)))
            for rag in shown
        )
    )
