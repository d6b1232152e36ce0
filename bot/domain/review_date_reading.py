"""Which dates in a reply set the new review date, and which must be asked about.

A date right after a cue ('slipped to', 'new date', 'by') or before 'for review' is a review
date; narrative dates are left alone; a date in a milestone's words moves that milestone.
reply_dates.py says what one phrase means; this module decides what the reply's phrases,
taken together, ask for.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from bot.domain.date_phrases import DatePhrase
from bot.domain.milestone_reading import milestone_for
from bot.domain.reply_dates import ReplyDate, read_reply_date
from bot.domain.reply_phrases import find_reply_phrases, is_chat_only
from bot.domain.workdays import WorkingCalendar

_FLAGS = re.IGNORECASE | re.ASCII

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
class ReviewDates:
    new_date: date | None = None
    options: tuple[date, ...] = ()
    phrase: str | None = None
    doubts: tuple[str, ...] = ()  # about the review date
    milestone_dates: tuple[tuple[int, date], ...] = ()
    phrases: tuple[str, ...] = ()
    milestone_doubts: tuple[tuple[int, str], ...] = ()  # (milestone, why its date is doubtful)

    @property
    def found(self) -> bool:
        doubtful = bool(self.doubts or self.milestone_doubts)
        return self.new_date is not None or bool(self.options) or doubtful


# Right before a vague phrase, a verb of moving is cue enough: 'slipped slightly'.
_MOVE_CUE_RE = re.compile(
    r"""\b(?:slipped|slipping|slips|slip|moved|moving|pushed|pushing|put|delayed|delay|deferred
        |postponed|extended|knocked|bumped|back|out|review(?:\s+again)?|again|look\s+again
        |revisit(?:ed)?|until|till|to|for|in|by|before|around|during|at|within|needs?|another
        |takes?|taking|expect(?:ed|ing)?|aiming|aim|likely|probably|hopefully|looking|now)
       \s*(?:back|out|on)?\s*(?:by|until|to|till|for|in|into|around|at)?\s*$""",
    _FLAGS | re.VERBOSE,
)


def read_review_dates(
    body: str, words: str, today: date, calendar: WorkingCalendar, done: tuple[int, ...]
) -> ReviewDates:
    """Cued dates become the new review date; anything unsure becomes a question and why.

    A date in a milestone's words moves that milestone; one that says 'review' is the review
    date, and beats other cued dates ('expected end of April, so move the review to 30/04').
    """
    found = find_reply_phrases(body)
    cued = _cued_phrases(body, found)
    phrases = cued or [(p, False) for p in _only_phrase(body, words, found)]
    readings: list[tuple[ReplyDate, bool]] = []
    milestone_dates: list[tuple[int, date]] = []
    milestone_doubts: list[tuple[int, str]] = []
    doubts: list[str] = []
    for phrase, says_review in phrases[:_MAX_CUED_DATES]:
        reading = read_reply_date(phrase, body, today=today, calendar=calendar)
        if reading is None:
            continue
        milestone = None if says_review else milestone_for(body, phrase)
        if milestone is not None and milestone in done:  # 'milestone 1 done, slipped to 3 May'
            which = f"“{phrase.text}”: is that the review date, or milestone {milestone}'s?"
            days = (reading.date,) if reading.date else reading.options
            reading = ReplyDate(phrase, None, days, reading.doubt or which)
        elif milestone is not None:
            if reading.date is not None:
                milestone_dates.append((milestone, reading.date))
            elif reading.doubt:
                milestone_doubts.append((milestone, reading.doubt))
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
    asked = tuple(dict.fromkeys(milestone_doubts))
    if not candidates:
        return ReviewDates(
            phrase=joined if doubts or asked else None,
            doubts=tuple(dict.fromkeys(doubts)),
            milestone_dates=found_milestones,
            phrases=texts,
            milestone_doubts=asked,
        )
    if len(candidates) == 1 and not any(r.asks for r, _ in readings):
        return ReviewDates(
            new_date=candidates[0],
            phrase=joined,
            milestone_dates=found_milestones,
            phrases=texts,
            milestone_doubts=asked,
        )
    if len(readings) > 1 and not doubts and not asked:
        doubts.append("two different dates were given")
    return ReviewDates(
        options=tuple(candidates),
        phrase=joined,
        doubts=tuple(dict.fromkeys(doubts)),
        milestone_dates=found_milestones,
        phrases=texts,
        milestone_doubts=asked,
    )


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
