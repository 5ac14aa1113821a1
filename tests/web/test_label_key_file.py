"""TANJI_LABEL_KEY_FILE: labels are signed with a key kept outside the database."""

from __future__ import annotations

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi.testclient import TestClient
from sqlalchemy import select

from tanji.labels import signing
from tanji.labels.models import SigningKey
from tanji.settings import Settings
from tanji.web.app import create_app


def _write_key(path) -> str:
    private = Ed25519PrivateKey.generate()
    path.write_bytes(
        private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    raw = private.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    return signing.key_id(raw)


class TestKeyFile:
    def test_the_file_key_is_published_active_and_never_stored(self, tmp_path):
        kid = _write_key(tmp_path / "label.pem")
        settings = Settings(data_dir=tmp_path / "data", label_key_file=tmp_path / "label.pem")
        for _start in range(2):  # a restart with the same file changes nothing
            app = create_app(settings)
            with TestClient(app) as client:
                keys = client.get("/.well-known/jwks.json").json()["keys"]
            assert kid in [key["kid"] for key in keys]
            with app.state.sessions() as session:
                stored = session.scalar(select(SigningKey).where(SigningKey.kid == kid))
                assert stored is not None and stored.active and stored.private_key is None
                assert session.info[signing.KEY_FILE_INFO] == tmp_path / "label.pem"
            app.state.engine.dispose()
