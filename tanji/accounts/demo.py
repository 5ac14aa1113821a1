"""Demo organisations, people and API clients from ``tanji/data/demo/accounts.yaml``.

Loaded idempotently: an organisation or user that exists already is left as it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib.resources import files
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from tanji.accounts import service
from tanji.accounts.models import ApiClient, Organisation, User


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str
    organisation: str
    role: str


def demo_data() -> dict[str, Any]:
    return yaml.safe_load((files("tanji") / "data" / "demo" / "accounts.yaml").read_text("utf-8"))


def demo_logins() -> list[DemoLogin]:
    """The demo people, for the start-up banner and the README."""
    data = demo_data()
    return [
        DemoLogin(user["username"], data["password"], org["name_zh"], user["role"])
        for org in data["organisations"]
        for user in org.get("users", ())
    ]


def seed_demo_accounts(session: Session) -> int:
    """Create the demo organisations, users, clients and supplier links; returns new users."""
    data = demo_data()
    created = 0
    by_slug: dict[str, Organisation] = {}
    for org in data["organisations"]:
        organisation = session.scalar(select(Organisation).where(Organisation.slug == org["slug"]))
        if organisation is None:
            organisation = service.create_organisation(
                session,
                slug=org["slug"],
                kind=org["kind"],
                name_zh=org["name_zh"],
                name_en=org.get("name_en", ""),
                city=org.get("city", ""),
                credit_code=org.get("credit_code", ""),
            )
        by_slug[org["slug"]] = organisation
        for user in org.get("users", ()):
            if session.scalar(select(User.id).where(User.username == user["username"])):
                continue
            service.create_user(
                session,
                organisation=organisation,
                username=user["username"],
                password=data["password"],
                role=user["role"],
                display_name=user.get("name", ""),
            )
            created += 1
        for client in org.get("clients", ()):
            if session.scalar(
                select(ApiClient.id).where(ApiClient.client_id == client["client_id"])
            ):
                continue
            service.create_api_client_for(
                session,
                organisation=organisation,
                name=client["name"],
                role=client["role"],
                client_id=client["client_id"],
                secret=client["secret"],
            )
    for link in data.get("suppliers", ()):
        service.link_supplier(
            session, customer=by_slug[link["customer"]], supplier=by_slug[link["supplier"]]
        )
    return created
