"""Reading which milestones a reply says are done, and which milestone a date is about.

'milestone 2 done', 'ms 1 & 3 complete', 'first milestone met'; and in 'milestone 2 slipped to
30 April' the date moves milestone 2, not the review. Milestone words have their own grammar,
shared by both questions, so they live here together.
"""

from __future__ import annotations

import re

from bot.domain.date_phrases import DatePhrase
from bot.domain.date_words import NUMBER_WORDS

_FLAGS = re.IGNORECASE | re.ASCII

# Milestones are numbered one to ten in words ("milestones one and two"): "a" and "couple"
# count things, they don't name a milestone.
_NUMBER_WORDS = {
    w: n for w, n in NUMBER_WORDS.items() if n <= 10 and w not in ("a", "an", "couple")
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
MILESTONES_RE = re.compile(
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
MILESTONE_LEAD_RE = re.compile(rf"^{_MILESTONE}\d", _FLAGS)


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


def read_milestones(body: str) -> tuple[int, ...]:
    """'milestone 2 done', 'milestones 1-3 complete', 'ms 1 & 2 done', 'first milestone met'."""
    numbers: set[int] = set()
    for match in MILESTONES_RE.finditer(body):
        if match.group("ord"):
            tokens = _ORDINAL_TOKEN_RE.findall(match.group("ord"))
            numbers.update(_ORDINALS[token.lower()] for token in tokens)
            continue
        numbers.update(_item_numbers(match.group("before") or match.group("after")))
    return tuple(sorted(numbers))


_CLAUSE_END_RE = re.compile(r"[;!?\n]|[.,](?!\d)|\band\b|\bbut\b|\s[-–—]\s", _FLAGS)
_MILESTONE_NAMED_RE = re.compile(
    rf"\b{_MILESTONE_ANY}(?P<items>{_ITEMS_ANY})|\b(?P<ordinal>{_ORDINAL_WORD}|final|last|next)"
    r"\s+milestone\b",
    _FLAGS,
)

# Where a milestone's words stop, looking back from its date: 'milestone 2, tender process
# starts, moved to 12 April' is one; '... done; review 30 April' and '... - amber overall' end it.
_MILESTONE_SPAN_END_RE = re.compile(
    r"[;!?\n]|\.(?!\d)|\s[-–—]+\s|\bbut\b|\b(?:overall|review|action)\b", _FLAGS
)


def milestone_for(body: str, phrase: DatePhrase) -> int | None:
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
