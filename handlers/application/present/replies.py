"""Replies to an owner's message or tap: the confirmation, undo, the questions, notices."""

from __future__ import annotations

from bot.content import (
    Aside,
    BulletList,
    Code,
    Line,
    Message,
    Note,
    Plain,
    Section,
    Span,
    Strong,
    joined,
    line,
)
from bot.domain.plan import FieldChange
from bot.domain.replies import (
    ActionChoice,
    AskWhichAction,
    AskWhichDate,
    Notice,
    PlanChanged,
    UpdateRecorded,
    UpdateUndone,
    short_board_name,
)
from handlers.application.present.buttons import date_choices, undo_choices
from handlers.application.present.words import (
    UPDATE_CHARS,
    change,
    changes,
    format_day,
    or_list,
    quoted,
    sentence,
    shown_source,
)


def update_recorded(reply: UpdateRecorded) -> Message:
    """Exactly what was recorded, before → after, each beside the words it was read from."""
    what = Strong(f"{reply.ref} {reply.title}")
    if reply.words_only and reply.changes:
        words = quoted(reply.changes[0].after or "", UPDATE_CHARS)
        said: Section | BulletList = Section(
            (
                line("Noted as the update for ", what, f": {words}."),
                line(Aside("RAG and review date unchanged.")),
            )
        )
    else:
        items = tuple((change(c) + _source(c),) for c in reply.changes)
        nothing = ((line("nothing changed"),),)
        said = BulletList(line("Recorded for ", what, ":"), items or nothing, run_in=True)
    return Message((said, undo_choices(reply.update_id)), brief=True)


def _source(made: FieldChange) -> Line:
    """The owner's words beside what was read from them, so a misreading stands out."""
    source = shown_source(made)
    return line(" ← ", Aside(f"“{source}”")) if source else ()


def update_undone(reply: UpdateUndone) -> Message:
    restored = changes(reply.restored, "nothing to restore")
    said = line("Undone for ", Strong(f"{reply.ref} {reply.title}"), ": ", *restored, ".")
    return Message((Section((said,)),), brief=True)


def plan_changed(reply: PlanChanged) -> Message:
    """A chair's or admin's change: "Added 9 …" for a new action, "Changed 2.3 …" otherwise."""
    created = any(c.field == "created" for c in reply.changes)
    shown = [change(c) for c in reply.changes if c.field not in ("created", "title") or not created]
    verb = "Added" if created else "Changed"
    head = f"{verb} {reply.ref} {reply.title} on {reply.board_name}: "
    return Message((Section((line(head, *joined(shown, "; "), "."),)),), brief=True)


def ask_which_action(question: AskWhichAction) -> Message:
    """The choices, numbered, each with its board when the board is worth saying, and how to
    pick one: its number, its ref, or (a ref on several boards) the ref and the board's name."""
    choices = question.choices
    boards = list(dict.fromkeys(c.board_name for c in choices))
    with_board = len(boards) > 1 or question.not_theirs_here is not None
    items = tuple(
        (line(Strong(c.ref), f" {c.title}", *_board(c.board_name, with_board)),) for c in choices
    )
    return Message(
        (
            BulletList(line(_which_title(question)), items, numbered=True),
            Note(_how_to_pick(choices, boards)),
        )
    )


def _which_title(question: AskWhichAction) -> str:
    missed = (
        f"{quoted(question.unmatched)} doesn't pick one of these. " if question.unmatched else ""
    )
    ref = question.not_theirs_here
    if ref is None:
        return f"{missed}Which action do you mean?"
    these = "this one" if len(question.choices) == 1 else "one of these"
    return f"{missed}You can't change {ref} on this board. Did you mean {these}?"


def _how_to_pick(choices: tuple[ActionChoice, ...], boards: list[str]) -> Line:
    unchanged = " Nothing has been changed yet."
    if len(choices) == 1:
        return line("Reply “yes” or ", Code("1"), " to update it.", unchanged)
    refs = [c.ref for c in choices]
    repeated = next((c for c in choices if refs.count(c.ref) > 1), None)
    if repeated is None:
        example = choices[0].ref if choices else "2.3"
        return line("Reply with the ref, e.g. ", Code(example), ", or its number.", unchanged)
    named = f"{repeated.ref} {short_board_name(repeated.board_name, boards)}"
    return line(
        "Reply with its number, e.g. ",
        Code("1"),
        ", or the ref and the board, e.g. ",
        Code(named),
        ".",
        unchanged,
    )


def _board(name: str, shown: bool) -> tuple[Span, ...]:
    return (Plain(" — "), Aside(name)) if shown else ()


def ask_which_date(question: AskWhichDate) -> Message:
    """Why the date is in doubt, the candidates (a button each) and how else to answer."""
    what = f"milestone {question.milestone}'s due date" if question.milestone else "the review date"
    lines = [sentence(reason) for reason in question.reasons]
    if question.options:
        with_year = len({d.year for d in question.options}) > 1
        days = [format_day(d, with_year=with_year) for d in question.options]
        lines.append(f"For {what}, did you mean {or_list(days)}?")
    else:
        lines.append(f"I couldn't tell what date “{question.phrase}” means for {what}.")
    how = line(
        "Reply with the date (e.g. 30 April), or “keep” to leave it as it is. "
        "Nothing has been changed yet."
    )
    asked = Section((line(" ".join(lines)),))
    return Message((asked, date_choices(question.options, how)), brief=True)


def notice(content: Notice) -> Message:
    return Message((Section((line(content.text),)),), brief=True)


def outcome(reply: object) -> Line | None:
    """What a settled reminder or question says it was answered with; None: say the reply."""
    if isinstance(reply, UpdateRecorded):
        done = changes(reply.changes, "nothing changed", separator=", ")
        return line("Answered: ", *done, ".")
    if isinstance(reply, UpdateUndone):
        done = changes(reply.restored, "nothing to restore", separator=", ")
        return line("Undone: ", *done, ".")
    return None
