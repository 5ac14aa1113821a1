"""Disclosure and supply-chain pages: an enterprise publishes its footprints at the level it
chooses, asks its suppliers for theirs, answers its customers, keeps a library of supplier
footprints, and applies supplier updates to its studies.

Each form posts to a route that declares its right, calls one service of
:mod:`tanji.exchange.pact`, commits and redirects; a refused form comes back with the
problem next to the field it names.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Path, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from tanji.accounts import service as accounts
from tanji.accounts.models import Organisation, OrganisationKind
from tanji.accounts.policy import Actor, Right
from tanji.core.errors import Conflict, InvalidInput
from tanji.core.i18n import N_, _, gettext, in_language
from tanji.exchange.pact import connections, disclosure, events, library, requests, updates
from tanji.exchange.pact import service as pact
from tanji.exchange.pact.models import DataRequest, RequestStatus, Visibility
from tanji.footprints import studies
from tanji.footprints.models import Calculation, Product, Study
from tanji.web.api.pact import platform_address
from tanji.web.deps import CsrfChecked, SessionDep, require
from tanji.web.pages.registry import label
from tanji.web.rendering import page

router = APIRouter(tags=["pages"], include_in_schema=False)

CanRead = Annotated[Actor, Depends(require(Right.STUDY_READ))]
CanDisclose = Annotated[Actor, Depends(require(Right.DISCLOSE))]
CanRequest = Annotated[Actor, Depends(require(Right.SUPPLY_REQUEST))]
CanEdit = Annotated[Actor, Depends(require(Right.STUDY_EDIT))]
Short = Annotated[str, Form(max_length=300)]
Long = Annotated[str, Form(max_length=requests.MAX_COMMENT)]

LEVEL_NAMES = {
    Visibility.PRIVATE: N_("Private"),
    Visibility.PARTNERS: N_("Shared with partners"),
    Visibility.PUBLIC: N_("Public summary"),
}
LEVEL_HELP = {
    Visibility.PRIVATE: N_("Only your organisation sees it."),
    Visibility.PARTNERS: N_(
        "The partners you name receive the PACT footprint: totals, separated figures, "
        "data quality. Never the bill of materials or your suppliers."
    ),
    Visibility.PUBLIC: N_(
        "Everyone sees the public summary (value, unit, boundary, rule, grade, verification "
        "status) and any PACT client may read the footprint."
    ),
}
EVENT_NAMES = {
    "published": N_("Published"),
    "superseded": N_("Replaced by a newer footprint"),
    "level": N_("Disclosure level changed"),
    "shared": N_("Shared with"),
    "unshared": N_("No longer shared with"),
    "verifier": N_("Verifier changed"),
    "withdrawn": N_("Withdrawn"),
    "answered": N_("Shared in answer to a request from"),
}
REQUEST_STATUS_NAMES = {
    RequestStatus.OPEN: N_("open"),
    RequestStatus.FULFILLED: N_("fulfilled"),
    RequestStatus.DECLINED: N_("declined"),
    RequestStatus.CANCELLED: N_("cancelled"),
}
ORIGIN_NAMES = {
    "platform": N_("shared on the platform"),
    "upload": N_("uploaded file"),
    "request": N_("answer to a request"),
    "partner": N_("from a partner system"),
}
JOB_NAMES = {
    "event": N_("event"),
    "fetch": N_("fetch footprints"),
    "pending": N_("waiting"),
    "done": N_("done"),
    "abandoned": N_("given up"),
}
REQUEST_TONES = {"open": "warn", "fulfilled": "ok", "declined": "bad", "cancelled": "muted"}
DONE = {
    "published": N_("The footprint was published."),
    "changed": N_("The disclosure was updated."),
    "withdrawn": N_("The disclosure was withdrawn."),
    "requested": N_("Your request was sent to the supplier."),
    "reminded": N_("A reminder was sent."),
    "cancelled": N_("The request was cancelled."),
    "declined": N_("The request was declined."),
    "answered": N_("The footprint was delivered to the customer."),
    "imported": N_("The PACT file was added to your supplier library."),
    "dismissed": N_("The supplier update was dismissed."),
}


def _helpers() -> dict[str, Any]:
    return {
        "local": in_language,
        "level_name": lambda v: label(LEVEL_NAMES, v),
        "level_help": lambda v: label(LEVEL_HELP, v),
        "event_name": lambda v: label(EVENT_NAMES, v),
        "request_status": lambda v: label(REQUEST_STATUS_NAMES, v),
        "request_action": lambda v: label(requests.ACTION_NAMES, v),
        "origin_name": lambda v: label(ORIGIN_NAMES, v),
        "job_name": lambda v: label(JOB_NAMES, v),
        "REQUEST_TONES": REQUEST_TONES,
        "LEVELS": Visibility.ALL,
    }


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> Response:
    return page(request, template, status_code=status_code, **_helpers(), **context)


def _flash(done: str | None) -> list[dict[str, str]]:
    return [{"kind": "ok", "text": gettext(DONE[done])}] if done in DONE else []


# Fields the forms show a problem beside; any other problem shows above the form.
FORM_FIELDS = frozenset(
    {
        "visibility", "partner_slugs", "verifier_slug", "reason", "calculation_id",
        "footprint_id", "file", "supplier_slug", "product_name", "product_ids", "due_on",
        "comment",
    }
)  # fmt: skip


def _problems(error: InvalidInput | Conflict) -> dict[str, str]:
    field = str(error.loc[0]) if error.loc else ""
    return {field if field in FORM_FIELDS else "": error.message}


def _slugs(text: str) -> list[str]:
    return [s.strip() for s in text.replace(",", " ").split() if s.strip()]


def _orgs(session: Session, ids: set[uuid.UUID]) -> dict[uuid.UUID, Organisation]:
    if not ids:
        return {}
    return {o.id: o for o in session.scalars(select(Organisation).where(Organisation.id.in_(ids)))}


# --- disclosure -----------------------------------------------------------------------------


def _publishable(session: Session, actor: Actor) -> list[tuple[Calculation, Study, Product]]:
    """The latest calculation of each of the organisation's studies."""
    found = []
    for study in studies.list_studies(session, actor=actor):
        calculations = studies.list_calculations(session, actor=actor, study_id=study.id)
        if calculations:
            latest = max(calculations, key=lambda c: c.created_at)
            found.append(
                (
                    latest,
                    study,
                    studies.get_product(session, actor=actor, product_id=study.product_id),
                )
            )
    return found


def _partners_choice(session: Session, actor: Actor) -> list[Organisation]:
    organisation = session.get_one(Organisation, actor.organisation_id)
    return accounts.customers_of(session, organisation)


def _certifiers(session: Session) -> list[Organisation]:
    return list(
        session.scalars(
            select(Organisation)
            .where(Organisation.kind == OrganisationKind.CERTIFIER, Organisation.active.is_(True))
            .order_by(Organisation.slug)
        )
    )


def _disclosures_page(
    request: Request,
    session: Session,
    actor: Actor,
    *,
    errors: Mapping[str, str] | None = None,
    values: Mapping[str, str] | None = None,
    done: str | None = None,
    status_code: int = 200,
) -> Response:
    footprints = disclosure.list_own(session, actor=actor)
    products, totals = {}, {}
    for row in footprints:
        study = session.get_one(Study, row.study_id)
        products[row.id] = session.get_one(Product, study.product_id)
        calculation = session.get_one(Calculation, row.calculation_id)
        totals[row.id] = (calculation.total, calculation.unit)
    return render(
        request,
        "exchange/disclosures.html",
        status_code=status_code,
        active="disclosure",
        footprints=footprints,
        products=products,
        totals=totals,
        publishable=_publishable(session, actor) if actor.can(Right.DISCLOSE) else [],
        customers=_partners_choice(session, actor),
        certifiers=_certifiers(session),
        errors=dict(errors or {}),
        values=dict(values or {}),
        flashes=_flash(done),
    )


@router.get("/disclosure", response_class=HTMLResponse)
def disclosures(
    request: Request,
    session: SessionDep,
    actor: CanRead,
    done: Annotated[str | None, Query(max_length=20)] = None,
) -> Response:
    """The organisation's published footprints and who may read each."""
    return _disclosures_page(request, session, actor, done=done)


@router.post("/disclosure", dependencies=[CsrfChecked])
def publish(
    request: Request,
    session: SessionDep,
    actor: CanDisclose,
    calculation_id: Annotated[str, Form(max_length=40)] = "",
    visibility: Annotated[str, Form(max_length=20)] = Visibility.PRIVATE,
    partners: Short = "",
    verifier: Annotated[str, Form(max_length=80)] = "",
) -> Response:
    """Publish a calculation as a PACT footprint at the level chosen."""
    values = {"calculation_id": calculation_id, "visibility": visibility, "partners": partners}
    try:
        try:
            chosen = uuid.UUID(calculation_id)
        except ValueError:
            raise InvalidInput(_("Choose a calculation."), loc=("calculation_id",)) from None
        footprint = pact.publish(
            session,
            actor=actor,
            calculation_id=chosen,
            visibility=visibility,
            partner_slugs=_slugs(partners),
            verifier_slug=verifier or "",
        )
        events.announce(session, footprint=footprint, source=platform_address(request))
    except (InvalidInput, Conflict) as error:
        session.rollback()
        return _disclosures_page(
            request, session, actor, errors=_problems(error), values=values, status_code=422
        )
    session.commit()
    return RedirectResponse(f"/disclosure/{footprint.id}?done=published", status_code=303)


def _disclosure_page(
    request: Request,
    session: Session,
    actor: Actor,
    disclosure_id: uuid.UUID,
    *,
    errors: Mapping[str, str] | None = None,
    done: str | None = None,
    status_code: int = 200,
) -> Response:
    footprint = disclosure.get_own(session, actor=actor, footprint_id=disclosure_id)
    events = disclosure.history(session, footprint)
    study = session.get_one(Study, footprint.study_id)
    return render(
        request,
        "exchange/disclosure.html",
        status_code=status_code,
        active="disclosure",
        footprint=footprint,
        summary=disclosure.summary_of(session, footprint),
        study=study,
        partners=disclosure.partners_of(session, footprint),
        verifier=session.get(Organisation, footprint.verifier_id)
        if footprint.verifier_id
        else None,
        events=events,
        customers=_partners_choice(session, actor),
        certifiers=_certifiers(session),
        errors=dict(errors or {}),
        flashes=_flash(done),
    )


@router.get("/disclosure/{disclosure_id}", response_class=HTMLResponse)
def disclosure_view(
    request: Request,
    session: SessionDep,
    actor: CanRead,
    disclosure_id: uuid.UUID,
    done: Annotated[str | None, Query(max_length=20)] = None,
) -> Response:
    """One published footprint: its level, partners, verifier and history."""
    return _disclosure_page(request, session, actor, disclosure_id, done=done)


@router.post("/disclosure/{disclosure_id}", dependencies=[CsrfChecked])
def disclosure_change(
    request: Request,
    session: SessionDep,
    actor: CanDisclose,
    disclosure_id: uuid.UUID,
    visibility: Annotated[str, Form(max_length=20)] = "",
    partners: Short = "",
    verifier: Annotated[str, Form(max_length=80)] = "",
    reason: Long = "",
) -> Response:
    """Change the level, the partners (the full list) and the verifier."""
    try:
        changed = disclosure.change(
            session,
            actor=actor,
            footprint_id=disclosure_id,
            visibility=visibility or None,
            partner_slugs=_slugs(partners),
            verifier_slug=verifier,
            reason=reason,
        )
        events.announce(session, footprint=changed, source=platform_address(request))
    except (InvalidInput, Conflict) as error:
        session.rollback()
        return _disclosure_page(
            request, session, actor, disclosure_id, errors=_problems(error), status_code=422
        )
    session.commit()
    return RedirectResponse(f"/disclosure/{disclosure_id}?done=changed", status_code=303)


@router.post("/disclosure/{disclosure_id}/withdraw", dependencies=[CsrfChecked])
def disclosure_withdraw(
    request: Request,
    session: SessionDep,
    actor: CanDisclose,
    disclosure_id: uuid.UUID,
    reason: Long = "",
) -> Response:
    """Withdraw a disclosure, with the reason on the record."""
    try:
        disclosure.withdraw(session, actor=actor, footprint_id=disclosure_id, reason=reason)
    except (InvalidInput, Conflict) as error:
        session.rollback()
        return _disclosure_page(
            request, session, actor, disclosure_id, errors=_problems(error), status_code=422
        )
    session.commit()
    return RedirectResponse(f"/disclosure/{disclosure_id}?done=withdrawn", status_code=303)


# --- supply chain ---------------------------------------------------------------------------


def _supply_page(
    request: Request,
    session: Session,
    actor: Actor,
    *,
    errors: Mapping[str, str] | None = None,
    values: Mapping[str, str] | None = None,
    done: str | None = None,
    status_code: int = 200,
) -> Response:
    rows = requests.list_for(session, actor=actor)
    organisation = session.get_one(Organisation, actor.organisation_id)
    orgs = _orgs(session, {r.requester_id for r in rows} | {r.supplier_id for r in rows})
    received = library.library_of(session, actor.organisation_id)
    flags = updates.open_flags_of_organisation(session, actor=actor)
    flagged_studies = {f.study_id: session.get_one(Study, f.study_id) for f in flags}
    return render(
        request,
        "exchange/supply_chain.html",
        status_code=status_code,
        active="supply-chain",
        sent=[r for r in rows if r.requester_id == actor.organisation_id],
        incoming=[r for r in rows if r.supplier_id == actor.organisation_id],
        orgs=orgs,
        suppliers=accounts.suppliers_of(session, organisation),
        received=received,
        flags=flags,
        flagged_studies=flagged_studies,
        errors=dict(errors or {}),
        values=dict(values or {}),
        flashes=_flash(done),
        today=dt.date.today(),
    )


@router.get("/supply-chain", response_class=HTMLResponse)
def supply_chain(
    request: Request,
    session: SessionDep,
    actor: CanRead,
    done: Annotated[str | None, Query(max_length=20)] = None,
) -> Response:
    """Data requests sent and received, the supplier library, and supplier updates."""
    return _supply_page(request, session, actor, done=done)


def _date(text: str) -> dt.date | None:
    text = text.strip()
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(
            _("'{value}' is not a date such as 2026-03-01.").format(value=text[:20]),
            loc=("due_on",),
        ) from None


@router.post("/supply-chain/requests", dependencies=[CsrfChecked])
def request_create(
    request: Request,
    session: SessionDep,
    actor: CanRequest,
    supplier: Annotated[str, Form(max_length=80)] = "",
    product_name: Short = "",
    product_ids: Short = "",
    comment: Long = "",
    due_on: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    """Ask a supplier for a product's footprint."""
    values = {
        "supplier": supplier,
        "product_name": product_name,
        "product_ids": product_ids,
        "comment": comment,
        "due_on": due_on,
    }
    try:
        created = requests.create(
            session,
            actor=actor,
            supplier_slug=supplier,
            product_name=product_name,
            product_ids=product_ids.split(),
            comment=comment,
            due_on=_date(due_on),
            source=platform_address(request),
        )
    except (InvalidInput, Conflict) as error:
        session.rollback()
        return _supply_page(
            request, session, actor, errors=_problems(error), values=values, status_code=422
        )
    session.commit()
    return RedirectResponse(f"/supply-chain/requests/{created.id}?done=requested", status_code=303)


@router.post("/supply-chain/library", dependencies=[CsrfChecked])
def library_upload(
    request: Request,
    session: SessionDep,
    actor: CanRequest,
    file: Annotated[UploadFile | None, File()] = None,
) -> Response:
    """Add a supplier's PACT file (v3 or v2) to the library."""
    try:
        if file is None or not file.filename:
            raise InvalidInput(_("Choose a PACT JSON file."), loc=("file",))
        content = file.file.read(library.MAX_UPLOAD_BYTES + 1)
        library.receive_file(
            session,
            organisation_id=actor.organisation_id,
            content=content,
            received_by=actor.label,
        )
    except InvalidInput as error:
        session.rollback()
        return _supply_page(request, session, actor, errors={"file": str(error)}, status_code=422)
    session.commit()
    return RedirectResponse("/supply-chain?done=imported#library", status_code=303)


def _request_page(
    request: Request,
    session: Session,
    actor: Actor,
    request_id: uuid.UUID,
    *,
    errors: Mapping[str, str] | None = None,
    done: str | None = None,
    status_code: int = 200,
) -> Response:
    found: DataRequest = requests.get(session, actor=actor, request_id=request_id)
    is_supplier = found.supplier_id == actor.organisation_id
    own_footprints = []
    if is_supplier and actor.can(Right.DISCLOSE):
        own_footprints = [
            f
            for f in disclosure.list_own(session, actor=actor)
            if f.status == "Active" and f.withdrawn_at is None
        ]
    return render(
        request,
        "exchange/request.html",
        status_code=status_code,
        active="supply-chain",
        item=found,
        orgs=_orgs(session, {found.requester_id, found.supplier_id}),
        events=requests.events_of(session, found),
        product_ids=requests.product_ids_of(found),
        answers=requests.answers_of(found),
        is_supplier=is_supplier,
        own_footprints=own_footprints,
        publishable=_publishable(session, actor)
        if is_supplier and actor.can(Right.DISCLOSE)
        else [],
        errors=dict(errors or {}),
        flashes=_flash(done),
    )


@router.get("/supply-chain/requests/{request_id}", response_class=HTMLResponse)
def request_view(
    request: Request,
    session: SessionDep,
    actor: CanRead,
    request_id: uuid.UUID,
    done: Annotated[str | None, Query(max_length=20)] = None,
) -> Response:
    """One data request: its state, its history, and the next step for either party."""
    return _request_page(request, session, actor, request_id, done=done)


def _step(
    request: Request, session: Session, actor: Actor, request_id: uuid.UUID, run: Any, done: str
) -> Response:
    try:
        run()
    except (InvalidInput, Conflict) as error:
        session.rollback()
        return _request_page(
            request, session, actor, request_id, errors=_problems(error), status_code=422
        )
    session.commit()
    return RedirectResponse(f"/supply-chain/requests/{request_id}?done={done}", status_code=303)


@router.post("/supply-chain/requests/{request_id}/remind", dependencies=[CsrfChecked])
def request_remind(
    request: Request, session: SessionDep, actor: CanRequest, request_id: uuid.UUID, note: Long = ""
) -> Response:
    """Remind the supplier (at most once an hour)."""
    return _step(
        request, session, actor, request_id,
        lambda: requests.remind(session, actor=actor, request_id=request_id, note=note),
        "reminded",
    )  # fmt: skip


@router.post("/supply-chain/requests/{request_id}/cancel", dependencies=[CsrfChecked])
def request_cancel(
    request: Request,
    session: SessionDep,
    actor: CanRequest,
    request_id: uuid.UUID,
    reason: Long = "",
) -> Response:
    """Cancel a request the organisation sent."""
    return _step(
        request, session, actor, request_id,
        lambda: requests.cancel(session, actor=actor, request_id=request_id, reason=reason),
        "cancelled",
    )  # fmt: skip


@router.post("/supply-chain/requests/{request_id}/decline", dependencies=[CsrfChecked])
def request_decline(
    request: Request,
    session: SessionDep,
    actor: CanDisclose,
    request_id: uuid.UUID,
    reason: Long = "",
) -> Response:
    """Decline a request, with the reason the customer will read."""
    return _step(
        request, session, actor, request_id,
        lambda: requests.decline(
            session,
            actor=actor,
            request_id=request_id,
            reason=reason,
            source=platform_address(request),
        ),
        "declined",
    )  # fmt: skip


def _uuid(value: str, field: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        raise InvalidInput(_("Choose one."), loc=(field,)) from None


@router.post("/supply-chain/requests/{request_id}/answer", dependencies=[CsrfChecked])
def request_answer(
    request: Request,
    session: SessionDep,
    actor: CanDisclose,
    request_id: uuid.UUID,
    footprint_id: Annotated[str, Form(max_length=40)] = "",
    calculation_id: Annotated[str, Form(max_length=40)] = "",
    file: Annotated[UploadFile | None, File()] = None,
) -> Response:
    """Answer with a published footprint, a calculation published now, or a PACT file."""
    source = platform_address(request)

    def run() -> None:
        if file is not None and file.filename:
            content = file.file.read(library.MAX_UPLOAD_BYTES + 1)
            requests.answer_with_file(
                session, actor=actor, request_id=request_id, content=content, source=source
            )
        elif footprint_id:
            requests.answer_with_footprint(
                session,
                actor=actor,
                request_id=request_id,
                footprint_id=_uuid(footprint_id, "footprint_id"),
                source=source,
            )
        elif calculation_id:
            requests.answer_with_calculation(
                session,
                actor=actor,
                request_id=request_id,
                calculation_id=_uuid(calculation_id, "calculation_id"),
                source=source,
            )
        else:
            raise InvalidInput(
                _("Choose a footprint, a calculation or a PACT file."), loc=("footprint_id",)
            )

    return _step(request, session, actor, request_id, run, "answered")


# --- supplier updates on a study ------------------------------------------------------------


@router.post("/studies/{study_id}/supplier-updates/{flag_id}/apply", dependencies=[CsrfChecked])
def update_apply(
    session: SessionDep, actor: CanEdit, study_id: uuid.UUID, flag_id: uuid.UUID
) -> Response:
    """Use the supplier's new footprint in a new version, calculate it, show the change."""
    applied = updates.apply(session, actor=actor, flag_id=flag_id, study_id=study_id)
    session.commit()
    new = applied.version.number
    return RedirectResponse(
        f"/studies/{applied.flag.study_id}/diff?old={new - 1}&new={new}", status_code=303
    )


@router.post("/studies/{study_id}/supplier-updates/{flag_id}/dismiss", dependencies=[CsrfChecked])
def update_dismiss(
    session: SessionDep, actor: CanEdit, study_id: uuid.UUID, flag_id: uuid.UUID
) -> Response:
    """Keep the footprint the study uses; the flag is closed with a record of who chose so."""
    flag = updates.dismiss(session, actor=actor, flag_id=flag_id, study_id=study_id)
    session.commit()
    return RedirectResponse(f"/studies/{flag.study_id}?dismissed=1", status_code=303)


# --- partner connections (the platform operator) --------------------------------------------

CanAdminister = Annotated[Actor, Depends(require(Right.PLATFORM_ADMIN))]


def _connections_page(
    request: Request,
    session: Session,
    actor: Actor,
    *,
    errors: Mapping[str, str] | None = None,
    values: Mapping[str, str] | None = None,
    done: str | None = None,
    status_code: int = 200,
) -> Response:
    rows = connections.list_connections(session, actor=actor)
    jobs = connections.recent_jobs(session, actor=actor)
    return render(
        request,
        "exchange/connections.html",
        status_code=status_code,
        active="connections",
        rows=rows,
        jobs=jobs,
        names={row.connection.id: row.organisation.slug for row in rows},
        errors=dict(errors or {}),
        values=dict(values or {}),
        flashes=[{"kind": "ok", "text": gettext(CONNECTION_DONE[done])}]
        if done in CONNECTION_DONE
        else [],
    )


CONNECTION_DONE = {
    "created": N_("The connection was registered."),
    "paused": N_("The connection was paused."),
    "resumed": N_("The connection was resumed."),
    "retried": N_("The call will be tried again at once."),
}


@router.get("/admin/connections", response_class=HTMLResponse)
def connections_page(
    request: Request,
    session: SessionDep,
    actor: CanAdminister,
    done: Annotated[str | None, Query(max_length=20)] = None,
) -> Response:
    """Partner PACT systems and the platform's recent calls to them."""
    return _connections_page(request, session, actor, done=done)


@router.post("/admin/connections", dependencies=[CsrfChecked])
def connection_create(
    request: Request,
    session: SessionDep,
    actor: CanAdminister,
    organisation_slug: Annotated[str, Form(max_length=80)] = "",
    base_url: Short = "",
    token_url: Short = "",
    client_id: Annotated[str, Form(max_length=200)] = "",
    client_secret: Annotated[str, Form(max_length=300)] = "",
    spec_version: Annotated[str, Form(max_length=2)] = "3",
) -> Response:
    """Register an enterprise's own PACT system."""
    values = {
        "organisation_slug": organisation_slug,
        "base_url": base_url,
        "token_url": token_url,
        "client_id": client_id,
        "spec_version": spec_version,
    }  # the secret is never sent back
    try:
        connections.create(
            session,
            actor=actor,
            organisation_slug=organisation_slug,
            base_url=base_url,
            client_id=client_id,
            client_secret=client_secret,
            token_url=token_url,
            spec_version=spec_version,
        )
    except (InvalidInput, Conflict) as error:
        session.rollback()
        field = str(error.loc[0]) if error.loc else ""
        return _connections_page(
            request, session, actor, errors={field: error.message}, values=values, status_code=422
        )
    session.commit()
    return RedirectResponse("/admin/connections?done=created", status_code=303)


@router.post("/admin/connections/{connection_id}/{state}", dependencies=[CsrfChecked])
def connection_state(
    session: SessionDep,
    actor: CanAdminister,
    connection_id: uuid.UUID,
    state: Annotated[str, Path(pattern="^(pause|resume)$")],
) -> Response:
    """Pause or resume the calls to a partner system."""
    connections.set_active(
        session, actor=actor, connection_id=connection_id, active=state == "resume"
    )
    session.commit()
    done = "resumed" if state == "resume" else "paused"
    return RedirectResponse(f"/admin/connections?done={done}", status_code=303)


@router.post("/admin/jobs/{job_id}/retry", dependencies=[CsrfChecked])
def job_retry(session: SessionDep, actor: CanAdminister, job_id: uuid.UUID) -> Response:
    """Try a pending or abandoned call again at once."""
    connections.retry(session, actor=actor, job_id=job_id)
    session.commit()
    return RedirectResponse("/admin/connections?done=retried#jobs", status_code=303)
