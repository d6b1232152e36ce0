"""Finding where date-like phrases sit in a text (regex only), before anything reads them.

Split from dates.py so the scanner, which is most of the parser's time and has its own
shortcut tests (tests/domain/test_scan_shortcuts.py), can be read and tuned on its own.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from bot.domain.date_words import MONTH_BY_PREFIX, NUMBER_PATTERN, WEEKDAY_BY_PREFIX

_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\b\.?"
)
# On its own a month word must look like a month: 'may' and 'Jan' are also ordinary words.
_BARE_MONTH = (
    r"(?:january|february|march|april|june|july|august|september|october|november|december"
    r"|(?-i:May|MAY|Jan|JAN|Feb|FEB|Mar|MAR|Apr|APR|Jun|JUN|Jul|JUL|Aug|AUG|Sept?|SEPT?|Oct"
    r"|OCT|Nov|NOV|Dec|DEC))\b\.?"
)
_WEEKDAY = (
    r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday"
    r"|(?-i:Mon|Tues?|Wed|Thur?s?|Fri|Sat|Sun|MON|TUES?|WED|THURS?|FRI|SAT|SUN))\b\.?"
)
_DAY = r"(?:[0-3]?\d|[Oo]\d)(?:st|nd|rd|th)?\b"
_YEAR_AFTER = r"(?:[\s,\-/]+(?:\d{4}(?!\d)|'\d{2}\b|\d{2}(?![\w:%/]|\.\d|\s+\w)))"
_NUM = NUMBER_PATTERN
_UNIT = r"(?:days?|weeks?|wks?|months?|fortnights?)"

_PHRASE = rf"""
    (?P<weekend>(?:the\s+)?end\s+of\s+(?:the\s+|this\s+|(?P<wknext>next)\s+)week\b)
  | (?P<fuzzy>(?:the\s+)?(?P<fz>end|mid|middle|early|beginning|start|late)
        (?:\s*-\s*|\s+of\s+|\s+)(?:the\s+)?
        (?:(?P<fzrel>this|next)\s+month\b|month\b
          |(?P<fzm>{_MONTH})(?:[\s,]*(?P<fzy>\d{{4}})(?!\d))?))
  | (?P<daymonth>(?:(?:(?:this|next|on)\s+)?(?P<dmw>{_WEEKDAY}),?\s+)?(?:the\s+)?
        (?<![\w./:£$])(?P<dmd>{_DAY})(?:\s*of\s+|[\s\-/]*)(?P<dmm>{_MONTH})
        (?P<dmy>{_YEAR_AFTER})?)
  | (?P<monthyear>(?P<mym>{_MONTH})
        (?:[\s,]*(?P<myy>\d{{4}}(?!\d)|'\d{{2}}\b)|-(?P<myy2>\d{{2}})\b(?!-)))
  | (?P<monthday>(?:(?P<mdw>{_WEEKDAY}),?\s+)?(?P<mdm>{_MONTH})\s*(?:the\s+)?
        (?P<mdd>{_DAY})(?![.,]\d)
        (?:,?\s*(?P<mdy>\d{{4}})(?!\d))?)
  | (?P<numeric>(?<![\w./:\-£$])
        (?:(?P<iy>\d{{4}})-(?P<im>\d{{1,2}})-(?P<id>\d{{1,2}})
          |(?P<nd>[0-3]?\d|[Oo]\d)(?P<ns>[/.\-])(?P<nm>[01]?\d)(?:(?P=ns)(?P<ny>\d{{4}}|\d{{2}}))?)
        (?![\w/:%]|[.\-/]\d))
  | (?P<relative>\b(?:today|tomorrow|(?:the\s+)?day\s+after\s+tomorrow|next\s+week
        |(?P<nextmonth>next\s+month)
        |a\s+week\s+(?P<weekfrom>today|tomorrow)
        |in\s+(?P<rn1>{_NUM})\s+(?P<ru1>{_UNIT})(?:\s*(?:'|’)?s?\s+time)?
        |in\s+a\s+(?P<ru2>fortnight)(?:(?:'|’)s\s+time)?
        |(?P<rn3>{_NUM})\s+(?P<ru3>{_UNIT})(?:\s*(?:'|’)s?\s+time|\s+from\s+(?:now|today)))\b)
  | (?P<weekday>(?:(?P<wq>next|this(?:\s+coming)?|coming)\s+|(?P<wkon>a\s+week\s+on)\s+)?
        (?P<wd>{_WEEKDAY})(?P<wkafter>\s+week\b|\s+after\s+next\b)?)
  | (?P<month>(?<![\w'])(?P<bm>{_BARE_MONTH})(?!['\w]))
    """
# A phrase starts at a word's start: 'Omar 12' is not 'mar 12', 'amid May' not 'mid May',
# 'upon Friday' not 'on Friday', 'legend of next week' not 'end of next week'.
_BOUNDARY = r"(?<![0-9A-Za-z_\u00c0-\u024f])"
# The regex engine tries all nine branches above at every position of a reply, and that scan was
# most of the parser's time. This zero-width guard fails fast on a character no branch begins
# with. It changes no match: tests/domain/test_scan_shortcuts.py.
_PHRASE_START = r"(?=[0-9abcdefijlmnostw])"
_PHRASE_FLAGS = re.IGNORECASE | re.ASCII | re.VERBOSE
_PHRASE_BARE = f"{_BOUNDARY}(?:{_PHRASE})"  # what the guarded scan must find, for the tests
_PHRASE_RE = re.compile(f"{_BOUNDARY}{_PHRASE_START}(?:{_PHRASE})", _PHRASE_FLAGS)
PHRASE_KINDS = (
    "weekend",
    "fuzzy",
    "daymonth",
    "monthyear",
    "monthday",
    "numeric",
    "relative",
    "weekday",
    "month",
)
_PAST_BEFORE_RE = re.compile(r"\b(?:last|past|previous)\s+$", re.IGNORECASE | re.ASCII)
# Unicode spaces become plain spaces one for one, so positions in the text stay valid.
_SPACES = str.maketrans(
    dict.fromkeys(
        "\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006"
        "\u2007\u2008\u2009\u200a\u202f\u205f\u3000",
        " ",
    )
)


@dataclass(frozen=True)
class DatePhrase:
    """Where a date-like phrase sits in a longer text; read it with read_date(phrase.text)."""

    start: int
    end: int
    text: str
    # Our grammar sees a date here but can't build it ('Tuesday the 16th', '2nd of next month'):
    # read by fallback_date (its own day and month, else dateparser), then doubted like any other.
    fallback: bool = False


# Every phrase the scanner finds has a digit or one of these words in it, so most replies with
# none ('amber, on track') skip the scan altogether.
_HINT_WORDS = (
    *MONTH_BY_PREFIX,
    *WEEKDAY_BY_PREFIX,
    "day",
    "week",
    "wk",
    "fortnight",
    "tomorrow",
)
_DIGIT_RE = re.compile(r"[0-9]")


def _may_have_date(text: str) -> bool:
    """A cheap look for a digit or _HINT_WORDS before the full scan (see there)."""
    if _DIGIT_RE.search(text) is not None:
        return True
    low = text.lower()
    return any(word in low for word in _HINT_WORDS)


def scan_phrases(text: str) -> Iterator[re.Match[str]]:
    """Candidate date phrases, skipping past references like 'last Friday'."""
    if not _may_have_date(text):
        return
    for match in _PHRASE_RE.finditer(text.translate(_SPACES)):
        if match.group("numeric") and match.group(0) == "24/7":
            continue
        if match.group("weekday") and _PAST_BEFORE_RE.search(
            text, max(0, match.start() - 12), match.start()
        ):
            continue
        yield match


def find_date_phrases(text: str) -> tuple[DatePhrase, ...]:
    """Locate date phrases in a message quickly (regex only) so callers can judge their context."""
    return tuple(DatePhrase(m.start(), m.end(), m.group(0)) for m in scan_phrases(text))
