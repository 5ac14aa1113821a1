"""Open the database for a command: migrate and seed the embedded SQLite on first use."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tanji.core.errors import InvalidInput
from tanji.core.i18n import _
from tanji.db.engine import make_engine
from tanji.db.migrate import current_revision, head_revision, upgrade
from tanji.db.session import session_scope
from tanji.factors import service
from tanji.factors.models import FactorRelease
from tanji.factors.seed import seed_factors
from tanji.settings import Settings


def is_embedded(settings: Settings) -> bool:
    return make_url(settings.url).get_backend_name() == "sqlite"


def ready_engine(settings: Settings) -> Engine:
    """An engine whose schema is at head and which holds a factor release.

    The embedded SQLite database is created, migrated and seeded on first use ("loaded
    on first run"); a server database must be prepared with ``tanji db upgrade`` and
    ``tanji db seed``, so that production schema changes are always deliberate.
    """
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
    return engine


@contextmanager
def database_session(settings: Settings) -> Iterator[Session]:
    """A session on a ready database; commits when the command ends cleanly."""
    engine = ready_engine(settings)
    try:
        with session_scope(engine) as session:
            yield session
    finally:
        engine.dispose()


def pick_release(session: Session, name: str | None) -> FactorRelease:
    """The named release, or the latest when no name is given."""
    if name:
        return service.get_release(session, name=name)
    release = service.latest_release(session)
    if release is None:
        raise InvalidInput(_("The database has no factor release: run `tanji db seed`."))
    return release
