"""Turn Tanji's errors into responses, in one place: JSON under /api, HTML elsewhere."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from tanji.accounts.service import AuthenticationFailed, TooManyAttempts
from tanji.core.errors import (
    CalculationError,
    Conflict,
    Forbidden,
    InvalidInput,
    NotFound,
    TanjiError,
    format_loc,
)
from tanji.core.i18n import _

STATUS: dict[type[TanjiError], int] = {
    InvalidInput: 422,
    CalculationError: 422,
    NotFound: 404,
    Forbidden: 403,
    Conflict: 409,
    AuthenticationFailed: 401,
    TooManyAttempts: 429,
}


class LoginRequired(TanjiError):
    """A page needs a logged-in person; the browser is sent to the login page."""


def status_of(error: TanjiError) -> int:
    for kind in type(error).__mro__:
        if kind in STATUS:
            return STATUS[kind]
    return 400


def wants_json(request: Request) -> bool:
    path = request.url.path
    return path.startswith(("/api/", "/auth/", "/2/", "/3/")) or path == "/api"


def _error_body(message: str, loc: tuple = (), kind: str = "error") -> dict:
    return {"detail": [{"loc": list(loc), "msg": message, "type": kind}]}


def _html(request: Request, status: int, title: str, messages: list[str]) -> Response:
    from tanji.web.templating import templates

    return templates().TemplateResponse(
        request,
        "error.html",
        {"status": status, "title": title, "messages": messages},
        status_code=status,
    )


def _title(status: int) -> str:
    return {
        401: _("Please log in"),
        403: _("Not allowed"),
        404: _("Not found"),
        409: _("Conflict"),
        422: _("The input cannot be used"),
        429: _("Too many attempts"),
    }.get(status, _("Something went wrong"))


def install(app: FastAPI) -> None:
    """Register the handlers on ``app``."""

    @app.exception_handler(LoginRequired)
    def login_required(request: Request, error: LoginRequired) -> Response:
        if wants_json(request):
            return JSONResponse(
                _error_body(_("Authentication is required.")),
                status_code=401,
                headers={"WWW-Authenticate": "Bearer"},
            )
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        from urllib.parse import quote

        return RedirectResponse(f"/login?next={quote(target)}", status_code=303)

    @app.exception_handler(TanjiError)
    def tanji_error(request: Request, error: TanjiError) -> Response:
        status = status_of(error)
        headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
        if wants_json(request):
            return JSONResponse(
                _error_body(error.message, error.loc, type(error).__name__),
                status_code=status,
                headers=headers,
            )
        where = format_loc(error.loc)
        return _html(
            request,
            status,
            _title(status),
            [f"{where}: {error.message}" if where else error.message],
        )

    @app.exception_handler(RequestValidationError)
    def invalid_request(request: Request, error: RequestValidationError) -> Response:
        problems = [
            {
                "loc": list(item.get("loc", ())),
                "msg": item.get("msg", ""),
                "type": item.get("type", ""),
            }
            for item in error.errors()
        ]
        if wants_json(request):
            return JSONResponse({"detail": problems}, status_code=422)
        messages = [f"{format_loc(tuple(p['loc']))}: {p['msg']}" for p in problems]
        return _html(request, 422, _title(422), messages)

    @app.exception_handler(StarletteHTTPException)
    def http_error(request: Request, error: StarletteHTTPException) -> Response:
        if wants_json(request):
            return JSONResponse(
                _error_body(str(error.detail)), status_code=error.status_code, headers=error.headers
            )
        return _html(request, error.status_code, _title(error.status_code), [])
