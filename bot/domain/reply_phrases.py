"""Finding the date phrases in a chat reply, including the kinds only chat reads.

date_phrases.find_date_phrases finds what spreadsheet imports also read; a reply may also say 'Q1',
'by Christmas', 'a few weeks' or 'the 16th'. Finding them is kept apart from reading them
(reply_dates.py), so the scan and its shortcut tests (tests/domain/test_scan_shortcuts.py)
stand on their own.
"""

from __future__ import annotations

import re

from bot.domain.date_phrases import DatePhrase, find_date_phrases

_FLAGS = re.IGNORECASE

_EXTRA = r"""
    (?P<fye>(?:the\s+)?end\s+of\s+(?:the\s+)?(?:financial|fiscal)\s+year
        |(?:the\s+)?(?:financial|fiscal)[\s-]+year[\s-]+end|(?:the\s+)?end\s+of\s+(?:the\s+)?FY\b
        |\bFY[\s-]*end\b)
  | (?P<cye>(?:the\s+)?end\s+of\s+(?:the\s+)?calendar\s+year)
  | (?P<ye>(?:the\s+)?end\s+of\s+(?:the\s+|this\s+)?year\b|\byear[\s-]+end\b)
  | (?P<qrel>(?:(?:the\s+)?(?:start|beginning|middle|mid|end)\s+of\s+)?
        (?:the\s+)?(?:next|this|coming|following|current)\s+quarter\b
      |(?:the\s+)?(?:start|beginning|middle|mid|end)\s+of\s+(?:the\s+)?quarter\b)
  | (?P<quarter>(?:(?P<qcal>calendar)\s+|(?P<qfin>financial|fiscal|FY)\s*)?
        (?:(?:the\s+)?(?:end|(?P<qpart>start|beginning|middle|mid))\s+of\s+)?
        (?:\bQ(?P<q>[1-4])|(?P<qw>first|second|third|fourth|last)\s+quarter)\b
        (?:\s*(?P<qy>20\d\d(?:\s*/\s*(?:20)?\d\d)?|\d\d/\d\d\b)|\s+(?P<qnext>next\s+year))?)
  | (?P<hols>(?:after\s+)?(?:the\s+)?
        (?:(?:october|february|feb|may|summer|spring|autumn|easter|christmas|xmas|school)\s+
            (?:half[\s-]*term|holidays?|hols|break|recess)
          |half[\s-]*term(?:\s+(?:holidays?|hols|break))?)\b)
  | (?P<xmas>(?P<xafter>after\s+(?:the\s+)?)?(?:christmas|xmas)\b)
  | (?P<easter>(?P<eafter>after\s+(?:the\s+)?)?easter\b)
  | (?P<us>(?<![\w./:\-£$])(?P<usm>0?[1-9]|1[0-2])(?P<uss>[/.\-])(?P<usd>1[3-9]|2\d|3[01])
        (?:(?P=uss)(?P<usy>\d{4}|\d\d))?(?![\w/:%]|[.\-/]\d))
  | (?P<few>\b(?:in\s+)?(?:a\s+few|few|several|some|a\s+number\s+of|a\s+couple\s+more
          |another\s+few|a\s+further\s+few|a\s+couple\s+of\s+more)
        \s+(?:more\s+|extra\s+|further\s+)?(?P<fewunit>days|weeks|months)\b
        (?:(?:'|’)?\s*(?:time|delay|slippage|slip|extension|longer|late))?)
  | (?P<vague>\b(?:slightly|a\s+bit|a\s+little|a\s+little\s+while|a\s+while)\b(?!\s+(?:of|more))
        |\b(?:the\s+)?end\s+of\s+(?:the\s+)?(?:school\s+|summer\s+|spring\s+|autumn\s+)?term\b
        |\b(?:the\s+)?(?:next|following)\s+(?:board|cib|panel|committee|cabinet|scrutiny|partnership)
            (?:\s+meeting)?\b
        |\b(?:the\s+)?new\s+year\b|\b(?:the\s+)?(?:summer|autumn|spring|winter)\b(?!\s+term)
        |\b(?:asap|soon|shortly|later|tbc|tba|tbd)\b)
    """
# Like date_phrases._PHRASE_RE: a phrase starts at a word's start ('xafter christmas', 'offend
# of the financial year' are not phrases), and a zero-width guard fails fast on a character no
# branch begins with. It changes no match: tests/domain/test_scan_shortcuts.py.
_EXTRA_BOUNDARY = r"(?<![^\W_])"
_EXTRA_START = r"(?=[0-9abcefhilmnoqstwxy])"
_EXTRA_FLAGS = _FLAGS | re.VERBOSE
_EXTRA_BARE = f"{_EXTRA_BOUNDARY}(?:{_EXTRA})"  # what the guarded scan must find, for the tests
_EXTRA_RE = re.compile(f"{_EXTRA_BOUNDARY}{_EXTRA_START}(?:{_EXTRA})", _EXTRA_FLAGS)


_EXTRA_KEYS = (
    "year", "fy", "q1", "q2", "q3", "q4", "quarter", "christmas", "xmas", "easter", "few",
    "several", "some", "number of", "couple", "slightly", "bit", "little", "while", "term",
    "next", "following", "summer", "autumn", "spring", "winter", "asap", "soon", "shortly",
    "later", "tbc", "tba", "tbd", "term", "holiday", "hols", "break", "recess",
)  # fmt: skip
_US_HINT_RE = re.compile(r"\d[/.\-][123]\d")


def _may_have_extra(text: str) -> bool:
    """A cheap look for the words the chat-only scanner needs, before running it."""
    low = text.lower()
    return any(key in low for key in _EXTRA_KEYS) or _US_HINT_RE.search(text) is not None


def chat_only_match(text: str) -> re.Match[str] | None:
    """The chat-only phrase `text` is, in full ('Q1', 'by Christmas'); None when it is not one."""
    return _EXTRA_RE.fullmatch(text) if _may_have_extra(text) else None


def is_chat_only(phrase: DatePhrase) -> bool:
    """Quarters, 'by Christmas', 'a few weeks' ...: phrases only chat replies read."""
    return chat_only_match(phrase.text) is not None


def find_reply_phrases(text: str) -> list[DatePhrase]:
    """Every date phrase in a reply, chat-only kinds first; overlapping ones are dropped.

    A day our grammar can't build ('Tuesday the 16th', '2nd of next month', 'the 16th') comes
    back as one phrase marked `fallback`, so that neither 'Tuesday' nor 'next month' alone is
    read as if it were the whole date.
    """
    phrases = (
        [DatePhrase(m.start(), m.end(), m.group(0)) for m in _EXTRA_RE.finditer(text)]
        if _may_have_extra(text)
        else []
    )
    for phrase in find_date_phrases(text):
        if not any(p.start < phrase.end and phrase.start < p.end for p in phrases):
            phrases.append(phrase)
    if _ORDINAL_HINT_RE.search(text):
        phrases = _with_ordinal_days(text, phrases)
    return sorted(phrases, key=lambda p: p.start)


_ORDINAL_WORDS = (
    r"(?:(?:twenty|thirty)[\s-]?(?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth)"
    r"|first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|eleventh|twelfth"
    r"|(?:thir|four|fif|six|seven|eigh|nine)teenth|twentieth|thirtieth)"
)
_ORDINAL_HINT_RE = re.compile(r"\d(?:st|nd|rd|th)\b|\w(?:st|nd|rd|th)\s+of\b", _FLAGS)
# A day of the month the grammar doesn't place: '16th', 'the twenty-second of'.
_ORDINAL_DAY_RE = re.compile(
    rf"(?<![\w./])(?:the\s+)?(?:(?P<digits>[0-3]?\d(?:st|nd|rd|th))\b|{_ORDINAL_WORDS}(?=\s+of\b))",
    _FLAGS,
)
_OF_GAP_RE = re.compile(r"\s+of\s+(?:the\s+)?", _FLAGS)
_THE_GAP_RE = re.compile(r",?\s+(?:the\s+)?", _FLAGS)
_RANGE_GAP_RE = re.compile(r"\s*(?:-|–|\bto\b|\band\b|&)\s*(?:the\s+)?\d", _FLAGS)
# '... on the 16th.' ends there; 'the 2nd review', '1st cohort' are not dates.
_DAY_ALONE_END_RE = re.compile(
    r"\s*(?:$|[.,;:!?)\-–—]|\s(?:please|pls|for|if|and|as|then|instead|at|with|so|but|when)\b)",
    _FLAGS,
)


def _with_ordinal_days(text: str, phrases: list[DatePhrase]) -> list[DatePhrase]:
    """Join an ordinal day to the phrase it completes, or keep it alone; mark it `fallback`."""
    for match in _ORDINAL_DAY_RE.finditer(text):
        start, end = match.span()
        if any(p.start < end and start < p.end for p in phrases):
            continue  # the grammar read it already ('14th April')
        after = next((p for p in phrases if _gap(text, end, p.start, _OF_GAP_RE)), None)
        before = next((p for p in phrases if _gap(text, p.end, start, _THE_GAP_RE)), None)
        if after is not None:  # '2nd of next month', 'the twenty-second of March'
            joined = [p for p in phrases if p is not after]
            joined.append(DatePhrase(start, after.end, text[start : after.end], fallback=True))
            phrases = joined
        elif before is not None and _ends_in_day_name(before.text):  # 'Tuesday the 16th'
            joined = [p for p in phrases if p is not before]
            joined.append(DatePhrase(before.start, end, text[before.start : end], fallback=True))
            phrases = joined
        elif match.group("digits") and (
            _RANGE_GAP_RE.match(text, end) or _DAY_ALONE_END_RE.match(text, end)
        ):
            stop = end
            if _RANGE_GAP_RE.match(text, end):  # '16th-20th March': one phrase, asked about
                stop = next((p.end for p in phrases if p.start >= end), end)
                stop = max(stop, _RANGE_GAP_RE.match(text, end).end())  # type: ignore[union-attr]
                phrases = [p for p in phrases if not (end <= p.start < stop)]
            phrases.append(DatePhrase(start, stop, text[start:stop], fallback=True))
    return phrases


def _gap(text: str, left: int, right: int, gap: re.Pattern[str]) -> bool:
    return left <= right and gap.fullmatch(text, left, right) is not None


_DAY_NAME_END_RE = re.compile(
    r"(?:mon|tues?|wed(?:nes)?|thu(?:rs)?|fri|sat(?:ur)?|sun)(?:day)?\.?$", _FLAGS
)


def _ends_in_day_name(text: str) -> bool:
    return _DAY_NAME_END_RE.search(text) is not None
