"""Bulk SQL for the plan import: a few multi-row statements a table, not an ORM object a row.

An import of thousands of actions writes tens of thousands of rows while it holds the write
lock; these helpers keep that to a handful of executemany calls, and keep every IN (...) list
inside every database's parameter limit. They know tables, not what the rows mean.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import chain, islice
from typing import Any, TypeVar

from sqlalchemy import Table, bindparam, func, insert, select, update
from sqlmodel import Session

_CHUNK = 500  # ids per IN (...) list, well inside every database's parameter limit
# Rows an executemany sends at once: few statements (a 100,000-action import's ~1.3 million
# history rows are ~65), and a batch's parameters stay a few megabytes.
_MANY = 20_000
T = TypeVar("T")


def table_of(model: Any) -> Table:
    table: Table = model.__table__
    return table


def chunks(ids: Sequence[int]) -> Iterable[list[int]]:
    for start in range(0, len(ids), _CHUNK):
        yield list(ids[start : start + _CHUNK])


def insert_returning(
    session: Session, table: Table, records: Sequence[T], values: Callable[[T], dict[str, Any]]
) -> list[int]:
    """Insert a row for each record (`values(record)` its columns) and give their new ids, in
    order, in as few statements as possible. Rows are made as they are sent, not all first:
    100,000 actions as dicts would be ~100 MB.

    SQLite numbers rows max(id) + 1 and the import holds its write lock, so the ids are given
    up front and the rows go in one executemany (RETURNING would need one statement a row to
    keep the order). Elsewhere, INSERT … RETURNING in order, in batches.
    """
    if not records:
        return []
    if session.connection().dialect.name == "sqlite":
        last = session.execute(select(func.max(table.c.id))).scalar() or 0
        ids = list(range(last + 1, last + 1 + len(records)))
        rows = ({"id": i, **values(r)} for i, r in zip(ids, records, strict=True))
        insert_many(session, table, rows)
        return ids
    statement = insert(table).returning(table.c.id, sort_by_parameter_order=True)
    found: list[int] = []
    for start in range(0, len(records), _MANY):
        part = [values(r) for r in records[start : start + _MANY]]
        found += [int(new_id) for new_id in session.execute(statement, part).scalars().all()]
    return found


def insert_many(session: Session, table: Table, rows: Iterable[dict[str, Any]]) -> None:
    """Executemany of plain tuples, _MANY rows a statement: SQLAlchemy's per-row parameter
    handling would cost more than the insert itself for hundreds of thousands of history rows,
    and the rows are made a batch at a time, so memory stays flat. Columns' own bind processing
    (dates, UTC times) is still applied. Every row has the same keys."""
    rows = iter(rows)
    first = next(rows, None)
    if first is None:
        return
    connection = session.connection()
    dialect = connection.dialect
    marker = {"qmark": "?", "format": "%s", "pyformat": "%s"}.get(dialect.paramstyle)
    names = list(first)
    if marker is None:
        for part in _batches(chain([first], rows)):
            session.execute(insert(table), part)
        return
    quote = dialect.identifier_preparer.quote
    processors = [table.c[name].type.bind_processor(dialect) for name in names]
    # Identifiers are our own tables' names, quoted; every value is a bound parameter.
    columns = ", ".join(quote(name) for name in names)
    markers = ", ".join([marker] * len(names))
    sql = f"INSERT INTO {quote(table.name)} ({columns}) VALUES ({markers})"  # noqa: S608
    for part in _batches(chain([first], rows)):
        params = [
            tuple(
                process(row[name]) if process is not None else row[name]
                for name, process in zip(names, processors, strict=True)
            )
            for row in part
        ]
        connection.exec_driver_sql(sql, params)


def _batches(rows: Iterable[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    while part := list(islice(rows, _MANY)):
        yield part


def update_many(session: Session, table: Table, rows: list[dict[str, Any]]) -> None:
    """One executemany UPDATE by id; each row gives its id as "b_id" and the new values."""
    if rows:
        statement = update(table).where(table.c.id == bindparam("b_id"))
        session.connection().execute(statement, rows)
