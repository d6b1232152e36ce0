"""Reading an owner's one-line reply: RAG, new review date, milestones done, words to keep."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from dateutil.relativedelta import relativedelta

from bot.domain.dates import NUMBER_PATTERN, DatePhrase, number_value
from bot.domain.rag import RAG_WORDS, Rag
from bot.domain.reply_dates import ReplyDate, find_reply_phrases, is_chat_only, read_reply_date
from bot.domain.status_words import STATUS_SYNONYMS, followed_by_name, read_status
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
    # Added for issue 8; callers that ignore them keep the old, cautious behaviour.
    date_doubts: tuple[str, ...] = ()  # why the date must be asked about ('31 April ...')
    rag_guess: Rag | None = None  # 'gren' -> did you mean Green? (never applied silently)
    rag_guess_phrase: str | None = None
    milestone_dates: tuple[tuple[int, date], ...] = ()  # 'milestone 2 slipped to 30 April'
    understood: tuple[tuple[str, str], ...] = ()  # (piece, the words it was read from)

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
    rag, words, rag_phrase = _read_rag(body)
    status = read_status(body)
    if status.rag is not None and (rag is None or status.overrides):
        rag, rag_phrase = status.rag, status.phrase
        if status.overrides:
            words = body
    milestones = _milestones(body)
    if rag is Rag.COMPLETE and milestones and _MILESTONE_LEAD_RE.match(words):
        rag, words = None, body  # 'done - milestone 2' closes the milestone, not the action
    if rag is Rag.COMPLETE and milestones and rag_phrase in _TICKS:
        rag = None  # 'milestone 2 ✅' ticks the milestone
    dates = _read_dates(body, words, today, calendar, milestones)
    shift = None if dates.found else _date_shift(body)
    guess = status.guess if rag is None else None
    understood: list[tuple[str, str]] = []
    if rag is not None and rag_phrase:
        understood.append(("rag", rag_phrase))
    understood.extend(("date", text) for text in dates.phrases)
    if shift is not None:
        match = _SHIFT_RE.search(body)
        understood.append(("date_shift", match.group(0) if match else ""))
    if milestones:
        understood.extend(("milestone", m.group(0)) for m in _MILESTONES_RE.finditer(body))
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
        date_doubts=dates.doubts,
        rag_guess=guess,
        rag_guess_phrase=status.guess_phrase if guess else None,
        milestone_dates=dates.milestone_dates,
        understood=tuple(understood),
    )


_TICKS = frozenset({"✅", "☑", "✔"})


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
    **STATUS_SYNONYMS,
}
_SINGLE_LETTERS: dict[str, Rag] = {"r": Rag.RED, "a": Rag.AMBER, "g": Rag.GREEN, "b": Rag.COMPLETE}
# Completion words and short codes start a message as a status only when set off by punctuation:
# 'Done.' closes the action, 'Completed the audit of 20 cases' is narrative.
_NEEDS_SEPARATOR = frozenset(
    {w for w, r in _PHRASES.items() if r is Rag.COMPLETE}
    | {"ns", "blue", "grey", "gray"}
    | {"behind", "blocked", "stalled", "failing", "all good", "going well", "neutral"}
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
_LETTER_LEAD_RE = re.compile(r"^\s*(?P<rag>[ragb])\s*(?:[:.;–—]|-(?!\w)|\s-)", _FLAGS)
_SEPARATOR_RE = re.compile(r"^\s*(?:[:.,;!–—=)]|-(?!\w)|\s-|$)[\s:.,;!–—=)\-]*", _FLAGS)
# Searched over the whole reply; the guard in front fails fast where no transition can start (in
# a word, or at a letter no status word or 'from' begins with) and changes no match.
_RAG_FIRST_LETTERS = "".join(sorted({phrase[0].lower() for phrase in _PHRASES} | {"f"}))
_TRANSITION = (
    rf"(?:\bfrom\s+)?\b(?:{_RAG_ALT})\s*(?:→|->|=>|-->|—>|–>|>|\bto\b|\binto\b)\s*(?P<rag>{_RAG})"
)
_TRANSITION_RE = re.compile(rf"(?<!\w)(?=[{_RAG_FIRST_LETTERS}])(?:{_TRANSITION})", _FLAGS)
_CUE_RE = re.compile(
    rf"""\b(?P<cue>now|rag(?:\s+(?:status|rating))?|status|rated|rating|turned|turning
          |(?:moving|moved|move|gone|going|changed?|changing|set|upgraded?|downgraded?|back
             |putting|put|taking|take|bringing|bring)
           \s+(?:(?:this|it|the\s+action|the\s+rag|the\s+status|us|this\s+one)\s+)?
           (?:back\s+)?(?:to|into)
          |mark(?:ed|ing)?(?:\s+(?:this|it))?(?:\s+as)?)
        \s*(?:is\s+|at\s+|of\s+)?[:=\-]?\s*(?P<rag>{_RAG})""",
    _FLAGS | re.VERBOSE,
)


def _read_rag(body: str) -> tuple[Rag | None, str, str | None]:
    """A status set off at the start beats 'red to amber', which beats other cues ('now amber').

    Returns the status, the words to keep and the owner's own words for the status ('R').
    """
    transition = _TRANSITION_RE.search(body)
    lead = _lead_rag(body)
    if lead is not None and lead[2] and (transition is None or transition.start() > 0):
        return lead[0], lead[1], lead[3]
    if transition is not None:
        return _PHRASES[_key(transition.group("rag"))], body, transition.group("rag")
    if lead is not None:
        return lead[0], lead[1], lead[3]
    cued = _cued_rag(body)
    if cued is None:
        return None, body, None
    return cued[0], body, cued[1]


def _key(phrase: str) -> str:
    return " ".join(phrase.lower().split())


def _lead_rag(body: str) -> tuple[Rag, str, bool, str] | None:
    """The RAG a message opens with, the words after it, whether punctuation set it off, and
    the words it was typed as."""
    letter = _LETTER_LEAD_RE.match(body)
    if letter is not None:
        code = letter.group("rag")
        return _SINGLE_LETTERS[code.lower()], _rest(body, letter.end()), True, code
    match = _LEAD_RE.match(body)
    if match is None:
        return None
    typed = match.group("rag")
    word = _key(typed)
    after = body[match.end() :]
    if typed[:1].isupper() and followed_by_name(body, match.end()):
        return None  # 'Green Lane', 'Amber Valley' are places
    separator = _SEPARATOR_RE.match(after)
    if separator is not None:
        return _PHRASES[word], after[separator.end() :].strip(), True, typed
    next_word = after.split(maxsplit=1)[0].lower() if after.strip() else ""
    if word in _NEEDS_SEPARATOR or next_word in _COMPOUNDS or not after[:1].isspace():
        return None
    return _PHRASES[word], body, False, typed


def _rest(body: str, end: int) -> str:
    return body[end:].strip(" -:.,;–—")


def _cued_rag(body: str) -> tuple[Rag, str] | None:
    """The last explicitly cued status: 'now amber', 'RAG: red', 'back to green'."""
    found: tuple[Rag, str] | None = None
    for match in _CUE_RE.finditer(body):
        rag = _PHRASES[_key(match.group("rag"))]
        if rag is Rag.COMPLETE and match.group("cue").lower() == "now":
            continue  # 'phase 1 now complete' is about part of the work, not the action
        found = (rag, match.group("rag"))
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
_ORDINALS = {
    **{
        f"{n}{suffix}": n
        for n, suffix in zip(range(1, 11), ("st", "nd", "rd", *["th"] * 7), strict=True)
    },
    "first": 1,
    "second": 2,
    "third": 3,
    "fourth": 4,
    "fifth": 5,
    "sixth": 6,
    "seventh": 7,
    "eighth": 8,
    "ninth": 9,
    "tenth": 10,
}
_ITEM = (
    r"(?:(?:milestones?|ms)\s*(?:no\.?\s*)?[#]?\s*(?=\d|one|two|three|four|five|six|seven|eight|nine"
    r"|ten))?(?:m(?=\d))?(?:\d{1,2}|one|two|three|four|five|six|seven|eight|nine|ten)\b"
)  # 'ms1 & ms3', 'milestone 1 and milestone 3' name the milestone again
_ITEMS = rf"{_ITEM}(?:\s*(?:,|&|\+|/|\band\b|-|–|\bto\b)\s*{_ITEM})*"
_ITEMS_ANY = _ITEMS
_MILESTONE = r"(?:milestones?\s*(?:no\.?\s*|nos\.?\s*)?[#]?\s*|ms\s*(?=\d)|m(?=\d))"
_MILESTONE_ANY = _MILESTONE
_ASIDE_PARENS = r"(?:\([^()]{0,120}\)\s*)?"  # 'Milestone 1 (mock-up of the website) done'
_DONE = (
    r"(?:done|complete|completed|achieved|met|finished|delivered|closed|signed\s+off|ticked\s+off"
    r"|reached|hit|✅|☑️?|✔️?)"
)
_ORDINAL_WORD = (
    r"(?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|1st|2nd|3rd|[4-9]th"
    r"|10th)"
)
_ORDINAL = rf"(?P<ord>{_ORDINAL_WORD}(?:\s*(?:,|&|\+|\band\b)\s*(?:the\s+)?{_ORDINAL_WORD})*)"
_MILESTONES_RE = re.compile(
    rf"""(?:\b|(?<=\s)){_MILESTONE}(?P<before>{_ITEMS})\s*{_ASIDE_PARENS}
          (?:(?:is|are|was|were|has\s+been|have\s+been|now|all|both|been)\s+){{0,3}}[:\-]?\s*{_DONE}
       |\b{_DONE}\s*[:\-]?\s*{_MILESTONE}(?P<after>{_ITEMS})
       |\b(?:the\s+)?{_ORDINAL}\s+milestones?\s*{_ASIDE_PARENS}
          (?:(?:is|are|was|were|has\s+been|have\s+been|now|all|both)\s+){{0,2}}[:\-]?\s*{_DONE}""",
    _FLAGS | re.VERBOSE,
)
_ORDINAL_TOKEN_RE = re.compile(_ORDINAL_WORD, _FLAGS)
_ITEM_TOKEN_RE = re.compile(r"\d{1,2}|[a-z]{3,5}|-|–|\bto\b")
_MILESTONE_WORD_RE = re.compile(r"milestones?|ms|no\.?|#")
_MILESTONE_LEAD_RE = re.compile(rf"^{_MILESTONE}\d", _FLAGS)


def _item_numbers(items: str) -> list[int]:
    """'1, 2 & 4' -> [1, 2, 4]; '1-3' and '1 to 3' -> [1, 2, 3]."""
    numbers: list[int] = []
    tokens = _ITEM_TOKEN_RE.findall(_MILESTONE_WORD_RE.sub(" ", items.lower()))
    pending_range = False
    for token in tokens:
        if token in ("-", "–", "to"):
            pending_range = bool(numbers)
            continue
        value = int(token) if token.isdigit() else _NUMBER_WORDS.get(token, 0)
        if value < 1:
            continue
        if pending_range and numbers and numbers[-1] < value <= numbers[-1] + 20:
            numbers.extend(range(numbers[-1] + 1, value + 1))
        else:
            numbers.append(value)
        pending_range = False
    return numbers


def _milestones(body: str) -> tuple[int, ...]:
    """'milestone 2 done', 'milestones 1-3 complete', 'ms 1 & 2 done', 'first milestone met'."""
    numbers: set[int] = set()
    for match in _MILESTONES_RE.finditer(body):
        if match.group("ord"):
            tokens = _ORDINAL_TOKEN_RE.findall(match.group("ord"))
            numbers.update(_ORDINALS[token.lower()] for token in tokens)
            continue
        numbers.update(_item_numbers(match.group("before") or match.group("after")))
    return tuple(sorted(numbers))


# --- review dates ---------------------------------------------------------------------------

# What is moved, between the verb and the date: 'move the review date to', 'push it back to'.
_MOVED_THING = (
    r"(?:(?:the|this|its|our)\s+)?(?:(?:new\s+|next\s+)?review(?:\s+date)?|date|deadline"
    r"|target(?:\s+date)?|timescales?|timeline|completion(?:\s+date)?|due\s+date|end\s+date"
    r"|action|it|this)"
)
_DATE_CUE_RE = re.compile(
    rf"""\b(?:new\s+(?:review\s+|target\s+|due\s+|end\s+)?date(?:\s+(?:is|of|now|will\s+be))?
        |revised\s+(?:review\s+|target\s+|due\s+)?date(?:\s+(?:is|of))?
        |(?P<review>(?:next\s+|to\s+be\s+)?(?:review(?:ed)?|revisit(?:ed)?|look\s+again|check\s+again)
         (?:\s+(?:again|it|this))?(?:\s+date)?
         (?:\s+(?:is|now|on|in|at|by|for|to|until|till|due|please|set\s+for|moved\s+to|changed\s+to
            |back\s+to|pushed\s+(?:back\s+)?to|slipped\s+to|can\s+be|will\s+be|should\s+be
            |stays?(?:\s+as)?|remains?(?:\s+as)?|still|unchanged(?:\s+at)?))*)
        |target(?:\s+date)?(?:\s+(?:is|now|of))?
        |deadline(?:\s+(?:is|now|of))?
        |(?:slipped|slipping|slips|slip|moved|moving|move|pushed|pushing|push|put|set|delayed
           |delay|deferred|defer|postponed|rescheduled|re-scheduled|extended|extend|changed
           |change|brought|bring|(?:days?|weeks?|months?))
         (?:\s+{_MOVED_THING})?(?:\s+(?:back|out|forward|on))?\s+(?:to|until|till|til|into|for|by|on)
        |(?:delayed|deferred|postponed|rescheduled|extended)
        |(?:now\s+)?due(?:\s+(?:by|on|for|in|at|before))?
        |now(?:\s+on)?
        |by|until|till|before)
       \s*[:\-–]?\s*(?:(?:the|w/?c|week\s+commencing)\s+)?$""",
    _FLAGS | re.VERBOSE,
)
# After the date: '06/15/2027 for review', 'w/c 11 January for the review'.
_DATE_AFTER_CUE_RE = re.compile(
    r"\s*(?:is\s+)?(?:for|as)\s+(?:the\s+|our\s+|a\s+)?(?:next\s+|new\s+)?review\b", _FLAGS
)
# A vague phrase that says it is a slip: 'a few weeks' delay'.
_SELF_CUED_RE = re.compile(r"(?:delay|slippage|slip|extension|longer|late)$", _FLAGS)
_CUE_WINDOW = 60
_MAX_CUED_DATES = 6  # more than this and the bot asks anyway; caps the date work per reply
_FILLER = " .!,;:-–—"


@dataclass(frozen=True)
class _Dates:
    new_date: date | None = None
    options: tuple[date, ...] = ()
    phrase: str | None = None
    doubts: tuple[str, ...] = ()
    milestone_dates: tuple[tuple[int, date], ...] = ()
    phrases: tuple[str, ...] = ()

    @property
    def found(self) -> bool:
        return self.new_date is not None or bool(self.options) or bool(self.doubts)


# Right before a vague phrase, a verb of moving is cue enough: 'slipped slightly'.
_MOVE_CUE_RE = re.compile(
    r"""\b(?:slipped|slipping|slips|slip|moved|moving|pushed|pushing|put|delayed|delay|deferred
        |postponed|extended|knocked|bumped|back|out|review(?:\s+again)?|again|look\s+again
        |revisit(?:ed)?|until|till|to|for|in|by|before|around|during|at|within|needs?|another
        |takes?|taking|expect(?:ed|ing)?|aiming|aim|likely|probably|hopefully|looking|now)
       \s*(?:back|out|on)?\s*(?:by|until|to|till|for|in|into|around|at)?\s*$""",
    _FLAGS | re.VERBOSE,
)
_CLAUSE_END_RE = re.compile(r"[;!?\n]|[.,](?!\d)|\band\b|\bbut\b|\s[-–—]\s", _FLAGS)
_MILESTONE_NAMED_RE = re.compile(
    rf"\b{_MILESTONE_ANY}(?P<items>{_ITEMS_ANY})|\b(?P<ordinal>{_ORDINAL_WORD}|final|last|next)"
    r"\s+milestone\b",
    _FLAGS,
)


def _read_dates(
    body: str, words: str, today: date, calendar: WorkingCalendar, done: tuple[int, ...]
) -> _Dates:
    """Cued dates become the new review date; anything unsure becomes a question and why.

    A date in a milestone's words moves that milestone; one that says 'review' is the review
    date, and beats other cued dates ('expected end of April, so move the review to 30/04').
    """
    found = find_reply_phrases(body)
    cued = _cued_phrases(body, found)
    phrases = cued or [(p, False) for p in _only_phrase(body, words, found)]
    readings: list[tuple[ReplyDate, bool]] = []
    milestone_dates: list[tuple[int, date]] = []
    doubts: list[str] = []
    for phrase, says_review in phrases[:_MAX_CUED_DATES]:
        reading = read_reply_date(phrase, body, today=today, calendar=calendar)
        if reading is None:
            continue
        milestone = None if says_review else _milestone_for(body, phrase)
        if milestone is not None and milestone in done:  # 'milestone 1 done, slipped to 3 May'
            which = f"“{phrase.text}”: is that the review date, or milestone {milestone}'s?"
            days = (reading.date,) if reading.date else reading.options
            reading = ReplyDate(phrase, None, days, reading.doubt or which)
        elif milestone is not None:
            if reading.date is not None:
                milestone_dates.append((milestone, reading.date))
            elif reading.doubt:
                doubts.append(f"milestone {milestone}: {reading.doubt}")
            continue
        readings.append((reading, says_review))
    if any(says_review for _, says_review in readings):
        readings = [r for r in readings if r[1]]
    candidates: list[date] = []
    for reading, _ in readings:
        if reading.doubt:
            doubts.append(reading.doubt)
        for day in (reading.date,) if reading.date else reading.options:
            if day not in candidates:
                candidates.append(day)
    texts = tuple(dict.fromkeys(r.phrase.text for r, _ in readings))
    joined = " or ".join(texts) or None
    found_milestones = tuple(dict.fromkeys(milestone_dates))
    if not candidates:
        return _Dates(
            phrase=joined if doubts else None,
            doubts=tuple(dict.fromkeys(doubts)),
            milestone_dates=found_milestones,
            phrases=texts,
        )
    if len(candidates) == 1 and not any(r.asks for r, _ in readings):
        return _Dates(
            new_date=candidates[0], phrase=joined, milestone_dates=found_milestones, phrases=texts
        )
    if len(readings) > 1 and not doubts:
        doubts.append("two different dates were given")
    return _Dates(
        options=tuple(candidates),
        phrase=joined,
        doubts=tuple(dict.fromkeys(doubts)),
        milestone_dates=found_milestones,
        phrases=texts,
    )


# Where a milestone's words stop, looking back from its date: 'milestone 2, tender process
# starts, moved to 12 April' is one; '... done; review 30 April' and '... - amber overall' end it.
_MILESTONE_SPAN_END_RE = re.compile(
    r"[;!?\n]|\.(?!\d)|\s[-–—]+\s|\bbut\b|\b(?:overall|review|action)\b", _FLAGS
)


def _milestone_for(body: str, phrase: DatePhrase) -> int | None:
    """'milestone 2 slipped to 30 April': a date in a milestone's words is that milestone's."""
    start = 0
    for end in _CLAUSE_END_RE.finditer(body, 0, phrase.start):
        start = end.end()
    stop = _CLAUSE_END_RE.search(body, phrase.end)
    clause = body[start : stop.start() if stop else len(body)]
    named = _MILESTONE_NAMED_RE.search(clause)
    if named is None:  # look further back, across commas, to the milestone these words are about
        span_start = 0
        for end in _MILESTONE_SPAN_END_RE.finditer(body, 0, phrase.start):
            span_start = end.end()
        mentions = list(_MILESTONE_NAMED_RE.finditer(body, span_start, phrase.start))
        if not mentions:
            return None
        named = mentions[-1]
    if named.group("ordinal"):
        return _ORDINALS.get(named.group("ordinal").lower())
    numbers = _item_numbers(named.group("items"))
    return numbers[0] if len(numbers) == 1 else None


def _cued_phrases(body: str, phrases: list[DatePhrase]) -> list[tuple[DatePhrase, bool]]:
    """Dates right after 'slipped to', 'new date', 'by' ... or before 'for review'; narrative
    dates are left alone. Each comes with whether its cue says 'review'."""
    found = []
    for phrase in phrases:
        window = max(0, phrase.start - _CUE_WINDOW)
        cue = _DATE_CUE_RE.search(body, window, phrase.start)
        after = _DATE_AFTER_CUE_RE.match(body, phrase.end)
        chat_only = is_chat_only(phrase)
        if cue is not None or after is not None:
            found.append((phrase, after is not None or bool(cue and cue.group("review"))))
        elif chat_only and (
            _MOVE_CUE_RE.search(body, window, phrase.start) or _SELF_CUED_RE.search(phrase.text)
        ):
            found.append((phrase, False))
    return found


_ONLY_PREFIX_RE = re.compile(r"^(?:w/?c|week\s+(?:commencing|beginning|starting))\.?\s*", _FLAGS)


def _only_phrase(body: str, words: str, phrases: list[DatePhrase]) -> list[DatePhrase]:
    """A reply that is nothing but a date ('14 April', 'w/c 12 April') answers 'what date?'."""
    stripped = words.strip(_FILLER)
    prefix = _ONLY_PREFIX_RE.match(stripped)
    if prefix is not None:
        stripped = stripped[prefix.end() :]
    if not stripped or not phrases:
        return []
    offset = body.find(stripped)
    inside = [p for p in phrases if offset <= p.start and p.end <= offset + len(stripped) + 1]
    if offset >= 0 and len(inside) == 1 and inside[0].text.strip(_FILLER) == stripped:
        return inside
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
