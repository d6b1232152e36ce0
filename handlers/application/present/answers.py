"""Answers to `/rag`: the board at a glance, lists of actions, one action, what /rag can do."""

from __future__ import annotations

from datetime import date

from bot.content import (
    Aside,
    Badge,
    Block,
    BulletList,
    Divider,
    Fields,
    Header,
    Line,
    Message,
    More,
    Note,
    Section,
    Strong,
    line,
)
from bot.domain.plan import ActionView, HistoryEntry
from bot.domain.rag import RAG_ORDER, Rag, rag_label
from bot.domain.summary import ActionDetail, ActionList, BoardSummary, RagHelp, WorkstreamLine
from handlers.application.present.phrases import (
    board_counts,
    milestone_item,
    overdue_mark,
    red_item,
    words,
)
from handlers.application.present.words import UPDATE_CHARS, changes, format_day, quoted, title

CREATED = "created"
LATEST_UPDATE = "latest_update"
# History entries written by a plan import (storage's IMPORT_SOURCE): no person behind them.
IMPORT_SOURCE = "import"
CLI_SOURCE = "cli"  # changes made with the `actionbot` command, with no person behind them

HELP_LINES = (
    "/rag — the board at a glance: totals, workstreams, the red list",
    "/rag red — the red actions",
    "/rag overdue — open actions past their review date",
    "/rag 2.3 — one action with its history",
    "/rag @name — the actions someone owns",
    "/rag workstream 4 — one workstream, by number or name",
)


def board_summary(answer: BoardSummary) -> Message:
    """The totals, the workstreams, then what is red: the chair's first question."""
    overdue = f" · {answer.overdue} past review date" if answer.overdue else ""
    blocks: list[Block] = [
        Header(f"{answer.board_name} — RAG on {format_day(answer.today)}"),
        Note(line(f"{answer.total} actions{overdue}")),
        board_counts(answer.counts),
    ]
    if answer.workstreams:
        streams = tuple((_workstream(w),) for w in answer.workstreams)
        blocks += [Divider(), BulletList(line(Strong("Workstreams")), streams)]
    blocks.append(Divider())
    if answer.red:
        red = tuple((red_item(a),) for a in answer.red)
        blocks.append(BulletList(line(Strong(f"Red ({answer.red_total})")), red))
        if answer.red_total > len(answer.red):
            blocks.append(_rest(answer.red_total - len(answer.red), "red", "/rag red"))
    else:
        blocks.append(Section((line("Nothing is red."),)))
    return Message(tuple(blocks))


def _workstream(stream: WorkstreamLine) -> Line:
    numbered = stream.ref is None or stream.name.split(" ", 1)[0] == stream.ref
    name = stream.name if numbered else f"{stream.ref} {stream.name}"
    order: list[Rag | None] = [*RAG_ORDER, None]
    counts = " · ".join(f"{rag_label(r)} {stream.counts[r]}" for r in order if stream.counts.get(r))
    return line(f"{name} — {counts} ({stream.total})")


def action_list(answer: ActionList) -> Message:
    heading = Strong(f"{answer.board_name}: {answer.title}")
    if not answer.actions:
        return Message((Section((line(heading), line(answer.empty_text))),))
    items = tuple(_list_item(a, answer.today) for a in answer.actions)
    blocks: list[Block] = [BulletList(line(heading, f" ({answer.count})"), items)]
    if answer.count > len(items):
        blocks.append(_rest(answer.count - len(items), "", "`actionbot export` lists them all"))
    return Message(tuple(blocks))


def _rest(count: int, what: str, hint: str) -> More:
    """A big board's list is shown a page at a time: the rest is counted, and where to look."""
    return More(count, what, line(hint))


def _list_item(action: ActionView, today: date) -> tuple[Line, ...]:
    review: Line = line("no review date")
    if action.review_date is not None:
        review = line(f"review {format_day(action.review_date)}", *overdue_mark(action, today))
    facts = line(title(action), " — ", Badge(action.rag), " · ", *review)
    return (line(*facts, f" · {action.owner_names}"), words(action))


def action_detail(answer: ActionDetail) -> Message:
    """One action: its facts, open milestones, latest words, then its history, newest first."""
    action, today = answer.action, answer.today
    rows: list[tuple[str, Line]] = []
    if action.workstream:
        rows.append(("Workstream", line(action.workstream)))
    rows += [
        ("RAG", line(Badge(action.rag))),
        ("Review", _review(action, today)),
        ("Owners", line(_owners(action))),
    ]
    blocks: list[Block] = [
        Header(f"{action.ref} {action.title} — {answer.board_name}"),
        Fields(tuple(rows)),
    ]
    if milestones := action.open_milestones():
        items = tuple((milestone_item(m, today),) for m in milestones)
        blocks.append(BulletList(line(Strong("Open milestones")), items))
    blocks.append(Fields((_latest(action),)))
    if answer.history:
        history = tuple((_history_item(e),) for e in answer.history)
        title_line = line(Strong("History"), " (newest first)")
        blocks += [Divider(), BulletList(title_line, history)]
    return Message(tuple(blocks))


def _review(action: ActionView, today: date) -> Line:
    if action.review_date is None:
        return line(action.review_date_text or "no date set")
    shown = format_day(action.review_date)
    written = (action.review_date_text or "").strip()
    note = f" (written “{written}”)" if written and written != shown else ""
    late = (" — ", Strong("overdue")) if action.is_overdue(today) else ()
    return line(f"{shown}{note}", *late)


def _owners(action: ActionView) -> str:
    names = [f"{o.name} ({o.role})" if o.role else o.name for o in action.owners]
    return ", ".join(names) or "no owner"


def _latest(action: ActionView) -> tuple[str, Line]:
    if not action.latest_update:
        return ("Latest update", line("none yet"))
    when = f" ({format_day(action.latest_update_at.date())})" if action.latest_update_at else ""
    return (f"Latest update{when}", line(quoted(action.latest_update, UPDATE_CHARS)))


def _history_item(entry: HistoryEntry) -> Line:
    """One entry as a sentence: "Vel Kenny: RAG Red → Amber, on Mon 30 Nov 2026 — “…”"."""
    when = format_day(entry.at.date())
    created = any(c.field == CREATED for c in entry.changes)
    # A new action's fields are the action itself (shown above); a new update's words are
    # quoted once at the end, not listed as a change.
    listed = [] if created else [c for c in entry.changes if c.field != LATEST_UPDATE]
    said = _history_words(entry, created)
    head = line(_history_who(entry, created))
    if listed:
        head = line(*head, ": ", *changes(listed, "", separator=", "), f", on {when}")
    else:
        head = line(*head, f" on {when}")
    if said:
        head = line(*head, f" — {quoted(said)}")
    flags = line(" ", Aside("(undone)")) if entry.undone else ()
    return line(*head, *flags)


def _history_who(entry: HistoryEntry, created: bool) -> str:
    """Who or what made the entry, and how, as the start of a sentence."""
    if entry.source == IMPORT_SOURCE:
        said = " ".join((entry.text or "").split())
        start = said if said.casefold().startswith("imported") else "imported"
        start = start[:1].upper() + start[1:]
        return f"{start} by {entry.who}" if entry.who else start
    if entry.source == CLI_SOURCE and not entry.who:
        return "Changed with the actionbot command"
    if entry.is_undo:
        return f"{entry.author} undid an update"
    if created:
        return f"{entry.author} added this action"
    return entry.author


def _history_words(entry: HistoryEntry, created: bool) -> str | None:
    """The words of an update: the new latest update, else what was typed if nothing changed."""
    if created or entry.is_undo:
        return None
    written = next((c.after for c in entry.changes if c.field == LATEST_UPDATE), None)
    if written:
        return written
    if entry.source == IMPORT_SOURCE or entry.changes:
        return None
    return entry.text or None


def rag_help(answer: RagHelp) -> Message:
    where = f" ({answer.board_name})" if answer.board_name else ""
    lines = [answer.problem] if answer.problem else []
    lines += [f"What /rag can show{where}:", *HELP_LINES]
    return Message((Section(tuple(line(text) for text in lines)),))
