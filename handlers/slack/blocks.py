"""Block Kit for everything the bot says: the one place Slack's look and limits live."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from functools import singledispatch
from typing import Any

from bot.domain.digest import Digest, OverdueMilestone
from bot.domain.plan import ActionView, FieldChange, HistoryEntry, MilestoneView
from bot.domain.rag import RAG_ORDER, Rag, rag_label
from bot.domain.reminders import ChairAlert, ReminderMessage, SendKind
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
from handlers.text import (
    BULLET,
    UPDATE_CHARS,
    WORDS_CHARS,
    date_question_lines,
    date_text,
    format_day,
    rag_text,
    render_text,
    shorten,
    shown_source,
)

Block = dict[str, Any]

MAX_BLOCKS = 50
SECTION_CHARS = 3000
HEADER_CHARS = 150
TEXT_CHARS = 40_000
# Slack's limits on interactive elements.
BUTTON_TEXT_CHARS = 75
ACTION_ELEMENTS = 25
# action_ids of the bot's buttons: the Slack app routes presses by these.
TAP_RAG = "tap_rag_"  # + the RAG value: tap_rag_green …
TAP_CHANGE = "tap_change"
TAP_ADD_UPDATE = "tap_add_update"
TAP_SNOOZE = "tap_snooze"
TAP_UNDO = "tap_undo"
TAP_PICK_DATE = "tap_pick_date_"  # + the choice's number; the value is the ISO date
TAP_KEEP_DATE = "tap_keep_date"
KEEP_VALUE = "keep"
OPEN_ADMIN = "open_admin"
SNOOZE_DAYS = 3
_RAG_BUTTONS = (Rag.GREEN, Rag.AMBER, Rag.RED, Rag.COMPLETE)
# Sections one list may fill before the rest is summarised as "…and N more"; a long
# answer is split into several messages (render_pages) rather than cut.
LIST_SECTIONS = 200
ELLIPSIS = "…"

_EMOJI: dict[Rag | None, str] = {
    Rag.RED: ":red_circle:",
    Rag.AMBER: ":large_orange_circle:",
    Rag.GREEN: ":large_green_circle:",
    Rag.NOT_STARTED: ":white_circle:",
    Rag.COMPLETE: ":large_blue_circle:",
    None: ":black_circle:",
}


def escape(text: str) -> str:
    """Slack reads <…> as mentions and links: user words must never become `<!channel>`."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def clip(text: str, limit: int) -> str:
    """Cut to Slack's limit with an ellipsis, never through the middle of an `&amp;`."""
    if len(text) <= limit:
        return text
    cut = text[: limit - len(ELLIPSIS)]
    amp = cut.rfind("&", max(0, len(cut) - 5))
    if amp != -1 and ";" not in cut[amp:]:
        cut = cut[:amp]
    return cut + ELLIPSIS


def fallback_text(content: object) -> str:
    """The notification text: the plain rendering, escaped like the blocks."""
    return clip(escape(render_text(content)), TEXT_CHARS)


def render_blocks(content: object) -> list[Block]:
    """Any reply, answer, reminder or digest as at most 50 blocks, each within its limits."""
    return _fit(_render(content))


def render_pages(content: object) -> list[list[Block]]:
    """A long answer as several messages of at most 50 blocks each, none of it cut."""
    blocks = _render(content)
    if len(blocks) <= MAX_BLOCKS:
        return [blocks]
    size = MAX_BLOCKS - 1  # room for the "part i of n" line
    pages = [blocks[start : start + size] for start in range(0, len(blocks), size)]
    return [
        [*page, context(f"Part {number} of {len(pages)}")]
        for number, page in enumerate(pages, start=1)
    ]


@singledispatch
def _render(content: object) -> list[Block]:
    raise TypeError(f"no Block Kit rendering for {type(content).__name__}")


# --- building blocks ---------------------------------------------------------------------


def header(text: str) -> Block:
    """Plain text is never parsed for mentions; angle brackets are swapped out all the same."""
    shown = text.replace("<", "‹").replace(">", "›")
    return {"type": "header", "text": {"type": "plain_text", "text": clip(shown, HEADER_CHARS)}}


def section(mrkdwn: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": clip(mrkdwn, SECTION_CHARS)}}


def context(mrkdwn: str) -> Block:
    element = {"type": "mrkdwn", "text": clip(mrkdwn, SECTION_CHARS)}
    return {"type": "context", "elements": [element]}


def divider() -> Block:
    return {"type": "divider"}


def button(text: str, action_id: str, value: str, *, style: str | None = None) -> Block:
    shown = {"type": "plain_text", "text": clip(text, BUTTON_TEXT_CHARS), "emoji": True}
    element: Block = {"type": "button", "text": shown, "action_id": action_id, "value": value}
    if style is not None:
        element["style"] = style
    return element


def actions(block_id: str, elements: Sequence[Block]) -> Block:
    return {"type": "actions", "block_id": block_id, "elements": list(elements[:ACTION_ELEMENTS])}


def update_buttons(action_id: int) -> Block:
    """Answer with a tap: the same buttons on a reminder and in the App Home."""
    value = str(action_id)
    rags = [button(rag.label, f"{TAP_RAG}{rag.value}", value) for rag in _RAG_BUTTONS]
    return actions(
        f"tap:{value}",
        [
            *rags,
            button("Change date", TAP_CHANGE, value),
            button("Add update", TAP_ADD_UPDATE, value),
            button(f"Snooze {SNOOZE_DAYS} days", TAP_SNOOZE, value),
        ],
    )


def answered(blocks: Sequence[Block], reply: object) -> list[Block]:
    """A reminder once answered: its words stay, its buttons go, and it says what was done."""
    kept = [b for b in blocks if b.get("type") != "actions" and not _is_reply_hint(b)]
    return _fit([*kept, context(f":white_check_mark: {_outcome(reply)}")])


def _is_reply_hint(block: Block) -> bool:
    elements = block.get("elements") or [{}]
    return block.get("type") == "context" and "Reply" in str(elements[0].get("text", ""))


def _outcome(reply: object) -> str:
    if isinstance(reply, UpdateRecorded):
        return "Answered: " + _changes(reply.changes, "nothing changed") + "."
    if isinstance(reply, UpdateUndone):
        return "Undone: " + _changes(reply.restored, "nothing to restore") + "."
    return escape(render_text(reply))


def listing(title: str, lines: Sequence[str], *, max_sections: int = LIST_SECTIONS) -> list[Block]:
    """A titled list packed into few sections; what does not fit becomes "…and N more"."""
    chunks: list[list[str]] = [[title] if title else []]
    shown = 0
    for line in lines:
        text = clip(line, SECTION_CHARS)
        if chunks[-1] and len("\n".join([*chunks[-1], text])) > SECTION_CHARS:
            if len(chunks) == max_sections:
                break
            chunks.append([])
        chunks[-1].append(text)
        shown += 1
    blocks = [section("\n".join(chunk)) for chunk in chunks if chunk]
    if shown < len(lines):
        blocks.append(context(f"{ELLIPSIS}and {len(lines) - shown} more"))
    return blocks


def _fit(blocks: list[Block]) -> list[Block]:
    """Slack refuses a message of more than 50 blocks; say what was left out instead."""
    if len(blocks) <= MAX_BLOCKS:
        return blocks
    kept = blocks[: MAX_BLOCKS - 1]
    return [*kept, context(f"{ELLIPSIS}and {len(blocks) - len(kept)} more sections not shown")]


# --- shared pieces (public ones are used by home_blocks.py too) ------------------------------


def rag_badge(rag: Rag | None) -> str:
    return _rag(rag)


def action_title(action: ActionView) -> str:
    return _title(action)


def latest_words(action: ActionView) -> str:
    return _words(action)


def rag_counts_line(counts: dict[Rag | None, int]) -> str:
    return _counts(counts)


def _rag(rag: Rag | None) -> str:
    return f"{_EMOJI[rag]} {rag_label(rag)}"


def _title(action: ActionView) -> str:
    return f"*{escape(action.ref)} {escape(action.title)}*"


def _quoted(text: str, limit: int = WORDS_CHARS) -> str:
    return f"“{escape(shorten(text, limit))}”"


def _words(action: ActionView) -> str:
    return _quoted(action.latest_update) if action.latest_update else "_no update yet_"


def _owners(action: ActionView) -> str:
    return escape(action.owner_names)


def _counts(counts: dict[Rag | None, int]) -> str:
    """Every status, even at zero; red in bold because that is where the eye should land."""
    parts = [f"{_EMOJI[rag]} {rag.label} {counts.get(rag, 0)}" for rag in RAG_ORDER]
    if counts.get(None, 0):
        parts.append(f"{_EMOJI[None]} {rag_label(None)} {counts[None]}")
    parts[0] = f"*{parts[0]}*" if counts.get(Rag.RED, 0) else parts[0]
    return "   ".join(parts)


def _value(field: str, value: str | None) -> str:
    """A stored field value as a person reads it: the plain-text renderer's words."""
    if field == "rag":
        return rag_text(value)
    if field == "review_date":
        return date_text(value)
    return shorten(value, WORDS_CHARS) if value else "none"


def _change(change: FieldChange) -> str:
    """Before → after in bold, so the confirmation can be checked at a glance."""
    if change.field == "latest_update":
        return f"update {_quoted(change.after or '', UPDATE_CHARS)}"
    if change.field.startswith("snooze:"):
        until = escape(_value("review_date", change.after))
        return f"reminders paused until *{until}*" if change.after else "reminders resumed"
    if change.field.startswith("milestone_due:"):
        number = change.field.partition(":")[2]
        before, after = date_text(change.before), date_text(change.after)
        return f"milestone {number} due *{before} → {after}*"
    before = escape(_value(change.field, change.before))
    after = escape(_value(change.field, change.after))
    if change.field == "rag":
        return f"*{before.upper()} → {after.upper()}*"
    name = change.field.replace("_", " ").replace(":", " ")
    return f"{escape(name)} *{before} → {after}*"


def _changes(changes: Iterable[FieldChange], empty: str) -> str:
    return ", ".join(_change(c) for c in changes) or empty


def _milestone(milestone: MilestoneView, today: date, *, flag_late: bool = True) -> str:
    when = escape(milestone.date_text) or "no date"
    if milestone.due is not None:
        when = format_day(milestone.due, with_year=milestone.due.year != today.year)
    late = " _(overdue)_" if flag_late and milestone.is_overdue(today) else ""
    return f"{BULLET} {when} – {escape(shorten(milestone.text, WORDS_CHARS))}{late}"


# --- replies -----------------------------------------------------------------------------


@_render.register
def _update_recorded(content: UpdateRecorded) -> list[Block]:
    ref = f"*{escape(content.ref)} {escape(content.title)}*"
    undo = button("Undo", TAP_UNDO, str(content.update_id))
    if content.words_only and content.changes:
        words = _quoted(content.changes[0].after or "", UPDATE_CHARS)
        said = f"Noted as the update for {ref}: {words}\n_RAG and review date unchanged._"
    else:
        lines = [f"{BULLET} {_change(c)}{_source(c)}" for c in content.changes]
        said = "\n".join([f"Recorded for {ref}:", *lines])
    return [
        section(said),
        actions(f"undo:{content.update_id}", [undo]),
        context("Tap Undo, or reply “undo”, to reverse it."),
    ]


def _source(change: FieldChange) -> str:
    """The owner's words beside what was read from them, so a misreading stands out."""
    source = shown_source(change)
    return f"  ← _“{escape(source)}”_" if source else ""


@_render.register
def _ask_which_date(content: AskWhichDate) -> list[Block]:
    """Why the date is in doubt, then one button per candidate and one to keep the date."""
    lines = date_question_lines(content)
    picks = [
        button(format_day(day), f"{TAP_PICK_DATE}{number}", day.isoformat())
        for number, day in enumerate(content.options, start=1)
    ]
    keep = button("Keep the current date", TAP_KEEP_DATE, KEEP_VALUE)
    return [
        section(escape(" ".join(lines[:-1]))),
        actions("pick_date", [*picks, keep]),
        context(escape(lines[-1])),
    ]


@_render.register
def _update_undone(content: UpdateUndone) -> list[Block]:
    what = _changes(content.restored, "nothing to restore")
    return [section(f"Undone for *{escape(content.ref)} {escape(content.title)}*: {what}.")]


@_render.register
def _ask_which_action(content: AskWhichAction) -> list[Block]:
    several_boards = len({c.board_name for c in content.choices}) > 1
    lines = [
        f"{n}. *{escape(c.ref)}* {escape(c.title)}"
        + (f" _({escape(c.board_name)})_" if several_boards else "")
        for n, c in enumerate(content.choices, start=1)
    ]
    example = escape(content.choices[0].ref) if content.choices else "2.3"
    return [
        *listing("Which action do you mean?", lines),
        context(f"Reply with the ref, e.g. `{example}`"),
    ]


@_render.register
def _plain(content: Notice | RagHelp | PlanChanged) -> list[Block]:
    return [section(escape(render_text(content)))]


# --- /rag answers ------------------------------------------------------------------------


def _workstream_line(line: WorkstreamLine) -> str:
    numbered = line.ref is None or line.name.split(" ", 1)[0] == line.ref
    name = line.name if numbered else f"{line.ref} {line.name}"
    order: list[Rag | None] = [*RAG_ORDER, None]
    counts = " · ".join(f"{rag_label(r)} {line.counts[r]}" for r in order if line.counts.get(r))
    return f"{BULLET} {escape(name)} — {counts} ({line.total})"


def _red_line(action: ActionView) -> str:
    return f"{BULLET} {_title(action)} — {_owners(action)}: {_words(action)}"


@_render.register
def _board_summary(content: BoardSummary) -> list[Block]:
    overdue = f" · {content.overdue} past review date" if content.overdue else ""
    blocks = [
        header(f"{content.board_name} — RAG"),
        context(f"{format_day(content.today)} · {content.total} actions{overdue}"),
        section(_counts(content.counts)),
    ]
    if content.workstreams:
        blocks += listing("*Workstreams*", [_workstream_line(w) for w in content.workstreams])
    blocks.append(divider())
    if content.red:
        blocks += listing(f"*Red ({len(content.red)})*", [_red_line(a) for a in content.red])
    else:
        blocks.append(section("Nothing is red."))
    return blocks


def _list_item(action: ActionView, today: date) -> str:
    review = "no review date"
    if action.review_date is not None:
        late = " _(overdue)_" if action.is_overdue(today) else ""
        review = f"review {format_day(action.review_date)}{late}"
    head = f"{BULLET} {_title(action)} — {_rag(action.rag)} · {review} · {_owners(action)}"
    return f"{head}\n      {_words(action)}"


@_render.register
def _action_list(content: ActionList) -> list[Block]:
    title = f"*{escape(content.board_name)}: {escape(content.title)}*"
    if not content.actions:
        return [section(f"{title}\n{escape(content.empty_text)}")]
    lines = [_list_item(a, content.today) for a in content.actions]
    return listing(f"{title} ({len(lines)})", lines)


def _review(action: ActionView, today: date) -> str:
    if action.review_date is None:
        return escape(action.review_date_text or "no date set")
    written = (action.review_date_text or "").strip()
    shown = format_day(action.review_date)
    note = f" (written “{escape(written)}”)" if written and written != shown else ""
    late = " — *overdue*" if action.is_overdue(today) else ""
    return f"{shown}{note}{late}"


def _history_line(entry: HistoryEntry) -> str:
    who = escape(entry.who or "someone")
    what = _changes(entry.changes, _quoted(entry.text) if entry.text else "")
    flags = " _(undone)_" if entry.undone else ""
    kind = "undo" if entry.is_undo else "via"
    day = format_day(entry.at.date())
    return f"{BULLET} {day} — {who} {kind} {escape(entry.source)}: {what}{flags}"


def _latest(action: ActionView) -> str:
    if not action.latest_update:
        return "*Latest update:* none yet"
    when = f" ({format_day(action.latest_update_at.date())})" if action.latest_update_at else ""
    return f"*Latest update{when}:* {_quoted(action.latest_update, UPDATE_CHARS)}"


@_render.register
def _action_detail(content: ActionDetail) -> list[Block]:
    action, today = content.action, content.today
    where = escape(content.board_name)
    if action.workstream:
        where += f" · Workstream: {escape(action.workstream)}"
    owners = ", ".join(escape(f"{o.name} ({o.role})" if o.role else o.name) for o in action.owners)
    facts = [
        f"*RAG:* {_rag(action.rag)}",
        f"*Review:* {_review(action, today)}",
        f"*Owners:* {owners or 'no owner'}",
    ]
    blocks = [header(f"{action.ref} {action.title}"), context(where), section("\n".join(facts))]
    if milestones := action.open_milestones():
        blocks += listing("*Open milestones*", [_milestone(m, today) for m in milestones])
    blocks.append(section(_latest(action)))
    if content.history:
        blocks.append(divider())
        lines = [_history_line(e) for e in content.history]
        blocks += listing("*History* (newest first)", lines)
    return blocks


# --- reminders and the digest --------------------------------------------------------------


@_render.register
def _reminder(content: ReminderMessage) -> list[Block]:
    action, today = content.action, content.today
    status = f"Currently *{rag_label(action.rag).upper()}*"
    words = f": {_quoted(action.latest_update)}" if action.latest_update else ", no update yet"
    blocks = [section(f"{_reminder_opening(content)}\n{status}{words}.")]
    if milestones := action.open_milestones():
        blocks += listing("*Open milestones*", [_milestone(m, today) for m in milestones])
    example = EXAMPLE_UPDATE
    blocks.append(update_buttons(action.id))
    blocks.append(context(f"Reply here with an update, e.g. `{example}`"))
    return blocks


def _reminder_opening(content: ReminderMessage) -> str:
    """Which kind of nudge this is comes first: it is what a phone notification shows."""
    action, today = content.action, content.today
    title = f"{_title(action)} ({escape(content.board_name)})"
    review = format_day(content.review_date, with_year=content.review_date.year != today.year)
    if content.kind == SendKind.NUDGE:
        return f"{title} — the review date was *{review}* and there's no update yet."
    if content.kind == SendKind.MILESTONE and content.milestone is not None:
        step = _milestone(content.milestone, today, flag_late=False).removeprefix(f"{BULLET} ")
        return f"{title} — milestone due: *{step}*."
    if content.kind == SendKind.SNOOZE:
        return f"{title} — as you asked, a reminder: review *{review}*."
    return f"{title} — review *{review}*."


@_render.register
def _chair_alert(content: ChairAlert) -> list[Block]:
    lines = []
    for action, days in content.silent:
        when = format_day(action.review_date) if action.review_date else "no date"
        lines.append(
            f"{BULLET} {_title(action)} — review was {when}, "
            f"no update for {days} working days · {_owners(action)}"
        )
    count = len(content.silent)
    title = f"*{escape(content.board_name)}: {count} action(s) have gone quiet.*"
    return [
        *listing(title, lines),
        context("They will show as “no update” in the weekly digest."),
    ]


def _overdue_milestone(item: OverdueMilestone, today: date) -> str:
    step = _milestone(item.milestone, today, flag_late=False).removeprefix(f"{BULLET} ")
    return f"{BULLET} {_title(item.action)}: {step}"


def _dated(action: ActionView, label: str) -> str:
    when = format_day(action.review_date) if action.review_date else "no date"
    return f"{BULLET} {_title(action)} — {label} {when} · {_owners(action)}"


def _digest_sections(content: Digest) -> list[tuple[str, list[str]]]:
    today = content.today
    newly_red = [f"{BULLET} {_title(a)} — {_owners(a)}" for a in content.newly_red]
    recovered = [f"{BULLET} {_title(a)} — now {_rag(a.rag)}" for a in content.recovered]
    return [
        ("Newly red this week", newly_red),
        ("Recovered", recovered),
        ("Overdue milestones", [_overdue_milestone(m, today) for m in content.overdue_milestones]),
        ("Past review date with no update", [_dated(a, "review was") for a in content.no_update]),
        ("Reviews due this week", [_dated(a, "review") for a in content.reviews_due_this_week]),
    ]


def _digest_counts(content: Digest) -> str:
    """Totals with the change since the last digest: "Red 8 (+1)"."""
    order: list[Rag | None] = [*RAG_ORDER, None]
    parts = []
    for rag in order:
        count = content.counts.get(rag, 0)
        if rag is None and not count:
            continue
        part = f"{_EMOJI[rag]} {rag_label(rag)} {count}{content.change_label(rag)}"
        parts.append(f"*{part}*" if rag is Rag.RED and count else part)
    return "   ".join(parts)


def _digest_red_line(content: Digest, action: ActionView) -> str:
    label = content.red_for_label(action)
    return f"{_red_line(action)} _({label})_" if label else _red_line(action)


@_render.register
def _digest(content: Digest) -> list[Block]:
    blocks = [
        header(f"{content.board_name} — weekly digest"),
        context(format_day(content.today)),
        section(_digest_counts(content)),
        divider(),
    ]
    if content.red:
        red = [_digest_red_line(content, a) for a in content.red]
        blocks += listing(f"*Red ({len(content.red)})*", red)
    else:
        blocks.append(section("Nothing is red."))
    for title, lines in _digest_sections(content):
        if lines:
            blocks += listing(f"*{title} ({len(lines)})*", lines, max_sections=3)
    if content.is_quiet:
        blocks.append(context("A quiet week: nothing red, overdue or changed."))
    return blocks
