"""Label verification: the page a phone opens after scanning, the JWK Set, the API check,
and the label files of a certificate.

Public (on the PUBLIC list of the rights test): ``/.well-known/jwks.json``, ``/v/{token}``
and ``POST /api/v1/labels/verify``. Every check is recorded for the regulator. The label
files (``/labels/{number}.svg`` and ``.png``) need a login: they are for the certificate
holder and its certification body only; the registry shows everyone a badge instead.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from tanji.accounts import service as accounts
from tanji.core.errors import NotFound
from tanji.core.i18n import N_, current_language, gettext, in_language
from tanji.labels import registry, signing
from tanji.labels.render import label_for_download, label_png, label_svg
from tanji.web.deps import LoggedIn, OptionalActor, SessionDep
from tanji.web.rendering import page

router = APIRouter()
pages = APIRouter(tags=["labels"], include_in_schema=False)
api = APIRouter(prefix="/api/v1/labels", tags=["labels"])

JWKS_MAX_AGE = 3600  # keys change only at rotation; old keys stay in the set
NO_NUL = r"^[^\x00]*$"  # PostgreSQL refuses NUL in text

CertificateNumber = Annotated[
    str, Path(min_length=1, max_length=40, pattern=NO_NUL, description="Certificate number.")
]
Product = Annotated[
    str | None,
    Query(
        max_length=200,
        pattern=NO_NUL,
        description="The product the label was presented for (its code or name).",
    ),
]

# reason → (tone, headline); "revoked" is told apart by the registry status
VERDICTS: dict[str, tuple[str, str]] = {
    "valid": ("genuine", N_("Genuine and valid")),
    "expired": ("expired", N_("Expired")),
    "superseded": ("warning", N_("Replaced by a newer label")),
    "wrong-product": ("forged", N_("Not this product's label")),
    "malformed": ("unknown", N_("Unreadable label code")),
    "unknown-key": ("forged", N_("Not genuine: unknown signature key")),
    "bad-signature": ("forged", N_("Not genuine: forged or altered")),
    "not-registered": ("forged", N_("Not genuine: no such certificate")),
}
REVOKED = {
    "suspended": ("warning", N_("Suspended")),
    "withdrawn": ("forged", N_("Withdrawn")),
}


def issuer_of(request: Request) -> str:
    """The platform's base URL, as the labels name it (their ``iss`` and QR URL).

    ``TANJI_BASE_URL`` when set (behind a proxy the request's own address is not the
    public one), else the address the request came to.
    """
    configured = request.app.state.settings.base_url
    return (configured or str(request.base_url)).rstrip("/")


def verdict(result: signing.Verification) -> tuple[str, str]:
    """The tone and the translated headline of a verification."""
    if result.reason == "revoked":
        tone, headline = REVOKED.get(result.registry_status or "", REVOKED["withdrawn"])
    else:
        tone, headline = VERDICTS.get(result.reason, ("forged", N_("Not genuine")))
    return tone, gettext(headline)


BEIJING = ZoneInfo("Asia/Shanghai")


def facts(claims: dict[str, Any]) -> dict[str, Any]:
    """A token's claims, ready to lay out (names in the page language, dates as dates)."""
    label = claims.get("lbl") if isinstance(claims.get("lbl"), dict) else {}

    def day(name: str, offset: int = 0, zone: dt.tzinfo = BEIJING) -> dt.date | None:
        value = claims.get(name)
        if not isinstance(value, int):
            return None
        try:
            # certificates are dated in Beijing time, so the label's days are too
            return dt.datetime.fromtimestamp(value + offset, tz=zone).date()
        except (OverflowError, OSError, ValueError):
            return None

    zh, en = label.get("zh") or "", label.get("en") or ""
    return {
        "number": claims.get("sub", ""),
        "product": (en or zh) if current_language() == "en" else (zh or en),
        "code": label.get("p", ""),
        "value": label.get("v", ""),
        "unit": label.get("u", ""),
        "category": label.get("cat", ""),
        "rule_version": label.get("rv", ""),
        "grade": label.get("g"),
        "certifier": label.get("cb", ""),
        "issuer": claims.get("iss", ""),
        "signed_on": day("iat"),
        # exp is the first second (UTC) after the expiry day, a date with no time zone
        "valid_until": day("exp", -1, dt.UTC),
    }


@pages.get("/.well-known/jwks.json")
def jwks(session: SessionDep) -> JSONResponse:
    """The public keys that verify label tokens (a JWK Set, RFC 7517 / 8037)."""
    return JSONResponse(
        signing.jwks(session),
        media_type="application/jwk-set+json",
        headers={"cache-control": f"public, max-age={JWKS_MAX_AGE}"},
    )


def _certifier_name(session: Session, result: signing.Verification) -> str:
    """The body's name, for a genuine token only: a forged one may name any body."""
    if result.reason in ("malformed", "bad-signature", "unknown-key"):
        return ""
    slug = (result.claims.get("lbl") or {}).get("cb")
    if not isinstance(slug, str) or not slug:
        return ""
    try:
        body = accounts.get_organisation(session, slug=slug)
    except NotFound:
        return ""
    return in_language(body.name_zh, body.name_en)


@pages.get("/v/{token}", response_class=HTMLResponse)
def verify_page(
    request: Request, token: str, session: SessionDep, actor: OptionalActor, product: Product = None
) -> HTMLResponse:
    """The verdict on a scanned label: genuine and valid, suspended, expired or forged."""
    result = signing.verify_online(session, token, expected_product=product, channel="web")
    session.commit()
    tone, headline = verdict(result)
    response = page(
        request,
        "verify/result.html",
        result=result,
        tone=tone,
        headline=headline,
        facts=facts(result.claims),
        certifier_name=_certifier_name(session, result),
        status_name=registry.status_name(result.registry_status),
        token=token,
        product=product or "",
        active="verify",
    )
    response.headers["x-robots-tag"] = "noindex"
    response.headers["cache-control"] = "no-store"  # the status is live
    return response


def _download(content: bytes | str, media_type: str, name: str) -> Response:
    disposition = f"attachment; filename=\"{name}\"; filename*=UTF-8''{quote(name)}"
    return Response(
        content,
        media_type=media_type,
        headers={"content-disposition": disposition, "cache-control": "private, no-store"},
    )


@pages.get("/labels/{certificate_number}.svg")
def label_svg_file(
    request: Request,
    certificate_number: CertificateNumber,
    session: SessionDep,
    actor: LoggedIn,
) -> Response:
    """The certificate's current label as SVG (holder and certification body only)."""
    found = label_for_download(
        session, actor=actor, number=certificate_number, issuer=issuer_of(request)
    )
    session.commit()
    language = current_language()  # ?lang=zh_CN|en: the middleware set it for this file
    text = label_svg(
        found.certificate,
        found.token,
        base_url=issuer_of(request),
        language=language,
        certifier=found.certifier,
    )
    return _download(text, "image/svg+xml", f"label-{certificate_number}-{language}.svg")


@pages.get("/labels/{certificate_number}.png")
def label_png_file(
    request: Request,
    certificate_number: CertificateNumber,
    session: SessionDep,
    actor: LoggedIn,
) -> Response:
    """The certificate's current label as PNG (holder and certification body only)."""
    found = label_for_download(
        session, actor=actor, number=certificate_number, issuer=issuer_of(request)
    )
    session.commit()
    language = current_language()
    data = label_png(
        found.certificate,
        found.token,
        base_url=issuer_of(request),
        language=language,
        certifier=found.certifier,
    )
    return _download(data, "image/png", f"label-{certificate_number}-{language}.png")


class LabelVerify(BaseModel):
    """A label token to check, and optionally the product it was presented for."""

    token: str = Field(max_length=8192, description="The token, or the URL of the QR code.")
    product: str | None = Field(
        default=None, max_length=200, description="Product code or name the label was on."
    )


class LabelVerificationRead(BaseModel):
    """The verdict: ``reason`` is a stable code (valid, malformed, bad-signature,
    unknown-key, expired, revoked, superseded, wrong-product, not-registered)."""

    ok: bool
    reason: str
    message: str
    claims: dict[str, Any]
    checked_online: bool
    registry_status: str | None


def token_of(text: str) -> str:
    """The token in a pasted string: the token itself or the URL of a label's QR code."""
    text = text.strip()
    if "/v/" in text:
        text = text.rsplit("/v/", 1)[1].split("?", 1)[0].split("#", 1)[0]
    return text


@api.post("/verify", response_model=LabelVerificationRead)
def verify_api(body: LabelVerify, session: SessionDep) -> LabelVerificationRead:
    """Check a label token: signature, expiry and the registry status (public, no login)."""
    result = signing.verify_online(
        session, token_of(body.token), expected_product=body.product, channel="api"
    )
    session.commit()
    return LabelVerificationRead.model_validate(result.as_dict())


router.include_router(pages)
router.include_router(api)
