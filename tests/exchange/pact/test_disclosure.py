"""Disclosure levels, their history, withdrawal and the public view (both databases)."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from tanji.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from tanji.exchange.pact import disclosure
from tanji.exchange.pact import service as pact
from tanji.exchange.pact.models import FootprintStatus, Visibility
from tanji.footprints import studies
from tanji.footprints.models import Calculation

from .conftest import Chain


def _seen_by(session: Session, chain: Chain) -> dict[str, bool]:
    """Who can read the cement footprints through the PACT API, by actor name."""
    return {
        name: bool(pact.list_for(session, actor=getattr(chain, name))[0])
        for name in ("cement", "aluminium", "third")
    }


class TestLevels:
    def test_a_first_publication_without_partners_is_private(
        self, session: Session, chain: Chain
    ) -> None:
        footprint = pact.publish(
            session, actor=chain.cement, calculation_id=chain.calculation_id(session)
        )
        assert footprint.visibility == Visibility.PRIVATE
        assert _seen_by(session, chain) == {"cement": True, "aluminium": False, "third": False}

    def test_partners_then_private_then_public(self, session: Session, chain: Chain) -> None:
        footprint = pact.publish(
            session,
            actor=chain.cement,
            calculation_id=chain.calculation_id(session),
            partner_slugs=["demo-aluminium"],
        )
        assert footprint.visibility == Visibility.PARTNERS
        assert _seen_by(session, chain) == {"cement": True, "aluminium": True, "third": False}
        disclosure.change(
            session, actor=chain.cement, footprint_id=footprint.id, visibility="private"
        )
        # The share is kept, but a private footprint reaches nobody.
        assert [p.slug for p in disclosure.partners_of(session, footprint)] == ["demo-aluminium"]
        assert _seen_by(session, chain) == {"cement": True, "aluminium": False, "third": False}
        disclosure.change(
            session, actor=chain.cement, footprint_id=footprint.id, visibility="public"
        )
        assert _seen_by(session, chain) == {"cement": True, "aluminium": True, "third": True}
        actions = [e.action for e in disclosure.history(session, footprint)]
        assert actions == ["published", "shared", "level", "level"]

    def test_partners_are_replaced_as_a_list(self, session: Session, chain: Chain) -> None:
        footprint = pact.publish(
            session,
            actor=chain.cement,
            calculation_id=chain.calculation_id(session),
            partner_slugs=["demo-aluminium"],
        )
        disclosure.change(
            session, actor=chain.cement, footprint_id=footprint.id, partner_slugs=["chain-third"]
        )
        assert _seen_by(session, chain) == {"cement": True, "aluminium": False, "third": True}
        events = disclosure.history(session, footprint)
        assert [(e.action, e.after) for e in events[1:]] == [
            ("shared", "demo-aluminium"),
            ("shared", "chain-third"),
            ("unshared", "demo-aluminium"),
        ]
        assert not any(e.public for e in events)  # nothing here was ever public

    def test_bad_input_names_the_field(self, session: Session, chain: Chain) -> None:
        footprint = pact.publish(
            session, actor=chain.cement, calculation_id=chain.calculation_id(session)
        )
        for kwargs, field in (
            ({"visibility": "everyone"}, "visibility"),
            ({"partner_slugs": ["no-such-org"]}, "partner_slugs"),
            ({"verifier_slug": "demo-aluminium"}, "verifier_slug"),
        ):
            with pytest.raises(InvalidInput) as error:
                disclosure.change(session, actor=chain.cement, footprint_id=footprint.id, **kwargs)
            assert error.value.loc == (field,)

    def test_only_the_owner_with_the_right_changes_it(self, session: Session, chain: Chain) -> None:
        footprint = pact.publish(
            session,
            actor=chain.cement,
            calculation_id=chain.calculation_id(session),
            partner_slugs=["demo-aluminium"],
        )
        with pytest.raises(NotFound):  # a partner reads it, but it is not theirs
            disclosure.change(
                session, actor=chain.aluminium, footprint_id=footprint.id, visibility="public"
            )
        with pytest.raises(Forbidden):
            disclosure.change(
                session, actor=chain.viewer, footprint_id=footprint.id, visibility="public"
            )
        with pytest.raises(Forbidden):
            pact.publish(session, actor=chain.viewer, calculation_id=chain.calculation_id(session))


class TestSupersede:
    def test_an_update_reaches_the_same_audience(self, session: Session, chain: Chain) -> None:
        calculation_id = chain.calculation_id(session)
        first = pact.publish(
            session,
            actor=chain.cement,
            calculation_id=calculation_id,
            visibility="public",
            partner_slugs=["demo-aluminium"],
            verifier_slug="demo-certifier",
        )
        second = pact.publish(session, actor=chain.cement, calculation_id=calculation_id)
        assert first.status == FootprintStatus.DEPRECATED
        assert second.visibility == Visibility.PUBLIC
        assert second.verifier_id == first.verifier_id
        assert [p.slug for p in disclosure.partners_of(session, second)] == ["demo-aluminium"]
        assert [e.action for e in disclosure.history(session, first)] == [
            "published",
            "shared",
            "superseded",
        ]
        assert [e.public for e in disclosure.history(session, first)] == [True, False, True]


class TestVerifier:
    def test_the_named_verifier_reads_the_full_study_until_withdrawal(
        self, session: Session, chain: Chain
    ) -> None:
        calculation = session.get_one(Calculation, chain.calculation_id(session))
        with pytest.raises(NotFound):
            studies.get_study(session, actor=chain.verifier, study_id=calculation.study_id)
        footprint = pact.publish(
            session,
            actor=chain.cement,
            calculation_id=calculation.id,
            verifier_slug="demo-certifier",
        )
        study = studies.get_study(session, actor=chain.verifier, study_id=calculation.study_id)
        assert studies.get_version(session, actor=chain.verifier, study_id=study.id).model
        with pytest.raises(NotFound):  # the study, not the whole enterprise
            studies.get_study(
                session,
                actor=chain.verifier,
                study_id=chain_other_study(session, chain, calculation.study_id),
            )
        disclosure.withdraw(
            session, actor=chain.cement, footprint_id=footprint.id, reason="Superseded by audit"
        )
        with pytest.raises(NotFound):
            studies.get_study(session, actor=chain.verifier, study_id=calculation.study_id)


def chain_other_study(session: Session, chain: Chain, but: object) -> object:
    """Another study of the supplier's, never disclosed."""
    product = studies.create_product(
        session, actor=chain.cement, code="PC-32.5", name_zh="复合水泥", category="cement"
    )
    study = studies.create_study_from_template(
        session, actor=chain.cement, product_id=product.id, rule_id="cement"
    )
    assert study.id != but
    return study.id


class TestWithdrawal:
    def test_withdrawal_is_recorded_publicly_and_ends_access(
        self, session: Session, chain: Chain
    ) -> None:
        footprint = pact.publish(
            session,
            actor=chain.cement,
            calculation_id=chain.calculation_id(session),
            visibility="public",
        )
        page = disclosure.product_page(session, org_slug="demo-cement", product_code="PO-42.5")
        assert page.current is not None and page.current.footprint_id == footprint.id
        with pytest.raises(InvalidInput) as error:
            disclosure.withdraw(session, actor=chain.cement, footprint_id=footprint.id, reason=" ")
        assert error.value.loc == ("reason",)
        disclosure.withdraw(
            session, actor=chain.cement, footprint_id=footprint.id, reason="Data error found"
        )
        assert _seen_by(session, chain) == {"cement": True, "aluminium": False, "third": False}
        page = disclosure.product_page(session, org_slug="demo-cement", product_code="PO-42.5")
        assert page.current is None
        assert [e.action for e in page.events] == ["withdrawn", "published"]
        assert page.events[0].reason == "Data error found"
        assert page.earlier[0].withdrawn_reason == "Data error found"
        feed = disclosure.feed_items(session)
        assert [event.action for event, _summary in feed[:2]] == ["withdrawn", "published"]
        with pytest.raises(Conflict):
            disclosure.withdraw(session, actor=chain.cement, footprint_id=footprint.id, reason="x")
        with pytest.raises(Conflict):
            disclosure.change(
                session, actor=chain.cement, footprint_id=footprint.id, visibility="public"
            )


class TestPublicView:
    def test_the_summary_is_the_calculation(self, session: Session, chain: Chain) -> None:
        calculation = session.get_one(Calculation, chain.calculation_id(session))
        pact.publish(
            session, actor=chain.cement, calculation_id=calculation.id, visibility="public"
        )
        [summary] = [
            s for s in disclosure.public_list(session) if s.organisation_slug == "demo-cement"
        ]
        assert summary.value == calculation.total
        assert summary.declared_unit == calculation.unit
        assert summary.rule_id == calculation.rule_id and summary.grade == calculation.grade
        assert summary.boundary == "cradle-to-gate"
        as_json = summary.to_json()
        # No model, no inputs, no supplier in the public record.
        assert set(as_json) == {
            "id", "company", "product", "pcf", "boundary", "rule", "grade", "status",
            "referencePeriod", "geography", "published", "verification", "withdrawn",
        }  # fmt: skip
        assert disclosure.public_list(session, text="no such product") == []

    def test_a_never_public_product_is_not_found(self, session: Session, chain: Chain) -> None:
        pact.publish(
            session,
            actor=chain.cement,
            calculation_id=chain.calculation_id(session),
            partner_slugs=["demo-aluminium"],
        )
        with pytest.raises(NotFound):
            disclosure.product_page(session, org_slug="demo-cement", product_code="PO-42.5")
        with pytest.raises(NotFound):
            disclosure.product_page(session, org_slug="nobody", product_code="PO-42.5")
