"""A big plan imports in a fixed handful of statements, and its export reads back unchanged.

Issue 12 item 7: a 100,000-action import must be a few bulk statements a table, not a few a
row. Here a plan of the Worcestershire sample's rows, cycled to 1,000 and to 5,000 actions
(each copy with its own refs and titles, owners spread over hundreds of people), is written
as a CSV file, read by the real reader and imported into a real SQLite file, counting every
statement sent (an executemany counts once). The count must not grow with the plan. Then the
board is exported through the streamed CSV path and that file imported again: nothing may
change, and no history may be written.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.clock import ManualClock
from bot.domain.plan_rows import ActionRow, OwnerName
from bot.domain.workdays import WorkingCalendar
from bot.plan_io.reader import read_plans
from bot.plan_io.writer import write_csv
from handlers.application.plan_admin import PlanAdmin
from handlers.application.sample import SAMPLE_BOARDS, sample_file
from storage.db import Database
from storage.models import ActionUpdate, Person
from storage.plan_sync import ImportOutcome
from tests.sql_counting import counting

WORCESTERSHIRE = SAMPLE_BOARDS[1]
AS_OF = WORCESTERSHIRE.as_of
NOW = datetime(2017, 2, 24, 10, tzinfo=UTC)
BOARD = "Big Board"
INITIALS = "ABCDEFGHJKLMNPRSTW"
# Reads of the board, the fingerprint, the writes: a few per table, not a few per row. The
# inserts go 20,000 rows an executemany, so 5,000 actions' ~60,000 history rows add a few.
MOST_STATEMENTS = 60
GROWTH_ALLOWED = 3  # statements more at 5,000 actions than at 1,000 (38 and 39 when written)


def _seed_rows() -> list[ActionRow]:
    """The Worcestershire plan (its SIP file: refs, workstreams, RAG, commentary, milestones)."""
    sip = next(f for f in WORCESTERSHIRE.files if "sip" in f)
    found = read_plans([sample_file(sip)], as_of=AS_OF, calendar=WorkingCalendar())
    return found.rows


def _people(count: int) -> list[str]:
    """Real owners' names from the sample, recombined with a middle initial."""
    names = ["Bec Windsor", "Tina Russell", "Steve Field", "Catherine Driscoll", "Sarah Wilkins"]
    return [
        f"{first} {initial}. {last}"
        for initial in INITIALS
        for first, last in (n.split() for n in names)
    ][:count]


def big_plan(folder: Path, actions: int) -> Path:
    """`actions` rows cycled from the seed plan, written as a CSV the way a user's would be."""
    seed = _seed_rows()
    pool = _people(90)
    rows = []
    for number in range(actions):
        row = seed[number % len(seed)]
        copy = number // len(seed)
        owners = tuple(OwnerName(pool[(number * 7 + k) % len(pool)]) for k in range(number % 3 + 1))
        rows.append(
            replace(
                row,
                ref=f"{row.ref}.{copy}" if copy else row.ref,
                title=f"{row.title} ({copy})" if copy else row.title,
                owners=owners,
                present=row.present | {"owners"},
            )
        )
    path = folder / f"plan_{actions}.csv"
    with path.open("w", newline="", encoding="utf-8") as out:
        write_csv(rows, out)
    return path


@dataclass(frozen=True)
class Imported:
    db: Database
    admin: PlanAdmin
    folder: Path
    statements: int  # sent by the first import


def _admin(folder: Path) -> tuple[Database, PlanAdmin]:
    db = Database.connect(f"sqlite:///{folder / 'plan.db'}")
    clock = ManualClock(NOW)
    return db, PlanAdmin(db=db, clock=clock, default_timezone="Europe/London", holiday_region="ENG")


def astuple_shallow(found: Imported) -> tuple[Database, PlanAdmin, Path, int]:
    return found.db, found.admin, found.folder, found.statements


def _import(db: Database, admin: PlanAdmin, path: Path) -> tuple[ImportOutcome, int]:
    rows = read_plans([path], as_of=AS_OF, calendar=WorkingCalendar()).rows
    with counting(db.engine) as seen:
        outcome = admin.import_rows(BOARD, rows)
    return outcome, seen.count


def _count(db: Database, model: type) -> int:
    with db.session(commit=False) as session:
        return int(session.execute(select(func.count()).select_from(model)).scalar_one())


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> dict[int, Imported]:
    """Fresh imports of 1,000 and 5,000 actions, and the statements each sent."""
    found: dict[int, Imported] = {}
    for actions in (1_000, 5_000):
        folder = tmp_path_factory.mktemp(f"big_{actions}")
        db, admin = _admin(folder)
        outcome, statements = _import(db, admin, big_plan(folder, actions))
        assert len(outcome.report.created) == actions
        found[actions] = Imported(db, admin, folder, statements)
    return found


def test_an_import_sends_a_fixed_handful_of_statements_whatever_its_size(
    imported: dict[int, Imported],
) -> None:
    small, large = imported[1_000].statements, imported[5_000].statements
    assert large <= MOST_STATEMENTS, f"{large} statements for 5,000 actions"
    assert large - small <= GROWTH_ALLOWED, f"{small} at 1,000 actions, {large} at 5,000"


def test_every_created_action_enters_the_history_and_owners_are_people(
    imported: dict[int, Imported],
) -> None:
    db = imported[5_000].db
    assert _count(db, ActionUpdate) == 5_000
    assert _count(db, Person) == 90


def test_reimporting_the_same_file_changes_nothing_in_a_few_statements(
    imported: dict[int, Imported],
) -> None:
    db, admin, folder, first = astuple_shallow(imported[5_000])
    before = _count(db, ActionUpdate)
    outcome, statements = _import(db, admin, folder / "plan_5000.csv")
    assert not outcome.report.changed
    assert len(outcome.report.unchanged) == 5_000
    assert _count(db, ActionUpdate) == before
    assert statements <= first


def test_an_exported_board_imports_back_unchanged(imported: dict[int, Imported]) -> None:
    db, admin, folder, _first = astuple_shallow(imported[5_000])
    before = _count(db, ActionUpdate)
    exported = folder / "export.csv"
    with (
        counting(db.engine) as seen,
        admin.rows(BOARD) as plan,
        exported.open("w", newline="", encoding="utf-8") as out,
    ):
        written = write_csv(plan.rows, out)
    assert written == 5_000
    assert seen.count <= 3 * (5_000 // 2_000 + 1) + 3, "export reads in batches, not per row"
    outcome, _statements = _import(db, admin, exported)
    assert not outcome.report.changed, outcome.report.updated
    assert outcome.report.not_in_files == []
    assert _count(db, ActionUpdate) == before


def test_a_changed_big_file_updates_in_place_with_its_history(
    imported: dict[int, Imported],
) -> None:
    """The fast path still reports and records each change (here: one RAG in 1,000 rows)."""
    db, admin, folder, first = astuple_shallow(imported[1_000])
    text = (folder / "plan_1000.csv").read_text(encoding="utf-8")
    lines = text.splitlines(keepends=True)
    header, body = lines[0], lines[1:]
    changed_line = next(i for i, line in enumerate(body) if ",Green," in line)
    body[changed_line] = body[changed_line].replace(",Green,", ",Red,", 1)
    edited = folder / "edited.csv"
    edited.write_text(header + "".join(body), encoding="utf-8")
    before = _count(db, ActionUpdate)
    outcome, statements = _import(db, admin, edited)
    assert len(outcome.report.updated) == 1
    [(_ref, changes)] = outcome.report.updated.items()
    assert [(c.field, c.before, c.after) for c in changes][:1] == [("rag", "green", "red")]
    assert _count(db, ActionUpdate) == before + 1
    assert statements <= first + GROWTH_ALLOWED
