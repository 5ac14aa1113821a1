"""Factor database operations: import, review, releases, diff, search, history.

Functions take the session first and never commit: the face owns the transaction, so
an import that fails half way leaves the database as it was.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, and_, func, select, update
from sqlalchemy.orm import Session

from tanji.core.errors import Conflict, Forbidden, InvalidInput, Loc, NotFound
from tanji.core.i18n import _
from tanji.core.units import dimension_name
from tanji.db.base import utcnow
from tanji.db.bulk import bulk_insert, bulk_insert_dicts
from tanji.factors.models import (
    FactorEvent,
    FactorRecord,
    FactorRelease,
    FactorReleaseEntry,
    FactorStatus,
)
from tanji.factors.rows import PEDIGREE, FactorData, RowError, fingerprint, parse_row

_CHUNK = 900  # stays under SQLite's bound-parameter limit


class ImportRejected(InvalidInput):
    """Some rows are bad; nothing was imported. ``problems`` lists (row, column, reason)."""

    def __init__(self, problems: list[tuple[Loc, str]]) -> None:
        loc, message = problems[0]
        super().__init__(message, loc=loc)
        self.problems = problems

    def lines(self) -> list[str]:
        return [
            _("row {row}, column '{column}': {reason}").format(
                row=loc[0], column=loc[1] if len(loc) > 1 else "", reason=message
            )
            for loc, message in self.problems
        ]


@dataclass
class ImportReport:
    """What an import did; ``skipped`` lists rows left out under ``skip_invalid``."""

    created: int = 0
    new_versions: int = 0
    unchanged: int = 0
    skipped: list[tuple[Loc, str]] = field(default_factory=list)
    slugs: list[str] = field(default_factory=list)  # the factors given a new version

    @property
    def written(self) -> int:
        return self.created + self.new_versions


def _chunks(items: Sequence[Any], size: int = _CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def parse_rows(
    rows: Iterable[tuple[int, dict[str, Any]]], *, skip_invalid: bool
) -> tuple[list[FactorData], list[tuple[Loc, str]]]:
    """Check every row; all problems are collected, each with its row number."""
    parsed: list[FactorData] = []
    problems: list[tuple[Loc, str]] = []
    seen: dict[str, int] = {}
    for line, row in rows:
        try:
            data = parse_row(row, line)
        except RowError as exc:
            problems.append((exc.loc, exc.message))
            continue
        if data.slug in seen:
            problems.append(
                (
                    (line, "slug"),
                    _("Slug '{slug}' appears again (first in row {first}).").format(
                        slug=data.slug, first=seen[data.slug]
                    ),
                )
            )
            continue
        seen[data.slug] = line
        parsed.append(data)
    if problems and not skip_invalid:
        raise ImportRejected(problems)
    return parsed, problems


def import_factors(
    session: Session,
    *,
    rows: Iterable[tuple[int, dict[str, Any]]],
    actor: str,
    publish: bool = False,
    skip_invalid: bool = False,
) -> ImportReport:
    """Import template rows as new factors or new versions of existing ones.

    ``publish`` is for curators loading reviewed data (the shipped seed); contributors
    import drafts, which must pass review before a release can include them.
    """
    parsed, problems = parse_rows(rows, skip_invalid=skip_invalid)
    report = ImportReport(skipped=problems)
    latest = _latest_versions(session, [data.slug for data in parsed])
    now = utcnow()
    status = FactorStatus.PUBLISHED if publish else FactorStatus.DRAFT
    stamp = _stamp(status, actor, now)
    factor_rows: list[tuple[Any, ...]] = []
    superseded: list[uuid.UUID] = []
    ids = _new_ids(len(parsed))
    for data, factor_id in zip(parsed, ids, strict=True):
        previous = latest.get(data.slug)
        if previous is not None and fingerprint(previous) == fingerprint(data):
            report.unchanged += 1
            continue
        version = previous.version + 1 if previous is not None else 1
        if previous is None:
            report.created += 1
        else:
            report.new_versions += 1
            if publish and previous.status == FactorStatus.PUBLISHED:
                superseded.append(previous.id)
        factor_rows.append(_record_values(data, factor_id, version, stamp))
        report.slugs.append(data.slug)
    if factor_rows:
        bulk_insert(session.connection(), FactorRecord.__table__, RECORD_KEYS, factor_rows)
    for chunk in _chunks(superseded):
        session.execute(
            update(FactorRecord)
            .where(FactorRecord.id.in_(chunk))
            .values(status=FactorStatus.SUPERSEDED)
        )
    session.flush()
    return report


RECORD_KEYS = (
    "id", "slug", "version", "flow", "name_zh", "name_en", "synonyms", "category", "unit",
    "composition", "origin", "dimension", "co2e", "fossil_co2e", "biogenic_co2e", "dluc_co2e",
    "boundary", "geography", "year", "valid_from", "valid_to", "technology", "source_document",
    "source_table", "source_url", "license", *PEDIGREE, "quality_rating", "uncertainty",
    "status", "contributor", "reviewer", "review_note", "reviewed_at", "notes", "search_text",
    "import_mode", "created_at",
)  # fmt: skip


def _record_values(data: FactorData, factor_id, version, stamp: tuple[Any, ...]) -> tuple:
    """A factor row in ``RECORD_KEYS`` order; ``stamp`` holds the import's common values."""
    p = data.pedigree
    return (
        factor_id, data.slug, version, data.flow, data.name_zh, data.name_en, data.synonyms,
        data.category, data.unit, data.composition, data.origin, data.dimension, data.co2e,
        data.fossil_co2e, data.biogenic_co2e, data.dluc_co2e, data.boundary, data.geography,
        data.year, data.valid_from, data.valid_to, data.technology, data.source_document,
        data.source_table, data.source_url, data.license, p.get("reliability"),
        p.get("completeness"), p.get("temporal"), p.get("geographical"),
        p.get("technological"), data.quality_rating, data.uncertainty, stamp[0], stamp[1],
        stamp[2], stamp[3], stamp[4], data.notes, data.search_text, stamp[0], stamp[5],
    )  # fmt: skip


def _new_ids(count: int) -> list[uuid.UUID]:
    """``count`` random (version 4) UUIDs from one read of the system's random source.

    ``uuid.uuid4()`` reads os.urandom once per id, a third of a second per 100,000 rows.
    """
    raw = bytearray(os.urandom(16 * count))
    raw[6::16] = bytes(b & 0x0F | 0x40 for b in raw[6::16])
    raw[8::16] = bytes(b & 0x3F | 0x80 for b in raw[8::16])
    return [uuid.UUID(bytes=bytes(raw[i : i + 16])) for i in range(0, 16 * count, 16)]


def _stamp(status: str, actor: str, now) -> tuple[Any, ...]:
    """status, contributor, reviewer, review note, reviewed at, created at."""
    if status == FactorStatus.PUBLISHED:
        return (status, actor, actor, _("Published by a curator on import."), now, now)
    return (status, actor, None, None, None, now)


def _latest_versions(session: Session, slugs: Sequence[str]) -> dict[str, FactorRecord]:
    latest: dict[str, FactorRecord] = {}
    for chunk in _chunks(list(slugs)):
        newest = (
            select(FactorRecord.slug, func.max(FactorRecord.version).label("version"))
            .where(FactorRecord.slug.in_(chunk))
            .group_by(FactorRecord.slug)
            .subquery()
        )
        query = select(FactorRecord).join(
            newest,
            and_(FactorRecord.slug == newest.c.slug, FactorRecord.version == newest.c.version),
        )
        for record in session.scalars(query):
            latest[record.slug] = record
    return latest


# -- reading ------------------------------------------------------------------------------


def get_version(session: Session, *, slug: str, version: int | None = None) -> FactorRecord:
    """A factor version (the latest when ``version`` is None)."""
    query = select(FactorRecord).where(FactorRecord.slug == slug)
    if version is not None:
        query = query.where(FactorRecord.version == version)
    record = session.scalars(query.order_by(FactorRecord.version.desc()).limit(1)).first()
    if record is None:
        raise NotFound(_("No factor '{slug}'.").format(slug=slug), loc=("slug",))
    return record


def get_in_release(session: Session, *, slug: str, release: FactorRelease) -> FactorRecord:
    record = session.scalars(
        select(FactorRecord)
        .join(FactorReleaseEntry, FactorReleaseEntry.factor_id == FactorRecord.id)
        .where(FactorReleaseEntry.release_id == release.id, FactorReleaseEntry.slug == slug)
    ).first()
    if record is None:
        raise NotFound(
            _("Factor '{slug}' is not in release {release}.").format(
                slug=slug, release=release.name
            ),
            loc=("slug",),
        )
    return record


@dataclass(frozen=True)
class HistoryEntry:
    at: Any
    action: str
    actor: str
    reason: str = ""


def history(session: Session, *, slug: str) -> list[tuple[FactorRecord, list[HistoryEntry]]]:
    """Every version of a factor with what happened to it, oldest first."""
    records = list(
        session.scalars(
            select(FactorRecord).where(FactorRecord.slug == slug).order_by(FactorRecord.version)
        )
    )
    if not records:
        raise NotFound(_("No factor '{slug}'.").format(slug=slug), loc=("slug",))
    events = session.scalars(
        select(FactorEvent)
        .where(FactorEvent.factor_id.in_([r.id for r in records]))
        .order_by(FactorEvent.at, FactorEvent.id)
    ).all()
    by_factor: dict[uuid.UUID, list[HistoryEntry]] = {
        record.id: [
            HistoryEntry(
                record.created_at,
                "imported-published"
                if record.import_mode == FactorStatus.PUBLISHED
                else "imported",
                record.contributor,
            )
        ]
        for record in records
    }
    for event in events:
        by_factor[event.factor_id].append(
            HistoryEntry(event.at, event.action, event.actor, event.reason)
        )
    return [(record, by_factor[record.id]) for record in records]


@dataclass(frozen=True)
class SearchQuery:
    """Filters for :func:`search`; text matches slug, names, synonyms and technology.

    ``unit`` keeps the factors whose declared unit converts to it (a factor per t for
    an input in kg); ``status`` None means every status, and every version.
    """

    text: str = ""
    category: str | None = None
    geography: str | None = None
    dimension: str | None = None
    unit: str | None = None
    year: int | None = None
    status: str | None = FactorStatus.PUBLISHED
    release: str | None = None
    limit: int = 50
    offset: int = 0


def _search_statement(session: Session, query: SearchQuery) -> Select[tuple[FactorRecord]]:
    statement = select(FactorRecord)
    if query.release:
        release = get_release(session, name=query.release)
        # EXISTS is checked only for rows that pass the cheaper filters (an index probe
        # each); a join would touch all 100,000 entries of the release first.
        in_release = (
            select(FactorReleaseEntry.factor_id)
            .where(
                FactorReleaseEntry.factor_id == FactorRecord.id,
                FactorReleaseEntry.release_id == release.id,
            )
            .exists()
        )
        statement = statement.where(in_release)
    elif query.status:
        statement = statement.where(FactorRecord.status == query.status)
    for word in query.text.lower().split():
        escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        statement = statement.where(FactorRecord.search_text.like(f"%{escaped}%", escape="\\"))
    if query.category:
        statement = statement.where(FactorRecord.category == query.category)
    if query.geography:
        statement = statement.where(FactorRecord.geography == query.geography)
    if query.dimension:
        statement = statement.where(FactorRecord.dimension == query.dimension)
    if query.unit:
        # Units of one dimension convert into each other (pint), so the stored dimension
        # name is the whole test, and the index still serves the scan.
        try:
            dimension = dimension_name(query.unit)
        except InvalidInput as exc:
            raise InvalidInput(exc.message, loc=("unit",)) from None
        statement = statement.where(FactorRecord.dimension == dimension)
    if query.year is not None:
        statement = statement.where(FactorRecord.year == query.year)
    return statement


def search(session: Session, query: SearchQuery) -> list[FactorRecord]:
    """Factors matching every word of the text and every filter, best known first."""
    statement = _search_statement(session, query)
    statement = statement.order_by(FactorRecord.slug, FactorRecord.version.desc())
    return list(session.scalars(statement.limit(query.limit).offset(query.offset)))


@dataclass(frozen=True)
class SearchPage:
    """One page of search results and how many match in all (for page links)."""

    items: list[FactorRecord]
    total: int
    query: SearchQuery


def search_page(session: Session, query: SearchQuery) -> SearchPage:
    """:func:`search` plus the number of all matches, for paginated lists."""
    counted = _search_statement(session, query).with_only_columns(
        func.count(), maintain_column_froms=True
    )
    total = session.scalar(counted.order_by(None)) or 0
    items = search(session, query) if total > query.offset else []
    return SearchPage(items=items, total=total, query=query)


@dataclass(frozen=True)
class VersionFile:
    """One version of a factor with its review history and the releases that hold it."""

    record: FactorRecord
    events: list[HistoryEntry]
    releases: list[FactorRelease]


@dataclass(frozen=True)
class FactorDossier:
    """What the factor page shows: the version asked for (or the current one) and all."""

    record: FactorRecord
    versions: list[VersionFile]

    @property
    def current(self) -> FactorRecord:
        """The published version, else the newest one."""
        published = [v.record for v in self.versions if v.record.status == FactorStatus.PUBLISHED]
        return published[-1] if published else self.versions[-1].record


def dossier(session: Session, *, slug: str, version: int | None = None) -> FactorDossier:
    """A factor's versions, events and releases; ``version`` picks the one to show.

    Without ``version`` the current version is shown: the published one, else the newest.
    """
    versions = history(session, slug=slug)
    holding: dict[uuid.UUID, list[FactorRelease]] = {}
    rows = session.execute(
        select(FactorReleaseEntry.factor_id, FactorRelease)
        .join(FactorRelease, FactorRelease.id == FactorReleaseEntry.release_id)
        .where(FactorReleaseEntry.slug == slug)
        .order_by(FactorRelease.created_at)
    )
    for factor_id, release in rows:
        holding.setdefault(factor_id, []).append(release)
    files = [VersionFile(r, events, holding.get(r.id, [])) for r, events in versions]
    made = FactorDossier(record=files[-1].record, versions=files)
    if version is None:
        return FactorDossier(record=made.current, versions=files)
    for item in files:
        if item.record.version == version:
            return FactorDossier(record=item.record, versions=files)
    raise NotFound(
        _("Factor '{slug}' has no version {version}.").format(slug=slug, version=version),
        loc=("version",),
    )


# -- review -------------------------------------------------------------------------------


def _event(
    session: Session, record: FactorRecord, action: str, actor: str, reason: str = ""
) -> None:
    session.add(
        FactorEvent(factor_id=record.id, action=action, actor=actor, reason=reason, at=utcnow())
    )


def submit(session: Session, *, slug: str, actor: str) -> FactorRecord:
    """Send the latest draft (or rejected) version of a factor to review."""
    record = get_version(session, slug=slug)
    if record.status not in (FactorStatus.DRAFT, FactorStatus.REJECTED):
        raise Conflict(
            _("Factor '{slug}' v{version} is {status}; only drafts can be submitted.").format(
                slug=slug, version=record.version, status=record.status
            )
        )
    record.status = FactorStatus.IN_REVIEW
    _event(session, record, "submitted", actor)
    session.flush()
    return record


def review(
    session: Session,
    *,
    slug: str,
    actor: str,
    approve: bool,
    reason: str = "",
    version: int | None = None,
) -> FactorRecord:
    """Approve (publish) or reject a submitted factor; a rejection needs a reason.

    The reviewer must be neither the contributor nor the one who submitted it: four eyes
    on every published value. ``version``, when given, must be the version in review, so
    a decision taken on a page never lands on a newer version submitted meanwhile.
    """
    record = get_version(session, slug=slug)
    if version is not None and record.version != version:
        raise Conflict(
            _(
                "Factor '{slug}' v{version} is not the newest version (v{newest}); "
                "reload the page and review v{newest}."
            ).format(slug=slug, version=version, newest=record.version)
        )
    if record.status != FactorStatus.IN_REVIEW:
        raise Conflict(
            _("Factor '{slug}' v{version} is {status}, not in review.").format(
                slug=slug, version=record.version, status=record.status
            )
        )
    submitters = session.scalars(
        select(FactorEvent.actor).where(
            FactorEvent.factor_id == record.id, FactorEvent.action == "submitted"
        )
    ).all()
    if actor == record.contributor or actor in submitters:
        raise Forbidden(
            _(
                "You cannot review your own factor (you contributed or submitted it): "
                "another reviewer must decide (four-eyes principle)."
            )
        )
    if not approve and not reason.strip():
        raise InvalidInput(_("Give a reason for the rejection."), loc=("reason",))
    now = utcnow()
    if approve:
        session.execute(
            update(FactorRecord)
            .where(FactorRecord.slug == slug, FactorRecord.status == FactorStatus.PUBLISHED)
            .values(status=FactorStatus.SUPERSEDED)
        )
        record.status = FactorStatus.PUBLISHED
    else:
        record.status = FactorStatus.REJECTED
    record.reviewer, record.review_note, record.reviewed_at = actor, reason, now
    _event(session, record, "approved" if approve else "rejected", actor, reason)
    session.flush()
    return record


def propose(session: Session, *, row: dict[str, Any], actor: str) -> FactorRecord:
    """Send one factor (a new one, or a new version of a slug) to review, from a form.

    ``row`` has the import template's columns; a problem is raised at its column alone
    (``loc=("unit",)``), so a form can show it next to the field.
    """
    try:
        data = parse_row(row, 0)
    except RowError as exc:
        raise InvalidInput(exc.message, loc=exc.loc[1:]) from None
    previous = _latest_versions(session, [data.slug]).get(data.slug)
    if previous is not None:
        if previous.status == FactorStatus.IN_REVIEW:
            raise Conflict(
                _(
                    "Factor '{slug}' v{version} is waiting for review; propose a new "
                    "version once it has been decided."
                ).format(slug=data.slug, version=previous.version)
            )
        if fingerprint(previous) == fingerprint(data):
            raise InvalidInput(
                _(
                    "Nothing changed from v{version} of '{slug}': change a value, source "
                    "or note to make a new version."
                ).format(version=previous.version, slug=data.slug),
                loc=("slug",),
            )
    report = import_factors(session, rows=[(0, row)], actor=actor)
    return submit(session, slug=report.slugs[0], actor=actor)


def import_for_review(
    session: Session, *, rows: Iterable[tuple[int, dict[str, Any]]], actor: str
) -> ImportReport:
    """Import a contributor's table and send every new factor or version to review.

    All or nothing, like :func:`import_factors`: one bad row rejects the file. A slug
    whose newest version is still in review is refused, so no submission is lost.
    """
    rows = list(rows)
    parsed, _problems = parse_rows(rows, skip_invalid=False)
    latest = _latest_versions(session, [data.slug for data in parsed])
    waiting = [
        (line, data.slug)
        for (line, _row), data in zip(rows, parsed, strict=True)
        if (found := latest.get(data.slug)) is not None
        and found.status == FactorStatus.IN_REVIEW
        and fingerprint(found) != fingerprint(data)
    ]
    if waiting:
        raise ImportRejected(
            [
                (
                    (line, "slug"),
                    _("Factor '{slug}' is waiting for review; import it again later.").format(
                        slug=slug
                    ),
                )
                for line, slug in waiting
            ]
        )
    report = import_factors(session, rows=rows, actor=actor)
    for slug in report.slugs:
        submit(session, slug=slug, actor=actor)
    return report


def withdraw(session: Session, *, slug: str, actor: str, reason: str) -> FactorRecord:
    """Withdraw the published version; releases that hold it keep it (they are immutable)."""
    if not reason.strip():
        raise InvalidInput(_("Give a reason for the withdrawal."), loc=("reason",))
    record = session.scalars(
        select(FactorRecord).where(
            FactorRecord.slug == slug, FactorRecord.status == FactorStatus.PUBLISHED
        )
    ).first()
    if record is None:
        raise NotFound(_("Factor '{slug}' has no published version.").format(slug=slug))
    record.status = FactorStatus.WITHDRAWN
    _event(session, record, "withdrawn", actor, reason)
    session.flush()
    return record


# -- releases -----------------------------------------------------------------------------


def get_release(session: Session, *, name: str) -> FactorRelease:
    release = session.scalars(select(FactorRelease).where(FactorRelease.name == name)).first()
    if release is None:
        raise NotFound(_("No factor release '{name}'.").format(name=name), loc=("release",))
    return release


def latest_release(session: Session) -> FactorRelease | None:
    return session.scalars(
        select(FactorRelease).order_by(FactorRelease.created_at.desc(), FactorRelease.name.desc())
    ).first()


def list_releases(session: Session) -> list[FactorRelease]:
    return list(session.scalars(select(FactorRelease).order_by(FactorRelease.created_at)))


def create_release(session: Session, *, name: str, actor: str, notes: str = "") -> FactorRelease:
    """Freeze every published factor version into a new, immutable release."""
    name = name.strip()
    if not name or len(name) > 40:
        raise InvalidInput(_("A release needs a name of 1 to 40 characters."), loc=("name",))
    if session.scalars(select(FactorRelease.id).where(FactorRelease.name == name)).first():
        raise Conflict(
            _("Release '{name}' exists already; releases never change.").format(name=name)
        )
    published = select(
        FactorRecord.slug,
        FactorRecord.id,
        FactorRecord.flow,
        FactorRecord.unit,
        FactorRecord.geography,
        FactorRecord.year,
    ).where(FactorRecord.status == FactorStatus.PUBLISHED)
    content = {row.slug: row for row in session.execute(published)}
    if not content:
        raise InvalidInput(_("There is no published factor to release."), loc=("name",))
    previous = latest_release(session)
    if previous is not None:
        frozen = session.execute(
            select(FactorReleaseEntry.slug, FactorReleaseEntry.factor_id).where(
                FactorReleaseEntry.release_id == previous.id
            )
        )
        if dict(frozen.all()) == {slug: row.id for slug, row in content.items()}:
            raise Conflict(
                _("Nothing was published or withdrawn since release {name}.").format(
                    name=previous.name
                )
            )
    release = FactorRelease(name=name, notes=notes, created_by=actor, created_at=utcnow())
    session.add(release)
    session.flush()
    rows = [
        {
            "release_id": release.id,
            "slug": row.slug,
            "factor_id": row.id,
            "flow": row.flow,
            "unit": row.unit,
            "geography": row.geography,
            "year": row.year,
        }
        for row in content.values()
    ]
    bulk_insert_dicts(session.connection(), FactorReleaseEntry.__table__, rows)
    release.factor_count = len(rows)
    session.flush()
    return release


def release_factors(session: Session, *, release: FactorRelease) -> list[FactorRecord]:
    return list(
        session.scalars(
            select(FactorRecord)
            .join(FactorReleaseEntry, FactorReleaseEntry.factor_id == FactorRecord.id)
            .where(FactorReleaseEntry.release_id == release.id)
            .order_by(FactorRecord.slug)
        )
    )


@dataclass(frozen=True)
class ReleasePage:
    """One page of a release's factors, with the release itself."""

    release: FactorRelease
    items: list[FactorRecord]
    total: int


def release_page(session: Session, *, name: str, limit: int = 50, offset: int = 0) -> ReleasePage:
    """The factors frozen in release ``name``, by slug, one page at a time."""
    release = get_release(session, name=name)
    items = list(
        session.scalars(
            select(FactorRecord)
            .join(FactorReleaseEntry, FactorReleaseEntry.factor_id == FactorRecord.id)
            .where(FactorReleaseEntry.release_id == release.id)
            .order_by(FactorReleaseEntry.slug)
            .limit(limit)
            .offset(offset)
        )
    )
    return ReleasePage(release=release, items=items, total=release.factor_count)


@dataclass(frozen=True)
class ChangedFactor:
    slug: str
    old: FactorRecord
    new: FactorRecord

    @property
    def change(self) -> float | None:
        """Relative change of the value (kg CO2e per unit, AR6); None from zero."""
        return (self.new.co2e - self.old.co2e) / self.old.co2e if self.old.co2e else None


@dataclass(frozen=True)
class ReleaseDiff:
    added: list[FactorRecord]
    changed: list[ChangedFactor]
    withdrawn: list[FactorRecord]


def diff_releases(session: Session, *, old: str, new: str) -> ReleaseDiff:
    """Factors added, changed (another version) and withdrawn from ``old`` to ``new``."""
    before = {r.slug: r for r in release_factors(session, release=get_release(session, name=old))}
    after = {r.slug: r for r in release_factors(session, release=get_release(session, name=new))}
    return ReleaseDiff(
        added=[after[s] for s in sorted(after.keys() - before.keys())],
        changed=[
            ChangedFactor(s, before[s], after[s])
            for s in sorted(before.keys() & after.keys())
            if before[s].id != after[s].id
        ],
        withdrawn=[before[s] for s in sorted(before.keys() - after.keys())],
    )
