"""The parser's speed shortcuts change no reading.

bench/parse_rate.py showed most of parse_update's time going on regexes tried at every position
of a reply and on a distance table built for every typo candidate. Each shortcut (a guard that
fails fast where no phrase can start, a text with no date hint skipping the date scan, a
letter-set bound before the distance table) is checked here against the plain version on
generated text made of the fragments those patterns care about.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain import date_phrases, rag_reading, reply_phrases, status_words

# Phrases that start inside a word: no date phrase may start there ('Omar 12' is not 'mar 12').
_IN_WORD = (
    *("amid May", "upon Friday 3 June", "legend of next week", "Omar 12", "bathe 12 May"),
    *("becoming Friday", "tea week on Friday", "xafter christmas", "nonfiscal year end"),
    *("outlast quarter", "selfFY Q1", "northeaster", "unearly June", "mythe end of May"),
    *("rethird quarter", "midweek", "offend of the financial year", "calendarcalendar Q3"),
)
_FRAGMENTS = (
    *("January", "jan", "Jan", "MAY", "may", "Sept", "sep", "Dec", "mar", "june", "Jul"),
    *("Monday", "Mon", "Tues", "thu", "Thurs", "FRI", "Sat", "sunday", "week", "weeks"),
    *("the", "end", "of", "mid", "middle", "early", "beginning", "start", "late", "next"),
    *("this", "coming", "on", "a", "an", "in", "two", "couple", "day", "days", "month"),
    *("fortnight", "time", "from", "now", "today", "tomorrow", "after", "last", "past"),
    *("financial", "fiscal", "year", "FY", "Q1", "q4", "calendar", "quarter", "first"),
    *("christmas", "Xmas", "easter", "few", "several", "slightly", "term", "board", "summer"),
    *("asap", "tbc", "red", "Amber", "green", "on track", "done", "to", "into", "->", "→"),
    *("pushed back", "slipped", "+2", "w", "milestone", "ms", "complete", "overall"),
    *("1", "12", "30", "31", "2027", "'27", "27", "O5", "24/7", "04/30/2027", "3.2", "14th"),
    *("/", ".", "-", ",", "'", "(", ")", ":", "£", "$", "_", "x", "ab", "é", "\u212a", "Omar"),
    *_IN_WORD,
)
_JOINS = ("", " ", " ", "  ", "\u00a0", ", ")
_TEXT = st.lists(st.tuples(st.sampled_from(_JOINS), st.sampled_from(_FRAGMENTS)), max_size=12).map(
    lambda parts: "".join(join + part for join, part in parts)
)


def _found(pattern: re.Pattern[str], text: str) -> list[tuple[tuple[int, int], dict[str, str]]]:
    return [(m.span(), m.groupdict()) for m in pattern.finditer(text)]


_BARE_PHRASE_RE = re.compile(date_phrases._PHRASE_BARE, date_phrases._PHRASE_FLAGS)
_BARE_EXTRA_RE = re.compile(reply_phrases._EXTRA_BARE, reply_phrases._EXTRA_FLAGS)
_BARE_TRANSITION_RE = re.compile(rag_reading._TRANSITION, rag_reading._FLAGS)


@settings(max_examples=600, deadline=None)
@given(_TEXT)
def test_guarded_date_scan_finds_what_the_bare_pattern_finds(text: str) -> None:
    text = text.translate(date_phrases._SPACES)
    assert _found(date_phrases._PHRASE_RE, text) == _found(_BARE_PHRASE_RE, text)


@settings(max_examples=600, deadline=None)
@given(_TEXT)
def test_a_text_without_date_hints_has_no_date_phrase(text: str) -> None:
    if not date_phrases._may_have_date(text):
        assert _BARE_PHRASE_RE.search(text.translate(date_phrases._SPACES)) is None


@settings(max_examples=600, deadline=None)
@given(_TEXT)
def test_guarded_chat_only_scan_finds_what_the_bare_pattern_finds(text: str) -> None:
    assert _found(reply_phrases._EXTRA_RE, text) == _found(_BARE_EXTRA_RE, text)


@settings(max_examples=600, deadline=None)
@given(_TEXT)
def test_guarded_transition_scan_finds_what_the_bare_pattern_finds(text: str) -> None:
    assert _found(rag_reading._TRANSITION_RE, text) == _found(_BARE_TRANSITION_RE, text)


@pytest.mark.parametrize("text", _IN_WORD)
def test_no_phrase_starts_inside_a_word(text: str) -> None:
    for guarded, bare in (
        (date_phrases._PHRASE_RE, _BARE_PHRASE_RE),
        (reply_phrases._EXTRA_RE, _BARE_EXTRA_RE),
        (rag_reading._TRANSITION_RE, _BARE_TRANSITION_RE),
    ):
        assert _found(guarded, text) == _found(bare, text)
        for match in guarded.finditer(text):
            assert match.start() == 0 or not text[match.start() - 1].isalnum(), match.group(0)


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("Omar 12", []),
        ("amid May", ["May"]),
        ("upon Friday 3 June", ["Friday 3 June"]),
        ("legend of next week", ["next week"]),
        ("bathe 12 May", ["12 May"]),
        ("xafter christmas", ["christmas"]),
        ("offend of the financial year", []),
    ],
)
def test_in_word_phrases_are_read_from_the_word_boundary(text: str, found: list[str]) -> None:
    assert [p.text for p in reply_phrases.find_reply_phrases(text)] == found


def test_every_status_phrase_starts_with_a_letter_the_transition_guard_admits() -> None:
    assert all(phrase[0].isascii() and phrase[0].isalpha() for phrase in rag_reading._PHRASES)


_TARGETS = status_words._TYPO_TARGETS


def _near_status_without_shortcut(word: str) -> str | None:
    """status_words._near_status as it was before the letter-set bound."""
    if len(word) < 3 or word in status_words.STATUS_SYNONYMS:
        return None
    best: tuple[int, str] | None = None
    tied = False
    for target in status_words._TYPOS_BY_LETTER.get(word[0], ()):
        if abs(len(target) - len(word)) > 1:
            continue
        limit = 1 if len(target) < 7 else 2
        distance = status_words._distance(word, target, limit)
        if distance > limit:
            continue
        if best is None or distance < best[0]:
            best, tied = (distance, target), False
        elif distance == best[0] and _TARGETS[target] is not _TARGETS[best[1]]:
            tied = True
    return None if best is None or tied else best[1]


_LETTERS = "".join(sorted(set("".join(_TARGETS)))) + "xz"


@st.composite
def _slipped(draw: st.DrawFn) -> str:
    """A status word with one to three letters dropped, added, changed or swapped."""
    word = draw(st.sampled_from(sorted(_TARGETS)))
    for _ in range(draw(st.integers(1, 3))):
        at = draw(st.integers(0, len(word) - 1))
        letter = draw(st.sampled_from(_LETTERS))
        slip = draw(st.sampled_from(("drop", "add", "change", "swap")))
        if slip == "drop":
            word = word[:at] + word[at + 1 :]
        elif slip == "add":
            word = word[:at] + letter + word[at:]
        elif slip == "change":
            word = word[:at] + letter + word[at + 1 :]
        elif at + 1 < len(word):
            word = word[:at] + word[at + 1] + word[at] + word[at + 2 :]
    return word


@settings(max_examples=1500, deadline=None)
@given(st.one_of(_slipped(), st.text(alphabet=_LETTERS, min_size=3, max_size=16)))
def test_letter_set_bound_changes_no_typo_guess(word: str) -> None:
    assert status_words._near_status(word) == _near_status_without_shortcut(word)


_SLIPS = ("gren", "ambre", "compelte", "on trak", "finsihed", "not strated", "gree")


def test_known_slips_are_still_guessed() -> None:
    for slip in _SLIPS:
        assert status_words._near_status(slip) == _near_status_without_shortcut(slip) is not None
