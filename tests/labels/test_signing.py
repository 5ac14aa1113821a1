"""Label tokens: signing, the JWK Set, key rotation, and every way a token is refused.

Forged, altered, expired, revoked, wrong-key, replayed, wrong-product, malformed and
unregistered tokens are each rejected with their reason code; online checks are
recorded as LabelCheck rows for supervision.
"""

from __future__ import annotations

import base64
import datetime as dt
import json

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from tanji.core.errors import Conflict, InvalidInput
from tanji.labels import signing
from tanji.labels.models import Certificate, CertificateStatus, LabelCheck, SigningKey
from tests.labels.certificates import certificate

ISSUER = "https://tanji.example.cn"
NOW = dt.datetime(2026, 6, 1, 8, 0, tzinfo=dt.UTC)


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def parts(token: str) -> tuple[dict, dict, str]:
    header, payload, signature = token.split(".")
    return json.loads(unb64(header)), json.loads(unb64(payload)), signature


def issue(session: Session, **kwargs) -> tuple[Certificate, str]:
    made = certificate(session, **kwargs)
    return made, signing.issue_label_token(session, certificate=made, issuer=ISSUER, now=NOW)


def offline(session: Session, token: str, **kwargs) -> signing.Verification:
    return signing.verify_token(token, keys=signing.jwks(session), now=NOW, **kwargs)


class TestKeys:
    def test_the_first_key_is_made_once(self, session: Session) -> None:
        kid = signing.ensure_signing_key(session)
        assert signing.ensure_signing_key(session) == kid
        assert len(signing.list_keys(session)) == 1

    def test_the_jwks_follows_rfc_8037(self, session: Session) -> None:
        signing.ensure_signing_key(session)
        signing.rotate_key(session)
        keys = signing.jwks(session)["keys"]
        assert len(keys) == 2
        for jwk in keys:
            assert set(jwk) == {"kty", "crv", "x", "kid", "use", "alg"}  # never "d"
            assert (jwk["kty"], jwk["crv"], jwk["use"], jwk["alg"]) == (
                "OKP",
                "Ed25519",
                "sig",
                "EdDSA",
            )
            assert "=" not in jwk["x"] and len(unb64(jwk["x"])) == 32
            row = session.get(SigningKey, jwk["kid"])
            assert row is not None and unb64(jwk["x"]) == row.public_key
        assert len({jwk["kid"] for jwk in keys}) == 2

    def test_rotation_keeps_old_labels_valid_and_signs_new_ones_with_the_new_key(
        self, session: Session
    ) -> None:
        made, old = issue(session)
        old_kid = parts(old)[0]["kid"]
        new_kid = signing.rotate_key(session)
        assert new_kid != old_kid
        retired = session.get(SigningKey, old_kid)
        assert retired is not None and not retired.active and retired.retired_at is not None
        assert offline(session, old).ok
        newer = signing.issue_label_token(session, certificate=made, issuer=ISSUER, now=NOW)
        assert parts(newer)[0]["kid"] == new_kid
        assert offline(session, newer).ok

    def test_a_key_file_signs_and_its_public_half_is_published(
        self, session: Session, tmp_path
    ) -> None:
        private = Ed25519PrivateKey.generate()
        path = tmp_path / "label.pem"
        path.write_bytes(
            private.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        signing.ensure_signing_key(session)
        kid = signing.use_key_file(session, path)
        stored = session.get(SigningKey, kid)
        assert stored is not None and stored.private_key is None and stored.active
        _made, token = issue(session)
        assert parts(token)[0]["kid"] == kid
        assert offline(session, token).ok
        del session.info[signing.KEY_FILE_INFO]
        with pytest.raises(Conflict, match="TANJI_LABEL_KEY_FILE"):
            issue(session)

    def test_a_key_file_that_is_not_a_key_is_refused(self, session: Session, tmp_path) -> None:
        path = tmp_path / "label.pem"
        path.write_text("not a key")
        with pytest.raises(InvalidInput, match="openssl genpkey"):
            signing.use_key_file(session, path)


class TestIssue:
    def test_claims_are_the_certificates(self, session: Session) -> None:
        made, token = issue(session, value=650.3123, grade="2")
        header, claims, _signature = parts(token)
        assert header == {"alg": "EdDSA", "kid": header["kid"], "typ": "JWT"}
        assert claims["iss"] == ISSUER and claims["sub"] == made.number
        assert claims["jti"] == made.label_token_id and len(claims["jti"]) >= 16
        assert claims["iat"] == int(NOW.timestamp())
        end = dt.datetime(2028, 3, 1, tzinfo=dt.UTC)  # the end of 2028-02-29, in UTC
        assert claims["exp"] == int(end.timestamp())
        label = claims["lbl"]
        assert label["p"] == made.product_code and label["zh"] == made.product_name_zh
        assert label["en"] == made.product_name_en
        assert (label["v"], label["u"], label["cat"], label["rv"], label["g"], label["k"]) == (
            "650.3",
            "1 t",
            "cement",
            "1.0",
            "2",
            "footprint-value",
        )
        assert label["cb"].startswith("certifier-")

    def test_the_token_stays_compact_for_a_qr_code(self, session: Session) -> None:
        _made, token = issue(session)
        assert len(token) < 700

    def test_each_issue_is_a_new_label(self, session: Session) -> None:
        made, first = issue(session)
        second = signing.issue_label_token(session, certificate=made, issuer=ISSUER, now=NOW)
        assert parts(first)[1]["jti"] != parts(second)[1]["jti"] == made.label_token_id

    def test_the_current_label_keeps_its_id(self, session: Session) -> None:
        made, _token = issue(session)
        again = signing.current_label_token(session, certificate=made, issuer=ISSUER, now=NOW)
        assert parts(again)[1]["jti"] == made.label_token_id

    @pytest.mark.parametrize(
        ("value", "shown"),
        [(650.3123, "650.3"), (12345.6, "12350"), (0.0012345, "0.001235"), (0.0, "0")],
    )
    def test_values_are_plain_decimals_with_four_significant_figures(
        self, value: float, shown: str
    ) -> None:
        assert signing.plain_value(value) == shown


class TestOffline:
    def test_a_genuine_label_is_valid(self, session: Session) -> None:
        made, token = issue(session)
        result = offline(session, token)
        assert (result.ok, result.reason) == (True, "valid")
        assert result.claims["sub"] == made.number and not result.checked_online
        assert "not checked" in result.message

    def test_forged_with_another_key_claiming_the_platforms_kid(self, session: Session) -> None:
        _made, token = issue(session)
        header, claims, _signature = parts(token)
        forged = signing.sign_claims(
            claims, kid=header["kid"], private_key=Ed25519PrivateKey.generate()
        )
        result = offline(session, forged)
        assert (result.ok, result.reason) == (False, "bad-signature")
        assert "forged or altered" in result.message and result.claims == {}

    def test_altered_payload(self, session: Session) -> None:
        _made, token = issue(session)
        header, claims, signature = token.split(".")
        changed = json.loads(unb64(claims))
        changed["lbl"]["v"] = "450.3"  # a better footprint than certified
        altered = f"{header}.{b64(json.dumps(changed).encode())}.{signature}"
        assert offline(session, altered).reason == "bad-signature"

    def test_altered_header(self, session: Session) -> None:
        _made, token = issue(session)
        header, claims, signature = token.split(".")
        changed = {**json.loads(unb64(header)), "cty": "label"}
        altered = f"{b64(json.dumps(changed).encode())}.{claims}.{signature}"
        assert offline(session, altered).reason == "bad-signature"

    def test_altered_signature(self, session: Session) -> None:
        _made, token = issue(session)
        header, claims, signature = token.split(".")
        raw = bytearray(unb64(signature))
        raw[10] ^= 0x01
        assert offline(session, f"{header}.{claims}.{b64(bytes(raw))}").reason == "bad-signature"

    def test_wrong_key(self, session: Session) -> None:
        _made, token = issue(session)
        _header, claims, _signature = parts(token)
        other = signing.sign_claims(
            claims, kid="not-our-key", private_key=Ed25519PrivateKey.generate()
        )
        result = offline(session, other)
        assert (result.ok, result.reason) == (False, "unknown-key")
        assert "not-our-key" in result.message and "jwks.json" in result.message

    def test_an_empty_key_set_knows_no_key(self, session: Session) -> None:
        _made, token = issue(session)
        result = signing.verify_token(token, keys={"keys": []}, now=NOW)
        assert result.reason == "unknown-key"

    def test_expired(self, session: Session) -> None:
        made, token = issue(session)
        last_second = dt.datetime(2028, 2, 29, 23, 59, 59, tzinfo=dt.UTC)
        assert signing.verify_token(token, keys=signing.jwks(session), now=last_second).ok
        after = dt.datetime(2028, 3, 1, tzinfo=dt.UTC)
        result = signing.verify_token(token, keys=signing.jwks(session), now=after)
        assert (result.ok, result.reason) == (False, "expired")
        assert "2028-02-29" in result.message and result.claims["sub"] == made.number

    def test_wrong_product(self, session: Session) -> None:
        made, token = issue(session)
        result = offline(session, token, expected_product="PV-MODULE-9")
        assert (result.ok, result.reason) == (False, "wrong-product")
        assert "PV-MODULE-9" in result.message and made.product_code in result.message

    @pytest.mark.parametrize("which", ["code", "zh", "en"])
    def test_the_right_product_by_code_or_name(self, session: Session, which: str) -> None:
        made, token = issue(session)
        presented = {
            "code": f"  {made.product_code.lower()} ",
            "zh": made.product_name_zh,
            "en": made.product_name_en.upper(),
        }[which]
        assert offline(session, token, expected_product=presented).ok

    def _signed(self, session: Session, header: dict, payload: bytes) -> str:
        """A token with an arbitrary header and payload, signed with the platform's key."""
        signing.ensure_signing_key(session)
        key = session.scalars(select(SigningKey).where(SigningKey.active.is_(True))).one()
        private = Ed25519PrivateKey.from_private_bytes(key.private_key)
        header = {**header, "kid": header.get("kid", key.kid)}
        head = b64(json.dumps(header).encode())
        body = b64(payload)
        signature = private.sign(f"{head}.{body}".encode())
        return f"{head}.{body}.{b64(signature)}"

    @pytest.mark.parametrize(
        ("token", "detail"),
        [
            ("", "empty"),
            ("abc.def", "three parts"),
            ("a.b.c.d", "three parts"),
            ("!!!.abc.def", "base64url"),
            ("eyJhb.abc.def", "impossible base64url length"),
            (b64(b"not json") + ".e30.AA", "header is not JSON"),
            (b64(b"[1]") + ".e30.AA", "not a JSON object"),
            ("x" * 5000, "too long"),
        ],
    )
    def test_malformed(self, session: Session, token: str, detail: str) -> None:
        result = offline(session, token)
        assert (result.ok, result.reason) == (False, "malformed")
        assert detail in result.message

    @pytest.mark.parametrize(
        ("header", "detail"),
        [
            ({"alg": "none", "typ": "JWT"}, "not EdDSA"),
            ({"alg": "HS256", "typ": "JWT"}, "not EdDSA"),
            ({"alg": "EdDSA", "typ": "JOSE+JSON"}, "not JWT"),
            ({"alg": "EdDSA", "typ": "JWT", "crit": ["exp"]}, "crit"),
            ({"alg": "EdDSA", "typ": "JWT", "kid": ""}, "kid"),
        ],
    )
    def test_malformed_headers(self, session: Session, header: dict, detail: str) -> None:
        token = self._signed(session, header, b'{"sub":"x"}')
        result = offline(session, token)
        assert result.reason == "malformed" and detail in result.message

    @pytest.mark.parametrize(
        ("payload", "detail"),
        [
            (b"not json", "payload is not JSON"),
            (b'{"sub":"a","sub":"b"}', "repeated"),
            (b'{"iss":"x","sub":"y","jti":"z","iat":1,"exp":"soon","lbl":{}}', "exp"),
            (b'{"iss":"x","sub":"y","jti":"z","iat":1,"exp":2}', "lbl"),
        ],
    )
    def test_malformed_payloads_even_when_signed(
        self, session: Session, payload: bytes, detail: str
    ) -> None:
        token = self._signed(session, {"alg": "EdDSA", "typ": "JWT"}, payload)
        result = offline(session, token)
        assert result.reason == "malformed" and detail in result.message

    def test_non_canonical_base64_is_malformed(self, session: Session) -> None:
        _made, token = issue(session)
        header, claims, signature = token.split(".")
        # the last character of an 86-character signature carries 2 bits and 4 unused ones
        alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
        last = alphabet.index(signature[-1])
        twin = alphabet[last ^ 0b0001]
        assert unb64(signature[:-1] + twin) == unb64(signature)  # same bytes when lax
        result = offline(session, f"{header}.{claims}.{signature[:-1]}{twin}")
        assert result.reason == "malformed"


class TestOnline:
    def online(self, session: Session, token: str, **kwargs) -> signing.Verification:
        return signing.verify_online(session, token, now=NOW, **kwargs)

    def checks(self, session: Session) -> list[LabelCheck]:
        return list(session.scalars(select(LabelCheck).order_by(LabelCheck.created_at)))

    def test_valid_and_recorded(self, session: Session) -> None:
        made, token = issue(session)
        result = self.online(session, token, channel="api")
        assert (result.ok, result.reason, result.checked_online) == (True, "valid", True)
        assert result.registry_status == "valid"
        [check] = [c for c in self.checks(session) if c.certificate_number == made.number]
        assert (check.outcome, check.token_id, check.channel) == (
            "valid",
            made.label_token_id,
            "api",
        )

    @pytest.mark.parametrize(
        ("status", "word"),
        [(CertificateStatus.SUSPENDED, "suspended"), (CertificateStatus.WITHDRAWN, "withdrawn")],
    )
    def test_revoked(self, session: Session, status: str, word: str) -> None:
        made, token = issue(session)
        assert offline(session, token).ok  # the signature alone cannot know
        made.status, made.status_reason = status, "surveillance found unreported fuel use"
        session.flush()
        result = self.online(session, token)
        assert (result.ok, result.reason, result.registry_status) == (False, "revoked", status)
        assert word in result.message and "unreported fuel use" in result.message
        assert self.checks(session)[-1].outcome == "revoked"

    def test_expired_in_the_registry_even_if_the_token_is_not(self, session: Session) -> None:
        made, token = issue(session)
        made.status = CertificateStatus.EXPIRED
        session.flush()
        result = self.online(session, token)
        assert (result.ok, result.reason, result.registry_status) == (False, "expired", "expired")

    def test_expired_token(self, session: Session) -> None:
        _made, token = issue(session)
        later = dt.datetime(2028, 6, 1, tzinfo=dt.UTC)
        result = signing.verify_online(session, token, now=later)
        assert (result.reason, result.registry_status) == ("expired", "expired")

    def test_replayed_after_the_label_was_reissued(self, session: Session) -> None:
        made, old = issue(session)
        current = signing.issue_label_token(session, certificate=made, issuer=ISSUER, now=NOW)
        assert offline(session, old).ok  # still a genuine signature …
        result = self.online(session, old)
        assert (result.ok, result.reason) == (False, "superseded")  # … of an old label
        assert made.number in result.message
        assert self.checks(session)[-1].token_id == parts(old)[1]["jti"]
        assert self.online(session, current).ok

    def test_wrong_product_is_recorded_with_what_it_was_presented_for(
        self, session: Session
    ) -> None:
        made, token = issue(session)
        result = self.online(session, token, expected_product="Aluminium ingot")
        assert result.reason == "wrong-product" and result.registry_status == "valid"
        check = self.checks(session)[-1]
        assert (check.outcome, check.presented_for, check.certificate_number) == (
            "wrong-product",
            "Aluminium ingot",
            made.number,
        )

    def test_not_registered(self, session: Session) -> None:
        made, token = issue(session)
        number = made.number
        session.delete(made)
        session.flush()
        result = self.online(session, token)
        assert (result.ok, result.reason) == (False, "not-registered")
        assert number in result.message

    def test_a_forgery_is_recorded_without_trusting_its_claims(self, session: Session) -> None:
        _made, token = issue(session)
        header, claims, _signature = parts(token)
        forged = signing.sign_claims(
            claims, kid=header["kid"], private_key=Ed25519PrivateKey.generate()
        )
        result = self.online(session, forged, expected_product="x" * 500)
        assert (result.reason, result.checked_online) == ("bad-signature", False)
        check = self.checks(session)[-1]
        assert (check.outcome, check.certificate_number, check.token_id) == (
            "bad-signature",
            "",
            "",
        )
        assert len(check.presented_for) == 200


# --- any single-byte change is refused ------------------------------------------------------

_KEY = Ed25519PrivateKey.generate()
_KID = "property-key"
_KEYS = {
    "keys": [
        signing.public_jwk(
            _KEY.public_key().public_bytes(
                serialization.Encoding.Raw, serialization.PublicFormat.Raw
            ),
            _KID,
        )
    ]
}
_TOKEN = signing.sign_claims(
    {
        "iss": ISSUER,
        "sub": "CTL-2026-PROPERTY",
        "jti": "abcdefghijklmnop",
        "iat": int(NOW.timestamp()),
        "exp": int(NOW.timestamp()) + 86400,
        "lbl": {"p": "PO425", "zh": "水泥", "v": "650.3", "u": "1 t", "cat": "cement"},
    },
    kid=_KID,
    private_key=_KEY,
)


def test_the_property_token_is_valid() -> None:
    assert signing.verify_token(_TOKEN, keys=_KEYS, now=NOW).ok


@settings(max_examples=300, deadline=None)
@given(position=st.integers(0, len(_TOKEN) - 1), byte=st.integers(0, 255))
def test_any_single_byte_change_is_refused(position: int, byte: int) -> None:
    raw = bytearray(_TOKEN.encode("ascii"))
    if raw[position] == byte:
        byte = (byte + 1) % 256
    raw[position] = byte
    result = signing.verify_token(raw.decode("latin-1"), keys=_KEYS, now=NOW)
    assert not result.ok
    assert result.reason in {"malformed", "bad-signature", "unknown-key"}
