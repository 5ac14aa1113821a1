"""Demo data for a first look at the platform: accounts, then products and studies."""

from __future__ import annotations

from sqlalchemy.orm import Session

from tanji.accounts.demo import seed_demo_accounts


def seed_demo_data(session: Session) -> None:
    seed_demo_accounts(session)
