"""Open the database for a command: migrate and seed the embedded SQLite on first use."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.orm import Session

from tanji.bootstrap import is_embedded, ready_engine  # noqa: F401 - re-exported
from tanji.core.errors import InvalidInput
from tanji.core.i18n import _
from tanji.db.session import session_scope
from tanji.factors import service
from tanji.factors.models import FactorRelease
from tanji.settings import Settings


@contextmanager
def database_session(settings: Settings) -> Iterator[Session]:
    """A session on a ready database; commits when the command ends cleanly."""
    engine = ready_engine(settings)
    try:
        with session_scope(engine) as session:
            if settings.label_key_file:
                from tanji.labels.signing import KEY_FILE_INFO

                session.info[KEY_FILE_INFO] = settings.label_key_file
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
