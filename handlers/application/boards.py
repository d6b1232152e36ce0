"""Boards as their administrators set them up: found, listed, created, configured, renamed and
removed.

One transaction per call. Settings arrive already checked (handlers.application.rules). A
chair or admin is named exactly (case and spacing aside): a unique prefix or near spelling
is offered back as a question; a name that matches no one is added as a new person. Every
change to a board goes in the audit (storage.history.record_audit), which outlives it.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from sqlmodel import Session

from bot.clock import Clock
from bot.domain.plan import FieldChange
from handlers.application import rules
from handlers.application.errors import Invalid, NotFound, Problem
from handlers.application.people import CLI, NAME, REMOVED, AuditLine, audit_lines
from handlers.application.people import no_such_person as _no_such_person
from storage.boards import (
    ADMIN,
    CHAIR,
    BoardContents,
    add_role,
    board_by_name,
    board_contents,
    board_named,
    delete_board,
    ensure_board,
    has_role,
    list_boards,
    remove_role,
    role_people,
)
from storage.channels import board_channels, link_board_channel
from storage.db import Database
from storage.history import BOARD, record_audit
from storage.models import Board, Person
from storage.people import get_or_create_person, match_person
from storage.plan import action_counts_by_board

CREATED = "created"
# How alike a typed board name must be to be offered (difflib's own default), and a typed
# word to one of the name's ("Helns" for "Helens").
NEAREST_CUTOFF = 0.6
WORD_CUTOFF = 0.8


@dataclass(frozen=True)
class BoardInfo:
    """A board as an adapter needs it: to name it, and to know where it posts."""

    name: str
    channel_id: str | None  # Slack's, as it always was
    timezone: str
    bank_holiday_region: str
    # Platform → the board's channel there, Slack's included (what `find` gives; else empty).
    channels: Mapping[str, str] = field(default_factory=dict)

    @property
    def teams_channel(self) -> str | None:
        return self.channels.get("teams")


@dataclass(frozen=True)
class BoardLine:
    """One row of `actionbot boards`: how the board is set up."""

    name: str
    channel: str
    timezone: str
    chairs: tuple[str, ...]
    digest: str  # "Mon 09:00", board time
    lead_days: str
    actions: int
    # Platform → the channel its digest goes to there, Slack's (`channel`) included.
    channels: Mapping[str, str] = field(default_factory=dict)
    admins: tuple[str, ...] = ()
    bank_holiday_region: str = "ENG"
    nudge_every_days: int = 2
    escalate_after_days: int = 5


@dataclass(frozen=True)
class BoardSettings:
    """What to change; None leaves a setting as it is.

    `channel` is the board's Slack channel, as it always was; `channels` its channel on other
    platforms (platform → channel id, e.g. {"teams": "19:…@thread.tacv2"}), only those to set.
    """

    channel: str | None = None
    channels: Mapping[str, str] = field(default_factory=dict)
    timezone: str | None = None
    digest_weekday: int | None = None
    digest_time: str | None = None
    lead_days: str | None = None
    nudge_every_days: int | None = None
    escalate_after_days: int | None = None
    bank_holiday_region: str | None = None


@dataclass(frozen=True)
class RoleChanges:
    """Chairs and admins to add and to take off a board, by name as typed."""

    chairs: Sequence[str] = ()
    admins: Sequence[str] = ()
    remove_chairs: Sequence[str] = ()
    remove_admins: Sequence[str] = ()
    # A name that matches no one exactly but looks like someone's is refused (a typo must
    # not make a second person); with this it is added as someone new all the same.
    new_people: bool = False


@dataclass(frozen=True)
class BoardConfigured:
    name: str
    created: bool
    changes: tuple[str, ...]  # "digest day: Mon", "chair: Bec Windsor (new person)"
    line: BoardLine
    chairless: bool = False  # it has no chair now: no one to tell about silent owners


@dataclass(frozen=True)
class BoardRenamed:
    before: str
    after: str
    changed: bool  # False: it was already called that


@dataclass(frozen=True)
class BoardRemoval:
    """What `board remove` takes (or, unconfirmed, would take) with it."""

    name: str
    removed: bool
    contents: BoardContents


class Boards:
    def __init__(
        self, *, db: Database, clock: Clock, default_timezone: str, holiday_region: str
    ) -> None:
        self.db = db
        self.clock = clock
        self.default_timezone = default_timezone
        self.holiday_region = holiday_region

    def find(self, name: str) -> BoardInfo | None:
        """By exact name, else a case-insensitive unique prefix ("worc")."""
        with self.db.session(commit=False) as session:
            board = board_by_name(session, name)
            if board is None or board.id is None:
                return None
            return _info(board, board_channels(session, [board])[board.id])

    def names(self) -> list[str]:
        with self.db.session(commit=False) as session:
            return [board.name for board in list_boards(session)]

    def no_such(self, name: str, *, create_hint: bool = False) -> str:
        """The sentence for a board name that matches none: the nearest, and every board."""
        return no_such_board(name, self.names(), create_hint=create_hint)

    def channels(self, platform: str) -> list[str]:
        """Every board's channel on `platform`, each once, in board order: where a platform's
        rosters are read (Teams' people sync asks each board's team for its members)."""
        with self.db.session(commit=False) as session:
            boards = list(list_boards(session))
            linked = board_channels(session, boards)
        found = (linked.get(board.id or 0, {}).get(platform) for board in boards)
        return list(dict.fromkeys(channel for channel in found if channel))

    def lines(self) -> list[BoardLine]:
        with self.db.session(commit=False) as session:
            counts = action_counts_by_board(session)
            boards = list(list_boards(session))
            channels = board_channels(session, boards)
            return [
                _line(session, b, counts.get(b.id or 0, 0), channels.get(b.id or 0, {}))
                for b in boards
            ]

    def history(self, *, limit: int = 200) -> list[AuditLine]:
        """Boards' changes (created, renamed, removed, chairs, admins, settings), newest
        first; a removed board's included."""
        with self.db.session(commit=False) as session:
            return audit_lines(session, BOARD, limit=limit)

    def first_chair(self, name: str) -> str | None:
        """The board's first chair, else its first admin: who a demo is for."""
        with self.db.session(commit=False) as session:
            board = board_by_name(session, name)
            if board is None or board.id is None:
                return None
            people = [*role_people(session, board.id, CHAIR)]
            people += role_people(session, board.id, ADMIN)
            return people[0].name if people else None

    def configure(
        self,
        name: str,
        wanted: BoardSettings,
        *,
        chairs: Sequence[str] = (),
        admins: Sequence[str] = (),
        create: bool = False,
        roles: RoleChanges | None = None,
    ) -> BoardConfigured:
        """Creates the board only when asked (`create`): a typo in a name must never make a
        new, empty board. Every change is listed, and recorded in the audit. Every name is
        checked before anything is written: one that isn't right changes nothing."""
        asked = roles or RoleChanges()
        asked = RoleChanges(
            chairs=[*chairs, *asked.chairs],
            admins=[*admins, *asked.admins],
            remove_chairs=asked.remove_chairs,
            remove_admins=asked.remove_admins,
            new_people=asked.new_people,
        )
        now = self.clock.now()
        with self.db.session() as session:
            board = board_by_name(session, name)
            created = board is None
            if board is None and not create:
                names = [b.name for b in list_boards(session)]
                raise NotFound(no_such_board(name, names, create_hint=True))
            adding = [
                (role, _someone(session, person, new_people=asked.new_people))
                for role, names in ((CHAIR, asked.chairs), (ADMIN, asked.admins))
                for person in names
            ]
            removing = [
                (role, _holder(session, board, person, role))
                for role, names in ((CHAIR, asked.remove_chairs), (ADMIN, asked.remove_admins))
                for person in names
            ]
            _no_contradiction(adding, removing)
            if board is None:
                board = ensure_board(
                    session,
                    name,
                    now=now,
                    timezone=self.default_timezone,
                    holiday_region=self.holiday_region,
                )
            assert board.id is not None
            changes = [FieldChange(CREATED, None, board.name)] if created else []
            changes += _apply(board, wanted)
            changes += _link_channels(session, board, wanted.channels)
            shown = [_shown(change) for change in changes if change.field != CREATED]
            for role, (found, typed) in adding:
                person = found or get_or_create_person(session, name=typed, role="", now=now)
                if person.id is not None and has_role(session, board.id, person.id, [role]):
                    continue
                add_role(session, board, person, role)
                changes.append(FieldChange(role, None, person.name))
                shown.append(f"{role}: {person.name}{' (new person)' if found is None else ''}")
            for role, person in removing:
                remove_role(session, board, person, role)
                changes.append(FieldChange(role, person.name, None))
                shown.append(f"{role} removed: {person.name}")
            record_audit(
                session,
                subject=BOARD,
                subject_id=board.id,
                name=board.name,
                changes=changes,
                source=CLI,
                now=now,
            )
            counts = action_counts_by_board(session)
            channels = board_channels(session, [board])[board.id]
            line = _line(session, board, counts.get(board.id, 0), channels)
            chairless = any(role == CHAIR for role, _ in removing) and not line.chairs
            return BoardConfigured(board.name, created, tuple(shown), line, chairless)

    def rename(self, old: str, new: str) -> BoardRenamed:
        """`old` as `board NAME` takes it (the name, or a unique prefix); `new` no other
        board's name (case aside). Everything on the board stays; the audit says both."""
        wanted = rules.name(new, "new name")
        now = self.clock.now()
        with self.db.session() as session:
            board = board_by_name(session, old)
            if board is None:
                raise NotFound(no_such_board(old, [b.name for b in list_boards(session)]))
            assert board.id is not None
            before = board.name
            if wanted == before:
                return BoardRenamed(before, wanted, changed=False)
            taken = board_named(session, wanted)
            if taken is not None and taken.id != board.id:
                raise Problem(
                    f"there's already a board called “{taken.name}”; choose another name "
                    f"for “{before}” (two boards can't share a name)"
                )
            board.name = wanted
            record_audit(
                session,
                subject=BOARD,
                subject_id=board.id,
                name=before,
                changes=[FieldChange(NAME, before, wanted)],
                source=CLI,
                now=now,
            )
            session.flush()
            return BoardRenamed(before, wanted, changed=True)

    def remove(self, name: str, *, confirmed: bool = False) -> BoardRemoval:
        """The board and all it holds (actions, milestones, workstreams, history, chairs and
        admins, channels), by its whole name: a prefix is offered back, never taken.
        Unconfirmed, says what would go and writes nothing. The people stay."""
        now = self.clock.now()
        with self.db.session(commit=confirmed) as session:
            board = board_named(session, name)
            if board is None:
                raise NotFound(_no_whole_board(session, name))
            assert board.id is not None
            contents = board_contents(session, board.id)
            removal = BoardRemoval(board.name, confirmed, contents)
            if confirmed:
                record_audit(
                    session,
                    subject=BOARD,
                    subject_id=board.id,
                    name=board.name,
                    changes=[FieldChange(REMOVED, describe_contents(contents), None)],
                    source=CLI,
                    now=now,
                )
                delete_board(session, board)
            return removal


def describe_contents(contents: BoardContents) -> str:
    """ "16 actions, 30 milestones, 4 workstreams, 52 history entries, 1 chair or admin"."""
    parts = (
        (contents.actions, "action", "actions"),
        (contents.milestones, "milestone", "milestones"),
        (contents.workstreams, "workstream", "workstreams"),
        (contents.history, "history entry", "history entries"),
        (contents.roles, "chair or admin", "chairs and admins"),
        (contents.channels, "other platform's channel", "other platforms' channels"),
    )
    return ", ".join(f"{n:,} {one if n == 1 else many}" for n, one, many in parts if n)


def _someone(session: Session, typed: str, *, new_people: bool) -> tuple[Person | None, str]:
    """(the person, or None for a new one; the name as typed)."""
    match = match_person(session, typed)
    if match.exact is not None:
        return match.exact, typed
    if match.near and not new_people:
        otherwise = f", or add --new-person to add “{' '.join(typed.split())}” as someone new"
        raise NotFound(_no_such_person(typed, match, otherwise=otherwise))
    return None, typed


def _holder(session: Session, board: Board | None, typed: str, role: str) -> Person:
    """Someone who holds `role` on the board, named exactly."""
    match = match_person(session, typed)
    holders = list(role_people(session, board.id, role)) if board and board.id else []
    if match.exact is None:
        raise NotFound(_no_such_person(typed, match))
    if board is None or match.exact.id not in {p.id for p in holders}:
        where = board.name if board is not None else "the new board"
        now = ", ".join(p.name for p in holders) or "none"
        raise Problem(
            f"{match.exact.name} isn't {_a(role)} of {where} (its {role}s: {now}); "
            "nothing was changed"
        )
    return match.exact


def _a(role: str) -> str:
    return f"an {role}" if role[:1] in "aeiou" else f"a {role}"


def _no_contradiction(
    adding: Sequence[tuple[str, tuple[Person | None, str]]],
    removing: Sequence[tuple[str, Person]],
) -> None:
    taken_off = {(role, person.id) for role, person in removing}
    for role, (person, _typed) in adding:
        if person is not None and (role, person.id) in taken_off:
            raise Invalid(f"--{role} and --remove-{role} both name {person.name}: which is it?")


def _no_whole_board(session: Session, name: str) -> str:
    names = [b.name for b in list_boards(session)]
    partial = board_by_name(session, name)
    if partial is not None:
        return (
            f"no board is called exactly “{name}”; did you mean “{partial.name}”? "
            "Removing a board takes its whole name"
        )
    return no_such_board(name, names)


def _apply(board: Board, wanted: BoardSettings) -> list[FieldChange]:
    fields = (
        ("channel_id", "channel", wanted.channel),
        ("timezone", "timezone", wanted.timezone),
        ("digest_weekday", "digest day", wanted.digest_weekday),
        ("digest_time", "digest time", wanted.digest_time),
        ("reminder_lead_days", "lead days", wanted.lead_days),
        ("nudge_every_days", "nudge every (working days)", wanted.nudge_every_days),
        ("escalate_after_days", "tell the chairs after (working days)", wanted.escalate_after_days),
        ("bank_holiday_region", "bank holidays", wanted.bank_holiday_region),
    )
    changes: list[FieldChange] = []
    for attribute, label, value in fields:
        current = getattr(board, attribute)
        if value is not None and current != value:
            setattr(board, attribute, value)
            before, after = _setting(attribute, current), _setting(attribute, value)
            changes.append(FieldChange(label, before, after))
    return changes


def _setting(attribute: str, value: object) -> str | None:
    """A setting as the history shows it: the digest day by name ("Tue")."""
    if value is None:
        return None
    if attribute == "digest_weekday" and isinstance(value, int):
        return rules.weekday_name(value)
    return str(value)


def _shown(change: FieldChange) -> str:
    return f"{change.field}: {change.after}"


def _link_channels(session: Session, board: Board, wanted: Mapping[str, str]) -> list[FieldChange]:
    """Each platform's channel that changes ("teams channel: 19:…"); the same one again is no
    change, so running the same command twice lists nothing the second time."""
    if not wanted:
        return []
    assert board.id is not None
    current = board_channels(session, [board])[board.id]
    changes: list[FieldChange] = []
    for platform, channel_id in wanted.items():
        if current.get(platform) != channel_id:
            link_board_channel(session, board, platform=platform, channel_id=channel_id)
            changes.append(FieldChange(f"{platform} channel", current.get(platform), channel_id))
    return changes


def _line(session: Session, board: Board, actions: int, channels: Mapping[str, str]) -> BoardLine:
    assert board.id is not None
    chairs = tuple(p.name for p in role_people(session, board.id, CHAIR))
    admins = tuple(p.name for p in role_people(session, board.id, ADMIN))
    return BoardLine(
        name=board.name,
        channel=board.channel_id or "",
        timezone=board.timezone,
        chairs=chairs,
        digest=f"{rules.weekday_name(board.digest_weekday)} {board.digest_time}",
        lead_days=board.reminder_lead_days,
        actions=actions,
        channels=dict(channels),
        admins=admins,
        bank_holiday_region=board.bank_holiday_region,
        nudge_every_days=board.nudge_every_days,
        escalate_after_days=board.escalate_after_days,
    )


def _info(board: Board, channels: Mapping[str, str]) -> BoardInfo:
    return BoardInfo(
        board.name, board.channel_id, board.timezone, board.bank_holiday_region, dict(channels)
    )


def no_such_board(name: str, names: Sequence[str], *, create_hint: bool = False) -> str:
    """ "there's no board called “Worcester”; did you mean “Worcestershire …”?" and the list;
    with `create_hint` (where --create is an option), how to make one by that name."""
    nearest = nearest_board(name, names)
    guess = f"; did you mean “{nearest}”?" if nearest else "."
    known = ", ".join(names) if names else "none yet"
    create = " Add --create to make a new board by that name." if create_hint else ""
    return f"there's no board called “{name}”{guess} Boards: {known}.{create}"


def nearest_board(name: str, names: Sequence[str]) -> str | None:
    """The board a mistyped name most likely meant, if one stands out: the name alike as a
    whole, or word by word as names are typed short ("St Helns", "Worcester board")."""
    typed = " ".join(name.split()).casefold()
    scores = sorted(
        ((max(_whole(typed, n), _by_words(typed, n)), n) for n in names),
        key=lambda pair: pair[0],
        reverse=True,
    )
    if not scores or scores[0][0] < NEAREST_CUTOFF:
        return None
    if len(scores) > 1 and scores[1][0] == scores[0][0]:
        return None  # two boards fit as well: offering one would be a guess
    return scores[0][1]


def _whole(typed: str, name: str) -> float:
    return difflib.SequenceMatcher(None, typed, " ".join(name.split()).casefold()).ratio()


def _by_words(typed: str, name: str) -> float:
    """The share of typed words that start, or are spelt nearly as, a word of the name."""
    words = name.casefold().split()
    said = typed.split()

    def fits(word: str) -> bool:
        return any(
            w.startswith(word) or difflib.SequenceMatcher(None, word, w).ratio() >= WORD_CUTOFF
            for w in words
        )

    return sum(1 for word in said if fits(word)) / len(said) if said else 0.0
