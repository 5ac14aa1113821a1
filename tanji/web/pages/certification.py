"""Certification pages: enterprises apply and follow their applications; certification
bodies work through their inbox, step by step, and look after the certificates they issued.

Each route parses the form, declares the right it needs, calls one service of
:mod:`tanji.labels.service`, commits and redirects; a refused step comes back onto the
application page with the problem next to the field it names.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from tanji.accounts.policy import Actor, Right
from tanji.core.errors import Conflict, InvalidInput, format_loc
from tanji.core.i18n import N_, _, gettext, in_language
from tanji.footprints import studies
from tanji.labels import registry, service
from tanji.labels.models import ApplicationStatus, Certificate
from tanji.reports import charts
from tanji.reports.render import filename, render_html, render_pdf
from tanji.web.deps import CsrfChecked, SessionDep, require
from tanji.web.formatting import date as format_date
from tanji.web.pages.verify import issuer_of
from tanji.web.rendering import page

router = APIRouter(tags=["pages"], include_in_schema=False)

LoggedIn = Annotated[Actor, Depends(require())]
CanApply = Annotated[Actor, Depends(require(Right.CERT_APPLY))]
CanVerify = Annotated[Actor, Depends(require(Right.CERT_VERIFY))]
CanDecide = Annotated[Actor, Depends(require(Right.CERT_DECIDE))]
Files = Annotated[list[UploadFile] | None, File()]
Text = Annotated[str, Form(max_length=service.MAX_TEXT)]
Reason = Annotated[str, Form(max_length=service.MAX_REASON)]
Lines = Annotated[str, Form(max_length=service.MAX_REASON * 20)]
DateField = Annotated[str, Form(max_length=20)]

INBOX_ORDER = (*service.OPEN, ApplicationStatus.CERTIFIED, ApplicationStatus.REJECTED)
DONE = {
    "apply": N_("Your application was sent to the certification body."),
    "accept": N_("The application was accepted."),
    "plan": N_("The certification plan was recorded."),
    "review-documents": N_("The document review was recorded."),
    "inspect": N_("The on-site inspection was recorded."),
    "verify": N_("The verification was recorded."),
    "decide": N_("The decision was recorded."),
    "withdraw-application": N_("The application was withdrawn."),
    "surveil": N_("The surveillance was recorded."),
    "suspend": N_("The certificate was suspended."),
    "reinstate": N_("The certificate was reinstated."),
    "withdraw": N_("The certificate was withdrawn."),
}

STEP_TITLES = {
    "accept": N_("Accept the application"),
    "plan": N_("Plan the certification"),
    "review-documents": N_("Record the document review"),
    "inspect": N_("Record the on-site inspection"),
    "verify": N_("Verify the footprint"),
    "decide": N_("Decide"),
    "withdraw-application": N_("Withdraw the application"),
    "surveil": N_("Record a surveillance"),
    "suspend": N_("Suspend the certificate"),
    "reinstate": N_("Reinstate the certificate"),
    "withdraw": N_("Withdraw the certificate"),
}


# --- helpers shared by the templates --------------------------------------------------


local = in_language  # the templates call it `local`


def step_title(step: str) -> str:
    """What a step's form does, in the interface language."""
    return gettext(STEP_TITLES[step]) if step in STEP_TITLES else step


def iso_day(value: Any) -> str:
    """A date kept as ISO text in an event's details, formatted like every other date."""
    try:
        return format_date(dt.date.fromisoformat(str(value)))
    except ValueError:
        return str(value or "")


def _helpers() -> dict[str, Any]:
    return {
        "local": local,
        "step_title": step_title,
        "iso_day": iso_day,
        "status_name": service.status_name,
        "action_name": service.action_name,
        "label_kind_name": service.label_kind_name,
        "stage_name": charts.stage_name,
        "details_of": service.details_of,
        "effective_status": registry.effective_status,
        "LABEL_KINDS": service.LABEL_KINDS,
    }


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> Response:
    return page(request, template, status_code=status_code, **_helpers(), **context)


def _uploads(files: list[UploadFile] | None) -> list[service.Upload]:
    """The uploaded files as (name, type, content); one byte past the limit is read so the
    service can refuse a file that is too large without reading all of it."""
    found = []
    for upload in files or ():
        if not upload.filename:
            continue
        content = upload.file.read(service.MAX_ATTACHMENT_BYTES + 1)
        found.append((upload.filename, upload.content_type or "", content))
    return found


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def _date(text: str, field: str) -> dt.date | None:
    """A date typed into a form (None when left empty), or InvalidInput naming the field."""
    text = (text or "").strip()
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(
            _("'{value}' is not a date such as 2026-03-01.").format(value=text[:20]), loc=(field,)
        ) from None


def _day(text: str, field: str) -> dt.date:
    """A date the form must give."""
    day = _date(text, field)
    if day is None:
        raise InvalidInput(_("Give a date."), loc=(field,))
    return day


def _problems(error: InvalidInput | Conflict) -> dict[str, str]:
    """A refused form's problems by field; one without a known field shows above the form."""
    field = str(error.loc[0]) if error.loc else ""
    if field in ("documents", "attachments", "samples") and len(error.loc) > 1:
        return {field: f"{format_loc(error.loc)}: {error.message}"}
    return {field: error.message}


def _done(application_id: uuid.UUID, action: str) -> RedirectResponse:
    return RedirectResponse(
        f"/certification/applications/{application_id}?done={action}#timeline", status_code=303
    )


# --- lists ----------------------------------------------------------------------------


@router.get("/certification", response_class=HTMLResponse)
def index(
    request: Request,
    session: SessionDep,
    actor: LoggedIn,
    status: Annotated[str | None, Query(max_length=30)] = None,
) -> Response:
    """Applications and certificates: an enterprise's own, or a certification body's inbox."""
    wanted = status if status in ApplicationStatus.ALL else None
    rows = service.application_rows(session, actor=actor, status=wanted)
    certificates = service.list_certificates(session, actor=actor)
    by_status: dict[str, list[service.ApplicationRow]] = {}
    for row in rows:
        by_status.setdefault(row.application.status, []).append(row)
    order = [s for s in INBOX_ORDER if s in by_status]
    order += [s for s in by_status if s not in order]
    return render(
        request,
        "certification/index.html",
        rows=rows,
        by_status=by_status,
        order=order,
        status=wanted,
        certificates=certificates,
        is_body=actor.can(Right.CERT_VERIFY),
        today=registry.beijing_today(),
    )


# --- applying -------------------------------------------------------------------------


def _apply_page(
    request: Request,
    session: Session,
    actor: Actor,
    calculation_id: uuid.UUID,
    *,
    errors: Mapping[str, str] | None = None,
    values: Mapping[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    calculation = studies.get_calculation(session, actor=actor, calculation_id=calculation_id)
    study = studies.get_study(session, actor=actor, study_id=calculation.study_id)
    product = studies.get_product(session, actor=actor, product_id=study.product_id)
    check = studies.result_of(calculation).get("rule_check") or {}
    problems = [f for f in check.get("findings", ()) if f.get("severity") == "error"]
    return render(
        request,
        "certification/apply.html",
        status_code=status_code,
        calculation=calculation,
        study=study,
        product=product,
        problems=problems,
        certifiers=service.list_certifiers(session),
        errors=dict(errors or {}),
        values=dict(values or {}),
        max_mb=service.MAX_ATTACHMENT_BYTES // (1024 * 1024),
    )


@router.get("/certification/apply/{calculation_id}", response_class=HTMLResponse)
def apply_form(
    request: Request, session: SessionDep, actor: CanApply, calculation_id: uuid.UUID
) -> Response:
    """Apply for certification of a calculation: choose the body, the label, the documents."""
    return _apply_page(request, session, actor, calculation_id)


@router.post("/certification/apply/{calculation_id}", dependencies=[CsrfChecked])
def apply(
    request: Request,
    session: SessionDep,
    actor: CanApply,
    calculation_id: uuid.UUID,
    certifier: Annotated[str, Form(max_length=80)] = "",
    label_kind: Annotated[str, Form(max_length=30)] = "footprint-value",
    reason: Reason = "",
    documents: Files = None,
) -> Response:
    """Send the application with its documents."""
    calculation = studies.get_calculation(session, actor=actor, calculation_id=calculation_id)
    try:
        application = service.apply(
            session,
            actor=actor,
            study_id=calculation.study_id,
            calculation_id=calculation.id,
            certifier_slug_or_id=certifier,
            documents=_uploads(documents),
            label_kind=label_kind,
            reason=reason,
        )
        session.commit()
    except (InvalidInput, Conflict) as error:
        session.rollback()
        return _apply_page(
            request,
            session,
            actor,
            calculation_id,
            errors=_problems(error),
            values={"certifier": certifier, "label_kind": label_kind, "reason": reason},
            status_code=409 if isinstance(error, Conflict) else 422,
        )
    return _done(application.id, "apply")


# --- one application ------------------------------------------------------------------


def _input_rows(model: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The model's inputs for the sample table: key, name, amount, unit, data kind."""
    rows = []
    for process in model.get("processes") or ():
        for item in process.get("inputs") or ():
            name = item.get("name")
            if isinstance(name, Mapping):
                name = local(name.get("zh"), name.get("en"))
            rows.append(
                {
                    "key": f"{process.get('id')}/{item.get('id')}",
                    "name": str(name or item.get("id") or ""),
                    "amount": item.get("amount"),
                    "unit": item.get("unit", ""),
                    "data": item.get("data", ""),
                    "source": item.get("source", ""),
                }
            )
    return rows


def _application_page(
    request: Request,
    session: Session,
    actor: Actor,
    application_id: uuid.UUID,
    *,
    done: str | None = None,
    errors: Mapping[str, Mapping[str, str]] | None = None,
    values: Mapping[str, Mapping[str, Any]] | None = None,
    status_code: int = 200,
) -> Response:
    subject = service.subject_of(session, actor=actor, application_id=application_id)
    application = subject.application
    events = service.history(session, actor=actor, application_id=application_id)
    files = service.attachments(session, actor=actor, application_id=application_id)
    certificate = service.certificate_of(session, actor=actor, application_id=application_id)
    steps = service.next_steps(actor, application, certificate)
    by_event: dict[uuid.UUID | None, list[Any]] = {}
    for item in files:
        by_event.setdefault(item.event_id, []).append(item)
    model = studies.model_of(subject.version)
    result = studies.result_of(subject.calculation)
    flashes = [{"kind": "ok", "text": gettext(DONE[done])}] if done in DONE else []
    return render(
        request,
        "certification/application.html",
        status_code=status_code,
        subject=subject,
        application=application,
        events=events,
        files_by_event=by_event,
        certificate=certificate,
        certificate_status=registry.effective_status(certificate) if certificate else None,
        verification=service.verification_of(session, actor=actor, application_id=application_id),
        steps=steps,
        verifiers=service.verifiers(session, actor=actor) if "plan" in steps else [],
        inputs=_input_rows(model) if "verify" in steps else [],
        boundary=(model.get("product") or {}).get("boundary", ""),
        result=result,
        check=result.get("rule_check") or {},
        is_applicant=actor.organisation_id == application.organisation_id,
        flashes=flashes,
        errors={key: dict(value) for key, value in (errors or {}).items()},
        values={key: dict(value) for key, value in (values or {}).items()},
        today=registry.beijing_today(),
        max_mb=service.MAX_ATTACHMENT_BYTES // (1024 * 1024),
    )


@router.get("/certification/applications/{application_id}", response_class=HTMLResponse)
def application_view(
    request: Request,
    session: SessionDep,
    actor: LoggedIn,
    application_id: uuid.UUID,
    done: Annotated[str | None, Query(max_length=40)] = None,
) -> Response:
    """An application: its subject, status, timeline, certificate and the next steps."""
    return _application_page(request, session, actor, application_id, done=done)


def _refused(
    request: Request,
    session: Session,
    actor: Actor,
    application_id: uuid.UUID,
    action: str,
    error: InvalidInput | Conflict,
    values: Mapping[str, Any],
) -> Response:
    session.rollback()
    return _application_page(
        request,
        session,
        actor,
        application_id,
        errors={action: _problems(error)},
        values={action: values},
        status_code=409 if isinstance(error, Conflict) else 422,
    )


@router.post("/certification/applications/{application_id}/accept", dependencies=[CsrfChecked])
def accept(
    request: Request,
    session: SessionDep,
    actor: CanVerify,
    application_id: uuid.UUID,
    reason: Reason = "",
    attachments: Files = None,
) -> Response:
    """Accept the application (受理)."""
    try:
        service.accept(
            session,
            actor=actor,
            application_id=application_id,
            reason=reason,
            attachments=_uploads(attachments),
        )
        session.commit()
    except (InvalidInput, Conflict) as error:
        values = {"reason": reason}
        return _refused(request, session, actor, application_id, "accept", error, values)
    return _done(application_id, "accept")


@router.post("/certification/applications/{application_id}/plan", dependencies=[CsrfChecked])
def plan(
    request: Request,
    session: SessionDep,
    actor: CanVerify,
    application_id: uuid.UUID,
    plan: Text = "",
    verifier: Annotated[str, Form(max_length=120)] = "",
    review_on: DateField = "",
    inspection_on: DateField = "",
    reason: Reason = "",
    attachments: Files = None,
) -> Response:
    """Record the certification plan (认证策划): plan, verifier, dates."""
    values = {
        "plan": plan,
        "verifier": verifier,
        "review_on": review_on,
        "inspection_on": inspection_on,
        "reason": reason,
    }
    try:
        service.plan(
            session,
            actor=actor,
            application_id=application_id,
            plan=plan,
            verifier=verifier,
            review_on=_date(review_on, "review_on"),
            inspection_on=_day(inspection_on, "inspection_on"),
            reason=reason,
            attachments=_uploads(attachments),
        )
        session.commit()
    except (InvalidInput, Conflict) as error:
        return _refused(request, session, actor, application_id, "plan", error, values)
    return _done(application_id, "plan")


@router.post("/certification/applications/{application_id}/review", dependencies=[CsrfChecked])
def review(
    request: Request,
    session: SessionDep,
    actor: CanVerify,
    application_id: uuid.UUID,
    findings: Lines = "",
    reason: Reason = "",
    attachments: Files = None,
) -> Response:
    """Record the document review (文件评审) and its findings."""
    values = {"findings": findings, "reason": reason}
    try:
        service.review_documents(
            session,
            actor=actor,
            application_id=application_id,
            findings=_lines(findings),
            reason=reason,
            attachments=_uploads(attachments),
        )
        session.commit()
    except (InvalidInput, Conflict) as error:
        return _refused(request, session, actor, application_id, "review-documents", error, values)
    return _done(application_id, "review-documents")


@router.post("/certification/applications/{application_id}/inspect", dependencies=[CsrfChecked])
def inspect(
    request: Request,
    session: SessionDep,
    actor: CanVerify,
    application_id: uuid.UUID,
    inspected_on: DateField = "",
    record: Text = "",
    findings: Lines = "",
    attachments: Files = None,
) -> Response:
    """Record the on-site inspection (现场检查)."""
    values = {"inspected_on": inspected_on, "record": record, "findings": findings}
    try:
        service.record_inspection(
            session,
            actor=actor,
            application_id=application_id,
            inspected_on=_day(inspected_on, "inspected_on"),
            record=record,
            findings=_lines(findings),
            attachments=_uploads(attachments),
        )
        session.commit()
    except (InvalidInput, Conflict) as error:
        return _refused(request, session, actor, application_id, "inspect", error, values)
    return _done(application_id, "inspect")


@router.post("/certification/applications/{application_id}/verify", dependencies=[CsrfChecked])
def verify(
    request: Request,
    session: SessionDep,
    actor: CanVerify,
    application_id: uuid.UUID,
    sample_key: Annotated[list[str] | None, Form()] = None,
    sample_verdict: Annotated[list[str] | None, Form()] = None,
    sample_note: Annotated[list[str] | None, Form()] = None,
    findings: Lines = "",
    reason: Reason = "",
    attachments: Files = None,
) -> Response:
    """Verify the footprint: re-run the calculation, record samples and findings."""
    keys, verdicts, notes = sample_key or [], sample_verdict or [], sample_note or []
    samples = [
        {"key": key, "verdict": verdict, "note": notes[index] if index < len(notes) else ""}
        for index, (key, verdict) in enumerate(zip(keys, verdicts, strict=False))
        if verdict
    ]
    values = {
        "findings": findings,
        "reason": reason,
        "samples": {s["key"]: s for s in samples},
    }
    try:
        service.verify(
            session,
            actor=actor,
            application_id=application_id,
            samples=samples,
            findings=_lines(findings),
            reason=reason,
            attachments=_uploads(attachments),
        )
        session.commit()
    except (InvalidInput, Conflict) as error:
        return _refused(request, session, actor, application_id, "verify", error, values)
    return _done(application_id, "verify")


@router.post("/certification/applications/{application_id}/decide", dependencies=[CsrfChecked])
def decide(
    request: Request,
    session: SessionDep,
    actor: CanDecide,
    application_id: uuid.UUID,
    decision: Annotated[str, Form(max_length=20)] = "",
    reason: Reason = "",
    attachments: Files = None,
) -> Response:
    """Decide (评价与批准): approve and issue the certificate, or reject with a reason."""
    try:
        service.decide(
            session,
            actor=actor,
            application_id=application_id,
            decision=decision,
            reason=reason,
            attachments=_uploads(attachments),
            issuer=issuer_of(request),
        )
        session.commit()
    except (InvalidInput, Conflict) as error:
        values = {"decision": decision, "reason": reason}
        return _refused(request, session, actor, application_id, "decide", error, values)
    return _done(application_id, "decide")


@router.post("/certification/applications/{application_id}/withdraw", dependencies=[CsrfChecked])
def withdraw_application(
    request: Request,
    session: SessionDep,
    actor: CanApply,
    application_id: uuid.UUID,
    reason: Reason = "",
    attachments: Files = None,
) -> Response:
    """Withdraw one's application before the decision."""
    try:
        service.withdraw_application(
            session,
            actor=actor,
            application_id=application_id,
            reason=reason,
            attachments=_uploads(attachments),
        )
        session.commit()
    except (InvalidInput, Conflict) as error:
        values = {"reason": reason}
        return _refused(
            request, session, actor, application_id, "withdraw-application", error, values
        )
    return _done(application_id, "withdraw-application")


def _disposition(name: str) -> str:
    ascii_name = name.encode("ascii", "replace").decode().replace("?", "_")
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"


@router.get("/certification/applications/{application_id}/attachments/{attachment_id}")
def attachment(
    session: SessionDep, actor: LoggedIn, application_id: uuid.UUID, attachment_id: uuid.UUID
) -> Response:
    """Download an attachment (the applicant and the certification body only)."""
    found = service.get_attachment(
        session, actor=actor, application_id=application_id, attachment_id=attachment_id
    )
    return Response(
        found.content,
        media_type=found.content_type,
        headers={
            "content-disposition": _disposition(found.filename),
            "cache-control": "private, no-store",
        },
    )


@router.get("/certification/applications/{application_id}/report.html", response_class=HTMLResponse)
def report_html(session: SessionDep, actor: LoggedIn, application_id: uuid.UUID) -> HTMLResponse:
    """The study report of the applied calculation, as HTML (both parties)."""
    report = service.report_for_application(session, actor=actor, application_id=application_id)
    return HTMLResponse(render_html(report))


@router.get("/certification/applications/{application_id}/report.pdf")
def report_pdf(session: SessionDep, actor: LoggedIn, application_id: uuid.UUID) -> Response:
    """The study report of the applied calculation, as PDF (both parties)."""
    report = service.report_for_application(session, actor=actor, application_id=application_id)
    return Response(
        render_pdf(report),
        media_type="application/pdf",
        headers={"content-disposition": _disposition(filename(report, "pdf"))},
    )


# --- certificates ---------------------------------------------------------------------


def _certificate_refused(
    request: Request,
    session: Session,
    actor: Actor,
    certificate: Certificate,
    action: str,
    error: InvalidInput | Conflict,
    values: Mapping[str, Any],
) -> Response:
    return _refused(
        request, session, actor, certificate.application_id, action, error, dict(values)
    )


@router.post("/certification/certificates/{certificate_id}/surveil", dependencies=[CsrfChecked])
def surveil(
    request: Request,
    session: SessionDep,
    actor: CanDecide,
    certificate_id: uuid.UUID,
    result: Annotated[str, Form(max_length=20)] = "",
    surveyed_on: DateField = "",
    reason: Reason = "",
    findings: Lines = "",
    attachments: Files = None,
) -> Response:
    """Record the yearly surveillance of a certificate."""
    certificate = service.get_certificate(session, actor=actor, certificate_id=certificate_id)
    values = {"result": result, "surveyed_on": surveyed_on, "reason": reason, "findings": findings}
    try:
        service.surveil(
            session,
            actor=actor,
            certificate_id=certificate_id,
            result=result,
            surveyed_on=_date(surveyed_on, "surveyed_on"),
            reason=reason,
            findings=_lines(findings),
            attachments=_uploads(attachments),
        )
        session.commit()
    except (InvalidInput, Conflict) as error:
        return _certificate_refused(request, session, actor, certificate, "surveil", error, values)
    return _done(certificate.application_id, "surveil")


def _status_step(
    request: Request,
    session: Session,
    actor: Actor,
    certificate_id: uuid.UUID,
    action: str,
    reason: str,
    attachments: list[UploadFile] | None,
) -> Response:
    certificate = service.get_certificate(session, actor=actor, certificate_id=certificate_id)
    change = {
        "suspend": service.suspend,
        "reinstate": service.reinstate,
        "withdraw": service.withdraw,
    }[action]
    try:
        change(
            session,
            actor=actor,
            certificate_id=certificate_id,
            reason=reason,
            attachments=_uploads(attachments),
        )
        session.commit()
    except (InvalidInput, Conflict) as error:
        return _certificate_refused(
            request, session, actor, certificate, action, error, {"reason": reason}
        )
    return _done(certificate.application_id, action)


@router.post("/certification/certificates/{certificate_id}/suspend", dependencies=[CsrfChecked])
def suspend(
    request: Request,
    session: SessionDep,
    actor: CanDecide,
    certificate_id: uuid.UUID,
    reason: Reason = "",
    attachments: Files = None,
) -> Response:
    """Suspend a certificate (the reason is public in the registry)."""
    return _status_step(request, session, actor, certificate_id, "suspend", reason, attachments)


@router.post("/certification/certificates/{certificate_id}/reinstate", dependencies=[CsrfChecked])
def reinstate(
    request: Request,
    session: SessionDep,
    actor: CanDecide,
    certificate_id: uuid.UUID,
    reason: Reason = "",
    attachments: Files = None,
) -> Response:
    """Lift a certificate's suspension."""
    return _status_step(request, session, actor, certificate_id, "reinstate", reason, attachments)


@router.post("/certification/certificates/{certificate_id}/withdraw", dependencies=[CsrfChecked])
def withdraw(
    request: Request,
    session: SessionDep,
    actor: CanDecide,
    certificate_id: uuid.UUID,
    reason: Reason = "",
    attachments: Files = None,
) -> Response:
    """Withdraw a certificate for good (the reason is public in the registry)."""
    return _status_step(request, session, actor, certificate_id, "withdraw", reason, attachments)
