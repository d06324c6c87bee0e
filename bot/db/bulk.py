"""Many rows into one table in one `executemany`, without SQLAlchemy's per-row work.

For a list of parameter sets, SQLAlchemy builds each row's parameters through the
compiled statement (a dictionary walk and every column's bind processor, per row):
for the hundred new groups of an Alertmanager batch on SQLite, that cost more than
SQLite's own inserting. `insert_rows` prepares the statement text and each column's
bind processor once per table, column list and dialect, and hands the driver plain
tuples. The values are converted by the very processors SQLAlchemy would use (the
same stored text, the same refusals of naive times).

On SQLite the rows go to the driver's executemany; on PostgreSQL through COPY, which
for a batch's rows costs about two thirds of the driver's pipelined executemany.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from functools import lru_cache
from operator import itemgetter
from typing import Any

from sqlalchemy import Connection, Dialect, Select, Table, TextClause, func, insert, select, text

Processor = Callable[[Any], Any] | None


def allocate_ids(conn: Connection, table: Table, count: int) -> list[int]:
    """`count` new ids of `table` (its integer `id`), ascending, for rows this
    transaction will insert with them: one statement for a whole batch of rows whose
    ids other rows name before they are written.

    On PostgreSQL they come from the column's sequence. On SQLite the caller's
    transaction holds the write lock (BEGIN IMMEDIATE), so no other writer can take
    the ids after the current largest one; insert the rows before allocating again.
    """
    if count <= 0:
        return []
    if conn.dialect.name == "postgresql":
        found = conn.execute(_next_ids_pg(table.name), {"n": count}).scalars()
        return sorted(int(i) for i in found)
    last = int(conn.execute(_max_id(table)).scalar_one())
    return list(range(last + 1, last + 1 + count))


# The statements are built once per table: building (and looking up the compiled form
# of) a new statement per call costs more than running it on SQLite.
@lru_cache(maxsize=16)
def _next_ids_pg(table: str) -> TextClause:
    sequence = f"nextval(pg_get_serial_sequence('{table}', 'id'))"
    return text(f"SELECT {sequence} FROM generate_series(1, :n)")


@lru_cache(maxsize=16)
def _max_id(table: Table) -> Select[Any]:
    return select(func.coalesce(func.max(table.c.id), 0))


def insert_rows(conn: Connection, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """INSERT every row (all with the same keys) into `table`."""
    if not rows:
        return
    columns = tuple(rows[0])
    name = conn.dialect.name
    if name not in ("sqlite", "postgresql"):
        conn.execute(insert(table), list(rows))
        return
    processors = _processors(conn.dialect, table, columns)
    # Only the columns that have a processor are touched after the row is read.
    converted = [(i, process) for i, process in enumerate(processors) if process is not None]
    read = itemgetter(*columns)
    values: list[tuple[Any, ...]] = []
    for row in rows:
        value = list(read(row)) if len(columns) > 1 else [read(row)]
        for i, process in converted:
            value[i] = process(value[i])
        values.append(tuple(value))
    if name == "postgresql":
        _copy(conn, table, columns, values)
        return
    conn.exec_driver_sql(_insert_sql(conn.dialect, table, columns), values)


def _copy(
    conn: Connection, table: Table, columns: tuple[str, ...], values: Sequence[Sequence[Any]]
) -> None:
    """PostgreSQL's COPY, in the caller's transaction: the fastest way in for a batch's
    rows (one round trip, none of INSERT's per-row execution)."""
    raw = conn.connection.driver_connection
    assert raw is not None
    statement = _copy_sql(conn.dialect, table, columns)
    with raw.cursor() as cursor, cursor.copy(statement) as copy:
        for row in values:
            copy.write_row(row)


@lru_cache(maxsize=64)
def _processors(dialect: Dialect, table: Table, columns: tuple[str, ...]) -> tuple[Processor, ...]:
    """Each column's bind processor: the very conversion SQLAlchemy would make."""
    return tuple(
        table.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in columns
    )


@lru_cache(maxsize=64)
def _insert_sql(dialect: Dialect, table: Table, columns: tuple[str, ...]) -> str:
    names = ", ".join(dialect.identifier_preparer.quote(name) for name in columns)
    marks = ", ".join("?" for _ in columns)  # sqlite3's paramstyle is qmark
    target = dialect.identifier_preparer.format_table(table)
    return f"INSERT INTO {target} ({names}) VALUES ({marks})"


@lru_cache(maxsize=64)
def _copy_sql(dialect: Dialect, table: Table, columns: tuple[str, ...]) -> str:
    names = ", ".join(dialect.identifier_preparer.quote(name) for name in columns)
    return f"COPY {dialect.identifier_preparer.format_table(table)} ({names}) FROM STDIN"
