"""Many App Homes read as one batch: the statements are the same for 2 people or for all of
them, each Home is what the one-person read gives, and a chair's board summary is made again
only when the board changed."""

from __future__ import annotations

from bot.domain.rag import Rag
from handlers.application.home import Home, HomeHandler
from handlers.application.sample import SAMPLE_BOARDS
from handlers.wiring import Services
from storage.plan_cache import cache_for_engine
from tests.handlers.support import owners_by_count, say
from tests.sql_counting import Statements, counting

CHAIR = SAMPLE_BOARDS[1].chair[0]
CONSOLE = "console"  # everyone's console account is their name


def _owners(services: Services) -> list[str]:
    """Everyone who owns an action, most actions first."""
    grouped = owners_by_count(services)
    return [name for count in sorted(grouped, reverse=True) if count for name in grouped[count]]


def _count(services: Services, names: list[str]) -> tuple[Statements, dict[str, Home | None]]:
    """A first redraw in a new process: no summary or plan kept from before."""
    cache_for_engine(services.db.engine).clear()
    handler = HomeHandler(db=services.db, clock=services.clock)
    with counting(services.db.engine) as seen:
        homes = handler.homes(CONSOLE, names)
    return seen, homes


def test_statements_for_many_homes_do_not_grow_with_how_many(services: Services) -> None:
    owners = _owners(services)
    assert len(owners) >= 16, "the sample plan has many owners"

    counts = {}
    for k in (2, 4, 8, len(owners)):
        seen, homes = _count(services, [CHAIR, *owners[:k]])
        assert all(home is not None for home in homes.values())
        counts[k] = seen.count
    one_by_one = HomeHandler(db=services.db, clock=services.clock)
    with counting(services.db.engine) as separately:
        for name in [CHAIR, *owners]:
            one_by_one.home(CONSOLE, name)

    assert len(set(counts.values())) == 1, counts
    assert counts[len(owners)] * 4 < separately.count  # what a Home each used to cost


def test_each_home_in_a_batch_is_the_home_read_alone(services: Services) -> None:
    names = [CHAIR, *_owners(services)[:6], "Nobody Linked"]
    handler = HomeHandler(db=services.db, clock=services.clock)

    together = handler.homes(CONSOLE, names)

    assert together["Nobody Linked"] is None
    for name in names:
        assert together[name] == handler.home(CONSOLE, name), name
    chair = together[CHAIR]
    assert chair is not None
    assert [s.board_name for s in chair.chaired] == [SAMPLE_BOARDS[1].name]
    assert chair.administers == (SAMPLE_BOARDS[1].name,)


def _red_refs(home: Home | None) -> set[str]:
    assert home is not None
    [board] = home.chaired
    return {action.ref for action in board.red}


def test_a_chairs_board_summary_is_made_again_only_when_the_board_changed(
    services: Services,
) -> None:
    handler = HomeHandler(db=services.db, clock=services.clock)
    first = handler.homes(CONSOLE, [CHAIR])[CHAIR]
    made = handler.board_views.rebuilt
    with counting(services.db.engine) as unchanged:
        again = handler.homes(CONSOLE, [CHAIR])[CHAIR]
    assert handler.board_views.rebuilt == made  # the board did not change: kept
    assert again == first
    red = _red_refs(first)
    ref = sorted(red)[0]
    owner = _owner_of(services, ref)

    say(services, owner, f"{ref} green - back on track")
    with counting(services.db.engine) as changed:
        after = handler.homes(CONSOLE, [CHAIR])[CHAIR]

    assert handler.board_views.rebuilt == made + 1
    assert _red_refs(after) == red - {ref}
    assert unchanged.count < changed.count  # keeping it saved the board's read
    assert handler.home(CONSOLE, CHAIR) == after  # opening the Home: made afresh, the same
    assert handler.board_views.rebuilt == made + 2


def _owner_of(services: Services, ref: str) -> str:
    home = HomeHandler(db=services.db, clock=services.clock).home(CONSOLE, CHAIR)
    assert home is not None
    [board] = home.chaired
    [action] = [a for a in board.red if a.ref == ref]
    assert action.rag is Rag.RED
    assert action.owners
    return action.owners[0].name
