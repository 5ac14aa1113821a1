"""Shared fixtures: databases on SQLite and PostgreSQL, migrated once per backend.

Each test gets a session inside an outer transaction that is rolled back afterwards;
the code under test may commit (savepoints), and nothing leaks between tests.
PostgreSQL runs when TANJI_TEST_POSTGRES_URL is set (``.ci/run`` starts a server); under
CI a missing server is an error, not a skip.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from tanji.db.base import Base
from tanji.db.engine import make_engine
from tanji.db.migrate import upgrade

POSTGRES_URL = os.environ.get("TANJI_TEST_POSTGRES_URL")
BACKENDS = ["sqlite", "postgresql"]


def _reset_postgres(engine: Engine) -> None:
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))


@pytest.fixture(scope="session", params=BACKENDS)
def engine(request, tmp_path_factory) -> Iterator[Engine]:
    """A migrated database engine per backend."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
        made = make_engine(url)
    else:
        if not POSTGRES_URL:
            if os.environ.get("CI"):
                pytest.fail("CI must provide PostgreSQL: TANJI_TEST_POSTGRES_URL is not set")
            pytest.skip("PostgreSQL not configured (set TANJI_TEST_POSTGRES_URL or run .ci/run)")
        made = make_engine(POSTGRES_URL)
        _reset_postgres(made)
    upgrade(made)
    yield made
    made.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """A session whose work is rolled back at the end of the test."""
    connection = engine.connect()
    outer = connection.begin()
    db = Session(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)
    try:
        yield db
    finally:
        db.close()
        outer.rollback()
        connection.close()


def empty_metadata_tables() -> list[str]:
    return sorted(Base.metadata.tables)
