"""Reading an owner's one-line reply: RAG, new review date, milestones done, words to keep."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from dateutil.relativedelta import relativedelta

from bot.domain.dates import NUMBER_PATTERN, DatePhrase, find_date_phrases, number_value, read_date
from bot.domain.rag import RAG_WORDS, Rag
from bot.domain.workdays import WorkingCalendar

MAX_UPDATE_CHARS = 4000

_FLAGS = re.IGNORECASE | re.ASCII


class Command(StrEnum):
    """Whole-message instructions rather than updates."""

    UNDO = "undo"
    HELP = "help"


@dataclass(frozen=True)
class DateShift:
    """A relative move of the CURRENT review date, e.g. 'pushed back two weeks'."""

    days: int = 0
    months: int = 0
    working_days: int = 0


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

    @property
    def is_meaningful(self) -> bool:
        """Nonsense ('asdf', '👍', '???') must get a 'didn't understand', not a recorded update."""
        if self.too_long:
            return False
        changes = (self.rag, self.new_date, self.date_shift, self.command)
        if any(change is not None for change in changes):
            return True
        if self.date_options or self.milestones_done:
            return True
        return len(_WORD_RE.findall(self.text)) >= 3


_WORD_RE = re.compile(r"[^\W\d_]{2,}")


def parse_update(text: str, *, today: date, calendar: WorkingCalendar) -> ParsedUpdate:
    """Read one reply; never raises, and changes nothing it is unsure of."""
    if len(text) > MAX_UPDATE_CHARS:
        return ParsedUpdate(text=" ".join(text.split()), too_long=True)
    clean = " ".join(text.split())
    command = _command(clean)
    if command is not None:
        return ParsedUpdate(text=clean, command=command)
    ref, body = _split_ref(clean)
    rag, words = _read_rag(body)
    milestones = _milestones(body)
    if rag is Rag.COMPLETE and milestones and _MILESTONE_LEAD_RE.match(words):
        rag, words = None, body  # 'done - milestone 2' closes the milestone, not the action
    dates = _read_dates(body, words, today, calendar)
    shift = None if dates.found else _date_shift(body)
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
    )


def resolve_shift(
    shift: DateShift, current: date | None, *, today: date, calendar: WorkingCalendar
) -> date:
    """Move the current review date (or today) by the shift; land on a working day."""
    start = current or today
    moved = start + relativedelta(months=shift.months, days=shift.days)
    moved = calendar.add_working_days(moved, shift.working_days)
    return calendar.next_working_day(moved)


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


# --- RAG ------------------------------------------------------------------------------------

_EXTRA_RAG_WORDS: dict[str, Rag] = {
    "not on track": Rag.RED,
    "not yet started": Rag.NOT_STARTED,
    "all done": Rag.COMPLETE,
    "all complete": Rag.COMPLETE,
    "all completed": Rag.COMPLETE,
    "all actions complete": Rag.COMPLETE,
    "all actions completed": Rag.COMPLETE,
}
_PHRASES: dict[str, Rag] = {
    **{word: rag for word, rag in RAG_WORDS.items() if len(word) >= 2},
    **_EXTRA_RAG_WORDS,
}
_SINGLE_LETTERS: dict[str, Rag] = {"r": Rag.RED, "a": Rag.AMBER, "g": Rag.GREEN}
# Completion words and short codes start a message as a status only when set off by punctuation:
# 'Done.' closes the action, 'Completed the audit of 20 cases' is narrative.
_NEEDS_SEPARATOR = frozenset(
    {w for w, r in _PHRASES.items() if r is Rag.COMPLETE} | {"ns", "blue", "grey", "gray"}
)
# 'Red tape', 'green paper', 'amber alert': colour words that start a noun, not a status.
_COMPOUNDS = frozenset(
    {"tape", "paper", "papers", "light", "lights", "flag", "flags", "line", "lines", "belt"}
    | {"card", "cards", "zone", "zones", "book", "alert", "alerts", "space", "spaces", "field"}
    | {"fields", "shoots", "list", "route", "team", "carpet", "herring", "cross"}
)


def _phrase_pattern(phrase: str) -> str:
    return r"\s+".join(re.escape(part) for part in phrase.split())


_RAG_ALT = "|".join(_phrase_pattern(p) for p in sorted(_PHRASES, key=len, reverse=True))
_RAG = rf"(?:{_RAG_ALT})(?!\w|-\w)"
_LEAD_RE = re.compile(
    rf"^\s*(?:(?:rag(?:\s+(?:status|rating))?|status)\s*(?:is\s+)?[:=\-]?\s*)?(?P<rag>{_RAG})",
    _FLAGS,
)
_LETTER_LEAD_RE = re.compile(r"^\s*(?P<rag>[rag])\s*(?:[:.;–—]|-(?!\w)|\s-)", _FLAGS)
_SEPARATOR_RE = re.compile(r"^\s*(?:[:.,;!–—=)]|-(?!\w)|\s-|$)[\s:.,;!–—=)\-]*", _FLAGS)
_TRANSITION_RE = re.compile(
    rf"(?:\bfrom\s+)?\b(?:{_RAG_ALT})\s*(?:→|->|=>|-->|—>|–>|>|\bto\b|\binto\b)\s*(?P<rag>{_RAG})",
    _FLAGS,
)
_CUE_RE = re.compile(
    rf"""\b(?P<cue>now|rag(?:\s+(?:status|rating))?|status|rated|rating|turned|turning
          |(?:moving|moved|move|gone|going|changed?|changing|set|upgraded?|downgraded?|back)
           \s+(?:back\s+)?(?:to|into)
          |mark(?:ed)?(?:\s+as)?)
        \s*(?:is\s+|at\s+|of\s+)?[:=\-]?\s*(?P<rag>{_RAG})""",
    _FLAGS | re.VERBOSE,
)


def _read_rag(body: str) -> tuple[Rag | None, str]:
    """A status set off at the start beats 'red to amber', which beats other cues ('now amber')."""
    transition = _TRANSITION_RE.search(body)
    lead = _lead_rag(body)
    if lead is not None and lead[2] and (transition is None or transition.start() > 0):
        return lead[0], lead[1]
    if transition is not None:
        return _PHRASES[_key(transition.group("rag"))], body
    if lead is not None:
        return lead[0], lead[1]
    return _cued_rag(body), body


def _key(phrase: str) -> str:
    return " ".join(phrase.lower().split())


def _lead_rag(body: str) -> tuple[Rag, str, bool] | None:
    """The RAG a message opens with, the words after it, and whether punctuation set it off."""
    letter = _LETTER_LEAD_RE.match(body)
    if letter is not None:
        return _SINGLE_LETTERS[letter.group("rag").lower()], _rest(body, letter.end()), True
    match = _LEAD_RE.match(body)
    if match is None:
        return None
    word = _key(match.group("rag"))
    after = body[match.end() :]
    separator = _SEPARATOR_RE.match(after)
    if separator is not None:
        return _PHRASES[word], after[separator.end() :].strip(), True
    next_word = after.split(maxsplit=1)[0].lower() if after.strip() else ""
    if word in _NEEDS_SEPARATOR or next_word in _COMPOUNDS or not after[:1].isspace():
        return None
    return _PHRASES[word], body, False


def _rest(body: str, end: int) -> str:
    return body[end:].strip(" -:.,;–—")


def _cued_rag(body: str) -> Rag | None:
    """The last explicitly cued status: 'now amber', 'RAG: red', 'back to green'."""
    found: Rag | None = None
    for match in _CUE_RE.finditer(body):
        rag = _PHRASES[_key(match.group("rag"))]
        if rag is Rag.COMPLETE and match.group("cue").lower() == "now":
            continue  # 'phase 1 now complete' is about part of the work, not the action
        found = rag
    return found


# --- milestones -----------------------------------------------------------------------------

_NUMBER_WORDS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
}
_ITEM = r"(?:m(?=\d))?(?:\d{1,2}|one|two|three|four|five|six|seven|eight|nine|ten)\b"
_ITEMS = rf"{_ITEM}(?:\s*(?:,|&|\+|/|\band\b)\s*{_ITEM})*"
_MILESTONE = r"(?:milestones?\s*(?:no\.?\s*)?[#]?\s*|ms\s*(?=\d)|m(?=\d))"
_DONE = r"(?:done|complete|completed|achieved|met|finished|delivered|closed|signed\s+off)"
_MILESTONES_RE = re.compile(
    rf"""\b{_MILESTONE}(?P<before>{_ITEMS})\s*
          (?:(?:is|are|was|were|has\s+been|have\s+been|now|all|both)\s+){{0,3}}[:\-]?\s*{_DONE}\b
       |\b{_DONE}\s*[:\-]?\s*{_MILESTONE}(?P<after>{_ITEMS})""",
    _FLAGS | re.VERBOSE,
)
_MILESTONE_LEAD_RE = re.compile(rf"^{_MILESTONE}\d", _FLAGS)


def _milestones(body: str) -> tuple[int, ...]:
    """'milestone 2 done', 'milestones 1 and 3 complete', 'm2 done', 'done milestone 2'."""
    numbers: set[int] = set()
    for match in _MILESTONES_RE.finditer(body):
        for item in re.findall(
            r"\d{1,2}|[a-z]{3,5}", (match.group("before") or match.group("after")).lower()
        ):
            value = int(item) if item.isdigit() else _NUMBER_WORDS.get(item, 0)
            if value >= 1:
                numbers.add(value)
    return tuple(sorted(numbers))


# --- review dates ---------------------------------------------------------------------------

_DATE_CUE_RE = re.compile(
    r"""\b(?:new\s+(?:review\s+|target\s+|due\s+|end\s+)?date(?:\s+(?:is|of|now|will\s+be))?
        |revised\s+(?:review\s+|target\s+|due\s+)?date(?:\s+(?:is|of))?
        |(?:next\s+)?review(?:\s+date)?(?:\s+(?:is|now|on|in|at|by|for))?
        |target(?:\s+date)?(?:\s+(?:is|now|of))?
        |deadline(?:\s+(?:is|now|of))?
        |(?:slipped|slipping|slips|slip|moved|moving|move|pushed|pushing|push|put|set|delayed
           |delay|deferred|defer|postponed|rescheduled|re-scheduled|extended|extend|changed
           |change|brought|bring|(?:days?|weeks?|months?))
         (?:\s+(?:back|out|forward|on))?\s+(?:to|until|till|til|into|for|by|on)
        |(?:delayed|deferred|postponed|rescheduled|extended)
        |(?:now\s+)?due(?:\s+(?:by|on|for|in|at|before))?
        |by|until|till|before)
       \s*[:\-–]?\s*(?:(?:the|w/?c|week\s+commencing)\s+)?$""",
    _FLAGS | re.VERBOSE,
)
_CUE_WINDOW = 60
_MAX_CUED_DATES = 6  # more than this and the bot asks anyway; caps dateparser work per reply
_FILLER = " .!,;:-–—"


@dataclass(frozen=True)
class _Dates:
    new_date: date | None = None
    options: tuple[date, ...] = ()
    phrase: str | None = None

    @property
    def found(self) -> bool:
        return self.new_date is not None or bool(self.options)


def _read_dates(body: str, words: str, today: date, calendar: WorkingCalendar) -> _Dates:
    """Cued dates become the new review date; two different ones, or 'next Friday', are asked."""
    phrases = _cued_phrases(body) or _only_phrase(words)
    readings = []
    for phrase in phrases[:_MAX_CUED_DATES]:
        reading = read_date(phrase.text, today=today, calendar=calendar, year_rule="future")
        if reading is not None:
            readings.append(reading)
    candidates: list[date] = []
    for reading in readings:
        for day in (reading.date,) if reading.date else reading.options:
            if day not in candidates:
                candidates.append(day)
    if not candidates:
        return _Dates()
    words = " or ".join(dict.fromkeys(r.text for r in readings))
    if len(candidates) == 1:
        return _Dates(new_date=candidates[0], phrase=words)
    return _Dates(options=tuple(candidates), phrase=words)


def _cued_phrases(body: str) -> list[DatePhrase]:
    """Dates right after 'slipped to', 'new date', 'by' ...; narrative dates are left alone."""
    return [
        phrase
        for phrase in find_date_phrases(body)
        if _DATE_CUE_RE.search(body, max(0, phrase.start - _CUE_WINDOW), phrase.start)
    ]


def _only_phrase(words: str) -> list[DatePhrase]:
    """A reply that is nothing but a date ('14 April') answers 'what is the new date?'."""
    stripped = words.strip(_FILLER)
    phrases = find_date_phrases(stripped)
    if len(phrases) == 1 and phrases[0].text == stripped:
        return list(phrases)
    return []


_UNIT = r"(?P<unit>(?:working\s+|business\s+)?days?|weeks?|wks?|months?|fortnights?)"
_SHIFT_RE = re.compile(
    rf"""\b(?P<verb>pushed|push|pushing|put|moved|move|moving|set|slipped|slip|slipping|slips
          |delayed|delay|deferred|defer|postponed|extended|extend|knocked|bumped|brought|bring
          |pulled)
        (?:\s+(?P<dir>back|out|on|forward|along))?(?:\s+(?:by|of))?
        \s+(?:(?:another|a\s+further|an?\s+(?:extra|additional|further)|further)\s+)?
        (?P<count>{NUMBER_PATTERN})\s+(?:more\s+|further\s+)?{_UNIT}\b
      | \b(?P<acount>{NUMBER_PATTERN})[\s-]+(?P<aunit>days?|weeks?|months?)\s+
        (?:delay|slip|slippage|extension)\b
      | (?<![\w+])\+\s*(?P<pcount>\d{{1,3}})\s*(?P<punit>d|days?|w|wks?|weeks?|m|months?)\b""",
    _FLAGS | re.VERBOSE,
)


def _date_shift(body: str) -> DateShift | None:
    """'pushed back two weeks', 'slipped by a month', '+2 weeks'; 'brought forward' goes earlier."""
    match = _SHIFT_RE.search(body)
    if match is None:
        return None
    if match.group("pcount"):
        count, unit = int(match.group("pcount")), match.group("punit").lower()
    elif match.group("acount"):
        count, unit = number_value(match.group("acount")), match.group("aunit").lower()
    else:
        count, unit = number_value(match.group("count")), match.group("unit").lower()
    if (match.group("dir") or "").lower() == "forward":
        count = -count
    return _shift_for(count, unit)


def _shift_for(count: int, unit: str) -> DateShift | None:
    if count == 0:
        return None
    if unit.startswith(("working", "business")):
        return DateShift(working_days=count)
    if unit.startswith("d"):
        return DateShift(days=count)
    if unit.startswith("f"):
        return DateShift(days=14 * count)
    if unit.startswith("w"):
        return DateShift(days=7 * count)
    return DateShift(months=count)
