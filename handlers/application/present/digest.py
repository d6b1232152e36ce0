"""The weekly digest a board channel reads: red, what changed, what is late, who is unreachable."""

from __future__ import annotations

from collections.abc import Callable

from bot.content import (
    Aside,
    Badge,
    Block,
    BulletList,
    Code,
    Divider,
    Header,
    Line,
    Message,
    Note,
    RagCount,
    RagCounts,
    Section,
    Strong,
    line,
)
from bot.domain.digest import Digest, OverdueMilestone
from bot.domain.plan import ActionView
from bot.domain.rag import RAG_ORDER, Rag
from handlers.application.present.phrases import milestone_words, red_item
from handlers.application.present.words import format_day, title


def digest(content: Digest) -> Message:
    blocks: list[Block] = [
        Header(f"{content.board_name} — weekly digest, {format_day(content.today)}"),
        _counts(content),
        Divider(),
    ]
    if content.red:
        red = tuple((_red_item(content, a),) for a in content.red)
        blocks.append(BulletList(line(Strong(f"Red ({len(content.red)})")), red))
    else:
        blocks.append(Section((line("Nothing is red."),)))
    for heading, items in _sections(content):
        if items:
            listed = BulletList(line(Strong(f"{heading} ({len(items)})")), items, secondary=True)
            blocks += [Divider(), listed]
    if content.unreachable:
        blocks += [Divider(), _unreachable(content.unreachable)]
    if content.is_quiet:
        blocks += [Divider(), Note(line("A quiet week: nothing red, overdue or changed."))]
    return Message(tuple(blocks))


def _counts(content: Digest) -> RagCounts:
    """Totals with the change since the last digest: "Red 8 (+1) · Amber 18 (−1)"."""
    order: list[Rag | None] = [*RAG_ORDER, None]
    counts = [(rag, content.counts.get(rag, 0)) for rag in order]
    return RagCounts(
        tuple(
            RagCount(rag, count, content.change_label(rag), stressed=rag is Rag.RED and count > 0)
            for rag, count in counts
            if rag is not None or count
        )
    )


def _red_item(content: Digest, action: ActionView) -> Line:
    label = content.red_for_label(action)
    return line(*red_item(action), " ", Aside(f"({label})")) if label else red_item(action)


Items = tuple[tuple[Line, ...], ...]


def _sections(content: Digest) -> list[tuple[str, Items]]:
    milestones = tuple((_milestone(m, content),) for m in content.overdue_milestones)
    return [
        ("Newly red this week", _each(content.newly_red, _who)),
        ("Recovered", _each(content.recovered, _recovered)),
        ("Overdue milestones", milestones),
        ("Past review date with no update", _each(content.no_update, _review_was)),
        ("Reviews due this week", _each(content.reviews_due_this_week, _review_due)),
    ]


def _each(actions: tuple[ActionView, ...], said: Callable[[ActionView], Line]) -> Items:
    return tuple((said(a),) for a in actions)


def _who(action: ActionView) -> Line:
    return line(title(action), f" — {action.owner_names}")


def _recovered(action: ActionView) -> Line:
    return line(title(action), " — now ", Badge(action.rag))


def _milestone(item: OverdueMilestone, content: Digest) -> Line:
    return line(title(item.action), f": {milestone_words(item.milestone, content.today)}")


def _dated(action: ActionView, label: str) -> Line:
    when = format_day(action.review_date) if action.review_date else "no date"
    return line(title(action), f" — {label} {when} · {action.owner_names}")


def _review_was(action: ActionView) -> Line:
    return _dated(action, "review was")


def _review_due(action: ActionView) -> Line:
    return _dated(action, "review")


def _unreachable(names: tuple[str, ...]) -> Note:
    """Owners linked to no chat platform: said every week until someone links them."""
    return Note(
        line(
            Strong("Can't reach:"),
            f" {', '.join(names)} — not linked to any chat platform (",
            Code("actionbot people link …"),
            ")",
        )
    )
