"""Every router of the platform, mounted in one place (so nothing is public by omission)."""

from __future__ import annotations

from fastapi import FastAPI

from tanji.web.api import auth as api_auth
from tanji.web.api import certification as api_certification
from tanji.web.api import docs as api_docs
from tanji.web.api import factors as api_factors
from tanji.web.api import pact as api_pact
from tanji.web.api import registry as api_registry
from tanji.web.api import studies as api_studies
from tanji.web.pages import admin as admin_pages
from tanji.web.pages import auth as auth_pages
from tanji.web.pages import certification as certification_pages
from tanji.web.pages import disclosures as disclosure_pages
from tanji.web.pages import exchange as exchange_pages
from tanji.web.pages import factors as factor_pages
from tanji.web.pages import home
from tanji.web.pages import registry as registry_pages
from tanji.web.pages import reports as report_pages
from tanji.web.pages import studies as study_pages
from tanji.web.pages import supervision as supervision_pages
from tanji.web.pages import verify as verify_pages


def include_routes(app: FastAPI) -> None:
    app.include_router(api_auth.router)
    app.include_router(auth_pages.router)
    app.include_router(home.router)
    app.include_router(admin_pages.router)
    app.include_router(api_docs.router)
    app.include_router(api_factors.router)
    app.include_router(factor_pages.router)
    app.include_router(study_pages.router)
    app.include_router(api_studies.router)
    app.include_router(report_pages.router)
    app.include_router(registry_pages.router)
    app.include_router(api_registry.router)
    app.include_router(supervision_pages.router)
    app.include_router(verify_pages.router)
    app.include_router(certification_pages.router)
    app.include_router(api_certification.router)
    app.include_router(api_pact.router)
    app.include_router(exchange_pages.router)
    app.include_router(disclosure_pages.router)
