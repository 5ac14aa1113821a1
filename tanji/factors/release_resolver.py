"""Resolve factor references against a pinned release of the factor database.

A reference names a slug (exact) or a flow (a family of factors that differ by region,
year or unit). For a flow the resolver keeps the factors whose unit converts to the
input's unit, then walks the region chain (CN-SX → North China grid → CN → global) and
takes the nearest year, and records the rule that chose the factor.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import lru_cache

from sqlalchemy import select
from sqlalchemy.orm import Session

from tanji.core.errors import InvalidInput, Loc, UnitMismatch, UnknownReference
from tanji.core.i18n import _
from tanji.core.model import Factor
from tanji.core.units import dimension_name, parse_unit
from tanji.factors.models import FactorRecord, FactorRelease, FactorReleaseEntry
from tanji.factors.resolve import FactorRef, data_to_factor, region_chain

_CHUNK = 900


@dataclass(frozen=True)
class _Entry:
    slug: str  # unique within a release
    flow: str
    unit: str
    geography: str
    year: int | None


class ReleaseResolver:
    """A :class:`~tanji.factors.resolve.FactorResolver` over one factor release."""

    def __init__(self, session: Session, release: FactorRelease) -> None:
        self.session = session
        self.release = release
        self._by_slug: dict[str, _Entry] = {}
        self._by_flow: dict[str, dict[str, list[_Entry]]] = {}  # flow → geography → entries
        self._slugs_asked: set[str] = set()
        self._flow_regions: dict[str, set[str]] = {}  # regions fetched per flow
        self._flows_complete: set[str] = set()
        self._factors: dict[str, Factor] = {}

    def _load(self, refs: Sequence[FactorRef]) -> None:
        """Fetch the release entries the references can use (each key once).

        Flows are fetched for the regions on the references' region chains only; a flow
        with nothing there is completed later, when a reference falls outside its chain.
        """
        slugs = sorted({r.slug for r in refs if r.slug} - self._slugs_asked)
        flow_regions: dict[str, set[str]] = {}
        for ref in refs:
            if ref.flow and ref.flow not in self._flows_complete:
                flow_regions.setdefault(ref.flow, set()).update(region_chain(ref.geography))
        for start in range(0, len(slugs), _CHUNK):
            self._fetch(FactorReleaseEntry.slug.in_(slugs[start : start + _CHUNK]))
        self._slugs_asked.update(slugs)
        by_regions: dict[frozenset[str], list[str]] = {}
        for flow, regions in flow_regions.items():
            wanted = frozenset(regions - self._flow_regions.get(flow, set()))
            if wanted:
                by_regions.setdefault(wanted, []).append(flow)
        for regions, flows in by_regions.items():
            for start in range(0, len(flows), _CHUNK):
                chunk = flows[start : start + _CHUNK]
                self._fetch(
                    FactorReleaseEntry.flow.in_(chunk), FactorReleaseEntry.geography.in_(regions)
                )
                for flow in chunk:
                    self._flow_regions.setdefault(flow, set()).update(regions)

    def _complete_flow(self, flow: str) -> None:
        """Fetch every entry of a flow, for a reference outside all its regions."""
        if flow not in self._flows_complete:
            self._fetch(FactorReleaseEntry.flow == flow)
            self._flows_complete.add(flow)

    def _fetch(self, *conditions) -> None:
        # The release's own entries carry flow, unit, region and year: one index range scan.
        rows = self.session.execute(
            select(
                FactorReleaseEntry.slug,
                FactorReleaseEntry.flow,
                FactorReleaseEntry.unit,
                FactorReleaseEntry.geography,
                FactorReleaseEntry.year,
            ).where(FactorReleaseEntry.release_id == self.release.id, *conditions)
        )
        for row in rows:
            self._add(_Entry(*row))

    def _add(self, entry: _Entry) -> None:
        if entry.slug in self._by_slug:
            return
        self._by_slug[entry.slug] = entry
        self._by_flow.setdefault(entry.flow, {}).setdefault(entry.geography, []).append(entry)

    def choose(self, ref: FactorRef, *, loc: Loc = ()) -> tuple[_Entry, str]:
        """The entry for a reference and the rule that chose it."""
        self._load([ref])
        if ref.slug:
            entry = self._by_slug.get(ref.slug)
            if entry is None:
                raise UnknownReference(
                    _("Factor '{slug}' is not in release {release}.").format(
                        slug=ref.slug, release=self.release.name
                    ),
                    loc=loc,
                )
            return entry, _("exact id")
        flow = ref.flow or ""
        wanted = _dimensionality(ref.unit) if ref.unit else None
        chain = region_chain(ref.geography)
        for step, geography in enumerate(chain):
            local = [
                entry
                for entry in self._by_flow.get(flow, {}).get(geography, ())
                if wanted is None or _dimensionality(entry.unit) == wanted
            ]
            if local:
                entry, year_rule = _nearest_year(local, ref.year)
                if step == 0:
                    where = _("region {geo}").format(geo=geography)
                else:
                    where = _("region {geo} (no factor for {wanted}; fallback {chain})").format(
                        geo=geography, wanted=chain[0], chain=" → ".join(chain[: step + 1])
                    )
                return entry, f"{where}; {year_rule}"
        self._complete_flow(flow)
        candidates = [e for entries in self._by_flow.get(flow, {}).values() for e in entries]
        if not candidates:
            raise UnknownReference(
                _("No factor of flow '{flow}' in release {release}.").format(
                    flow=ref.flow, release=self.release.name
                ),
                loc=loc,
            )
        fitting = [e for e in candidates if wanted is None or _dimensionality(e.unit) == wanted]
        if not fitting:
            raise UnitMismatch(
                _(
                    "No factor of flow '{flow}' is given per a unit of {dimension} (unit '{unit}')."
                ).format(flow=ref.flow, dimension=dimension_name(ref.unit), unit=ref.unit),
                loc=loc,
            )
        entry, year_rule = _nearest_year(fitting, ref.year)
        return entry, _("region {geo} (outside the region chain {chain}); {year}").format(
            geo=entry.geography, chain=" → ".join(chain), year=year_rule
        )

    def resolve(self, ref: FactorRef, *, loc: Loc = ()) -> Factor:
        return self.resolve_many([(ref, loc)])[0]

    def resolve_many(self, refs: Sequence[tuple[FactorRef, Loc]]) -> list[Factor]:
        """Resolve many references with a few chunked queries, not one per reference."""
        self._load([ref for ref, _loc in refs])
        chosen = [self.choose(ref, loc=loc) for ref, loc in refs]
        missing = sorted({entry.slug for entry, _rule in chosen} - self._factors.keys())
        for start in range(0, len(missing), _CHUNK):
            records = self.session.scalars(
                select(FactorRecord)
                .join(FactorReleaseEntry, FactorReleaseEntry.factor_id == FactorRecord.id)
                .where(
                    FactorReleaseEntry.release_id == self.release.id,
                    FactorReleaseEntry.slug.in_(missing[start : start + _CHUNK]),
                )
            )
            for record in records:
                self._factors[record.slug] = to_factor(record, release=self.release.name)
        return [replace(self._factors[entry.slug], resolution=rule) for entry, rule in chosen]


@lru_cache(maxsize=4096)
def _dimensionality(unit: str) -> str:
    """A comparable key for a unit's dimension ('' when it cannot be read)."""
    try:
        return str(parse_unit(unit).dimensionality)
    except InvalidInput:
        return ""


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
    return data_to_factor(record, release=release, version=record.version)
