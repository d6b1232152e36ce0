"""RAG statuses and the words people use for them."""

from __future__ import annotations

from enum import StrEnum


class Rag(StrEnum):
    """A Red/Amber/Green assessment, plus the two states boards also track."""

    RED = "red"
    AMBER = "amber"
    GREEN = "green"
    COMPLETE = "complete"
    NOT_STARTED = "not_started"

    @property
    def label(self) -> str:
        return _LABELS[self]

    @property
    def is_open(self) -> bool:
        """Complete actions need no more reminders or chasing."""
        return self is not Rag.COMPLETE


_LABELS = {
    Rag.RED: "Red",
    Rag.AMBER: "Amber",
    Rag.GREEN: "Green",
    Rag.COMPLETE: "Complete",
    Rag.NOT_STARTED: "Not started",
}

# Display order: worst first, so the eye lands on what needs attention.
RAG_ORDER: tuple[Rag, ...] = (Rag.RED, Rag.AMBER, Rag.GREEN, Rag.NOT_STARTED, Rag.COMPLETE)

UNRATED_LABEL = "No RAG"


def rag_label(rag: Rag | None) -> str:
    """Plans imported without a RAG column have actions with no assessment yet."""
    return rag.label if rag else UNRATED_LABEL


# Words seen in real plans and replies. Spreadsheet codes (G/A/R, Blue, Grey) and
# St Helens' guide (Favourable / On Track-Neutral / Unfavourable) included.
RAG_WORDS: dict[str, Rag] = {
    "r": Rag.RED,
    "red": Rag.RED,
    "off track": Rag.RED,
    "off-track": Rag.RED,
    "unfavourable": Rag.RED,
    "a": Rag.AMBER,
    "amber": Rag.AMBER,
    "at risk": Rag.AMBER,
    "at-risk": Rag.AMBER,
    "yellow": Rag.AMBER,
    "on track/neutral": Rag.AMBER,
    "on track-neutral": Rag.AMBER,
    "on track - neutral": Rag.AMBER,
    "neutral": Rag.AMBER,
    "g": Rag.GREEN,
    "green": Rag.GREEN,
    "on track": Rag.GREEN,
    "on-track": Rag.GREEN,
    "favourable": Rag.GREEN,
    "complete": Rag.COMPLETE,
    "completed": Rag.COMPLETE,
    "done": Rag.COMPLETE,
    "blue": Rag.COMPLETE,
    "b": Rag.COMPLETE,
    "c": Rag.COMPLETE,
    "not started": Rag.NOT_STARTED,
    "not-started": Rag.NOT_STARTED,
    "grey": Rag.NOT_STARTED,
    "gray": Rag.NOT_STARTED,
    "ns": Rag.NOT_STARTED,
}


def rag_from_cell(text: str) -> Rag | None:
    """Read a spreadsheet RAG cell; None when it holds no recognisable status."""
    key = " ".join(text.strip().lower().split())
    return RAG_WORDS.get(key)
