"""The bot's buttons: what each says and the action id a platform sends back when it is tapped.

The ids are the same on every platform: the Slack app routes presses by them, and a Teams
card's Action.Execute carries them as its verb and data (handlers/teams/cards.py).
"""

from __future__ import annotations

from datetime import date

from bot.content import Button, Choices, Line, line
from bot.domain.rag import Rag
from handlers.application.present.words import format_day

TAP_RAG = "tap_rag_"  # + the RAG value: tap_rag_green …
TAP_CHANGE = "tap_change"
TAP_ADD_UPDATE = "tap_add_update"
TAP_SNOOZE = "tap_snooze"
TAP_UNDO = "tap_undo"
TAP_PICK_DATE = "tap_pick_date_"  # + the choice's number; the value is the ISO date
TAP_KEEP_DATE = "tap_keep_date"
KEEP_VALUE = "keep"
OPEN_ADMIN = "open_admin"
SNOOZE_DAYS = 3
RAG_BUTTONS = (Rag.GREEN, Rag.AMBER, Rag.RED, Rag.COMPLETE)


def update_choices(action_id: int, hint: Line = ()) -> Choices:
    """Answer with a tap: the same buttons on a reminder and in the App Home."""
    value = str(action_id)
    rags = tuple(Button(rag.label, f"{TAP_RAG}{rag.value}", value) for rag in RAG_BUTTONS)
    return Choices(
        f"tap:{value}",
        (
            *rags,
            Button("Change date", TAP_CHANGE, value),
            Button("Add update", TAP_ADD_UPDATE, value),
            Button(f"Snooze {SNOOZE_DAYS} days", TAP_SNOOZE, value),
        ),
        hint=hint,
    )


def undo_choices(update_id: int) -> Choices:
    return Choices(
        f"undo:{update_id}",
        (Button("Undo", TAP_UNDO, str(update_id)),),
        hint=line("Tap Undo, or reply “undo”, to reverse it."),
        hint_without_buttons=line("Reply “undo” to reverse it."),
    )


def date_choices(options: tuple[date, ...], hint: Line) -> Choices:
    """One button per candidate date and one to keep the date as it is."""
    picks = tuple(
        Button(format_day(day), f"{TAP_PICK_DATE}{number}", day.isoformat())
        for number, day in enumerate(options, start=1)
    )
    keep = Button("Keep the current date", TAP_KEEP_DATE, KEEP_VALUE)
    return Choices("pick_date", (*picks, keep), hint=hint)


def admin_choices() -> Choices:
    return Choices("admin", (Button("Plan admin", OPEN_ADMIN, "home"),))
