"""Chairs and admins change the plan itself; everyone else is refused; history keeps it all."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from sqlmodel import select

from bot.domain.replies import Notice, NoticeKind, PlanChanged
from handlers.application import admin
from handlers.application.updates import Actor
from handlers.text import render_text
from handlers.wiring import Services
from storage.models import Action, ActionUpdate, Board, Person
from storage.plan import milestones_of, owners_of
from tests.handlers.support import history_count, today

CHAIR = "Nigel Richardson"
OWNER = "Vel Kenny"  # owns 2.3, chairs nothing


@contextmanager
def _as(services: Services, name: str) -> Iterator[admin.AdminContext]:
    with services.db.session() as session:
        person = session.exec(select(Person).where(Person.name == name)).one()
        board = session.exec(select(Board)).one()
        assert person.id is not None
        actor = Actor(person_id=person.id, source="console")
        yield admin.AdminContext(session, board, actor, services.clock.now())


def _action(ctx: admin.AdminContext, ref: str) -> Action:
    return ctx.session.exec(select(Action).where(Action.ref == ref)).one()


def _person(ctx: admin.AdminContext, name: str) -> Person:
    return ctx.session.exec(select(Person).where(Person.name == name)).one()


def test_a_chair_adds_an_action_with_owner_and_date(services: Services) -> None:
    review = today(services) + timedelta(days=30)
    with _as(services, CHAIR) as ctx:
        reply = admin.add_action(
            ctx, title="Recruit two IROs", owners=[_person(ctx, OWNER)], review_date=review
        )

    assert isinstance(reply, PlanChanged)
    assert render_text(reply).startswith(f"Added {reply.ref} Recruit two IROs on ")
    with _as(services, CHAIR) as ctx:
        added = _action(ctx, reply.ref)
        assert added.review_date == review
        assert added.id is not None
        assert [p.name for p in owners_of(ctx.session, added.id)] == [OWNER]
        entries = ctx.session.exec(
            select(ActionUpdate).where(ActionUpdate.action_id == added.id)
        ).all()
        assert len(entries) == 1


def test_an_owner_cannot_administer_and_nothing_changes(services: Services) -> None:
    before = history_count(services)
    with _as(services, OWNER) as ctx:
        refusals = [
            admin.add_action(ctx, title="Mine now", owners=[], review_date=None),
            admin.change_owners(ctx, action=_action(ctx, "2.3"), owners=[_person(ctx, OWNER)]),
            admin.tick_milestone(ctx, action=_action(ctx, "2.3"), position=1),
        ]

    for reply in refusals:
        assert isinstance(reply, Notice)
        assert reply.kind is NoticeKind.REFUSED
        assert "only the chairs and admins" in reply.text
    assert history_count(services) == before


def test_a_chair_changes_owners_and_the_history_says_from_whom_to_whom(
    services: Services,
) -> None:
    with _as(services, CHAIR) as ctx:
        action = _action(ctx, "2.3")
        reply = admin.change_owners(ctx, action=action, owners=[_person(ctx, "Sally Clewes")])

    assert isinstance(reply, PlanChanged)
    [change] = reply.changes
    assert change.field == "owners"
    assert change.before is not None
    assert OWNER in change.before
    assert change.after == "Sally Clewes"


def test_review_dates_move_forward_only(services: Services) -> None:
    with _as(services, CHAIR) as ctx:
        action = _action(ctx, "2.3")
        past = admin.change_review_date(
            ctx, action=action, new_date=today(services) - timedelta(days=1), today=today(services)
        )
        later = today(services) + timedelta(days=21)
        moved = admin.change_review_date(ctx, action=action, new_date=later, today=today(services))

    assert isinstance(past, Notice)
    assert isinstance(moved, PlanChanged)
    assert moved.changes[0].after == later.isoformat()


def test_a_milestone_is_added_then_ticked(services: Services) -> None:
    due = today(services) + timedelta(days=10)
    with _as(services, CHAIR) as ctx:
        action = _action(ctx, "2.3")
        added = admin.add_milestone(ctx, action=action, due=due, text="Board signs off the model")
        assert isinstance(added, PlanChanged)
        position = int(added.changes[0].field.partition(":")[2])
        ticked = admin.tick_milestone(ctx, action=action, position=position)
        again = admin.tick_milestone(ctx, action=action, position=position)
        assert action.id is not None
        step = next(m for m in milestones_of(ctx.session, action.id) if m.position == position)

    assert isinstance(ticked, PlanChanged)
    assert (ticked.changes[0].before, ticked.changes[0].after) == ("open", "done")
    assert isinstance(again, Notice)
    assert step.done
    assert step.text == "Board signs off the model"
