"""REST API for certification (/api/v1/certification): applications, their steps and the
certificates, for the applicant and the certification body.

Thin: each route parses, declares its right, calls one service of
:mod:`tanji.labels.service`, commits and returns the Read schema. Attachments travel in
JSON as base64, or as multipart files when applying.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, File, Form, Path, Query, Request, UploadFile
from fastapi.responses import Response
from sqlalchemy.orm import Session

from tanji.accounts.policy import Actor, Right
from tanji.labels import registry, service
from tanji.labels.models import ApplicationStatus, Certificate
from tanji.labels.schemas import (
    ApplicationCreate,
    ApplicationDetailRead,
    ApplicationRead,
    AttachmentRead,
    CertificateRead,
    DecideBody,
    EventRead,
    InspectionBody,
    LabelKind,
    PlanBody,
    ReasonBody,
    ReviewBody,
    StepBody,
    SurveilBody,
    VerifyBody,
    uploads,
)
from tanji.web.api.studies import READ_ERRORS, WRITE_ERRORS
from tanji.web.deps import CsrfChecked, SessionDep, require
from tanji.web.pages.verify import issuer_of

router = APIRouter(prefix="/api/v1/certification", tags=["certification"])

LoggedIn = Annotated[Actor, Depends(require())]
CanApply = Annotated[Actor, Depends(require(Right.CERT_APPLY))]
CanVerify = Annotated[Actor, Depends(require(Right.CERT_VERIFY))]
CanDecide = Annotated[Actor, Depends(require(Right.CERT_DECIDE))]
ApplicationId = Annotated[uuid.UUID, Path(description="The application's id")]
CertificateId = Annotated[uuid.UUID, Path(description="The certificate's id")]
AttachmentId = Annotated[uuid.UUID, Path(description="The attachment's id")]


def _certificate(certificate: Certificate) -> CertificateRead:
    read = CertificateRead.model_validate(certificate)
    read.effective_status = registry.effective_status(certificate)
    return read


def _detail(session: Session, actor: Actor, application_id: uuid.UUID) -> ApplicationDetailRead:
    application = service.get_application(session, actor=actor, application_id=application_id)
    certificate = service.certificate_of(session, actor=actor, application_id=application_id)
    events = service.history(session, actor=actor, application_id=application_id)
    files = service.attachments(session, actor=actor, application_id=application_id)
    return ApplicationDetailRead(
        **ApplicationRead.model_validate(application).model_dump(),
        events=[EventRead.of(event) for event in events],
        attachments=[AttachmentRead.model_validate(item) for item in files],
        certificate=_certificate(certificate) if certificate else None,
        next_steps=service.next_steps(actor, application, certificate),
    )


# --- applications ---------------------------------------------------------------------


@router.get("/applications", response_model=list[ApplicationRead], responses=READ_ERRORS)
def list_applications(
    session: SessionDep,
    actor: LoggedIn,
    status: Annotated[
        str | None,
        Query(max_length=30, description="Only this status: " + ", ".join(ApplicationStatus.ALL)),
    ] = None,
) -> Any:
    """List one's own applications, or those addressed to one's certification body."""
    return service.list_applications(session, actor=actor, status=status)


@router.post(
    "/applications",
    response_model=ApplicationDetailRead,
    status_code=201,
    responses=WRITE_ERRORS,
    dependencies=[CsrfChecked],
)
def apply(body: ApplicationCreate, session: SessionDep, actor: CanApply) -> Any:
    """Apply for certification of a calculated study whose rule check passed."""
    application = service.apply(
        session,
        actor=actor,
        study_id=body.study_id,
        calculation_id=body.calculation_id,
        certifier_slug_or_id=body.certifier,
        documents=uploads(body.documents, "documents"),
        label_kind=body.label_kind,
        reason=body.reason,
    )
    session.commit()
    return _detail(session, actor, application.id)


@router.post(
    "/applications/upload",
    response_model=ApplicationDetailRead,
    status_code=201,
    responses=WRITE_ERRORS,
    dependencies=[CsrfChecked],
)
def apply_with_files(
    session: SessionDep,
    actor: CanApply,
    study_id: Annotated[uuid.UUID, Form()],
    calculation_id: Annotated[uuid.UUID, Form()],
    certifier: Annotated[str, Form(min_length=1, max_length=80)],
    label_kind: Annotated[LabelKind, Form()] = "footprint-value",
    reason: Annotated[str, Form(max_length=service.MAX_REASON)] = "",
    documents: Annotated[list[UploadFile] | None, File(description="The documents")] = None,
) -> Any:
    """Apply with documents as multipart files (PDF, PNG, JPEG, XLSX, DOCX, CSV, TXT)."""
    files = [
        (
            item.filename or "",
            item.content_type or "",
            item.file.read(service.MAX_ATTACHMENT_BYTES + 1),
        )
        for item in documents or ()
        if item.filename
    ]
    application = service.apply(
        session,
        actor=actor,
        study_id=study_id,
        calculation_id=calculation_id,
        certifier_slug_or_id=certifier,
        documents=files,
        label_kind=label_kind,
        reason=reason,
    )
    session.commit()
    return _detail(session, actor, application.id)


@router.get(
    "/applications/{application_id}", response_model=ApplicationDetailRead, responses=READ_ERRORS
)
def get_application(application_id: ApplicationId, session: SessionDep, actor: LoggedIn) -> Any:
    """Show an application with its history, attachments, certificate and next steps."""
    return _detail(session, actor, application_id)


@router.get(
    "/applications/{application_id}/events", response_model=list[EventRead], responses=READ_ERRORS
)
def history(application_id: ApplicationId, session: SessionDep, actor: LoggedIn) -> Any:
    """The complete history of an application and its certificate, oldest first."""
    events = service.history(session, actor=actor, application_id=application_id)
    return [EventRead.of(event) for event in events]


@router.get(
    "/applications/{application_id}/attachments/{attachment_id}",
    responses={
        **READ_ERRORS,
        200: {"description": "The file", "content": {"application/octet-stream": {}}},
    },
    response_class=Response,
)
def attachment(
    application_id: ApplicationId,
    attachment_id: AttachmentId,
    session: SessionDep,
    actor: LoggedIn,
) -> Response:
    """Download an attachment (the applicant and the certification body only)."""
    found = service.get_attachment(
        session, actor=actor, application_id=application_id, attachment_id=attachment_id
    )
    name = found.filename.encode("ascii", "replace").decode().replace("?", "_")
    return Response(
        found.content,
        media_type=found.content_type,
        headers={
            "content-disposition": (
                f"attachment; filename=\"{name}\"; filename*=UTF-8''{quote(found.filename)}"
            ),
            "cache-control": "private, no-store",
        },
    )


def _step_route(path: str, summary: str):
    return router.post(
        f"/applications/{{application_id}}/{path}",
        response_model=ApplicationDetailRead,
        responses=WRITE_ERRORS,
        dependencies=[CsrfChecked],
        summary=summary,
    )


@_step_route("accept", "Accept an application")
def accept(
    application_id: ApplicationId, body: StepBody, session: SessionDep, actor: CanVerify
) -> Any:
    """Accept the application (受理); certification body only."""
    service.accept(
        session,
        actor=actor,
        application_id=application_id,
        reason=body.reason,
        attachments=uploads(body.attachments),
    )
    session.commit()
    return _detail(session, actor, application_id)


@_step_route("plan", "Plan the certification")
def plan(
    application_id: ApplicationId, body: PlanBody, session: SessionDep, actor: CanVerify
) -> Any:
    """Record the plan, the verifier assigned and the dates (认证策划)."""
    service.plan(
        session,
        actor=actor,
        application_id=application_id,
        plan=body.plan,
        verifier=body.verifier,
        review_on=body.review_on,
        inspection_on=body.inspection_on,
        reason=body.reason,
        attachments=uploads(body.attachments),
    )
    session.commit()
    return _detail(session, actor, application_id)


@_step_route("review-documents", "Record the document review")
def review_documents(
    application_id: ApplicationId, body: ReviewBody, session: SessionDep, actor: CanVerify
) -> Any:
    """Record the document review and its findings (文件评审)."""
    service.review_documents(
        session,
        actor=actor,
        application_id=application_id,
        findings=body.findings,
        reason=body.reason,
        attachments=uploads(body.attachments),
    )
    session.commit()
    return _detail(session, actor, application_id)


@_step_route("inspect", "Record the on-site inspection")
def inspect(
    application_id: ApplicationId, body: InspectionBody, session: SessionDep, actor: CanVerify
) -> Any:
    """Record the on-site inspection: date, record, findings (现场检查)."""
    service.record_inspection(
        session,
        actor=actor,
        application_id=application_id,
        inspected_on=body.inspected_on,
        record=body.record,
        findings=body.findings,
        attachments=uploads(body.attachments),
    )
    session.commit()
    return _detail(session, actor, application_id)


@_step_route("verify", "Verify the footprint")
def verify(
    application_id: ApplicationId, body: VerifyBody, session: SessionDep, actor: CanVerify
) -> Any:
    """Re-run the calculation with its pinned release; record samples and findings."""
    service.verify(
        session,
        actor=actor,
        application_id=application_id,
        samples=[sample.model_dump() for sample in body.samples],
        findings=body.findings,
        reason=body.reason,
        attachments=uploads(body.attachments),
    )
    session.commit()
    return _detail(session, actor, application_id)


@_step_route("decide", "Decide")
def decide(
    request: Request,
    application_id: ApplicationId,
    body: DecideBody,
    session: SessionDep,
    actor: CanDecide,
) -> Any:
    """Approve (issue the certificate and its label) or reject with a reason; not by the
    verifier."""
    service.decide(
        session,
        actor=actor,
        application_id=application_id,
        decision=body.decision,
        reason=body.reason,
        attachments=uploads(body.attachments),
        issuer=issuer_of(request),
    )
    session.commit()
    return _detail(session, actor, application_id)


@_step_route("withdraw", "Withdraw an application")
def withdraw_application(
    application_id: ApplicationId, body: ReasonBody, session: SessionDep, actor: CanApply
) -> Any:
    """The applicant withdraws its application before the decision."""
    service.withdraw_application(
        session,
        actor=actor,
        application_id=application_id,
        reason=body.reason,
        attachments=uploads(body.attachments),
    )
    session.commit()
    return _detail(session, actor, application_id)


# --- certificates ---------------------------------------------------------------------


@router.get("/certificates", response_model=list[CertificateRead], responses=READ_ERRORS)
def list_certificates(session: SessionDep, actor: LoggedIn) -> Any:
    """Certificates one's organisation holds or issued, newest first."""
    return [_certificate(c) for c in service.list_certificates(session, actor=actor)]


@router.get("/certificates/{certificate_id}", response_model=CertificateRead, responses=READ_ERRORS)
def get_certificate(certificate_id: CertificateId, session: SessionDep, actor: LoggedIn) -> Any:
    """Show a certificate of one's organisation (holder or issuer)."""
    return _certificate(
        service.get_certificate(session, actor=actor, certificate_id=certificate_id)
    )


def _certificate_route(path: str, summary: str):
    return router.post(
        f"/certificates/{{certificate_id}}/{path}",
        response_model=CertificateRead,
        responses=WRITE_ERRORS,
        dependencies=[CsrfChecked],
        summary=summary,
    )


@_certificate_route("surveil", "Record a surveillance")
def surveil(
    certificate_id: CertificateId, body: SurveilBody, session: SessionDep, actor: CanDecide
) -> Any:
    """Record the yearly surveillance: ok, or a nonconformity with a reason."""
    certificate = service.surveil(
        session,
        actor=actor,
        certificate_id=certificate_id,
        result=body.result,
        surveyed_on=body.surveyed_on,
        reason=body.reason,
        findings=body.findings,
        attachments=uploads(body.attachments),
    )
    session.commit()
    return _certificate(certificate)


@_certificate_route("suspend", "Suspend a certificate")
def suspend(
    certificate_id: CertificateId, body: ReasonBody, session: SessionDep, actor: CanDecide
) -> Any:
    """Suspend a valid certificate; the reason is public."""
    certificate = service.suspend(
        session,
        actor=actor,
        certificate_id=certificate_id,
        reason=body.reason,
        attachments=uploads(body.attachments),
    )
    session.commit()
    return _certificate(certificate)


@_certificate_route("reinstate", "Reinstate a certificate")
def reinstate(
    certificate_id: CertificateId, body: ReasonBody, session: SessionDep, actor: CanDecide
) -> Any:
    """Lift a suspension before the certificate expires."""
    certificate = service.reinstate(
        session,
        actor=actor,
        certificate_id=certificate_id,
        reason=body.reason,
        attachments=uploads(body.attachments),
    )
    session.commit()
    return _certificate(certificate)


@_certificate_route("withdraw", "Withdraw a certificate")
def withdraw(
    certificate_id: CertificateId, body: ReasonBody, session: SessionDep, actor: CanDecide
) -> Any:
    """Withdraw a certificate for good; the reason is public."""
    certificate = service.withdraw(
        session,
        actor=actor,
        certificate_id=certificate_id,
        reason=body.reason,
        attachments=uploads(body.attachments),
    )
    session.commit()
    return _certificate(certificate)
