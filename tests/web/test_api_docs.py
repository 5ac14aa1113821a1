"""The API reference page: our own rendering of the OpenAPI schema, offline, with rights."""

from __future__ import annotations

import html
import re
from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI

from tanji.accounts.policy import Actor, Right
from tanji.web.api import docs
from tanji.web.deps import require

# module level: the routes' string annotations are resolved in this module's globals
CanRead = Annotated[Actor, Depends(require(Right.STUDY_READ))]
LoggedIn = Annotated[Actor, Depends(require())]


class TestPage:
    def test_it_is_public_and_explains_client_credentials(self, client):
        page = client.get("/api/docs")
        assert page.status_code == 200
        text = html.unescape(page.text)
        assert "grant_type=client_credentials" in text
        assert "curl -s -X POST http://testserver/auth/token" in text
        assert "Authorization: Bearer" in text
        assert 'href="/api/openapi.json"' in page.text

    def test_every_operation_of_the_schema_is_listed(self, client, web_app):
        text = html.unescape(client.get("/api/docs").text)
        spec = web_app.openapi()
        for path, item in spec["paths"].items():
            for method in item:
                assert f"{method.upper()} {path}" in text, f"{method.upper()} {path} missing"

    def test_each_operation_names_the_right_it_needs(self, client):
        text = html.unescape(client.get("/api/docs").text)
        token = _operation(text, "POST", "/auth/token")
        assert "Public: no authentication needed" in token
        factors = _operation(text, "GET", "/api/v1/factors")
        assert "factor:read" in factors and "Enterprise · Viewer" in factors
        submit = _operation(text, "POST", "/api/v1/factors")
        assert "factor:submit" in submit and "Enterprise" not in submit

    def test_no_asset_comes_from_another_site(self, client):
        page = client.get("/api/docs").text
        assert not re.search(r'(src|href)="(https?:)?//', page)

    def test_the_schema_itself_is_served(self, client):
        response = client.get("/api/openapi.json")
        assert response.status_code == 200
        assert "/auth/token" in response.json()["paths"]


class TestRequiredRight:
    def app(self) -> FastAPI:
        guarded = APIRouter(prefix="/v1", dependencies=[Depends(require(Right.FACTOR_READ))])

        @guarded.get("/a")
        def a() -> dict:
            return {}

        plain = APIRouter()

        @plain.get("/b")
        def b(actor: CanRead) -> dict:
            return {}

        @plain.get("/c")
        def c(actor: LoggedIn) -> dict:
            return {}

        @plain.get("/d")
        def d() -> dict:
            return {}

        outer = APIRouter(prefix="/api")
        outer.include_router(guarded)
        outer.include_router(plain)
        made = FastAPI()
        made.include_router(outer)
        return made

    def test_rights_are_found_through_routers_and_parameters(self):
        needs = docs.route_rights(self.app())
        assert needs[("/api/v1/a", "get")] is Right.FACTOR_READ  # router-level dependency
        assert needs[("/api/b", "get")] is Right.STUDY_READ  # a parameter's dependency
        assert needs[("/api/c", "get")] is None  # logged in, any right
        assert needs[("/api/d", "get")] is docs._MISSING  # public

    def test_access_is_described_in_words(self):
        assert docs.access_of(docs._MISSING).label.startswith("Public")
        assert docs.access_of(None).right == ""
        described = docs.access_of(Right.PLATFORM_ADMIN)
        assert described.right == "platform:admin"
        assert described.holders == ("Platform operator · Administrator",)

    def test_types_are_shown_in_short(self):
        assert docs.type_of({"$ref": "#/components/schemas/StudyRead"}) == "StudyRead"
        assert docs.type_of({"type": "array", "items": {"type": "string"}}) == "array of string"
        assert docs.type_of({"anyOf": [{"type": "integer"}, {"type": "null"}]}) == "integer | null"
        assert docs.type_of({"type": "string", "format": "uuid"}) == "string (uuid)"


def _operation(text: str, method: str, path: str) -> str:
    """The text of one operation's block on the page (up to the next operation)."""
    start = text.index(f'<span class="method {method.lower()}">{method}</span> <code>{path}</code>')
    end = text.find('<article class="operation"', start)
    return text[start : end if end != -1 else len(text)]
