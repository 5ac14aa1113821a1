"""PACT events (CloudEvents 1.0, structured mode) received at ``/3/events`` and ``/2/events``,
and the events the platform sends back.

An event is answered at once (HTTP 200) and worked on through the outbox:

- *RequestCreated* — a partner asks for footprints. Matching footprints it may read are
  sent back in a *RequestFulfilled* event; when none is shared yet but an enterprise on the
  platform makes the product, that enterprise gets a data request to answer; otherwise a
  *RequestRejected* event with ``NotFound`` goes back.
- *RequestFulfilled* / *RequestRejected* — a partner answers one of our requests.
- *Published* — a partner announces new or changed footprints; they are fetched and update
  the libraries (and models) that hold their predecessors.

A repeated event (same ``source`` and ``id``) is acknowledged and ignored. The reply goes to
the ``/3/events`` (or ``/2/events``) endpoint of the system named in ``source``, whose host
must be the host of the sender's registered partner connection.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tanji.accounts.models import Organisation
from tanji.accounts.policy import Actor, Right, ensure
from tanji.core.errors import InvalidInput
from tanji.core.i18n import _
from tanji.exchange.pact import library, outbox
from tanji.exchange.pact.importer import read_pacts
from tanji.exchange.pact.models import (
    DataRequest,
    DataRequestEvent,
    FootprintStatus,
    InboundEvent,
    PartnerConnection,
    PublishedFootprint,
    ReceivedFootprint,
    ReceivedOrigin,
    RequestChannel,
    RequestStatus,
)
from tanji.exchange.pact.service import Filters, product_urn, v2_document_of
from tanji.exchange.pact.validation import parse_datetime
from tanji.footprints.models import Product, Study

CREATED, FULFILLED, REJECTED, PUBLISHED = "created", "fulfilled", "rejected", "published"
TYPES = {
    "3": {
        CREATED: "org.wbcsd.pact.ProductFootprint.RequestCreatedEvent.3",
        FULFILLED: "org.wbcsd.pact.ProductFootprint.RequestFulfilledEvent.3",
        REJECTED: "org.wbcsd.pact.ProductFootprint.RequestRejectedEvent.3",
        PUBLISHED: "org.wbcsd.pact.ProductFootprint.PublishedEvent.3",
    },
    "2": {
        CREATED: "org.wbcsd.pathfinder.ProductFootprintRequest.Created.v1",
        FULFILLED: "org.wbcsd.pathfinder.ProductFootprintRequest.Fulfilled.v1",
        REJECTED: "org.wbcsd.pathfinder.ProductFootprintRequest.Rejected.v1",
        PUBLISHED: "org.wbcsd.pathfinder.ProductFootprint.Published.v1",
    },
}
CRITERIA = (
    "productId",
    "companyId",
    "geography",
    "classification",
    "validOn",
    "validAfter",
    "validBefore",
    "status",
)
MAX_EVENT_BYTES = 5_000_000
MAX_ANSWER = 100  # footprints in one fulfilment


@dataclass(frozen=True)
class CloudEvent:
    id: str
    source: str
    type: str
    kind: str  # created, fulfilled, rejected, published
    version: str  # "3" or "2"
    data: Mapping[str, Any]


def _bad(message: str, *loc: str | int) -> InvalidInput:
    return InvalidInput(message, loc=loc)


def parse_event(body: bytes, version: str) -> CloudEvent:
    """A CloudEvent from a request body, or InvalidInput naming the attribute at fault."""
    if len(body) > MAX_EVENT_BYTES:
        raise _bad(_("The event is larger than 5 MB."))
    try:
        raw = json.loads(body)
    except ValueError as error:
        raise _bad(_("The event is not JSON: {error}.").format(error=error)) from None
    if not isinstance(raw, dict):
        raise _bad(_("An event is a JSON object (CloudEvents structured mode)."))
    if raw.get("specversion") != "1.0":
        raise _bad(_('specversion must be "1.0".'), "specversion")
    for name in ("id", "source", "type", "time"):
        value = raw.get(name)
        if not isinstance(value, str) or not value.strip() or len(value) > 300:
            raise _bad(_("'{name}' is required: a non-empty text.").format(name=name), name)
    if parse_datetime(raw["time"]) is None:
        raise _bad(_("'time' must be an RFC 3339 date and time."), "time")
    kinds = {v: k for k, v in TYPES[version].items()}
    if raw["type"] not in kinds:
        raise _bad(
            _("Unknown event type '{type}' for /{version}/events.").format(
                type=raw["type"][:120], version=version
            ),
            "type",
        )
    data = raw.get("data")
    if not isinstance(data, dict):
        raise _bad(_("'data' must be a JSON object."), "data")
    event = CloudEvent(raw["id"], raw["source"], raw["type"], kinds[raw["type"]], version, data)
    _check_data(event)
    return event


def _check_data(event: CloudEvent) -> None:
    data = event.data
    if event.kind == PUBLISHED:
        ids = data.get("pfIds")
        if not isinstance(ids, list) or not ids:
            raise _bad(_("'pfIds' must be a non-empty list of footprint ids."), "data", "pfIds")
        for index, value in enumerate(ids):
            try:
                uuid.UUID(str(value))
            except ValueError:
                raise _bad(
                    _("'{value}' is not a UUID.").format(value=str(value)[:80]),
                    "data", "pfIds", index,
                ) from None  # fmt: skip
            if not isinstance(value, str):
                raise _bad(_("A footprint id is a text."), "data", "pfIds", index)
    elif event.kind in (FULFILLED, REJECTED):
        if not isinstance(data.get("requestEventId"), str):
            raise _bad(_("'requestEventId' is required."), "data", "requestEventId")
        if event.kind == FULFILLED and not isinstance(data.get("pfs"), list):
            raise _bad(_("'pfs' must be a list of footprints."), "data", "pfs")
        if event.kind == REJECTED and not isinstance(data.get("error"), dict):
            raise _bad(_("'error' must be an object with code and message."), "data", "error")
    else:
        _criteria(event)


def _criteria(event: CloudEvent) -> dict[str, list[str]]:
    """What a RequestCreated event asks for, as v3 filter criteria."""
    data = event.data
    if event.version == "2":
        pf = data.get("pf")
        if not isinstance(pf, dict):
            raise _bad(_("'pf' must be an object with productIds."), "data", "pf")
        ids = pf.get("productIds")
        if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
            raise _bad(_("'productIds' must be a list of texts."), "data", "pf", "productIds")
        return {"productId": list(ids)} if ids else {}
    found: dict[str, list[str]] = {}
    for name in CRITERIA:
        value = data.get(name)
        if value is None:
            continue
        values = [value] if isinstance(value, str) else value
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise _bad(
                _("'{name}' must be a text or a list of texts.").format(name=name), "data", name
            )
        found[name] = values
    return found


# --- replies --------------------------------------------------------------------------------


def reply_url(source: str, version: str) -> str:
    """Where to send the answer to an event from ``source``: its events endpoint."""
    text = source.strip()
    if text.startswith("//"):
        text = "https:" + text
    endpoint = f"/{version}/events"
    if text.rstrip("/").endswith(endpoint):
        return text.rstrip("/")
    return text.rstrip("/") + endpoint


def _same_host(url: str, connection: PartnerConnection) -> bool:
    return (urlsplit(url).hostname or "").lower() == (
        urlsplit(connection.base_url).hostname or ""
    ).lower()


def make_event(kind: str, version: str, *, source: str, data: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "specversion": "1.0",
        "id": str(uuid.uuid4()),
        "source": source,
        "type": TYPES[version][kind],
        "time": dt.datetime.now(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "datacontenttype": "application/json",
        "data": dict(data),
    }


def connection_of(session: Session, organisation_id: uuid.UUID) -> PartnerConnection | None:
    return session.scalar(
        select(PartnerConnection).where(
            PartnerConnection.organisation_id == organisation_id,
            PartnerConnection.active.is_(True),
        )
    )


def send_fulfilled(
    session: Session,
    *,
    connection: PartnerConnection,
    url: str,
    version: str,
    request_event_id: str,
    documents: Sequence[Mapping[str, Any]],
    source: str,
    request_id: uuid.UUID | None = None,
) -> None:
    event = make_event(
        FULFILLED, version, source=source,
        data={"requestEventId": request_event_id, "pfs": list(documents)},
    )  # fmt: skip
    outbox.enqueue_event(
        session, connection=connection, url=url, event=event, request_id=request_id
    )


def send_rejected(
    session: Session,
    *,
    connection: PartnerConnection,
    url: str,
    version: str,
    request_event_id: str,
    code: str,
    message: str,
    source: str,
    request_id: uuid.UUID | None = None,
) -> None:
    event = make_event(
        REJECTED, version, source=source,
        data={"requestEventId": request_event_id, "error": {"code": code, "message": message}},
    )  # fmt: skip
    outbox.enqueue_event(
        session, connection=connection, url=url, event=event, request_id=request_id
    )


# --- receiving ------------------------------------------------------------------------------


def announce(session: Session, *, footprint: PublishedFootprint, source: str) -> int:
    """Tell the partner systems that may read ``footprint`` that it was published (a
    PublishedEvent to each one with a connection); returns how many were told."""
    told = 0
    for connection in session.scalars(
        select(PartnerConnection).where(PartnerConnection.active.is_(True))
    ):
        readable = session.scalar(
            library.visible_to(connection.organisation_id).where(
                PublishedFootprint.id == footprint.id
            )
        )
        if readable is None or connection.organisation_id == footprint.organisation_id:
            continue
        version = connection.spec_version if connection.spec_version in TYPES else "3"
        event = make_event(PUBLISHED, version, source=source, data={"pfIds": [str(footprint.id)]})
        url = reply_url(connection.base_url, version)
        outbox.enqueue_event(session, connection=connection, url=url, event=event)
        told += 1
    return told


def receive(session: Session, *, actor: Actor, event: CloudEvent, body: str, source: str) -> str:
    """Record and act on one event from the actor's organisation; returns the outcome.
    ``source`` is the platform's own address, for the events it sends back."""
    ensure(actor, Right.FACTOR_READ)
    if session.scalar(
        select(InboundEvent.id).where(
            InboundEvent.source == event.source, InboundEvent.event_id == event.id
        )
    ):
        return "duplicate"
    record = InboundEvent(
        event_id=event.id,
        source=event.source,
        type=event.type,
        organisation_id=actor.organisation_id,
        body=body,
    )
    try:
        with session.begin_nested():
            session.add(record)
            session.flush()
    except IntegrityError:  # the same event, delivered twice at once
        return "duplicate"
    handler = {
        CREATED: _on_created,
        FULFILLED: _on_answer,
        REJECTED: _on_answer,
        PUBLISHED: _on_published,
    }[event.kind]
    record.outcome = handler(session, actor, event, source)
    session.flush()
    return record.outcome


def _on_created(session: Session, actor: Actor, event: CloudEvent, source: str) -> str:
    connection = connection_of(session, actor.organisation_id)
    if connection is None:
        raise _bad(
            _(
                "Your organisation has no PACT connection on this platform, so an answer "
                "cannot be sent back; ask the platform operator to register your system."
            ),
            "source",
        )
    url = reply_url(event.source, event.version)
    if not _same_host(url, connection):
        raise _bad(
            _("The source '{source}' is not the system registered for your organisation.").format(
                source=event.source[:200]
            ),
            "source",
        )
    criteria = _criteria(event)
    wanted = Filters(criteria)
    visible = session.scalars(
        library.visible_to(actor.organisation_id)
        .where(PublishedFootprint.status == FootprintStatus.ACTIVE)
        .order_by(PublishedFootprint.created_at.desc())
    ).all()
    matches = [row for row in visible if wanted.matches(library.published_document(row))]
    if event.version == "2":
        docs = []
        for row in matches:
            try:
                docs.append(v2_document_of(session, row))
            except InvalidInput:
                continue  # no UN CPC code: v2 cannot carry it
    else:
        docs = [library.published_document(row) for row in matches]
    if docs:
        send_fulfilled(
            session, connection=connection, url=url, version=event.version,
            request_event_id=event.id, documents=docs[:MAX_ANSWER], source=source,
        )  # fmt: skip
        return f"fulfilled with {len(docs[:MAX_ANSWER])}"
    owner = _maker_of(session, criteria.get("productId", []))
    if owner is not None and owner[0].id != actor.organisation_id:
        organisation, product_name = owner
        request = DataRequest(
            requester_id=actor.organisation_id,
            supplier_id=organisation.id,
            product_name=product_name[:300],
            criteria=json.dumps(criteria),
            comment=str(event.data.get("comment") or "")[:2000],
            channel=RequestChannel.PACT,
            event_id=event.id,
            event_source=url,
            spec_version=event.version,
            created_by=f"pact:{connection.base_url}"[:120],
        )
        session.add(request)
        session.flush()
        session.add(
            DataRequestEvent(
                request_id=request.id,
                action="created",
                note=request.comment,
                actor=request.created_by,
            )
        )
        return f"data request {request.id} for {organisation.slug}"
    send_rejected(
        session, connection=connection, url=url, version=event.version, request_event_id=event.id,
        code="NotFound", message=_("No footprint on this platform matches the request."),
        source=source,
    )  # fmt: skip
    return "rejected: NotFound"


def _maker_of(session: Session, product_ids: Sequence[str]) -> tuple[Organisation, str] | None:
    """The enterprise on the platform whose product one of the ids names, if any: a
    published footprint's product id, or the platform's own product URN of a product."""
    wanted = sorted({p.strip().casefold() for p in product_ids})
    if not wanted:
        return None
    published = session.execute(
        select(PublishedFootprint.organisation_id, Study.product_id)
        .join(Study, Study.id == PublishedFootprint.study_id)
        .where(func.lower(PublishedFootprint.product_id).in_(wanted))
        .limit(1)
    ).first()
    if published is not None:
        product = session.get_one(Product, published.product_id)
        organisation = session.get_one(Organisation, published.organisation_id)
        return organisation, product.name_zh or product.name_en
    prefix = product_urn("").casefold()
    codes = [urn.removeprefix(prefix) for urn in wanted if urn.startswith(prefix)]
    product = (
        session.scalars(select(Product).where(func.lower(Product.code).in_(codes)).limit(1)).first()
        if codes
        else None
    )
    if product is None:
        return None
    return session.get_one(Organisation, product.organisation_id), product.name_zh


def _on_answer(session: Session, actor: Actor, event: CloudEvent, source: str) -> str:
    request = session.scalar(
        select(DataRequest).where(
            DataRequest.event_id == str(event.data["requestEventId"]),
            DataRequest.supplier_id == actor.organisation_id,
            DataRequest.channel == RequestChannel.PACT,
        )
    )
    if request is None:
        raise _bad(_("No request of ours has the event id given."), "data", "requestEventId")
    if request.status != RequestStatus.OPEN:
        return f"request {request.id} already {request.status}"
    now = dt.datetime.now(dt.UTC)
    if event.kind == FULFILLED:
        footprints = read_pacts(list(event.data["pfs"]), allow_deprecated=True)
        library.receive(
            session,
            organisation_id=request.requester_id,
            footprints=footprints,
            origin=ReceivedOrigin.REQUEST,
            received_by=f"pact:{event.source}"[:120],
            supplier_id=request.supplier_id,
            request_id=request.id,
        )
        request.answer_ids = json.dumps([f.id for f in footprints])
        request.status = RequestStatus.FULFILLED
        note = ", ".join(f.id for f in footprints)
    else:
        error = event.data["error"]
        request.status = RequestStatus.DECLINED
        request.decline_reason = f"{error.get('code', '')}: {error.get('message', '')}"[:2000]
        note = request.decline_reason
    request.closed_at = request.updated_at = now
    session.add(
        DataRequestEvent(
            request_id=request.id,
            action=request.status,
            note=note,
            actor=f"pact:{event.source}"[:120],
        )
    )
    return f"request {request.id} {request.status}"


def _on_published(session: Session, actor: Actor, event: CloudEvent, source: str) -> str:
    ids = [str(i) for i in event.data["pfIds"]]
    connection = connection_of(session, actor.organisation_id)
    if connection is None:
        return "recorded (no connection to fetch from)"
    outbox.enqueue_fetch(session, connection=connection, footprint_ids=ids, version=event.version)
    return f"fetching {len(ids)}"


def deliver_fetched(
    session: Session, connection: PartnerConnection, documents: list[dict[str, Any]]
) -> None:
    """Footprints fetched after a Published event: each goes into the libraries that hold
    it or one of its predecessors (which flags the models using those)."""
    for pact in read_pacts(documents, allow_deprecated=True):
        related = {pact.id, *[str(i) for i in pact.document.get("precedingPfIds") or ()]}
        holders = set(
            session.scalars(
                select(ReceivedFootprint.organisation_id).where(
                    ReceivedFootprint.footprint_id.in_([uuid.UUID(i) for i in related])
                )
            )
        )
        for organisation_id in holders:
            library.receive(
                session,
                organisation_id=organisation_id,
                footprints=[pact],
                origin=ReceivedOrigin.PARTNER,
                received_by=f"pact:{connection.base_url}"[:120],
                supplier_id=connection.organisation_id,
            )
