"""The App Home tab in Block Kit: my actions with their buttons, and the boards I chair.

Slack refuses a Home view of more than 100 blocks: what does not fit is counted, not dropped
silently, and /rag still answers for all of it.
"""

from __future__ import annotations

from typing import Any

from bot.domain.summary import BoardSummary
from handlers.application.home import Home, HomeItem
from handlers.slack.blocks import (
    ELLIPSIS,
    OPEN_ADMIN,
    Block,
    action_title,
    actions,
    button,
    context,
    divider,
    escape,
    header,
    latest_words,
    rag_badge,
    rag_counts_line,
    section,
    update_buttons,
)
from handlers.text import format_day

MAX_HOME_BLOCKS = 100
# Kept back for the "…and N more" lines and the closing context.
RESERVED = 4
NOT_LINKED = (
    "I don't know who you are in the plan yet. Ask your plan administrator to link your "
    "Slack account (`actionbot people link`)."
)


def home_view(home: Home | None) -> dict[str, Any]:
    """The whole tab, always within Slack's limit of 100 blocks."""
    if home is None:
        return {"type": "home", "blocks": [header("actionbot"), section(NOT_LINKED)]}
    blocks = [header("My actions"), context(_tally(home))]
    budget = MAX_HOME_BLOCKS - RESERVED - len(blocks) - 3 * len(home.chaired) - 3
    for title, items in (
        ("Overdue", home.overdue),
        ("Due in the next 14 days", home.due_soon),
        ("The rest", home.rest),
    ):
        shown = _group(title, items, home, budget)
        budget -= len(shown)
        blocks += shown
    if not home.action_count:
        blocks.append(section("You don't own any actions."))
    if home.administers:
        admin = button("Plan admin", OPEN_ADMIN, "home")
        blocks += [divider(), actions("admin", [admin])]
    if home.chaired:
        blocks.append(divider())
        for summary in home.chaired:
            blocks += _board(summary)
    return {"type": "home", "blocks": blocks[:MAX_HOME_BLOCKS]}


def _tally(home: Home) -> str:
    parts = [f"{home.action_count} action(s)", f"{len(home.overdue)} overdue"]
    parts.append(f"{len(home.due_soon)} due in 14 days")
    return f"{escape(home.person_name)} · {format_day(home.today)} · " + " · ".join(parts)


def _group(title: str, items: tuple[HomeItem, ...], home: Home, budget: int) -> list[Block]:
    """Two blocks an action (its facts, its buttons); the overflow becomes one line."""
    if not items or budget < 2:
        return [context(f"{ELLIPSIS}and {len(items)} more {title.lower()}")] if items else []
    blocks = [section(f"*{title} ({len(items)})*")]
    fits = max(0, (budget - 2) // 2)
    for item in items[:fits]:
        blocks += [section(_item(item, home)), update_buttons(item.action.id)]
    if len(items) > fits:
        blocks.append(context(f"{ELLIPSIS}and {len(items) - fits} more — `/rag` lists them all"))
    return blocks


def _item(item: HomeItem, home: Home) -> str:
    action = item.action
    review = format_day(action.review_date) if action.review_date else "no review date"
    late = " _(overdue)_" if action.is_overdue(home.today) else ""
    facts = f"{rag_badge(action.rag)} · review {review}{late} · {escape(item.board_name)}"
    return f"{action_title(action)}\n{facts}\n{latest_words(action)}"


def _board(summary: BoardSummary) -> list[Block]:
    """A chair's board at a glance: the counts, what is red, what is past review."""
    red = ", ".join(escape(a.ref) for a in summary.red) or "nothing"
    overdue = f" · {summary.overdue} past review date" if summary.overdue else ""
    return [
        section(f"*{escape(summary.board_name)}* — {summary.total} actions{overdue}"),
        section(rag_counts_line(summary.counts)),
        context(f"Red: {red}"),
    ]
