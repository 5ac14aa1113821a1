"""tanji.exchange.pact.service: publishing, superseding, visibility (both databases)."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy.orm import Session

from tanji import demo
from tanji.accounts import service as accounts
from tanji.accounts.demo import seed_demo_accounts
from tanji.accounts.policy import Actor
from tanji.core.errors import InvalidInput, NotFound
from tanji.exchange.pact import service as pact
from tanji.exchange.pact.models import FootprintStatus
from tanji.exchange.pact.validation import validate_v2, validate_v3
from tanji.factors.seed import seed_factors


@pytest.fixture
def world(session: Session) -> dict[str, Actor]:
    seed_factors(session)
    seed_demo_accounts(session)
    demo.seed_demo_studies(session)
    third = accounts.create_organisation(
        session, slug="svc-third", kind="enterprise", name_zh="第三方"
    )
    client = accounts.create_api_client_for(
        session, organisation=third, name="t", role="viewer", client_id="svc-t", secret="s"
    )
    token, _lifetime = accounts.issue_token(session, client_id=client.client_id, secret="s")
    return {
        "cement": demo._manager(session, "demo-cement"),
        "aluminium": demo._manager(session, "demo-aluminium"),
        "third": accounts.actor_for_token(session, token),
    }


def _calculation_id(session: Session, actor: Actor, code: str) -> uuid.UUID:
    study = demo._latest_study(session, actor, code)
    return demo._latest_calculation(session, study).id


def test_publish_share_and_see(session: Session, world: dict[str, Actor]) -> None:
    cement, aluminium, third = world["cement"], world["aluminium"], world["third"]
    shared = pact.publish(
        session,
        actor=cement,
        calculation_id=_calculation_id(session, cement, "PO-42.5"),
        visibility="partners",
        partner_slugs=["demo-aluminium"],
    )
    public = pact.publish(
        session,
        actor=aluminium,
        calculation_id=_calculation_id(session, aluminium, "AL-LIQUID"),
        visibility="public",
        partner_slugs=[],
    )
    doc = pact.document_of(shared)
    assert validate_v3(doc) == [] and validate_v2(pact.v2_document_of(session, shared)) == []
    assert doc["companyIds"] == ["urn:pact:company:customcode:vendor-assigned:demo-cement"]
    assert doc["productIds"] == ["urn:pact:tanji:product-id:PO-42.5"]
    seen = {
        name: {row.id for row in pact.list_for(session, actor=actor)[0]}
        for name, actor in world.items()
    }
    assert seen["cement"] == {shared.id, public.id}
    assert seen["aluminium"] == {shared.id, public.id}
    assert seen["third"] == {public.id}
    with pytest.raises(NotFound):
        pact.get_for(session, actor=third, footprint_id=shared.id)
    assert pact.get_for(session, actor=aluminium, footprint_id=shared.id).id == shared.id
    page, more = pact.list_for(session, actor=cement, limit=1)
    assert len(page) == 1 and more


def test_publishing_again_supersedes(session: Session, world: dict[str, Actor]) -> None:
    cement = world["cement"]
    calculation_id = _calculation_id(session, cement, "PO-42.5")
    first = pact.publish(session, actor=cement, calculation_id=calculation_id, visibility="public")
    second = pact.publish(session, actor=cement, calculation_id=calculation_id, visibility="public")
    assert first.status == FootprintStatus.DEPRECATED
    assert pact.document_of(first)["status"] == "Deprecated"
    assert pact.document_of(second)["precedingPfIds"] == [str(first.id)]
    active = pact.Filters({"status": ["active"]})
    assert [r.id for r in pact.list_for(session, actor=cement, filters=active)[0]] == [second.id]


def test_only_ones_own_calculation_and_known_partners(
    session: Session, world: dict[str, Actor]
) -> None:
    cement, aluminium = world["cement"], world["aluminium"]
    theirs = _calculation_id(session, cement, "PO-42.5")
    with pytest.raises(NotFound):
        pact.publish(session, actor=aluminium, calculation_id=theirs, visibility="public")
    with pytest.raises(InvalidInput):
        pact.publish(
            session,
            actor=cement,
            calculation_id=theirs,
            visibility="partners",
            partner_slugs=["no-such-org"],
        )
    with pytest.raises(InvalidInput):
        pact.publish(session, actor=cement, calculation_id=theirs, visibility="everyone")
