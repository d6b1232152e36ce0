"""Finding people by name: exactly (commands), loosely (chat), and never once removed.

Against the test database (a SQLite file, or PostgreSQL when ACTIONBOT_TEST_POSTGRES_URL is
set). Also what renaming and removing a person, and removing a board, leave behind.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from alembic import command
from sqlalchemy import inspect
from sqlmodel import Session, select

from bot.domain.plan import FieldChange
from storage.boards import (
    CHAIR,
    add_role,
    board_contents,
    delete_board,
    ensure_board,
    list_boards,
)
from storage.db import Database, alembic_config, make_engine, migrate
from storage.history import BOARD, audit_entries, record_audit, record_update
from storage.models import Action, ActionOwner, ActionUpdate, Milestone, Person
from storage.people import (
    CONSOLE,
    find_person,
    get_or_create_person,
    list_people,
    match_person,
    person_by_chat_id,
    remove_person,
    rename_person,
)

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
NAMES = ("Hilary Brooks", "Paula Swindlehurst", "Anna Smith", "Bob Smith")


def _people(session: Session) -> dict[str, Person]:
    return {n: get_or_create_person(session, name=n, role="", now=NOW) for n in NAMES}


def _names(people: tuple[Person, ...]) -> list[str]:
    return [p.name for p in people]


def test_only_the_whole_name_is_exact(db: Database) -> None:
    with db.session() as session:
        _people(session)
        assert match_person(session, "  hilary   BROOKS ").exact is not None
        assert match_person(session, "@Hilary Brooks").exact is not None  # as typed in chat
        prefix = match_person(session, "Hil")
        assert prefix.exact is None
        assert _names(prefix.partial) == ["Hilary Brooks"]
        surname = match_person(session, "smith")
        assert surname.exact is None
        assert _names(surname.near) == ["Anna Smith", "Bob Smith"]
        misspelt = match_person(session, "Paula Swindlehirst")
        assert (misspelt.exact, misspelt.partial) == (None, ())
        assert _names(misspelt.near) == ["Paula Swindlehurst"]
        assert match_person(session, "Nobody Atall").near == ()
        assert match_person(session, "  ").exact is None


def test_chat_takes_a_unique_prefix_or_surname_as_before(db: Database) -> None:
    with db.session() as session:
        people = _people(session)
        assert find_person(session, "hil") is people["Hilary Brooks"]
        assert find_person(session, "Swindlehurst") is people["Paula Swindlehurst"]
        assert find_person(session, "smith") is None  # two Smiths: no guess
        assert find_person(session, "Paula Swindlehirst") is None  # a spelling is no match


def test_a_renamed_person_keeps_their_console_account(db: Database) -> None:
    with db.session() as session:
        paula = _people(session)["Paula Swindlehurst"]
        rename_person(session, paula, "Paula  Swindlehurst-Jones")
        assert paula.name == "Paula Swindlehurst-Jones"
        assert match_person(session, "paula swindlehurst-jones").exact is paula
        assert match_person(session, "Paula Swindlehurst").exact is None
        assert person_by_chat_id(session, CONSOLE, "Paula Swindlehurst-Jones") is paula


def test_a_removed_person_is_matched_by_nothing_and_their_name_is_free(db: Database) -> None:
    with db.session() as session:
        people = _people(session)
        board = ensure_board(session, "Board", now=NOW, timezone="Europe/London")
        paula = people["Paula Swindlehurst"]
        add_role(session, board, paula, CHAIR)
        assert paula.id is not None
        paula_id = paula.id
        paula.email = "paula@example.org"
        remove_person(session, paula, now=NOW)
    with db.session() as session:
        assert "Paula Swindlehurst" not in [p.name for p in list_people(session)]
        for typed in ("Paula Swindlehurst", "paula", "Swindlehurst", "Paula Swindlehirst"):
            found = match_person(session, typed)
            assert found.exact is None
            assert paula_id not in {p.id for p in found.near}, typed
            assert find_person(session, typed) is None
        assert person_by_chat_id(session, CONSOLE, "Paula Swindlehurst") is None
        kept = session.get(Person, paula_id)
        assert kept is not None
        assert (kept.name, kept.email, kept.removed_at) == ("Paula Swindlehurst", None, NOW)
        again = get_or_create_person(session, name="Paula Swindlehurst", role="", now=NOW)
        assert again.id != paula_id  # someone new by that name, with a console account
        assert person_by_chat_id(session, CONSOLE, "Paula Swindlehurst") is again


def test_removing_a_board_takes_everything_on_it_and_nothing_else(db: Database) -> None:
    with db.session() as session:
        people = _people(session)
        boards = [ensure_board(session, n, now=NOW, timezone="Europe/London") for n in "AB"]
        for board in boards:
            assert board.id is not None
            add_role(session, board, people["Hilary Brooks"], CHAIR)
            action = Action(board_id=board.id, ref="1", title="t", created_at=NOW, updated_at=NOW)
            session.add(action)
            session.flush()
            assert action.id is not None
            session.add(ActionOwner(action_id=action.id, person_id=people["Anna Smith"].id or 0))
            session.add(Milestone(action_id=action.id, position=1, due=date(2026, 12, 1), text="m"))
            first = record_update(
                session,
                action_id=action.id,
                person_id=None,
                source="cli",
                text=None,
                changes=[FieldChange("rag", None, "red")],
                now=NOW,
            )
            record_update(  # an undo points at what it undid
                session,
                action_id=action.id,
                person_id=None,
                source="cli",
                text=None,
                changes=[FieldChange("rag", "red", None)],
                now=NOW,
                undoes_id=first.id,
            )
        assert boards[0].id is not None
        contents = board_contents(session, boards[0].id)
        assert (contents.actions, contents.milestones, contents.history, contents.roles) == (
            1,
            1,
            2,
            1,
        )
        record_audit(
            session,
            subject=BOARD,
            subject_id=boards[0].id,
            name="A",
            changes=[FieldChange("removed", "1 action", None)],
            source="cli",
            now=NOW,
        )
        delete_board(session, boards[0])
    with db.session(commit=False) as session:
        assert [b.name for b in list_boards(session)] == ["B"]
        assert len(session.exec(select(Action)).all()) == 1
        assert len(session.exec(select(ActionUpdate)).all()) == 2
        assert len(list_people(session)) == len(NAMES)  # the people stay
        [entry] = audit_entries(session, subject=BOARD)
        assert (entry.name, entry.field) == ("A", "removed")


def test_migration_0006_goes_down_and_up_again(db_url: str) -> None:
    engine = make_engine(db_url)
    migrate(engine)
    command.downgrade(alembic_config(engine), "0005")
    assert "audit_entry" not in inspect(engine).get_table_names()
    assert "removed_at" not in {c["name"] for c in inspect(engine).get_columns("person")}
    migrate(engine)
    assert "audit_entry" in inspect(engine).get_table_names()
    assert "removed_at" in {c["name"] for c in inspect(engine).get_columns("person")}
    engine.dispose()
