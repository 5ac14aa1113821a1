"""GWP100 characterisation factors (IPCC AR6 by default; AR5 and AR4 selectable).

The values live in ``tanji/data/gwp/gwp100.csv`` with their sources. Methane has a fossil
and a non-fossil value (AR6 WG1 Table 7.15); ``CO2e`` is an already characterised amount
and counts one to one in every set.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files

from tanji.core.errors import UnknownReference
from tanji.core.i18n import _
from tanji.core.model import Origin

SETS = ("AR6", "AR5", "AR4")
DEFAULT_SET = "AR6"
CHARACTERISED = "CO2E"


_SUBSCRIPTS = str.maketrans("₀₁₂₃₄₅₆₇₈₉", "0123456789")


@lru_cache(maxsize=1024)
def canonical_gas(gas: str) -> str:
    """Normalise a gas id for lookup: ``co2``, ``CO₂`` and ``CO2`` are the same gas."""
    return gas.strip().translate(_SUBSCRIPTS).upper().replace(" ", "")


@dataclass(frozen=True)
class GwpTable:
    """GWP100 values of one IPCC set, keyed by (canonical gas, variant)."""

    name: str
    values: dict[tuple[str, str], float]
    names: dict[str, str]

    def factor(self, gas: str, origin: Origin = Origin.FOSSIL) -> float:
        """kg CO2e per kg of ``gas`` of ``origin``."""
        key = canonical_gas(gas)
        if key == CHARACTERISED:
            return 1.0
        variant = "fossil" if origin is Origin.FOSSIL else "non-fossil"
        for candidate in ((key, variant), (key, "")):
            if candidate in self.values:
                return self.values[candidate]
        raise UnknownReference(
            _("Unknown gas '{gas}' for GWP set {set}.").format(gas=gas, set=self.name)
        )

    def knows(self, gas: str) -> bool:
        key = canonical_gas(gas)
        return key == CHARACTERISED or key in self.names


@lru_cache(maxsize=8)
def gwp_table(name: str = DEFAULT_SET) -> GwpTable:
    """The GWP100 table of set ``name`` (AR6, AR5 or AR4)."""
    key = name.strip().upper()
    if key not in SETS:
        raise UnknownReference(
            _("Unknown GWP set '{name}'; use one of {sets}.").format(
                name=name, sets=", ".join(SETS)
            )
        )
    values: dict[tuple[str, str], float] = {}
    names: dict[str, str] = {}
    path = files("tanji") / "data" / "gwp" / "gwp100.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            cell = (row.get(key.lower()) or "").strip()
            if not cell:
                continue
            gas = canonical_gas(row["gas"])
            values[(gas, (row.get("variant") or "").strip().lower())] = float(cell)
            names[gas] = row["gas"].strip()
    return GwpTable(name=key, values=values, names=names)
