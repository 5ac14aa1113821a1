"""The application factory: ``create_app(settings)`` builds the platform on one database."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib.resources import files

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from sqlalchemy import Engine

from tanji import __version__
from tanji.db.session import session_factory
from tanji.settings import Settings
from tanji.web import errors
from tanji.web.middleware import PlatformMiddleware

API_DESCRIPTION = (
    "Tanji (碳迹) REST API: product carbon footprints per GB/T 24067-2024 / ISO 14067. "
    "Authenticate with OAuth2 client credentials at /auth/token, then send the bearer token."
)


def _session_info(settings: Settings) -> dict:
    """What every request's session carries: the external label key, when configured."""
    if not settings.label_key_file:
        return {}
    from tanji.labels.signing import KEY_FILE_INFO

    return {KEY_FILE_INFO: settings.label_key_file}


def create_app(settings: Settings | None = None, *, engine: Engine | None = None) -> FastAPI:
    """The platform: pages, the REST API under /api, static assets; one database engine.

    Without ``engine`` the database named by ``settings`` is prepared (the embedded SQLite
    is migrated and seeded on first start).
    """
    from tanji.bootstrap import ready_engine
    from tanji.web.routes import include_routes

    settings = settings or Settings()
    engine = engine or ready_engine(settings, demo=settings.demo)
    app = FastAPI(
        title="Tanji (碳迹)",
        version=__version__,
        description=API_DESCRIPTION,
        openapi_url="/api/openapi.json",
        docs_url=None,  # the stock pages load scripts from a CDN; /api/docs is our own
        redoc_url=None,
        lifespan=_lifespan,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessions = session_factory(engine, info=_session_info(settings))
    if settings.label_key_file:
        from tanji.labels import signing

        with app.state.sessions() as session:
            signing.use_key_file(session, settings.label_key_file)
            session.commit()
    app.add_middleware(PlatformMiddleware, secure_cookies=settings.secure_cookies)
    app.mount("/static", StaticFiles(directory=str(files("tanji.web") / "static")), name="static")
    errors.install(app)
    include_routes(app)
    if settings.pact_worker:
        _run_pact_worker(app, settings)
    return app


def _run_pact_worker(app: FastAPI, settings: Settings) -> None:
    """Make the outbox's calls to partner systems while the platform runs."""
    from tanji.exchange.pact import events, outbox
    from tanji.exchange.pact.client import PactClient
    from tanji.exchange.pact.models import PartnerConnection

    def client_for(connection: PartnerConnection) -> PactClient:
        return PactClient(
            base_url=connection.base_url,
            client_id=connection.client_id,
            client_secret=connection.client_secret,
            token_url=connection.token_url,
            ca_file=str(settings.pact_ca_file) if settings.pact_ca_file else None,
            allow_http=settings.pact_allow_http,
        )

    app.state.pact_worker = outbox.Worker(
        app.state.sessions, client_for=client_for, deliver=events.deliver_fetched
    )


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Start and stop the background work the settings ask for."""
    worker = getattr(app.state, "pact_worker", None)
    if worker is not None:
        worker.start()
    try:
        yield
    finally:
        if worker is not None:
            worker.stop()
