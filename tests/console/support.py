"""What the seed CSVs say, worked out here so tests never hard-code refs or names."""

from __future__ import annotations

import csv
import io
from collections import Counter
from pathlib import Path

from handlers.console.repl import ConsoleSession
from handlers.wiring import Services

WORCS = "Worcestershire"

WORCS_FILES = (
    "worcestershire_sip.csv",
    "worcestershire_milestones.csv",
    "worcestershire_owners.csv",
)


def csv_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def worcs_red_refs(data: Path) -> list[str]:
    """Refs the Worcestershire summary sheet marks R."""
    return [row["ref"] for row in csv_rows(data / "worcestershire_sip.csv") if row["rag"] == "R"]


def worcs_owners(data: Path) -> dict[str, list[str]]:
    """Owner names by ref, split as the sheet writes them ("A / B")."""
    return {
        row["ref"]: [name.strip() for name in row["owners"].split("/") if name.strip()]
        for row in csv_rows(data / "worcestershire_owners.csv")
    }


def single_green_owner(data: Path) -> tuple[str, str]:
    """(owner, ref): someone who owns exactly one Worcestershire action, and it is green."""
    owners = worcs_owners(data)
    counts = Counter(name for names in owners.values() for name in names)
    rag = {row["ref"]: row["rag"] for row in csv_rows(data / "worcestershire_sip.csv")}
    picks = sorted(
        (names[0], ref)
        for ref, names in owners.items()
        if len(names) == 1 and counts[names[0]] == 1 and rag.get(ref) == "G"
    )
    return picks[0]


def busiest_owner(data: Path) -> tuple[str, list[str]]:
    """The owner of the most Worcestershire actions, and those refs in sheet order."""
    owners = worcs_owners(data)
    counts = Counter(name for names in owners.values() for name in names)
    name = max(sorted(counts), key=lambda n: counts[n])
    return name, [ref for ref, names in owners.items() if name in names]


def section(text: str, heading: str) -> list[str]:
    """The bullet lines under a heading such as "Red (8):" up to the next blank line."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(heading))
    found: list[str] = []
    for line in lines[start + 1 :]:
        if not line.strip():
            break
        found.append(line)
    return found


def bullet_refs(lines: list[str]) -> list[str]:
    """The ref after each "• " bullet."""
    return [line.split()[1] for line in lines if line.startswith("• ")]


def transcript(
    services: Services, person: str, lines: list[str], *, board: str = WORCS
) -> tuple[str, int]:
    """Everything the session printed for these typed lines, and its exit code."""
    out = io.StringIO()
    session = ConsoleSession(
        services.application, board, person, inp=io.StringIO("\n".join(lines)), out=out
    )
    code = session.run()
    return out.getvalue(), code


def after(text: str, marker: str) -> str:
    """The output from the first occurrence of `marker` on."""
    assert marker in text, f"{marker!r} not in output:\n{text}"
    return text[text.index(marker) :]
