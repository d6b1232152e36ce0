"""Input that looks like an attack, not an update, is answered and never recorded."""

from __future__ import annotations

import re

_CODE_PATTERNS = re.compile(
    r"""
      ;\s*(?:drop|alter|truncate)\s+(?:table|database)\b                # stacked SQL statements
    | ;\s*delete\s+from\b | ;\s*insert\s+into\b | ;\s*update\s+\w+\s+set\b
    | \bunion\s+(?:all\s+)?select\b
    | ['"]\s*or\s+['"]?\w+['"]?\s*=\s*['"]?\w+                         # ' or 1=1
    | ['"]\s*\)?\s*;\s*--                                               # quote; comment
    | <\s*/?\s*(?:script|iframe|img|svg)\b                             # markup
    | \{\{.*?\}\} | \$\{.*?\}                                         # template expressions
    """,
    re.IGNORECASE | re.VERBOSE,
)


def looks_like_code(text: str) -> bool:
    """Real updates don't contain SQL, script tags or template syntax; attempts do."""
    return _CODE_PATTERNS.search(text[:4000]) is not None


# NUL and the C0/C1 controls other than tab and newline, bidi overrides and isolates, and
# zero-width characters: invisible, and used to disguise text (a "Trojan Source" ref, a name
# that reads one way and sorts another). The visible text is kept.
_INVISIBLE = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"
    "\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]"
)


def clean_text(text: str) -> str:
    """What is stored: the words as written, minus characters no one can see."""
    return _INVISIBLE.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


MAX_NAME_LENGTH = 200
# Every C0/C1 control, newline and tab included: none belongs in a one-line name.
_NAME_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f]")
# What a terminal would act on (ESC sequences, CR overprinting, bells), every other control but
# tab and newline, and the invisible characters.
_TERMINAL_CONTROLS = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]"
)


def name_problem(text: str, what: str = "name") -> str | None:
    """Why `text` can't be a board's or person's name, or None if it can.

    Names end up in files, chat and terminals: at most 200 characters, on one line, with no
    control or invisible characters and no path separators.
    """
    if not text.strip():
        return f"the {what} is empty"
    if len(text) > MAX_NAME_LENGTH:
        return f"the {what} is longer than {MAX_NAME_LENGTH} characters"
    if _NAME_CONTROLS.search(text) or _INVISIBLE.search(text):
        return f"the {what} contains control or invisible characters"
    if "/" in text or "\\" in text:
        return f"the {what} contains a path separator (/ or \\)"
    return None


def clean_name(text: str) -> str:
    """A checked name as stored: trimmed and single-spaced."""
    return " ".join(text.split())


def terminal_safe(text: str) -> str:
    """Text from a file or the database, made safe to print: no escape sequences, no other
    controls (tab and newline stay), nothing invisible."""
    return _TERMINAL_CONTROLS.sub("", text)
