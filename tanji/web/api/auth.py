"""OAuth2 client credentials (RFC 6749 §4.4): API clients trade id and secret for a token."""

from __future__ import annotations

import base64
import binascii
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from tanji.accounts import service as accounts
from tanji.accounts.service import AuthenticationFailed
from tanji.core.errors import InvalidInput
from tanji.core.i18n import _
from tanji.web.deps import SessionDep

router = APIRouter(tags=["auth"])


class TokenRead(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int


def _basic_credentials(request: Request) -> tuple[str, str] | None:
    header = request.headers.get("authorization", "")
    scheme, _sep, value = header.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        raise AuthenticationFailed(_("The Basic authorization header is malformed.")) from None
    client_id, sep, secret = decoded.partition(":")
    if not sep:
        raise AuthenticationFailed(_("The Basic authorization header is malformed."))
    return client_id, secret


def _oauth_error(code: str, description: str, status: int) -> JSONResponse:
    headers = {"WWW-Authenticate": 'Basic realm="tanji"'} if status == 401 else None
    return JSONResponse(
        {"error": code, "error_description": description}, status_code=status, headers=headers
    )


@router.post(
    "/auth/token",
    response_model=TokenRead,
    responses={400: {"description": "Unsupported grant"}, 401: {"description": "Bad client"}},
)
def issue_token(
    request: Request,
    session: SessionDep,
    grant_type: Annotated[str, Form()],
    client_id: Annotated[str | None, Form()] = None,
    client_secret: Annotated[str | None, Form()] = None,
) -> JSONResponse:
    """Issue a bearer token for client credentials (HTTP Basic or form fields)."""
    if grant_type != "client_credentials":
        return _oauth_error(
            "unsupported_grant_type", _("Only the client_credentials grant is supported."), 400
        )
    try:
        credentials = _basic_credentials(request) or (client_id or "", client_secret or "")
        if not credentials[0]:
            raise InvalidInput(_("client_id is required."), loc=("client_id",))
        token, lifetime = accounts.issue_token(
            session, client_id=credentials[0], secret=credentials[1]
        )
    except AuthenticationFailed as error:
        return _oauth_error("invalid_client", error.message, 401)
    except InvalidInput as error:
        return _oauth_error("invalid_request", error.message, 400)
    session.commit()
    return JSONResponse(
        TokenRead(access_token=token, expires_in=lifetime).model_dump(),
        headers={"Cache-Control": "no-store"},
    )
