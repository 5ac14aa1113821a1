"""Label tokens: compact JWS (EdDSA / Ed25519) carrying a certificate's label claims.

A label's QR code holds ``{base_url}/v/{token}``; the token is a JWS compact
serialisation (RFC 7515) signed with Ed25519 (RFC 8037, ``alg: EdDSA``), so anyone can
check it offline against the platform's published keys (``/.well-known/jwks.json``)
and online against the registry for the certificate's current status.

Claims (kept short: they go into a QR code)::

    iss  the platform's base URL          sub  the certificate number
    jti  this label's id (certificate.label_token_id; an older jti is a replayed label)
    iat  issued at                        exp  end of the certificate's expiry day (UTC)
    lbl  {p: product code, zh / en: product names, v: value (plain decimal, 4 significant
          figures), u: declared unit, cat: category (rule id), rv: rule version,
          g: grade (if any), cb: certification body slug, k: label kind}

Keys live in the ``signing_key`` table as raw 32-byte Ed25519 keys. Rotation makes a
new active key and keeps every older public key published, so old labels verify. A
deployment may keep the private key outside the database: :func:`use_key_file` loads a
PEM file (the setting ``TANJI_LABEL_KEY_FILE``) and publishes its public half.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import json
import re
import secrets
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from sqlalchemy import select
from sqlalchemy.orm import Session

from tanji.accounts.models import Organisation
from tanji.core.errors import Conflict, InvalidInput
from tanji.core.i18n import _, current_language
from tanji.db.base import utcnow
from tanji.labels import registry
from tanji.labels.models import Certificate, CertificateStatus, LabelCheck, SigningKey

ALG = "EdDSA"
TYP = "JWT"
MAX_TOKEN_LENGTH = 4096  # a label token is ~600 characters; anything far longer is not one
BASE64URL = re.compile(r"[A-Za-z0-9_-]*")
KEY_FILE_INFO = "tanji.label_key_file"  # Session.info entry naming an external PEM key

VALID = "valid"
MALFORMED = "malformed"
BAD_SIGNATURE = "bad-signature"
UNKNOWN_KEY = "unknown-key"
EXPIRED = "expired"
REVOKED = "revoked"
SUPERSEDED = "superseded"
WRONG_PRODUCT = "wrong-product"
NOT_REGISTERED = "not-registered"
REASONS = (
    VALID,
    MALFORMED,
    BAD_SIGNATURE,
    UNKNOWN_KEY,
    EXPIRED,
    REVOKED,
    SUPERSEDED,
    WRONG_PRODUCT,
    NOT_REGISTERED,
)
TRUSTED = (VALID, EXPIRED, WRONG_PRODUCT)  # reasons reached only after a good signature


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
    registry_status: str | None = None  # valid, suspended, withdrawn, expired (online only)

    def as_dict(self) -> dict[str, Any]:
        """The verification as plain JSON data (the API's answer)."""
        return {
            "ok": self.ok,
            "reason": self.reason,
            "message": self.message,
            "claims": self.claims,
            "checked_online": self.checked_online,
            "registry_status": self.registry_status,
        }


class MalformedToken(ValueError):
    """Raised inside this module when a token cannot be parsed; becomes ``malformed``."""


# --- encoding -----------------------------------------------------------------------------


def b64url_encode(data: bytes) -> str:
    """base64url without padding (RFC 7515 §2)."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """Strict base64url: no padding, no stray characters, and canonical.

    Canonical means the text is exactly what encoding the bytes gives back; otherwise a
    changed last character (whose low bits are unused) would decode to the same bytes and
    an altered token would still verify.
    """
    if not BASE64URL.fullmatch(text):
        raise MalformedToken(_("it contains characters that base64url does not use"))
    if len(text) % 4 == 1:
        raise MalformedToken(_("a part has an impossible base64url length"))
    try:
        data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as error:
        raise MalformedToken(_("a part is not base64url")) from error
    if b64url_encode(data) != text:
        raise MalformedToken(_("a part is not in canonical base64url"))
    return data


def _json_bytes(value: dict[str, Any]) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, sort_keys=False).encode()


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for key, value in pairs:
        if key in found:
            raise MalformedToken(_("a member is repeated ({name})").format(name=key))
        found[key] = value
    return found


def _json_object(data: bytes, what: str) -> dict[str, Any]:
    try:
        value = json.loads(data.decode("utf-8"), object_pairs_hook=_no_duplicates)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise MalformedToken(_("the {part} is not JSON").format(part=what)) from error
    if not isinstance(value, dict):
        raise MalformedToken(_("the {part} is not a JSON object").format(part=what))
    return value


def plain_value(value: float) -> str:
    """A value in plain decimal notation with 4 significant figures: 650.31 → "650.3",
    12345.6 → "12350", 0.0012345 → "0.001235" (no exponent, as a label prints it)."""
    try:
        number = Decimal(repr(float(value)))
    except (InvalidOperation, ValueError) as error:
        raise InvalidInput(_("The label value {value} is not a number.").format(value=value)) from (
            error
        )
    if not number.is_finite():
        raise InvalidInput(_("The label value {value} is not a number.").format(value=value))
    if number == 0:
        return "0"
    exponent = number.adjusted() - 3  # keep 4 significant figures
    rounded = number.quantize(Decimal(1).scaleb(exponent), rounding=ROUND_HALF_UP)
    return format(rounded, "f")


# --- keys ---------------------------------------------------------------------------------


def _raw_public(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def _raw_private(key: Ed25519PrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.Raw,
        serialization.PrivateFormat.Raw,
        serialization.NoEncryption(),
    )


def key_id(public_key: bytes) -> str:
    """The key's id: the start of its RFC 7638 JWK thumbprint (stable for the key)."""
    canonical = json.dumps(
        {"crv": "Ed25519", "kty": "OKP", "x": b64url_encode(public_key)},
        separators=(",", ":"),
        sort_keys=True,
    )
    return b64url_encode(hashlib.sha256(canonical.encode()).digest())[:16]


def public_jwk(public_key: bytes, kid: str) -> dict[str, str]:
    """An Ed25519 public key as a JWK (RFC 8037 §2: kty OKP, crv Ed25519, x)."""
    return {
        "kty": "OKP",
        "crv": "Ed25519",
        "x": b64url_encode(public_key),
        "kid": kid,
        "use": "sig",
        "alg": ALG,
    }


def _active_key(session: Session) -> SigningKey | None:
    return session.scalar(
        select(SigningKey)
        .where(SigningKey.active.is_(True))
        .order_by(SigningKey.created_at.desc(), SigningKey.kid)
        .limit(1)
    )


def _add_key(session: Session, private: Ed25519PrivateKey, *, store_private: bool) -> SigningKey:
    public = _raw_public(private.public_key())
    kid = key_id(public)
    found = session.get(SigningKey, kid)
    if found is not None:
        found.active = True
        found.retired_at = None
        if store_private and found.private_key is None:
            found.private_key = _raw_private(private)
        session.flush()
        return found
    key = SigningKey(
        kid=kid,
        public_key=public,
        private_key=_raw_private(private) if store_private else None,
        active=True,
        retired_at=None,
        created_at=utcnow(),
    )
    session.add(key)
    session.flush()
    return key


def _retire_active(session: Session, keep: str | None = None) -> None:
    now = utcnow()
    for key in session.scalars(select(SigningKey).where(SigningKey.active.is_(True))):
        if key.kid != keep:
            key.active = False
            key.retired_at = now
    session.flush()


def ensure_signing_key(session: Session) -> str:
    """The active key id, creating the first key pair if there is none."""
    key = _active_key(session)
    if key is not None:
        return key.kid
    return _add_key(session, Ed25519PrivateKey.generate(), store_private=True).kid


def rotate_key(session: Session) -> str:
    """Make a new active key; old keys stay published for verification. Returns its kid."""
    _retire_active(session)
    return _add_key(session, Ed25519PrivateKey.generate(), store_private=True).kid


def load_key_file(path: Path) -> Ed25519PrivateKey:
    """An Ed25519 private key from a PEM file (PKCS#8, unencrypted)."""
    try:
        data = Path(path).read_bytes()
    except OSError as error:
        raise InvalidInput(
            _("The label key file {path} cannot be read: {error}.").format(
                path=path, error=error.strerror or error
            ),
            loc=("TANJI_LABEL_KEY_FILE",),
        ) from error
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError) as error:
        raise InvalidInput(
            _(
                "The label key file {path} is not an unencrypted PEM private key. Make one "
                "with: openssl genpkey -algorithm ed25519 -out {path}"
            ).format(path=path),
            loc=("TANJI_LABEL_KEY_FILE",),
        ) from error
    if not isinstance(key, Ed25519PrivateKey):
        raise InvalidInput(
            _("The label key file {path} holds a key that is not Ed25519.").format(path=path),
            loc=("TANJI_LABEL_KEY_FILE",),
        )
    return key


def use_key_file(session: Session, path: Path) -> str:
    """Sign labels with the PEM key in ``path`` (kept outside the database).

    Its public half is published as the active key (older keys are retired but stay
    published); the session remembers the file, so :func:`issue_label_token` signs
    with it. Returns the key id.
    """
    private = load_key_file(path)
    kid = key_id(_raw_public(private.public_key()))
    _retire_active(session, keep=kid)
    _add_key(session, private, store_private=False)
    session.info[KEY_FILE_INFO] = Path(path)
    return kid


def _signing_key(session: Session) -> tuple[str, Ed25519PrivateKey]:
    ensure_signing_key(session)
    key = _active_key(session)
    assert key is not None  # ensure_signing_key made one
    if key.private_key is not None:
        return key.kid, Ed25519PrivateKey.from_private_bytes(key.private_key)
    path = session.info.get(KEY_FILE_INFO)
    if path is None:
        raise Conflict(
            _(
                "The active label key {kid} is kept outside the database, and no key file is "
                "configured: set TANJI_LABEL_KEY_FILE to its PEM file."
            ).format(kid=key.kid)
        )
    private = load_key_file(path)
    if key_id(_raw_public(private.public_key())) != key.kid:
        raise Conflict(
            _(
                "The label key file {path} does not hold the active key {kid}: configure "
                "the right file, or rotate the key with `tanji label rotate-key`."
            ).format(path=path, kid=key.kid)
        )
    return key.kid, private


def jwks(session: Session) -> dict[str, Any]:
    """The published keys as a JWK Set (RFC 7517; OKP Ed25519 per RFC 8037)."""
    keys = session.scalars(
        select(SigningKey).order_by(
            SigningKey.active.desc(), SigningKey.created_at.desc(), SigningKey.kid
        )
    )
    return {"keys": [public_jwk(key.public_key, key.kid) for key in keys]}


def list_keys(session: Session) -> list[SigningKey]:
    """Every signing key, the active one first (for ``tanji label keys``)."""
    return list(
        session.scalars(
            select(SigningKey).order_by(
                SigningKey.active.desc(), SigningKey.created_at.desc(), SigningKey.kid
            )
        )
    )


# --- signing ------------------------------------------------------------------------------


def sign_claims(claims: dict[str, Any], *, kid: str, private_key: Ed25519PrivateKey) -> str:
    """The JWS compact serialisation of ``claims`` signed with ``private_key``."""
    header = {"alg": ALG, "kid": kid, "typ": TYP}
    signing_input = f"{b64url_encode(_json_bytes(header))}.{b64url_encode(_json_bytes(claims))}"
    signature = private_key.sign(signing_input.encode("ascii"))
    return f"{signing_input}.{b64url_encode(signature)}"


def _end_of_day(day: dt.date) -> int:
    """The first second after ``day`` ends, in UTC (a token with this exp expires then)."""
    following = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)
    return int(following.timestamp())


def label_claims(
    session: Session, *, certificate: Certificate, issuer: str, jti: str, now: dt.datetime
) -> dict[str, Any]:
    """The claims of a certificate's label (see the module docstring for the names)."""
    certifier = session.get(Organisation, certificate.certifier_id)
    label: dict[str, Any] = {
        "p": certificate.product_code,
        "zh": certificate.product_name_zh,
    }
    if certificate.product_name_en:
        label["en"] = certificate.product_name_en
    label.update(
        {
            "v": plain_value(certificate.value),
            "u": certificate.unit,
            "cat": certificate.category,
            "rv": certificate.rule_version,
        }
    )
    if certificate.grade:
        label["g"] = certificate.grade
    label["cb"] = certifier.slug if certifier is not None else ""
    label["k"] = certificate.label_kind
    return {
        "iss": issuer.rstrip("/"),
        "sub": certificate.number,
        "jti": jti,
        "iat": int(now.timestamp()),
        "exp": _end_of_day(certificate.expires_on),
        "lbl": label,
    }


def new_token_id() -> str:
    return secrets.token_urlsafe(12)


def issue_label_token(
    session: Session, *, certificate: Certificate, issuer: str, now: dt.datetime | None = None
) -> str:
    """Sign a new label token for the certificate and record its id on the certificate."""
    now = now or utcnow()
    kid, private = _signing_key(session)
    jti = new_token_id()
    claims = label_claims(session, certificate=certificate, issuer=issuer, jti=jti, now=now)
    certificate.label_token_id = jti
    session.flush()
    return sign_claims(claims, kid=kid, private_key=private)


def current_label_token(
    session: Session, *, certificate: Certificate, issuer: str, now: dt.datetime | None = None
) -> str:
    """A token for the certificate's current label (its recorded jti), to print again.

    Signing again with the same jti makes no new label: the registry still knows one
    current label, and older re-issued ones stay superseded. Issues the first token if
    the certificate has none yet.
    """
    if not certificate.label_token_id:
        return issue_label_token(session, certificate=certificate, issuer=issuer, now=now)
    now = now or utcnow()
    kid, private = _signing_key(session)
    claims = label_claims(
        session, certificate=certificate, issuer=issuer, jti=certificate.label_token_id, now=now
    )
    return sign_claims(claims, kid=kid, private_key=private)


# --- verification -------------------------------------------------------------------------


def _fail(reason: str, message: str, claims: dict[str, Any] | None = None) -> Verification:
    return Verification(ok=False, reason=reason, message=message, claims=claims or {})


def _malformed(detail: str) -> Verification:
    return _fail(
        MALFORMED,
        _(
            "This is not a readable label token: {detail}. Scan the QR code again or copy "
            "the code exactly as printed; if it still fails, do not rely on the label."
        ).format(detail=detail),
    )


def _public_keys(keys: dict[str, Any]) -> dict[str, Ed25519PublicKey]:
    """The usable Ed25519 keys of a JWK Set, by kid (other key types are ignored)."""
    found: dict[str, Ed25519PublicKey] = {}
    entries = keys.get("keys", []) if isinstance(keys, dict) else []
    for entry in entries if isinstance(entries, list) else []:
        if not isinstance(entry, dict):
            continue
        if entry.get("kty") != "OKP" or entry.get("crv") != "Ed25519":
            continue
        kid, x = entry.get("kid"), entry.get("x")
        if not isinstance(kid, str) or not isinstance(x, str):
            continue
        try:
            found[kid] = Ed25519PublicKey.from_public_bytes(b64url_decode(x))
        except (MalformedToken, ValueError):
            continue
    return found


def decode_unverified(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The header and claims of a token WITHOUT checking the signature (to find its
    issuer before fetching keys). Raises InvalidInput when it is not a token."""
    try:
        header, claims, _signing_input, _signature = _split(token)
        return header, _json_object(claims, _("payload"))
    except MalformedToken as error:
        raise InvalidInput(
            _("This is not a label token: {detail}.").format(detail=error), loc=("token",)
        ) from error


def _split(token: str) -> tuple[dict[str, Any], bytes, bytes, bytes]:
    """Header (checked), payload bytes, signing input and signature of a compact JWS."""
    if not isinstance(token, str) or not token:
        raise MalformedToken(_("the token is empty"))
    if len(token) > MAX_TOKEN_LENGTH:
        raise MalformedToken(_("the token is far too long"))
    parts = token.split(".")
    if len(parts) != 3:
        raise MalformedToken(
            _("a token has three parts separated by dots, this has {count}").format(
                count=len(parts)
            )
        )
    encoded_header, encoded_payload, encoded_signature = parts
    header = _json_object(b64url_decode(encoded_header), _("header"))
    payload = b64url_decode(encoded_payload)
    signature = b64url_decode(encoded_signature)
    if header.get("alg") != ALG:
        raise MalformedToken(
            _("the algorithm is {alg}, not EdDSA").format(alg=json.dumps(header.get("alg")))
        )
    if "typ" in header and header["typ"] != TYP:
        raise MalformedToken(_("the type is {typ}, not JWT").format(typ=json.dumps(header["typ"])))
    if "crit" in header:
        # RFC 7515 §4.1.11: extensions we do not understand must make the token invalid
        raise MalformedToken(_("it requires extensions (crit) that labels do not use"))
    if not isinstance(header.get("kid"), str) or not header["kid"]:
        raise MalformedToken(_("the header names no key (kid)"))
    signing_input = f"{encoded_header}.{encoded_payload}".encode("ascii")
    return header, payload, signing_input, signature


def _check_claims(claims: dict[str, Any]) -> None:
    for name in ("iss", "sub", "jti"):
        if not isinstance(claims.get(name), str) or not claims[name]:
            raise MalformedToken(_("the claim {name} is missing").format(name=name))
    for name in ("iat", "exp"):
        value = claims.get(name)
        if not isinstance(value, int) or isinstance(value, bool):
            raise MalformedToken(_("the claim {name} is not a time").format(name=name))
    if not isinstance(claims.get("lbl"), dict):
        raise MalformedToken(_("the label claims (lbl) are missing"))


def _day(timestamp: int) -> str:
    """The day a token's exp falls in (exp is the first second after the expiry day)."""
    try:
        moment = dt.datetime.fromtimestamp(timestamp - 1, tz=dt.UTC)
    except (OverflowError, OSError, ValueError):
        return str(timestamp)
    return moment.date().isoformat()


def _matches_product(claims: dict[str, Any], presented: str) -> bool:
    wanted = presented.strip().casefold()
    label = claims.get("lbl", {})
    names = [label.get(key) for key in ("p", "zh", "en")]
    return any(isinstance(name, str) and name.strip().casefold() == wanted for name in names)


def _product_of(claims: dict[str, Any]) -> str:
    label = claims.get("lbl", {})
    first, second = ("en", "zh") if current_language() == "en" else ("zh", "en")
    name = label.get(first) or label.get(second) or ""
    return f"{name} ({label.get('p', '')})" if name else str(label.get("p", ""))


def verify_token(
    token: str,
    *,
    keys: dict[str, Any],
    now: dt.datetime | None = None,
    expected_product: str | None = None,
) -> Verification:
    """Offline check against a JWK Set: signature, key, expiry, and the product if given."""
    now = now or utcnow()
    try:
        header, payload, signing_input, signature = _split(token)
    except MalformedToken as error:
        return _malformed(str(error))
    public = _public_keys(keys).get(header["kid"])
    if public is None:
        return _fail(
            UNKNOWN_KEY,
            _(
                "The label was signed with a key ({kid}) that is not among the platform's "
                "published keys: it is not a genuine label of this platform. If you checked "
                "against a saved key set, fetch the current one from /.well-known/jwks.json "
                "and check again."
            ).format(kid=header["kid"]),
        )
    try:
        public.verify(signature, signing_input)
    except InvalidSignature:
        return _fail(
            BAD_SIGNATURE,
            _(
                "The signature does not match the label: it was forged or altered. Do not "
                "rely on it, and report the product to the market regulator."
            ),
        )
    try:
        claims = _json_object(payload, _("payload"))
        _check_claims(claims)
    except MalformedToken as error:
        return _malformed(str(error))
    if int(now.timestamp()) >= claims["exp"]:
        return _fail(
            EXPIRED,
            _(
                "The label of certificate {number} expired on {day}. The product may no "
                "longer be certified: ask the manufacturer for a current label."
            ).format(number=claims["sub"], day=_day(claims["exp"])),
            claims,
        )
    if expected_product and not _matches_product(claims, expected_product):
        return _fail(
            WRONG_PRODUCT,
            _(
                "This label belongs to {product}, not to {presented}. A label used on "
                "another product is misuse: do not rely on it, and report it to the "
                "market regulator."
            ).format(product=_product_of(claims), presented=expected_product.strip()),
            claims,
        )
    return Verification(
        ok=True,
        reason=VALID,
        message=_(
            "Genuine: the signature of {issuer} matches and the label of certificate {number} "
            "is valid until {day}. Its current status in the registry was not checked."
        ).format(issuer=claims["iss"], number=claims["sub"], day=_day(claims["exp"])),
        claims=claims,
    )


def _beijing_day(now: dt.datetime) -> dt.date:
    """The registry judges validity by the date in Beijing."""
    aware = now if now.tzinfo else now.replace(tzinfo=dt.UTC)
    return aware.astimezone(ZoneInfo("Asia/Shanghai")).date()


def _online(session: Session, offline: Verification, now: dt.datetime) -> Verification:
    """The registry's word on a token whose signature is good."""
    claims = offline.claims
    number = claims["sub"]
    certificate = session.scalar(select(Certificate).where(Certificate.number == number))
    if certificate is None:
        return Verification(
            ok=False,
            reason=NOT_REGISTERED,
            message=_(
                "No certificate {number} is in the registry, although the label is signed: "
                "do not rely on it, and report it to the market regulator."
            ).format(number=number),
            claims=claims,
            checked_online=True,
        )
    status = registry.effective_status(certificate, _beijing_day(now))

    def answer(ok: bool, reason: str, message: str) -> Verification:
        return Verification(ok, reason, message, claims, True, status)

    reason_text = certificate.status_reason.strip() or _("no reason recorded")
    if status == CertificateStatus.SUSPENDED:
        return answer(
            False,
            REVOKED,
            _(
                "Certificate {number} is suspended ({reason}). Do not rely on the label "
                "until the certification body restores the certificate."
            ).format(number=number, reason=reason_text),
        )
    if status == CertificateStatus.WITHDRAWN:
        return answer(
            False,
            REVOKED,
            _(
                "Certificate {number} has been withdrawn ({reason}). The label is no longer "
                "valid: do not rely on it."
            ).format(number=number, reason=reason_text),
        )
    if status == CertificateStatus.EXPIRED:
        return answer(
            False,
            EXPIRED,
            _(
                "Certificate {number} expired on {day}. The product is no longer certified "
                "under it: ask the manufacturer for a current label."
            ).format(number=number, day=certificate.expires_on.isoformat()),
        )
    if offline.reason == EXPIRED:
        return answer(False, EXPIRED, offline.message)
    if claims["jti"] != certificate.label_token_id:
        return answer(
            False,
            SUPERSEDED,
            _(
                "This label of certificate {number} has been replaced by a newer one: it is "
                "an old copy and its figures may be out of date. Ask the manufacturer for "
                "the current label, or read the certificate in the registry."
            ).format(number=number),
        )
    if offline.reason == WRONG_PRODUCT:
        return answer(False, WRONG_PRODUCT, offline.message)
    return answer(
        True,
        VALID,
        _(
            "Certificate {number} is registered and valid until {day}, and this is its "
            "current label: the figures on it are the certified ones."
        ).format(number=number, day=certificate.expires_on.isoformat()),
    )


def verify_online(
    session: Session,
    token: str,
    *,
    now: dt.datetime | None = None,
    expected_product: str | None = None,
    channel: str = "web",
) -> Verification:
    """The offline check plus the registry: status, superseded tokens; records a LabelCheck."""
    now = now or utcnow()
    offline = verify_token(token, keys=jwks(session), now=now, expected_product=expected_product)
    # a forged, altered or unreadable token: the registry has nothing to add
    result = _online(session, offline, now) if offline.reason in TRUSTED else offline
    trusted = result.reason not in (MALFORMED, BAD_SIGNATURE, UNKNOWN_KEY)
    session.add(
        LabelCheck(
            # who a forged token claims to be is not recorded: anyone can write that
            certificate_number=str(result.claims.get("sub", ""))[:40] if trusted else "",
            token_id=str(result.claims.get("jti", ""))[:40] if trusted else "",
            outcome=result.reason,
            presented_for=(expected_product or "").replace("\x00", "").strip()[:200],
            channel=channel[:20],
            created_at=now,
        )
    )
    session.flush()
    return result
