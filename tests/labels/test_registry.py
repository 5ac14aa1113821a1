"""The public registry: search filters, the effective status, the public view and history
(service level, on SQLite and PostgreSQL).

Certificates are made directly as rows by :class:`Registry` (organisations, a product, a
study with one version and one calculation, a certified application with its events and
the certificate), so these tests need neither the workflow nor signing. The supervision
and web tests use the same factory.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid

import pytest
from sqlalchemy.orm import Session

from tanji.accounts.models import Organisation
from tanji.core.errors import InvalidInput, NotFound
from tanji.footprints.models import Calculation, Product, Study, StudyVersion
from tanji.labels import registry
from tanji.labels.models import (
    Application,
    ApplicationEvent,
    ApplicationStatus,
    Certificate,
    CertificateStatus,
    LabelCheck,
)

TODAY = dt.date(2026, 11, 25)
UTC = dt.UTC


class Registry:
    """Builds certificates as plain rows: several categories, cities, statuses."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.tag = uuid.uuid4().hex[:8]  # keeps numbers and slugs unique per test
        self.count = 0

    def organisation(
        self, name: str, *, kind: str = "enterprise", city: str = "", name_en: str = ""
    ) -> Organisation:
        made = Organisation(
            slug=f"{name}-{self.tag}",
            kind=kind,
            name_zh=f"{name}（测试{self.tag}）",
            name_en=f"{name_en or name.title()} {self.tag}",
            city=city,
        )
        self.session.add(made)
        self.session.flush()
        return made

    def certificate(
        self,
        holder: Organisation,
        certifier: Organisation,
        *,
        category: str = "cement",
        value: float = 800.0,
        calculated: float | None = None,
        unit: str = "1 t",
        status: str = CertificateStatus.VALID,
        reason: str = "",
        issued_on: dt.date = dt.date(2026, 3, 1),
        expires_on: dt.date | None = None,
        grade: str | None = None,
        product: str = "普通硅酸盐水泥",
        product_en: str = "Portland cement",
    ) -> Certificate:
        """A certificate issued from a calculation whose total is ``calculated``
        (``value`` unless given: a different figure models altered data)."""
        self.count += 1
        session = self.session
        code = f"P{self.count}-{self.tag}"
        item = Product(
            organisation_id=holder.id,
            code=code,
            name_zh=product,
            name_en=product_en,
            category=category,
            description="confidential process notes",
        )
        session.add(item)
        session.flush()
        study = Study(
            organisation_id=holder.id,
            product_id=item.id,
            title="secret study title",
            rule_id=category,
            created_by="carbon@test",
        )
        session.add(study)
        session.flush()
        version = StudyVersion(
            study_id=study.id,
            number=1,
            model="supplier: Secret Clinker Supplier Ltd\n",
            origin="yaml",
            created_by="carbon@test",
        )
        session.add(version)
        session.flush()
        calculation = Calculation(
            study_id=study.id,
            version_id=version.id,
            version_number=1,
            release="test-2026",
            rule_id=category,
            rule_version="1.0",
            engine_version="1",
            gwp_set="AR6",
            input_hash="sha256:test",
            total=value if calculated is None else calculated,
            unit=unit,
            result="{}",
            findings="{}",
            grade=grade,
            submittable=True,
            created_by="carbon@test",
        )
        session.add(calculation)
        session.flush()
        application = Application(
            organisation_id=holder.id,
            certifier_id=certifier.id,
            study_id=study.id,
            calculation_id=calculation.id,
            status=ApplicationStatus.CERTIFIED,
            created_by="carbon@test",
        )
        session.add(application)
        session.flush()
        moment = dt.datetime.combine(issued_on, dt.time(2, 0), tzinfo=UTC)
        self.event(
            application, "verify", moment - dt.timedelta(days=3), to=ApplicationStatus.VERIFIED
        )
        self.event(application, "issue", moment, to=ApplicationStatus.CERTIFIED)
        certificate = Certificate(
            number=f"CFP-{self.tag}-{self.count:04d}",
            application_id=application.id,
            organisation_id=holder.id,
            certifier_id=certifier.id,
            calculation_id=calculation.id,
            product_code=code,
            product_name_zh=product,
            product_name_en=product_en,
            category=category,
            value=value,
            unit=unit,
            boundary="cradle-to-gate",
            rule_id=category,
            rule_version="1.0",
            grade=grade,
            issued_on=issued_on,
            expires_on=expires_on or issued_on.replace(year=issued_on.year + 2),
            status=status,
            status_reason=reason,
            label_token_id=f"jti-{self.tag}-{self.count}",
        )
        session.add(certificate)
        session.flush()
        if status in (CertificateStatus.SUSPENDED, CertificateStatus.WITHDRAWN):
            action = "suspend" if status == CertificateStatus.SUSPENDED else "withdraw"
            self.event(application, action, moment + dt.timedelta(days=30), reason=reason)
        return certificate

    def event(
        self,
        application: Application,
        action: str,
        at: dt.datetime,
        *,
        to: str = "",
        reason: str = "",
    ) -> ApplicationEvent:
        made = ApplicationEvent(
            application_id=application.id,
            action=action,
            to_status=to,
            actor="admin@cert.test",
            organisation_id=application.certifier_id,
            reason=reason,
            created_at=at,
        )
        self.session.add(made)
        self.session.flush()
        return made

    def check(self, number: str, outcome: str, *, presented_for: str = "", at=None) -> LabelCheck:
        made = LabelCheck(
            certificate_number=number,
            token_id="jti",
            outcome=outcome,
            presented_for=presented_for,
            channel="web",
            created_at=at or dt.datetime(2026, 11, 1, tzinfo=UTC),
        )
        self.session.add(made)
        self.session.flush()
        return made

    def application_of(self, certificate: Certificate) -> Application:
        found = self.session.get(Application, certificate.application_id)
        assert found is not None
        return found


@pytest.fixture
def reg(session: Session) -> Registry:
    return Registry(session)


@pytest.fixture
def world(reg: Registry) -> dict[str, object]:
    """Two enterprises in two cities, two certification bodies, four statuses."""
    cement = reg.organisation("jinzhong-cement", city="晋中", name_en="Jinzhong Cement")
    alu = reg.organisation("lvliang-alu", city="吕梁", name_en="Luliang Aluminium")
    body = reg.organisation("cert-a", kind="certifier", city="太原", name_en="Certifier A")
    other = reg.organisation("cert-b", kind="certifier", city="太原", name_en="Certifier B")
    made = {
        "valid": reg.certificate(cement, body, value=820.0, grade="1级"),
        "suspended": reg.certificate(
            cement, body, value=790.0, status="suspended", reason="surveillance found gaps"
        ),
        "withdrawn": reg.certificate(
            alu,
            other,
            category="electrolytic-aluminium",
            value=15_200.0,
            status="withdrawn",
            reason="false data",
            product="电解铝液",
            product_en="Molten aluminium",
        ),
        "expired": reg.certificate(
            alu,
            other,
            category="electrolytic-aluminium",
            value=14_900.0,
            issued_on=dt.date(2024, 1, 10),
            expires_on=dt.date(2026, 1, 9),
            product="铝锭",
            product_en="Aluminium ingot",
        ),
    }
    return {"cement": cement, "alu": alu, "body": body, "other": other, **made}


def numbers(items) -> set[str]:
    return {item.number for item in items}


class TestEffectiveStatus:
    def test_a_valid_certificate_is_valid_until_its_expiry_date(self, world) -> None:
        cert = world["valid"]
        assert registry.effective_status(cert, cert.expires_on) == "valid"
        assert registry.effective_status(cert, cert.expires_on + dt.timedelta(days=1)) == "expired"

    def test_a_suspended_certificate_past_expiry_is_expired(self, world) -> None:
        cert = world["suspended"]
        assert registry.effective_status(cert, TODAY) == "suspended"
        assert registry.effective_status(cert, dt.date(2030, 1, 1)) == "expired"

    def test_a_withdrawal_stands_after_expiry(self, world) -> None:
        assert registry.effective_status(world["withdrawn"], dt.date(2040, 1, 1)) == "withdrawn"

    def test_a_stored_expiry_counts_even_before_the_date(self, world) -> None:
        cert = world["valid"]
        cert.status = CertificateStatus.EXPIRED
        assert registry.effective_status(cert, TODAY) == "expired"


class TestFind:
    def test_by_number(self, session, world) -> None:
        found = registry.find_certificate(session, number=world["valid"].number)
        assert found.id == world["valid"].id

    def test_unknown_number_is_not_found(self, session, world) -> None:
        with pytest.raises(NotFound, match="NO-SUCH"):
            registry.find_certificate(session, number="NO-SUCH")


class TestSearch:
    def search(self, session, world, **filters):
        items, total = registry.search_certificates(session, today=TODAY, **filters)
        assert total == len(items)
        return items

    def test_everything_of_this_test(self, session, reg, world) -> None:
        items = self.search(session, world, text=reg.tag)
        assert len(items) == 4

    def test_by_product_text_in_either_language(self, session, reg, world) -> None:
        assert numbers(self.search(session, world, text="铝锭")) == {world["expired"].number}
        assert numbers(self.search(session, world, text="molten ALUMINIUM")) == {
            world["withdrawn"].number
        }

    def test_by_company_name_or_slug(self, session, reg, world) -> None:
        by_name = self.search(session, world, company=f"Jinzhong Cement {reg.tag}")
        assert numbers(by_name) == {world["valid"].number, world["suspended"].number}
        by_slug = self.search(session, world, company=world["alu"].slug)
        assert numbers(by_slug) == {world["withdrawn"].number, world["expired"].number}

    def test_by_category_grade_city_and_certifier(self, session, reg, world) -> None:
        tag = reg.tag
        assert numbers(self.search(session, world, text=tag, category="cement")) == {
            world["valid"].number,
            world["suspended"].number,
        }
        assert numbers(self.search(session, world, text=tag, grade="1级")) == {
            world["valid"].number
        }
        assert numbers(self.search(session, world, text=tag, city="吕梁")) == {
            world["withdrawn"].number,
            world["expired"].number,
        }
        assert numbers(self.search(session, world, certifier=world["other"].slug)) == {
            world["withdrawn"].number,
            world["expired"].number,
        }

    @pytest.mark.parametrize("status", CertificateStatus.ALL)
    def test_by_effective_status(self, session, reg, world, status) -> None:
        found = self.search(session, world, text=reg.tag, status=status)
        assert numbers(found) == {world[status].number}
        assert {item.status for item in found} == {status}

    def test_status_follows_the_date(self, session, reg, world) -> None:
        later = dt.date(2028, 3, 2)  # the valid one expired the day before
        items, _total = registry.search_certificates(
            session, text=reg.tag, status="expired", today=later
        )
        assert numbers(items) == {
            world["valid"].number,
            world["suspended"].number,
            world["expired"].number,
        }

    def test_unknown_status_is_invalid_input(self, session, world) -> None:
        with pytest.raises(InvalidInput) as caught:
            registry.search_certificates(session, status="forged", today=TODAY)
        assert caught.value.loc == ("status",)

    @pytest.mark.parametrize("wildcard", ["%", "_", "\\"])
    def test_wildcards_are_literal(self, session, reg, world, wildcard) -> None:
        items, total = registry.search_certificates(session, text=wildcard, today=TODAY)
        assert total == 0 and items == []

    def test_paging(self, session, reg, world) -> None:
        first, total = registry.search_certificates(session, text=reg.tag, limit=3, today=TODAY)
        rest, again = registry.search_certificates(
            session, text=reg.tag, limit=3, offset=3, today=TODAY
        )
        assert total == again == 4
        assert len(first) == 3 and len(rest) == 1
        assert numbers(first).isdisjoint(numbers(rest))
        # newest first
        assert first[0].issued_on >= first[-1].issued_on >= rest[0].issued_on


class TestPublicView:
    def test_the_disclosed_figures(self, session, world) -> None:
        view = registry.public_view(session, number=world["valid"].number, today=TODAY)
        assert (view.value, view.unit, view.boundary) == (820.0, "1 t", "cradle-to-gate")
        assert (view.rule_id, view.rule_version, view.grade) == ("cement", "1.0", "1级")
        assert view.company_zh == world["cement"].name_zh
        assert view.certifier_en == world["body"].name_en
        assert view.city == "晋中"
        assert view.status == "valid" and view.valid
        assert view.verified_on == dt.date(2026, 2, 26)
        assert view.status_reason == ""

    def test_nothing_private(self, session, world) -> None:
        view = registry.public_view(session, number=world["valid"].number, today=TODAY)
        fields = {f.name for f in dataclasses.fields(view)}
        assert not fields & {
            "study_id",
            "calculation_id",
            "application_id",
            "organisation_id",
            "certifier_id",
            "product_code",
            "label_token_id",
            "model",
            "id",
        }
        text = repr(view)
        for secret in ("Secret Clinker Supplier", "secret study title", "confidential process"):
            assert secret not in text
        cert = world["valid"]
        for private_id in (cert.calculation_id, cert.application_id, cert.organisation_id):
            assert str(private_id) not in text

    def test_it_is_frozen(self, session, world) -> None:
        view = registry.public_view(session, number=world["valid"].number, today=TODAY)
        with pytest.raises(dataclasses.FrozenInstanceError):
            view.value = 1.0  # type: ignore[misc]

    def test_a_suspension_shows_its_reason(self, session, world) -> None:
        view = registry.public_view(session, number=world["suspended"].number, today=TODAY)
        assert view.status == "suspended"
        assert view.status_reason == "surveillance found gaps"
        assert [(e.action, e.reason) for e in view.history] == [
            ("issue", ""),
            ("suspend", "surveillance found gaps"),
        ]

    def test_unknown_number(self, session, world) -> None:
        with pytest.raises(NotFound):
            registry.public_view(session, number="CFP-NONE", today=TODAY)


class TestHistory:
    def test_only_public_actions_in_order(self, session, reg, world) -> None:
        cert = world["suspended"]
        application = reg.application_of(cert)
        reg.event(
            application,
            "surveil-note",
            dt.datetime(2026, 5, 1, tzinfo=UTC),
            reason="internal working note",
        )
        reg.event(application, "reinstate", dt.datetime(2026, 6, 1, tzinfo=UTC), reason="fixed")
        reg.event(
            application, "withdraw", dt.datetime(2026, 7, 1, tzinfo=UTC), reason="misuse of label"
        )
        history = registry.public_history(session, certificate=cert, today=TODAY)
        assert [e.action for e in history] == ["issue", "suspend", "reinstate", "withdraw"]
        assert history[-1].reason == "misuse of label"
        assert history[2].reason == ""  # a reinstatement shows no reason
        assert history[-1].on == dt.date(2026, 7, 1)
        assert "internal working note" not in repr(history)

    def test_an_unrecorded_expiry_is_shown_on_its_date(self, session, world) -> None:
        view = registry.public_view(session, number=world["expired"].number, today=TODAY)
        assert view.status == "expired"
        assert view.history[-1] == registry.PublicEvent("expire", dt.date(2026, 1, 9), "")

    def test_a_recorded_expiry_is_not_doubled(self, session, reg, world) -> None:
        cert = world["expired"]
        reg.event(reg.application_of(cert), "expire", dt.datetime(2026, 1, 10, tzinfo=UTC))
        history = registry.public_history(session, certificate=cert, today=TODAY)
        assert [e.action for e in history] == ["issue", "expire"]


class TestFacets:
    def test_the_form_offers_what_occurs(self, session, reg, world) -> None:
        found = registry.facets(session)
        assert "1级" in found.grades
        assert {"晋中", "吕梁"} <= set(found.cities)
        slugs = {slug for slug, _zh, _en in found.certifiers}
        assert {world["body"].slug, world["other"].slug} <= slugs
        assert world["cement"].slug not in slugs
