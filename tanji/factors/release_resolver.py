"""Resolve factor references against a pinned release of the factor database.

A reference names a slug (exact) or a flow (a family of factors that differ by region,
year or unit). For a flow the resolver keeps the factors whose unit converts to the
input's unit, then walks the region chain (CN-SX → North China grid → CN → global) and
takes the nearest year, and records the rule that chose the factor.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace

from sqlalchemy import select
from sqlalchemy.orm import Session

from tanji.core.errors import InvalidInput, Loc, UnitMismatch, UnknownReference
from tanji.core.i18n import _
from tanji.core.model import DataKind, Factor, GasAmount, Origin, Pedigree
from tanji.core.units import conversion_factor, dimension_name
from tanji.factors.models import FactorRecord, FactorRelease, FactorReleaseEntry
from tanji.factors.resolve import FactorRef, parse_uncertainty, region_chain

_CHUNK = 900


@dataclass(frozen=True)
class _Entry:
    id: uuid.UUID
    slug: str
    flow: str
    unit: str
    geography: str
    year: int | None


class ReleaseResolver:
    """A :class:`~tanji.factors.resolve.FactorResolver` over one factor release."""

    def __init__(self, session: Session, release: FactorRelease) -> None:
        self.session = session
        self.release = release
        self._by_slug: dict[str, _Entry] | None = None
        self._by_flow: dict[str, list[_Entry]] = {}
        self._factors: dict[uuid.UUID, Factor] = {}

    def _index(self) -> dict[str, _Entry]:
        if self._by_slug is None:
            rows = self.session.execute(
                select(
                    FactorRecord.id,
                    FactorRecord.slug,
                    FactorRecord.flow,
                    FactorRecord.unit,
                    FactorRecord.geography,
                    FactorRecord.year,
                )
                .join(FactorReleaseEntry, FactorReleaseEntry.factor_id == FactorRecord.id)
                .where(FactorReleaseEntry.release_id == self.release.id)
            )
            self._by_slug = {}
            for row in rows:
                entry = _Entry(*row)
                self._by_slug[entry.slug] = entry
                self._by_flow.setdefault(entry.flow, []).append(entry)
        return self._by_slug

    def choose(self, ref: FactorRef, *, loc: Loc = ()) -> tuple[_Entry, str]:
        """The entry for a reference and the rule that chose it."""
        by_slug = self._index()
        if ref.slug:
            entry = by_slug.get(ref.slug)
            if entry is None:
                raise UnknownReference(
                    _("Factor '{slug}' is not in release {release}.").format(
                        slug=ref.slug, release=self.release.name
                    ),
                    loc=loc,
                )
            return entry, _("exact id")
        candidates = self._by_flow.get(ref.flow or "", [])
        if not candidates:
            raise UnknownReference(
                _("No factor of flow '{flow}' in release {release}.").format(
                    flow=ref.flow, release=self.release.name
                ),
                loc=loc,
            )
        if ref.unit:
            fitting = [c for c in candidates if _converts(ref.unit, c.unit)]
            if not fitting:
                raise UnitMismatch(
                    _(
                        "No factor of flow '{flow}' is given per a unit of {dimension} "
                        "(unit '{unit}')."
                    ).format(flow=ref.flow, dimension=dimension_name(ref.unit), unit=ref.unit),
                    loc=loc,
                )
            candidates = fitting
        chain = region_chain(ref.geography)
        for step, geography in enumerate(chain):
            local = [c for c in candidates if c.geography == geography]
            if local:
                entry, year_rule = _nearest_year(local, ref.year)
                if step == 0:
                    where = _("region {geo}").format(geo=geography)
                else:
                    where = _("region {geo} (no factor for {wanted}; fallback {chain})").format(
                        geo=geography, wanted=chain[0], chain=" → ".join(chain[: step + 1])
                    )
                return entry, f"{where}; {year_rule}"
        entry, year_rule = _nearest_year(candidates, ref.year)
        return entry, _("region {geo} (outside the region chain {chain}); {year}").format(
            geo=entry.geography, chain=" → ".join(chain), year=year_rule
        )

    def resolve(self, ref: FactorRef, *, loc: Loc = ()) -> Factor:
        return self.resolve_many([(ref, loc)])[0]

    def resolve_many(self, refs: Sequence[tuple[FactorRef, Loc]]) -> list[Factor]:
        """Resolve many references with one query per chunk of chosen factors."""
        chosen = [self.choose(ref, loc=loc) for ref, loc in refs]
        missing = list({entry.id for entry, _rule in chosen if entry.id not in self._factors})
        for start in range(0, len(missing), _CHUNK):
            records = self.session.scalars(
                select(FactorRecord).where(FactorRecord.id.in_(missing[start : start + _CHUNK]))
            )
            for record in records:
                self._factors[record.id] = to_factor(record, release=self.release.name)
        return [_with_rule(self._factors[entry.id], rule) for entry, rule in chosen]


def _with_rule(factor: Factor, rule: str) -> Factor:
    return replace(factor, resolution=rule)


def _converts(source: str, target: str) -> bool:
    try:
        conversion_factor(source, target)
    except InvalidInput:
        return False
    return True


def _nearest_year(entries: list[_Entry], year: int | None) -> tuple[_Entry, str]:
    dated = [e for e in entries if e.year is not None]
    if not dated:
        return sorted(entries, key=lambda e: e.slug)[0], _("no reference year")
    if year is None:
        entry = max(dated, key=lambda e: (e.year, e.slug))
        return entry, _("latest year {year}").format(year=entry.year)
    entry = min(dated, key=lambda e: (abs(e.year - year), -e.year, e.slug))
    if entry.year == year:
        return entry, _("year {year}").format(year=year)
    return entry, _("nearest year {found} for {wanted}").format(found=entry.year, wanted=year)


def to_factor(record: FactorRecord, *, release: str | None = None) -> Factor:
    """An ORM factor version as the engine's :class:`Factor`."""
    scores = [getattr(record, key) for key in (
        "reliability", "completeness", "temporal", "geographical", "technological"
    )]  # fmt: skip
    quality = Pedigree(*scores) if all(score is not None for score in scores) else None
    citation = "; ".join(
        part
        for part in (
            record.source_document,
            record.source_table,
            str(record.year or ""),
            record.source_url,
        )
        if part
    )
    return Factor(
        id=record.slug,
        unit=record.unit,
        gases=tuple(GasAmount(g.gas, g.amount, Origin(g.origin)) for g in record.gases),
        name=record.name_en or record.name_zh,
        source=citation,
        data=DataKind.SECONDARY,
        quality=quality,
        uncertainty=parse_uncertainty(record.uncertainty),
        release=release,
        version=record.version,
    )
