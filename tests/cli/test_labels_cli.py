"""``tanji label verify`` (tokens, URLs, SVG and PNG labels; offline and online) and the
key commands ``tanji label keys``, ``rotate-key`` and ``jwks``."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from PIL import Image
from typer.testing import CliRunner, Result

from tanji.cli import labels as cli_labels
from tanji.cli.app import create_app
from tanji.cli.database import database_session
from tanji.labels import render, signing
from tanji.labels.models import Certificate
from tanji.settings import Settings

UNREACHABLE = "http://127.0.0.1:9"  # the discard port: the connection is refused at once
KEY = Ed25519PrivateKey.generate()
KID = "cli-test-key"
NUMBER = "CTL-2026-CLI0001"


def run(*args: str | Path) -> Result:
    return CliRunner(env={"COLUMNS": "200"}).invoke(create_app(), [str(a) for a in args])


def make_token(*, days: int = 30, issuer: str = UNREACHABLE, key=KEY, kid: str = KID) -> str:
    now = dt.datetime.now(dt.UTC)
    claims = {
        "iss": issuer,
        "sub": NUMBER,
        "jti": "cli-label-0000001",
        "iat": int(now.timestamp()) - 86400 * 400,
        "exp": int(now.timestamp()) + 86400 * days,
        "lbl": {"p": "PO425", "zh": "普通硅酸盐水泥", "en": "Portland cement", "v": "650.3",
                "u": "1 t", "cat": "cement", "rv": "1.0", "g": "2", "cb": "demo-certifier",
                "k": "footprint-value"},
    }  # fmt: skip
    return signing.sign_claims(claims, kid=kid, private_key=key)


@pytest.fixture
def jwks_file(tmp_path: Path) -> Path:
    public = KEY.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    path = tmp_path / "jwks.json"
    path.write_text(json.dumps({"keys": [signing.public_jwk(public, KID)]}))
    return path


def certificate_of(token: str) -> Certificate:
    """A certificate object (never stored) for rendering the label of ``token``."""
    return Certificate(
        number=NUMBER,
        product_code="PO425",
        product_name_zh="普通硅酸盐水泥",
        product_name_en="Portland cement",
        value=650.3123,
        unit="1 t",
        grade="2",
        issued_on=dt.date(2026, 3, 1),
        expires_on=dt.date(2028, 2, 29),
        label_kind="footprint-value",
    )


class TestVerifyTokens:
    def test_a_genuine_token_offline(self, jwks_file: Path) -> None:
        result = run("label", "verify", make_token(), "--jwks", jwks_file, "--offline")
        assert result.exit_code == 0, result.output
        assert "VALID" in result.output and NUMBER in result.output
        assert "650.3 kg CO2e / 1 t" in result.output and "not checked" in result.output

    def test_the_url_of_the_qr_code(self, jwks_file: Path) -> None:
        url = f"{UNREACHABLE}/v/{make_token()}"
        assert run("label", "verify", url, "--jwks", jwks_file, "--offline").exit_code == 0

    def test_an_unreachable_registry_leaves_the_offline_verdict_with_a_note(
        self, jwks_file: Path
    ) -> None:
        result = run("label", "verify", make_token(), "--jwks", jwks_file)
        assert result.exit_code == 0, result.output
        assert "could not be reached" in result.output and "offline verdict only" in result.output

    def test_an_altered_token_exits_1_with_the_reason(self, jwks_file: Path) -> None:
        header, payload, signature = make_token().split(".")
        altered = f"{header}.{payload}.{signature[:10]}{'A' if signature[10] != 'A' else 'B'}"
        altered += signature[11:]
        result = run("label", "verify", altered, "--jwks", jwks_file, "--offline")
        assert result.exit_code == 1, result.output
        assert "NOT VALID (bad-signature)" in result.output and "forged or altered" in result.output

    def test_another_key_is_unknown(self, jwks_file: Path) -> None:
        forged = make_token(key=Ed25519PrivateKey.generate(), kid="elsewhere")
        result = run("label", "verify", forged, "--jwks", jwks_file, "--offline")
        assert result.exit_code == 1 and "unknown-key" in result.output

    def test_expired(self, jwks_file: Path) -> None:
        result = run("label", "verify", make_token(days=-3), "--jwks", jwks_file)
        assert result.exit_code == 1 and "NOT VALID (expired)" in result.output

    def test_wrong_product(self, jwks_file: Path) -> None:
        result = run(
            "label", "verify", make_token(), "--jwks", jwks_file, "--offline", "--product", "X9"
        )
        assert result.exit_code == 1 and "wrong-product" in result.output

    def test_garbage_is_malformed(self, jwks_file: Path) -> None:
        result = run("label", "verify", "hello", "--jwks", jwks_file)
        assert result.exit_code == 1 and "malformed" in result.output

    def test_without_keys_and_no_platform_to_ask_it_exits_2(self) -> None:
        result = run("label", "verify", make_token())
        assert result.exit_code == 2
        assert "--jwks" in result.stderr and "cannot be fetched" in result.stderr

    def test_an_unreadable_key_set_exits_2(self, tmp_path: Path) -> None:
        bad = tmp_path / "keys.json"
        bad.write_text("[]")
        result = run("label", "verify", make_token(), "--jwks", bad)
        assert result.exit_code == 2 and "not a JWK Set" in result.stderr


class TestVerifyOnline:
    def answer(self, monkeypatch, reply: dict[str, Any]) -> list[str]:
        asked: list[str] = []

        def fake(url: str, body: dict[str, Any] | None = None) -> Any:
            asked.append(url)
            return reply

        monkeypatch.setattr(cli_labels, "http_json", fake)
        return asked

    def test_the_registry_status_is_asked_and_shown(self, monkeypatch, jwks_file: Path) -> None:
        token = make_token()
        claims = signing.decode_unverified(token)[1]
        asked = self.answer(
            monkeypatch,
            {"ok": True, "reason": "valid", "message": "Registered and valid.", "claims": claims,
             "checked_online": True, "registry_status": "valid"},
        )  # fmt: skip
        result = run("label", "verify", token, "--jwks", jwks_file, "--online", "https://p.cn/")
        assert result.exit_code == 0, result.output
        assert asked == ["https://p.cn/api/v1/labels/verify"]
        assert (
            "Registered and valid." in result.output and "Registry status: valid" in result.output
        )

    def test_a_revoked_certificate_exits_1(self, monkeypatch, jwks_file: Path) -> None:
        self.answer(
            monkeypatch,
            {"ok": False, "reason": "revoked", "message": "Certificate withdrawn (fraud).",
             "claims": {}, "checked_online": True, "registry_status": "withdrawn"},
        )  # fmt: skip
        result = run("label", "verify", make_token(), "--jwks", jwks_file)
        assert result.exit_code == 1
        assert "NOT VALID (revoked)" in result.output and "fraud" in result.output

    def test_a_forged_token_is_not_rescued_by_a_registry(
        self, monkeypatch, jwks_file: Path
    ) -> None:
        asked = self.answer(monkeypatch, {"ok": True, "reason": "valid", "message": "ok"})
        forged = make_token(key=Ed25519PrivateKey.generate())
        result = run("label", "verify", forged, "--jwks", jwks_file)
        assert result.exit_code == 1 and "bad-signature" in result.output and asked == []

    def test_keys_are_fetched_from_the_platform_with_a_warning(self, monkeypatch) -> None:
        public = KEY.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        jwks = {"keys": [signing.public_jwk(public, KID)]}
        asked = self.answer(monkeypatch, jwks)
        result = run("label", "verify", make_token(), "--offline")
        assert result.exit_code == 0, result.output
        assert asked == [f"{UNREACHABLE}/.well-known/jwks.json"]
        assert "Make sure it is the platform you trust" in result.output


class TestVerifyImages:
    def test_an_svg_label(self, tmp_path: Path, jwks_file: Path) -> None:
        token = make_token()
        svg = tmp_path / "label.svg"
        svg.write_text(
            render.label_svg(certificate_of(token), token, base_url=UNREACHABLE, language="en")
        )
        result = run("label", "verify", svg, "--jwks", jwks_file, "--offline")
        assert result.exit_code == 0, result.output
        assert "the file label.svg" in result.output

    def png(self, tmp_path: Path, *, text_chunk: bool = True) -> Path:
        token = make_token()
        data = render.label_png(
            certificate_of(token), token, base_url=UNREACHABLE, language="zh_CN"
        )
        if not text_chunk:
            with Image.open(io.BytesIO(data)) as image:
                out = io.BytesIO()
                image.save(out, format="PNG")  # no pnginfo: the tEXt chunk is gone
                data = out.getvalue()
            assert b"tanji-token" not in data
        path = tmp_path / "label.png"
        path.write_bytes(data)
        return path

    def test_a_png_label_by_its_qr_code(self, tmp_path: Path, jwks_file: Path) -> None:
        pytest.importorskip("zxingcpp")
        result = run("label", "verify", self.png(tmp_path, text_chunk=False), "--jwks", jwks_file,
                     "--offline")  # fmt: skip
        assert result.exit_code == 0, result.output
        assert "the QR code of label.png" in result.output

    def test_a_png_label_by_its_text_chunk_without_zxing(
        self, tmp_path: Path, jwks_file: Path, monkeypatch
    ) -> None:
        monkeypatch.setattr(cli_labels, "decode_qr", lambda data: None)
        result = run("label", "verify", self.png(tmp_path), "--jwks", jwks_file, "--offline")
        assert result.exit_code == 0, result.output
        assert "the file label.png" in result.output

    def test_a_missing_file_exits_2(self, jwks_file: Path) -> None:
        result = run("label", "verify", "no-such-label.svg", "--jwks", jwks_file)
        assert result.exit_code == 2 and "No such file" in result.stderr

    def test_an_image_without_a_token_exits_2(self, tmp_path: Path, jwks_file: Path) -> None:
        plain = tmp_path / "photo.svg"
        plain.write_text('<svg xmlns="http://www.w3.org/2000/svg"/>')
        result = run("label", "verify", plain, "--jwks", jwks_file)
        assert result.exit_code == 2 and "carries no label token" in result.stderr


class TestKeys:
    def test_list_rotate_and_publish(self, tmp_path: Path) -> None:
        listed = run("label", "keys")
        assert listed.exit_code == 0, listed.output
        before = json.loads(run("label", "jwks").output)["keys"]
        rotated = run("label", "rotate-key")
        assert rotated.exit_code == 0, rotated.output
        kid = rotated.output.split()[3].rstrip(":")
        after = json.loads(run("label", "jwks").output)["keys"]
        assert after[0]["kid"] == kid and {k["kid"] for k in before} < {k["kid"] for k in after}
        table = run("label", "keys").output
        assert kid in table and "active" in table and "retired, still published" in table

    def test_a_label_of_the_local_platform_verifies_with_its_published_keys(
        self, tmp_path: Path
    ) -> None:
        from tests.labels.certificates import certificate

        with database_session(Settings()) as session:
            made = certificate(session)
            token = signing.issue_label_token(session, certificate=made, issuer=UNREACHABLE)
        keys = tmp_path / "jwks.json"
        keys.write_text(run("label", "jwks").output)
        result = run("label", "verify", token, "--jwks", keys, "--offline")
        assert result.exit_code == 0, result.output
        assert made.number in result.output


class TestExpire:
    def test_expire_reports_when_nothing_is_due(self, tmp_path):
        from typer.testing import CliRunner

        from tanji.cli.app import create_app
        from tanji.settings import Settings

        result = CliRunner().invoke(
            create_app(Settings(data_dir=tmp_path)), ["--lang", "en", "label", "expire"]
        )
        assert result.exit_code == 0, result.output
        assert "No certificate is past its expiry date." in result.output
