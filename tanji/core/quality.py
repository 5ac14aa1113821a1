"""Data quality: pedigree-derived spreads and the aggregated rating of a result.

Amounts that carry pedigree scores but no distribution get a lognormal spread from the
ecoinvent pedigree variances (``tanji/data/quality/pedigree.csv``). The rating of a result
weights each datum's pedigree scores by its share of the footprint.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files

from tanji.core.i18n import N_, _
from tanji.core.model import Pedigree

INDICATORS = ("reliability", "completeness", "temporal", "geographical", "technological")
# Overall rating bands after the EU PEF data quality rating (Recommendation 2021/2279).
_BANDS = ((1.5, "excellent"), (2.0, "very-good"), (3.0, "good"), (4.0, "fair"))
# The level slugs stay in results (JSON); people read these labels, translated on display.
LEVEL_LABELS = {
    "excellent": N_("excellent"),
    "very-good": N_("very good"),
    "good": N_("good"),
    "fair": N_("fair"),
    "poor": N_("poor"),
}


def level_label(level: str) -> str:
    """The rating band ``level`` (a slug such as ``very-good``) in the current language."""
    return _(LEVEL_LABELS.get(level, level))


@lru_cache(maxsize=1)
def _variances() -> dict[str, tuple[float, ...]]:
    path = files("tanji") / "data" / "quality" / "pedigree.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        return {
            row["indicator"]: tuple(float(row[f"score_{i}"]) for i in range(1, 6))
            for row in csv.DictReader(handle)
        }


def pedigree_sigma(pedigree: Pedigree) -> float:
    """σ of ln(amount) implied by the pedigree scores (basic variance included)."""
    table = _variances()
    variance = table["basic"][0]
    for name, score in zip(INDICATORS, pedigree.scores(), strict=True):
        variance += table[name][score - 1]
    return math.sqrt(variance)


@dataclass(frozen=True)
class QualityRating:
    """Footprint-weighted pedigree scores (1 best … 5 worst) and their overall band."""

    indicators: dict[str, float]
    overall: float
    level: str
    coverage: float  # share of the footprint (by absolute contribution) that had scores


def rate(weighted: Iterable[tuple[float, Pedigree | None]]) -> QualityRating | None:
    """Aggregate pedigree scores weighted by |contribution|; None when nothing is scored."""
    sums = dict.fromkeys(INDICATORS, 0.0)
    scored = total = 0.0
    for weight, pedigree in weighted:
        weight = abs(weight)
        total += weight
        if pedigree is None or weight == 0:
            continue
        scored += weight
        for name, score in zip(INDICATORS, pedigree.scores(), strict=True):
            sums[name] += weight * score
    if scored == 0:
        return None
    indicators = {name: value / scored for name, value in sums.items()}
    overall = sum(indicators.values()) / len(indicators)
    level = next((label for limit, label in _BANDS if overall <= limit), "poor")
    return QualityRating(indicators, overall, level, scored / total if total else 0.0)
