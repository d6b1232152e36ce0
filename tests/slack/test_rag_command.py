"""`/rag` over real HTTP: acked at once, answered privately through the response_url."""

from __future__ import annotations

import json

from sqlmodel import select

from storage.models import Action
from tests.slack.conftest import CHAIR, VEL, RunningApp
from tests.slack.fake_slack import FakeSlack

ACK_BUDGET_SECONDS = 2.5  # Slack gives up after 3


def _red_actions(app: RunningApp) -> list[Action]:
    with app.services.db.session(commit=False) as session:
        return list(session.exec(select(Action).where(Action.rag == "red")).all())


def test_rag_acks_at_once_then_answers_with_the_real_red_list(
    app: RunningApp, fake: FakeSlack
) -> None:
    response = app.slack.command("", user_id=CHAIR)

    assert response.status == 200
    assert response.body == ""
    assert response.seconds < ACK_BUDGET_SECONDS
    answer = fake.wait_for(fake.responses)
    assert answer.params["response_type"] == "ephemeral"
    assert "Worcestershire Service Improvement Board" in answer.text
    red = _red_actions(app)
    assert {a.ref for a in red} >= {"2.3", "4.5", "1.7"}
    for action in red:
        assert f"{action.ref} {action.title}" in answer.text
    shown = json.dumps(answer.blocks)
    assert "Social Work Practice Model" in shown
    assert "Children in Care Council" in shown


def test_rag_ref_shows_one_action_with_its_owner(app: RunningApp, fake: FakeSlack) -> None:
    assert app.slack.command("2.3", user_id=CHAIR).status == 200

    answer = fake.wait_for(fake.responses)
    assert "2.3 Social Work Practice Model" in answer.text
    assert "Vel Kenny" in answer.text
    assert answer.blocks[0]["type"] == "header"


def test_rag_red_lists_only_red_actions(app: RunningApp, fake: FakeSlack) -> None:
    assert app.slack.command("red", user_id=CHAIR).status == 200

    answer = fake.wait_for(fake.responses)
    assert "Red actions" in answer.text
    assert "4.5 Children in Care Council" in answer.text
    assert "1.1 Social Worker Workforce Strategy" not in answer.text  # green


def test_rag_mention_is_resolved_from_the_escaped_user_id(app: RunningApp, fake: FakeSlack) -> None:
    assert app.slack.command(f"<@{VEL}|vel.kenny>", user_id=CHAIR).status == 200

    answer = fake.wait_for(fake.responses)
    assert "Actions owned by Vel Kenny" in answer.text
    assert "2.3 Social Work Practice Model" in answer.text


def test_rag_from_an_unlinked_user_still_answers_for_the_only_board(
    app: RunningApp, fake: FakeSlack
) -> None:
    assert app.slack.command("nonsense words", user_id="U0STRANGER").status == 200

    answer = fake.wait_for(fake.responses)
    assert "What /rag can show" in answer.text
