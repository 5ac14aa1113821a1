"""The start page: a short welcome for visitors, the workspace overview once logged in."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from tanji.web.deps import OptionalActor
from tanji.web.rendering import page

router = APIRouter(tags=["pages"], include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
def home(request: Request, actor: OptionalActor) -> HTMLResponse:
    """The home page."""
    return page(request, "home.html")
