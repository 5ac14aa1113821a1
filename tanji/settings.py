"""Configuration from ``TANJI_*`` environment variables, with embedded defaults.

Only the faces (command line, web) read settings; everything below them takes plain
arguments.
"""

from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TANJI_", extra="ignore")

    lang: str = "zh_CN"  # interface language: zh_CN (default) or en
