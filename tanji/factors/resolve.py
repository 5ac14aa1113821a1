"""Bind a model's factor references to factors: the interface a factor source implements.

A model names factors by slug (``cn-electricity-footprint-2024``) or by flow. The factor
database (:mod:`tanji.factors.release_resolver`) answers against a pinned release; the
cited table shipped in ``tanji/data/factors/factors.csv`` answers without a database.
Both implement :class:`FactorResolver`. The region tree for fallbacks is data too.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files
from pathlib import Path
from typing import Any, Protocol

from tanji.core.errors import InvalidInput, Loc, UnknownReference
from tanji.core.i18n import _, in_language
from tanji.core.model import DataKind, Factor, GasAmount, Origin, Pedigree, Uncertainty
from tanji.factors.fileio import read_rows
from tanji.factors.rows import FactorData, citation, parse_row

_PARAM_RE = re.compile(r"(\w+)=([-+0-9.eE]+)")


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


class SeedTable:
    """Resolves slugs against the cited factor table shipped with Tanji, without a database.

    The engine's tests and a quick ``tanji calc --no-db`` use it; the platform resolves
    against a pinned release of the factor database instead.
    """

    def __init__(self, records: dict[str, FactorData] | None = None) -> None:
        self.records = records if records is not None else _default_table()

    def resolve(self, ref: FactorRef, *, loc: Loc = ()) -> Factor:
        data = self.records.get(ref.key)
        if data is None:
            raise UnknownReference(
                _("Unknown factor '{slug}'; `tanji factors search` finds the known ones.").format(
                    slug=ref.key
                ),
                loc=loc,
            )
        return data_to_factor(data, release="seed")


@lru_cache(maxsize=1)
def _default_table() -> dict[str, FactorData]:
    path = Path(str(files("tanji") / "data" / "factors" / "factors.csv"))
    rows: dict[str, FactorData] = {}
    for line, row in read_rows(path):
        try:
            data = parse_row(row, line)
        except InvalidInput as exc:
            raise InvalidInput(exc.message, loc=("factors.csv", *exc.loc)) from None
        rows[data.slug] = data
    return rows


def data_to_factor(item: Any, *, release: str | None = None, version: int | None = None) -> Factor:
    """A checked template row or a stored factor version as the engine's Factor.

    Both carry the same attributes (slug, unit, gases, names, source, pedigree scores,
    uncertainty, flow), so the seed table and the database convert them alike.
    """
    scores = item.pedigree_scores
    return Factor(
        id=item.slug,
        unit=item.unit,
        gases=tuple(GasAmount(gas, amount, Origin(origin)) for gas, amount, origin in item.gases),
        name=in_language(item.name_zh, item.name_en),  # display only: not in the input hash
        source=citation(item.source_document, item.source_table, item.year, item.source_url),
        data=DataKind.SECONDARY,
        quality=Pedigree(*scores) if all(score is not None for score in scores) else None,
        uncertainty=parse_uncertainty(item.uncertainty),
        release=release,
        version=version,
        flow=item.flow,
    )


def parse_uncertainty(text: str) -> Uncertainty | None:
    """``"lognormal gsd=1.1"`` → Uncertainty; empty text → None."""
    if not text:
        return None
    params = {key: float(value) for key, value in _PARAM_RE.findall(text)}
    return Uncertainty(
        text.split()[0],
        gsd=params.get("gsd"),
        sd=params.get("sd"),
        minimum=params.get("min"),
        maximum=params.get("max"),
    )


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
