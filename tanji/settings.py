"""Configuration from ``TANJI_*`` environment variables, with embedded defaults.

Only the faces (command line, web) read settings; everything below them takes plain
arguments. The embedded default is an SQLite file in the data directory.
"""

from __future__ import annotations

from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TANJI_", extra="ignore")

    lang: str = "zh_CN"  # interface language: zh_CN (default) or en
    data_dir: Path = Path("var")  # where the SQLite file and generated files live
    database_url: str | None = None  # e.g. postgresql+psycopg://user@host/tanji
    demo: bool = False  # seed the demo organisations, people and studies on start
    host: str = "127.0.0.1"  # where `tanji serve` listens
    port: int = 8000
    secure_cookies: bool = False  # set behind HTTPS so cookies carry the Secure flag
    base_url: str | None = None  # the public address labels name (iss, QR); else the request's
    label_key_file: Path | None = None  # PEM Ed25519 key for label signing, kept out of the DB
    pact_worker: bool = False  # send PACT events and fetch partner footprints (tanji serve: on)
    pact_ca_file: Path | None = None  # extra CA certificates (PEM) for partners' HTTPS
    pact_allow_http: bool = False  # let the worker call http://127.0.0.1 (tests only)

    @property
    def url(self) -> str:
        """The database URL: TANJI_DATABASE_URL, else ``<data_dir>/tanji.db`` (SQLite)."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'tanji.db').as_posix()}"
