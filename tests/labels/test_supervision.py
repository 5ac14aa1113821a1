"""Supervision: the dashboard's counts, the three flags and the CSV export (service level,
on SQLite and PostgreSQL). Certificates come from the registry tests' row factory."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from sqlalchemy.orm import Session

from tanji.accounts.policy import Actor
from tanji.core.errors import Forbidden
from tanji.labels import supervision
from tests.labels.test_registry import TODAY, UTC, Registry


def actor(kind: str, role: str) -> Actor:
    import uuid

    return Actor(organisation_id=uuid.uuid4(), organisation_kind=kind, role=role, name=role)


OFFICER = actor("regulator", "officer")
MANAGER = actor("enterprise", "manager")


@pytest.fixture
def reg(session: Session) -> Registry:
    return Registry(session)


@pytest.fixture
def parties(reg: Registry):
    return {
        "jz": reg.organisation("jz-cement", city="晋中"),
        "ty": reg.organisation("ty-cement", city="太原"),
        "body": reg.organisation("cert-a", kind="certifier", city="太原"),
        "other": reg.organisation("cert-b", kind="certifier", city="太原"),
    }


def cement_group(reg: Registry, parties, values, *, category=None, **kwargs):
    category = category or f"cement-{reg.tag}"
    return [
        reg.certificate(
            parties["jz"] if i % 2 else parties["ty"],
            parties["body"],
            category=category,
            value=value,
            **kwargs,
        )
        for i, value in enumerate(values)
    ]


def mine(flags, reg: Registry) -> dict[str, object]:
    return {flag.number: flag for flag in flags if reg.tag in flag.number}


class TestRights:
    @pytest.mark.parametrize(
        "call",
        [
            supervision.dashboard,
            supervision.low_value_flags,
            supervision.altered_value_flags,
            supervision.refused_check_flags,
            supervision.export_csv,
        ],
    )
    def test_only_a_supervisor(self, session, call) -> None:
        with pytest.raises(Forbidden):
            call(session, actor=MANAGER)


class TestLowValues:
    def test_half_the_median_is_flagged(self, session, reg, parties) -> None:
        certs = cement_group(reg, parties, [800, 820, 790, 810, 380])
        flags = mine(supervision.low_value_flags(session, actor=OFFICER, today=TODAY), reg)
        assert set(flags) == {certs[-1].number}
        flag = flags[certs[-1].number]
        assert flag.below_half_median and flag.median == 800 and flag.peers == 5

    def test_below_the_lower_fence_is_flagged(self, session, reg, parties) -> None:
        # median 800, Q1 792.5, Q3 802.5, fence 777.5: 700 is above half the median, far out
        certs = cement_group(reg, parties, [800, 795, 805, 810, 790, 700, 800])
        flags = mine(supervision.low_value_flags(session, actor=OFFICER, today=TODAY), reg)
        assert set(flags) == {certs[5].number}
        flag = flags[certs[5].number]
        assert flag.below_fence and not flag.below_half_median
        assert flag.lower_fence == pytest.approx(flag.q1 - 1.5 * (flag.q3 - flag.q1))

    def test_normal_data_raise_nothing(self, session, reg, parties) -> None:
        cement_group(reg, parties, [800, 820, 760, 790, 850, 700])
        assert not mine(supervision.low_value_flags(session, actor=OFFICER, today=TODAY), reg)

    def test_fewer_than_five_peers_raise_nothing(self, session, reg, parties) -> None:
        cement_group(reg, parties, [800, 820, 790, 100])
        assert not mine(supervision.low_value_flags(session, actor=OFFICER, today=TODAY), reg)

    def test_peers_share_the_declared_unit(self, session, reg, parties) -> None:
        category = f"cement-{reg.tag}"
        cement_group(reg, parties, [800, 820, 790, 810], category=category)
        cement_group(reg, parties, [0.8], category=category, unit="1 kg")  # per kg: not low
        assert not mine(supervision.low_value_flags(session, actor=OFFICER, today=TODAY), reg)

    def test_withdrawn_certificates_are_not_peers(self, session, reg, parties) -> None:
        cement_group(reg, parties, [800, 820, 790, 100])
        cement_group(reg, parties, [810], status="withdrawn", reason="false data")
        assert not mine(supervision.low_value_flags(session, actor=OFFICER, today=TODAY), reg)


class TestAlteredValues:
    def test_a_value_that_differs_from_the_calculation(self, session, reg, parties) -> None:
        honest = reg.certificate(parties["jz"], parties["body"], value=812.5)
        altered = reg.certificate(parties["jz"], parties["body"], value=612.5, calculated=812.5)
        flags = mine(supervision.altered_value_flags(session, actor=OFFICER, today=TODAY), reg)
        assert set(flags) == {altered.number}
        assert honest.number not in flags
        flag = flags[altered.number]
        assert flag.calculated == 812.5 and flag.value == 612.5
        assert flag.relative_difference == pytest.approx(200 / 812.5)

    def test_rounding_noise_is_not_flagged(self, session, reg, parties) -> None:
        reg.certificate(parties["jz"], parties["body"], value=812.5, calculated=812.5 * (1 + 1e-9))
        assert not mine(supervision.altered_value_flags(session, actor=OFFICER, today=TODAY), reg)

    def test_relative_difference(self) -> None:
        assert supervision.relative_difference(0.0, 0.0) == 0.0
        assert supervision.relative_difference(1.0, 0.0) == 1.0
        assert supervision.relative_difference(99.0, 100.0) == pytest.approx(0.01)


class TestRefusedChecks:
    def test_grouped_by_certificate_with_counts_and_last_seen(self, session, reg, parties) -> None:
        cert = reg.certificate(parties["jz"], parties["body"])
        first = dt.datetime(2026, 10, 1, tzinfo=UTC)
        last = dt.datetime(2026, 11, 20, tzinfo=UTC)
        reg.check(cert.number, "wrong-product", presented_for="Brand X cement", at=first)
        reg.check(cert.number, "wrong-product", presented_for="Other bag", at=last)
        reg.check(cert.number, "superseded", at=dt.datetime(2026, 10, 5, tzinfo=UTC))
        reg.check(cert.number, "valid", at=dt.datetime(2026, 11, 21, tzinfo=UTC))
        unknown = f"CFP-{reg.tag}-FAKE"  # signed by us, but no such certificate
        reg.check(unknown, "revoked")
        reg.check("", "bad-signature")  # a forgery names no certificate worth believing
        reg.check("", "unknown-key")
        found = supervision.refused_check_flags(session, actor=OFFICER)
        flags = mine(found, reg)
        assert set(flags) == {cert.number, unknown}
        flag = flags[cert.number]
        assert flag.count == 3
        assert flag.outcomes == (("wrong-product", 2), ("superseded", 1))
        assert flag.presented_for == ("Brand X cement", "Other bag")
        assert flag.last_seen.replace(tzinfo=UTC) == last
        assert flag.first_seen.replace(tzinfo=UTC) == first
        assert flag.registered and not flags[unknown].registered
        forged = next(f for f in found if f.number == "")
        assert not forged.registered
        assert {"bad-signature", "unknown-key"} <= dict(forged.outcomes).keys()

    def test_valid_checks_raise_nothing(self, session, reg, parties) -> None:
        cert = reg.certificate(parties["jz"], parties["body"])
        reg.check(cert.number, "valid")
        reg.check(cert.number, "expired")  # an honest old label, not misuse
        assert not mine(supervision.refused_check_flags(session, actor=OFFICER), reg)


class TestDashboard:
    def test_counts(self, session, reg, parties) -> None:
        category = f"cement-{reg.tag}"
        reg.certificate(
            parties["jz"], parties["body"], category=category, issued_on=dt.date(2026, 9, 3)
        )
        reg.certificate(
            parties["jz"], parties["other"], category=category, issued_on=dt.date(2026, 9, 20)
        )
        reg.certificate(
            parties["ty"],
            parties["body"],
            category=f"steel-{reg.tag}",
            status="suspended",
            reason="gaps",
            issued_on=dt.date(2026, 11, 2),
        )
        board = supervision.dashboard(session, actor=OFFICER, today=TODAY)
        categories = {c.key: c.count for c in board.by_category}
        assert categories[category] == 2 and categories[f"steel-{reg.tag}"] == 1
        cities = {c.key: c.count for c in board.by_city}
        assert cities["晋中"] >= 2 and cities["太原"] >= 1
        assert [c.key for c in board.by_status] == ["valid", "suspended", "withdrawn", "expired"]
        statuses = {c.key: c.count for c in board.by_status}
        assert statuses["suspended"] >= 1 and statuses["valid"] >= 2
        bodies = {c.key: c for c in board.by_certifier}
        assert bodies[parties["body"].slug].count == 2
        assert bodies[parties["other"].slug].name_zh == parties["other"].name_zh
        months = {c.key: c.count for c in board.by_month}
        assert months["2026-09"] >= 2 and months["2026-11"] >= 1
        assert "2026-10" in months  # a month without issues is still a bar
        assert board.total == sum(c.count for c in board.by_status)

    def test_empty(self, session) -> None:
        board = supervision.dashboard(session, actor=OFFICER, today=TODAY)
        assert board.total == sum(c.count for c in board.by_status)


class TestExport:
    def test_every_certificate_with_its_flags(self, session, reg, parties) -> None:
        certs = cement_group(reg, parties, [800, 820, 790, 810, 300])
        altered = reg.certificate(parties["jz"], parties["body"], value=500, calculated=800)
        text = supervision.export_csv(session, actor=OFFICER, today=TODAY)
        assert text.startswith("\ufeff")
        rows = {r["number"]: r for r in csv.DictReader(io.StringIO(text.lstrip("\ufeff")))}
        assert {c.number for c in [*certs, altered]} <= set(rows)
        assert rows[certs[-1].number]["flags"] == "low-value"
        assert rows[altered.number]["flags"] == "altered-value"
        assert rows[altered.number]["calculated_total"] == "800.0"
        assert rows[certs[0].number]["flags"] == ""
        assert rows[certs[0].number]["status"] == "valid"
        assert float(rows[certs[0].number]["value_kg_co2e"]) == 800

    def test_formulas_are_neutralised(self, session, reg, parties) -> None:
        cert = reg.certificate(parties["jz"], parties["body"], product="=HYPERLINK(1)")
        text = supervision.export_csv(session, actor=OFFICER, today=TODAY)
        rows = {r["number"]: r for r in csv.DictReader(io.StringIO(text.lstrip("\ufeff")))}
        assert rows[cert.number]["product_name_zh"] == "'=HYPERLINK(1)"
