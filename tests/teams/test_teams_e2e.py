"""Teams end to end, over real HTTP on 127.0.0.1: activities POSTed to /api/messages with
tokens the SDK validates against the stand-in's signing keys, answers recorded by the Bot
Connector stand-in, the plan read back from the SQLite file."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import select

from handlers.application.boards import BoardSettings
from handlers.application.present.buttons import TAP_CHANGE, TAP_UNDO
from storage.models import ActionOwner
from tests.teams.conftest import (
    BOARD_CHANNEL,
    CHAIR,
    SALLY,
    VEL,
    TeamsApp,
    card_actions,
    card_texts,
    sent_cards,
)


def test_a_typed_reply_in_the_personal_chat_updates_the_plan_and_is_confirmed(
    teams: TeamsApp,
) -> None:
    status, _ = teams.post(
        teams.personal(VEL, "2.3 amber - slipped two weeks, waiting on sign-off")
    )
    assert status == 202
    teams.settle()
    assert teams.action("2.3").rag == "amber"
    [update] = teams.updates("2.3")
    assert "waiting on sign-off" in update.text
    [card] = sent_cards(teams.cloud, teams.personal_chat(VEL))
    words = card_texts(card)
    assert "2.3" in words
    assert "Amber" in words
    verbs = [a.get("verb") for a in card_actions(card)]
    assert TAP_UNDO in verbs  # the confirmation carries Undo


def test_a_duplicate_activity_is_applied_once(teams: TeamsApp) -> None:
    activity = teams.personal(VEL, "2.3 red - no clear scope yet", activity_id="dup-1")
    assert teams.post(activity)[0] == 202
    assert teams.post(activity)[0] == 202
    teams.settle()
    assert len(teams.updates("2.3")) == 1
    assert len(sent_cards(teams.cloud)) == 1


def test_a_card_press_updates_the_plan_and_returns_the_refreshed_card(teams: TeamsApp) -> None:
    action_id = teams.action("4.5").id
    status, answer = teams.post(teams.press(SALLY, "tap_rag_amber", str(action_id)))
    assert status == 200
    assert answer["statusCode"] == 200
    assert answer["type"] == "application/vnd.microsoft.card.adaptive"
    card = answer["value"]
    assert card["type"] == "AdaptiveCard"
    assert "Amber" in card_texts(card)
    verbs = [a.get("verb") for a in card_actions(card)]
    assert verbs == [TAP_UNDO], "the refreshed card invites no second answer, only Undo"
    assert teams.action("4.5").rag == "amber"


def test_the_same_press_delivered_twice_changes_the_plan_once(teams: TeamsApp) -> None:
    action_id = teams.action("4.5").id
    press = teams.press(SALLY, "tap_rag_green", str(action_id), card_id="act-9")
    assert teams.post(press)[0] == 200
    status, answer = teams.post(press)
    assert status == 200
    assert "Already" in str(answer)
    assert len(teams.updates("4.5")) == 1


def test_change_date_from_the_card_moves_the_review_date(teams: TeamsApp) -> None:
    action_id = teams.action("4.5").id
    press = teams.press(SALLY, TAP_CHANGE, str(action_id), inputs={"new_date": "2027-03-31"})
    status, answer = teams.post(press)
    assert status == 200
    assert teams.action("4.5").review_date == date(2027, 3, 31)
    assert "31 Mar 2027" in card_texts(answer["value"])


def test_an_owner_cannot_press_someone_elses_action(teams: TeamsApp) -> None:
    action_id = teams.action("2.3").id  # Vel's
    before = teams.action("2.3").rag
    status, answer = teams.post(teams.press(SALLY, "tap_rag_green", str(action_id)))
    assert status == 200
    assert teams.action("2.3").rag == before
    assert "only" in card_texts(answer["value"]).lower()


def test_rag_in_the_board_channel_with_a_mention_is_answered_in_the_thread(
    teams: TeamsApp,
) -> None:
    board = teams.services.application.boards.names()[0]
    wanted = BoardSettings(channels={"teams": BOARD_CHANNEL})
    teams.services.application.boards.configure(board, wanted)
    assert teams.post(teams.in_channel(CHAIR, "rag red"))[0] == 202
    teams.settle()
    [message] = teams.cloud.connector.sent(f"{BOARD_CHANNEL};messageid=1700000000001")
    words = card_texts(message["activity"]["attachments"][0]["content"])
    assert "2.3" in words  # the red Social Work Practice Model action
    assert "Red" in words


@pytest.mark.parametrize(
    "token",
    [None, "not-a-jwt", "forged", "expired", "wrong-audience"],
)
def test_a_bad_token_is_refused_with_401_and_nothing_is_written(
    teams: TeamsApp, token: str | None
) -> None:
    tokens = {
        "forged": teams.cloud.inbound_token(forged=True),
        "expired": teams.cloud.inbound_token(expired=True),
        "wrong-audience": teams.cloud.openid.token(
            "99999999-9999-9999-9999-999999999999",
            service_url=teams.cloud.connector.service_url,
        ),
    }
    before = teams.action("2.3").rag
    status, _ = teams.post(
        teams.personal(VEL, "2.3 green - all done"), token=tokens.get(token or "", token)
    )
    assert status == 401
    assert teams.inbox_size() == 0
    assert teams.action("2.3").rag == before
    assert teams.cloud.connector.sent() == []


def test_a_service_url_the_token_does_not_name_is_refused(teams: TeamsApp) -> None:
    activity = teams.personal(VEL, "2.3 green")
    activity["serviceUrl"] = "https://evil.example.com/"
    assert teams.post(activity)[0] == 401
    assert teams.inbox_size() == 0


@pytest.mark.parametrize(
    "body",
    [b"{", b"[]", b'{"type": "message"}', b"x" * 600_000],
)
def test_malformed_requests_get_a_4xx(teams: TeamsApp, body: bytes) -> None:
    import urllib.error
    import urllib.request

    request = urllib.request.Request(
        teams.url + "/api/messages",
        data=body,
        headers={
            "Content-Type": "application/json",
            "Authorization": f"Bearer {teams.cloud.inbound_token()}",
        },
        method="POST",
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=30)
    assert 400 <= refused.value.code < 500
    assert teams.inbox_size() == 0


def test_undo_on_the_refreshed_card_puts_it_back(teams: TeamsApp) -> None:
    action_id = teams.action("4.5").id
    before = teams.action("4.5").rag
    _status, answer = teams.post(teams.press(SALLY, "tap_rag_green", str(action_id)))
    [undo] = [a for a in card_actions(answer["value"]) if a.get("verb") == TAP_UNDO]
    status, undone = teams.post(
        teams.press(SALLY, TAP_UNDO, str(undo["data"]["value"]), card_id="act-undo")
    )
    assert status == 200
    assert teams.action("4.5").rag == before
    assert undone["value"]["type"] == "AdaptiveCard"


def test_snooze_from_the_card_pauses_the_reminders(teams: TeamsApp) -> None:
    action_id = teams.action("4.5").id
    status, answer = teams.post(teams.press(SALLY, "tap_snooze", str(action_id)))
    assert status == 200
    assert "reminders paused until" in card_texts(answer["value"])
    with teams.services.db.session(commit=False) as session:
        owners = session.exec(select(ActionOwner).where(ActionOwner.action_id == action_id)).all()
    assert [o.snoozed_until is not None for o in owners] == [True]
