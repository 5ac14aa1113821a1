"""The regulator's view of labels: counts by category, city, status and body, and flags.

Three kinds of claim deserve a second look (issue 6, 打击弄虚作假和虚标滥标): a footprint
far below its category's distribution, a certificate whose value differs from the
calculation it was issued from, and label tokens refused when checked — presented for
another product, replayed after re-issue, forged, signed with an unknown key, revoked.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import statistics
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from tanji.accounts.models import Organisation
from tanji.accounts.policy import Actor, Right, ensure
from tanji.footprints.models import Calculation
from tanji.labels.models import Certificate, CertificateStatus, LabelCheck
from tanji.labels.registry import beijing_today, effective_status

# Flag (a): a value below LOW_SHARE × the median of its peers, or below Q1 − IQR_K × IQR,
# among at least MIN_PEERS certificates of one category and declared unit (withdrawn
# certificates left out: they no longer make a claim).
LOW_SHARE = 0.5
IQR_K = 1.5
MIN_PEERS = 5
# Flag (b): the certified value and the calculation's total differ by more than this
# relative amount — it cannot happen through the workflow, only if data were altered.
TOLERANCE = 1e-6
# Flag (c): label checks refused for these reasons (LabelCheck.outcome, as signing writes).
REFUSED_OUTCOMES = ("wrong-product", "superseded", "bad-signature", "unknown-key", "revoked")
MONTHS_SHOWN = 24


@dataclass(frozen=True)
class Count:
    """One bar of a dashboard table: a key (category, city, status, body, month) and a count."""

    key: str
    count: int
    name_zh: str = ""
    name_en: str = ""


@dataclass(frozen=True)
class LowValueFlag:
    """A footprint far below those of its category and declared unit."""

    number: str
    product_name_zh: str
    product_name_en: str
    company_zh: str
    company_en: str
    category: str
    unit: str
    value: float
    median: float
    q1: float
    q3: float
    lower_fence: float  # Q1 − 1.5 × IQR
    peers: int  # certificates in the comparison, this one included
    below_half_median: bool
    below_fence: bool


@dataclass(frozen=True)
class AlteredValueFlag:
    """A certificate whose value is not the total of the calculation it was issued from."""

    number: str
    product_name_zh: str
    product_name_en: str
    company_zh: str
    company_en: str
    value: float
    calculated: float | None  # None: the calculation is gone
    relative_difference: float | None


@dataclass(frozen=True)
class RefusedCheckFlag:
    """Refused checks of one certificate's label tokens ("" when the token named none)."""

    number: str
    count: int
    outcomes: tuple[tuple[str, int], ...]  # (outcome, count), most frequent first
    presented_for: tuple[str, ...]  # products the token was shown for (wrong-product)
    channels: tuple[str, ...]
    first_seen: dt.datetime
    last_seen: dt.datetime
    registered: bool  # the number names a certificate of the registry


@dataclass(frozen=True)
class Dashboard:
    """Everything the supervision page shows, computed for one day."""

    today: dt.date
    total: int
    by_category: tuple[Count, ...]
    by_city: tuple[Count, ...]
    by_status: tuple[Count, ...]
    by_certifier: tuple[Count, ...]
    by_month: tuple[Count, ...]  # "YYYY-MM", oldest first, gaps filled with zero
    low_values: tuple[LowValueFlag, ...]
    altered: tuple[AlteredValueFlag, ...]
    refused_checks: tuple[RefusedCheckFlag, ...]


@dataclass(frozen=True)
class _Row:
    certificate: Certificate
    holder: Organisation
    body: Organisation
    status: str


def _rows(session: Session, day: dt.date) -> list[_Row]:
    organisations = {
        org.id: org
        for org in session.scalars(
            select(Organisation).where(
                Organisation.id.in_(select(Certificate.organisation_id))
                | Organisation.id.in_(select(Certificate.certifier_id))
            )
        )
    }
    certificates = session.scalars(
        select(Certificate).order_by(Certificate.issued_on, Certificate.number)
    ).all()
    return [
        _Row(
            certificate=c,
            holder=organisations[c.organisation_id],
            body=organisations[c.certifier_id],
            status=effective_status(c, day),
        )
        for c in certificates
    ]


def _counted(counter: Counter[str], names: dict[str, tuple[str, str]] | None = None) -> tuple:
    names = names or {}
    ordered = sorted(counter.items(), key=lambda item: (-item[1], item[0]))
    return tuple(Count(key, n, *names.get(key, ("", ""))) for key, n in ordered)


def _months(rows: list[_Row], day: dt.date) -> tuple[Count, ...]:
    counter = Counter(row.certificate.issued_on.strftime("%Y-%m") for row in rows)
    if not counter:
        return ()
    first = min(row.certificate.issued_on for row in rows)
    last = max(max(row.certificate.issued_on for row in rows), day)
    year, month = last.year, last.month
    months: list[str] = []
    while (year, month) >= (first.year, first.month) and len(months) < MONTHS_SHOWN:
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return tuple(Count(key, counter.get(key, 0)) for key in reversed(months))


def _low_values(rows: list[_Row]) -> tuple[LowValueFlag, ...]:
    groups: dict[tuple[str, str], list[_Row]] = defaultdict(list)
    for row in rows:
        if row.status != CertificateStatus.WITHDRAWN:
            groups[(row.certificate.category, row.certificate.unit)].append(row)
    flags: list[LowValueFlag] = []
    for (category, unit), members in sorted(groups.items()):
        if len(members) < MIN_PEERS:
            continue
        values = [m.certificate.value for m in members]
        q1, median, q3 = statistics.quantiles(values, n=4, method="inclusive")
        fence = q1 - IQR_K * (q3 - q1)
        for member in members:
            value = member.certificate.value
            half = value < LOW_SHARE * median
            outlier = value < fence
            if half or outlier:
                flags.append(
                    LowValueFlag(
                        number=member.certificate.number,
                        product_name_zh=member.certificate.product_name_zh,
                        product_name_en=member.certificate.product_name_en,
                        company_zh=member.holder.name_zh,
                        company_en=member.holder.name_en,
                        category=category,
                        unit=unit,
                        value=value,
                        median=median,
                        q1=q1,
                        q3=q3,
                        lower_fence=fence,
                        peers=len(members),
                        below_half_median=half,
                        below_fence=outlier,
                    )
                )
    return tuple(sorted(flags, key=lambda f: (f.category, f.value / f.median if f.median else 0)))


def relative_difference(value: float, calculated: float) -> float:
    """|value − calculated| relative to the larger magnitude (0 when both are 0)."""
    scale = max(abs(value), abs(calculated))
    return abs(value - calculated) / scale if scale else 0.0


def _totals(session: Session, ids: set[uuid.UUID]) -> dict[uuid.UUID, float]:
    """Each calculation's total (kg CO2e per declared unit) — only the total, no inventory."""
    rows = session.execute(select(Calculation.id, Calculation.total).where(Calculation.id.in_(ids)))
    return {calculation_id: total for calculation_id, total in rows}


def _altered(session: Session, rows: list[_Row]) -> tuple[AlteredValueFlag, ...]:
    ids = {row.certificate.calculation_id for row in rows}
    totals = _totals(session, ids)
    flags: list[AlteredValueFlag] = []
    for row in rows:
        certificate = row.certificate
        calculated = totals.get(certificate.calculation_id)
        difference = (
            relative_difference(certificate.value, calculated) if calculated is not None else None
        )
        if difference is None or difference > TOLERANCE:
            flags.append(
                AlteredValueFlag(
                    number=certificate.number,
                    product_name_zh=certificate.product_name_zh,
                    product_name_en=certificate.product_name_en,
                    company_zh=row.holder.name_zh,
                    company_en=row.holder.name_en,
                    value=certificate.value,
                    calculated=calculated,
                    relative_difference=difference,
                )
            )
    return tuple(flags)


def _refused(session: Session) -> tuple[RefusedCheckFlag, ...]:
    checks = session.scalars(
        select(LabelCheck)
        .where(LabelCheck.outcome.in_(REFUSED_OUTCOMES))
        .order_by(LabelCheck.created_at)
    ).all()
    grouped: dict[str, list[LabelCheck]] = defaultdict(list)
    for check in checks:
        grouped[check.certificate_number].append(check)
    known = set(session.scalars(select(Certificate.number).where(Certificate.number.in_(grouped))))
    flags = [
        RefusedCheckFlag(
            number=number,
            count=len(group),
            outcomes=tuple(
                sorted(Counter(c.outcome for c in group).items(), key=lambda i: (-i[1], i[0]))
            ),
            presented_for=tuple(sorted({c.presented_for for c in group if c.presented_for})),
            channels=tuple(sorted({c.channel for c in group if c.channel})),
            first_seen=group[0].created_at,
            last_seen=group[-1].created_at,
            registered=number in known,
        )
        for number, group in grouped.items()
    ]
    return tuple(sorted(flags, key=lambda f: (-f.count, f.number)))


def low_value_flags(
    session: Session, *, actor: Actor, today: dt.date | None = None
) -> tuple[LowValueFlag, ...]:
    """Flag (a): footprints far below their category's distribution."""
    ensure(actor, Right.SUPERVISE)
    return _low_values(_rows(session, today or beijing_today()))


def altered_value_flags(
    session: Session, *, actor: Actor, today: dt.date | None = None
) -> tuple[AlteredValueFlag, ...]:
    """Flag (b): certificates whose value differs from their certified calculation."""
    ensure(actor, Right.SUPERVISE)
    return _altered(session, _rows(session, today or beijing_today()))


def refused_check_flags(session: Session, *, actor: Actor) -> tuple[RefusedCheckFlag, ...]:
    """Flag (c): refused label checks, by certificate number, most frequent first."""
    ensure(actor, Right.SUPERVISE)
    return _refused(session)


def dashboard(session: Session, *, actor: Actor, today: dt.date | None = None) -> Dashboard:
    """The supervision dashboard: labels by category, city, status, body and month; flags."""
    ensure(actor, Right.SUPERVISE)
    day = today or beijing_today()
    rows = _rows(session, day)
    statuses = Counter(row.status for row in rows)
    bodies = {row.body.slug: (row.body.name_zh, row.body.name_en) for row in rows}
    return Dashboard(
        today=day,
        total=len(rows),
        by_category=_counted(Counter(row.certificate.category for row in rows)),
        by_city=_counted(Counter(row.holder.city for row in rows)),
        by_status=tuple(Count(s, statuses.get(s, 0)) for s in CertificateStatus.ALL),
        by_certifier=_counted(Counter(row.body.slug for row in rows), bodies),
        by_month=_months(rows, day),
        low_values=_low_values(rows),
        altered=_altered(session, rows),
        refused_checks=_refused(session),
    )


EXPORT_COLUMNS = (
    "number",
    "product_name_zh",
    "product_name_en",
    "company_zh",
    "company_en",
    "credit_code",
    "city",
    "category",
    "value_kg_co2e",
    "unit",
    "boundary",
    "rule_id",
    "rule_version",
    "grade",
    "label_kind",
    "certifier",
    "issued_on",
    "expires_on",
    "status",
    "stored_status",
    "status_reason",
    "last_surveillance_on",
    "calculated_total",
    "flags",
)


def _cell(text: str) -> str:
    """Text a spreadsheet will not run as a formula (CSV injection, OWASP)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def export_csv(session: Session, *, actor: Actor, today: dt.date | None = None) -> str:
    """Every certificate as CSV for the regulator (UTF-8 with BOM, so Excel reads Chinese).

    ``flags`` names the dashboard's flags raised for the row: low-value, altered-value.
    """
    ensure(actor, Right.SUPERVISE)
    day = today or beijing_today()
    rows = _rows(session, day)
    low = {flag.number for flag in _low_values(rows)}
    altered = {flag.number: flag for flag in _altered(session, rows)}
    totals = _totals(session, {row.certificate.calculation_id for row in rows})
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(EXPORT_COLUMNS)
    for row in rows:
        c = row.certificate
        flags = [
            name
            for name, hit in (
                ("low-value", c.number in low),
                ("altered-value", c.number in altered),
            )
            if hit
        ]
        writer.writerow(
            (
                _cell(c.number),
                _cell(c.product_name_zh),
                _cell(c.product_name_en),
                _cell(row.holder.name_zh),
                _cell(row.holder.name_en),
                _cell(row.holder.credit_code),
                _cell(row.holder.city),
                c.category,
                repr(c.value),
                c.unit,
                c.boundary,
                c.rule_id,
                c.rule_version,
                c.grade or "",
                c.label_kind,
                _cell(row.body.name_zh),
                c.issued_on.isoformat(),
                c.expires_on.isoformat(),
                row.status,
                c.status,
                _cell(c.status_reason),
                c.last_surveillance_on.isoformat() if c.last_surveillance_on else "",
                repr(totals[c.calculation_id]) if c.calculation_id in totals else "",
                " ".join(flags),
            )
        )
    return "\ufeff" + buffer.getvalue()
