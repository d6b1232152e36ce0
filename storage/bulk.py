"""Bulk SQL for the plan import: a few multi-row statements a table, not an ORM object a row.

An import of thousands of actions writes tens of thousands of rows while it holds the write
lock; these helpers keep that to a handful of executemany calls, and keep every IN (...) list
inside every database's parameter limit. They know tables, not what the rows mean.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Table, bindparam, func, insert, select, update
from sqlmodel import Session

_CHUNK = 500  # ids per IN (...) list, well inside every database's parameter limit


def table_of(model: Any) -> Table:
    table: Table = model.__table__
    return table


def chunks(ids: Sequence[int]) -> Iterable[list[int]]:
    for start in range(0, len(ids), _CHUNK):
        yield list(ids[start : start + _CHUNK])


def insert_returning(session: Session, table: Table, rows: list[dict[str, Any]]) -> list[int]:
    """Insert `rows` and give their new ids, in order, in as few statements as possible.

    SQLite numbers rows max(id) + 1 and the import holds its write lock, so the ids are given
    up front and the rows go in one executemany (RETURNING would need one statement a row to
    keep the order). Elsewhere, INSERT … RETURNING in order, in batches.
    """
    if not rows:
        return []
    if session.connection().dialect.name == "sqlite":
        last = session.execute(select(func.max(table.c.id))).scalar() or 0
        ids = list(range(last + 1, last + 1 + len(rows)))
        insert_many(session, table, [{"id": i, **row} for i, row in zip(ids, rows, strict=True)])
        return ids
    statement = insert(table).returning(table.c.id, sort_by_parameter_order=True)
    return [int(new_id) for new_id in session.execute(statement, rows).scalars().all()]


def insert_many(session: Session, table: Table, rows: list[dict[str, Any]]) -> None:
    """One executemany of plain tuples: SQLAlchemy's per-row parameter handling would cost more
    than the insert itself for tens of thousands of history rows. Columns' own bind processing
    (dates, UTC times) is still applied. Every row has the same keys."""
    if not rows:
        return
    connection = session.connection()
    dialect = connection.dialect
    marker = {"qmark": "?", "format": "%s", "pyformat": "%s"}.get(dialect.paramstyle)
    if marker is None:
        session.execute(insert(table), rows)
        return
    names = list(rows[0])
    quote = dialect.identifier_preparer.quote
    processors = [table.c[name].type.bind_processor(dialect) for name in names]
    # Identifiers are our own tables' names, quoted; every value is a bound parameter.
    columns = ", ".join(quote(name) for name in names)
    markers = ", ".join([marker] * len(names))
    sql = f"INSERT INTO {quote(table.name)} ({columns}) VALUES ({markers})"  # noqa: S608
    params = [
        tuple(
            process(row[name]) if process is not None else row[name]
            for name, process in zip(names, processors, strict=True)
        )
        for row in rows
    ]
    connection.exec_driver_sql(sql, params)


def update_many(session: Session, table: Table, rows: list[dict[str, Any]]) -> None:
    """One executemany UPDATE by id; each row gives its id as "b_id" and the new values."""
    if rows:
        statement = update(table).where(table.c.id == bindparam("b_id"))
        session.connection().execute(statement, rows)
