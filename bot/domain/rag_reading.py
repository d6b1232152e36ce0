"""Reading an owner's RAG status from a reply: 'amber', 'R -', 'red to amber', 'now green'.

parse_update weighs this against status_words.read_status (synonyms, emoji, typos); kept on
its own because the status grammar is the largest single part of reading a reply.
"""

from __future__ import annotations

import re

from bot.domain.rag import RAG_WORDS, Rag
from bot.domain.status_words import STATUS_SYNONYMS, followed_by_name

_FLAGS = re.IGNORECASE | re.ASCII

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


def read_rag(body: str) -> tuple[Rag | None, str, str | None]:
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
