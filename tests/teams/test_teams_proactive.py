"""What the bot sends on its own in Teams: reminders to people's personal chats, digests to
the board's channel, people linked from the team's roster — through the SDK's adapter to the
Bot Connector stand-in, with 429s and 5xxs waited out and everything sent once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from bot.clock import ManualClock
from handlers.application.boards import BoardSettings
from handlers.teams.server import TeamsParts, teams_parts
from storage.models import Notification
from storage.people import person_by_chat_id
from tests.teams.conftest import (
    BOARD_CHANNEL,
    MEMBERS,
    SALLY,
    VEL,
    TeamsApp,
    card_actions,
    card_texts,
    sent_cards,
)

REMINDER_BUTTONS = [
    "Green",
    "Amber",
    "Red",
    "Complete",
    "Change date",
    "Add update",
    "Snooze 3 days",
]


@pytest.fixture
def parts(teams: TeamsApp) -> TeamsParts:
    built = teams_parts(teams.services.application, teams.cloud.connections())
    yield built
    built.close()


def _remind(teams: TeamsApp, parts: TeamsParts, clock: ManualClock) -> object:
    clock.set(clock.now().replace(hour=9, minute=30))  # Mon 09:30: reminders are due
    notifier = parts.notifier(teams.services.application)
    return teams.services.dispatcher(notifier).send_due_reminders()


def test_a_reminder_reaches_an_installed_owner_in_their_personal_chat(
    teams: TeamsApp, parts: TeamsParts, clock: ManualClock
) -> None:
    teams.cloud.connector.install(SALLY.teams_id)
    _remind(teams, parts, clock)
    [card] = sent_cards(teams.cloud, teams.personal_chat(SALLY))
    words = card_texts(card)
    assert "4.5" in words
    assert "Children in Care Council" in words
    titles = [a["title"] for a in card_actions(card) if a.get("title") in REMINDER_BUTTONS]
    assert titles == REMINDER_BUTTONS
    # Where to reach her is kept: the next reminder needs no new chat.
    assert teams.services.application.addresses.find("teams", SALLY.aad) is not None


def test_an_owner_who_never_installed_the_app_is_reported_not_messaged(
    teams: TeamsApp, parts: TeamsParts, clock: ManualClock
) -> None:
    result = _remind(teams, parts, clock)
    assert sent_cards(teams.cloud, teams.personal_chat(SALLY)) == []
    assert result.skipped >= 1  # type: ignore[attr-defined]
    with teams.services.db.session(commit=False) as session:
        reasons = [n.detail for n in session.exec(select(Notification)).all()]
    assert "can't reach on Teams: install the app for Sally Clewes" in reasons


def test_where_allowed_the_app_is_installed_for_them_through_graph(
    teams: TeamsApp, clock: ManualClock
) -> None:
    app = teams.services.application
    settings = app.settings.model_copy(update={"teams_graph_install": True})
    built = teams_parts(app, teams.cloud.connections())
    try:
        notifier = built.notifier(app)
        notifier.install = settings.teams_graph_install
        clock.set(clock.now().replace(hour=9, minute=30))
        teams.services.dispatcher(notifier).send_due_reminders()
    finally:
        built.close()
    assert SALLY.aad in teams.cloud.graph.installs
    assert len(sent_cards(teams.cloud, teams.personal_chat(SALLY))) == 1


def test_429_and_5xx_are_waited_out_and_each_reminder_delivered_once(
    teams: TeamsApp, parts: TeamsParts, clock: ManualClock
) -> None:
    for member in MEMBERS:
        teams.cloud.connector.install(member.teams_id)
    teams.cloud.connector.fail_next(2, status=429, retry_after=0.05)
    teams.cloud.connector.fail_next(1, status=503, retry_after=None)
    result = _remind(teams, parts, clock)
    assert result.sent >= 2  # type: ignore[attr-defined]
    keys = [
        m["activity"]["attachments"][0]["content"]["body"][0].get("id")
        for m in teams.cloud.connector.sent()
    ]
    assert len(keys) == len(set(keys)) == result.sent  # type: ignore[attr-defined]
    refused = [r for r in teams.cloud.connector.requests if r.status in (429, 503)]
    assert len(refused) == 3


def test_the_weekly_digest_is_posted_to_the_boards_teams_channel_once(
    teams: TeamsApp, parts: TeamsParts, clock: ManualClock
) -> None:
    app = teams.services.application
    board = app.boards.names()[0]
    now = clock.now().replace(hour=9, minute=30)
    clock.set(now)
    wanted = BoardSettings(
        channels={"teams": BOARD_CHANNEL}, digest_weekday=now.weekday(), digest_time="09:00"
    )
    app.boards.configure(board, wanted)
    dispatcher = teams.services.dispatcher(parts.notifier(app))
    dispatcher.send_due_digests()
    clock.set(now + timedelta(minutes=5))
    dispatcher.send_due_digests()
    posts = teams.cloud.connector.sent(BOARD_CHANNEL)
    assert len(posts) >= 1
    first = posts[0]["activity"]["attachments"][0]["content"]
    assert "Red" in card_texts(first)
    parts_posted = {p["id"] for p in posts}
    assert len(parts_posted) == len(posts)
    dispatcher.send_due_digests()
    assert len(teams.cloud.connector.sent(BOARD_CHANNEL)) == len(posts)


def test_people_sync_links_owners_by_email_from_the_team_roster(
    teams: TeamsApp, parts: TeamsParts
) -> None:
    from handlers.teams.people_sync import sync_people

    app = teams.services.application
    board = app.boards.names()[0]
    app.boards.configure(board, BoardSettings(channels={"teams": BOARD_CHANNEL}))
    newcomer = "Tina Russell"
    app.people.link(newcomer, email="tina@example.gov.uk")
    teams.cloud.connector.add_person(
        "29:tina",
        "a1a1a1a1-0000-4000-8000-000000000009",
        newcomer,
        "tina@example.gov.uk",
        "TINA@example.gov.uk",
    )
    found = {name: aad for name, _email, aad in sync_people(app, parts)}
    assert found[newcomer] == "a1a1a1a1-0000-4000-8000-000000000009"
    with teams.services.db.session(commit=False) as session:
        linked = person_by_chat_id(session, "teams", "a1a1a1a1-0000-4000-8000-000000000009")
    assert linked is not None
    assert linked.name == newcomer


def test_the_first_word_stores_where_to_reach_them(teams: TeamsApp) -> None:
    assert teams.services.application.addresses.find("teams", VEL.aad) is None
    teams.post(teams.personal(VEL, "help"))
    teams.settle()
    assert teams.services.application.addresses.find("teams", VEL.aad) is not None


def test_people_sync_with_no_teams_channel_says_what_to_do(
    teams: TeamsApp, parts: TeamsParts
) -> None:
    from handlers.application.errors import Problem
    from handlers.teams.people_sync import sync_people

    with pytest.raises(Problem, match="--teams-channel"):
        sync_people(teams.services.application, parts)


def test_people_sync_when_teams_refuses_the_roster_says_so(
    teams: TeamsApp, parts: TeamsParts
) -> None:
    from handlers.application.errors import Problem
    from handlers.teams.people_sync import sync_people

    app = teams.services.application
    app.boards.configure(app.boards.names()[0], BoardSettings(channels={"teams": BOARD_CHANNEL}))
    teams.cloud.connector.fail_next(1, status=403, retry_after=None, operations=("members",))
    with pytest.raises(Problem, match="added to that channel's team"):
        sync_people(app, parts)
