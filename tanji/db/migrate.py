"""Run Alembic migrations from code, so ``tanji db upgrade`` works from an installed package."""

from __future__ import annotations

from importlib.resources import files

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

FILE_TEMPLATE = "%%(year)d-%%(month).2d-%%(day).2d-%%(hour).2d%%(minute).2d_%%(slug)s"


def alembic_config(engine: Engine) -> Config:
    """An Alembic configuration bound to ``engine`` (passed on, not re-created)."""
    config = Config()
    config.set_main_option("script_location", str(files("tanji") / "db" / "migrations"))
    config.set_main_option("file_template", FILE_TEMPLATE)
    config.set_main_option("hooks", "ruff_format")
    config.set_main_option("ruff_format.type", "module")
    config.set_main_option("ruff_format.module", "ruff")
    config.set_main_option("ruff_format.options", "format REVISION_SCRIPT_FILENAME")
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    command.upgrade(alembic_config(engine), revision)


def downgrade(engine: Engine, revision: str) -> None:
    command.downgrade(alembic_config(engine), revision)


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision(engine: Engine) -> str | None:
    return ScriptDirectory.from_config(alembic_config(engine)).get_current_head()
