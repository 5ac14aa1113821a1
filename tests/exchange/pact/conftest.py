"""A small supply chain for the exchange tests: demo-cement supplies demo-aluminium, a
third enterprise knows neither, and demo-certifier verifies (both databases)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import pytest
import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from tanji import demo
from tanji.accounts import service as accounts
from tanji.accounts.demo import seed_demo_accounts
from tanji.accounts.models import Organisation
from tanji.accounts.policy import Actor
from tanji.factors.seed import seed_factors
from tanji.footprints import studies
from tanji.footprints.models import Study

USED_TONNES = 3.0  # tonnes of the supplier's product in one piece of the customer's


@dataclass
class Chain:
    cement: Actor  # the supplier
    aluminium: Actor  # its customer
    third: Actor  # an enterprise that is neither
    verifier: Actor  # demo-certifier's verifier
    viewer: Actor  # a viewer at the supplier

    def calculation_id(self, session: Session, code: str = "PO-42.5") -> uuid.UUID:
        actor = self.cement if code == "PO-42.5" else self.aluminium
        study = demo._latest_study(session, actor, code)
        assert study is not None
        calculation = demo._latest_calculation(session, study)
        assert calculation is not None
        return calculation.id


def _actor(organisation: Organisation, kind: str, role: str, name: str) -> Actor:
    return Actor(organisation_id=organisation.id, organisation_kind=kind, role=role, name=name)


@pytest.fixture
def chain(session: Session) -> Chain:
    seed_factors(session)
    seed_demo_accounts(session)
    demo.seed_demo_studies(session)
    third = accounts.create_organisation(
        session, slug="chain-third", kind="enterprise", name_zh="第三方企业"
    )
    cement = demo._manager(session, "demo-cement")
    aluminium = demo._manager(session, "demo-aluminium")
    assert cement is not None and aluminium is not None
    certifier = session.scalar(select(Organisation).where(Organisation.slug == "demo-certifier"))
    cement_org = session.get_one(Organisation, cement.organisation_id)
    return Chain(
        cement=cement,
        aluminium=aluminium,
        third=_actor(third, "enterprise", "manager", "third@chain"),
        verifier=_actor(certifier, "certifier", "verifier", "verifier@chain"),
        viewer=_actor(cement_org, "enterprise", "viewer", "viewer@cement"),
    )


def customer_model(factor: str, tonnes: float = USED_TONNES) -> str:
    """A customer's product made of the supplier's cement and nothing else."""
    return yaml.safe_dump(
        {
            "format": "tanji-model/1",
            "product": {
                "id": "precast-block",
                "name": {"zh": "预制块", "en": "Precast block"},
                "unit": {"amount": 1, "unit": "piece"},
                "geography": "CN",
                "period": {"start": "2025-01-01", "end": "2025-12-31"},
            },
            "processes": [
                {
                    "id": "casting",
                    "name": {"en": "Casting"},
                    "outputs": [{"id": "precast-block", "amount": 1, "unit": "piece"}],
                    "inputs": [{"id": "cement", "amount": tonnes, "unit": "t", "factor": factor}],
                }
            ],
        },
        allow_unicode=True,
        sort_keys=False,
    )


def customer_study(session: Session, actor: Actor, factor: str) -> Study:
    product = studies.create_product(
        session, actor=actor, code="BLOCK-1", name_zh="预制块", category="cement"
    )
    return studies.create_study_from_upload(
        session,
        actor=actor,
        product_id=product.id,
        filename="block.yaml",
        content=customer_model(factor).encode("utf-8"),
    )
