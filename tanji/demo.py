"""Demo data for a first look at the platform: accounts, then products and studies.

Loaded idempotently through the same services the platform uses, acting as each demo
enterprise's carbon manager: a product that exists already (by its code) is left as it is.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from tanji.accounts import service as accounts
from tanji.accounts.demo import seed_demo_accounts
from tanji.accounts.models import Organisation, User
from tanji.accounts.policy import Actor, Role
from tanji.core.i18n import _
from tanji.footprints import studies
from tanji.footprints.models import Product

DEMO_ITERATIONS = 1000


@dataclass(frozen=True)
class DemoProduct:
    organisation: str
    code: str
    name_zh: str
    name_en: str
    category: str
    example: str  # file in examples/


CEMENT = DemoProduct(
    "demo-cement",
    "PO-42.5",
    "普通硅酸盐水泥 P·O 42.5",
    "Ordinary Portland cement P.O 42.5",
    "cement",
    "portland-cement.yaml",
)
ALUMINIUM = DemoProduct(
    "demo-aluminium",
    "AL-LIQUID",
    "电解铝液",
    "Primary aluminium (molten)",
    "electrolytic-aluminium",
    "primary-aluminium.yaml",
)


def examples_dir() -> Path:
    """The example models: the checkout's ``examples/``, else the packaged copies."""
    checkout = Path(__file__).resolve().parents[1] / "examples"
    if checkout.is_dir():
        return checkout
    return Path(str(files("tanji") / "data" / "examples"))


def _manager(session: Session, slug: str) -> Actor | None:
    organisation = session.scalar(select(Organisation).where(Organisation.slug == slug))
    if organisation is None:
        return None
    user = session.scalar(
        select(User)
        .where(User.organisation_id == organisation.id, User.role == Role.MANAGER)
        .order_by(User.username)
    )
    return accounts.actor_for_user(session, user) if user is not None else None


def _seed_product(session: Session, demo: DemoProduct) -> tuple[Actor, uuid.UUID] | None:
    actor = _manager(session, demo.organisation)
    if actor is None:
        return None
    exists = session.scalar(
        select(Product.id).where(
            Product.organisation_id == actor.organisation_id, Product.code == demo.code
        )
    )
    if exists:
        return None
    product = studies.create_product(
        session,
        actor=actor,
        code=demo.code,
        name_zh=demo.name_zh,
        name_en=demo.name_en,
        category=demo.category,
    )
    path = examples_dir() / demo.example
    study = studies.create_study_from_upload(
        session,
        actor=actor,
        product_id=product.id,
        filename=path.name,
        content=path.read_bytes(),
    )
    studies.calculate(session, actor=actor, study_id=study.id, iterations=DEMO_ITERATIONS)
    return actor, study.id


def _lower_clinker(model: dict) -> dict:
    """The cement model with 0.75 t instead of 0.80 t of clinker per t of cement."""
    for process in model["processes"]:
        for item in process.get("inputs", ()):
            if item.get("id") == "clinker":
                item["amount"] = 0.75
                if item.get("uncertainty", {}).get("distribution") == "uniform":
                    item["uncertainty"] = {"distribution": "uniform", "min": 0.73, "max": 0.77}
    return model


def seed_demo_studies(session: Session) -> int:
    """The demo products and their calculated studies; returns how many were created."""
    created = 0
    cement = _seed_product(session, CEMENT)
    if cement is not None:
        actor, study_id = cement
        first = studies.get_version(session, actor=actor, study_id=study_id, number=1)
        studies.save_version(
            session,
            actor=actor,
            study_id=study_id,
            model=_lower_clinker(studies.model_of(first)),
            note=_("Lower clinker ratio"),
        )
        studies.calculate(session, actor=actor, study_id=study_id, iterations=DEMO_ITERATIONS)
        created += 1
    if _seed_product(session, ALUMINIUM) is not None:
        created += 1
    return created


def seed_demo_data(session: Session) -> None:
    seed_demo_accounts(session)
    seed_demo_studies(session)
