"""The status an owner gives in their own words: codes, synonyms, emoji, corrections, typos.

`read_status` looks past the opening words ('milestone 2 done, amber overall', '… Overall: off
track.'), honours negations and corrections ('no longer red - green', 'red, sorry, I mean
amber') and never reads a place or a name ('Green Lane', 'Amber Valley') as a status. A word
that is nearly a status ('gren', 'on trak') is never read silently: it comes back as a guess.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.domain.date_phrases import find_date_phrases
from bot.domain.rag import Rag

_FLAGS = re.IGNORECASE

# Whole-clause statuses: a clause that is nothing but one of these (plus 'overall', 'now' ...).
STATUS_SYNONYMS: dict[str, Rag] = {
    "red": Rag.RED,
    "off track": Rag.RED,
    "off-track": Rag.RED,
    "not on track": Rag.RED,
    "unfavourable": Rag.RED,
    "behind": Rag.RED,
    "behind schedule": Rag.RED,
    "failing": Rag.RED,
    "stalled": Rag.RED,
    "blocked": Rag.RED,
    "amber": Rag.AMBER,
    "at risk": Rag.AMBER,
    "at-risk": Rag.AMBER,
    "some risk": Rag.AMBER,
    "yellow": Rag.AMBER,
    "neutral": Rag.AMBER,
    "on track/neutral": Rag.AMBER,
    "on track-neutral": Rag.AMBER,
    "on track - neutral": Rag.AMBER,
    "slightly behind": Rag.AMBER,
    "green": Rag.GREEN,
    "on track": Rag.GREEN,
    "on-track": Rag.GREEN,
    "on target": Rag.GREEN,
    "on schedule": Rag.GREEN,
    "favourable": Rag.GREEN,
    "all good": Rag.GREEN,
    "going well": Rag.GREEN,
    "complete": Rag.COMPLETE,
    "completed": Rag.COMPLETE,
    "done": Rag.COMPLETE,
    "all done": Rag.COMPLETE,
    "all complete": Rag.COMPLETE,
    "all completed": Rag.COMPLETE,
    "all actions complete": Rag.COMPLETE,
    "all actions completed": Rag.COMPLETE,
    "finished": Rag.COMPLETE,
    "closed": Rag.COMPLETE,
    "delivered": Rag.COMPLETE,
    "achieved": Rag.COMPLETE,
    "signed off": Rag.COMPLETE,
    "blue": Rag.COMPLETE,
    "not started": Rag.NOT_STARTED,
    "not-started": Rag.NOT_STARTED,
    "not yet started": Rag.NOT_STARTED,
    "yet to start": Rag.NOT_STARTED,
    "yet to begin": Rag.NOT_STARTED,
    "not begun": Rag.NOT_STARTED,
    "not yet begun": Rag.NOT_STARTED,
    "grey": Rag.NOT_STARTED,
    "gray": Rag.NOT_STARTED,
    "ns": Rag.NOT_STARTED,
    # Added from unseen phrasings: the same statuses in other everyday words.
    "off target": Rag.RED,
    "not on target": Rag.RED,
    "on plan": Rag.GREEN,
    "ahead of schedule": Rag.GREEN,
    "not commenced": Rag.NOT_STARTED,
    "not yet commenced": Rag.NOT_STARTED,
    "yet to commence": Rag.NOT_STARTED,
    "yet to be started": Rag.NOT_STARTED,
    "not kicked off": Rag.NOT_STARTED,
    "not yet kicked off": Rag.NOT_STARTED,
    **{
        f"{have}{nt} {verb}": Rag.NOT_STARTED
        for have in ("has", "have")
        for nt in ("n't", "n’t", " not", "nt")
        for verb in ("started", "begun", "commenced", "yet started", "yet begun")
    },
}
LETTER_CODES: dict[str, Rag] = {"r": Rag.RED, "a": Rag.AMBER, "g": Rag.GREEN, "b": Rag.COMPLETE}
EMOJI: dict[str, Rag] = {
    "✅": Rag.COMPLETE,
    "☑": Rag.COMPLETE,
    "✔": Rag.COMPLETE,
    "🔵": Rag.COMPLETE,
    "🟢": Rag.GREEN,
    "🟠": Rag.AMBER,
    "🟡": Rag.AMBER,
    "🔴": Rag.RED,
}
# Typos are matched against these (the words people actually type), never against codes.
_TYPO_TARGETS: dict[str, Rag] = {
    word: rag
    for word, rag in STATUS_SYNONYMS.items()
    if len(word) >= 4
    and "-" not in word
    and "/" not in word
    and word not in ("behind", "grey", "gray", "blue")
}

_TYPOS_BY_LETTER: dict[str, tuple[str, ...]] = {
    letter: tuple(t for t in _TYPO_TARGETS if t[0] == letter)
    for letter in {t[0] for t in _TYPO_TARGETS}
}
# One slip (a letter out, in, wrong or swapped) changes a word's set of letters by at most two,
# so a word sharing too few letters with a target is too far from it without the distance
# table, which was most of the time spent on replies with no status.
_TYPO_LETTERS = {target: frozenset(target) for target in _TYPO_TARGETS}
_CLAUSE_SPLIT_RE = re.compile(
    r"\s*(?:[,;:!?()\n]|\.(?!\d)|\s[-–—]+\s|[-–—]{2,}|\bbut\b)\s*", _FLAGS
)
# Words that may sit around a status in a clause of its own: 'amber overall', 'now green'.
_ASIDE = (
    r"(?:overall|now|currently|still|status|rag|rating|rag\s+status|rag\s+rating|is|it's|its"
    r"|it\s+is|we're|we\s+are|remains?|remaining|staying|stays|at|as|of|the|action|project"
    r"|this|one|so|and|then|back\s+to|moved\s+to|move\s+to|moving\s+to|going|gone|to|set"
    r"|mark(?:ed)?(?:\s+as)?|please|pls|for\s+now|this\s+month|i\s+think|i'd\s+say"
    r"|would\s+say|say|should\s+be|will\s+be|rated|considered|assessed\s+as|sorry|i\s+mean"
    r"|i\s+meant|meant|actually|correction|make\s+that|should\s+read|update|updated|=|>"
    # 'so I'd keep this amber', 'I'd rate it green', 'still hasn't started yet', 'finally done'
    r"|yet|finally|i'd|i’d|i\s+would|we'd|we’d|we\s+would|would|rate|call|calling|keep|keeping"
    r"|put|putting|marking|it|for\s+the\s+time\s+being|at\s+the\s+moment|at\s+present"
    r"|on\s+balance|in\s+my\s+view|i\s+reckon|i\s+believe|firmly|definitely|very\s+much"
    r"|under\s+the\s+rag\s+(?:rules|criteria|guidance|definitions))"
)
_ASIDE_RE = re.compile(_ASIDE, _FLAGS)
_OVERALL_RE = re.compile(r"\boverall\b", _FLAGS)
_NOW_RE = re.compile(r"now\b", _FLAGS)
_DIGIT_RE = re.compile(r"\d")
_CORRECTION_RE = re.compile(
    r"\b(?:sorry|i\s+mean|i\s+meant|meant\s+to\s+say|actually|correction|make\s+that|scratch"
    r"\s+that|should\s+read|should\s+have\s+said)\b",
    _FLAGS,
)
_NEGATION_RE = re.compile(
    r"(?:\bnot|\bno\s+longer|\bnever|\bisn'?t|\bisn’t|\bwasn'?t|\baren'?t|\bno|\bnor|\bnot\s+yet"
    r"|\bnot\s+quite|\bfar\s+from|\bhardly|\brather\s+than|\binstead\s+of|\bwas|\bfrom)\s+"
    r"(?:(?:yet|quite|really|fully|entirely|actually|been|be|the|at)\s+)?$",
    _FLAGS,
)
# Names and places that start with a colour: 'Green Lane', 'Redcar', 'Amber Valley'.
_NAME_WORDS = frozenset(
    {"lane", "valley", "park", "street", "road", "avenue", "close", "way", "hill", "school"}
    | {"academy", "primary", "centre", "center", "house", "court", "drive", "ward", "estate"}
    | {"belt", "party", "team", "group", "room", "book", "paper", "tape", "light", "lights"}
    | {"flag", "flags", "card", "cards", "zone", "list", "route", "herring", "cross", "alert"}
    | {"space", "spaces", "field", "fields", "shoots", "carpet", "line", "lines", "homes"}
    | {"nursery", "surgery", "practice", "ward", "gardens", "square", "bridge", "meadows"}
)
_STATUS_WORDS_RE = re.compile(
    "|".join(
        r"\s+".join(re.escape(part) for part in phrase.split())
        for phrase in sorted(STATUS_SYNONYMS, key=len, reverse=True)
    ),
    _FLAGS,
)
_STATUS_RE = re.compile(rf"(?<![\w-])(?:{_STATUS_WORDS_RE.pattern})(?![\w]|-\w)", _FLAGS)
_CLAUSE_STATUS_RE = re.compile(
    rf"^(?:{_ASIDE}\s*)*(?P<rag>{_STATUS_WORDS_RE.pattern}|(?-i:[RAGB]))(?:\s*{_ASIDE})*$",
    _FLAGS,
)
# A cue names the status outright, so any status word after it counts: 'RAG: R', 'status G'.
_CUE_RE = re.compile(
    rf"""\b(?:rag(?:\s+(?:status|rating))?|status|rating|rated|overall(?:\s+status)?
          |(?:now|currently)\s+(?=(?:red|amber|green|at\s+risk|off\s+track|on\s+track)\b)
          |(?:moving|moved|move|gone|going|changed?|changing|set|upgraded?|downgraded?|back|turned
             |putting|put|taking|take|bringing|bring)
           \s+(?:(?:this|it|the\s+action|the\s+rag|the\s+status|this\s+one)\s+)?
           (?:back\s+)?(?:to|into)
          |mark(?:ed)?(?:\s+as)?)
        \s*(?:is\s+|at\s+|of\s+|now\s+)?[:=\-–]?\s*
        (?P<rag>{_STATUS_WORDS_RE.pattern}|[ragb](?=\s*(?:$|[.,;:!?)\-–—])))(?![\w]|-\w)""",
    _FLAGS | re.VERBOSE,
)
# A status, then why or for how long: 'Amber until we see the audit results', 'red while we
# wait', 'green for now'. A completion word is left out: 'complete pending sign-off' is not.
_CLAUSE_REASON_RE = re.compile(
    rf"""^(?:{_ASIDE}\s*)*(?P<rag>{_STATUS_WORDS_RE.pattern}|(?-i:[RAG]))
        \s+(?:until|till|while|whilst|pending|because|since|given|due\s+to|as\s+(?:we|the|it|there)
           |for\s+now|subject\s+to|awaiting|waiting|owing\s+to|on\s+the\s+basis)\b""",
    _FLAGS | re.VERBOSE,
)
# An opening completion word with who or where: 'signed off by the Improvement Board', 'Signed
# off at DMT', 'closed at the October board' (but not 'delivered by end of March').
_DONE_BY_RE = re.compile(
    r"^(?:(?:action|this|project|it|was|has\s+been|now|finally|all)\s+)*"
    r"(?P<rag>signed\s+off|signed-off|closed|completed|delivered|finished|achieved|approved)"
    r"\s+(?:by|at|in|through)\s+(?!mistake|accident|error)(?P<rest>.+)$",
    _FLAGS,
)
_BODY_WORDS_RE = re.compile(
    r"\b(?:board|meeting|panel|committee|group|dmt|slt|cib|cabinet|scrutiny|steering|cmt|smt|dcs"
    r"|director|chair|council|forum|partnership|team|ofsted|dfe|lead\s+member)\b",
    _FLAGS,
)
_EMOJI_RE = re.compile("|".join(re.escape(e) for e in EMOJI))
_LETTERS_RE = re.compile(r"[^\W\d_]")
_WORD_RE = re.compile(r"[a-z][a-z'’]*", _FLAGS)


@dataclass(frozen=True)
class StatusReading:
    """The status a reply gives, or a guess to ask about; `phrase` is the words it came from."""

    rag: Rag | None = None
    phrase: str | None = None
    guess: Rag | None = None
    guess_phrase: str | None = None
    overrides: bool = False  # a correction ('sorry, I mean amber') or 'overall': it wins


def status_key(phrase: str) -> Rag | None:
    """The status a recognised phrase names ('On  Track' -> green, 'R' -> red)."""
    key = " ".join(phrase.lower().split())
    return STATUS_SYNONYMS.get(key) or LETTER_CODES.get(key)


def read_status(body: str) -> StatusReading:
    """The last status the reply settles on; corrections and 'overall' win over earlier ones."""
    found: tuple[int, Rag, str] | None = None  # (priority, rag, phrase); later clauses win ties
    boost = False  # 'correction:' on its own makes the next status the one meant
    for number, clause in enumerate(_clauses(body)):
        reading = _clause_status(clause) or (_done_by(clause) if number == 0 else None)
        if reading is None:
            boost = boost or _CORRECTION_RE.fullmatch(clause.strip(" .")) is not None
            continue
        rag, phrase, strength = reading
        if boost:
            strength, boost = 2, False
        if found is None or strength >= found[0]:
            found = (strength, rag, phrase)
    if found is not None:
        return StatusReading(rag=found[1], phrase=found[2], overrides=found[0] >= 2)
    emoji = _emoji_status(body)
    if emoji is not None:
        return emoji
    return _typo_guess(body)


def _clauses(body: str) -> list[str]:
    return [part for part in _CLAUSE_SPLIT_RE.split(body) if part and part.strip()]


def _clause_status(clause: str) -> tuple[Rag, str, int] | None:
    """A clause that IS a status ('amber overall'), or one that cues it ('RAG: R', 'now red')."""
    text = clause.strip(" .'\"*_~")
    text = _EMOJI_RE.sub(" ", text).replace("🎉", " ").strip()
    whole = _CLAUSE_STATUS_RE.match(text)
    strength = 2 if _CORRECTION_RE.search(clause) or _OVERALL_RE.search(clause) else 1
    if whole is not None:
        phrase = whole.group("rag")
        if not _negated(text, whole.start("rag")) and not _is_name(text, whole):
            rag = status_key(phrase)
            if rag is not None:
                return rag, phrase, strength
    reason = _CLAUSE_REASON_RE.match(text)
    if reason is not None and not _negated(text, reason.start("rag")):
        rag = status_key(reason.group("rag"))
        if rag is not None and rag is not Rag.COMPLETE and not _is_name(text, reason):
            return rag, reason.group("rag"), strength
    found: tuple[Rag, str, int] | None = None
    for cue in _CUE_RE.finditer(text):
        phrase = cue.group("rag")
        if _negated(text, cue.start()) or _negated(text, cue.start("rag")):
            continue
        if phrase[:1].isupper() and followed_by_name(text, cue.end("rag")):
            continue
        rag = status_key(phrase)
        if rag is Rag.COMPLETE and _NOW_RE.match(cue.group(0)):
            continue
        if rag is not None:
            found = (rag, phrase, strength)
    return found


def _done_by(clause: str) -> tuple[Rag, str, int] | None:
    """'Signed off at DMT' opens a reply: the action is complete."""
    match = _DONE_BY_RE.match(clause.strip(" .'\"*_~"))
    if match is None:
        return None
    rest = match.group("rest")
    if find_date_phrases(rest) and _BODY_WORDS_RE.search(rest) is None:
        return None  # 'delivered by the end of March' is a plan, not a status
    return Rag.COMPLETE, match.group("rag"), 1


def _negated(text: str, start: int) -> bool:
    return _NEGATION_RE.search(text[max(0, start - 30) : start]) is not None


def _is_name(text: str, match: re.Match[str]) -> bool:
    """'Amber Valley', 'Green Lane': a capitalised colour, then a capitalised or place word."""
    phrase = match.group("rag")
    return phrase[:1].isupper() and followed_by_name(text, match.end("rag"))


def followed_by_name(text: str, end: int) -> bool:
    """The word after `end` makes a colour into a name: 'Green Lane', 'Amber Valley'."""
    rest = text[end:].split(maxsplit=1)
    if not rest:
        return False
    word = rest[0].strip(".,;:!?")
    if word.lower() in _NAME_WORDS:
        return True
    aside = _ASIDE_RE.fullmatch(word) is not None
    return word[:1].isupper() and word.isalpha() and not aside and word.lower() != "i"


def _emoji_status(body: str) -> StatusReading | None:
    """✅ 🟢 🟠 🔴 as a status, alone or with words; two different ones say nothing."""
    found = [EMOJI[m.group(0)] for m in _EMOJI_RE.finditer(body)]
    if not found or len(set(found)) > 1:
        return None
    emoji = next(m.group(0) for m in _EMOJI_RE.finditer(body))
    return StatusReading(rag=found[0], phrase=emoji)


def _typo_guess(body: str) -> StatusReading:
    """'gren', 'ambre', 'compelte', 'on trak': a guess to ask about, never a silent change."""
    for clause in _clauses(body)[:6]:
        words = _WORD_RE.findall(clause.lower())
        if not words or len(words) > 6:
            continue
        for size in (2, 1, 3):
            for first in range(len(words) - size + 1):
                candidate = " ".join(words[first : first + size])
                guess = _near_status(candidate)
                if guess is not None and _only_asides_around(words, first, size, clause):
                    return StatusReading(guess=_TYPO_TARGETS[guess], guess_phrase=candidate)
    return StatusReading()


def _only_asides_around(words: list[str], first: int, size: int, clause: str) -> bool:
    others = words[:first] + words[first + size :]
    return all(_ASIDE_RE.fullmatch(word) for word in others) and not _DIGIT_RE.search(clause)


def _near_status(word: str) -> str | None:
    """The status word `word` is one slip away from (a letter out, in, wrong or swapped)."""
    if len(word) < 3 or word in STATUS_SYNONYMS:
        return None
    best: tuple[int, str] | None = None
    tied = False
    letters = set(word)
    for target in _TYPOS_BY_LETTER.get(word[0], ()):
        if abs(len(target) - len(word)) > 1:
            continue
        limit = 1 if len(target) < 7 else 2
        if len(letters ^ _TYPO_LETTERS[target]) > 2 * limit:
            continue  # too many letters not shared: see _TYPO_LETTERS
        distance = _distance(word, target, limit)
        if distance > limit:
            continue
        if best is None or distance < best[0]:
            best, tied = (distance, target), False
        elif distance == best[0] and _TYPO_TARGETS[target] is not _TYPO_TARGETS[best[1]]:
            tied = True  # two different statuses equally near: no guess
    return None if best is None or tied else best[1]


def _distance(a: str, b: str, limit: int) -> int:
    """Damerau-Levenshtein (optimal string alignment) distance, giving up past `limit`."""
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, char_b in enumerate(b, 1):
            cost = 0 if char_a == char_b else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and char_a == b[j - 2] and a[i - 2] == char_b:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[-1]
