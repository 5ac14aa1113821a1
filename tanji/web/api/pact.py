"""The PACT host API, read side: ListFootprints and GetFootprint (v3 and v2), discovery.

Authentication is by bearer token only (a session cookie is not accepted here). Errors
carry PACT's ``{"code", "message"}`` body: an absent or invalid token is 401 with code
``BadRequest`` (what the conformance tool expects), an expired one 401 ``TokenExpired``;
a malformed request 400 ``BadRequest``; an unknown footprint — or one the caller may not
see, so that its existence does not leak — 404 ``NotFound``. v2's OData ``$filter`` is
ignored (the spec lets a host do so); v2 lists leave out footprints without a UN CPC code,
which v2 requires.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Coroutine
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from sqlalchemy import select

from tanji.accounts import service as accounts
from tanji.accounts.models import AccessToken
from tanji.accounts.policy import Actor, Right, ensure
from tanji.accounts.service import AuthenticationFailed
from tanji.core.errors import InvalidInput, NotFound, TanjiError
from tanji.core.i18n import _
from tanji.db.base import utcnow
from tanji.exchange.pact import service as pact
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


def _aware(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)  # SQLite drops the zone


def pact_actor(request: Request, session: SessionDep) -> Actor:
    """The API client calling, from its bearer token (cookies are not accepted)."""
    token = bearer_token(request)
    if token is None:
        raise PactError(401, "BadRequest", _("Authentication is required."))
    row = session.scalar(
        select(AccessToken).where(AccessToken.token_hash == accounts.digest(token))
    )
    if row is not None and _aware(row.expires_at) <= utcnow():
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


@router.get("/2/footprints", summary="PACT v2 ListFootprints ($filter is ignored)")
def list_v2(
    request: Request,
    response: Response,
    session: SessionDep,
    actor: PactActor,
    limit: Limit = 100,
    offset: Offset = 0,
) -> dict[str, Any]:
    rows, more = pact.list_for(session, actor=actor, limit=limit, offset=offset)
    _page(request, response, limit, offset, more)
    docs = (_v2_or_none(session, row) for row in rows)
    return {"data": [doc for doc in docs if doc is not None]}


@router.get("/2/footprints/{footprint_id}", summary="PACT v2 GetFootprint")
def get_v2(session: SessionDep, actor: PactActor, footprint_id: str) -> dict[str, Any]:
    found = pact.get_for(session, actor=actor, footprint_id=_footprint_id(footprint_id))
    return {"data": pact.v2_document_of(session, found)}


@router.get("/.well-known/openid-configuration", summary="OpenID discovery (PACT auth)")
def openid_configuration(request: Request) -> dict[str, Any]:
    base = str(request.base_url).rstrip("/")
    return {
        "issuer": base,
        "token_endpoint": base + "/auth/token",
        "grant_types_supported": ["client_credentials"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
    }
