"""Every router of the platform, mounted in one place (so nothing is public by omission)."""

from __future__ import annotations

from fastapi import FastAPI

from tanji.web.api import auth as api_auth
from tanji.web.pages import auth as auth_pages
from tanji.web.pages import home


def include_routes(app: FastAPI) -> None:
    app.include_router(api_auth.router)
    app.include_router(auth_pages.router)
    app.include_router(home.router)
