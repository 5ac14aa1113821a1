"""Supplier footprints in a customer's models through the platform (both databases): the
round trip with the real engine, the library copy, uploads, and update flags."""

from __future__ import annotations

import copy
import json
import uuid

import pytest
from sqlalchemy.orm import Session

from tanji.core.errors import Conflict, InvalidInput, NotFound
from tanji.exchange.pact import disclosure, library, updates
from tanji.exchange.pact import service as pact
from tanji.exchange.pact.models import FootprintStatus, ReceivedOrigin
from tanji.footprints import studies
from tanji.footprints.models import Calculation

from .conftest import USED_TONNES, Chain, customer_study


def _supplier_total(session: Session, chain: Chain) -> float:
    return session.get_one(Calculation, chain.calculation_id(session)).total  # per tonne


class TestRoundTrip:
    def test_a_shared_footprint_in_a_customer_model(self, session: Session, chain: Chain) -> None:
        footprint = pact.publish(
            session,
            actor=chain.cement,
            calculation_id=chain.calculation_id(session),
            partner_slugs=["demo-aluminium"],
        )
        study = customer_study(session, chain.aluminium, f"pact:{footprint.id}")
        calculation = studies.calculate(
            session, actor=chain.aluminium, study_id=study.id, iterations=0
        )
        assert calculation.total == pytest.approx(
            USED_TONNES * _supplier_total(session, chain), rel=1e-9
        )
        result = studies.result_of(calculation)
        assert result["primary_data_share"] == 1.0
        # Saving the model kept a copy in the customer's library.
        [kept] = library.library_of(session, chain.aluminium.organisation_id)
        assert kept.footprint_id == footprint.id and kept.origin == ReceivedOrigin.PLATFORM
        # Withdrawn by the supplier, the footprint still calculates from the copy.
        disclosure.withdraw(
            session, actor=chain.cement, footprint_id=footprint.id, reason="Re-audit"
        )
        again = studies.calculate(session, actor=chain.aluminium, study_id=study.id, iterations=0)
        assert again.total == calculation.total

    def test_an_unshared_footprint_is_an_unknown_factor(
        self, session: Session, chain: Chain
    ) -> None:
        footprint = pact.publish(
            session, actor=chain.cement, calculation_id=chain.calculation_id(session)
        )
        with pytest.raises(InvalidInput) as error:
            customer_study(session, chain.aluminium, f"pact:{footprint.id}")
        assert error.value.loc[-1] == "factor"
        assert "library" in error.value.message

    def test_a_factor_id_that_is_not_a_pact_uuid_fails_validation(
        self, session: Session, chain: Chain
    ) -> None:
        with pytest.raises(InvalidInput) as error:
            customer_study(session, chain.aluminium, "pact:not-a-uuid")
        assert "factor" in str(error.value)


def _uploaded(session: Session, chain: Chain, doc: dict) -> list:
    return library.receive_file(
        session,
        organisation_id=chain.aluminium.organisation_id,
        content=json.dumps(doc).encode("utf-8"),
        received_by="tester",
    )


class TestUploadsAndUpdates:
    def _published_doc(self, session: Session, chain: Chain) -> dict:
        footprint = pact.publish(
            session, actor=chain.cement, calculation_id=chain.calculation_id(session)
        )
        return pact.document_of(footprint)

    def test_upload_replace_flag_and_apply(self, session: Session, chain: Chain) -> None:
        doc = self._published_doc(session, chain)
        [row] = _uploaded(session, chain, doc)
        assert row.origin == ReceivedOrigin.UPLOAD and row.total > 0
        assert _uploaded(session, chain, doc)[0].id == row.id  # the same footprint once
        study = customer_study(session, chain.aluminium, f"pact:{row.footprint_id}")
        before = studies.calculate(session, actor=chain.aluminium, study_id=study.id, iterations=0)

        newer = copy.deepcopy(doc)
        newer["id"] = str(uuid.uuid4())
        newer["precedingPfIds"] = [doc["id"]]
        pcf = newer["pcf"]
        for key in ("pcfExcludingBiogenicUptake", "pcfIncludingBiogenicUptake"):
            pcf[key] = str(round(float(pcf[key]) * 0.9, 6))
        pcf["fossilGhgEmissions"] = str(round(float(pcf["fossilGhgEmissions"]) * 0.9, 6))
        _uploaded(session, chain, newer)
        old = next(
            r
            for r in library.library_of(session, chain.aluminium.organisation_id)
            if r.footprint_id == row.footprint_id
        )
        assert old.status == FootprintStatus.DEPRECATED
        assert str(old.superseded_by) == newer["id"]
        [flag] = updates.open_flags(session, actor=chain.aluminium, study_id=study.id)
        with pytest.raises(NotFound):  # another organisation's flag does not exist for it
            updates.apply(session, actor=chain.cement, flag_id=flag.id)
        applied = updates.apply(session, actor=chain.aluminium, flag_id=flag.id)
        assert applied.previous_total == before.total
        assert applied.version.number == 2
        assert f"pact:{newer['id']}" in applied.version.model
        assert pcf["declaredUnitOfMeasurement"] == "kilogram"
        per_kg = float(pcf["pcfIncludingBiogenicUptake"]) / float(pcf["declaredUnitAmount"])
        assert applied.calculation.total == pytest.approx(USED_TONNES * 1000 * per_kg, rel=1e-9)
        assert applied.calculation.total == pytest.approx(0.9 * before.total, rel=1e-4)
        assert updates.open_flags(session, actor=chain.aluminium, study_id=study.id) == []
        with pytest.raises(Conflict):
            updates.apply(session, actor=chain.aluminium, flag_id=flag.id)

    def test_a_platform_update_flags_the_customer(self, session: Session, chain: Chain) -> None:
        calculation_id = chain.calculation_id(session)
        first = pact.publish(
            session,
            actor=chain.cement,
            calculation_id=calculation_id,
            partner_slugs=["demo-aluminium"],
        )
        study = customer_study(session, chain.aluminium, f"pact:{first.id}")
        second = pact.publish(session, actor=chain.cement, calculation_id=calculation_id)
        [flag] = updates.open_flags(session, actor=chain.aluminium, study_id=study.id)
        assert (flag.old_footprint_id, flag.new_footprint_id) == (first.id, second.id)
        updates.dismiss(session, actor=chain.aluminium, flag_id=flag.id)
        assert updates.open_flags(session, actor=chain.aluminium, study_id=study.id) == []

    def test_a_bad_file_names_the_field_and_stores_nothing(
        self, session: Session, chain: Chain
    ) -> None:
        doc = self._published_doc(session, chain)
        del doc["pcf"]["declaredUnitAmount"]
        with pytest.raises(InvalidInput) as error:
            _uploaded(session, chain, doc)
        assert "declaredUnitAmount" in str(error.value)
        with pytest.raises(InvalidInput):
            library.receive_file(
                session,
                organisation_id=chain.aluminium.organisation_id,
                content=b"{not json",
                received_by="tester",
            )
        assert library.library_of(session, chain.aluminium.organisation_id) == []
