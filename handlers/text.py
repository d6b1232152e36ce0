"""Plain-text rendering of everything the bot says: the console, and Slack's fallback text."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from functools import singledispatch

from bot.domain.digest import Digest, OverdueMilestone
from bot.domain.plan import ActionView, FieldChange, HistoryEntry, MilestoneView
from bot.domain.rag import RAG_ORDER, Rag, rag_label
from bot.domain.reminders import ChairAlert, ReminderMessage
from bot.domain.replies import (
    AskWhichAction,
    AskWhichDate,
    Notice,
    PlanChanged,
    UpdateRecorded,
    UpdateUndone,
)
from bot.domain.summary import ActionDetail, ActionList, BoardSummary, RagHelp, WorkstreamLine
from handlers.application.help import EXAMPLE_UPDATE

_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
UPDATE_CHARS = 300
WORDS_CHARS = 160
BULLET = "•"


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


@singledispatch
def render_text(content: object) -> str:
    """Draw any reply, answer, reminder or digest as compact plain text."""
    raise TypeError(f"no plain-text rendering for {type(content).__name__}")


# --- replies -----------------------------------------------------------------------------


@render_text.register
def _update_recorded(content: UpdateRecorded) -> str:
    if content.words_only and content.changes:
        words = quoted(content.changes[0].after or "", UPDATE_CHARS)
        return (
            f"Noted as the update for {content.ref} {content.title}: {words}. RAG and review "
            "date unchanged. Reply “undo” to reverse it."
        )
    changes = "; ".join(_change(c) + _source(c) for c in content.changes) or "nothing changed"
    return f"Recorded for {content.ref} {content.title}: {changes}. Reply “undo” to reverse it."


def shown_source(change: FieldChange) -> str | None:
    """The owner's words behind a change, unless they just repeat it ("amber" → Amber)."""
    source = " ".join((change.source or "").split())
    if not source or source.casefold() == rag_text(change.after).casefold():
        return None
    return shorten(source, WORDS_CHARS)


def _source(change: FieldChange) -> str:
    source = shown_source(change)
    return f" ← “{source}”" if source else ""


@render_text.register
def _plan_changed(content: PlanChanged) -> str:
    """A chair's or admin's change: "Added 9 …" for a new action, "Changed 2.3 …" otherwise."""
    created = any(c.field == "created" for c in content.changes)
    shown = [
        _change(c) for c in content.changes if c.field not in ("created", "title") or not created
    ]
    verb = "Added" if created else "Changed"
    return f"{verb} {content.ref} {content.title} on {content.board_name}: {'; '.join(shown)}."


@render_text.register
def _update_undone(content: UpdateUndone) -> str:
    restored = "; ".join(_change(c) for c in content.restored) or "nothing to restore"
    return f"Undone for {content.ref} {content.title}: {restored}."


@render_text.register
def _ask_which_action(content: AskWhichAction) -> str:
    boards = {choice.board_name for choice in content.choices}
    lines = ["Which action do you mean?"]
    for number, choice in enumerate(content.choices, start=1):
        where = f" ({choice.board_name})" if len(boards) > 1 else ""
        lines.append(f"{number}. {choice.ref} {choice.title}{where}")
    example = content.choices[0].ref if content.choices else "2.3"
    lines.append(f"Reply with the ref, e.g. {example}")
    return "\n".join(lines)


@render_text.register
def _ask_which_date(content: AskWhichDate) -> str:
    return " ".join(date_question_lines(content))


def date_question_lines(content: AskWhichDate) -> list[str]:
    """Why the date is in doubt, the candidates, and how to answer; shared with Block Kit."""
    what = f"milestone {content.milestone}'s due date" if content.milestone else "the review date"
    lines = [_sentence(reason) for reason in content.reasons]
    if content.options:
        with_year = len({d.year for d in content.options}) > 1
        days = [format_day(d, with_year=with_year) for d in content.options]
        lines.append(f"For {what}, did you mean {_or_list(days)}?")
    else:
        lines.append(f"I couldn't tell what date “{content.phrase}” means for {what}.")
    lines.append(
        "Reply with the date (e.g. 30 April), or “keep” to leave it as it is. "
        "Nothing has been changed yet."
    )
    return lines


def _sentence(text: str) -> str:
    text = text.strip()
    text = text[:1].upper() + text[1:]
    return text if text.endswith((".", "?", "!")) else text + "."


@render_text.register
def _notice(content: Notice) -> str:
    return content.text


def _or_list(items: Sequence[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} or {items[-1]}"


def _change(change: FieldChange) -> str:
    """One field's before → after, in the words a person would use."""
    if change.field == "rag":
        return f"RAG {rag_text(change.before)} → {rag_text(change.after)}"
    if change.field == "review_date":
        return f"review date {date_text(change.before)} → {date_text(change.after)}"
    if change.field == "latest_update":
        return f"update {quoted(change.after or '', UPDATE_CHARS)}"
    if change.field.startswith("snooze:"):
        return (
            f"reminders paused until {date_text(change.after)}"
            if change.after
            else ("reminders resumed")
        )
    if change.field.startswith("milestone_due:"):
        number = change.field.partition(":")[2]
        return f"milestone {number} due {date_text(change.before)} → {date_text(change.after)}"
    if change.field.startswith("milestone:"):
        number = change.field.partition(":")[2]
        return f"milestone {number}: {_plain(change.before)} → {_plain(change.after)}"
    name = change.field.replace("_", " ")
    return f"{name} {_plain(change.before)} → {_plain(change.after)}"


def rag_text(value: str | None) -> str:
    """A stored RAG as a person reads it (shared with the Block Kit renderer)."""
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


# --- /rag answers --------------------------------------------------------------------------


def counts_line(counts: dict[Rag | None, int]) -> str:
    """Every status, even at zero, so the eye compares like with like; No RAG only if any."""
    parts = [f"{rag.label} {counts.get(rag, 0)}" for rag in RAG_ORDER]
    if counts.get(None, 0):
        parts.append(f"{rag_label(None)} {counts[None]}")
    return " · ".join(parts)


def _compact_counts(counts: dict[Rag | None, int]) -> str:
    order: list[Rag | None] = [*RAG_ORDER, None]
    return " · ".join(f"{rag_label(r)} {counts[r]}" for r in order if counts.get(r, 0))


def _workstream_line(line: WorkstreamLine) -> str:
    numbered = line.ref is None or line.name.split(" ", 1)[0] == line.ref
    name = line.name if numbered else f"{line.ref} {line.name}"
    return f"{BULLET} {name} — {_compact_counts(line.counts)} ({line.total})"


def _words(action: ActionView) -> str:
    return quoted(action.latest_update) if action.latest_update else "no update yet"


def _who_line(action: ActionView) -> str:
    return f"{BULLET} {action.ref} {action.title} — {action.owner_names}"


def _red_line(action: ActionView) -> str:
    return f"{BULLET} {action.ref} {action.title} — {action.owner_names}: {_words(action)}"


@render_text.register
def _board_summary(content: BoardSummary) -> str:
    overdue = f"; {content.overdue} past review date" if content.overdue else ""
    lines = [
        f"{content.board_name} — RAG on {format_day(content.today)}",
        f"{counts_line(content.counts)} ({content.total} actions{overdue})",
    ]
    if content.workstreams:
        lines += ["", "Workstreams:", *(_workstream_line(w) for w in content.workstreams)]
    lines.append("")
    if content.red:
        lines += [f"Red ({len(content.red)}):", *(_red_line(a) for a in content.red)]
    else:
        lines.append("Nothing is red.")
    return "\n".join(lines)


def _list_item(action: ActionView, today: date) -> str:
    review = "no review date"
    if action.review_date is not None:
        late = " (overdue)" if action.is_overdue(today) else ""
        review = f"review {format_day(action.review_date)}{late}"
    head = f"{BULLET} {action.ref} {action.title} — {rag_label(action.rag)} · {review}"
    return f"{head} · {action.owner_names}\n    {_words(action)}"


@render_text.register
def _action_list(content: ActionList) -> str:
    heading = f"{content.board_name}: {content.title}"
    if not content.actions:
        return f"{heading}\n{content.empty_text}"
    items = (_list_item(a, content.today) for a in content.actions)
    return "\n".join([f"{heading} ({len(content.actions)}):", *items])


def _review_text(action: ActionView, today: date) -> str:
    if action.review_date is None:
        return f"Review: {action.review_date_text or 'no date set'}"
    shown = format_day(action.review_date)
    written = (action.review_date_text or "").strip()
    note = f" (written “{written}”)" if written and written != shown else ""
    late = " — overdue" if action.is_overdue(today) else ""
    return f"Review: {shown}{note}{late}"


def _owners_text(action: ActionView) -> str:
    names = [f"{o.name} ({o.role})" if o.role else o.name for o in action.owners]
    return f"Owners: {', '.join(names) or 'no owner'}"


def _milestone_text(milestone: MilestoneView, today: date, *, flag_late: bool = True) -> str:
    """A dated step; the year is shown only when it is not this year."""
    when = milestone.date_text or "no date"
    if milestone.due is not None:
        when = format_day(milestone.due, with_year=milestone.due.year != today.year)
    late = " (overdue)" if flag_late and milestone.is_overdue(today) else ""
    return f"{when} – {shorten(milestone.text, WORDS_CHARS)}{late}"


def _history_line(entry: HistoryEntry) -> str:
    who = entry.author
    what = "; ".join(_change(c) for c in entry.changes)
    if not what and entry.text:
        what = quoted(entry.text)
    flags = " (undone)" if entry.undone else ""
    kind = "undo" if entry.is_undo else "via"
    return f"{BULLET} {format_day(entry.at.date())} — {who} {kind} {entry.source}: {what}{flags}"


@render_text.register
def _action_detail(content: ActionDetail) -> str:
    action, today = content.action, content.today
    lines = [f"{action.ref} {action.title} — {content.board_name}"]
    if action.workstream:
        lines.append(f"Workstream: {action.workstream}")
    lines += [f"RAG: {rag_label(action.rag)}", _review_text(action, today), _owners_text(action)]
    if milestones := action.open_milestones():
        lines.append("Open milestones:")
        lines += [f"{BULLET} {_milestone_text(m, today)}" for m in milestones]
    lines.append(_latest_text(action))
    if content.history:
        lines += ["History (newest first):", *(_history_line(e) for e in content.history)]
    return "\n".join(lines)


def _latest_text(action: ActionView) -> str:
    if not action.latest_update:
        return "Latest update: none yet"
    when = f" ({format_day(action.latest_update_at.date())})" if action.latest_update_at else ""
    return f"Latest update{when}: {quoted(action.latest_update, UPDATE_CHARS)}"


_HELP_LINES = (
    "/rag — the board at a glance: totals, workstreams, the red list",
    "/rag red — the red actions",
    "/rag overdue — open actions past their review date",
    "/rag 2.3 — one action with its history",
    "/rag @name — the actions someone owns",
    "/rag workstream 4 — one workstream, by number or name",
)


@render_text.register
def _rag_help(content: RagHelp) -> str:
    lines = [content.problem] if content.problem else []
    where = f" ({content.board_name})" if content.board_name else ""
    lines += [f"What /rag can show{where}:", *_HELP_LINES]
    return "\n".join(lines)


# --- reminders and the digest ---------------------------------------------------------------


@render_text.register
def _reminder(content: ReminderMessage) -> str:
    action, today = content.action, content.today
    status = f"Currently {rag_label(action.rag).upper()}"
    words = f": {quoted(action.latest_update)}" if action.latest_update else ", no update yet"
    lines = [_reminder_opening(content), f"{status}{words}."]
    if milestones := action.open_milestones():
        lines.append(
            f"Open milestones: {'; '.join(_milestone_text(m, today) for m in milestones)}."
        )
    lines.append(f"Reply here with an update, e.g. {EXAMPLE_UPDATE}")
    return "\n".join(lines)


def _reminder_opening(content: ReminderMessage) -> str:
    """What kind of nudge this is, in its first line: that's what a phone notification shows."""
    action, today = content.action, content.today
    title = f"{action.ref} {action.title} ({content.board_name})"
    review = format_day(content.review_date, with_year=content.review_date.year != today.year)
    if content.kind == "nudge":
        return f"{title} — the review date was {review} and there's no update yet."
    if content.kind == "milestone" and content.milestone is not None:
        step = _milestone_text(content.milestone, today, flag_late=False)
        return f"{title} — milestone due: {step}."
    if content.kind == "snooze":
        return f"{title} — as you asked, a reminder: review {review}."
    return f"{title} — review {review}."


@render_text.register
def _chair_alert(content: ChairAlert) -> str:
    lines = [f"{content.board_name}: {len(content.silent)} action(s) have gone quiet."]
    for action, days in content.silent:
        when = format_day(action.review_date) if action.review_date else "no date"
        lines.append(
            f"{BULLET} {action.ref} {action.title} — review was {when}, "
            f"no update for {days} working days · {action.owner_names}"
        )
    lines.append("They will show as “no update” in the weekly digest.")
    return "\n".join(lines)


def _section(title: str, lines: Iterable[str]) -> list[str]:
    items = list(lines)
    return ["", f"{title} ({len(items)}):", *items] if items else []


def _milestone_line(item: OverdueMilestone, today: date) -> str:
    action = item.action
    step = _milestone_text(item.milestone, today, flag_late=False)
    return f"{BULLET} {action.ref} {action.title}: {step}"


def _dated_line(action: ActionView, label: str) -> str:
    when = format_day(action.review_date) if action.review_date else "no date"
    return f"{BULLET} {action.ref} {action.title} — {label} {when} · {action.owner_names}"


def _digest_counts(content: Digest) -> str:
    """Totals with the change since the last digest: "Red 8 (+1) · Amber 18 (−1)"."""
    parts = []
    order: list[Rag | None] = [*RAG_ORDER, None]
    for rag in order:
        count = content.counts.get(rag, 0)
        if rag is None and not count:
            continue
        parts.append(f"{rag_label(rag)} {count}{content.change_label(rag)}")
    return " · ".join(parts)


def _digest_red_line(content: Digest, action: ActionView) -> str:
    label = content.red_for_label(action)
    return f"{_red_line(action)} ({label})" if label else _red_line(action)


@render_text.register
def _digest(content: Digest) -> str:
    today = content.today
    lines = [
        f"{content.board_name} — weekly digest, {format_day(today)}",
        _digest_counts(content),
    ]
    if content.red:
        lines += _section("Red", (_digest_red_line(content, a) for a in content.red))
    else:
        lines += ["", "Nothing is red."]
    lines += _section("Newly red this week", (_who_line(a) for a in content.newly_red))
    recovered = (f"{BULLET} {a.ref} {a.title} — now {rag_label(a.rag)}" for a in content.recovered)
    lines += _section("Recovered", recovered)
    milestones = (_milestone_line(m, today) for m in content.overdue_milestones)
    lines += _section("Overdue milestones", milestones)
    silent = (_dated_line(a, "review was") for a in content.no_update)
    lines += _section("Past review date with no update", silent)
    due = (_dated_line(a, "review") for a in content.reviews_due_this_week)
    lines += _section("Reviews due this week", due)
    if content.is_quiet:
        lines += ["", "A quiet week: nothing red, overdue or changed."]
    return "\n".join(lines)
