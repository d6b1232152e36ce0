"""Plan admin in Slack: `/rag admin` or the Home button opens a form; only chairs and admins."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from sqlmodel import select

from bot.clock import ManualClock
from handlers.slack.blocks import OPEN_ADMIN
from handlers.slack.modals import ADMIN_FORM
from storage.models import Action
from storage.plan import owners_of
from tests.slack.conftest import CHAIR, VEL, RunningApp
from tests.slack.fake_slack import Call, FakeSlack


def _selected(value: str) -> dict[str, Any]:
    return {"type": "static_select", "selected_option": {"value": value}}


def _open_form(app: RunningApp, fake: FakeSlack) -> dict[str, Any]:
    assert app.slack.command("admin", user_id=CHAIR).status == 200
    opened = fake.wait_for(lambda: fake.answered("views.open"))
    assert opened.params["trigger_id"]
    view: dict[str, Any] = opened.params["view"]
    assert view["callback_id"] == ADMIN_FORM
    return view


def _dm_to(fake: FakeSlack, user: str) -> list[Call]:
    return [c for c in fake.answered("chat.postMessage") if c.params["channel"] == user]


def _submit(app: RunningApp, view: dict[str, Any], values: dict[str, Any]) -> None:
    board = app.board().name
    values = {"board": {"board": _selected(board)}, **values}
    payload = app.slack.view_submission(user=CHAIR, view=view, values=values)
    assert app.slack.interactive(payload).status == 200


def test_a_chair_moves_a_review_date_from_the_admin_form(
    app: RunningApp, fake: FakeSlack, clock: ManualClock
) -> None:
    new_date = clock.now().date() + timedelta(days=50)
    view = _open_form(app, fake)

    _submit(
        app,
        view,
        {
            "op": {"op": _selected("change_date")},
            "ref": {"ref": {"type": "plain_text_input", "value": "2.3"}},
            "day": {"day": {"type": "datepicker", "selected_date": new_date.isoformat()}},
        },
    )

    told = fake.wait_for(lambda: _dm_to(fake, CHAIR))
    assert "Changed 2.3 Social Work Practice Model" in told.text
    app.settle()
    assert app.action("2.3").review_date == new_date
    fake.wait_for(lambda: fake.answered("views.publish"))  # the chair's Home is redrawn


def test_a_chair_adds_an_action_owned_by_a_slack_user(
    app: RunningApp, fake: FakeSlack, clock: ManualClock
) -> None:
    view = _open_form(app, fake)

    _submit(
        app,
        view,
        {
            "op": {"op": _selected("add_action")},
            "title": {"title": {"type": "plain_text_input", "value": "Recruit two IROs"}},
            "owners": {"owners": {"type": "multi_users_select", "selected_users": [VEL]}},
        },
    )

    told = fake.wait_for(lambda: _dm_to(fake, CHAIR))
    assert "Added" in told.text
    assert "Recruit two IROs" in told.text
    app.settle()
    with app.services.db.session(commit=False) as session:
        added = session.exec(select(Action).where(Action.title == "Recruit two IROs")).one()
        assert added.id is not None
        assert [p.name for p in owners_of(session, added.id)] == ["Vel Kenny"]


def test_an_owner_asking_for_admin_is_told_no_and_no_form_opens(
    app: RunningApp, fake: FakeSlack
) -> None:
    assert app.slack.command("admin", user_id=VEL).status == 200

    answer = fake.wait_for(fake.responses)
    assert "Only a board's chairs and admins" in answer.text
    app.stop()
    assert fake.answered("views.open") == []


def test_the_chairs_home_has_a_plan_admin_button_that_opens_the_form(
    app: RunningApp, fake: FakeSlack
) -> None:
    app.slack.event(app.slack.app_home_opened(CHAIR))
    home = fake.wait_for(lambda: fake.answered("views.publish")).params["view"]
    assert OPEN_ADMIN in json.dumps(home["blocks"])

    payload = app.slack.home_press(user=CHAIR, view=home, action_id=OPEN_ADMIN, value="home")
    assert app.slack.interactive(payload).status == 200

    opened = fake.wait_for(lambda: fake.answered("views.open"))
    assert opened.params["view"]["callback_id"] == ADMIN_FORM
