"""A small factory of certificates as plain rows, for the signing, label and verify tests.

It inserts Organisation / Product / Study / StudyVersion / Calculation / Application /
Certificate rows directly, so these tests need neither the certification workflow nor
seeded demo data; the rights matrix uses it with the demo organisations.
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy.orm import Session

from tanji.accounts.models import Organisation
from tanji.footprints.models import Calculation, Product, Study, StudyVersion
from tanji.labels.models import (
    Application,
    ApplicationStatus,
    Certificate,
    CertificateStatus,
)


def organisation(session: Session, kind: str = "enterprise", name: str = "") -> Organisation:
    tag = uuid.uuid4().hex[:8]
    made = Organisation(
        slug=f"{kind}-{tag}",
        kind=kind,
        name_zh=name or f"测试{kind}{tag}",
        name_en=name or f"Test {kind} {tag}",
    )
    session.add(made)
    session.flush()
    return made


def calculation(
    session: Session, holder: Organisation, *, value: float, code: str, name_zh: str, name_en: str
) -> Calculation:
    product = Product(
        organisation_id=holder.id, code=code, name_zh=name_zh, name_en=name_en, category="cement"
    )
    session.add(product)
    session.flush()
    study = Study(
        organisation_id=holder.id,
        product_id=product.id,
        title="Label test",
        rule_id="cement",
        latest_version=1,
        created_by="test",
    )
    session.add(study)
    session.flush()
    version = StudyVersion(
        study_id=study.id, number=1, model="{}", origin="yaml", created_by="test"
    )
    session.add(version)
    session.flush()
    made = Calculation(
        study_id=study.id,
        version_id=version.id,
        version_number=1,
        release="test",
        rule_id="cement",
        rule_version="1.0",
        engine_version="test",
        gwp_set="AR6",
        input_hash="test",
        total=value,
        unit="1 t",
        result="{}",
        findings="{}",
        grade="2",
        submittable=True,
        created_by="test",
    )
    session.add(made)
    session.flush()
    return made


def certificate(
    session: Session,
    *,
    holder: Organisation | None = None,
    certifier: Organisation | None = None,
    calc: Calculation | None = None,
    value: float = 650.3123,
    code: str | None = None,
    name_zh: str = "普通硅酸盐水泥 P·O 42.5",
    name_en: str = "Portland cement P·O 42.5",
    grade: str | None = "2",
    status: str = CertificateStatus.VALID,
    reason: str = "",
    issued_on: dt.date = dt.date(2026, 3, 1),
    expires_on: dt.date = dt.date(2028, 2, 29),
) -> Certificate:
    """A certified application and its certificate (no label token yet)."""
    holder = holder or organisation(session, "enterprise")
    certifier = certifier or organisation(session, "certifier")
    tag = uuid.uuid4().hex[:8].upper()
    code = code or f"PO425-{tag}"
    calc = calc or calculation(
        session, holder, value=value, code=code, name_zh=name_zh, name_en=name_en
    )
    application = Application(
        organisation_id=holder.id,
        certifier_id=certifier.id,
        study_id=calc.study_id,
        calculation_id=calc.id,
        status=ApplicationStatus.CERTIFIED,
        created_by="test",
    )
    session.add(application)
    session.flush()
    made = Certificate(
        number=f"CTL-2026-{tag}",
        application_id=application.id,
        organisation_id=holder.id,
        certifier_id=certifier.id,
        calculation_id=calc.id,
        product_code=code,
        product_name_zh=name_zh,
        product_name_en=name_en,
        category="cement",
        value=value,
        unit="1 t",
        boundary="cradle-to-gate",
        rule_id="cement",
        rule_version="1.0",
        grade=grade,
        label_kind="footprint-value",
        issued_on=issued_on,
        expires_on=expires_on,
        status=status,
        status_reason=reason,
        label_token_id="",
    )
    session.add(made)
    session.flush()
    return made
