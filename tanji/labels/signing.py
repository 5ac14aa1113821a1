"""Label tokens: compact JWS (EdDSA / Ed25519) carrying a certificate's label claims.

INTERFACE STUB — being implemented by the SIGN helper. Keep the signatures.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from tanji.labels.models import Certificate


@dataclass(frozen=True)
class Verification:
    """The outcome of checking a token; ``reason`` is a stable code when it fails.

    Codes: malformed, bad-signature (forged or altered), unknown-key (wrong key),
    expired, revoked (certificate suspended or withdrawn), superseded (a replayed older
    token of a certificate whose label was re-issued), wrong-product (presented for a
    different product), not-registered (no such certificate), valid.
    """

    ok: bool
    reason: str
    message: str  # translated, for people
    claims: dict[str, Any]
    checked_online: bool = False  # whether the registry status was consulted


def ensure_signing_key(session: Session) -> str:
    """The active key id, creating the first key pair if there is none."""
    raise NotImplementedError


def rotate_key(session: Session) -> str:
    """Make a new active key; old keys stay published for verification. Returns its kid."""
    raise NotImplementedError


def jwks(session: Session) -> dict[str, Any]:
    """The published keys as a JWK Set (RFC 7517; OKP Ed25519 per RFC 8037)."""
    raise NotImplementedError


def issue_label_token(
    session: Session, *, certificate: Certificate, issuer: str, now: dt.datetime | None = None
) -> str:
    """Sign a new label token for the certificate and record its id on the certificate."""
    raise NotImplementedError


def verify_token(
    token: str,
    *,
    keys: dict[str, Any],
    now: dt.datetime | None = None,
    expected_product: str | None = None,
) -> Verification:
    """Offline check against a JWK Set: signature, key, expiry, and the product if given."""
    raise NotImplementedError


def verify_online(
    session: Session,
    token: str,
    *,
    now: dt.datetime | None = None,
    expected_product: str | None = None,
    channel: str = "web",
) -> Verification:
    """The offline check plus the registry: status, superseded tokens; records a LabelCheck."""
    raise NotImplementedError
