"""The phrase table (tests/domain/phrases.csv) sent through Slack's HTTP protocol, end to end.

Each sampled row is typed by Sally Clewes, who owns one open action (4.5), sent as Slack sends
it (escaped, signed, a `message.im` event), and read back from the database: what the parser
table promises is what the plan holds. Sent on Tue 1 Dec 2026 at 09:00 London, as the table
is read.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from bot.clock import ManualClock
from handlers.slack.slack_text import decode
from storage.db import Database
from storage.models import Action, Milestone
from storage.plan import append_milestone, milestones_of
from tests.domain.test_phrase_table import ROWS
from tests.slack.conftest import SALLY, RunningApp
from tests.slack.fake_slack import Call, FakeSlack
from tests.slack.test_slack_text import slack_escape

SENT_AT = datetime(2026, 12, 1, 9, 0, tzinfo=ZoneInfo("Europe/London"))
REF = "4.5"  # Sally Clewes's only action: red, "Children in Care Council"
DM = "D" + SALLY[1:]
# The table names milestones up to 5; 4.5 has none in the published plan, so it is given five.
MILESTONES = [
    date(2027, 1, 29),
    date(2027, 2, 26),
    date(2027, 3, 26),
    date(2027, 5, 28),
    date(2027, 6, 30),
]
EVERY = 4  # every fourth row, and the first of each category: about a quarter of the table
NOT_UNDERSTOOD = "couldn't find an update"


def sample() -> list[tuple[int, dict[str, str]]]:
    firsts = {row["category"]: i for i, row in reversed(list(enumerate(ROWS)))}
    chosen = set(range(0, len(ROWS), EVERY)) | set(firsts.values())
    return [(i, ROWS[i]) for i in sorted(chosen)]


SAMPLE = sample()


@dataclass(frozen=True)
class State:
    """What a message may change on the action: compared whole when nothing should change."""

    rag: str | None
    review_date: date | None
    latest_update: str | None
    done: tuple[bool, ...]
    due: tuple[date | None, ...]


@pytest.fixture(scope="module")
def seeded_db(seeded_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shared seed, with 4.5 given milestones through the storage layer's own functions."""
    path = tmp_path_factory.mktemp("phrases") / "worcestershire.db"
    shutil.copyfile(seeded_db, path)
    db = Database.connect(f"sqlite:///{path}")
    with db.session() as session:
        action = session.exec(select(Action).where(Action.ref == REF)).one()
        assert action.id is not None
        assert not milestones_of(session, action.id)
        for n, due in enumerate(MILESTONES, start=1):
            text = f"Step {n} for the Children in Care Council"
            append_milestone(session, action.id, due=due, date_text=f"{due:%d %b}", text=text)
    db.dispose()
    return path


def state(app: RunningApp) -> State:
    action = app.action(REF)
    assert action.id is not None
    with app.services.db.session(commit=False) as session:
        milestones: list[Milestone] = list(milestones_of(session, action.id))
    return State(
        action.rag,
        action.review_date,
        action.latest_update,
        tuple(m.done for m in milestones),
        tuple(m.due for m in milestones),
    )


def replies(fake: FakeSlack) -> list[Call]:
    return [c for c in fake.answered("chat.postMessage") if c.params.get("channel") == DM]


def send(app: RunningApp, fake: FakeSlack, words: str) -> str:
    """Typed by Sally in her DM; returns the bot's reply as she reads it."""
    before = len(replies(fake))
    assert app.slack.event(app.slack.direct_message(slack_escape(words), user=SALLY)).status == 200
    reply = fake.wait_for(lambda: replies(fake), n=before + 1)
    app.settle()
    return decode(reply.text)


def is_a_date_question(reply: str) -> bool:
    return "date" in reply and ("?" in reply or "couldn't tell" in reply)


@pytest.mark.parametrize(
    "row", [row for _, row in SAMPLE], ids=[f"{i}-{r['category']}" for i, r in SAMPLE]
)
def test_a_phrase_changes_the_plan_as_the_table_says(
    app: RunningApp, fake: FakeSlack, clock: ManualClock, row: dict[str, str]
) -> None:
    clock.set(SENT_AT)
    before = state(app)

    reply = send(app, fake, row["text"])

    after = state(app)
    if row["keeps_words"] == "no":
        assert NOT_UNDERSTOOD in reply
        assert after == before
    elif row["rag"].startswith("?"):
        assert "did you mean" in reply
        assert after == before
    elif row["date"] == "ask" or row["milestone_date"].endswith("=ask"):
        assert is_a_date_question(reply), reply
        assert after == before
        kept = send(app, fake, "keep")  # the answer that leaves the date alone
        check_applied(row, before, state(app), kept, asked=True)
    else:
        check_applied(row, before, after, reply)


def check_applied(
    row: dict[str, str], before: State, after: State, reply: str, *, asked: bool = False
) -> None:
    """`asked`: the date was in doubt and the owner answered "keep"; the rest still applies."""
    assert after.rag == (row["rag"] or before.rag), reply
    moved_to = row["date"] if row["date"] and not asked else None
    want_review = date.fromisoformat(moved_to) if moved_to else before.review_date
    assert after.review_date == want_review, reply
    if row["keeps_words"] == "yes":
        assert after.latest_update != before.latest_update, reply
    done = {int(n) for n in row["milestones"].split(";") if n}
    assert [n for n, is_done in enumerate(after.done, start=1) if is_done] == sorted(done), reply
    if asked:
        assert after.due == before.due, reply
    elif row["milestone_date"]:
        number, _, when = row["milestone_date"].partition("=")
        moved = date.fromisoformat(when)
        assert after.review_date != moved, "a milestone's date moved the review date"
        assert after.due[int(number) - 1] == moved, reply


def test_the_sample_covers_every_category_and_is_big_enough() -> None:
    assert len(SAMPLE) >= 60
    assert {row["category"] for _, row in SAMPLE} == {row["category"] for row in ROWS}
