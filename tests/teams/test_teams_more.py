"""Teams beyond the first loop: rag in its forms, questions answered by card buttons, being
installed, Slack and Teams served by one server, and `people sync --teams` from the CLI."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import date

import pytest
from pydantic import SecretStr
from typer.testing import CliRunner

from bot.config import Settings
from handlers.application.boards import BoardSettings
from handlers.application.present.buttons import TAP_PICK_DATE
from handlers.cli.main import app as cli_app
from handlers.cli.state import CliOptions
from handlers.serve import start
from handlers.slack.app import make_client
from handlers.teams.auth import ANONYMOUS_WARNING, Guard
from tests.slack.fake_slack import FakeSlack, SlackSender
from tests.teams.conftest import (
    BOARD_CHANNEL,
    CHAIR,
    SALLY,
    TENANT,
    VEL,
    TeamsApp,
    card_actions,
    card_texts,
    sent_cards,
    teams_settings,
)


def _said(teams: TeamsApp, member: object) -> str:
    return " ".join(card_texts(c) for c in sent_cards(teams.cloud, teams.personal_chat(member)))


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("rag", "Worcestershire"),
        ("rag red", "2.3"),
        ("rag 2.3", "Social Work Practice Model"),
        ("rag overdue", ""),
        ("rag workstream 4", "4.5"),
    ],
)
def test_rag_in_the_personal_chat(teams: TeamsApp, query: str, expected: str) -> None:
    assert teams.post(teams.personal(CHAIR, query))[0] == 202
    teams.settle()
    said = _said(teams, CHAIR)
    assert said, "rag is answered"
    assert expected in said


def test_rag_about_a_mentioned_person_lists_their_actions(teams: TeamsApp) -> None:
    activity = teams.personal(CHAIR, "rag <at>Sally Clewes</at>")
    activity["entities"] = [
        {
            "type": "mention",
            "text": "<at>Sally Clewes</at>",
            "mentioned": {"id": SALLY.teams_id, "name": SALLY.name},
        }
    ]
    teams.post(activity)
    teams.settle()
    said = _said(teams, CHAIR)
    assert "4.5" in said  # found through the roster: the mention carried only her 29: id
    assert "2.3" not in said


def test_a_doubtful_date_is_asked_with_card_buttons_and_a_press_answers_it(
    teams: TeamsApp,
) -> None:
    before = teams.action("2.3").review_date
    teams.post(teams.personal(VEL, "2.3 amber - moved to 31 April"))
    teams.settle()
    [question] = sent_cards(teams.cloud, teams.personal_chat(VEL))
    assert "31 April" in card_texts(question)
    assert teams.action("2.3").review_date == before  # nothing changed while it asks
    picks = [a for a in card_actions(question) if str(a.get("verb", "")).startswith(TAP_PICK_DATE)]
    assert picks
    first = picks[0]
    status, answer = teams.post(
        teams.press(VEL, str(first["verb"]), str(first["data"]["value"]))  # type: ignore[index]
    )
    assert status == 200
    assert teams.action("2.3").rag == "amber"
    assert teams.action("2.3").review_date == date.fromisoformat(first["data"]["value"])  # type: ignore[index]
    assert "Amber" in card_texts(answer["value"])


def test_an_add_update_press_is_read_as_words_about_that_action(teams: TeamsApp) -> None:
    action_id = teams.action("1.8").id  # one of Vel's four
    press = teams.press(
        VEL, "tap_add_update", str(action_id), inputs={"text": "red - the provider pulled out"}
    )
    status, _answer = teams.post(press)
    assert status == 200
    assert teams.action("1.8").rag == "red"
    [update] = teams.updates("1.8")
    assert update.text == "red - the provider pulled out"


def test_being_installed_stores_the_chat_and_says_hello(teams: TeamsApp) -> None:
    activity = teams.personal(SALLY, "")
    activity.pop("text")
    activity.update(type="installationUpdate", action="add")
    assert teams.post(activity)[0] == 202
    teams.settle()
    assert teams.services.application.addresses.find("teams", SALLY.aad) is not None
    assert "update" in _said(teams, SALLY).lower()


def test_an_install_greets_once_though_teams_announces_it_twice(teams: TeamsApp) -> None:
    added = teams.personal(SALLY, "")
    added.pop("text")
    added.update(type="conversationUpdate", membersAdded=[{"id": "28:bot"}])
    installed = teams.personal(SALLY, "")
    installed.pop("text")
    installed.update(type="installationUpdate", action="add")
    teams.post(added)
    teams.post(installed)
    teams.settle()
    assert len(sent_cards(teams.cloud, teams.personal_chat(SALLY))) == 1


def test_an_unknown_person_is_told_kindly_and_nothing_changes(teams: TeamsApp) -> None:
    stranger = type(VEL)("Stranger", "b2b2b2b2-0000-4000-8000-000000000001", "29:x", "x@x.org")
    teams.cloud.connector.add_person(stranger.teams_id, stranger.aad, stranger.name)
    activity = teams.personal(stranger, "2.3 green - done")
    teams.post(activity)
    teams.settle()
    said = " ".join(card_texts(c) for c in sent_cards(teams.cloud))
    assert (
        "don't know" in said.lower()
        or "not linked" in said.lower()
        or "who you are" in said.lower()
    )
    assert teams.updates("2.3") == []


def test_one_server_serves_slack_and_teams_at_once(teams: TeamsApp, db_url: str) -> None:
    """A council with owners on each: one process, both endpoints, one plan."""
    app = teams.services.application
    app.people.link("Sally Clewes", accounts={"slack": "U0SCLEWES"})
    fake = FakeSlack().start()
    both = teams_settings(
        db_url,
        teams.cloud,
        slack_bot_token=SecretStr("xoxb-both"),
        slack_signing_secret=SecretStr("both-secret"),
        slack_api_url=fake.url + "/api/",
    )
    served = replace(app, settings=both)
    running = start(
        served, slack_client=make_client(both), teams_connections=teams.cloud.connections()
    )
    try:
        on_teams = TeamsApp(running.url, teams.cloud, teams.services, running)
        assert on_teams.post(on_teams.personal(VEL, "2.3 amber - slipped a week"))[0] == 202
        slack = SlackSender(running.url + "/slack/events", "both-secret", response_base=fake.url)
        said = slack.direct_message("4.5 green - council met", user="U0SCLEWES")
        assert slack.event(said, event_id="Ev0BOTH").status == 200
        running.wait_idle()
        assert teams.action("2.3").rag == "amber"  # from Teams
        assert teams.action("4.5").rag == "green"  # from Slack, same plan, same server
        assert _post_unsigned(running.url + "/slack/events") == 401  # each edge checks its own
        assert _post_unsigned(running.url + "/api/messages") == 401
    finally:
        running.stop()
        fake.stop()


def test_people_sync_teams_from_the_cli_links_by_email(
    teams: TeamsApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = teams.services.application
    app.boards.configure(app.boards.names()[0], BoardSettings(channels={"teams": BOARD_CHANNEL}))
    app.people.link("Tina Russell", email="tina@example.gov.uk")
    tina = "c3c3c3c3-0000-4000-8000-000000000001"
    teams.cloud.connector.add_person("29:tina", tina, "Tina Russell", "tina@example.gov.uk")
    result = CliRunner().invoke(
        cli_app,
        ["people", "sync", "--teams"],
        obj=CliOptions(settings=app.settings, teams_connections=teams.cloud.connections()),
    )
    assert result.exit_code == 0, result.output
    assert tina in result.stdout


def test_anonymous_mode_is_loud_and_refused_with_a_tenant(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        Guard.from_settings(Settings(_env_file=None, teams_anonymous=True))
    assert ANONYMOUS_WARNING in caplog.text
    with pytest.raises(ValueError, match="TEAMS_ANONYMOUS"):
        Settings(_env_file=None, teams_anonymous=True, teams_tenant_id="t")


def _get(url: str) -> int:
    import urllib.request

    with urllib.request.urlopen(url, timeout=10) as response:
        return int(response.status)


def _post_unsigned(url: str) -> int:
    import urllib.error
    import urllib.request

    request = urllib.request.Request(
        url, data=b"{}", headers={"Content-Type": "application/json"}, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as refused:
        return refused.code


def test_rag_in_a_personal_chat_answers_only_the_boards_channel_members_and_chairs(
    teams: TeamsApp,
) -> None:
    app = teams.services.application
    app.boards.configure(app.boards.names()[0], BoardSettings(channels={"teams": BOARD_CHANNEL}))
    outsider = type(VEL)(
        "Andrew Toombs", "d4d4d4d4-0000-4000-8000-000000000001", "29:andrew", "a@example.gov.uk"
    )
    app.people.link(outsider.name, accounts={"teams": outsider.aad})  # linked, not in the team
    chat = {"id": "a:personal-29:andrew", "conversationType": "personal", "tenantId": TENANT}
    teams.post(
        teams.activity_from(outsider, {"type": "message", "text": "rag red"}, conversation=chat)
    )
    teams.post(teams.personal(VEL, "rag red"))  # in the team's roster
    teams.settle()
    refused = " ".join(
        card_texts(m["activity"]["attachments"][0]["content"])
        for m in teams.cloud.connector.sent()
        if "andrew" in m["conversation"]
    )
    assert "answers only to members of its channel" in refused
    assert "2.3" not in refused
    assert "2.3" in _said(teams, VEL)
