"""Per-request language, the CSRF cookie and security headers (pure ASGI, no buffering).

The language is chosen in this order: ``?lang=`` (remembered in a cookie), the cookie,
the browser's Accept-Language, then zh-CN. It is set before the route runs, so the
gettext context variable holds in the route's thread and in template rendering.
"""

from __future__ import annotations

import secrets
from http.cookies import SimpleCookie
from urllib.parse import parse_qs

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tanji.core.i18n import normalise_language, set_language

LANG_COOKIE = "tanji_lang"
CSRF_COOKIE = "tanji_csrf"
YEAR = 365 * 24 * 3600
DOCUMENT_SUFFIXES = (".pdf", ".html", ".svg", ".png", ".xlsx", ".yaml", ".json", ".csv")

SECURITY_HEADERS = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "content-security-policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
        "script-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'self'"
    ),
    "x-frame-options": "DENY",
}


def _cookies(scope: Scope) -> dict[str, str]:
    for name, value in scope.get("headers", ()):
        if name == b"cookie":
            jar = SimpleCookie()
            try:
                jar.load(value.decode("latin-1"))
            except Exception:
                return {}
            return {key: morsel.value for key, morsel in jar.items()}
    return {}


def _header(scope: Scope, wanted: bytes) -> str:
    for name, value in scope.get("headers", ()):
        if name == wanted:
            return value.decode("latin-1")
    return ""


def choose_language(scope: Scope, cookies: dict[str, str]) -> tuple[str, bool]:
    """The language for this request, and whether the query asked to switch."""
    query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
    if query.get("lang"):
        return normalise_language(query["lang"][0]), True
    if cookies.get(LANG_COOKIE):
        return normalise_language(cookies[LANG_COOKIE]), False
    accept = _header(scope, b"accept-language")
    first = accept.split(",")[0].split(";")[0].strip()
    return normalise_language(first or None), False


class PlatformMiddleware:
    """Sets the language and the CSRF token for each request, and the response headers."""

    def __init__(self, app: ASGIApp, *, secure_cookies: bool = False) -> None:
        self.app = app
        self.secure = secure_cookies

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        cookies = _cookies(scope)
        language, switched = choose_language(scope, cookies)
        set_language(language)
        csrf = cookies.get(CSRF_COOKIE) or ""
        new_csrf = not csrf
        if new_csrf:
            csrf = secrets.token_urlsafe(32)
        state = scope.setdefault("state", {})
        state["csrf_token"] = csrf
        state["language"] = language
        path = scope.get("path", "")
        # ?lang= on a document (a report, a label) sets its language, not the person's
        remember = switched and not path.endswith(DOCUMENT_SUFFIXES)
        framable = path.startswith("/badge/")  # issue 6's embeddable badge may be framed

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    if framable and name in ("x-frame-options", "content-security-policy"):
                        continue
                    headers.setdefault(name, value)
                flags = "; Path=/; SameSite=Lax" + ("; Secure" if self.secure else "")
                if new_csrf:
                    headers.append("set-cookie", f"{CSRF_COOKIE}={csrf}; HttpOnly{flags}")
                if remember:
                    headers.append("set-cookie", f"{LANG_COOKIE}={language}; Max-Age={YEAR}{flags}")
            await send(message)

        await self.app(scope, receive, send_with_headers)
