"""The certification workflow (service level, on SQLite and PostgreSQL): apply, the body's
steps, the re-run verification, the decision and certificate, surveillance, suspension,
withdrawal, expiry — each step only from its statuses, by its role and its organisation."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from tanji.accounts.models import Organisation, OrganisationKind, User
from tanji.accounts.policy import ROLE_RIGHTS, Actor
from tanji.accounts.service import create_organisation
from tanji.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from tanji.demo import certifiable_cement
from tanji.factors.seed import seed_factors
from tanji.footprints import queries as footprint_queries
from tanji.footprints import studies
from tanji.footprints.models import Calculation, Product, Study, StudyVersion
from tanji.labels import registry, service
from tanji.labels.models import (
    Application,
    ApplicationEvent,
    ApplicationStatus,
    Attachment,
    Certificate,
    CertificateStatus,
)

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "portland-cement.yaml"
ISSUER = "https://tanji.test"
PDF = ("energy-bills.pdf", "application/pdf", b"%PDF-1.4\n% bills of 2024\n%%EOF\n")
CSV = ("meter-readings.csv", "text/csv", b"month,kWh\n2024-01,35100\n")
TODAY = dt.date(2026, 3, 2)


# --- the cast ----------------------------------------------------------------------------


def organisation(session: Session, kind: str) -> Organisation:
    return create_organisation(
        session, slug=f"{kind}-{uuid.uuid4().hex[:10]}", kind=kind, name_zh=f"测试{kind}"
    )


def person(session: Session, org: Organisation, role: str, name: str = "") -> Actor:
    """A user of the organisation (the plan names verifiers by username) and their actor."""
    username = name or f"{role}-{uuid.uuid4().hex[:6]}@{org.slug}.test"
    user = User(username=username, password_hash="-", organisation_id=org.id, role=role)
    session.add(user)
    session.flush()
    return Actor(
        organisation_id=org.id,
        organisation_kind=org.kind,
        role=role,
        name=username,
        user_id=user.id,
    )


@dataclass
class Cast:
    db: Session
    applicant: Organisation
    body: Organisation
    manager: Actor
    verifier: Actor
    decider: Actor  # the certification body's administrator
    study: Study
    calculation: Calculation  # of version 2, which passes its rule check

    def failing(self) -> Calculation:
        """A calculation of version 1, whose rule check has errors."""
        made = studies.calculate(
            self.db, actor=self.manager, study_id=self.study.id, number=1, iterations=0
        )
        assert not made.submittable
        return made


@pytest.fixture
def cast(session: Session) -> Cast:
    seed_factors(session)
    applicant = organisation(session, OrganisationKind.ENTERPRISE)
    body = organisation(session, OrganisationKind.CERTIFIER)
    manager = person(session, applicant, "manager")
    product = studies.create_product(
        session, actor=manager, code="PO-42.5", name_zh="普通硅酸盐水泥", category="cement"
    )
    study = studies.create_study_from_upload(
        session,
        actor=manager,
        product_id=product.id,
        filename=EXAMPLE.name,
        content=EXAMPLE.read_bytes(),
    )
    model = certifiable_cement(yaml.safe_load(EXAMPLE.read_text(encoding="utf-8")))
    studies.save_version(session, actor=manager, study_id=study.id, model=model)
    calculation = studies.calculate(session, actor=manager, study_id=study.id, iterations=0)
    assert calculation.submittable
    return Cast(
        db=session,
        applicant=applicant,
        body=body,
        manager=manager,
        verifier=person(session, body, "verifier"),
        decider=person(session, body, "admin"),
        study=study,
        calculation=calculation,
    )


def apply(cast: Cast, **changes: Any) -> Application:
    arguments = {
        "actor": cast.manager,
        "study_id": cast.study.id,
        "calculation_id": cast.calculation.id,
        "certifier_slug_or_id": cast.body.slug,
        "documents": [PDF],
        "label_kind": "footprint-value",
        **changes,
    }
    return service.apply(cast.db, **arguments)


def step(cast: Cast, application: Application, action: str, actor: Actor | None = None) -> Any:
    """Take one step with valid inputs (the verifier for the body's steps)."""
    db, who, app_id = cast.db, actor or cast.verifier, application.id
    if action == "accept":
        return service.accept(db, actor=who, application_id=app_id)
    if action == "plan":
        return service.plan(
            db,
            actor=who,
            application_id=app_id,
            plan="Document review, then one day on site at the kiln and the mill.",
            verifier=cast.verifier.name,
            review_on=TODAY,
            inspection_on=TODAY + dt.timedelta(days=7),
        )
    if action == "review-documents":
        return service.review_documents(
            db, actor=who, application_id=app_id, findings=["Energy bills complete."]
        )
    if action == "inspect":
        return service.record_inspection(
            db,
            actor=who,
            application_id=app_id,
            inspected_on=TODAY,
            record="Kiln, mill and weighbridge seen; meters calibrated.",
            findings=["Meter 3 calibration due in May."],
            attachments=[CSV],
            today=TODAY,
        )
    if action == "verify":
        return service.verify(
            db,
            actor=who,
            application_id=app_id,
            samples=[
                {"key": "clinker-production/kiln-coal", "verdict": "ok", "note": "Fuel log"},
                {"key": "cement-grinding/grinding-electricity", "verdict": "ok", "note": ""},
            ],
            findings=["No material discrepancy."],
        )
    raise AssertionError(action)


BODY_STEPS = ("accept", "plan", "review-documents", "inspect", "verify")


def verified(cast: Cast) -> Application:
    application = apply(cast)
    for action in BODY_STEPS:
        step(cast, application, action)
    return application


def certified(cast: Cast) -> Certificate:
    application = verified(cast)
    certificate = service.decide(
        cast.db,
        actor=cast.decider,
        application_id=application.id,
        decision="approve",
        issuer=ISSUER,
        today=TODAY,
    )
    assert certificate is not None
    return certificate


# --- applying ------------------------------------------------------------------------------


class TestApply:
    def test_an_application_records_its_documents_and_first_event(self, cast: Cast) -> None:
        application = apply(cast, documents=[PDF, CSV])
        assert application.status == ApplicationStatus.APPLIED
        assert application.organisation_id == cast.applicant.id
        assert application.certifier_id == cast.body.id
        events = service.history(cast.db, actor=cast.manager, application_id=application.id)
        assert [(e.action, e.from_status, e.to_status) for e in events] == [
            ("apply", "", "applied")
        ]
        assert events[0].actor == cast.manager.name
        files = service.attachments(cast.db, actor=cast.verifier, application_id=application.id)
        assert [(f.filename, f.content_type, f.size) for f in files] == [
            ("energy-bills.pdf", "application/pdf", len(PDF[2])),
            ("meter-readings.csv", "text/csv", len(CSV[2])),
        ]
        assert files[0].sha256 == hashlib.sha256(PDF[2]).hexdigest()
        assert {f.event_id for f in files} == {events[0].id}

    def test_the_certifier_may_be_named_by_id(self, cast: Cast) -> None:
        application = apply(cast, certifier_slug_or_id=str(cast.body.id), documents=[])
        assert application.certifier_id == cast.body.id

    def test_a_calculation_with_rule_errors_cannot_be_submitted(self, cast: Cast) -> None:
        failing = cast.failing()
        with pytest.raises(InvalidInput) as refused:
            apply(cast, calculation_id=failing.id)
        assert refused.value.loc == ("calculation_id",)
        errors = service.rule_errors(failing)
        assert errors == 3
        assert f"found {errors} errors" in refused.value.message
        assert cast.db.scalar(select(Application.id)) is None

    def test_the_calculation_must_belong_to_the_study(self, cast: Cast) -> None:
        other = studies.create_study_from_upload(
            cast.db,
            actor=cast.manager,
            product_id=cast.study.product_id,
            filename=EXAMPLE.name,
            content=EXAMPLE.read_bytes(),
        )
        with pytest.raises(InvalidInput) as refused:
            apply(cast, study_id=other.id)
        assert refused.value.loc == ("calculation_id",)

    def test_another_organisations_calculation_does_not_exist(self, cast: Cast) -> None:
        rival = person(cast.db, organisation(cast.db, OrganisationKind.ENTERPRISE), "manager")
        with pytest.raises(NotFound):
            apply(cast, actor=rival)

    @pytest.mark.parametrize("kind", [OrganisationKind.REGULATOR, OrganisationKind.ENTERPRISE])
    def test_only_a_certification_body_certifies(self, cast: Cast, kind: str) -> None:
        with pytest.raises(InvalidInput) as refused:
            apply(cast, certifier_slug_or_id=organisation(cast.db, kind).slug)
        assert refused.value.loc == ("certifier",)
        with pytest.raises(InvalidInput):
            apply(cast, certifier_slug_or_id="no-such-body")

    def test_a_viewer_cannot_apply(self, cast: Cast) -> None:
        with pytest.raises(Forbidden):
            apply(cast, actor=person(cast.db, cast.applicant, "viewer"))

    def test_one_open_application_per_calculation_and_body(self, cast: Cast) -> None:
        apply(cast)
        with pytest.raises(Conflict):
            apply(cast)

    def test_the_label_kind_is_one_of_the_families(self, cast: Cast) -> None:
        with pytest.raises(InvalidInput) as refused:
            apply(cast, label_kind="greenest")
        assert refused.value.loc == ("label_kind",)

    @pytest.mark.parametrize(
        ("upload", "problem"),
        [
            (("tool.exe", "application/octet-stream", b"MZ"), "not a document type"),
            (("bills.pdf", "application/pdf", b"GIF89a"), "content does not match"),
            (("bills.txt", "application/pdf", b"%PDF-1.4"), "should end in .pdf"),
            (("empty.pdf", "application/pdf", b""), "is empty"),
            (("big.txt", "text/plain", b"a" * (10 * 1024 * 1024 + 1)), "larger than 10 MB"),
            (("data.csv", "text/csv", b"a,b\x00"), "not a text file"),
        ],
    )
    def test_attachments_are_checked(
        self, cast: Cast, upload: tuple[str, str, bytes], problem: str
    ) -> None:
        with pytest.raises(InvalidInput) as refused:
            apply(cast, documents=[PDF, upload])
        assert refused.value.loc == ("documents", 1)
        assert problem in refused.value.message

    def test_a_file_is_stored_under_its_own_name(self, cast: Cast) -> None:
        application = apply(cast, documents=[("C:\\docs\\..\\bills.pdf", "", PDF[2])])
        [stored] = service.attachments(cast.db, actor=cast.manager, application_id=application.id)
        assert (stored.filename, stored.content_type) == ("bills.pdf", "application/pdf")


# --- the whole way -------------------------------------------------------------------------


class TestHappyPath:
    def test_from_application_to_certificate(self, cast: Cast) -> None:
        application = apply(cast)
        for action, status in zip(
            BODY_STEPS,
            ("accepted", "planned", "documents-reviewed", "inspected", "verified"),
            strict=True,
        ):
            step(cast, application, action)
            assert application.status == status
        record = service.verification_of(cast.db, actor=cast.manager, application_id=application.id)
        assert record is not None and record.match and record.by == cast.verifier.name
        assert record.rerun["rerun_total"] == pytest.approx(cast.calculation.total, rel=1e-12)
        assert [s["key"] for s in record.samples] == [
            "clinker-production/kiln-coal",
            "cement-grinding/grinding-electricity",
        ]
        certificate = service.decide(
            cast.db,
            actor=cast.decider,
            application_id=application.id,
            decision="approve",
            reason="Verified without material findings.",
            issuer=ISSUER,
            today=TODAY,
        )
        assert certificate is not None
        assert application.status == ApplicationStatus.CERTIFIED
        assert re.fullmatch(r"TJCFP-2026-\d{6}", certificate.number)
        assert certificate.value == cast.calculation.total
        assert certificate.unit == cast.calculation.unit == "1 t"
        assert certificate.boundary == "cradle-to-gate"
        assert (certificate.rule_id, certificate.rule_version) == (
            cast.calculation.rule_id,
            cast.calculation.rule_version,
        )
        assert certificate.grade == cast.calculation.grade
        assert (certificate.product_code, certificate.category) == ("PO-42.5", "cement")
        assert certificate.issued_on == TODAY
        assert certificate.expires_on == dt.date(2028, 3, 2)
        assert certificate.status == CertificateStatus.VALID
        assert certificate.label_token_id  # the signed label was issued
        assert (certificate.organisation_id, certificate.certifier_id) == (
            cast.applicant.id,
            cast.body.id,
        )
        mine = service.certificate_of(cast.db, actor=cast.manager, application_id=application.id)
        assert mine is certificate
        assert service.list_certificates(cast.db, actor=cast.manager) == [certificate]
        assert service.list_certificates(cast.db, actor=cast.verifier) == [certificate]
        public = registry.public_view(cast.db, number=certificate.number, today=TODAY)
        assert public.status == "valid" and public.verified_on is not None

    def test_numbers_run_per_year(self, cast: Cast) -> None:
        first = certified(cast)
        second_study = studies.create_study_from_upload(
            cast.db,
            actor=cast.manager,
            product_id=cast.study.product_id,
            filename=EXAMPLE.name,
            content=EXAMPLE.read_bytes(),
        )
        model = certifiable_cement(yaml.safe_load(EXAMPLE.read_text(encoding="utf-8")))
        studies.save_version(cast.db, actor=cast.manager, study_id=second_study.id, model=model)
        calculation = studies.calculate(
            cast.db, actor=cast.manager, study_id=second_study.id, iterations=0
        )
        application = apply(cast, study_id=second_study.id, calculation_id=calculation.id)
        for action in BODY_STEPS:
            step(cast, application, action)
        second = service.decide(
            cast.db,
            actor=cast.decider,
            application_id=application.id,
            decision="approve",
            issuer=ISSUER,
            today=dt.date(2027, 1, 5),
        )
        assert second is not None
        year_2026 = int(first.number.rsplit("-", 1)[1])
        assert second.number == "TJCFP-2027-000001"
        assert year_2026 >= 1

    def test_a_rejection_needs_a_reason_and_is_final(self, cast: Cast) -> None:
        application = apply(cast)
        with pytest.raises(InvalidInput) as refused:
            service.decide(
                cast.db,
                actor=cast.decider,
                application_id=application.id,
                decision="reject",
                issuer=ISSUER,
            )
        assert refused.value.loc == ("reason",)
        result = service.decide(
            cast.db,
            actor=cast.decider,
            application_id=application.id,
            decision="reject",
            reason="The plant has run its management system for only one month.",
            issuer=ISSUER,
        )
        assert result is None and application.status == ApplicationStatus.REJECTED
        with pytest.raises(Conflict):
            step(cast, application, "accept")

    def test_the_applicant_may_withdraw_before_the_decision(self, cast: Cast) -> None:
        application = apply(cast)
        step(cast, application, "accept")
        with pytest.raises(InvalidInput) as refused:
            service.withdraw_application(
                cast.db, actor=cast.manager, application_id=application.id, reason=" "
            )
        assert refused.value.loc == ("reason",)
        service.withdraw_application(
            cast.db, actor=cast.manager, application_id=application.id, reason="New data soon."
        )
        assert application.status == ApplicationStatus.WITHDRAWN
        # a withdrawn application no longer blocks a new one
        assert apply(cast).status == ApplicationStatus.APPLIED


class TestOrder:
    @pytest.mark.parametrize("action", ["plan", "review-documents", "inspect", "verify"])
    def test_a_step_out_of_order_is_a_conflict_naming_the_status(
        self, cast: Cast, action: str
    ) -> None:
        application = apply(cast)
        with pytest.raises(Conflict) as refused:
            step(cast, application, action)
        assert "is applied" in refused.value.message
        assert application.status == ApplicationStatus.APPLIED

    def test_no_approval_before_verification(self, cast: Cast) -> None:
        application = apply(cast)
        step(cast, application, "accept")
        with pytest.raises(Conflict) as refused:
            service.decide(
                cast.db,
                actor=cast.decider,
                application_id=application.id,
                decision="approve",
                issuer=ISSUER,
            )
        assert "is accepted" in refused.value.message

    def test_no_step_twice(self, cast: Cast) -> None:
        application = apply(cast)
        step(cast, application, "accept")
        with pytest.raises(Conflict):
            step(cast, application, "accept")

    def test_no_withdrawal_after_the_decision(self, cast: Cast) -> None:
        certificate = certified(cast)
        with pytest.raises(Conflict) as refused:
            service.withdraw_application(
                cast.db,
                actor=cast.manager,
                application_id=certificate.application_id,
                reason="Too late.",
            )
        assert "is certified" in refused.value.message


class TestInputs:
    def test_the_plan_names_a_verifier_of_the_body(self, cast: Cast) -> None:
        application = apply(cast)
        step(cast, application, "accept")
        outsider = person(cast.db, organisation(cast.db, OrganisationKind.CERTIFIER), "verifier")
        for verifier in ("", outsider.name, cast.manager.name):
            with pytest.raises(InvalidInput) as refused:
                service.plan(
                    cast.db,
                    actor=cast.verifier,
                    application_id=application.id,
                    plan="On site for a day.",
                    verifier=verifier,
                    inspection_on=TODAY,
                )
            assert refused.value.loc == ("verifier",)
        assert {u.username for u in service.verifiers(cast.db, actor=cast.verifier)} == {
            cast.verifier.name,
            cast.decider.name,
        }

    def test_the_review_comes_before_the_inspection(self, cast: Cast) -> None:
        application = apply(cast)
        step(cast, application, "accept")
        with pytest.raises(InvalidInput) as refused:
            service.plan(
                cast.db,
                actor=cast.verifier,
                application_id=application.id,
                plan="Plan.",
                verifier=cast.verifier.name,
                review_on=TODAY,
                inspection_on=TODAY - dt.timedelta(days=1),
            )
        assert refused.value.loc == ("review_on",)

    def test_an_inspection_is_recorded_after_it_happened(self, cast: Cast) -> None:
        application = apply(cast)
        for action in BODY_STEPS[:3]:
            step(cast, application, action)
        with pytest.raises(InvalidInput) as refused:
            service.record_inspection(
                cast.db,
                actor=cast.verifier,
                application_id=application.id,
                inspected_on=TODAY + dt.timedelta(days=1),
                record="Seen.",
                today=TODAY,
            )
        assert refused.value.loc == ("inspected_on",)

    @pytest.mark.parametrize(
        ("sample", "loc"),
        [
            ({"key": "nowhere/nothing", "verdict": "ok"}, ("samples", 0, "key")),
            ({"key": "clinker-production/kiln-coal", "verdict": "fine"}, ("samples", 0, "verdict")),
            (
                {"key": "clinker-production/kiln-coal", "verdict": "discrepancy", "note": ""},
                ("samples", 0, "note"),
            ),
        ],
    )
    def test_samples_name_inputs_of_the_model(
        self, cast: Cast, sample: dict[str, str], loc: tuple
    ) -> None:
        application = apply(cast)
        for action in BODY_STEPS[:4]:
            step(cast, application, action)
        with pytest.raises(InvalidInput) as refused:
            service.verify(
                cast.db, actor=cast.verifier, application_id=application.id, samples=[sample]
            )
        assert refused.value.loc == loc
        assert application.status == ApplicationStatus.INSPECTED


# --- verification and impartiality ----------------------------------------------------------


class TestVerification:
    def test_a_tampered_calculation_is_a_finding_that_blocks_approval(self, cast: Cast) -> None:
        application = apply(cast)
        for action in BODY_STEPS[:4]:
            step(cast, application, action)
        cast.calculation.total = cast.calculation.total * 0.8  # a lower footprint on the label
        cast.db.flush()
        outcome = step(cast, application, "verify")
        assert not outcome.match
        assert outcome.rerun_total == pytest.approx(outcome.stored_total / 0.8)
        assert outcome.relative_difference > 1e-9
        record = service.verification_of(cast.db, actor=cast.decider, application_id=application.id)
        assert record is not None and not record.match
        assert "not reproducible" in record.findings[0]
        with pytest.raises(Conflict) as refused:
            service.decide(
                cast.db,
                actor=cast.decider,
                application_id=application.id,
                decision="approve",
                issuer=ISSUER,
            )
        assert refused.value.loc == ("decision",)
        assert cast.db.scalar(select(Certificate.id)) is None
        service.decide(
            cast.db,
            actor=cast.decider,
            application_id=application.id,
            decision="reject",
            reason="The stored result is not reproducible.",
            issuer=ISSUER,
        )
        assert application.status == ApplicationStatus.REJECTED

    def test_a_changed_input_hash_is_caught_too(self, cast: Cast) -> None:
        cast.calculation.input_hash = "0" * 64
        cast.db.flush()
        application = apply(cast)
        for action in BODY_STEPS[:4]:
            step(cast, application, action)
        outcome = step(cast, application, "verify")
        assert outcome.relative_difference == 0.0 and not outcome.match

    def test_the_rerun_stores_no_calculation(self, cast: Cast) -> None:
        before = len(cast.db.scalars(select(Calculation.id)).all())
        verified(cast)
        assert len(cast.db.scalars(select(Calculation.id)).all()) == before

    def test_the_verifier_does_not_decide(self, cast: Cast) -> None:
        application = apply(cast)
        for action in BODY_STEPS:
            step(cast, application, action, actor=cast.decider)  # the admin verifies …
        with pytest.raises(Forbidden) as refused:  # … so the admin may not decide
            service.decide(
                cast.db,
                actor=cast.decider,
                application_id=application.id,
                decision="approve",
                issuer=ISSUER,
            )
        assert "impartiality" in refused.value.message
        colleague = person(cast.db, cast.body, "admin")
        certificate = service.decide(
            cast.db,
            actor=colleague,
            application_id=application.id,
            decision="approve",
            issuer=ISSUER,
            today=TODAY,
        )
        assert certificate is not None


# --- after the certificate -----------------------------------------------------------------


class TestAfterIssue:
    def test_surveillance_records_its_date_and_result(self, cast: Cast) -> None:
        certificate = certified(cast)
        day = TODAY + dt.timedelta(days=365)
        service.surveil(
            cast.db,
            actor=cast.decider,
            certificate_id=certificate.id,
            result="ok",
            surveyed_on=day,
            findings=["Meters recalibrated."],
            today=day,
        )
        assert certificate.last_surveillance_on == day
        assert certificate.status == CertificateStatus.VALID
        with pytest.raises(InvalidInput) as refused:
            service.surveil(
                cast.db,
                actor=cast.decider,
                certificate_id=certificate.id,
                result="nonconformity",
                today=day,
            )
        assert refused.value.loc == ("reason",)
        with pytest.raises(InvalidInput) as refused:
            service.surveil(
                cast.db,
                actor=cast.decider,
                certificate_id=certificate.id,
                result="ok",
                surveyed_on=day + dt.timedelta(days=1),
                today=day,
            )
        assert refused.value.loc == ("surveyed_on",)

    def test_suspend_reinstate_withdraw(self, cast: Cast) -> None:
        certificate = certified(cast)
        actor, cid = cast.decider, certificate.id
        with pytest.raises(InvalidInput):
            service.suspend(cast.db, actor=actor, certificate_id=cid, reason="", today=TODAY)
        service.suspend(
            cast.db, actor=actor, certificate_id=cid, reason="Nonconformity found.", today=TODAY
        )
        assert certificate.status == CertificateStatus.SUSPENDED
        assert certificate.status_reason == "Nonconformity found."
        assert registry.effective_status(certificate, TODAY) == "suspended"
        with pytest.raises(Conflict) as refused:
            service.suspend(cast.db, actor=actor, certificate_id=cid, reason="Again.", today=TODAY)
        assert "is suspended" in refused.value.message
        service.reinstate(
            cast.db, actor=actor, certificate_id=cid, reason="Corrected.", today=TODAY
        )
        assert (certificate.status, certificate.status_reason) == ("valid", "")
        service.withdraw(
            cast.db, actor=actor, certificate_id=cid, reason="Label misused.", today=TODAY
        )
        assert certificate.status == CertificateStatus.WITHDRAWN
        for action in (service.reinstate, service.suspend, service.withdraw):
            with pytest.raises(Conflict):
                action(cast.db, actor=actor, certificate_id=cid, reason="Final?", today=TODAY)
        with pytest.raises(Conflict):
            service.surveil(cast.db, actor=actor, certificate_id=cid, result="ok", today=TODAY)
        public = registry.public_view(cast.db, number=certificate.number, today=TODAY)
        assert public.status == "withdrawn" and public.status_reason == "Label misused."
        assert [e.action for e in public.history] == [
            "issue",
            "suspend",
            "reinstate",
            "withdraw",
        ]

    def test_expiry_after_two_years(self, cast: Cast) -> None:
        certificate = certified(cast)
        last_day = service.add_years(TODAY, 2)
        assert service.expire_due(cast.db, today=last_day) == []
        assert certificate.status == CertificateStatus.VALID
        assert service.expire_due(cast.db, today=last_day + dt.timedelta(days=1)) == [certificate]
        assert certificate.status == CertificateStatus.EXPIRED
        events = service.history(
            cast.db, actor=cast.manager, application_id=certificate.application_id
        )
        assert (events[-1].action, events[-1].from_status, events[-1].to_status) == (
            "expire",
            "valid",
            "expired",
        )
        assert service.expire_due(cast.db, today=last_day + dt.timedelta(days=2)) == []
        with pytest.raises(Conflict):
            service.suspend(
                cast.db,
                actor=cast.decider,
                certificate_id=certificate.id,
                reason="Late.",
                today=last_day + dt.timedelta(days=2),
            )

    def test_an_unmarked_expiry_already_refuses_steps(self, cast: Cast) -> None:
        certificate = certified(cast)
        later = service.add_years(TODAY, 3)
        with pytest.raises(Conflict) as refused:
            service.surveil(
                cast.db, actor=cast.decider, certificate_id=certificate.id, result="ok", today=later
            )
        assert "is expired" in refused.value.message

    def test_leap_day_certificates_expire_on_28_february(self) -> None:
        assert service.add_years(dt.date(2028, 2, 29), 2) == dt.date(2030, 2, 28)


class TestHistory:
    def test_every_step_is_recorded_in_order(self, cast: Cast) -> None:
        certificate = certified(cast)
        day = TODAY + dt.timedelta(days=300)
        cid = certificate.id
        service.surveil(cast.db, actor=cast.decider, certificate_id=cid, result="ok", today=day)
        service.suspend(cast.db, actor=cast.decider, certificate_id=cid, reason="NC", today=day)
        service.reinstate(cast.db, actor=cast.decider, certificate_id=cid, reason="OK", today=day)
        service.withdraw(cast.db, actor=cast.decider, certificate_id=cid, reason="End", today=day)
        events = service.history(
            cast.db, actor=cast.verifier, application_id=certificate.application_id
        )
        assert [(e.action, e.from_status, e.to_status) for e in events] == [
            ("apply", "", "applied"),
            ("accept", "applied", "accepted"),
            ("plan", "accepted", "planned"),
            ("review-documents", "planned", "documents-reviewed"),
            ("inspect", "documents-reviewed", "inspected"),
            ("verify", "inspected", "verified"),
            ("decide", "verified", "certified"),
            ("issue", "", "valid"),
            ("surveil", "valid", "valid"),
            ("suspend", "valid", "suspended"),
            ("reinstate", "suspended", "valid"),
            ("withdraw", "valid", "withdrawn"),
        ]
        moments = [e.created_at for e in events]
        assert moments == sorted(moments) and len(set(moments)) == len(moments)
        actors = [e.actor for e in events]
        assert actors[0] == cast.manager.name
        assert set(actors[1:6]) == {cast.verifier.name}
        assert set(actors[6:]) == {cast.decider.name}
        details = {e.action: service.details_of(e) for e in events}
        assert details["plan"]["verifier"] == cast.verifier.name
        assert details["inspect"]["findings"] == ["Meter 3 calibration due in May."]
        assert details["verify"]["rerun"]["match"] is True
        assert details["decide"]["certificate"] == certificate.number
        assert details["surveil"]["result"] == "ok"
        assert [e.reason for e in events[-3:]] == ["NC", "OK", "End"]
        inspection = next(e for e in events if e.action == "inspect")
        stored = cast.db.scalars(
            select(Attachment).where(Attachment.event_id == inspection.id)
        ).all()
        assert [a.filename for a in stored] == ["meter-readings.csv"]


# --- who may see and do what ----------------------------------------------------------------


class TestVisibility:
    def test_only_the_two_organisations_see_an_application(self, cast: Cast) -> None:
        application = apply(cast)
        [document] = service.attachments(cast.db, actor=cast.manager, application_id=application.id)
        for insider in (cast.manager, cast.verifier, cast.decider):
            assert service.list_applications(cast.db, actor=insider) == [application]
            found = service.get_attachment(
                cast.db, actor=insider, application_id=application.id, attachment_id=document.id
            )
            assert found.content == PDF[2]
        for kind in (OrganisationKind.ENTERPRISE, OrganisationKind.CERTIFIER, "regulator"):
            outsider = person(cast.db, organisation(cast.db, kind), "admin")
            assert service.list_applications(cast.db, actor=outsider) == []
            with pytest.raises(NotFound):
                service.get_application(cast.db, actor=outsider, application_id=application.id)
            with pytest.raises(NotFound):
                service.get_attachment(
                    cast.db,
                    actor=outsider,
                    application_id=application.id,
                    attachment_id=document.id,
                )

    def test_the_certifier_reads_the_study_while_the_application_stands(self, cast: Cast) -> None:
        def readable(actor: Actor) -> set[str]:
            seen = set()
            for statement, kind in (
                (footprint_queries.visible_studies(actor), "study"),
                (footprint_queries.visible_versions(actor), "version"),
                (footprint_queries.visible_calculations(actor), "calculation"),
                (footprint_queries.visible_products(actor), "product"),
            ):
                if cast.db.scalars(statement).first() is not None:
                    seen.add(kind)
            return seen

        other_body = person(cast.db, organisation(cast.db, OrganisationKind.CERTIFIER), "admin")
        assert readable(cast.verifier) == set()
        application = apply(cast)
        everything = {"study", "version", "calculation", "product"}
        assert readable(cast.verifier) == everything
        assert readable(other_body) == set()
        with pytest.raises(Forbidden):  # reading is not editing
            studies.save_version(
                cast.db, actor=cast.verifier, study_id=cast.study.id, model={"processes": []}
            )
        service.withdraw_application(
            cast.db, actor=cast.manager, application_id=application.id, reason="Later."
        )
        assert readable(cast.verifier) == set()

    def test_the_report_is_readable_by_both_parties(self, cast: Cast) -> None:
        application = apply(cast)
        for actor in (cast.manager, cast.verifier):
            report = service.report_for_application(
                cast.db, actor=actor, application_id=application.id
            )
            assert report is not None


# The role matrix runs on plain rows (no calculation), so it stays fast.


@dataclass
class Rows:
    db: Session
    application: Application
    certificate: Certificate
    homes: dict[str, Organisation]  # organisation kind → the organisation a role sits in


@pytest.fixture
def rows(session: Session) -> Rows:
    applicant = organisation(session, OrganisationKind.ENTERPRISE)
    body = organisation(session, OrganisationKind.CERTIFIER)
    product = Product(organisation_id=applicant.id, code="R", name_zh="行", category="cement")
    session.add(product)
    session.flush()
    study = Study(
        organisation_id=applicant.id,
        product_id=product.id,
        title="Rows",
        rule_id="cement",
        latest_version=1,
        created_by="t",
    )
    session.add(study)
    session.flush()
    version = StudyVersion(study_id=study.id, number=1, model="{}", origin="yaml", created_by="t")
    session.add(version)
    session.flush()
    calculation = Calculation(
        study_id=study.id,
        version_id=version.id,
        version_number=1,
        release="t",
        rule_id="cement",
        rule_version="1",
        engine_version="t",
        gwp_set="AR6",
        input_hash="t",
        total=1.0,
        unit="1 t",
        result="{}",
        findings="{}",
        submittable=True,
        created_by="t",
    )
    session.add(calculation)
    session.flush()
    # a terminal status: a role that may take a step gets past the role check to a Conflict
    application = Application(
        organisation_id=applicant.id,
        certifier_id=body.id,
        study_id=study.id,
        calculation_id=calculation.id,
        status=ApplicationStatus.WITHDRAWN,
        created_by="t",
    )
    session.add(application)
    session.flush()
    certificate = Certificate(
        number=f"T-{uuid.uuid4().hex[:8]}",
        application_id=application.id,
        organisation_id=applicant.id,
        certifier_id=body.id,
        calculation_id=calculation.id,
        product_code="R",
        product_name_zh="行",
        category="cement",
        value=1.0,
        unit="1 t",
        boundary="cradle-to-gate",
        rule_id="cement",
        rule_version="1",
        issued_on=TODAY,
        expires_on=service.add_years(TODAY, 2),
        status=CertificateStatus.WITHDRAWN,
        label_token_id="t",
    )
    session.add(certificate)
    session.flush()
    homes = {OrganisationKind.ENTERPRISE: applicant, OrganisationKind.CERTIFIER: body}
    return Rows(session, application, certificate, homes)


CALLS: dict[str, Callable[[Session, Actor, Rows], Any]] = {
    "accept": lambda db, a, r: service.accept(db, actor=a, application_id=r.application.id),
    "plan": lambda db, a, r: service.plan(
        db,
        actor=a,
        application_id=r.application.id,
        plan="p",
        verifier="v",
        inspection_on=TODAY,
    ),
    "review-documents": lambda db, a, r: service.review_documents(
        db, actor=a, application_id=r.application.id
    ),
    "inspect": lambda db, a, r: service.record_inspection(
        db, actor=a, application_id=r.application.id, inspected_on=TODAY, record="r", today=TODAY
    ),
    "verify": lambda db, a, r: service.verify(db, actor=a, application_id=r.application.id),
    "decide": lambda db, a, r: service.decide(
        db, actor=a, application_id=r.application.id, decision="reject", reason="r", issuer=ISSUER
    ),
    "withdraw-application": lambda db, a, r: service.withdraw_application(
        db, actor=a, application_id=r.application.id, reason="r"
    ),
    "surveil": lambda db, a, r: service.surveil(
        db, actor=a, certificate_id=r.certificate.id, result="ok", today=TODAY
    ),
    "suspend": lambda db, a, r: service.suspend(
        db, actor=a, certificate_id=r.certificate.id, reason="r", today=TODAY
    ),
    "reinstate": lambda db, a, r: service.reinstate(
        db, actor=a, certificate_id=r.certificate.id, reason="r", today=TODAY
    ),
    "withdraw": lambda db, a, r: service.withdraw(
        db, actor=a, certificate_id=r.certificate.id, reason="r", today=TODAY
    ),
}
SIDES = {"withdraw-application": OrganisationKind.ENTERPRISE}  # else the certification body


def test_every_step_is_in_the_matrix() -> None:
    assert set(CALLS) == set(service.STEPS)


@pytest.mark.parametrize("action", sorted(CALLS))
@pytest.mark.parametrize(
    ("kind", "role"), [(kind, role.value) for kind, role in ROLE_RIGHTS], ids=lambda v: str(v)
)
def test_each_step_only_by_its_role(rows: Rows, kind: str, role: str, action: str) -> None:
    home = rows.homes.get(kind) or organisation(rows.db, kind)
    actor = Actor(organisation_id=home.id, organisation_kind=kind, role=role, name=f"{role}@x")
    needed = service.STEPS[action].right
    side = SIDES.get(action, OrganisationKind.CERTIFIER)
    if kind not in rows.homes:
        expected: type[Exception] = NotFound  # neither party: the application does not exist
    elif needed in ROLE_RIGHTS[(kind, role)] and kind == side:  # type: ignore[index]
        expected = Conflict  # allowed: refused only because the status is terminal
    else:
        expected = Forbidden
    with pytest.raises(expected):
        CALLS[action](rows.db, actor, rows)
    assert rows.application.status == ApplicationStatus.WITHDRAWN
    assert rows.certificate.status == CertificateStatus.WITHDRAWN


@pytest.mark.parametrize("action", sorted(CALLS))
@pytest.mark.parametrize("kind", [OrganisationKind.ENTERPRISE, OrganisationKind.CERTIFIER])
def test_another_organisation_of_the_same_kind_gets_404(rows: Rows, kind: str, action: str) -> None:
    stranger = organisation(rows.db, kind)
    actor = Actor(organisation_id=stranger.id, organisation_kind=kind, role="admin", name="a@x")
    with pytest.raises(NotFound):
        CALLS[action](rows.db, actor, rows)
    count = rows.db.scalar(
        select(ApplicationEvent.id).where(ApplicationEvent.application_id == rows.application.id)
    )
    assert count is None  # nothing was recorded


def test_next_steps_follow_role_and_status(rows: Rows) -> None:
    body = rows.homes[OrganisationKind.CERTIFIER]
    applicant = rows.homes[OrganisationKind.ENTERPRISE]
    verifier = Actor(body.id, OrganisationKind.CERTIFIER, "verifier", "v")
    admin = Actor(body.id, OrganisationKind.CERTIFIER, "admin", "a")
    manager = Actor(applicant.id, OrganisationKind.ENTERPRISE, "manager", "m")
    rows.application.status = ApplicationStatus.APPLIED
    assert service.next_steps(verifier, rows.application) == ["accept"]
    assert service.next_steps(admin, rows.application) == ["accept", "decide"]
    assert service.next_steps(manager, rows.application) == ["withdraw-application"]
    rows.application.status = ApplicationStatus.CERTIFIED
    rows.certificate.status = CertificateStatus.VALID
    assert service.next_steps(admin, rows.application, rows.certificate, today=TODAY) == [
        "surveil",
        "suspend",
        "withdraw",
    ]
    assert service.next_steps(verifier, rows.application, rows.certificate, today=TODAY) == []
    assert service.next_steps(manager, rows.application, rows.certificate, today=TODAY) == []
