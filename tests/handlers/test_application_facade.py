"""The façade every adapter is given: shared rules, one unit of work per call, the
application's own errors (never SQLAlchemy's)."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy.exc import OperationalError

from bot.domain.workdays import WorkingCalendar
from handlers.application import rules
from handlers.application.boards import BoardSettings
from handlers.application.errors import Busy, Invalid, NotFound, Problem, busy_as_busy, is_busy
from handlers.wiring import Services

WORCS = "Worcestershire Service Improvement Board"


@pytest.mark.parametrize(
    ("check", "message"),
    [
        (lambda: rules.name("a/b", "--board"), "--board: the name contains a path separator"),
        (lambda: rules.weekday("someday", "--digest-day"), "is not a day (mon, tue, … sun)"),
        (lambda: rules.clock_time("25:00", "--digest-time"), "is not a time like 09:00"),
        (lambda: rules.lead_days("", "--lead-days"), "needs at least one day"),
        (lambda: rules.holiday_region("FRA", "--holidays"), "is not one of ENG, WLS, SCT, NIR"),
        (lambda: rules.channel_id("#board", "--channel"), "not its #name"),
        (lambda: rules.timezone("Mars/Olympus"), "unknown timezone"),
        (lambda: rules.email("nobody"), "isn't an email address"),
    ],
)
def test_a_rule_refuses_with_the_sentence_to_show(check: object, message: str) -> None:
    with pytest.raises(Invalid, match=re.escape(message)):
        check()  # type: ignore[operator]


def test_rules_return_what_is_stored() -> None:
    calendar = WorkingCalendar()
    assert rules.name("  Bec   Windsor ", "name") == "Bec Windsor"
    assert rules.title(" a\u200b  title ") == "a title"
    assert len(rules.title("x" * 900)) == rules.TITLE_CHARS
    assert rules.lead_days("1, 7", "--lead-days") == "7,1"
    assert rules.clock_time("9:05", "--digest-time") == "09:05"
    assert rules.day("November 2022", "--as-of", today=date(2022, 1, 1), calendar=calendar) == (
        date(2022, 11, 30)
    )
    assert rules.review_date_problem(date(2020, 1, 1), date(2021, 1, 1)) is not None


def test_boards_people_and_plans_through_the_facade(services: Services) -> None:
    app = services.application
    assert app.boards.find("worc") is not None
    done = app.boards.configure(
        WORCS, BoardSettings(channel="C0WORCS", digest_weekday=1), chairs=["New Chair"]
    )
    assert done.changes == ("channel: C0WORCS", "digest day: Tue", "chair: New Chair (new person)")
    assert done.line.digest.startswith("Tue ")
    assert app.people.link("Bec Windsor", accounts={"slack": "U0BEC"}) == "Bec Windsor"
    line = next(p for p in app.people.everyone() if p.name == "Bec Windsor")
    assert line.accounts["slack"] == "U0BEC"
    with pytest.raises(NotFound):
        app.people.link("Nobody Atall", email="n@example.org")
    app.people.link("Bec Windsor", email="bec@example.org")
    with pytest.raises(Problem, match="already belongs to Bec Windsor"):
        app.people.link("Tina Russell", email="bec@example.org")
    assert len(app.plans.export(WORCS).rows) == 47
    with pytest.raises(NotFound):
        app.plans.export("Narnia")


def test_the_inbox_stores_a_delivery_once(services: Services) -> None:
    inbox = services.application.inbox

    def store() -> object:
        return inbox.store(
            platform="test",
            delivery_key="k1",
            partition="p",
            body="{}",
            content_type="application/json",
            holder="h",
            lease=timedelta(seconds=30),
        )

    assert store() is not None
    assert store() is None  # the same delivery again: stored once
    assert inbox.unfinished(platform="test") == 1
    assert inbox.release(holder="h") == 1
    assert services.application.health.database_answers()


def test_a_locked_database_is_busy_in_the_applications_words() -> None:
    with pytest.raises(Busy), busy_as_busy():
        raise OperationalError("UPDATE", {}, Exception("database is locked"))
    assert is_busy(Busy("x"))
    assert not is_busy(ValueError("x"))
