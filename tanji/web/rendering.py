"""Render a page with what every template needs: the person, the language, CSRF."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse

from tanji.accounts.policy import Right, kind_name, role_name
from tanji.core.i18n import current_language
from tanji.web.templating import templates


def page(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    actor = getattr(request.state, "actor", None)
    base = {
        "actor": actor,
        "user": getattr(request.state, "user", None),
        "organisation": getattr(request.state, "organisation", None),
        "csrf_token": getattr(request.state, "csrf_token", ""),
        "lang": current_language(),
        "Right": Right,
        "role_name": role_name,
        "kind_name": kind_name,
    }
    base.update(context)
    return templates().TemplateResponse(request, template, base, status_code=status_code)
