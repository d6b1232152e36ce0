"""The `/rag` query language and the answers a chair reads, as plain data."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from functools import lru_cache
from typing import Protocol

from bot.domain.plan import ActionView, BoardPlan, HistoryEntry, PersonRef
from bot.domain.rag import RAG_ORDER, Rag

MAX_QUERY_CHARS = 500
# Actions a list shows before counting the rest: more than any message has room for, few
# enough that a 100,000-action board's red list is read in full only for these.
LIST_PAGE = 100

_REF = re.compile(r"(?:action\s+)?(\d+(?:\.\d+)*)", re.IGNORECASE | re.ASCII)
_WORKSTREAM = re.compile(r"(?:workstream|ws)\s+(.+)", re.IGNORECASE)
_MENTION = re.compile(r"<@([^>]*)>?")
_CHUNKS = re.compile(r"\d+|\D+", re.ASCII)
_BOARD_WORDS = frozenset({"", "all", "board", "summary"})
_HELP_WORDS = frozenset({"help", "?"})


class RagQueryKind(StrEnum):
    BOARD = "board"
    RED = "red"
    OVERDUE = "overdue"
    ACTION = "action"
    PERSON = "person"
    WORKSTREAM = "workstream"
    HELP = "help"


@dataclass(frozen=True)
class RagQuery:
    kind: RagQueryKind
    arg: str | None = None


def parse_rag_query(text: str) -> RagQuery:
    """Read what a chair typed after `/rag`; anything unclear becomes HELP, never an error."""
    raw = " ".join(text[:MAX_QUERY_CHARS].split())
    word = raw.casefold()
    if word in _BOARD_WORDS:
        return RagQuery(RagQueryKind.BOARD)
    if word == "red":
        return RagQuery(RagQueryKind.RED)
    if word == "overdue":
        return RagQuery(RagQueryKind.OVERDUE)
    if word in _HELP_WORDS:
        return RagQuery(RagQueryKind.HELP)
    return _parse_argument(raw)


def _parse_argument(raw: str) -> RagQuery:
    """The forms that carry an argument: a ref, a person or a workstream."""
    if ref := _REF.fullmatch(raw):
        return RagQuery(RagQueryKind.ACTION, ref.group(1))
    if raw.startswith("<@") and (mention := _MENTION.match(raw)) and mention.group(1).strip():
        return RagQuery(RagQueryKind.PERSON, mention.group(1).strip())
    if raw.startswith("@") and raw[1:].strip():
        return RagQuery(RagQueryKind.PERSON, raw[1:].strip())
    if workstream := _WORKSTREAM.fullmatch(raw):
        return RagQuery(RagQueryKind.WORKSTREAM, workstream.group(1).strip())
    return RagQuery(RagQueryKind.HELP, raw)


@dataclass(frozen=True)
class WorkstreamLine:
    ref: str | None
    name: str
    counts: dict[Rag | None, int]
    total: int


@dataclass(frozen=True)
class BoardSummary:
    board_name: str
    today: date
    counts: dict[Rag | None, int]
    total: int
    workstreams: tuple[WorkstreamLine, ...]
    red: tuple[ActionView, ...]  # the first LIST_PAGE in plan order
    overdue: int
    red_total: int = 0


@dataclass(frozen=True)
class ActionList:
    board_name: str
    title: str
    actions: tuple[ActionView, ...]
    today: date
    empty_text: str
    # How many the list has in all, where `actions` is only its first page (a big board).
    total: int | None = None

    @property
    def count(self) -> int:
        return len(self.actions) if self.total is None else self.total


@dataclass(frozen=True)
class ActionDetail:
    board_name: str
    action: ActionView
    history: tuple[HistoryEntry, ...]  # newest first
    today: date


@dataclass(frozen=True)
class RagHelp:
    board_name: str | None
    problem: str | None


RagAnswer = BoardSummary | ActionList | ActionDetail | RagHelp

RefKey = tuple[tuple[int, int, str], ...]


@lru_cache(maxsize=200_000)
def natural_ref_key(ref: str) -> RefKey:
    """Order refs as people read them: 1.9 before 1.10, 2 before 10. Cached: a big board's
    summary orders the same refs request after request."""
    return tuple(
        (0, int(chunk), "") if chunk.isdigit() else (1, 0, chunk.casefold())
        for chunk in _CHUNKS.findall(ref.strip())
    )


class Placed(Protocol):
    """Where an action sits in the plan: all that ordering needs (a view, or a row of refs)."""

    @property
    def ref(self) -> str: ...

    @property
    def workstream_ref(self) -> str | None: ...

    @property
    def workstream(self) -> str | None: ...


@dataclass(frozen=True)
class PlacedAction:
    """An action's place in the plan and its review date, without the rest of it: what a big
    board's red or overdue list is ordered by before only the page shown is read in full."""

    id: int
    ref: str
    workstream_ref: str | None
    workstream: str | None
    review_date: date | None = None


@dataclass(frozen=True)
class WorkstreamCount:
    """How many of a workstream's actions have one status: a row of the database's tally."""

    workstream_ref: str | None
    workstream: str | None
    rag: Rag | None
    count: int


def _workstream_key(ref: str | None, name: str | None) -> tuple[bool, RefKey, str]:
    """Plan order for workstreams: by ref, unnumbered ones last, then by name."""
    return (ref is None, natural_ref_key(ref or ""), (name or "").casefold())


PlanOrder = tuple[tuple[bool, RefKey, str], RefKey]


def plan_order_key(action: Placed) -> PlanOrder:
    """Actions as the plan lists them: workstream, then ref."""
    ws = _workstream_key(action.workstream_ref, action.workstream)
    return (ws, natural_ref_key(action.ref))


_WORST_FIRST: dict[Rag | None, int] = {
    Rag.RED: 0,
    Rag.AMBER: 1,
    Rag.GREEN: 2,
    Rag.NOT_STARTED: 3,
    None: 4,
    Rag.COMPLETE: 5,
}


def rag_counts(actions: Iterable[ActionView]) -> dict[Rag | None, int]:
    """Counts for every status, zeros included, so renderers never guess at keys."""
    counts: dict[Rag | None, int] = dict.fromkeys((*RAG_ORDER, None), 0)
    for action in actions:
        counts[action.rag] += 1
    return counts


def _workstream_lines(rows: Iterable[WorkstreamCount]) -> tuple[WorkstreamLine, ...]:
    """One line per workstream, in plan order."""
    groups: dict[tuple[str | None, str], dict[Rag | None, int]] = {}
    keys: dict[tuple[str | None, str], tuple[bool, RefKey, str]] = {}
    for row in rows:
        identity = _workstream_identity(row)
        counts = groups.setdefault(identity, dict.fromkeys((*RAG_ORDER, None), 0))
        counts[row.rag] += row.count
        key = _workstream_key(row.workstream_ref, row.workstream)
        keys[identity] = min(keys.get(identity, key), key)
    ordered = sorted(groups, key=lambda identity: keys[identity])
    return tuple(
        WorkstreamLine(ref, name, groups[(ref, name)], sum(groups[(ref, name)].values()))
        for ref, name in ordered
    )


def tally(actions: Iterable[ActionView]) -> list[WorkstreamCount]:
    """The same tally the database gives, from views in hand."""
    counts: Counter[tuple[str | None, str | None, Rag | None]] = Counter(
        (a.workstream_ref, a.workstream, a.rag) for a in actions
    )
    return [WorkstreamCount(ref, name, rag, n) for (ref, name, rag), n in counts.items()]


def _workstream_identity(action: ActionView | WorkstreamCount) -> tuple[str | None, str]:
    """A workstream's ref and display name, with a name even when the plan gave none."""
    if action.workstream:
        return (action.workstream_ref, action.workstream)
    if action.workstream_ref:
        return (action.workstream_ref, f"Workstream {action.workstream_ref}")
    return (None, "No workstream")


def _red(actions: Iterable[ActionView]) -> tuple[ActionView, ...]:
    return tuple(sorted((a for a in actions if a.rag is Rag.RED), key=plan_order_key))


def _overdue(actions: Iterable[ActionView], today: date) -> tuple[ActionView, ...]:
    overdue = (a for a in actions if a.is_overdue(today))
    return tuple(sorted(overdue, key=lambda a: (a.review_date or today, plan_order_key(a))))


def board_summary(plan: BoardPlan, *, today: date) -> BoardSummary:
    """The board at a glance: the chair's first question is always "what is red?"."""
    red = _red(plan.actions)
    overdue = sum(1 for a in plan.actions if a.is_overdue(today))
    return summary_of(plan.board.name, tally(plan.actions), red, overdue=overdue, today=today)


def summary_of(
    board_name: str,
    counts: Iterable[WorkstreamCount],
    red: Sequence[ActionView],
    *,
    overdue: int,
    today: date,
    red_total: int | None = None,
) -> BoardSummary:
    """The summary from a tally (the database's, on a big board) and the red actions shown:
    all of them, or the first page of `red_total`."""
    lines = _workstream_lines(counts)
    totals: dict[Rag | None, int] = dict.fromkeys((*RAG_ORDER, None), 0)
    for stream in lines:
        for rag, n in stream.counts.items():
            totals[rag] += n
    return BoardSummary(
        board_name=board_name,
        today=today,
        counts=totals,
        total=sum(totals.values()),
        workstreams=lines,
        red=tuple(red),
        overdue=overdue,
        red_total=len(red) if red_total is None else red_total,
    )


def page_of(placed: Iterable[PlacedAction], *, overdue: bool = False) -> list[PlacedAction]:
    """Red (or overdue) actions in the order their list shows them; the caller reads in full
    only the page it shows."""
    if overdue:
        return sorted(placed, key=lambda a: (a.review_date or date.min, plan_order_key(a)))
    return sorted(placed, key=plan_order_key)


def red_list(plan: BoardPlan, *, today: date, total: int | None = None) -> ActionList:
    """The red actions in plan order, which is how the board pack reads them. `total`: the
    plan holds only the first page of that many."""
    return ActionList(
        board_name=plan.board.name,
        title="Red actions",
        actions=_red(plan.actions),
        today=today,
        empty_text=f"Nothing is red on {plan.board.name}.",
        total=total,
    )


def overdue_list(plan: BoardPlan, *, today: date, total: int | None = None) -> ActionList:
    """Open actions past their review date, the longest-forgotten first."""
    return ActionList(
        board_name=plan.board.name,
        title="Past their review date",
        actions=_overdue(plan.actions, today),
        today=today,
        empty_text=f"No open action on {plan.board.name} is past its review date.",
        total=total,
    )


def person_list(plan: BoardPlan, person: PersonRef, *, today: date) -> ActionList:
    """What one person owns, the worst first so the conversation starts there."""
    owned = (a for a in plan.actions if a.owned_by(person.id))
    ordered = sorted(owned, key=lambda a: (_WORST_FIRST[a.rag], plan_order_key(a)))
    return ActionList(
        board_name=plan.board.name,
        title=f"Actions owned by {person.name}",
        actions=tuple(ordered),
        today=today,
        empty_text=f"{person.name} owns no actions on {plan.board.name}.",
    )


def workstream_list(plan: BoardPlan, key: str, *, today: date) -> ActionList | RagHelp:
    """One workstream's actions, found by its number or words of its name."""
    matches = _matching_workstreams(plan.actions, key)
    if len(matches) != 1:
        return RagHelp(board_name=plan.board.name, problem=_workstream_problem(plan, key, matches))
    (ref, name) = matches[0]
    actions = sorted(
        (a for a in plan.actions if _workstream_identity(a) == (ref, name)), key=plan_order_key
    )
    return ActionList(
        board_name=plan.board.name,
        title=f"Workstream {ref} — {name}" if ref else f"Workstream — {name}",
        actions=tuple(actions),
        today=today,
        empty_text=f"Workstream {name} has no actions.",
    )


def _matching_workstreams(actions: Iterable[ActionView], key: str) -> list[tuple[str | None, str]]:
    """Exact ref or exact name wins; otherwise every workstream whose name has the words.

    "recruitment" finds "Social Work Recruitment"; "commitment" finds "3 Commitment to
    Continuous Improvement". Words are matched from their start ("work" finds "Workforce",
    never "Network"), ignoring case.
    """
    wanted = " ".join(key.split()).casefold()
    if not wanted:
        return []
    ordered = sorted(actions, key=plan_order_key)
    known = list(dict.fromkeys(_workstream_identity(a) for a in ordered))
    exact = [ws for ws in known if wanted in ((ws[0] or "").casefold(), ws[1].casefold())]
    if exact:
        return exact
    return [ws for ws in known if _name_has(ws[1], wanted)]


def _name_has(name: str, wanted: str) -> bool:
    """The wanted words somewhere in the name, starting where a word starts."""
    pattern = r"(?<!\w)" + re.escape(wanted)
    return re.search(pattern, " ".join(name.split()).casefold()) is not None


def _workstream_problem(plan: BoardPlan, key: str, matches: list[tuple[str | None, str]]) -> str:
    if not matches:
        return f"I couldn't find workstream “{key}” on {plan.board.name}."
    names = ", ".join(f"{ref} {name}" if ref else name for ref, name in matches)
    numbered = next((ref for ref, _name in matches if ref), None)
    pick = f" Say which by its number, e.g. “/rag workstream {numbered}”." if numbered else ""
    return f"“{key}” matches several workstreams: {names}.{pick}"


def find_action(plan: BoardPlan, ref: str) -> ActionView | None:
    """Refs are compared the way people write them: "02.3" is 2.3."""
    wanted = natural_ref_key(ref)
    return next((a for a in plan.actions if natural_ref_key(a.ref) == wanted), None)


def action_not_found(plan: BoardPlan, ref: str) -> RagHelp:
    """Say plainly which ref was missing and where we looked."""
    return RagHelp(
        board_name=plan.board.name,
        problem=f"I couldn't find action {ref} on {plan.board.name}.",
    )


def action_detail(
    action: ActionView, history: Sequence[HistoryEntry], *, board_name: str, today: date
) -> ActionDetail:
    """One action with its history, newest first, because the latest change matters most."""
    ordered = sorted(history, key=lambda entry: (entry.at, entry.id), reverse=True)
    return ActionDetail(board_name=board_name, action=action, history=tuple(ordered), today=today)
