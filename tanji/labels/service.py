"""The certification workflow (认证流程), after the CNCA general rules (trial, 2025).

An enterprise applies with a calculated study whose rule check passed (认证委托); the
certification body accepts (受理), plans (认证策划), reviews the documents (文件评审),
records the on-site inspection (现场检查) and verifies the footprint (产品碳足迹核查) —
re-running the calculation with its pinned factor release and sampling inputs against
evidence — then someone other than the verifier decides (评价与批准). An approval
issues a certificate valid two years, with a signed label; surveillance (获证后监督),
suspension, reinstatement, withdrawal and expiry follow.

Every transition is allowed only from named previous statuses (Conflict otherwise), only
to the right role of the right organisation (NotFound for other organisations, Forbidden
for the wrong role), and leaves an :class:`ApplicationEvent` with the actor, the statuses,
the reason, JSON details and its attachments, so the history is complete. Functions take
the session first and keyword-only arguments; none commits.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import re
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased, defer

from tanji.accounts.models import Organisation, OrganisationKind, User
from tanji.accounts.policy import Actor, Right, ensure, rights_of
from tanji.core.errors import Conflict, Forbidden, InvalidInput, NotFound, TanjiError
from tanji.core.i18n import N_, _, current_language, gettext, ngettext
from tanji.core.results import calculate as calculate_system
from tanji.db.base import as_utc, utcnow
from tanji.footprints import modelfile, studies
from tanji.footprints import queries as footprint_queries
from tanji.footprints.models import Calculation, Product, Study, StudyVersion
from tanji.footprints.service import study_resolver
from tanji.labels import queries, registry, signing
from tanji.labels.models import (
    Application,
    ApplicationEvent,
    Attachment,
    Certificate,
)
from tanji.labels.models import (
    ApplicationStatus as S,
)
from tanji.labels.models import (
    CertificateStatus as C,
)
from tanji.reports.build import Report, ReportInput, assemble
from tanji.rules.catalogue import effective, get_rule

Upload = tuple[str, str, bytes]  # (filename, content type, content)

MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
MAX_ATTACHMENTS = 20  # per step
MAX_REASON = 2000
MAX_TEXT = 10000  # plan text, inspection record
MAX_FINDINGS = 100
MAX_SAMPLES = 500
VALIDITY_YEARS = 2  # CNCA general rules: a certificate is valid two years
TOLERANCE = 1e-9  # relative difference between the stored and the re-run total
NUMBER_PREFIX = "TJCFP"  # Tanji carbon footprint of products: TJCFP-2026-000001

LABEL_KINDS = ("footprint-value", "low-carbon", "carbon-neutral")
LABEL_KIND_NAMES = {
    "footprint-value": N_("Carbon footprint value label"),
    "low-carbon": N_("Low-carbon label"),
    "carbon-neutral": N_("Carbon-neutral label"),
}
OPEN = (S.APPLIED, S.ACCEPTED, S.PLANNED, S.DOCUMENTS_REVIEWED, S.INSPECTED, S.VERIFIED)
VERDICTS = ("ok", "discrepancy")
SURVEILLANCE_RESULTS = ("ok", "nonconformity")
DECISIONS = ("approve", "reject")

# content type → the file name endings it may have, and how its bytes begin
CONTENT_TYPES: dict[str, tuple[tuple[str, ...], tuple[bytes, ...]]] = {
    "application/pdf": ((".pdf",), (b"%PDF-",)),
    "image/png": ((".png",), (b"\x89PNG\r\n\x1a\n",)),
    "image/jpeg": ((".jpg", ".jpeg"), (b"\xff\xd8\xff",)),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": (
        (".xlsx",),
        (b"PK\x03\x04",),
    ),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": (
        (".docx",),
        (b"PK\x03\x04",),
    ),
    "text/csv": ((".csv",), ()),
    "text/plain": ((".txt",), ()),
}
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_NAME_CONTROL = re.compile(r"[\x00-\x1f\x7f\"\\/]")

STATUS_NAMES = {
    S.APPLIED: N_("applied"),
    S.ACCEPTED: N_("accepted"),
    S.PLANNED: N_("planned"),
    S.DOCUMENTS_REVIEWED: N_("documents reviewed"),
    S.INSPECTED: N_("inspected"),
    S.VERIFIED: N_("verified"),
    S.CERTIFIED: N_("certified"),
    S.REJECTED: N_("rejected"),
    S.WITHDRAWN: N_("withdrawn"),
    **registry.CERTIFICATE_STATUS_NAMES,
}
ACTION_NAMES = {
    "apply": N_("Application submitted"),
    "accept": N_("Application accepted"),
    "plan": N_("Certification planned"),
    "review-documents": N_("Documents reviewed"),
    "inspect": N_("On-site inspection recorded"),
    "verify": N_("Footprint verified"),
    "decide": N_("Decision"),
    "issue": N_("Certificate issued"),
    "withdraw-application": N_("Application withdrawn"),
    "surveil": N_("Surveillance"),
    "suspend": N_("Certificate suspended"),
    "reinstate": N_("Certificate reinstated"),
    "withdraw": N_("Certificate withdrawn"),
    "expire": N_("Certificate expired"),
}


def status_name(status: str) -> str:
    """An application or certificate status in the interface language."""
    return gettext(STATUS_NAMES[status]) if status in STATUS_NAMES else status


def action_name(action: str) -> str:
    return gettext(ACTION_NAMES[action]) if action in ACTION_NAMES else action


def label_kind_name(kind: str) -> str:
    return gettext(LABEL_KIND_NAMES[kind]) if kind in LABEL_KIND_NAMES else kind


# --- the steps: who may take them, and from where -------------------------------------

APPLICANT = "applicant"
CERTIFIER = "certifier"


@dataclass(frozen=True)
class Step:
    """One transition: the right it needs, whose side takes it, the statuses it starts from."""

    right: Right
    side: str  # APPLICANT or CERTIFIER
    after: tuple[str, ...]  # allowed previous statuses
    to: str = ""  # the status it leads to ("" when it does not change it)
    on_certificate: bool = False


STEPS: dict[str, Step] = {
    "accept": Step(Right.CERT_VERIFY, CERTIFIER, (S.APPLIED,), S.ACCEPTED),
    "plan": Step(Right.CERT_VERIFY, CERTIFIER, (S.ACCEPTED,), S.PLANNED),
    "review-documents": Step(Right.CERT_VERIFY, CERTIFIER, (S.PLANNED,), S.DOCUMENTS_REVIEWED),
    "inspect": Step(Right.CERT_VERIFY, CERTIFIER, (S.DOCUMENTS_REVIEWED,), S.INSPECTED),
    "verify": Step(Right.CERT_VERIFY, CERTIFIER, (S.INSPECTED,), S.VERIFIED),
    # a body may refuse an application at any open step; it approves only a verified one
    "decide": Step(Right.CERT_DECIDE, CERTIFIER, OPEN),
    "withdraw-application": Step(Right.CERT_APPLY, APPLICANT, OPEN, S.WITHDRAWN),
    "surveil": Step(Right.CERT_DECIDE, CERTIFIER, (C.VALID, C.SUSPENDED), on_certificate=True),
    "suspend": Step(Right.CERT_DECIDE, CERTIFIER, (C.VALID,), C.SUSPENDED, on_certificate=True),
    "reinstate": Step(Right.CERT_DECIDE, CERTIFIER, (C.SUSPENDED,), C.VALID, on_certificate=True),
    "withdraw": Step(
        Right.CERT_DECIDE, CERTIFIER, (C.VALID, C.SUSPENDED), C.WITHDRAWN, on_certificate=True
    ),
}
APPLICATION_STEPS = tuple(name for name, step in STEPS.items() if not step.on_certificate)
CERTIFICATE_STEPS = tuple(name for name, step in STEPS.items() if step.on_certificate)


def _side_of(application: Application | Certificate, side: str) -> uuid.UUID:
    return application.organisation_id if side == APPLICANT else application.certifier_id


def may(actor: Actor, action: str, subject: Application | Certificate) -> bool:
    """Whether the actor's role and organisation may take this step (status aside)."""
    step = STEPS[action]
    return actor.can(step.right) and actor.organisation_id == _side_of(subject, step.side)


def next_steps(
    actor: Actor,
    application: Application,
    certificate: Certificate | None = None,
    *,
    today: dt.date | None = None,
) -> list[str]:
    """The steps this actor may take now, in workflow order (what forms a page shows)."""
    found = [
        name
        for name in APPLICATION_STEPS
        if application.status in STEPS[name].after and may(actor, name, application)
    ]
    if certificate is not None:
        status = registry.effective_status(certificate, today)
        found += [
            name
            for name in CERTIFICATE_STEPS
            if status in STEPS[name].after and may(actor, name, certificate)
        ]
    return found


def _authorise(actor: Actor, action: str, subject: Application | Certificate) -> Step:
    """Forbidden unless the actor holds the step's right on the step's side."""
    step = STEPS[action]
    ensure(actor, step.right)
    if actor.organisation_id != _side_of(subject, step.side):
        if step.side == APPLICANT:
            message = _("Only the applicant organisation may do this.")
        else:
            message = _("Only the certification body the application is addressed to may do this.")
        raise Forbidden(message)
    return step


def _expect(status: str, allowed: Iterable[str], action: str, *, certificate: bool = False) -> None:
    allowed = tuple(allowed)
    if status in allowed:
        return
    what = _("The certificate") if certificate else _("The application")
    raise Conflict(
        _("{what} is {status}: '{action}' is possible only when it is {allowed}.").format(
            what=what,
            status=status_name(status),
            action=action_name(action),
            allowed=_(" or ").join(status_name(s) for s in allowed),
        ),
        loc=("status",),
    )


# --- input checks ------------------------------------------------------------------------


def _text(value: str | None, *, loc: str, maximum: int, required: bool = False) -> str:
    text = (value or "").strip()
    if required and not text:
        raise InvalidInput(_("Give a reason for this step."), loc=(loc,))
    if _CONTROL.search(text):
        raise InvalidInput(_("Control characters are not allowed here."), loc=(loc,))
    if len(text) > maximum:
        raise InvalidInput(_("At most {n} characters, please.").format(n=maximum), loc=(loc,))
    return text


def _required(value: str | None, *, loc: str, maximum: int, message: str) -> str:
    text = _text(value, loc=loc, maximum=maximum)
    if not text:
        raise InvalidInput(message, loc=(loc,))
    return text


def _findings(findings: Sequence[str] | None, *, loc: str = "findings") -> list[str]:
    items = list(findings or ())
    if len(items) > MAX_FINDINGS:
        raise InvalidInput(
            _("At most {n} findings per step, please.").format(n=MAX_FINDINGS), loc=(loc,)
        )
    cleaned = []
    for index, item in enumerate(items):
        if not isinstance(item, str):
            raise InvalidInput(_("A finding is a line of text."), loc=(loc, index))
        text = item.strip()
        if not text:
            continue
        if _CONTROL.search(text):
            raise InvalidInput(_("Control characters are not allowed here."), loc=(loc, index))
        if len(text) > MAX_REASON:
            raise InvalidInput(
                _("At most {n} characters, please.").format(n=MAX_REASON), loc=(loc, index)
            )
        cleaned.append(text)
    return cleaned


def _filename(name: str) -> str:
    """The file's own name, without a path or characters a header cannot carry."""
    base = re.split(r"[\\/]", name or "")[-1]
    base = _NAME_CONTROL.sub("", base).strip().strip(".") or "attachment"
    if len(base) > 200:
        suffix = PurePosixPath(base).suffix[:20]
        base = base[: 200 - len(suffix)] + suffix
    return base


def _content_type(filename: str, declared: str, content: bytes, loc: tuple) -> str:
    """The attachment's content type, checked against its name and first bytes."""
    suffix = PurePosixPath(filename).suffix.lower()
    kind = (declared or "").split(";")[0].strip().lower()
    if kind not in CONTENT_TYPES:
        kind = next((k for k, (ends, _m) in CONTENT_TYPES.items() if suffix in ends), "")
    if not kind:
        raise InvalidInput(
            _(
                "'{name}' is not a document type we accept: attach PDF, PNG, JPEG, XLSX, "
                "DOCX, CSV or TXT files."
            ).format(name=filename),
            loc=loc,
        )
    endings, magic = CONTENT_TYPES[kind]
    if suffix not in endings:
        raise InvalidInput(
            _("'{name}' should end in {endings} for its type {kind}.").format(
                name=filename, endings=" / ".join(endings), kind=kind
            ),
            loc=loc,
        )
    if magic and not content.startswith(magic):
        raise InvalidInput(
            _("'{name}' is not a {kind} file: its content does not match its type.").format(
                name=filename, kind=endings[0].lstrip(".").upper()
            ),
            loc=loc,
        )
    if not magic and b"\x00" in content:
        raise InvalidInput(
            _("'{name}' is not a text file: save it as UTF-8 text.").format(name=filename),
            loc=loc,
        )
    return kind


@dataclass(frozen=True)
class _File:
    filename: str
    content_type: str
    content: bytes


def _uploads(files: Sequence[Upload] | None, loc: str) -> list[_File]:
    """Checked uploads: size (at most 10 MB each), type, name; empty uploads skipped."""
    items = list(files or ())
    if len(items) > MAX_ATTACHMENTS:
        raise InvalidInput(
            _("At most {n} files per step, please.").format(n=MAX_ATTACHMENTS), loc=(loc,)
        )
    checked = []
    for index, item in enumerate(items):
        try:
            raw_name, declared, content = item
        except (TypeError, ValueError):
            raise InvalidInput(
                _("An attachment needs a name and content."), loc=(loc, index)
            ) from None
        if not isinstance(content, bytes | bytearray) or not isinstance(raw_name, str):
            raise InvalidInput(_("An attachment needs a name and content."), loc=(loc, index))
        if not content and not raw_name:
            continue  # an empty file field of a form
        name = _filename(raw_name)
        if not content:
            raise InvalidInput(_("'{name}' is empty.").format(name=name), loc=(loc, index))
        if len(content) > MAX_ATTACHMENT_BYTES:
            raise InvalidInput(
                _("'{name}' is larger than {n} MB.").format(
                    name=name, n=MAX_ATTACHMENT_BYTES // (1024 * 1024)
                ),
                loc=(loc, index),
            )
        kind = _content_type(name, str(declared or ""), bytes(content), (loc, index))
        checked.append(_File(name, kind, bytes(content)))
    return checked


# --- records -----------------------------------------------------------------------------


def _event(
    session: Session,
    application: Application,
    *,
    action: str,
    actor_label: str,
    organisation_id: uuid.UUID,
    from_status: str = "",
    to_status: str = "",
    reason: str = "",
    details: Mapping[str, Any] | None = None,
    files: Sequence[_File] = (),
) -> ApplicationEvent:
    """Record one step with its attachments; events of an application are strictly ordered."""
    last = session.scalar(
        select(func.max(ApplicationEvent.created_at)).where(
            ApplicationEvent.application_id == application.id
        )
    )
    now = utcnow()
    if last is not None and as_utc(last) >= now:
        now = as_utc(last) + dt.timedelta(microseconds=1)
    event = ApplicationEvent(
        application_id=application.id,
        action=action,
        from_status=from_status,
        to_status=to_status,
        actor=actor_label,
        organisation_id=organisation_id,
        reason=reason,
        details=json.dumps(dict(details or {}), ensure_ascii=False, sort_keys=True, default=str),
        created_at=now,
    )
    session.add(event)
    session.flush()
    for item in files:
        session.add(
            Attachment(
                application_id=application.id,
                event_id=event.id,
                filename=item.filename,
                content_type=item.content_type,
                size=len(item.content),
                sha256=hashlib.sha256(item.content).hexdigest(),
                content=item.content,
                uploaded_by=actor_label,
                created_at=now,
            )
        )
    application.updated_at = now
    session.flush()
    return event


def _application(session: Session, actor: Actor, application_id: uuid.UUID) -> Application:
    found = session.scalars(
        queries.visible_applications(actor).where(Application.id == application_id)
    ).first()
    if found is None:
        raise NotFound(
            _("No certification application {id}.").format(id=application_id),
            loc=("application_id",),
        )
    return found


def _certificate(session: Session, actor: Actor, certificate_id: uuid.UUID) -> Certificate:
    found = session.scalars(
        queries.visible_certificates(actor).where(Certificate.id == certificate_id)
    ).first()
    if found is None:
        raise NotFound(_("No certificate {id}.").format(id=certificate_id), loc=("certificate_id",))
    return found


# --- applying -------------------------------------------------------------------------


def list_certifiers(session: Session) -> list[Organisation]:
    """The active certification bodies an enterprise can apply to."""
    return list(
        session.scalars(
            select(Organisation)
            .where(Organisation.kind == OrganisationKind.CERTIFIER, Organisation.active)
            .order_by(Organisation.slug)
        )
    )


def _certifier(session: Session, slug_or_id: str | uuid.UUID) -> Organisation:
    text = str(slug_or_id or "").strip()
    if not text:
        raise InvalidInput(_("Choose a certification body."), loc=("certifier",))
    try:
        wanted: Organisation | None = session.get(Organisation, uuid.UUID(text))
    except ValueError:
        wanted = session.scalar(select(Organisation).where(Organisation.slug == text[:80]))
    if wanted is None or wanted.kind != OrganisationKind.CERTIFIER or not wanted.active:
        raise InvalidInput(
            _("'{name}' is not an approved certification body on this platform.").format(
                name=text[:80]
            ),
            loc=("certifier",),
        )
    return wanted


def rule_errors(calculation: Calculation) -> int:
    """How many errors the calculation's rule check found."""
    try:
        reports = json.loads(calculation.findings or "{}")
    except json.JSONDecodeError:
        return 0
    report = reports.get(current_language()) or reports.get("en") or {}
    return sum(1 for f in report.get("findings", ()) if f.get("severity") == "error")


def apply(
    session: Session,
    *,
    actor: Actor,
    study_id: uuid.UUID,
    calculation_id: uuid.UUID,
    certifier_slug_or_id: str | uuid.UUID,
    documents: Sequence[Upload] = (),
    label_kind: str = "footprint-value",
    reason: str = "",
) -> Application:
    """Apply for certification of a calculated study (认证委托), with its documents.

    Refused when the calculation's rule check has errors (it is not submittable), when it
    is not a calculation of that study, or when the body is not a certification body.
    """
    study = session.scalars(
        footprint_queries.visible_studies(actor).where(Study.id == study_id)
    ).first()
    if study is None or study.organisation_id != actor.organisation_id:
        raise NotFound(_("No study {id}.").format(id=study_id), loc=("study_id",))
    calculation = session.scalars(
        footprint_queries.visible_calculations(actor).where(Calculation.id == calculation_id)
    ).first()
    if calculation is None or study.organisation_id != actor.organisation_id:
        raise NotFound(_("No calculation {id}.").format(id=calculation_id), loc=("calculation_id",))
    ensure(actor, Right.CERT_APPLY)
    if calculation.study_id != study.id:
        raise InvalidInput(
            _("Calculation {id} is not a calculation of the study '{title}'.").format(
                id=calculation_id, title=study.title
            ),
            loc=("calculation_id",),
        )
    if not calculation.submittable:
        errors = rule_errors(calculation)
        raise InvalidInput(
            ngettext(
                "This calculation cannot be submitted for certification: its rule check found "
                "{n} error. Correct the model, calculate it again and apply with the new "
                "calculation.",
                "This calculation cannot be submitted for certification: its rule check found "
                "{n} errors. Correct the model, calculate it again and apply with the new "
                "calculation.",
                errors,
            ).format(n=errors),
            loc=("calculation_id",),
        )
    body = _certifier(session, certifier_slug_or_id)
    if label_kind not in LABEL_KINDS:
        raise InvalidInput(
            _("Unknown label kind '{kind}'; use one of: {kinds}.").format(
                kind=str(label_kind)[:40], kinds=", ".join(LABEL_KINDS)
            ),
            loc=("label_kind",),
        )
    reason = _text(reason, loc="reason", maximum=MAX_REASON)
    files = _uploads(documents, "documents")
    pending = session.scalar(
        select(Application.id).where(
            Application.calculation_id == calculation.id,
            Application.certifier_id == body.id,
            Application.status.in_((*OPEN, S.CERTIFIED)),
        )
    )
    if pending is not None:
        raise Conflict(
            _(
                "This calculation already has an application with this certification body "
                "that is open or certified."
            ),
            loc=("calculation_id",),
        )
    application = Application(
        organisation_id=actor.organisation_id,
        certifier_id=body.id,
        study_id=study.id,
        calculation_id=calculation.id,
        label_kind=label_kind,
        status=S.APPLIED,
        created_by=actor.label,
        updated_at=utcnow(),
    )
    session.add(application)
    session.flush()
    _event(
        session,
        application,
        action="apply",
        actor_label=actor.label,
        organisation_id=actor.organisation_id,
        to_status=S.APPLIED,
        reason=reason,
        details={
            "calculation_id": str(calculation.id),
            "version": calculation.version_number,
            "total": calculation.total,
            "unit": calculation.unit,
            "release": calculation.release,
            "input_hash": calculation.input_hash,
            "label_kind": label_kind,
        },
        files=files,
    )
    return application


# --- reading ------------------------------------------------------------------------------


def list_applications(
    session: Session, *, actor: Actor, status: str | None = None
) -> list[Application]:
    """The applicant organisation's own applications, or those addressed to a certifier;
    most recently changed first."""
    statement = queries.visible_applications(actor)
    if status:
        if status not in S.ALL:
            raise InvalidInput(
                _("Unknown status '{status}'; use one of: {all}.").format(
                    status=status[:40], all=", ".join(S.ALL)
                ),
                loc=("status",),
            )
        statement = statement.where(Application.status == status)
    return list(session.scalars(statement.order_by(Application.updated_at.desc(), Application.id)))


@dataclass(frozen=True)
class ApplicationRow:
    """One line of an application list: what it is about and between whom."""

    application: Application
    product_code: str
    product_name_zh: str
    product_name_en: str
    study_title: str
    version_number: int
    total: float  # kg CO2e per declared unit, as applied
    unit: str
    applicant_zh: str
    applicant_en: str
    certifier_zh: str
    certifier_en: str


def application_rows(
    session: Session, *, actor: Actor, status: str | None = None
) -> list[ApplicationRow]:
    """:func:`list_applications` with the product, study and organisations, in one query."""
    applications = list_applications(session, actor=actor, status=status)
    if not applications:
        return []
    ids = [a.id for a in applications]
    applicant = aliased(Organisation, name="applicant")
    body = aliased(Organisation, name="body")
    found = {
        row.id: row
        for row in session.execute(
            select(
                Application.id,
                Product.code,
                Product.name_zh,
                Product.name_en,
                Study.title,
                Calculation.version_number,
                Calculation.total,
                Calculation.unit,
                applicant.name_zh.label("applicant_zh"),
                applicant.name_en.label("applicant_en"),
                body.name_zh.label("certifier_zh"),
                body.name_en.label("certifier_en"),
            )
            .join(Study, Study.id == Application.study_id)
            .join(Product, Product.id == Study.product_id)
            .join(Calculation, Calculation.id == Application.calculation_id)
            .join(applicant, applicant.id == Application.organisation_id)
            .join(body, body.id == Application.certifier_id)
            .where(Application.id.in_(ids))
        )
    }
    rows = []
    for application in applications:
        row = found.get(application.id)
        if row is None:  # foreign keys forbid it
            continue
        rows.append(
            ApplicationRow(
                application=application,
                product_code=row.code,
                product_name_zh=row.name_zh,
                product_name_en=row.name_en,
                study_title=row.title,
                version_number=row.version_number,
                total=row.total,
                unit=row.unit,
                applicant_zh=row.applicant_zh,
                applicant_en=row.applicant_en,
                certifier_zh=row.certifier_zh,
                certifier_en=row.certifier_en,
            )
        )
    return rows


def get_application(session: Session, *, actor: Actor, application_id: uuid.UUID) -> Application:
    """The application if the actor's organisation is its applicant or its certifier."""
    return _application(session, actor, application_id)


def history(session: Session, *, actor: Actor, application_id: uuid.UUID) -> list[ApplicationEvent]:
    """Every step of the application and its certificate, oldest first."""
    application = _application(session, actor, application_id)
    return list(
        session.scalars(
            select(ApplicationEvent)
            .where(ApplicationEvent.application_id == application.id)
            .order_by(ApplicationEvent.created_at, ApplicationEvent.id)
        )
    )


def attachments(session: Session, *, actor: Actor, application_id: uuid.UUID) -> list[Attachment]:
    """The application's attachments, oldest first (the content loads only when read)."""
    application = _application(session, actor, application_id)
    return list(
        session.scalars(
            select(Attachment)
            .options(defer(Attachment.content))
            .where(Attachment.application_id == application.id)
            .order_by(Attachment.created_at, Attachment.filename)
        )
    )


def get_attachment(
    session: Session, *, actor: Actor, application_id: uuid.UUID, attachment_id: uuid.UUID
) -> Attachment:
    """One attachment, for the two organisations of its application only."""
    application = _application(session, actor, application_id)
    found = session.scalar(
        select(Attachment).where(
            Attachment.id == attachment_id, Attachment.application_id == application.id
        )
    )
    if found is None:
        raise NotFound(
            _("No attachment {id} on this application.").format(id=attachment_id),
            loc=("attachment_id",),
        )
    return found


def certificate_of(
    session: Session, *, actor: Actor, application_id: uuid.UUID
) -> Certificate | None:
    """The certificate issued on the application, if there is one."""
    application = _application(session, actor, application_id)
    return session.scalar(select(Certificate).where(Certificate.application_id == application.id))


def list_certificates(session: Session, *, actor: Actor) -> list[Certificate]:
    """Certificates the actor's organisation holds or issued, newest first."""
    return list(
        session.scalars(
            queries.visible_certificates(actor).order_by(
                Certificate.issued_on.desc(), Certificate.number.desc()
            )
        )
    )


def get_certificate(session: Session, *, actor: Actor, certificate_id: uuid.UUID) -> Certificate:
    return _certificate(session, actor, certificate_id)


@dataclass(frozen=True)
class Subject:
    """What an application is about, for pages: the study, product, calculation, parties."""

    application: Application
    study: Study
    product: Product
    calculation: Calculation
    version: StudyVersion
    applicant: Organisation
    certifier: Organisation


def subject_of(session: Session, *, actor: Actor, application_id: uuid.UUID) -> Subject:
    """The application with its study, product, calculation and the two organisations."""
    application = _application(session, actor, application_id)
    study = session.get(Study, application.study_id)
    calculation = session.get(Calculation, application.calculation_id)
    if study is None or calculation is None:  # foreign keys forbid it
        raise NotFound(_("The application's study or calculation is missing."))
    product = session.get(Product, study.product_id)
    version = session.get(StudyVersion, calculation.version_id)
    applicant = session.get(Organisation, application.organisation_id)
    certifier = session.get(Organisation, application.certifier_id)
    if product is None or version is None or applicant is None or certifier is None:
        raise NotFound(_("The application's study or calculation is missing."))
    return Subject(application, study, product, calculation, version, applicant, certifier)


def details_of(event: ApplicationEvent) -> dict[str, Any]:
    """An event's details as a dict (empty if unreadable)."""
    try:
        data = json.loads(event.details or "{}")
    except json.JSONDecodeError:
        return {}
    return data if isinstance(data, dict) else {}


def _last_event(session: Session, application: Application, action: str) -> ApplicationEvent | None:
    return session.scalars(
        select(ApplicationEvent)
        .where(ApplicationEvent.application_id == application.id, ApplicationEvent.action == action)
        .order_by(ApplicationEvent.created_at.desc())
        .limit(1)
    ).first()


# --- the certification body's steps -------------------------------------------------------


def _step(
    session: Session,
    actor: Actor,
    application_id: uuid.UUID,
    action: str,
) -> tuple[Application, Step]:
    application = _application(session, actor, application_id)
    step = _authorise(actor, action, application)
    _expect(application.status, step.after, action)
    return application, step


def _move(
    session: Session,
    actor: Actor,
    application: Application,
    action: str,
    to: str,
    *,
    reason: str = "",
    details: Mapping[str, Any] | None = None,
    files: Sequence[_File] = (),
) -> ApplicationEvent:
    previous = application.status
    application.status = to
    return _event(
        session,
        application,
        action=action,
        actor_label=actor.label,
        organisation_id=actor.organisation_id,
        from_status=previous,
        to_status=to,
        reason=reason,
        details=details,
        files=files,
    )


def accept(
    session: Session,
    *,
    actor: Actor,
    application_id: uuid.UUID,
    reason: str = "",
    attachments: Sequence[Upload] = (),
) -> Application:
    """The certification body accepts the application (受理)."""
    application, step = _step(session, actor, application_id, "accept")
    reason = _text(reason, loc="reason", maximum=MAX_REASON)
    files = _uploads(attachments, "attachments")
    _move(session, actor, application, "accept", step.to, reason=reason, files=files)
    return application


def verifiers(session: Session, *, actor: Actor) -> list[User]:
    """The people of the actor's certification body who may verify (for the plan form)."""
    ensure(actor, Right.CERT_VERIFY)
    people = session.scalars(
        select(User)
        .where(User.organisation_id == actor.organisation_id, User.active)
        .order_by(User.username)
    )
    return [p for p in people if Right.CERT_VERIFY in rights_of(actor.organisation_kind, p.role)]


def plan(
    session: Session,
    *,
    actor: Actor,
    application_id: uuid.UUID,
    plan: str,
    verifier: str,
    review_on: dt.date | None = None,
    inspection_on: dt.date,
    reason: str = "",
    attachments: Sequence[Upload] = (),
) -> Application:
    """Plan the certification (认证策划): the plan, the verifier assigned, the dates."""
    application, step = _step(session, actor, application_id, "plan")
    text = _required(
        plan, loc="plan", maximum=MAX_TEXT, message=_("Describe the certification plan.")
    )
    username = _required(verifier, loc="verifier", maximum=120, message=_("Assign a verifier."))
    if username not in {p.username for p in verifiers(session, actor=actor)}:
        raise InvalidInput(
            _("'{name}' is not a verifier of your certification body.").format(name=username),
            loc=("verifier",),
        )
    if inspection_on is None:
        raise InvalidInput(_("Give the date of the on-site inspection."), loc=("inspection_on",))
    if review_on is not None and review_on > inspection_on:
        raise InvalidInput(
            _("The document review comes before the on-site inspection."), loc=("review_on",)
        )
    reason = _text(reason, loc="reason", maximum=MAX_REASON)
    files = _uploads(attachments, "attachments")
    _move(
        session,
        actor,
        application,
        "plan",
        step.to,
        reason=reason,
        details={
            "plan": text,
            "verifier": username,
            "review_on": review_on.isoformat() if review_on else None,
            "inspection_on": inspection_on.isoformat(),
        },
        files=files,
    )
    return application


def review_documents(
    session: Session,
    *,
    actor: Actor,
    application_id: uuid.UUID,
    findings: Sequence[str] = (),
    reason: str = "",
    attachments: Sequence[Upload] = (),
) -> Application:
    """Record the document review (文件评审) and its findings."""
    application, step = _step(session, actor, application_id, "review-documents")
    found = _findings(findings)
    reason = _text(reason, loc="reason", maximum=MAX_REASON)
    files = _uploads(attachments, "attachments")
    _move(
        session,
        actor,
        application,
        "review-documents",
        step.to,
        reason=reason,
        details={"findings": found},
        files=files,
    )
    return application


def record_inspection(
    session: Session,
    *,
    actor: Actor,
    application_id: uuid.UUID,
    inspected_on: dt.date,
    record: str,
    findings: Sequence[str] = (),
    attachments: Sequence[Upload] = (),
    today: dt.date | None = None,
) -> Application:
    """Record the on-site inspection (现场检查): its date, record, findings, evidence."""
    application, step = _step(session, actor, application_id, "inspect")
    if inspected_on is None:
        raise InvalidInput(_("Give the date of the inspection."), loc=("inspected_on",))
    if inspected_on > (today or registry.beijing_today()):
        raise InvalidInput(
            _("An inspection is recorded after it took place, not before."),
            loc=("inspected_on",),
        )
    text = _required(
        record, loc="record", maximum=MAX_TEXT, message=_("Write the inspection record.")
    )
    found = _findings(findings)
    files = _uploads(attachments, "attachments")
    _move(
        session,
        actor,
        application,
        "inspect",
        step.to,
        details={"inspected_on": inspected_on.isoformat(), "record": text, "findings": found},
        files=files,
    )
    return application


@dataclass(frozen=True)
class Rerun:
    """The verifier's re-run of the calculation with its pinned factor release."""

    stored_total: float  # kg CO2e per declared unit, as stored
    rerun_total: float | None  # as re-calculated; None if the re-run failed
    stored_hash: str
    rerun_hash: str
    release: str
    relative_difference: float | None
    match: bool
    error: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "stored_total": self.stored_total,
            "rerun_total": self.rerun_total,
            "stored_hash": self.stored_hash,
            "rerun_hash": self.rerun_hash,
            "release": self.release,
            "relative_difference": self.relative_difference,
            "match": self.match,
            "error": self.error,
        }


def rerun(session: Session, calculation: Calculation) -> Rerun:
    """Calculate the study version again with the calculation's pinned factor release and
    compare: the total within 1e-9 relative and the same input hash. Nothing is stored."""
    stored, stored_hash = calculation.total, calculation.input_hash
    try:
        version = session.get(StudyVersion, calculation.version_id)
        if version is None:
            raise NotFound(_("The calculated version of the study is missing."))
        study = session.get_one(Study, calculation.study_id)
        resolver = study_resolver(session, calculation.release, study.organisation_id)
        name = f"v{version.number}"
        spec = modelfile.validate(modelfile.parse_text(version.model, name=name), name=name)
        result = calculate_system(modelfile.to_system(spec, resolver), iterations=0)
    except TanjiError as error:
        return Rerun(stored, None, stored_hash, "", calculation.release, None, False, str(error))
    scale = max(abs(stored), abs(result.total))
    difference = abs(result.total - stored) / scale if scale else 0.0
    if math.isnan(difference):
        difference = math.inf
    match = difference <= TOLERANCE and result.input_hash == stored_hash
    return Rerun(
        stored, result.total, stored_hash, result.input_hash, calculation.release, difference, match
    )


def input_keys(version: StudyVersion) -> list[str]:
    """The model's inputs as ``process/input`` keys (what a verifier samples)."""
    try:
        model = modelfile.parse_text(version.model, name=f"v{version.number}")
    except TanjiError:
        return []
    keys = []
    for process in model.get("processes") or ():
        for item in process.get("inputs") or ():
            keys.append(f"{process.get('id')}/{item.get('id')}")
    return keys


def _samples(samples: Sequence[Mapping[str, Any]] | None, keys: Sequence[str]) -> list[dict]:
    items = list(samples or ())
    if len(items) > MAX_SAMPLES:
        raise InvalidInput(
            _("At most {n} sampled inputs, please.").format(n=MAX_SAMPLES), loc=("samples",)
        )
    known, seen, checked = set(keys), set(), []
    for index, item in enumerate(items):
        if not isinstance(item, Mapping):
            raise InvalidInput(
                _("A sample names an input, a verdict and a note."), loc=("samples", index)
            )
        key = str(item.get("key") or "").strip()
        verdict = str(item.get("verdict") or "").strip()
        note = str(item.get("note") or "")
        if key not in known:
            raise InvalidInput(
                _("The model has no input '{key}'; sample inputs as process/input.").format(
                    key=key[:120]
                ),
                loc=("samples", index, "key"),
            )
        if key in seen:
            raise InvalidInput(
                _("The input '{key}' is sampled twice.").format(key=key),
                loc=("samples", index, "key"),
            )
        if verdict not in VERDICTS:
            raise InvalidInput(
                _("The verdict is 'ok' or 'discrepancy', not '{verdict}'.").format(
                    verdict=verdict[:40]
                ),
                loc=("samples", index, "verdict"),
            )
        note = _text(note, loc="note", maximum=MAX_REASON)
        if verdict == "discrepancy" and not note:
            raise InvalidInput(
                _("Say what differs from the evidence."), loc=("samples", index, "note")
            )
        seen.add(key)
        checked.append({"key": key, "verdict": verdict, "note": note})
    return checked


def verify(
    session: Session,
    *,
    actor: Actor,
    application_id: uuid.UUID,
    samples: Sequence[Mapping[str, Any]] = (),
    findings: Sequence[str] = (),
    reason: str = "",
    attachments: Sequence[Upload] = (),
) -> Rerun:
    """Verify the footprint (产品碳足迹核查): re-run the calculation, record the inputs
    sampled against evidence and the findings. A re-run that differs from the stored
    calculation is recorded as a finding and blocks approval."""
    application, step = _step(session, actor, application_id, "verify")
    calculation = session.get(Calculation, application.calculation_id)
    version = session.get(StudyVersion, calculation.version_id) if calculation else None
    if calculation is None or version is None:
        raise NotFound(_("The application's study or calculation is missing."))
    checked = _samples(samples, input_keys(version))
    found = _findings(findings)
    reason = _text(reason, loc="reason", maximum=MAX_REASON)
    files = _uploads(attachments, "attachments")
    outcome = rerun(session, calculation)
    if not outcome.match:
        found.insert(0, mismatch_finding(outcome))
    _move(
        session,
        actor,
        application,
        "verify",
        step.to,
        reason=reason,
        details={"rerun": outcome.as_dict(), "samples": checked, "findings": found},
        files=files,
    )
    return outcome


def mismatch_finding(outcome: Rerun) -> str:
    """The finding recorded when the re-run does not reproduce the stored calculation."""
    if outcome.rerun_total is None:
        return _("The calculation could not be re-run with release {release}: {error}").format(
            release=outcome.release, error=outcome.error
        )
    return _(
        "The re-run with release {release} gives {rerun} kg CO2e, the stored calculation "
        "{stored} kg CO2e (input hash {same}); the stored result is not reproducible."
    ).format(
        release=outcome.release,
        rerun=f"{outcome.rerun_total:.10g}",
        stored=f"{outcome.stored_total:.10g}",
        same=_("unchanged") if outcome.rerun_hash == outcome.stored_hash else _("changed"),
    )


@dataclass(frozen=True)
class VerificationRecord:
    """The latest verification of an application, for display."""

    by: str
    at: dt.datetime
    rerun: dict[str, Any]
    samples: list[dict[str, Any]] = field(default_factory=list)
    findings: list[str] = field(default_factory=list)

    @property
    def match(self) -> bool:
        return bool(self.rerun.get("match"))


def verification_of(
    session: Session, *, actor: Actor, application_id: uuid.UUID
) -> VerificationRecord | None:
    application = _application(session, actor, application_id)
    event = _last_event(session, application, "verify")
    if event is None:
        return None
    data = details_of(event)
    return VerificationRecord(
        by=event.actor,
        at=event.created_at,
        rerun=dict(data.get("rerun") or {}),
        samples=list(data.get("samples") or ()),
        findings=list(data.get("findings") or ()),
    )


# --- the decision and the certificate --------------------------------------------------------


def add_years(day: dt.date, years: int) -> dt.date:
    """The same day ``years`` later (29 February becomes 28 February)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def _next_number(session: Session, year: int) -> str:
    prefix = f"{NUMBER_PREFIX}-{year}-"
    numbers = session.scalars(
        select(Certificate.number).where(Certificate.number.like(prefix + "%"))
    )
    highest = 0
    for number in numbers:
        tail = number[len(prefix) :]
        if tail.isdigit():
            highest = max(highest, int(tail))
    return f"{prefix}{highest + 1:06d}"


def _boundary(version: StudyVersion) -> str:
    try:
        model = modelfile.parse_text(version.model, name=f"v{version.number}")
    except TanjiError:
        return ""
    return str((model.get("product") or {}).get("boundary") or "")[:30]


def decide(
    session: Session,
    *,
    actor: Actor,
    application_id: uuid.UUID,
    decision: str,
    issuer: str,
    reason: str = "",
    attachments: Sequence[Upload] = (),
    today: dt.date | None = None,
) -> Certificate | None:
    """Evaluate and decide (评价与批准): approve a verified application — which issues the
    certificate and its signed label — or reject it with a reason. The decider must not be
    the person who verified (impartiality). ``issuer`` is the platform's base URL, the
    label token's ``iss`` (where its keys and registry are found)."""
    application = _application(session, actor, application_id)
    step = _authorise(actor, "decide", application)
    if decision not in DECISIONS:
        raise InvalidInput(
            _("Decide 'approve' or 'reject', not '{decision}'.").format(decision=decision[:40]),
            loc=("decision",),
        )
    allowed = (S.VERIFIED,) if decision == "approve" else step.after
    _expect(application.status, allowed, "decide")
    verified = _last_event(session, application, "verify")
    if verified is not None and verified.actor == actor.label:
        raise Forbidden(
            _(
                "You verified this footprint, so someone else of your body must decide "
                "(impartiality)."
            )
        )
    reason = _text(reason, loc="reason", maximum=MAX_REASON, required=decision == "reject")
    files = _uploads(attachments, "attachments")
    if decision == "reject":
        _move(
            session,
            actor,
            application,
            "decide",
            S.REJECTED,
            reason=reason,
            details={"decision": "reject"},
            files=files,
        )
        return None
    record = details_of(verified) if verified is not None else {}
    if not (record.get("rerun") or {}).get("match"):
        raise Conflict(
            _(
                "The verification found that the stored calculation is not reproduced by its "
                "re-run, so the application cannot be approved; reject it."
            ),
            loc=("decision",),
        )
    certificate = _issue(session, application, today or registry.beijing_today(), issuer)
    _move(
        session,
        actor,
        application,
        "decide",
        S.CERTIFIED,
        reason=reason,
        details={"decision": "approve", "certificate": certificate.number},
        files=files,
    )
    _event(
        session,
        application,
        action="issue",
        actor_label=actor.label,
        organisation_id=actor.organisation_id,
        to_status=C.VALID,
        details={
            "certificate": certificate.number,
            "issued_on": certificate.issued_on.isoformat(),
            "expires_on": certificate.expires_on.isoformat(),
            "value": certificate.value,
            "unit": certificate.unit,
            "label_token_id": certificate.label_token_id,
        },
    )
    return certificate


def _issue(session: Session, application: Application, today: dt.date, issuer: str) -> Certificate:
    calculation = session.get(Calculation, application.calculation_id)
    study = session.get(Study, application.study_id)
    product = session.get(Product, study.product_id) if study else None
    version = session.get(StudyVersion, calculation.version_id) if calculation else None
    if calculation is None or study is None or product is None or version is None:
        raise NotFound(_("The application's study or calculation is missing."))
    certificate = Certificate(
        number=_next_number(session, today.year),
        application_id=application.id,
        organisation_id=application.organisation_id,
        certifier_id=application.certifier_id,
        calculation_id=calculation.id,
        product_code=product.code,
        product_name_zh=product.name_zh,
        product_name_en=product.name_en,
        category=product.category,
        value=calculation.total,
        unit=calculation.unit,
        boundary=_boundary(version),
        rule_id=calculation.rule_id,
        rule_version=calculation.rule_version,
        grade=calculation.grade,
        label_kind=application.label_kind,
        issued_on=today,
        expires_on=add_years(today, VALIDITY_YEARS),
        status=C.VALID,
        label_token_id="",
    )
    try:
        with session.begin_nested():
            session.add(certificate)
            session.flush()
    except IntegrityError:
        raise Conflict(
            _("Another certificate was issued at the same moment; decide again.")
        ) from None
    signing.issue_label_token(session, certificate=certificate, issuer=issuer)
    session.flush()
    return certificate


def withdraw_application(
    session: Session,
    *,
    actor: Actor,
    application_id: uuid.UUID,
    reason: str,
    attachments: Sequence[Upload] = (),
) -> Application:
    """The applicant withdraws its application before the decision."""
    application, step = _step(session, actor, application_id, "withdraw-application")
    reason = _text(reason, loc="reason", maximum=MAX_REASON, required=True)
    files = _uploads(attachments, "attachments")
    _move(session, actor, application, "withdraw-application", step.to, reason=reason, files=files)
    return application


# --- after certification ------------------------------------------------------------------


def _certificate_step(
    session: Session,
    actor: Actor,
    certificate_id: uuid.UUID,
    action: str,
    today: dt.date | None,
) -> tuple[Certificate, Application, Step, str]:
    certificate = _certificate(session, actor, certificate_id)
    step = _authorise(actor, action, certificate)
    status = registry.effective_status(certificate, today)
    _expect(status, step.after, action, certificate=True)
    application = session.get(Application, certificate.application_id)
    if application is None:  # foreign keys forbid it
        raise NotFound(_("The certificate's application is missing."))
    return certificate, application, step, status


def _certificate_event(
    session: Session,
    actor: Actor,
    application: Application,
    certificate: Certificate,
    action: str,
    before: str,
    *,
    reason: str,
    details: Mapping[str, Any] | None = None,
    files: Sequence[_File] = (),
) -> ApplicationEvent:
    return _event(
        session,
        application,
        action=action,
        actor_label=actor.label,
        organisation_id=actor.organisation_id,
        from_status=before,
        to_status=certificate.status,
        reason=reason,
        details={"certificate": certificate.number, **dict(details or {})},
        files=files,
    )


def surveil(
    session: Session,
    *,
    actor: Actor,
    certificate_id: uuid.UUID,
    result: str,
    surveyed_on: dt.date | None = None,
    reason: str = "",
    findings: Sequence[str] = (),
    attachments: Sequence[Upload] = (),
    today: dt.date | None = None,
) -> Certificate:
    """Record the yearly surveillance (获证后监督): ok, or a nonconformity (with a reason).
    A nonconformity does not suspend by itself: the body decides that as its own step."""
    certificate, application, _unused, before = _certificate_step(
        session, actor, certificate_id, "surveil", today
    )
    day = today or registry.beijing_today()
    if result not in SURVEILLANCE_RESULTS:
        raise InvalidInput(
            _("The result is 'ok' or 'nonconformity', not '{result}'.").format(result=result[:40]),
            loc=("result",),
        )
    surveyed_on = surveyed_on or day
    if surveyed_on > day or surveyed_on < certificate.issued_on:
        raise InvalidInput(
            _("The surveillance date lies between the issue of the certificate and today."),
            loc=("surveyed_on",),
        )
    reason = _text(reason, loc="reason", maximum=MAX_REASON, required=result == "nonconformity")
    found = _findings(findings)
    files = _uploads(attachments, "attachments")
    certificate.last_surveillance_on = surveyed_on
    _certificate_event(
        session,
        actor,
        application,
        certificate,
        "surveil",
        before,
        reason=reason,
        details={"result": result, "surveyed_on": surveyed_on.isoformat(), "findings": found},
        files=files,
    )
    return certificate


def _change_status(
    session: Session,
    actor: Actor,
    certificate_id: uuid.UUID,
    action: str,
    reason: str,
    attachments: Sequence[Upload],
    today: dt.date | None,
) -> Certificate:
    certificate, application, step, before = _certificate_step(
        session, actor, certificate_id, action, today
    )
    reason = _text(reason, loc="reason", maximum=MAX_REASON, required=True)
    files = _uploads(attachments, "attachments")
    certificate.status = step.to
    certificate.status_reason = reason if step.to != C.VALID else ""
    _certificate_event(
        session, actor, application, certificate, action, before, reason=reason, files=files
    )
    return certificate


def suspend(
    session: Session,
    *,
    actor: Actor,
    certificate_id: uuid.UUID,
    reason: str,
    attachments: Sequence[Upload] = (),
    today: dt.date | None = None,
) -> Certificate:
    """Suspend a valid certificate (its label stops verifying as valid); the reason is public."""
    return _change_status(session, actor, certificate_id, "suspend", reason, attachments, today)


def reinstate(
    session: Session,
    *,
    actor: Actor,
    certificate_id: uuid.UUID,
    reason: str,
    attachments: Sequence[Upload] = (),
    today: dt.date | None = None,
) -> Certificate:
    """Lift a suspension (before the certificate expires)."""
    return _change_status(session, actor, certificate_id, "reinstate", reason, attachments, today)


def withdraw(
    session: Session,
    *,
    actor: Actor,
    certificate_id: uuid.UUID,
    reason: str,
    attachments: Sequence[Upload] = (),
    today: dt.date | None = None,
) -> Certificate:
    """Withdraw a certificate for good (撤销); the reason is public."""
    return _change_status(session, actor, certificate_id, "withdraw", reason, attachments, today)


def expire_due(session: Session, *, today: dt.date | None = None) -> list[Certificate]:
    """Mark the valid certificates past their expiry date as expired, each with an event.

    Run daily (or before a report); the registry already shows them expired on the day.
    """
    day = today or registry.beijing_today()
    due = list(
        session.scalars(
            select(Certificate)
            .where(Certificate.status == C.VALID, Certificate.expires_on < day)
            .order_by(Certificate.number)
        )
    )
    for certificate in due:
        application = session.get(Application, certificate.application_id)
        certificate.status = C.EXPIRED
        if application is None:  # foreign keys forbid it
            continue
        _event(
            session,
            application,
            action="expire",
            actor_label="system",
            organisation_id=certificate.certifier_id,
            from_status=C.VALID,
            to_status=C.EXPIRED,
            details={
                "certificate": certificate.number,
                "expires_on": certificate.expires_on.isoformat(),
            },
        )
    session.flush()
    return due


# --- the report of the applied calculation -----------------------------------------------------


def report_for_application(session: Session, *, actor: Actor, application_id: uuid.UUID) -> Report:
    """The study report of the applied calculation, for both parties of the application
    (the certification body reads it without holding ``study:read`` of its own)."""
    subject = subject_of(session, actor=actor, application_id=application_id)
    calculation = subject.calculation
    try:
        rule, note = effective(get_rule(calculation.rule_id, calculation.rule_version)), ""
    except NotFound as missing:
        rule, note = effective(get_rule("general")), missing.message
    return assemble(
        ReportInput(
            model=modelfile.parse_text(subject.version.model, name=f"v{subject.version.number}"),
            result=studies.result_of(calculation),
            rule=rule,
            organisation_zh=subject.applicant.name_zh,
            organisation_en=subject.applicant.name_en or subject.applicant.name_zh,
            product_name_zh=subject.product.name_zh,
            product_name_en=subject.product.name_en,
            study_title=subject.study.title,
            version_number=calculation.version_number,
            calculation_id=str(calculation.id),
            calculated_at=calculation.created_at,
            factor_release=calculation.release,
            engine_version=calculation.engine_version,
            input_hash=calculation.input_hash,
            iterations=calculation.iterations,
            seed=calculation.seed if calculation.iterations else None,
            rule_note=note,
        )
    )


__all__ = [
    "APPLICATION_STEPS",
    "CERTIFICATE_STEPS",
    "LABEL_KINDS",
    "MAX_ATTACHMENT_BYTES",
    "STEPS",
    "ApplicationRow",
    "Rerun",
    "Subject",
    "Upload",
    "VerificationRecord",
    "accept",
    "action_name",
    "application_rows",
    "apply",
    "attachments",
    "certificate_of",
    "decide",
    "details_of",
    "expire_due",
    "get_application",
    "get_attachment",
    "get_certificate",
    "history",
    "input_keys",
    "label_kind_name",
    "list_applications",
    "list_certificates",
    "list_certifiers",
    "may",
    "next_steps",
    "plan",
    "record_inspection",
    "reinstate",
    "report_for_application",
    "rerun",
    "review_documents",
    "rule_errors",
    "status_name",
    "subject_of",
    "surveil",
    "suspend",
    "verification_of",
    "verifiers",
    "verify",
    "withdraw",
    "withdraw_application",
]
