"""Changing the plan itself: what chairs and admins do between imports, from any chat platform.

Every change is checked against the board's roles and entered in the action's history, as an
owner's update is; nothing here knows about Slack.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session

from bot.domain.plan import FieldChange
from bot.domain.replies import Notice, NoticeKind, PlanChanged
from handlers.application import rules
from handlers.application.fields import DONE, milestone_field, read_field, write_field
from handlers.application.updates import Actor
from storage import history
from storage.boards import has_role
from storage.models import Action, Board, Person
from storage.plan import (
    append_milestone,
    find_action,
    milestones_of,
    next_free_ref,
    owners_of,
    set_owners,
)


@dataclass(frozen=True)
class AdminContext:
    """Who is acting, on which board, and when: every operation needs all four."""

    session: Session
    board: Board
    actor: Actor
    now: datetime


def may_administer(session: Session, actor: Actor, board: Board) -> bool:
    """Chairs and admins of this board; owners change their own actions' RAG and words only."""
    assert board.id is not None
    return has_role(session, board.id, actor.person_id, rules.ROLES)


def refused(board: Board, what: str) -> Notice:
    return Notice(
        NoticeKind.REFUSED,
        f"Sorry, only the chairs and admins of {board.name} can {what}. Nothing was changed.",
    )


def add_action(
    ctx: AdminContext,
    *,
    title: str,
    owners: Sequence[Person],
    review_date: date | None,
    ref: str | None = None,
) -> PlanChanged | Notice:
    if not may_administer(ctx.session, ctx.actor, ctx.board):
        return refused(ctx.board, "add actions")
    title = rules.title(title)
    if not title:
        return Notice(NoticeKind.NOT_UNDERSTOOD, "A new action needs a title.")
    assert ctx.board.id is not None
    ref = rules.ref(ref or "") or next_free_ref(ctx.session, ctx.board.id)
    if find_action(ctx.session, ctx.board.id, ref) is not None:
        return Notice(NoticeKind.NOT_UNDERSTOOD, f"{ctx.board.name} already has an action {ref}.")
    action = Action(
        board_id=ctx.board.id,
        ref=ref,
        title=title,
        review_date=review_date,
        created_at=ctx.now,
        updated_at=ctx.now,
    )
    ctx.session.add(action)
    ctx.session.flush()
    assert action.id is not None
    set_owners(ctx.session, action.id, [p.id for p in owners if p.id is not None])
    changes = [FieldChange("created", None, ref), FieldChange("title", None, title)]
    if owners:
        changes.append(FieldChange("owners", None, _names(owners)))
    if review_date is not None:
        changes.append(FieldChange("review_date", None, review_date.isoformat()))
    return _record(ctx, action, changes, f"added {ref}")


def change_owners(
    ctx: AdminContext, *, action: Action, owners: Sequence[Person]
) -> PlanChanged | Notice:
    if not may_administer(ctx.session, ctx.actor, ctx.board):
        return refused(ctx.board, "change who owns an action")
    if not owners:
        return Notice(NoticeKind.NOT_UNDERSTOOD, f"{action.ref} needs at least one owner.")
    assert action.id is not None
    before = _names(owners_of(ctx.session, action.id))
    set_owners(ctx.session, action.id, [p.id for p in owners if p.id is not None])
    after = _names(owners_of(ctx.session, action.id))
    if before == after:
        return _unchanged(action)
    action.updated_at = ctx.now
    return _record(ctx, action, [FieldChange("owners", before, after)], "changed owners")


def change_review_date(
    ctx: AdminContext, *, action: Action, new_date: date, today: date
) -> PlanChanged | Notice:
    if not may_administer(ctx.session, ctx.actor, ctx.board):
        return refused(ctx.board, "move review dates")
    problem = rules.review_date_problem(new_date, today)
    if problem is not None:
        return Notice(NoticeKind.NOT_UNDERSTOOD, problem)
    return _write(ctx, action, "review_date", new_date.isoformat(), "changed review date")


def add_milestone(
    ctx: AdminContext, *, action: Action, due: date | None, text: str
) -> PlanChanged | Notice:
    if not may_administer(ctx.session, ctx.actor, ctx.board):
        return refused(ctx.board, "add milestones")
    words = rules.words(text)
    if not words:
        return Notice(NoticeKind.NOT_UNDERSTOOD, "A milestone needs a few words saying what.")
    assert action.id is not None
    when = due.isoformat() if due else "no date"
    step = append_milestone(ctx.session, action.id, due=due, date_text="", text=words)
    action.updated_at = ctx.now
    change = FieldChange(milestone_field(step.position), None, f"{when} - {words}")
    return _record(ctx, action, [change], "added a milestone")


def tick_milestone(ctx: AdminContext, *, action: Action, position: int) -> PlanChanged | Notice:
    if not may_administer(ctx.session, ctx.actor, ctx.board):
        return refused(ctx.board, "tick milestones")
    assert action.id is not None
    if position not in {m.position for m in milestones_of(ctx.session, action.id)}:
        return Notice(NoticeKind.NOT_UNDERSTOOD, f"{action.ref} has no milestone {position}.")
    return _write(ctx, action, milestone_field(position), DONE, "ticked a milestone")


def _write(
    ctx: AdminContext, action: Action, field: str, value: str, text: str
) -> PlanChanged | Notice:
    """One field through the same writer owners' updates use, so undo could read it back."""
    before = read_field(ctx.session, action, field)
    if before == value:
        return _unchanged(action)
    write_field(ctx.session, action, field, value, now=ctx.now)
    return _record(ctx, action, [FieldChange(field, before, value)], text)


def _record(
    ctx: AdminContext, action: Action, changes: list[FieldChange], text: str
) -> PlanChanged:
    assert action.id is not None
    history.record_update(
        ctx.session,
        action_id=action.id,
        person_id=ctx.actor.person_id,
        source=ctx.actor.source,
        text=text,
        changes=changes,
        now=ctx.now,
    )
    return PlanChanged(ctx.board.name, action.ref, action.title, tuple(changes))


def _unchanged(action: Action) -> Notice:
    return Notice(NoticeKind.INFO, f"Nothing to change on {action.ref}: it already says that.")


def _names(people: Sequence[Person]) -> str | None:
    return "; ".join(p.name for p in people) or None
