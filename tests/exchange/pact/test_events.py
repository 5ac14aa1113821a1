"""PACT events and the outbox, as services (both databases): requests to and from partner
systems, their answers, published notifications, retries with back-off."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tanji.accounts import service as accounts
from tanji.accounts.policy import Actor
from tanji.core.errors import InvalidInput
from tanji.exchange.pact import events, library, outbox, requests, updates
from tanji.exchange.pact import service as pact
from tanji.exchange.pact.client import PartnerError
from tanji.exchange.pact.importer import read_pact
from tanji.exchange.pact.models import (
    JobKind,
    JobState,
    OutboxJob,
    PartnerConnection,
    RequestChannel,
    RequestStatus,
)

from .conftest import Chain, customer_study

PARTNER_URL = "https://partner.example"
SOURCE = "https://tanji.example"


@pytest.fixture
def partner(session: Session) -> tuple[Actor, PartnerConnection]:
    """An enterprise whose PACT system runs elsewhere, registered with a connection."""
    org = accounts.create_organisation(
        session, slug="partner-system", kind="enterprise", name_zh="外部系统企业"
    )
    connection = PartnerConnection(
        organisation_id=org.id,
        base_url=PARTNER_URL,
        client_id="id",
        client_secret="secret",
        created_by="test",
    )
    session.add(connection)
    session.flush()
    actor = Actor(organisation_id=org.id, organisation_kind="enterprise", role="viewer", name="c")
    return actor, connection


def _event(kind: str, data: dict[str, Any], version: str = "3", source: str = PARTNER_URL) -> bytes:
    return json.dumps(
        {
            "specversion": "1.0",
            "id": str(uuid.uuid4()),
            "source": source,
            "type": events.TYPES[version][kind],
            "time": "2026-12-07T10:00:00Z",
            "data": data,
        }
    ).encode()


def _receive(session: Session, actor: Actor, body: bytes, version: str = "3") -> str:
    event = events.parse_event(body, version)
    return events.receive(session, actor=actor, event=event, body=body.decode(), source=SOURCE)


def _jobs(session: Session) -> list[OutboxJob]:
    return list(session.scalars(select(OutboxJob).order_by(OutboxJob.created_at)))


class TestParsing:
    @pytest.mark.parametrize(
        ("change", "loc"),
        [
            ({"specversion": "0.3"}, ("specversion",)),
            ({"id": ""}, ("id",)),
            ({"time": "yesterday"}, ("time",)),
            ({"type": "com.example.Other"}, ("type",)),
            ({"data": []}, ("data",)),
            ({"data": {"pfIds": ["a", "b"]}}, ("data", "pfIds", 0)),
        ],
    )
    def test_invalid_events_name_the_attribute(self, change: dict, loc: tuple) -> None:
        raw = json.loads(_event("published", {"pfIds": [str(uuid.uuid4())]}))
        raw.update(change)
        with pytest.raises(InvalidInput) as error:
            events.parse_event(json.dumps(raw).encode(), "3")
        assert error.value.loc == loc

    def test_reply_addresses(self) -> None:
        assert events.reply_url("https://a.example", "3") == "https://a.example/3/events"
        assert events.reply_url("https://a.example/3/events", "3") == "https://a.example/3/events"
        assert events.reply_url("//a.example/pact/", "2") == "https://a.example/pact/2/events"


class TestInbound:
    def test_a_request_for_a_shared_footprint_is_fulfilled(
        self, session: Session, chain: Chain, partner: tuple[Actor, PartnerConnection]
    ) -> None:
        actor, _connection = partner
        footprint = pact.publish(
            session,
            actor=chain.cement,
            calculation_id=chain.calculation_id(session),
            partner_slugs=["partner-system"],
        )
        doc = pact.document_of(footprint)
        body = _event("created", {"productId": doc["productIds"]})
        assert _receive(session, actor, body) == "fulfilled with 1"
        assert _receive(session, actor, body) == "duplicate"
        [job] = _jobs(session)
        sent = json.loads(job.payload)
        assert job.url == f"{PARTNER_URL}/3/events" and job.kind == JobKind.EVENT
        assert sent["type"] == events.TYPES["3"]["fulfilled"] and sent["source"] == SOURCE
        assert [pf["id"] for pf in sent["data"]["pfs"]] == [str(footprint.id)]

    def test_an_unshared_product_becomes_a_data_request_for_its_maker(
        self, session: Session, chain: Chain, partner: tuple[Actor, PartnerConnection]
    ) -> None:
        actor, _connection = partner
        body = _event(
            "created", {"pf": {"productIds": [pact.product_urn("PO-42.5")]}, "comment": "CBAM"}, "2"
        )
        outcome = _receive(session, actor, body, "2")
        assert outcome.startswith("data request")
        [request] = requests.list_for(session, actor=chain.cement)
        assert request.channel == RequestChannel.PACT and request.spec_version == "2"
        assert request.comment == "CBAM" and _jobs(session) == []
        # The supplier answers in the platform: the answer travels back as a v2 event.
        requests.answer_with_calculation(
            session,
            actor=chain.cement,
            request_id=request.id,
            calculation_id=chain.calculation_id(session),
            source=SOURCE,
        )
        [job] = _jobs(session)
        sent = json.loads(job.payload)
        assert sent["type"] == events.TYPES["2"]["fulfilled"]
        assert sent["data"]["requestEventId"] == request.event_id
        assert sent["data"]["pfs"][0]["specVersion"].startswith("2.")
        assert library.library_of(session, actor.organisation_id) == []  # not ours to keep

    def test_an_unknown_product_is_rejected(
        self, session: Session, chain: Chain, partner: tuple[Actor, PartnerConnection]
    ) -> None:
        actor, _connection = partner
        assert _receive(session, actor, _event("created", {"productId": ["urn:pact:null"]})) == (
            "rejected: NotFound"
        )
        [job] = _jobs(session)
        assert json.loads(job.payload)["data"]["error"]["code"] == "NotFound"

    def test_a_sender_without_a_connection_cannot_ask(self, session: Session, chain: Chain) -> None:
        with pytest.raises(InvalidInput) as error:
            _receive(session, chain.third, _event("created", {"productId": ["urn:x"]}))
        assert error.value.loc == ("source",)

    def test_published_events_fetch_and_replace(
        self,
        session: Session,
        chain: Chain,
        partner: tuple[Actor, PartnerConnection],
    ) -> None:
        actor, connection = partner
        old = pact.document_of(
            pact.publish(session, actor=chain.cement, calculation_id=chain.calculation_id(session))
        )
        [row] = library.receive(
            session,
            organisation_id=chain.aluminium.organisation_id,
            footprints=[read_pact(old)],
            origin="partner",
            received_by="t",
        )
        study = customer_study(session, chain.aluminium, f"pact:{row.footprint_id}")
        new = dict(old, id=str(uuid.uuid4()), precedingPfIds=[old["id"]])
        assert _receive(session, actor, _event("published", {"pfIds": [new["id"]]})) == (
            "fetching 1"
        )
        [job] = _jobs(session)
        assert job.kind == JobKind.FETCH
        events.deliver_fetched(session, connection, [new])
        [flag] = updates.open_flags(session, actor=chain.aluminium, study_id=study.id)
        assert str(flag.new_footprint_id) == new["id"]
        assert row.status == "Deprecated"


class TestOutbound:
    def test_a_request_to_a_partner_system_and_its_answers(
        self, session: Session, chain: Chain, partner: tuple[Actor, PartnerConnection]
    ) -> None:
        actor, _connection = partner
        with pytest.raises(InvalidInput) as error:
            requests.create(
                session, actor=chain.aluminium, supplier_slug="partner-system", product_name="x"
            )
        assert error.value.loc == ("product_ids",)
        asked = requests.create(
            session,
            actor=chain.aluminium,
            supplier_slug="partner-system",
            product_name="Alumina",
            product_ids=["urn:pact:partner:alumina"],
            source=SOURCE,
        )
        [job] = _jobs(session)
        sent = json.loads(job.payload)
        assert sent["type"] == events.TYPES["3"]["created"] and sent["id"] == asked.event_id
        assert sent["data"]["productId"] == ["urn:pact:partner:alumina"]
        # The partner answers with a footprint (here one of the platform's, as a stand-in).
        doc = pact.document_of(
            pact.publish(session, actor=chain.cement, calculation_id=chain.calculation_id(session))
        )
        with pytest.raises(InvalidInput):  # an answer to a request nobody sent
            _receive(session, actor, _event("fulfilled", {"requestEventId": "x", "pfs": [doc]}))
        body = _event("fulfilled", {"requestEventId": asked.event_id, "pfs": [doc]})
        assert _receive(session, actor, body).endswith("fulfilled")
        assert asked.status == RequestStatus.FULFILLED
        [row] = library.library_of(session, chain.aluminium.organisation_id)
        assert str(row.footprint_id) == doc["id"] and row.request_id == asked.id

    def test_a_rejection_declines_the_request(
        self, session: Session, chain: Chain, partner: tuple[Actor, PartnerConnection]
    ) -> None:
        actor, _connection = partner
        asked = requests.create(
            session,
            actor=chain.aluminium,
            supplier_slug="partner-system",
            product_name="Alumina",
            product_ids=["urn:pact:partner:alumina"],
        )
        error = {"code": "NotFound", "message": "no such product"}
        _receive(
            session, actor, _event("rejected", {"requestEventId": asked.event_id, "error": error})
        )
        assert asked.status == RequestStatus.DECLINED
        assert asked.decline_reason == "NotFound: no such product"


class FlakyClient:
    def __init__(self, failure: PartnerError | None) -> None:
        self.failure = failure
        self.sent: list[tuple[str, Any]] = []

    def send_event(self, url: str, event: Any) -> None:
        if self.failure:
            raise self.failure
        self.sent.append((url, event))

    def get_footprint(self, footprint_id: str, *, version: str = "3") -> dict[str, Any]:
        raise PartnerError("no", status=404, retry=False)


class TestOutbox:
    def test_back_off_doubles_and_is_capped(self) -> None:
        delays = [outbox.delay_after(n).total_seconds() for n in range(1, 12)]
        assert delays[:4] == [30, 60, 120, 240]
        assert max(delays) == outbox.MAX_DELAY.total_seconds()

    def test_retry_then_succeed_then_abandon(self, engine: Any) -> None:
        sessions = sessionmaker(bind=engine, expire_on_commit=False)
        with sessions() as setup:
            org = accounts.create_organisation(
                setup, slug=f"flaky-{uuid.uuid4().hex[:8]}", kind="enterprise", name_zh="x"
            )
            connection = PartnerConnection(
                organisation_id=org.id, base_url=PARTNER_URL, client_id="i",
                client_secret="s", created_by="t",
            )  # fmt: skip
            setup.add(connection)
            setup.flush()
            job = outbox.enqueue_event(setup, connection=connection, url="u", event={"id": "e"})
            stale = outbox.enqueue_event(setup, connection=connection, url="u", event={"id": "f"})
            stale.created_at = dt.datetime.now(dt.UTC) - dt.timedelta(hours=73)
            setup.commit()
            job_id, stale_id, org_id = job.id, stale.id, org.id
        try:
            flaky = FlakyClient(PartnerError("down"))
            assert (
                outbox.run_due(sessions, client_for=lambda c: flaky, deliver=lambda *a: None) == 2
            )
            with sessions() as check:
                first = check.get_one(OutboxJob, job_id)
                assert first.state == JobState.PENDING and first.attempts == 1
                assert first.last_error == "down"
                assert check.get_one(OutboxJob, stale_id).state == JobState.ABANDONED
            # Not due yet: nothing is tried before the back-off has passed.
            assert (
                outbox.run_due(sessions, client_for=lambda c: flaky, deliver=lambda *a: None) == 0
            )
            later = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=31)
            working = FlakyClient(None)
            tried = outbox.run_due(
                sessions, client_for=lambda c: working, deliver=lambda *a: None, now=later
            )
            assert tried == 1 and working.sent == [("u", {"id": "e"})]
            with sessions() as check:
                assert check.get_one(OutboxJob, job_id).state == JobState.DONE
                assert check.get_one(PartnerConnection, connection.id).last_success_at
        finally:
            with sessions() as cleanup:
                cleanup.delete(cleanup.get_one(type(org), org_id))
                cleanup.commit()
