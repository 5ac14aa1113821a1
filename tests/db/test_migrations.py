"""Migrations reach head on SQLite and PostgreSQL, match the models, and go down and up."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect

from tanji.db.migrate import current_revision, downgrade, head_revision, upgrade
from tanji.db.registry import metadata


class TestMigrations:
    def test_at_head_and_matching_the_models(self, engine: Engine) -> None:
        assert current_revision(engine) == head_revision(engine)
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            assert compare_metadata(context, metadata) == []

    def test_down_and_up_again(self, engine: Engine) -> None:
        downgrade(engine, "-1")
        tables = inspect(engine).get_table_names()
        assert "pact_received" not in tables and "pact_request" not in tables
        assert "pact_footprint" in tables
        assert "verifier_id" not in {
            c["name"] for c in inspect(engine).get_columns("pact_footprint")
        }
        downgrade(engine, "-1")
        assert "pact_footprint" not in inspect(engine).get_table_names()
        assert "certificate" in inspect(engine).get_table_names()
        downgrade(engine, "-1")
        assert "certificate" not in inspect(engine).get_table_names()
        assert "study" in inspect(engine).get_table_names()
        downgrade(engine, "base")
        assert "factor" not in inspect(engine).get_table_names()
        upgrade(engine)
        assert {
            "factor",
            "study",
            "app_user",
            "certificate",
            "pact_footprint",
            "pact_received",
            "pact_job",
        } <= set(inspect(engine).get_table_names())
        assert current_revision(engine) == head_revision(engine)
