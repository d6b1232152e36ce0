"""Small builders for plan objects, so tests say only what matters to them."""

from __future__ import annotations

import csv
from datetime import date, datetime
from itertools import count
from pathlib import Path
from typing import Any

from bot.domain.plan import ActionView, BoardPlan, BoardView, MilestoneView, PersonRef
from bot.domain.rag import Rag, rag_from_cell

WORCESTERSHIRE_SIP = Path("/work/shared/data/worcestershire_sip.csv")
BOARD_NAME = "Children's Improvement Board"

_ids = count(1000)

PAULA = PersonRef(id=1, name="Paula Swindlehurst", role="AD CSC")
BEC = PersonRef(id=2, name="Bec Windsor")
TINA = PersonRef(id=3, name="Tina Russell")


def board(**overrides: Any) -> BoardView:
    fields: dict[str, Any] = {
        "id": 1,
        "name": BOARD_NAME,
        "channel_id": "C123",
        "timezone": "Europe/London",
        "bank_holiday_region": "ENG",
        "digest_weekday": 0,
        "digest_time": "09:00",
        "reminder_lead_days": (7, 1),
    }
    fields.update(overrides)
    return BoardView(**fields)


def action(ref: str = "2.3", **overrides: Any) -> ActionView:
    fields: dict[str, Any] = {
        "id": next(_ids),
        "board_id": 1,
        "ref": ref,
        "title": f"Action {ref}",
        "workstream": None,
        "workstream_ref": ref.split(".")[0] if "." in ref else None,
        "owners": (PAULA,),
        "review_date": None,
        "review_date_text": None,
        "rag": Rag.AMBER,
        "latest_update": None,
        "latest_update_at": None,
    }
    fields.update(overrides)
    if fields["workstream"] is None and fields["workstream_ref"] is not None:
        fields["workstream"] = f"Workstream {fields['workstream_ref']} name"
    return ActionView(**fields)


def milestone(position: int, due: date | None, text: str, *, done: bool = False) -> MilestoneView:
    return MilestoneView(position=position, due=due, text=text, done=done)


def plan(
    *actions: ActionView,
    previous_rag: dict[int, Rag | None] | None = None,
    previous_at: datetime | None = None,
    **board_overrides: Any,
) -> BoardPlan:
    return BoardPlan(
        board=board(**board_overrides),
        actions=actions,
        previous_rag=previous_rag or {},
        previous_at=previous_at,
    )


def worcestershire_plan() -> BoardPlan:
    """The real Worcestershire SIP shape: 47 projects, workstreams 1-8, G/A/R."""
    with WORCESTERSHIRE_SIP.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    actions = tuple(
        action(
            row["ref"],
            id=number,
            title=row["project"],
            workstream=row["workstream"],
            workstream_ref=row["workstream_ref"],
            rag=rag_from_cell(row["rag"]),
            latest_update=row["commentary"] or None,
        )
        for number, row in enumerate(rows, start=1)
    )
    return BoardPlan(board=board(), actions=actions)
