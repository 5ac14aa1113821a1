"""The PACT host API: ListFootprints, GetFootprint and Events (v3 and v2), discovery.

Authentication is by bearer token only (a session cookie is not accepted here). Errors
carry PACT's ``{"code", "message"}`` body: an absent or invalid token is 401 with code
``BadRequest`` (what the conformance tool expects), an expired one 401 ``TokenExpired``;
a malformed request 400 ``BadRequest``; an unknown footprint — or one the caller may not
see, so that its existence does not leak — 404 ``NotFound``. v2's OData ``$filter`` is
applied (the subset :mod:`tanji.exchange.pact.odata` reads; other OData is 400
``NotImplemented``); v2 lists leave out footprints without a UN CPC code, which v2 requires.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Coroutine
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from sqlalchemy import select
from sqlalchemy.orm import Session

from tanji.accounts import service as accounts
from tanji.accounts.models import AccessToken
from tanji.accounts.policy import Actor, Right, ensure
from tanji.accounts.service import AuthenticationFailed
from tanji.core.errors import InvalidInput, NotFound, TanjiError
from tanji.core.i18n import _
from tanji.db.base import as_utc, utcnow
from tanji.exchange.pact import events as pact_events
from tanji.exchange.pact import service as pact
from tanji.exchange.pact.odata import ODataError, parse_filter
from tanji.web.deps import SessionDep, bearer_token


class PactError(Exception):
    """An answer in PACT's error format."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def _answer(status: int, code: str, message: str) -> JSONResponse:
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse({"code": code, "message": message}, status_code=status, headers=headers)


class PactRoute(APIRoute):
    """Renders every failure of a PACT route as ``{"code", "message"}``."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def pact_handler(request: Request) -> Response:
            try:
                return await handler(request)
            except PactError as error:
                return _answer(error.status, error.code, error.message)
            except ODataError as error:  # BadRequest, or NotImplemented for unsupported OData
                return _answer(400, error.code, error.message)
            except RequestValidationError:
                return _answer(400, "BadRequest", _("The request is malformed."))
            except NotFound as error:
                return _answer(404, "NotFound", error.message)
            except AuthenticationFailed as error:
                return _answer(401, "BadRequest", error.message)
            except InvalidInput as error:
                return _answer(400, "BadRequest", error.message)
            except TanjiError as error:  # e.g. a right the client lacks
                return _answer(403, "AccessDenied", error.message)

        return pact_handler


router = APIRouter(tags=["pact"], route_class=PactRoute)
MAX_SCAN = 100_000  # footprints a v2 $filter is applied to, before paging


def pact_actor(request: Request, session: SessionDep) -> Actor:
    """The API client calling, from its bearer token (cookies are not accepted)."""
    token = bearer_token(request)
    if token is None:
        raise PactError(401, "BadRequest", _("Authentication is required."))
    row = session.scalar(
        select(AccessToken).where(AccessToken.token_hash == accounts.digest(token))
    )
    if row is not None and as_utc(row.expires_at) <= utcnow():
        raise PactError(401, "TokenExpired", _("The access token has expired."))
    actor = accounts.actor_for_token(session, token)
    ensure(actor, Right.FACTOR_READ)
    return actor


pact_actor.required_right = Right.FACTOR_READ  # type: ignore[attr-defined]  # the rights test

PactActor = Annotated[Actor, Depends(pact_actor)]
Limit = Annotated[int, Query(ge=1, le=1000)]
Offset = Annotated[int, Query(ge=0)]
Repeated = Annotated[list[str] | None, Query()]


def _footprint_id(text: str) -> uuid.UUID:
    try:
        return uuid.UUID(text)
    except ValueError:
        raise PactError(
            400, "BadRequest", _("'{value}' is not a UUID.").format(value=text)
        ) from None


def _next_link(request: Request, offset: int) -> str:
    query = [(k, v) for k, v in request.query_params.multi_items() if k != "offset"]
    query.append(("offset", str(offset)))
    url = request.url.replace(query=urlencode(query))
    return f'<{url}>; rel="next"'


def _page(request: Request, response: Response, limit: int, offset: int, more: bool) -> None:
    if more:
        response.headers["Link"] = _next_link(request, offset + limit)


@router.get("/3/footprints", summary="PACT v3 ListFootprints")
def list_v3(
    request: Request,
    response: Response,
    session: SessionDep,
    actor: PactActor,
    limit: Limit = 100,
    offset: Offset = 0,
    product_id: Annotated[Repeated, Query(alias="productId")] = None,
    company_id: Annotated[Repeated, Query(alias="companyId")] = None,
    geography: Repeated = None,
    classification: Repeated = None,
    valid_on: Annotated[Repeated, Query(alias="validOn")] = None,
    valid_after: Annotated[Repeated, Query(alias="validAfter")] = None,
    valid_before: Annotated[Repeated, Query(alias="validBefore")] = None,
    status: Repeated = None,
) -> dict[str, Any]:
    filters = pact.Filters(
        {
            "productId": product_id or [],
            "companyId": company_id or [],
            "geography": geography or [],
            "classification": classification or [],
            "validOn": valid_on or [],
            "validAfter": valid_after or [],
            "validBefore": valid_before or [],
            "status": status or [],
        }
    )
    rows, more = pact.list_for(session, actor=actor, filters=filters, limit=limit, offset=offset)
    _page(request, response, limit, offset, more)
    return {"data": [pact.document_of(row) for row in rows]}


@router.get("/3/footprints/{footprint_id}", summary="PACT v3 GetFootprint")
def get_v3(session: SessionDep, actor: PactActor, footprint_id: str) -> dict[str, Any]:
    found = pact.get_for(session, actor=actor, footprint_id=_footprint_id(footprint_id))
    return {"data": pact.document_of(found)}


def _v2_or_none(session: SessionDep, row: Any) -> dict[str, Any] | None:
    try:
        return pact.v2_document_of(session, row)
    except InvalidInput:  # no UN CPC code: v2 cannot carry it
        return None


@router.get("/2/footprints", summary="PACT v2 ListFootprints (with OData $filter)")
def list_v2(
    request: Request,
    response: Response,
    session: SessionDep,
    actor: PactActor,
    limit: Limit = 100,
    offset: Offset = 0,
    odata: Annotated[str | None, Query(alias="$filter", max_length=4000)] = None,
) -> dict[str, Any]:
    """The v2 documents visible to the client; ``$filter`` applies to the v2 documents
    (``updated``, ``productCategoryCpc``, ``pcf/geographyCountry``, ... as v2 names them)."""
    wanted = parse_filter(odata) if odata and odata.strip() else None
    rows, _more = pact.list_for(session, actor=actor, limit=MAX_SCAN, offset=0)
    docs = [doc for doc in (_v2_or_none(session, row) for row in rows) if doc is not None]
    if wanted is not None:
        docs = [doc for doc in docs if wanted.matches(doc)]
    _page(request, response, limit, offset, offset + limit < len(docs))
    return {"data": docs[offset : offset + limit]}


@router.get("/2/footprints/{footprint_id}", summary="PACT v2 GetFootprint")
def get_v2(session: SessionDep, actor: PactActor, footprint_id: str) -> dict[str, Any]:
    found = pact.get_for(session, actor=actor, footprint_id=_footprint_id(footprint_id))
    return {"data": pact.v2_document_of(session, found)}


def platform_address(request: Request) -> str:
    """The address the platform names as the source of the events it sends."""
    configured = getattr(request.app.state.settings, "base_url", None)
    return (configured or str(request.base_url)).rstrip("/")


EVENT_TYPES = ("application/cloudevents+json", "application/json")


async def _event(request: Request, session: Session, actor: Actor, version: str) -> Response:
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind not in EVENT_TYPES:
        raise PactError(
            400, "BadRequest", _("Send events as application/cloudevents+json (structured mode).")
        )
    body = await request.body()
    try:
        event = pact_events.parse_event(body, version)
    except InvalidInput as error:  # name the attribute at fault: data.pfIds[0]: …
        raise PactError(400, "BadRequest", str(error)) from None
    try:
        pact_events.receive(
            session,
            actor=actor,
            event=event,
            body=body.decode("utf-8", "replace"),
            source=platform_address(request),
        )
    except Exception:
        session.rollback()
        raise
    session.commit()
    return Response(status_code=200)


@router.post("/3/events", summary="PACT v3 Events (CloudEvents)")
async def events_v3(request: Request, session: SessionDep, actor: PactActor) -> Response:
    """Footprint requests, their fulfilment or rejection, and published notifications."""
    return await _event(request, session, actor, "3")


@router.post("/2/events", summary="PACT v2 Events (CloudEvents)")
async def events_v2(request: Request, session: SessionDep, actor: PactActor) -> Response:
    """The same for partners on PACT v2.x."""
    return await _event(request, session, actor, "2")


@router.get("/.well-known/openid-configuration", summary="OpenID discovery (PACT auth)")
def openid_configuration(request: Request) -> dict[str, Any]:
    base = str(request.base_url).rstrip("/")
    return {
        "issuer": base,
        "token_endpoint": base + "/auth/token",
        "grant_types_supported": ["client_credentials"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
    }
