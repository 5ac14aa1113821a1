"""Supplier data requests on the platform: states, reminders and answers (both databases)."""

from __future__ import annotations

import datetime as dt
import json
import uuid

import pytest
from sqlalchemy.orm import Session

from tanji.accounts.models import SupplierLink
from tanji.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from tanji.exchange.pact import disclosure, library, requests
from tanji.exchange.pact import service as pact
from tanji.exchange.pact.models import FootprintShare, RequestStatus, Visibility

from .conftest import Chain


def _ask(session: Session, chain: Chain, **kwargs: object) -> requests.DataRequest:
    values: dict = {
        "supplier_slug": "demo-cement",
        "product_name": "P·O 42.5 cement",
        "comment": "For our 2025 declaration",
    }
    values.update(kwargs)
    return requests.create(session, actor=chain.aluminium, **values)


class TestAsking:
    def test_both_parties_see_it_and_nobody_else(self, session: Session, chain: Chain) -> None:
        request = _ask(session, chain, due_on=dt.date.today() + dt.timedelta(days=30))
        assert request.status == RequestStatus.OPEN
        assert session.get(SupplierLink, (request.requester_id, request.supplier_id))
        for party in (chain.aluminium, chain.cement):
            assert [r.id for r in requests.list_for(session, actor=party)] == [request.id]
            assert requests.get(session, actor=party, request_id=request.id).id == request.id
        assert requests.list_for(session, actor=chain.third) == []
        with pytest.raises(NotFound):
            requests.get(session, actor=chain.third, request_id=request.id)

    def test_bad_requests_name_the_field(self, session: Session, chain: Chain) -> None:
        for kwargs, loc in (
            ({"supplier_slug": "nobody"}, ("supplier_slug",)),
            ({"supplier_slug": "demo-certifier"}, ("supplier_slug",)),
            ({"supplier_slug": "demo-aluminium"}, ("supplier_slug",)),
            ({"product_name": "  "}, ("product_name",)),
            ({"product_ids": ["urn:ok", "not a urn"]}, ("product_ids", 1)),
            ({"due_on": dt.date(2000, 1, 1)}, ("due_on",)),
        ):
            with pytest.raises(InvalidInput) as error:
                _ask(session, chain, **kwargs)
            assert error.value.loc == loc
        with pytest.raises(Forbidden):
            requests.create(
                session, actor=chain.viewer, supplier_slug="demo-aluminium", product_name="x"
            )

    def test_a_reminder_an_hour_at_most_then_cancel(self, session: Session, chain: Chain) -> None:
        request = _ask(session, chain)
        requests.remind(session, actor=chain.aluminium, request_id=request.id)
        assert request.reminders == 1
        with pytest.raises(Conflict):
            requests.remind(session, actor=chain.aluminium, request_id=request.id)
        with pytest.raises(Forbidden):  # the supplier does not remind itself
            requests.remind(session, actor=chain.cement, request_id=request.id)
        requests.cancel(session, actor=chain.aluminium, request_id=request.id, reason="Not needed")
        assert request.status == RequestStatus.CANCELLED and request.closed_at is not None
        with pytest.raises(Conflict):
            requests.decline(session, actor=chain.cement, request_id=request.id, reason="late")
        actions = [e.action for e in requests.events_of(session, request)]
        assert actions == ["created", "reminded", "cancelled"]


class TestAnswering:
    def test_answer_with_a_calculation(self, session: Session, chain: Chain) -> None:
        request = _ask(session, chain)
        with pytest.raises(Forbidden):  # the requester cannot answer its own request
            requests.answer_with_calculation(
                session,
                actor=chain.aluminium,
                request_id=request.id,
                calculation_id=chain.calculation_id(session),
            )
        requests.answer_with_calculation(
            session,
            actor=chain.cement,
            request_id=request.id,
            calculation_id=chain.calculation_id(session),
        )
        assert request.status == RequestStatus.FULFILLED
        [answer] = requests.answers_of(request)
        footprint = pact.get_for(session, actor=chain.aluminium, footprint_id=uuid.UUID(answer))
        assert footprint.visibility == Visibility.PARTNERS  # raised from private to answer
        assert session.get(FootprintShare, (footprint.id, chain.aluminium.organisation_id))
        [received] = library.library_of(session, chain.aluminium.organisation_id)
        assert str(received.footprint_id) == answer and received.request_id == request.id
        assert [e.action for e in disclosure.history(session, footprint)] == [
            "published",
            "answered",
        ]

    def test_answer_with_a_file(self, session: Session, chain: Chain) -> None:
        footprint = pact.publish(
            session, actor=chain.cement, calculation_id=chain.calculation_id(session)
        )
        content = json.dumps({"data": pact.document_of(footprint)}).encode("utf-8")
        request = _ask(session, chain)
        requests.answer_with_file(
            session, actor=chain.cement, request_id=request.id, content=content
        )
        assert requests.answers_of(request) == [str(footprint.id)]
        # The file travelled; the platform footprint itself stays private.
        assert footprint.visibility == Visibility.PRIVATE
        assert library.library_of(session, chain.aluminium.organisation_id)[0].total > 0

    def test_decline_needs_a_reason(self, session: Session, chain: Chain) -> None:
        request = _ask(session, chain)
        with pytest.raises(InvalidInput) as error:
            requests.decline(session, actor=chain.cement, request_id=request.id, reason="")
        assert error.value.loc == ("reason",)
        requests.decline(
            session, actor=chain.cement, request_id=request.id, reason="Not our product"
        )
        assert request.status == RequestStatus.DECLINED
        assert request.decline_reason == "Not our product"

    def test_an_answer_must_be_the_suppliers_active_footprint(
        self, session: Session, chain: Chain
    ) -> None:
        theirs = pact.publish(
            session,
            actor=chain.aluminium,
            calculation_id=chain.calculation_id(session, "AL-LIQUID"),
        )
        request = _ask(session, chain)
        with pytest.raises(NotFound):
            requests.answer_with_footprint(
                session, actor=chain.cement, request_id=request.id, footprint_id=theirs.id
            )
        first = pact.publish(
            session, actor=chain.cement, calculation_id=chain.calculation_id(session)
        )
        pact.publish(session, actor=chain.cement, calculation_id=chain.calculation_id(session))
        with pytest.raises(Conflict):
            requests.answer_with_footprint(
                session, actor=chain.cement, request_id=request.id, footprint_id=first.id
            )
        assert request.status == RequestStatus.OPEN
