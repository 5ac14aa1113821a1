"""Supplier data requests (供应商数据请求) between enterprises on the platform.

A customer asks a supplier for the footprint of a named product; the supplier answers with
one of its published footprints, a calculation it publishes for the purpose, or a PACT file
it uploads — or declines with a reason. The customer may remind or cancel. Both parties see
every step (:class:`~tanji.exchange.pact.models.DataRequestEvent`); an answer lands in the
customer's supplier library, ready to use in a model as ``pact:<id>``.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from tanji.accounts.models import Organisation, OrganisationKind, SupplierLink
from tanji.accounts.policy import Actor, Right, ensure
from tanji.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from tanji.core.i18n import N_, _
from tanji.db.base import as_utc, utcnow
from tanji.exchange.pact import events, library, outbox
from tanji.exchange.pact.importer import read_pact, read_pacts
from tanji.exchange.pact.models import (
    DataRequest,
    DataRequestEvent,
    DisclosureAction,
    FootprintShare,
    FootprintStatus,
    PublishedFootprint,
    ReceivedOrigin,
    RequestChannel,
    RequestStatus,
    Visibility,
)
from tanji.exchange.pact.service import publish, record, v2_document_of

MAX_PRODUCT = 300
MAX_COMMENT = 2000
MAX_PRODUCT_IDS = 20
REMINDER_GAP = dt.timedelta(hours=1)  # a reminder per hour at most: no spamming a supplier

ACTION_NAMES = {
    "created": N_("Request sent"),
    "reminded": N_("Reminder sent"),
    "cancelled": N_("Request cancelled"),
    "declined": N_("Request declined"),
    "fulfilled": N_("Footprint delivered"),
}


def _text(value: str, *, name: str, maximum: int, required: bool) -> str:
    text = value.strip()
    if required and not text:
        raise InvalidInput(_("This field is required."), loc=(name,))
    if len(text) > maximum:
        raise InvalidInput(_("At most {n} characters.").format(n=maximum), loc=(name,))
    return text


def _step(
    session: Session, request: DataRequest, action: str, actor: Actor, note: str = ""
) -> None:
    now = utcnow()
    session.add(
        DataRequestEvent(request_id=request.id, action=action, note=note, actor=actor.label, at=now)
    )
    request.updated_at = now


def _visible(session: Session, actor: Actor, request_id: uuid.UUID) -> DataRequest:
    """A request of which the actor's organisation is a party; NotFound otherwise."""
    found = session.get(DataRequest, request_id)
    if found is None or actor.organisation_id not in (found.requester_id, found.supplier_id):
        raise NotFound(_("No data request {id}.").format(id=request_id), loc=("request_id",))
    return found


def _as_requester(session: Session, actor: Actor, request_id: uuid.UUID) -> DataRequest:
    found = _visible(session, actor, request_id)
    if found.requester_id != actor.organisation_id:
        raise Forbidden(_("Only the organisation that sent the request may do this."))
    ensure(actor, Right.SUPPLY_REQUEST)
    return found


def _as_supplier(session: Session, actor: Actor, request_id: uuid.UUID) -> DataRequest:
    found = _visible(session, actor, request_id)
    if found.supplier_id != actor.organisation_id:
        raise Forbidden(_("Only the supplier asked may answer this request."))
    ensure(actor, Right.DISCLOSE)
    return found


def _open(request: DataRequest) -> None:
    if request.status != RequestStatus.OPEN:
        raise Conflict(
            _("The request is {status} already.").format(status=request.status), loc=("status",)
        )


def _close(request: DataRequest, status: str) -> None:
    request.status = status
    request.closed_at = utcnow()


def create(
    session: Session,
    *,
    actor: Actor,
    supplier_slug: str,
    product_name: str,
    product_ids: Sequence[str] = (),
    comment: str = "",
    due_on: dt.date | None = None,
    source: str = "",
) -> DataRequest:
    """Ask an enterprise for a product's footprint; the supplier is added to the
    requester's supply chain if it was not there yet. A supplier whose PACT system runs
    elsewhere (a partner connection) gets the request as a RequestCreated event, sent as
    coming from ``source`` (the platform's address)."""
    ensure(actor, Right.SUPPLY_REQUEST)
    supplier = session.scalar(
        select(Organisation).where(Organisation.slug == supplier_slug.strip())
    )
    if supplier is None or supplier.kind != OrganisationKind.ENTERPRISE or not supplier.active:
        raise InvalidInput(
            _("No enterprise '{slug}' on the platform.").format(slug=supplier_slug),
            loc=("supplier_slug",),
        )
    if supplier.id == actor.organisation_id:
        raise InvalidInput(_("A request goes to another organisation."), loc=("supplier_slug",))
    name = _text(product_name, name="product_name", maximum=MAX_PRODUCT, required=True)
    ids = [p.strip() for p in product_ids if p.strip()]
    if len(ids) > MAX_PRODUCT_IDS:
        raise InvalidInput(
            _("At most {n} product ids.").format(n=MAX_PRODUCT_IDS), loc=("product_ids",)
        )
    for index, value in enumerate(ids):
        if not value.startswith("urn:") or len(value) > 300:
            raise InvalidInput(
                _("A product id is a URN such as urn:pact:tanji:product-id:…"),
                loc=("product_ids", index),
            )
    if due_on is not None and due_on < utcnow().date():
        raise InvalidInput(_("The due date is in the past."), loc=("due_on",))
    connection = events.connection_of(session, supplier.id)
    if connection is not None and not ids:
        raise InvalidInput(
            _("A request to a supplier's own PACT system needs at least one product id."),
            loc=("product_ids",),
        )
    request = DataRequest(
        requester_id=actor.organisation_id,
        supplier_id=supplier.id,
        product_name=name,
        criteria=json.dumps({"productId": ids} if ids else {}),
        comment=_text(comment, name="comment", maximum=MAX_COMMENT, required=False),
        due_on=due_on,
        created_by=actor.label,
        updated_at=utcnow(),
    )
    session.add(request)
    session.flush()
    if session.get(SupplierLink, (actor.organisation_id, supplier.id)) is None:
        session.add(SupplierLink(customer_id=actor.organisation_id, supplier_id=supplier.id))
    _step(session, request, "created", actor, request.comment)
    if connection is not None:
        version = connection.spec_version if connection.spec_version in events.TYPES else "3"
        data: dict[str, Any] = {"pf": {"productIds": ids}} if version == "2" else {"productId": ids}
        if request.comment:
            data["comment"] = request.comment
        event = events.make_event(events.CREATED, version, source=source, data=data)
        request.channel = RequestChannel.PACT
        request.event_id = event["id"]
        request.spec_version = version
        request.event_source = events.reply_url(connection.base_url, version)
        outbox.enqueue_event(
            session,
            connection=connection,
            url=request.event_source,
            event=event,
            request_id=request.id,
        )
    session.flush()
    return request


def _partner_requester(session: Session, request: DataRequest) -> Any:
    """The connection of the requester when a partner system sent the request."""
    if request.channel != RequestChannel.PACT:
        return None
    return events.connection_of(session, request.requester_id)


def list_for(session: Session, *, actor: Actor) -> list[DataRequest]:
    """Requests the actor's organisation sent or received, open ones first, newest first."""
    ensure(actor, Right.STUDY_READ)
    rows = session.scalars(
        select(DataRequest)
        .where(
            or_(
                DataRequest.requester_id == actor.organisation_id,
                DataRequest.supplier_id == actor.organisation_id,
            )
        )
        .order_by(DataRequest.updated_at.desc(), DataRequest.id)
    ).all()
    return sorted(rows, key=lambda r: r.status != RequestStatus.OPEN)


def get(session: Session, *, actor: Actor, request_id: uuid.UUID) -> DataRequest:
    found = _visible(session, actor, request_id)
    ensure(actor, Right.STUDY_READ)
    return found


def events_of(session: Session, request: DataRequest) -> list[DataRequestEvent]:
    return list(
        session.scalars(
            select(DataRequestEvent)
            .where(DataRequestEvent.request_id == request.id)
            .order_by(DataRequestEvent.at, DataRequestEvent.id)
        )
    )


def product_ids_of(request: DataRequest) -> list[str]:
    return list(json.loads(request.criteria or "{}").get("productId", []))


def answers_of(request: DataRequest) -> list[str]:
    return list(json.loads(request.answer_ids or "[]"))


def remind(session: Session, *, actor: Actor, request_id: uuid.UUID, note: str = "") -> DataRequest:
    request = _as_requester(session, actor, request_id)
    _open(request)
    last = request.last_reminded_at
    if last is not None and utcnow() - as_utc(last) < REMINDER_GAP:
        raise Conflict(_("A reminder was sent less than an hour ago."), loc=("request_id",))
    request.reminders += 1
    request.last_reminded_at = utcnow()
    _step(
        session,
        request,
        "reminded",
        actor,
        _text(note, name="note", maximum=MAX_COMMENT, required=False),
    )
    session.flush()
    return request


def cancel(
    session: Session, *, actor: Actor, request_id: uuid.UUID, reason: str = ""
) -> DataRequest:
    request = _as_requester(session, actor, request_id)
    _open(request)
    _close(request, RequestStatus.CANCELLED)
    _step(
        session,
        request,
        "cancelled",
        actor,
        _text(reason, name="reason", maximum=MAX_COMMENT, required=False),
    )
    session.flush()
    return request


def decline(
    session: Session, *, actor: Actor, request_id: uuid.UUID, reason: str, source: str = ""
) -> DataRequest:
    request = _as_supplier(session, actor, request_id)
    _open(request)
    request.decline_reason = _text(reason, name="reason", maximum=MAX_COMMENT, required=True)
    connection = _partner_requester(session, request)
    if connection is not None:
        events.send_rejected(
            session,
            connection=connection,
            url=request.event_source,
            version=request.spec_version,
            request_event_id=request.event_id,
            code="AccessDenied",
            message=request.decline_reason,
            source=source,
            request_id=request.id,
        )
    _close(request, RequestStatus.DECLINED)
    _step(session, request, "declined", actor, request.decline_reason)
    session.flush()
    return request


def _as_v2(session: Session, doc: dict[str, Any]) -> dict[str, Any]:
    """A v3 document of a platform footprint in v2 form (other documents go as they are)."""
    if str(doc.get("specVersion", "")).startswith("2."):
        return doc
    footprint = session.get(PublishedFootprint, uuid.UUID(str(doc["id"])))
    if footprint is None:
        raise InvalidInput(
            _("The partner asked in PACT v2; upload the footprint as a v2 document."),
            loc=("file",),
        )
    return v2_document_of(session, footprint)


def _fulfil(
    session: Session,
    request: DataRequest,
    actor: Actor,
    documents: Sequence[dict[str, Any]],
    note: str,
    source: str,
) -> DataRequest:
    footprints = [read_pact(doc, allow_deprecated=False) for doc in documents]
    connection = _partner_requester(session, request)
    if connection is not None:  # the answer travels back to the partner's system
        sent = list(documents)
        if request.spec_version == "2":
            sent = [_as_v2(session, doc) for doc in documents]
        events.send_fulfilled(
            session,
            connection=connection,
            url=request.event_source,
            version=request.spec_version,
            request_event_id=request.event_id,
            documents=sent,
            source=source,
            request_id=request.id,
        )
    else:
        library.receive(
            session,
            organisation_id=request.requester_id,
            footprints=footprints,
            origin=ReceivedOrigin.REQUEST,
            received_by=actor.label,
            supplier_id=request.supplier_id,
            request_id=request.id,
        )
    request.answer_ids = json.dumps([f.id for f in footprints])
    _close(request, RequestStatus.FULFILLED)
    _step(session, request, "fulfilled", actor, note)
    session.flush()
    return request


def answer_with_footprint(
    session: Session,
    *,
    actor: Actor,
    request_id: uuid.UUID,
    footprint_id: uuid.UUID,
    source: str = "",
) -> DataRequest:
    """Answer with one of the supplier's Active published footprints: it is shared with the
    requester (a private footprint becomes shared with partners) and recorded as such."""
    request = _as_supplier(session, actor, request_id)
    _open(request)
    footprint = session.get(PublishedFootprint, footprint_id)
    if footprint is None or footprint.organisation_id != actor.organisation_id:
        raise NotFound(_("No footprint {id}.").format(id=footprint_id), loc=("footprint_id",))
    if footprint.status != FootprintStatus.ACTIVE or footprint.withdrawn_at is not None:
        raise Conflict(
            _("Answer with an active footprint, not a replaced or withdrawn one."),
            loc=("footprint_id",),
        )
    if session.get(FootprintShare, (footprint.id, request.requester_id)) is None:
        session.add(FootprintShare(footprint_id=footprint.id, organisation_id=request.requester_id))
    before = footprint.visibility
    if footprint.visibility == Visibility.PRIVATE:
        footprint.visibility = Visibility.PARTNERS
    requester = session.get_one(Organisation, request.requester_id)
    record(
        session, footprint, action=DisclosureAction.ANSWERED, actor=actor,
        before=before, after=footprint.visibility, reason=requester.slug, public=False,
    )  # fmt: skip
    session.flush()
    document = library.published_document(footprint)
    return _fulfil(session, request, actor, [document], str(footprint.id), source)


def answer_with_calculation(
    session: Session,
    *,
    actor: Actor,
    request_id: uuid.UUID,
    calculation_id: uuid.UUID,
    source: str = "",
) -> DataRequest:
    """Publish one of the supplier's calculations and answer with it."""
    request = _as_supplier(session, actor, request_id)
    _open(request)
    footprint = publish(session, actor=actor, calculation_id=calculation_id)
    return answer_with_footprint(
        session, actor=actor, request_id=request.id, footprint_id=footprint.id
    )


def answer_with_file(
    session: Session, *, actor: Actor, request_id: uuid.UUID, content: bytes, source: str = ""
) -> DataRequest:
    """Answer with a PACT file made elsewhere (checked against the spec first)."""
    request = _as_supplier(session, actor, request_id)
    _open(request)
    if len(content) > library.MAX_UPLOAD_BYTES:
        raise InvalidInput(_("The file is too large."), loc=("file",))
    footprints = read_pacts(content)
    return _fulfil(
        session, request, actor, [f.document for f in footprints], _("uploaded PACT file"), source
    )
