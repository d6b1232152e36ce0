"""The home view: my actions in the order they need attention, and the boards I chair."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.content import (
    Badge,
    Block,
    Code,
    Divider,
    Header,
    Item,
    ItemList,
    Line,
    Message,
    Note,
    Section,
    Strong,
    line,
)
from bot.domain.summary import BoardSummary
from handlers.application.present.buttons import admin_choices, update_choices
from handlers.application.present.phrases import board_counts, overdue_mark, words
from handlers.application.present.words import format_day, title

if TYPE_CHECKING:
    from handlers.application.home import Home, HomeItem


def home(view: Home | None, *, account: str) -> Message:
    """`account`: what the person would be linked by ("Slack"), for someone not in the plan."""
    if view is None:
        return _not_linked(account)
    blocks: list[Block] = [Header("My actions"), Note(line(_tally(view)))]
    for heading, items in (
        ("Overdue", view.overdue),
        ("Due in the next 14 days", view.due_soon),
        ("The rest", view.rest),
    ):
        if items:
            blocks.append(_group(heading, items, view))
    if not view.action_count:
        blocks.append(Section((line("You don't own any actions."),)))
    if view.administers:
        blocks += [Divider(), admin_choices()]
    if view.chaired:
        blocks.append(Divider())
        for summary in view.chaired:
            blocks += _board(summary)
    return Message(tuple(blocks))


def _not_linked(account: str) -> Message:
    said = line(
        "I don't know who you are in the plan yet. Ask your plan administrator to link your "
        f"{account} account (",
        Code("actionbot people link"),
        ").",
    )
    return Message((Header("actionbot"), Section((said,))))


def _tally(view: Home) -> str:
    parts = [f"{view.action_count} action(s)", f"{len(view.overdue)} overdue"]
    parts.append(f"{len(view.due_soon)} due in 14 days")
    return f"{view.person_name} · {format_day(view.today)} · " + " · ".join(parts)


def _group(heading: str, items: tuple[HomeItem, ...], view: Home) -> ItemList:
    """Each action with its buttons; where there is no room for all, /rag has them."""
    return ItemList(
        line(Strong(f"{heading} ({len(items)})")),
        heading.lower(),
        tuple(Item(_item(i, view), update_choices(i.action.id)) for i in items),
        hint=line(Code("/rag"), " lists them all"),
    )


def _item(item: HomeItem, view: Home) -> tuple[Line, ...]:
    action = item.action
    review = format_day(action.review_date) if action.review_date else "no review date"
    late = overdue_mark(action, view.today)
    facts = line(Badge(action.rag), f" · review {review}", *late, f" · {item.board_name}")
    return (line(title(action)), facts, words(action))


def _board(summary: BoardSummary) -> list[Block]:
    """A chair's board at a glance: the counts, what is red, what is past review."""
    red = ", ".join(a.ref for a in summary.red) or "nothing"
    overdue = f" · {summary.overdue} past review date" if summary.overdue else ""
    said = line(Strong(summary.board_name), f" — {summary.total} actions{overdue}")
    return [Section((said,)), board_counts(summary.counts), Note(line(f"Red: {red}"))]
