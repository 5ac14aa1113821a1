"""An organisation's library of supplier footprints (供应商碳足迹库) and how models use it.

A model names a supplier's footprint as an input's factor, ``factor: pact:<footprint id>``.
:class:`LibraryResolver` answers such ids from the organisation's received footprints
first, then from footprints published on this platform that the organisation may read;
every other id goes to the factor database. When a study version using a published
footprint is saved, :func:`keep_used` copies that footprint into the library, so the
customer keeps the data it calculated with even if the supplier later withdraws it.

A received footprint whose ``precedingPfIds`` name one in the library replaces it: the old
one is marked Deprecated and every study whose latest version uses it is flagged
(:class:`~tanji.exchange.pact.models.SupplierUpdate`) for its owner to apply or dismiss.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import Session

from tanji.core.errors import InvalidInput, Loc, UnknownReference
from tanji.core.i18n import _
from tanji.core.model import Factor
from tanji.exchange.pact.importer import PactFootprint, read_pact, read_pacts
from tanji.exchange.pact.models import (
    FootprintShare,
    FootprintStatus,
    PublishedFootprint,
    ReceivedFootprint,
    ReceivedOrigin,
    SupplierUpdate,
    Visibility,
)
from tanji.factors.resolve import FactorRef, FactorResolver
from tanji.footprints.models import Study, StudyVersion

PACT_PREFIX = "pact:"
_PACT_REF = re.compile(
    r"pact:([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})"
)
MAX_UPLOAD_BYTES = 5_000_000


def visible_to(organisation_id: uuid.UUID | None) -> Select[tuple[PublishedFootprint]]:
    """Published footprints an organisation may read as PACT documents: its own, public
    ones, and those shared with it while their owner has not made them private."""
    if organisation_id is None:
        return select(PublishedFootprint).where(PublishedFootprint.visibility == Visibility.PUBLIC)
    shared = select(FootprintShare.footprint_id).where(
        FootprintShare.organisation_id == organisation_id
    )
    return select(PublishedFootprint).where(
        or_(
            PublishedFootprint.organisation_id == organisation_id,
            PublishedFootprint.visibility == Visibility.PUBLIC,
            and_(
                PublishedFootprint.visibility == Visibility.PARTNERS,
                PublishedFootprint.id.in_(shared),
            ),
        )
    )


def published_document(footprint: PublishedFootprint) -> dict[str, Any]:
    """The v3 document as published, with the footprint's current status."""
    doc = json.loads(footprint.document)
    doc["status"] = footprint.status
    return doc


def pact_ids_in(model_text: str) -> list[uuid.UUID]:
    """The supplier footprints a model's text names, each once, in order of appearance."""
    return [
        uuid.UUID(found)
        for found in dict.fromkeys(m.lower() for m in _PACT_REF.findall(model_text))
    ]


def _footprint_id(ref: FactorRef, loc: Loc) -> uuid.UUID:
    try:
        return uuid.UUID(ref.key.removeprefix(PACT_PREFIX))
    except ValueError:
        raise UnknownReference(
            _("'{ref}' is not a supplier footprint id (pact:<UUID>).").format(ref=ref.key), loc=loc
        ) from None


class LibraryResolver:
    """A :class:`~tanji.factors.resolve.FactorResolver` that answers ``pact:`` ids from an
    organisation's supplier library and hands everything else to ``base``."""

    def __init__(self, base: FactorResolver, session: Session, organisation_id: uuid.UUID) -> None:
        self.base = base
        self.session = session
        self.organisation_id = organisation_id
        self._read: dict[uuid.UUID, PactFootprint] = {}

    @property
    def release(self) -> Any:
        return getattr(self.base, "release")  # noqa: B009 - the base's release, when it has one

    def resolve(self, ref: FactorRef, *, loc: Loc = ()) -> Factor:
        if not ref.key.startswith(PACT_PREFIX):
            return self.base.resolve(ref, loc=loc)
        footprint_id = _footprint_id(ref, loc)
        if footprint_id not in self._read:
            self._read[footprint_id] = self._find(footprint_id, ref, loc)
        return self._read[footprint_id].factor

    def _find(self, footprint_id: uuid.UUID, ref: FactorRef, loc: Loc) -> PactFootprint:
        received = self.session.scalar(
            select(ReceivedFootprint).where(
                ReceivedFootprint.organisation_id == self.organisation_id,
                ReceivedFootprint.footprint_id == footprint_id,
            )
        )
        if received is not None:
            return read_pact(received.document, allow_deprecated=True)
        published = self.session.scalar(
            visible_to(self.organisation_id).where(PublishedFootprint.id == footprint_id)
        )
        if published is not None:
            return read_pact(published_document(published), allow_deprecated=True)
        raise UnknownReference(
            _(
                "No supplier footprint '{ref}' in your library: import the supplier's PACT "
                "file, or ask the supplier to share the footprint with you."
            ).format(ref=ref.key),
            loc=loc,
        )


# --- receiving ----------------------------------------------------------------------------


def _row_for(
    pact: PactFootprint,
    *,
    organisation_id: uuid.UUID,
    origin: str,
    received_by: str,
    supplier_id: uuid.UUID | None,
    request_id: uuid.UUID | None,
) -> ReceivedFootprint:
    return ReceivedFootprint(
        organisation_id=organisation_id,
        footprint_id=uuid.UUID(pact.id),
        document=json.dumps(pact.document, ensure_ascii=False),
        spec_version=pact.spec_version,
        status=pact.status,
        company_name=pact.company_name[:300],
        product_name=pact.product_name[:300],
        product_ids=json.dumps(list(pact.product_ids), ensure_ascii=False),
        preceding_ids=json.dumps(list(pact.document.get("precedingPfIds") or [])),
        declared_unit=pact.declared_unit,
        declared_amount=pact.declared_amount,
        total=pact.total,
        origin=origin,
        supplier_id=supplier_id,
        request_id=request_id,
        received_by=received_by,
    )


def receive(
    session: Session,
    *,
    organisation_id: uuid.UUID,
    footprints: Iterable[PactFootprint],
    origin: str,
    received_by: str,
    supplier_id: uuid.UUID | None = None,
    request_id: uuid.UUID | None = None,
) -> list[ReceivedFootprint]:
    """Put footprints into an organisation's library (once each: a PACT footprint never
    changes, so a repeated one only updates its status); a footprint naming predecessors
    in the library replaces them and flags the studies that use them."""
    if origin not in ReceivedOrigin.ALL:
        raise InvalidInput(_("Unknown origin '{origin}'.").format(origin=origin), loc=("origin",))
    rows = []
    for pact in footprints:
        footprint_id = uuid.UUID(pact.id)
        row = session.scalar(
            select(ReceivedFootprint).where(
                ReceivedFootprint.organisation_id == organisation_id,
                ReceivedFootprint.footprint_id == footprint_id,
            )
        )
        if row is None:
            row = _row_for(
                pact,
                organisation_id=organisation_id,
                origin=origin,
                received_by=received_by,
                supplier_id=supplier_id,
                request_id=request_id,
            )
            session.add(row)
            session.flush()
        elif pact.status == FootprintStatus.DEPRECATED:
            row.status = FootprintStatus.DEPRECATED
        rows.append(row)
        for old_id in _uuids(pact.document.get("precedingPfIds") or ()):
            replace_in_library(
                session, organisation_id=organisation_id, old_id=old_id, new_id=footprint_id
            )
    session.flush()
    return rows


def receive_file(
    session: Session,
    *,
    organisation_id: uuid.UUID,
    content: bytes,
    received_by: str,
    supplier_id: uuid.UUID | None = None,
    request_id: uuid.UUID | None = None,
    origin: str = ReceivedOrigin.UPLOAD,
) -> list[ReceivedFootprint]:
    """An uploaded PACT file (one footprint, a ``{"data": …}`` envelope or a list), checked
    against the spec before anything is stored."""
    if len(content) > MAX_UPLOAD_BYTES:
        raise InvalidInput(
            _("The file is larger than {size} MB.").format(size=MAX_UPLOAD_BYTES // 1_000_000),
            loc=("file",),
        )
    footprints = read_pacts(content)
    return receive(
        session,
        organisation_id=organisation_id,
        footprints=footprints,
        origin=origin,
        received_by=received_by,
        supplier_id=supplier_id,
        request_id=request_id,
    )


def _uuids(values: Iterable[Any]) -> list[uuid.UUID]:
    found = []
    for value in values:
        try:
            found.append(uuid.UUID(str(value)))
        except ValueError:
            continue
    return found


def replace_in_library(
    session: Session, *, organisation_id: uuid.UUID, old_id: uuid.UUID, new_id: uuid.UUID
) -> None:
    """``new_id`` supersedes ``old_id`` in one organisation's library and models."""
    old = session.scalar(
        select(ReceivedFootprint).where(
            ReceivedFootprint.organisation_id == organisation_id,
            ReceivedFootprint.footprint_id == old_id,
        )
    )
    if old is not None:
        old.status = FootprintStatus.DEPRECATED
        old.superseded_by = new_id
    flag_studies(session, organisation_ids=[organisation_id], old_id=old_id, new_id=new_id)


def studies_using(
    session: Session, footprint_id: uuid.UUID, organisation_ids: Iterable[uuid.UUID] | None = None
) -> list[Study]:
    """Studies whose latest version names the footprint (``pact:<id>``)."""
    needle = f"%{PACT_PREFIX}{footprint_id}%"
    query = (
        select(Study)
        .join(
            StudyVersion,
            and_(StudyVersion.study_id == Study.id, StudyVersion.number == Study.latest_version),
        )
        .where(func.lower(StudyVersion.model).like(needle))
    )
    if organisation_ids is not None:
        query = query.where(Study.organisation_id.in_(list(organisation_ids)))
    return list(session.scalars(query.order_by(Study.created_at)))


def flag_studies(
    session: Session,
    *,
    organisation_ids: Iterable[uuid.UUID] | None,
    old_id: uuid.UUID,
    new_id: uuid.UUID,
) -> list[SupplierUpdate]:
    """Flag every study (of the given organisations) that uses ``old_id``, once."""
    flags = []
    for study in studies_using(session, old_id, organisation_ids):
        existing = session.scalar(
            select(SupplierUpdate).where(
                SupplierUpdate.study_id == study.id,
                SupplierUpdate.old_footprint_id == old_id,
                SupplierUpdate.new_footprint_id == new_id,
            )
        )
        if existing is None:
            existing = SupplierUpdate(
                study_id=study.id, old_footprint_id=old_id, new_footprint_id=new_id
            )
            session.add(existing)
        flags.append(existing)
    session.flush()
    return flags


def keep_used(
    session: Session, *, organisation_id: uuid.UUID, model_text: str, received_by: str
) -> list[ReceivedFootprint]:
    """Copy the platform footprints a model uses into the organisation's library."""
    kept = []
    for footprint_id in pact_ids_in(model_text):
        held = session.scalar(
            select(ReceivedFootprint.id).where(
                ReceivedFootprint.organisation_id == organisation_id,
                ReceivedFootprint.footprint_id == footprint_id,
            )
        )
        if held is not None:
            continue
        published = session.scalar(
            visible_to(organisation_id).where(PublishedFootprint.id == footprint_id)
        )
        if published is None or published.organisation_id == organisation_id:
            continue
        pact = read_pact(published_document(published), allow_deprecated=True)
        kept += receive(
            session,
            organisation_id=organisation_id,
            footprints=[pact],
            origin=ReceivedOrigin.PLATFORM,
            received_by=received_by,
            supplier_id=published.organisation_id,
        )
    return kept


def library_of(session: Session, organisation_id: uuid.UUID) -> list[ReceivedFootprint]:
    """The organisation's received footprints, newest first."""
    return list(
        session.scalars(
            select(ReceivedFootprint)
            .where(ReceivedFootprint.organisation_id == organisation_id)
            .order_by(ReceivedFootprint.created_at.desc(), ReceivedFootprint.id)
        )
    )


def document_of_received(row: ReceivedFootprint) -> Mapping[str, Any]:
    return json.loads(row.document)
