"""Shared fixtures: English messages by default, and databases on SQLite and PostgreSQL.

The interface defaults to zh_CN and the compiled catalogues translate every message, so
tests assert on the English msgids unless they choose a language themselves.

Databases are migrated once per backend; each test gets a session inside an outer
transaction that is rolled back afterwards (the code under test may commit: savepoints),
so nothing leaks between tests. PostgreSQL runs when TANJI_TEST_POSTGRES_URL is set
(``.ci/run`` starts a server); under CI a missing server is an error, not a skip.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from tanji.core.i18n import current_language, set_language
from tanji.db.engine import make_engine
from tanji.db.migrate import upgrade

POSTGRES_URL = os.environ.get("TANJI_TEST_POSTGRES_URL")


@pytest.fixture(scope="session", autouse=True)
def data_dir(tmp_path_factory) -> Iterator[None]:
    """Commands that open the embedded database use a temporary one, seeded once."""
    previous = os.environ.get("TANJI_DATA_DIR")
    os.environ["TANJI_DATA_DIR"] = str(tmp_path_factory.mktemp("data"))
    os.environ.pop("TANJI_DATABASE_URL", None)
    yield
    if previous is None:
        os.environ.pop("TANJI_DATA_DIR", None)
    else:
        os.environ["TANJI_DATA_DIR"] = previous


@pytest.fixture(autouse=True)
def english_messages() -> Iterator[None]:
    """Run every test in English; a test may call ``set_language`` to try another."""
    previous = current_language()
    set_language("en")
    yield
    set_language(previous)


def _reset_postgres(engine: Engine) -> None:
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path_factory) -> Iterator[Engine]:
    """A database engine migrated to head, once per backend."""
    if request.param == "sqlite":
        made = make_engine(f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}")
    else:
        if not POSTGRES_URL:
            if os.environ.get("CI"):
                pytest.fail("CI must provide PostgreSQL: TANJI_TEST_POSTGRES_URL is not set")
            pytest.skip("set TANJI_TEST_POSTGRES_URL (or run .ci/run) for the PostgreSQL tests")
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
