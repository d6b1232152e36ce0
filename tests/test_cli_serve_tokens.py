"""`serve` (and the other commands that talk to Slack) with a token Slack refuses: one
sentence naming the token and where to get another, exit 1, never Slack's raw error or a
traceback; nothing is served."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr
from typer.testing import CliRunner, Result

from bot.config import Settings
from handlers.cli.main import CliOptions, app
from tests.slack.fake_slack import FakeSlack, running

BOARD = "Children's Improvement Board"
RAW = ("Traceback", "SlackApiError", "The server responded with", "TokenRefusedError")


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    with running() as slack:
        yield slack


@pytest.fixture
def settings(db_url: str, fake: FakeSlack) -> Settings:
    return Settings(
        database_url=db_url,
        slack_bot_token=SecretStr("xoxb-old"),
        slack_signing_secret=SecretStr("a-signing-secret"),
        slack_api_url=fake.url + "/api/",
        scheduler_enabled=False,
        load_sample_plan=False,
        _env_file=None,
    )


def cli(settings: Settings, *args: str) -> Result:
    return CliRunner().invoke(app, list(args), obj=CliOptions(settings=settings))


def said_plainly(result: Result) -> None:
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    for raw in RAW:
        assert raw not in result.output


@pytest.mark.parametrize("error", ["invalid_auth", "token_revoked"])
def test_serve_with_a_refused_bot_token_says_which_and_where_to_get_another(
    settings: Settings, fake: FakeSlack, error: str
) -> None:
    fake.refuse_token("xoxb-old", error)

    result = cli(settings, "serve", "--port", "0")

    said_plainly(result)
    assert result.stderr.strip().splitlines()[-1] == (
        f"actionbot: SLACK_BOT_TOKEN was refused by Slack ({error}): copy the Bot User OAuth "
        "Token again from OAuth & Permissions at api.slack.com/apps (reinstall the app there "
        "first if it was removed)"
    )
    assert [c.method for c in fake.calls] == ["auth.test"]  # asked once; nothing served


def test_serve_in_socket_mode_with_a_refused_app_token_names_it(
    settings: Settings, fake: FakeSlack
) -> None:
    socket = settings.model_copy(update={"slack_app_token": SecretStr("xapp-old")})
    fake.refuse_token("xapp-old", "invalid_auth")

    result = cli(socket, "serve")

    said_plainly(result)
    assert "actionbot: SLACK_APP_TOKEN was refused by Slack (invalid_auth): make an app-level " in (
        result.stderr
    )
    assert "Basic Information → App-Level Tokens" in result.stderr
    assert [c.method for c in fake.calls] == ["auth.test", "apps.connections.open"]


def test_a_missing_signing_secret_is_a_sentence_before_anything_starts(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, db_url: str
) -> None:
    monkeypatch.chdir(tmp_path)  # no .env
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-123-456-abc")
    monkeypatch.delenv("SLACK_SIGNING_SECRET", raising=False)
    monkeypatch.delenv("SLACK_APP_TOKEN", raising=False)

    result = CliRunner().invoke(app, ["serve"], obj=CliOptions())

    assert result.exit_code == 2
    assert "SLACK_SIGNING_SECRET is needed to verify Slack requests over HTTP" in result.stderr
    assert "Traceback" not in result.output


def test_people_sync_with_a_refused_token_is_one_sentence(
    settings: Settings, fake: FakeSlack
) -> None:
    sample = Path(__file__).resolve().parents[1] / "bot" / "sample" / "st_helens_plan.csv"
    assert (
        cli(settings, "import", str(sample), "--board", BOARD, "--as-of", "2022-10-31").exit_code
        == 0
    )
    linked = cli(settings, "people", "link", "Paula Swindlehurst", "--email", "ps@example.org")
    assert linked.exit_code == 0, linked.output
    fake.refuse_token("xoxb-old", "invalid_auth")

    result = cli(settings, "people", "sync")

    said_plainly(result)
    assert "actionbot: SLACK_BOT_TOKEN was refused by Slack (invalid_auth): copy the Bot User" in (
        result.stderr
    )
