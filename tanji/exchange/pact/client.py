"""Calling a partner's PACT system: token, ListFootprints, GetFootprint, Events.

Built on the standard library's HTTP client (one dependency fewer; every call is a short
request with a timeout). HTTPS only — PACT forbids plain HTTP — except for loopback
addresses when ``allow_http`` is set, which only tests use. An extra CA file may be given
for partners whose certificates a private CA signs. The token endpoint is discovered
through OpenID (``/.well-known/openid-configuration``), falling back to ``/auth/token``;
the token is kept until shortly before it expires.
"""

from __future__ import annotations

import base64
import json
import ssl
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from tanji.core.errors import TanjiError
from tanji.core.i18n import _

TIMEOUT = 10.0  # seconds per call: a partner that does not answer is retried later
MAX_BODY = 20_000_000
EVENT_TYPE = "application/cloudevents+json; charset=UTF-8"


class PartnerError(TanjiError):
    """A partner's system could not be reached, or answered with an error; ``retry`` says
    whether trying again later may help (network trouble, 5xx, 429) or not (4xx)."""

    def __init__(self, message: str, *, status: int | None = None, retry: bool = True) -> None:
        super().__init__(message)
        self.status = status
        self.retry = retry


@dataclass
class PactClient:
    """One partner system: its base URL (where /3/footprints lives) and the client
    credentials it issued to the platform."""

    base_url: str
    client_id: str
    client_secret: str
    token_url: str = ""
    ca_file: str | None = None
    allow_http: bool = False
    _token: str = field(default="", repr=False)
    _expires: float = 0.0

    def __post_init__(self) -> None:
        self.base_url = self.base_url.rstrip("/")
        check_url(self.base_url, allow_http=self.allow_http)

    # -- HTTP --

    def _context(self) -> ssl.SSLContext:
        context = ssl.create_default_context()
        if self.ca_file:
            context.load_verify_locations(cafile=self.ca_file)
        return context

    def _call(
        self,
        method: str,
        url: str,
        *,
        body: bytes | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> tuple[int, Mapping[str, str], bytes]:
        check_url(url, allow_http=self.allow_http)
        request = urllib.request.Request(url, data=body, method=method, headers=dict(headers or {}))
        try:
            with urllib.request.urlopen(
                request, timeout=TIMEOUT, context=self._context()
            ) as answer:
                return answer.status, dict(answer.headers), answer.read(MAX_BODY)
        except urllib.error.HTTPError as error:
            content = error.read(10_000)
            retry = error.code >= 500 or error.code == 429
            raise PartnerError(
                _("{url} answered {status}: {body}").format(
                    url=url, status=error.code, body=content.decode("utf-8", "replace")[:300]
                ),
                status=error.code,
                retry=retry,
            ) from None
        except (urllib.error.URLError, TimeoutError, OSError) as error:
            reason = getattr(error, "reason", error)
            raise PartnerError(
                _("{url} could not be reached: {reason}").format(url=url, reason=reason)
            ) from None

    def _json(self, content: bytes, url: str) -> Any:
        try:
            return json.loads(content)
        except ValueError:
            raise PartnerError(
                _("{url} did not answer with JSON.").format(url=url), retry=False
            ) from None

    # -- authentication --

    def _token_endpoint(self) -> str:
        if self.token_url:
            return self.token_url
        try:
            _status, _headers, content = self._call(
                "GET", f"{self.base_url}/.well-known/openid-configuration"
            )
            found = self._json(content, self.base_url).get("token_endpoint")
            if isinstance(found, str) and found:
                self.token_url = found
                return found
        except (PartnerError, AttributeError):
            pass
        self.token_url = f"{self.base_url}/auth/token"
        return self.token_url

    def token(self) -> str:
        """A bearer token, fetched with client credentials (RFC 6749 §4.4) when needed."""
        if self._token and time.monotonic() < self._expires:
            return self._token
        basic = base64.b64encode(f"{self.client_id}:{self.client_secret}".encode()).decode()
        url = self._token_endpoint()
        _status, _headers, content = self._call(
            "POST",
            url,
            body=b"grant_type=client_credentials",
            headers={
                "Authorization": f"Basic {basic}",
                "Content-Type": "application/x-www-form-urlencoded",
                "Accept": "application/json",
            },
        )
        answer = self._json(content, url)
        token = answer.get("access_token") if isinstance(answer, dict) else None
        if not isinstance(token, str) or not token:
            raise PartnerError(_("{url} gave no access token.").format(url=url), retry=False)
        lifetime = answer.get("expires_in")
        lifetime = float(lifetime) if isinstance(lifetime, int | float) else 600.0
        self._token, self._expires = token, time.monotonic() + max(0.0, lifetime - 30)
        return token

    def _authorised(
        self, method: str, url: str, **kwargs: Any
    ) -> tuple[int, Mapping[str, str], bytes]:
        headers = {"Authorization": f"Bearer {self.token()}", "Accept": "application/json"}
        headers.update(kwargs.pop("headers", {}))
        try:
            return self._call(method, url, headers=headers, **kwargs)
        except PartnerError as error:
            if error.status != 401:
                raise
            self._token = ""  # expired early: once more with a fresh token
            headers["Authorization"] = f"Bearer {self.token()}"
            return self._call(method, url, headers=headers, **kwargs)

    # -- the PACT actions --

    def get_footprint(self, footprint_id: str, *, version: str = "3") -> dict[str, Any]:
        url = f"{self.base_url}/{version}/footprints/{urllib.parse.quote(footprint_id)}"
        _status, _headers, content = self._authorised("GET", url)
        answer = self._json(content, url)
        if not isinstance(answer, dict) or not isinstance(answer.get("data"), dict):
            raise PartnerError(_("{url} gave no footprint.").format(url=url), retry=False)
        return answer["data"]

    def list_footprints(
        self, *, version: str = "3", query: Mapping[str, Any] | None = None, pages: int = 100
    ) -> list[dict[str, Any]]:
        """Every footprint the partner lists for the platform, following ``Link`` pages."""
        url = f"{self.base_url}/{version}/footprints"
        if query:
            url += "?" + urllib.parse.urlencode(query, doseq=True)
        found: list[dict[str, Any]] = []
        for _page in range(pages):
            _status, headers, content = self._authorised("GET", url)
            answer = self._json(content, url)
            data = answer.get("data") if isinstance(answer, dict) else None
            if not isinstance(data, list):
                raise PartnerError(
                    _("{url} gave no list of footprints.").format(url=url), retry=False
                )
            found += [doc for doc in data if isinstance(doc, dict)]
            following = next_link({k.lower(): v for k, v in headers.items()}.get("link", ""))
            if not following:
                return found
            url = urllib.parse.urljoin(url, following)
        return found

    def send_event(self, url: str, event: Mapping[str, Any]) -> None:
        body = json.dumps(event, ensure_ascii=False).encode("utf-8")
        self._authorised("POST", url, body=body, headers={"Content-Type": EVENT_TYPE})


def next_link(header: str) -> str | None:
    """The target of the ``rel="next"`` link in an RFC 8288 ``Link`` header."""
    for part in header.split(","):
        target, _sep, params = part.partition(";")
        names = [p.strip().replace(" ", "") for p in params.split(";")]
        if any(n in ('rel="next"', "rel=next") for n in names):
            return target.strip().strip("<>")
    return None


def check_url(url: str, *, allow_http: bool = False) -> None:
    """Refuse anything but https (and http to loopback, when allowed)."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return
    if (
        allow_http
        and parts.scheme == "http"
        and parts.hostname in ("127.0.0.1", "localhost", "::1")
    ):
        return
    raise PartnerError(
        _("'{url}' is not an https:// address; PACT is spoken over HTTPS only.").format(url=url),
        retry=False,
    )
