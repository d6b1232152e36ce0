"""'By Whom' cells ("AD CSC Paula Swindlehurst; Heads of Service") as people and roles."""

from __future__ import annotations

import re
from collections.abc import Callable

from bot.domain.plan_rows import OwnerName

PLACEHOLDERS = frozenset({"-", "n/a", "na", "tbc", "tba", "none", "?"})

_SEPARATORS = re.compile(r"[;/]")
_NAME_PIECE = re.compile(r"([-'’])")
_LETTERS = re.compile(r"[^\W\d_]+")
_JOINERS = frozenset("-'’")
_NAME_END = ",:"
_MAX_NAME_TOKENS = 3

# Job-title abbreviations written before a name; ALL-CAPS cells need the list to tell
# "DCS" (a role) from "ADAM" (a person), mixed-case cells treat any 2-4 capitals as one.
_ABBREVIATION_LIST = """AD CSC DCS SI DCI CEO CEX HOS DS DI DC DCC ACC PC GM TM HR IRO PSW ADCS
LADO SW DD ED MD CFO COO DPH DASS ICB CCG NHS"""
_KNOWN_ABBREVIATIONS = frozenset(_ABBREVIATION_LIST.split())
_TITLES = frozenset({"mr", "mrs", "ms", "miss", "dr", "prof", "cllr", "councillor", "hos"})

# Capitalised words that start or continue a job title, so they end a name.
_ROLE_WORD_LIST = """head heads director directors associate assistant deputy executive chief
chair chairs officer officers manager managers lead leads leader member members service services
councillor team teams group principal senior interim acting strategic operational quality
assurance partnership partnerships board designated commissioner coordinator co-ordinator
advisor adviser consultant analyst practitioner worker workers social independent children
children's safeguarding improvement programme project business performance school schools
virtual headteacher corporate all the police health education care early help family families
youth adult adults legal finance council local authority nurse named panel"""
_ROLE_WORDS = frozenset(_ROLE_WORD_LIST.split())


def parse_owners(cell: str) -> tuple[OwnerName, ...]:
    """Split on ';' and '/' only: '&' and ',' appear inside job titles."""
    text = " ".join(cell.split())
    if text.casefold() in PLACEHOLDERS:
        return ()
    owners: dict[str, OwnerName] = {}
    for part in _SEPARATORS.split(text):
        owner = parse_owner(part)
        if owner is not None:
            owners.setdefault(owner.key, owner)
    return tuple(owners.values())


def parse_owner(part: str) -> OwnerName | None:
    """Name = the capitalised words after any role abbreviations; the rest is the role."""
    tokens = part.split()
    if not tokens or " ".join(tokens).casefold() in PLACEHOLDERS:
        return None
    shouting = _is_shouting(tokens)
    if shouting:
        tokens = [_shouted_case(token) for token in tokens]
    lead = _count_prefix(tokens, _is_known_prefix if shouting else _is_prefix)
    size = _count_name(tokens[lead:])
    rest = tokens[lead + size :]
    if size == 0 or (size == 1 and rest):
        return OwnerName(" ".join(tokens))
    name = " ".join(token.rstrip(_NAME_END) for token in tokens[lead : lead + size])
    return OwnerName(name, " ".join(tokens[:lead] + rest))


def format_owner(owner: OwnerName) -> str:
    """The inverse of parse_owner: abbreviations, the name, then the rest of the role (after a
    comma when the role's next word could pass for part of the name)."""
    if not owner.role:
        return owner.name
    role = owner.role.split()
    lead = _count_prefix(role, _is_prefix)
    rest = role[lead:]
    name = owner.name + "," if rest and _is_name_token(rest[0]) else owner.name
    return " ".join([*role[:lead], name, *rest])


def _is_shouting(tokens: list[str]) -> bool:
    """Worcestershire writes 'BEC WINDSOR', 'MARTHA McCARRON': mostly capitals."""
    letters = "".join(token for token in tokens if not _is_known_prefix(token))
    upper = sum(ch.isupper() for ch in letters)
    lower = sum(ch.islower() for ch in letters)
    return upper >= 2 and upper > 2 * lower


def _is_prefix(token: str) -> bool:
    """AD, CSC, DCI, HoS, Dr: role or title words written before a name."""
    letters = token.rstrip(_NAME_END)
    is_caps = letters.isalpha() and letters.isupper() and 2 <= len(letters) <= 4
    return is_caps or letters.casefold() in _TITLES


def _is_known_prefix(token: str) -> bool:
    letters = token.rstrip(_NAME_END)
    return letters.upper() in _KNOWN_ABBREVIATIONS or letters.casefold() in _TITLES


def _count_prefix(tokens: list[str], is_prefix: Callable[[str], bool]) -> int:
    count = 0
    while count < len(tokens) and is_prefix(tokens[count]):
        count += 1
    return count


def _count_name(tokens: list[str]) -> int:
    """Up to three name words; a trailing ',' or ':' ends the name early."""
    count = 0
    for token in tokens[:_MAX_NAME_TOKENS]:
        if not _is_name_token(token):
            break
        count += 1
        if token[-1] in _NAME_END:
            break
    return count


def _is_name_token(token: str) -> bool:
    """Paula, O'Dwyer, Smith-Jones, McCarron; not 'Head', not 'CSC', not '(Chair'."""
    word = token.rstrip(_NAME_END)
    if not word or word.casefold() in _ROLE_WORDS:
        return False
    pieces = [piece for piece in _NAME_PIECE.split(word) if piece and piece not in _JOINERS]
    return bool(pieces) and all(_is_name_piece(piece) for piece in pieces)


def _is_name_piece(piece: str) -> bool:
    return piece.isalpha() and piece[0].isupper() and (len(piece) == 1 or not piece.isupper())


def _shouted_case(token: str) -> str:
    """In an ALL-CAPS cell, role abbreviations stay capitals and names become Title Case."""
    if token.rstrip(_NAME_END).upper() in _KNOWN_ABBREVIATIONS:
        return token.upper()
    return token if _is_known_prefix(token) else _name_case(token)


def _name_case(token: str) -> str:
    """BEC → Bec, O'DWYER → O'Dwyer, McCARRON → McCarron."""
    return _LETTERS.sub(_name_case_run, token)


def _name_case_run(match: re.Match[str]) -> str:
    letters = match[0]
    if len(letters) > 2 and letters[:2].casefold() == "mc":
        return "Mc" + letters[2:].capitalize()
    return letters.capitalize()
