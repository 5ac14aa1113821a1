"""Log in and out with a password; the session lives on the server, the cookie is a token."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from tanji.accounts import service as accounts
from tanji.accounts.service import AuthenticationFailed, TooManyAttempts
from tanji.core.i18n import set_language
from tanji.web.deps import SESSION_COOKIE, CsrfChecked, OptionalActor, SessionDep
from tanji.web.middleware import LANG_COOKIE
from tanji.web.rendering import page

router = APIRouter(tags=["pages"], include_in_schema=False)


def safe_next(target: str | None) -> str:
    """Only same-site paths are followed after login (no open redirect)."""
    if not target:
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, actor: OptionalActor, next: str | None = None) -> Response:
    """The login page."""
    if actor is not None and actor.user_id is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return page(request, "login.html", next=safe_next(next), error=None, username="")


@router.post("/login", dependencies=[CsrfChecked])
def login(
    request: Request,
    session: SessionDep,
    username: Annotated[str, Form(max_length=120)],
    password: Annotated[str, Form(max_length=200)],
    next: Annotated[str, Form(max_length=500)] = "/",
) -> Response:
    """Check the password, open a session, and go where the person was heading."""
    address = request.client.host if request.client else ""
    try:
        user = accounts.authenticate(session, username=username, password=password, address=address)
    except (AuthenticationFailed, TooManyAttempts) as error:
        session.commit()  # the failed attempt is kept: throttling counts it
        status = 429 if isinstance(error, TooManyAttempts) else 401
        return page(
            request,
            "login.html",
            status_code=status,
            next=safe_next(next),
            error=error.message,
            username=username,
        )
    token, _row = accounts.open_session(session, user=user)
    session.commit()
    settings = request.app.state.settings
    response = RedirectResponse(safe_next(next), status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        httponly=True,
        samesite="lax",
        secure=settings.secure_cookies,
        max_age=int(accounts.SESSION_LIFETIME.total_seconds()),
    )
    if user.language and LANG_COOKIE not in request.cookies:
        response.set_cookie(LANG_COOKIE, set_language(user.language), samesite="lax")
    return response


@router.post("/logout", dependencies=[CsrfChecked])
def logout(request: Request, session: SessionDep) -> Response:
    """End the session on the server and drop the cookie."""
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        accounts.close_session(session, token)
        session.commit()
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response
