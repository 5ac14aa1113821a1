"""Request dependencies: the database session, the acting party, rights and CSRF.

Every route states the right it needs through :func:`require`; the rights themselves
live in :mod:`tanji.accounts.policy`. Browser requests authenticate with the session
cookie, API clients with a bearer token; unsafe browser requests must carry the CSRF
token (double-submit: the cookie and a form field or header must agree).
"""

from __future__ import annotations

import hmac
from collections.abc import Callable, Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from tanji.accounts import service as accounts
from tanji.accounts.policy import Actor, Right, ensure
from tanji.core.errors import Forbidden
from tanji.core.i18n import _
from tanji.web.errors import LoginRequired

SESSION_COOKIE = "tanji_session"
CSRF_COOKIE = "tanji_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


def get_session(request: Request) -> Iterator[Session]:
    """A session per request; the route commits, this only rolls back and closes."""
    session = request.app.state.sessions()
    try:
        yield session
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


SessionDep = Annotated[Session, Depends(get_session)]


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _sep, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return None


def current_actor(request: Request, session: SessionDep) -> Actor | None:
    """The acting party of this request, or None for an anonymous visitor."""
    if hasattr(request.state, "actor"):
        return request.state.actor
    actor: Actor | None = None
    token = bearer_token(request)
    if token is not None:
        actor = accounts.actor_for_token(session, token)
    else:
        cookie = request.cookies.get(SESSION_COOKIE)
        found = accounts.session_user(session, cookie) if cookie else None
        if found is not None:
            _web_session, user = found
            actor = accounts.actor_for_user(session, user)
            request.state.user = user
            request.state.organisation = accounts.organisation_of(session, actor)
    request.state.actor = actor
    return actor


OptionalActor = Annotated[Actor | None, Depends(current_actor)]


def require(right: Right | None = None) -> Callable[..., Actor]:
    """A dependency giving the actor, who must be logged in and hold ``right``."""

    def dependency(actor: OptionalActor) -> Actor:
        if actor is None:
            raise LoginRequired(_("Authentication is required."))
        if right is not None:
            ensure(actor, right)
        return actor

    dependency.required_right = right  # type: ignore[attr-defined]  # read by the rights test
    return dependency


LoggedIn = Annotated[Actor, Depends(require())]


async def csrf_protect(request: Request) -> None:
    """Refuse an unsafe browser request whose CSRF token does not match its cookie."""
    if request.method not in UNSAFE or bearer_token(request) is not None:
        return
    expected = request.cookies.get(CSRF_COOKIE, "")
    presented = request.headers.get(CSRF_HEADER, "")
    if not presented and "form" in request.headers.get("content-type", ""):
        form = await request.form()
        value = form.get(CSRF_FIELD, "")
        presented = value if isinstance(value, str) else ""
    if not expected or not hmac.compare_digest(expected, presented):
        raise Forbidden(
            _(
                "The form has expired or did not come from this site. "
                "Reload the page and try again."
            ),
            loc=(CSRF_FIELD,),
        )


CsrfChecked = Depends(csrf_protect)
