"""What an owner is sent before and after a review, and what a chair hears of silence."""

from __future__ import annotations

from bot.content import (
    Block,
    BulletList,
    Code,
    Line,
    Message,
    Note,
    Section,
    Strong,
    line,
)
from bot.domain.rag import rag_label
from bot.domain.reminders import ChairAlert, ReminderMessage, SendKind
from handlers.application.help import EXAMPLE_UPDATE
from handlers.application.present.buttons import update_choices
from handlers.application.present.phrases import milestone_item, milestone_words
from handlers.application.present.words import format_day, quoted, title


def reminder(content: ReminderMessage) -> Message:
    """What kind of nudge, the action's state, its open milestones, and how to answer."""
    action, today = content.action, content.today
    words = (": ", quoted(action.latest_update)) if action.latest_update else (", no update yet",)
    status = line("Currently ", Strong(rag_label(action.rag).upper()), *words, ".")
    blocks: list[Block] = [Section((_opening(content), status))]
    if milestones := action.open_milestones():
        items = tuple((milestone_item(m, today),) for m in milestones)
        blocks.append(BulletList(line(Strong("Open milestones")), items, run_in=True))
    hint = line("Reply here with an update, e.g. ", Code(EXAMPLE_UPDATE))
    blocks.append(update_choices(action.id, hint))
    return Message(tuple(blocks))


def _opening(content: ReminderMessage) -> Line:
    """What kind of nudge this is, in its first line: that's what a phone notification shows."""
    action, today = content.action, content.today
    about = line(title(action), f" ({content.board_name})")
    review = format_day(content.review_date, with_year=content.review_date.year != today.year)
    if content.kind == SendKind.NUDGE:
        return line(
            *about, " — the review date was ", Strong(review), " and there's no update yet."
        )
    if content.kind == SendKind.MILESTONE and content.milestone is not None:
        step = milestone_words(content.milestone, today)
        return line(*about, " — milestone due: ", Strong(step), ".")
    if content.kind == SendKind.SNOOZE:
        return line(*about, " — as you asked, a reminder: review ", Strong(review), ".")
    return line(*about, " — review ", Strong(review), ".")


def chair_alert(content: ChairAlert) -> Message:
    items = []
    for action, days in content.silent:
        when = format_day(action.review_date) if action.review_date else "no date"
        said = f" — review was {when}, no update for {days} working days · {action.owner_names}"
        items.append((line(title(action), said),))
    heading = f"{content.board_name}: {len(content.silent)} action(s) have gone quiet."
    return Message(
        (
            BulletList(line(Strong(heading)), tuple(items)),
            Note(line("They will show as “no update” in the weekly digest.")),
        )
    )
