"""Prepare a database for use: migrate the embedded one, seed factors and demo data.

Shared by the command line and the web platform. The embedded SQLite database is
created, migrated and seeded on first use ("loaded on first run"); a server database
must be prepared with ``tanji db upgrade`` and ``tanji db seed``, so that production
schema changes are always deliberate.
"""

from __future__ import annotations

from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError

from tanji.core.errors import InvalidInput
from tanji.core.i18n import _
from tanji.db.engine import make_engine
from tanji.db.migrate import current_revision, head_revision, upgrade
from tanji.db.session import session_scope
from tanji.factors import service
from tanji.factors.seed import seed_factors
from tanji.settings import Settings


def is_embedded(settings: Settings) -> bool:
    return make_url(settings.url).get_backend_name() == "sqlite"


def ready_engine(settings: Settings, *, demo: bool = False) -> Engine:
    """An engine whose schema is at head and which holds a factor release (and demo data)."""
    engine = make_engine(settings.url)
    if current_revision(engine) != head_revision(engine):
        if not is_embedded(settings):
            raise InvalidInput(
                _("The database is not at the current schema: run `tanji db upgrade`.")
            )
        upgrade(engine)
    try:
        with session_scope(engine) as session:
            if service.latest_release(session) is None:
                if not is_embedded(settings):
                    raise InvalidInput(
                        _("The database has no factor release: run `tanji db seed`.")
                    )
                seed_factors(session)
    except IntegrityError:
        # another process seeded the new database at the same moment; its seed stands
        with session_scope(engine) as session:
            if service.latest_release(session) is None:
                raise
    if demo:
        seed_demo(engine)
    return engine


def seed_demo(engine: Engine) -> None:
    """Demo organisations, people, API clients and studies (idempotent)."""
    from tanji.demo import seed_demo_data

    with session_scope(engine) as session:
        seed_demo_data(session)
