"""Fast executemany inserts for large imports (100,000 factor rows and more).

SQLAlchemy's Core ``insert`` builds bound parameters per row in Python, which costs more
than SQLite itself. Here the statement is compiled once and each row — a tuple in the
order of ``keys`` — is turned into the driver's parameter form with the columns' own bind
processors (so UUIDs, dates and datetimes are stored exactly as SQLAlchemy would store
them), then sent in one ``executemany`` on the session's connection, inside its transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Table, insert


def bulk_insert(
    connection: Connection, table: Table, keys: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    """Insert ``rows`` (tuples of values for ``keys``) into ``table`` in one executemany."""
    if not rows:
        return
    dialect = connection.dialect
    compiled = insert(table).compile(dialect=dialect, column_keys=list(keys))
    processors = [
        (index, processor)
        for index, key in enumerate(keys)
        if (processor := table.c[key].type.bind_processor(dialect)) is not None
    ]
    memo: dict[int, tuple[Any, Any]] = {}

    def convert(row: Sequence[Any]) -> list[Any]:
        values = list(row)
        for index, processor in processors:
            value = values[index]
            if value is None:
                continue
            # an import stamps every row with the same datetime: convert it once
            seen = memo.get(index)
            if seen is not None and seen[0] is value:
                values[index] = seen[1]
                continue
            converted = processor(value)
            memo[index] = (value, converted)
            values[index] = converted
        return values

    if compiled.positional:
        position = {key: index for index, key in enumerate(keys)}
        order = [position[name] for name in compiled.positiontup or []]
        params: list[Any] = []
        for row in rows:
            values = convert(row)
            params.append(tuple(values[index] for index in order))
    else:
        params = [dict(zip(keys, convert(row), strict=True)) for row in rows]
    connection.exec_driver_sql(compiled.string, params)


def bulk_insert_dicts(connection: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """:func:`bulk_insert` for rows given as dicts with the same keys."""
    if rows:
        keys = list(rows[0])
        bulk_insert(connection, table, keys, [tuple(row[key] for key in keys) for row in rows])
