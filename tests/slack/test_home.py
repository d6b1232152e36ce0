"""The App Home over real signed HTTP: my actions in order, the same buttons, a chair's boards."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

from bot.domain.plan import ActionView
from bot.domain.rag import Rag
from handlers.application.home import Home, HomeItem, order_items
from handlers.slack.blocks import TAP_RAG
from handlers.slack.home_blocks import MAX_HOME_BLOCKS, home_view
from tests.slack.conftest import CHAIR, VEL, RunningApp
from tests.slack.fake_slack import Call, FakeSlack
from tests.slack.test_blocks import assert_buttons

TODAY = date(2026, 11, 23)


def _published(fake: FakeSlack, user: str) -> list[Call]:
    return [c for c in fake.answered("views.publish") if c.params["user_id"] == user]


def _texts(view: dict[str, Any]) -> str:
    return json.dumps(view["blocks"], ensure_ascii=False)


def test_opening_the_home_tab_shows_my_actions_with_buttons(
    app: RunningApp, fake: FakeSlack
) -> None:
    assert app.slack.event(app.slack.app_home_opened(VEL)).status == 200

    view = fake.wait_for(lambda: _published(fake, VEL)).params["view"]
    assert view["type"] == "home"
    assert len(view["blocks"]) <= MAX_HOME_BLOCKS
    text = _texts(view)
    for ref in ("1.8", "2.2", "2.3", "5.1"):
        assert f"*{ref} " in text
    assert "Service Improvement Board" in text
    buttons = [b for b in view["blocks"] if b["type"] == "actions"]
    assert len(buttons) == 4
    for block in buttons:
        assert_buttons(block)
    assert len({b["block_id"] for b in buttons}) == 4  # unique within the view, as Slack requires


def test_a_chair_also_sees_the_board_at_a_glance(app: RunningApp, fake: FakeSlack) -> None:
    app.slack.event(app.slack.app_home_opened(CHAIR))

    view = fake.wait_for(lambda: _published(fake, CHAIR)).params["view"]
    text = _texts(view)
    assert "*Worcestershire Service Improvement Board* — 47 actions" in text
    assert "Red: " in text


def test_a_press_in_the_home_tab_records_it_and_redraws_the_home(
    app: RunningApp, fake: FakeSlack
) -> None:
    app.slack.event(app.slack.app_home_opened(VEL))
    view = fake.wait_for(lambda: _published(fake, VEL)).params["view"]
    action_id = str(app.action("2.3").id)

    payload = app.slack.home_press(
        user=VEL, view=view, action_id=f"{TAP_RAG}amber", value=action_id
    )
    assert app.slack.interactive(payload).status == 200
    app.slack.interactive(payload)  # delivered twice: one change

    redrawn = fake.wait_for(lambda: _published(fake, VEL), n=2).params["view"]
    confirmation = fake.wait_for(lambda: fake.answered("chat.postMessage"))
    assert confirmation.params["channel"] == VEL  # no message to thread under: a DM
    assert "RED → AMBER" in json.dumps(confirmation.blocks, ensure_ascii=False)
    assert ":large_orange_circle: Amber" in _texts(redrawn)
    app.stop()
    assert len(app.updates("2.3")) == 1


def _action(n: int, review: date | None, rag: Rag = Rag.AMBER) -> ActionView:
    return ActionView(
        id=n,
        board_id=1,
        ref=f"{n // 10 + 1}.{n % 10 + 1}",
        title=f"Action {n}",
        workstream=None,
        workstream_ref=None,
        owners=(),
        review_date=review,
        review_date_text=None,
        rag=rag,
        latest_update=None,
        latest_update_at=None,
    )


def test_overdue_come_first_then_due_soon_then_the_rest() -> None:
    items = [
        HomeItem(_action(1, TODAY + timedelta(days=40)), "B"),
        HomeItem(_action(2, TODAY + timedelta(days=3)), "B"),
        HomeItem(_action(3, TODAY - timedelta(days=2)), "B"),
        HomeItem(_action(4, TODAY - timedelta(days=9)), "B"),
        HomeItem(_action(5, TODAY - timedelta(days=9), Rag.COMPLETE), "B"),
        HomeItem(_action(6, None), "B"),
    ]

    overdue, soon, rest = order_items(items, TODAY)

    assert [i.action.id for i in overdue] == [4, 3]
    assert [i.action.id for i in soon] == [2]
    assert [i.action.id for i in rest] == [1, 6, 5]  # no date after dated; done last


def test_a_home_with_hundreds_of_actions_stays_within_100_blocks() -> None:
    many = [HomeItem(_action(n, TODAY + timedelta(days=n - 100)), "Board") for n in range(300)]
    overdue, soon, rest = order_items(many, TODAY)
    home = Home("Plan Admin", TODAY, overdue, soon, rest)

    view = home_view(home)

    assert len(view["blocks"]) <= MAX_HOME_BLOCKS
    assert "more" in _texts(view)
    ids = [b["block_id"] for b in view["blocks"] if b["type"] == "actions"]
    assert len(ids) == len(set(ids))


def test_someone_not_in_the_plan_is_told_how_to_be_linked() -> None:
    view = home_view(None)

    assert "link your Slack account" in _texts(view)


def test_a_done_action_is_not_overdue() -> None:
    done = replace(_action(1, TODAY - timedelta(days=30)), rag=Rag.COMPLETE)

    overdue, _, rest = order_items([HomeItem(done, "B")], TODAY)

    assert overdue == ()
    assert len(rest) == 1


def test_an_update_redraws_the_home_of_the_owner_and_of_the_chair(
    app: RunningApp, fake: FakeSlack
) -> None:
    """Vel updates 2.3 by DM; Vel's Home and the chair's Home both show it, Sally's doesn't."""
    app.slack.event(app.slack.direct_message("2.3 amber - model chosen", user=VEL))

    vel = fake.wait_for(lambda: _published(fake, VEL)).params["view"]
    chair = fake.wait_for(lambda: _published(fake, CHAIR)).params["view"]
    app.stop()
    assert "model chosen" in _texts(vel)
    assert "Worcestershire Service Improvement Board" in _texts(chair)
    assert _published(fake, "U0SCLEWES") == []
