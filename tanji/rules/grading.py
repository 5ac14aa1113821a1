"""Grade a footprint 1 (best) to 5 by its category's scheme, always with the explanation.

Three kinds of scheme (``tanji/data/grading/``): absolute thresholds (hydrogen:
low-carbon ≤ 14.51, clean ≤ 4.9 kg CO2e/kg), bands on the ratio to a cited benchmark
(Zhejiang 碳效码: 0.6 / 0.8 / 1.2 / 2.0), and percentile cut-points computed from the
footprints published on the platform.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from tanji.core.errors import InvalidInput
from tanji.core.i18n import _
from tanji.core.results import Result
from tanji.core.units import conversion_factor
from tanji.rules.check import text
from tanji.rules.schema import GradingScheme


@dataclass(frozen=True)
class Grade:
    """The grade (None when it cannot be given yet) and why."""

    scheme: str
    version: str
    kind: str
    grade: int | None
    label: str
    value: float  # kg CO2e per the scheme's unit
    unit: str
    explanation: str
    source: str
    benchmark: float | None = None


def per_scheme_unit(result: Result, scheme: GradingScheme) -> float:
    """The footprint in kg CO2e per the scheme's unit (e.g. per 1 kg, per 1 t)."""
    per_unit = result.total / result.amount
    # kg CO2e per result unit × result units per scheme unit
    return per_unit * scheme.unit.amount * conversion_factor(scheme.unit.unit, result.unit)


def _source(scheme: GradingScheme) -> str:
    parts = (scheme.source.document, scheme.source.table, str(scheme.source.year or ""))
    return "; ".join(part for part in parts if part)


def grade(result: Result, scheme: GradingScheme, peers: Sequence[float] = ()) -> Grade:
    """Grade ``result``; ``peers`` are published footprints (per scheme unit) for percentiles."""
    unit = f"{scheme.unit.amount:g} {scheme.unit.unit}"
    try:
        value = per_scheme_unit(result, scheme)
    except InvalidInput:
        # the study's unit does not fit the scheme: the rule check reports it (code 'unit')
        return Grade(
            scheme=scheme.id,
            version=scheme.version,
            kind=scheme.kind,
            grade=None,
            label="",
            value=float("nan"),
            unit=unit,
            explanation=_(
                "Not graded: the study's unit {found} does not convert to {unit}."
            ).format(found=result.unit, unit=unit),
            source=_source(scheme),
        )
    common = {
        "scheme": scheme.id,
        "version": scheme.version,
        "kind": scheme.kind,
        "value": value,
        "unit": unit,
        "source": _source(scheme),
    }
    if scheme.kind == "absolute":
        for threshold in sorted(scheme.thresholds, key=lambda t: t.max):
            if value <= threshold.max:
                return Grade(
                    grade=threshold.grade,
                    label=text(threshold.label),
                    explanation=_(
                        "{value:.4g} kg CO2e per {unit} is at most the threshold {limit:g}."
                    ).format(value=value, unit=unit, limit=threshold.max),
                    **common,
                )
        otherwise = scheme.otherwise
        return Grade(
            grade=otherwise.grade if otherwise else 5,
            label=text(otherwise.label) if otherwise else "",
            explanation=_("{value:.4g} kg CO2e per {unit} is above every threshold.").format(
                value=value, unit=unit
            ),
            **common,
        )
    if scheme.kind == "ratio":
        benchmark = float(scheme.benchmark or 0.0)
        ratio = value / benchmark
        level = 1 + sum(ratio > band for band in scheme.bands)
        return Grade(
            grade=level,
            label=_label(scheme, level),
            explanation=_(
                "K = {value:.4g} / {benchmark:.4g} = {ratio:.2f} against the benchmark; "
                "bands {bands}."
            ).format(
                value=value,
                benchmark=benchmark,
                ratio=ratio,
                bands=" / ".join(f"{band:g}" for band in scheme.bands),
            ),
            benchmark=benchmark,
            **common,
        )
    sample = [float(v) for v in peers]
    if len(sample) < scheme.minimum_sample:
        return Grade(
            grade=None,
            label="",
            explanation=_(
                "Graded against published footprints of the category once there are at least "
                "{minimum} (now {count})."
            ).format(minimum=scheme.minimum_sample, count=len(sample)),
            **common,
        )
    cuts = np.percentile(sample, scheme.cut_points)
    level = 1 + int(sum(value > cut for cut in cuts))
    return Grade(
        grade=level,
        label=_label(scheme, level),
        explanation=_(
            "Cut-points {cuts} kg CO2e per {unit} from {count} published footprints."
        ).format(cuts=" / ".join(f"{c:.4g}" for c in cuts), unit=unit, count=len(sample)),
        **common,
    )


def _label(scheme: GradingScheme, level: int) -> str:
    if 1 <= level <= len(scheme.labels):
        return text(scheme.labels[level - 1])
    return _("grade {grade}").format(grade=level)
