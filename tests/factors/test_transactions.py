"""Writes are transactional: an import that fails half way leaves the database as it was."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.exc import OperationalError

from tanji.db.session import session_scope
from tanji.factors import service
from tanji.factors.models import FactorRecord
from tests.factors.builders import numbered, row


def count(engine: Engine) -> int:
    with session_scope(engine) as session:
        return session.scalar(select(func.count()).select_from(FactorRecord))


class TestImportFailsHalfWay:
    def test_nothing_is_left_behind(self, engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
        with session_scope(engine) as session:
            service.import_factors(session, rows=numbered(row("before")), actor="a", publish=True)
        before = count(engine)
        real_insert = service.bulk_insert

        def fails_half_way(connection, table, keys, rows):
            # half the rows reach the database, then the disk fails
            real_insert(connection, table, keys, rows[: len(rows) // 2])
            raise OperationalError("INSERT INTO factor", {}, Exception("disk I/O error"))

        monkeypatch.setattr(service, "bulk_insert", fails_half_way)
        rows = numbered(*(row(f"new-{i}", i + 1.0) for i in range(50)), row("before", 9.0))
        with pytest.raises(OperationalError), session_scope(engine) as session:
            service.import_factors(session, rows=rows, actor="a", publish=True)
        assert count(engine) == before
        with session_scope(engine) as session:
            kept = service.get_version(session, slug="before")
            assert (kept.version, kept.status, kept.co2e) == (1, "published", 1.0)
            session.delete(kept)  # leave the shared database as the other tests expect
