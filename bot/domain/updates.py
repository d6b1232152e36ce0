"""Reading an owner's one-line reply: RAG, new review date, milestones done, words to keep.

This module puts the pieces together and reads commands and action refs itself; each piece has
its own module: rag_reading (the status), milestone_reading (milestones done),
review_date_reading (the new review date) and date_shifts ('pushed back two weeks').
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from bot.domain.date_shifts import SHIFT_RE, DateShift, read_date_shift, resolve_shift
from bot.domain.milestone_reading import MILESTONE_LEAD_RE, MILESTONES_RE, read_milestones
from bot.domain.rag import Rag
from bot.domain.rag_reading import read_rag
from bot.domain.review_date_reading import read_review_dates
from bot.domain.status_words import read_status
from bot.domain.workdays import WorkingCalendar

# DateShift and resolve_shift live with the rest of date_shifts; callers import them from here.
__all__ = [
    "MAX_UPDATE_CHARS",
    "Command",
    "DateShift",
    "ParsedUpdate",
    "parse_update",
    "resolve_shift",
]

MAX_UPDATE_CHARS = 4000

_FLAGS = re.IGNORECASE | re.ASCII


class Command(StrEnum):
    """Whole-message instructions rather than updates."""

    UNDO = "undo"
    HELP = "help"


@dataclass(frozen=True)
class ParsedUpdate:
    """Everything a reply asks to change; the handler confirms it and offers Undo."""

    text: str
    ref: str | None = None
    rag: Rag | None = None
    new_date: date | None = None
    date_shift: DateShift | None = None
    date_options: tuple[date, ...] = ()
    date_phrase: str | None = None
    milestones_done: tuple[int, ...] = ()
    command: Command | None = None
    too_long: bool = False
    # Added for issue 8; callers that ignore them keep the old, cautious behaviour.
    review_doubts: tuple[str, ...] = ()  # why the review date must be asked ('31 April ...')
    rag_guess: Rag | None = None  # 'gren' -> did you mean Green? (never applied silently)
    rag_guess_phrase: str | None = None
    milestone_dates: tuple[tuple[int, date], ...] = ()  # 'milestone 2 slipped to 30 April'
    understood: tuple[tuple[str, str], ...] = ()  # (piece, the words it was read from)
    # A milestone's date that must be asked about: (milestone, why).
    milestone_doubts: tuple[tuple[int, str], ...] = ()

    @property
    def date_doubts(self) -> tuple[str, ...]:
        """Every date doubt, in words: each milestone's, then the review date's."""
        named = tuple(f"milestone {number}: {why}" for number, why in self.milestone_doubts)
        return named + self.review_doubts

    @property
    def questions(self) -> tuple[str, ...]:
        """What to ask before changing anything: date doubts, then a did-you-mean."""
        guess: tuple[str, ...] = ()
        if self.rag_guess is not None:
            guess = (f"“{self.rag_guess_phrase}”: did you mean {self.rag_guess.label}?",)
        return self.date_doubts + guess

    @property
    def is_meaningful(self) -> bool:
        """Nonsense ('asdf', '👍', '???') must get a 'didn't understand', not a recorded update."""
        if self.too_long:
            return False
        changes = (self.rag, self.new_date, self.date_shift, self.command, self.rag_guess)
        if any(change is not None for change in changes):
            return True
        if self.date_options or self.milestones_done or self.date_doubts or self.milestone_dates:
            return True
        return _has_content(self.text)


_WORD_RE = re.compile(r"[^\W\d_]{2,}")
_DIGIT_RE = re.compile(r"\d")
_PROGRESS_RE = re.compile(
    r"\b(?:underway|under\s+way|ongoing|on-going|started|starting|begun|filled|launched|agreed"
    r"|signed|appointed|recruited|published|held|progressing|progress|drafted|approved|live"
    r"|running|scheduled|planned|booked|awaiting|waiting|delayed|slipped|submitted|sent|received"
    r"|compliance|complete|completed|done|trained|audited|reviewed|set\s+up|in\s+place)\b",
    _FLAGS,
)


def _has_content(text: str) -> bool:
    """'3 of 5 posts filled', '80% compliance', 'phase 2 underway' are worth keeping as words."""
    words = _WORD_RE.findall(text)
    if len(words) >= 3:
        return True
    return len(words) == 2 and bool(_DIGIT_RE.search(text) or _PROGRESS_RE.search(text))


def parse_update(text: str, *, today: date, calendar: WorkingCalendar) -> ParsedUpdate:
    """Read one reply; never raises, and changes nothing it is unsure of."""
    if len(text) > MAX_UPDATE_CHARS:
        return ParsedUpdate(text=" ".join(text.split()), too_long=True)
    clean = " ".join(text.split())
    command = _command(clean)
    if command is not None:
        return ParsedUpdate(text=clean, command=command)
    ref, body = _split_ref(clean)
    rag, words, rag_phrase = read_rag(body)
    status = read_status(body)
    if status.rag is not None and (rag is None or status.overrides):
        rag, rag_phrase = status.rag, status.phrase
        if status.overrides:
            words = body
    milestones = read_milestones(body)
    if rag is Rag.COMPLETE and milestones and MILESTONE_LEAD_RE.match(words):
        rag, words = None, body  # 'done - milestone 2' closes the milestone, not the action
    if rag is Rag.COMPLETE and milestones and rag_phrase in _TICKS:
        rag = None  # 'milestone 2 ✅' ticks the milestone
    dates = read_review_dates(body, words, today, calendar, milestones)
    shift = None if dates.found else read_date_shift(body)
    guess = status.guess if rag is None else None
    understood: list[tuple[str, str]] = []
    if rag is not None and rag_phrase:
        understood.append(("rag", rag_phrase))
    understood.extend(("date", text) for text in dates.phrases)
    if shift is not None:
        match = SHIFT_RE.search(body)
        understood.append(("date_shift", match.group(0) if match else ""))
    if milestones:
        understood.extend(("milestone", m.group(0)) for m in MILESTONES_RE.finditer(body))
    return ParsedUpdate(
        text=words,
        ref=ref,
        rag=rag,
        new_date=dates.new_date,
        date_shift=shift,
        date_options=dates.options,
        date_phrase=dates.phrase,
        milestones_done=milestones,
        command=None,
        review_doubts=dates.doubts,
        milestone_doubts=dates.milestone_doubts,
        rag_guess=guess,
        rag_guess_phrase=status.guess_phrase if guess else None,
        milestone_dates=dates.milestone_dates,
        understood=tuple(understood),
    )


_TICKS = frozenset({"✅", "☑", "✔"})

# --- commands and refs ----------------------------------------------------------------------

_COMMAND_RE = re.compile(r"^\s*(?:(?P<word>undo|help)\s*[.!?]*|(?P<ask>\?))\s*$", _FLAGS)
_REF_RE = re.compile(
    r"""^(?:(?:re|ref|action)\b\s*[:.#]?\s*(?P<named>\d{1,3}(?:\.\d{1,3}){0,3}[a-z]?)
          |(?P<bare>\d{1,2}(?:\.\d{1,2}){1,3}[a-z]?))
        (?=\.?(?:[\s:,;)\-–—]|$))[\s:.,;)\-–—]*""",
    _FLAGS | re.VERBOSE,
)


def _command(clean: str) -> Command | None:
    """'undo', 'Help!', '?': only when that is the whole message ('???' is not a question)."""
    match = _COMMAND_RE.match(clean)
    if match is None:
        return None
    return Command(match.group("word").lower()) if match.group("word") else Command.HELP


def _split_ref(clean: str) -> tuple[str | None, str]:
    """'2.3 amber ...', '2.3: ...', 're 2.3 ...', 'action 2.3 ...' name the action replied about."""
    match = _REF_RE.match(clean)
    if match is None:
        return None, clean
    return match.group("named") or match.group("bare"), clean[match.end() :]
