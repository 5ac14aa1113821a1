"""Bind a model's factor references to factors: the interface a factor source implements.

A model names factors by slug (``cn-electricity-footprint-2024``). Until the versioned
factor database exists, the cited seed table in ``tanji/data/factors/seed.csv`` answers;
the database will implement the same :class:`FactorResolver` protocol.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files
from pathlib import Path
from typing import Protocol

from tanji.core.errors import InvalidInput, Loc, UnknownReference
from tanji.core.i18n import _
from tanji.core.model import DataKind, Factor, GasAmount, Origin
from tanji.core.units import check_unit


@dataclass(frozen=True)
class FactorRef:
    """What a model asks for: an exact ``slug``, or a ``flow`` to pick the best factor of.

    ``unit`` (the input's unit), ``geography`` and ``year`` guide the choice among the
    factors of a flow: the resolver falls back along the region tree and to the nearest
    year, and records which rule chose the factor.
    """

    slug: str | None = None
    flow: str | None = None
    unit: str | None = None
    geography: str | None = None
    year: int | None = None

    @property
    def key(self) -> str:
        return self.slug or self.flow or ""


class FactorResolver(Protocol):
    """Anything that turns a :class:`FactorRef` into a :class:`Factor` or raises."""

    def resolve(self, ref: FactorRef, *, loc: Loc = ()) -> Factor: ...


def parse_composition(text: str, *, loc: Loc = ()) -> tuple[tuple[str, float], ...]:
    """Parse ``"CO2=2.46;CH4=0.0001"`` into ((gas, kg per unit), …)."""
    pairs = []
    for part in (text or "").split(";"):
        part = part.strip()
        if not part:
            continue
        gas, sep, value = part.partition("=")
        try:
            amount = float(value)
        except ValueError:
            amount = None
        if not sep or not gas.strip() or amount is None:
            raise InvalidInput(
                _("Cannot read '{part}': write GAS=value, e.g. CO2=2.46.").format(part=part),
                loc=loc,
            )
        pairs.append((gas.strip(), amount))
    if not pairs:
        raise InvalidInput(_("A factor needs at least one GAS=value."), loc=loc)
    return tuple(pairs)


@dataclass(frozen=True)
class SeedRecord:
    """One row of the seed table, with its citation."""

    factor: Factor
    name_zh: str
    name_en: str
    boundary: str
    geography: str
    year: int | None
    document: str
    table: str
    url: str
    license: str
    notes: str


def read_seed_table(path: Path | None = None) -> dict[str, SeedRecord]:
    """Read and check a seed CSV; errors name the row (line) and the column."""
    source = path or files("tanji") / "data" / "factors" / "seed.csv"
    records: dict[str, SeedRecord] = {}
    with source.open(encoding="utf-8", newline="") as handle:
        for line, row in enumerate(csv.DictReader(handle), start=2):
            slug = (row.get("slug") or "").strip()
            where: Loc = (_("seed.csv line {line}").format(line=line),)
            if not slug:
                raise InvalidInput(_("A factor row has no slug."), loc=(*where, "slug"))
            if slug in records:
                raise InvalidInput(
                    _("Duplicate factor slug '{slug}'.").format(slug=slug), loc=(*where, "slug")
                )
            unit = row["unit"].strip()
            check_unit(unit, loc=(*where, "unit"))
            try:
                origin = Origin(row.get("origin", "fossil").strip() or "fossil")
            except ValueError:
                raise InvalidInput(
                    _("Unknown origin '{value}'.").format(value=row.get("origin")),
                    loc=(*where, "origin"),
                ) from None
            gases = tuple(
                GasAmount(gas, amount, origin)
                for gas, amount in parse_composition(
                    row["composition"], loc=(*where, "composition")
                )
            )
            citation = "; ".join(
                part for part in (row["document"], row["table"], row["year"], row["url"]) if part
            )
            year = row.get("year", "").strip()
            factor = Factor(
                id=slug,
                unit=unit,
                gases=gases,
                name=row["name_en"].strip(),
                source=citation,
                data=DataKind.SECONDARY,
                release="seed",
            )
            records[slug] = SeedRecord(
                factor=factor,
                name_zh=row["name_zh"].strip(),
                name_en=row["name_en"].strip(),
                boundary=row["boundary"].strip(),
                geography=row["geography"].strip(),
                year=int(year) if year.isdigit() else None,
                document=row["document"].strip(),
                table=row["table"].strip(),
                url=row["url"].strip(),
                license=row["license"].strip(),
                notes=row["notes"].strip(),
            )
    return records


@lru_cache(maxsize=1)
def _default_table() -> dict[str, SeedRecord]:
    return read_seed_table()


class SeedTable:
    """Resolves slugs against the cited seed table shipped with Tanji."""

    def __init__(self, records: dict[str, SeedRecord] | None = None) -> None:
        self.records = records if records is not None else _default_table()

    def resolve(self, ref: FactorRef, *, loc: Loc = ()) -> Factor:
        record = self.records.get(ref.key)
        if record is None:
            raise UnknownReference(
                _("Unknown factor '{slug}'; `tanji factors list` shows the known ones.").format(
                    slug=ref.key
                ),
                loc=loc,
            )
        return record.factor


@lru_cache(maxsize=1)
def region_parents() -> dict[str, str]:
    """Each region's parent (province → regional grid → CN → GLO), from regions.csv."""
    path = files("tanji") / "data" / "regions.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        return {row["code"]: row["parent"] for row in csv.DictReader(handle) if row["parent"]}


def region_chain(geography: str | None) -> list[str]:
    """``CN-SX`` → [CN-SX, CN-NORTH, CN, GLO]; an unknown code falls back to its country."""
    if not geography:
        return ["CN", "GLO"]
    parents = region_parents()
    chain = [geography]
    if geography not in parents and "-" in geography:
        chain.append(geography.split("-")[0])
    while chain[-1] in parents and parents[chain[-1]] not in chain:
        chain.append(parents[chain[-1]])
    if chain[-1] != "GLO":
        chain.append("GLO")
    return chain
