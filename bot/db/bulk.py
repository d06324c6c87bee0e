"""Many rows into one table in one `executemany`, without SQLAlchemy's per-row work.

For a list of parameter sets, SQLAlchemy builds each row's parameters through the
compiled statement (a dictionary walk and every column's bind processor, per row):
for the hundred new groups of an Alertmanager batch on SQLite, that cost more than
SQLite's own inserting. `insert_rows` prepares the statement text and each column's
bind processor once per table, column list and dialect, and hands the driver plain
tuples. The values are converted by the very processors SQLAlchemy would use (the
same stored text, the same refusals of naive times).

SQLite only: on PostgreSQL, SQLAlchemy's "insertmanyvalues" (one multi-row INSERT)
is faster than the driver's executemany, so the usual path is kept there.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, Dialect, Table, insert

Processor = Callable[[Any], Any] | None


def insert_rows(conn: Connection, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """INSERT every row (all with the same keys) into `table`."""
    if not rows:
        return
    if conn.dialect.name != "sqlite":
        conn.execute(insert(table), list(rows))
        return
    columns = tuple(rows[0])
    sql, processors = _prepared(conn.dialect, table, columns)
    pairs = tuple(zip(columns, processors, strict=True))
    conn.exec_driver_sql(
        sql,
        [
            tuple(row[name] if process is None else process(row[name]) for name, process in pairs)
            for row in rows
        ],
    )


@lru_cache(maxsize=64)
def _prepared(
    dialect: Dialect, table: Table, columns: tuple[str, ...]
) -> tuple[str, tuple[Processor, ...]]:
    names = ", ".join(dialect.identifier_preparer.quote(name) for name in columns)
    marks = ", ".join("?" for _ in columns)  # sqlite3's paramstyle is qmark
    sql = (
        f"INSERT INTO {dialect.identifier_preparer.format_table(table)} ({names}) VALUES ({marks})"
    )
    processors = tuple(
        table.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in columns
    )
    return sql, processors
