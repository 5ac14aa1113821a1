"""Grading: absolute thresholds, ratio bands and percentiles, each worked by hand."""

from __future__ import annotations

import pytest

from tanji.core.results import calculate
from tanji.rules.grading import grade
from tanji.rules.schema import GradingScheme
from tests.factories import buy, factor, output, process, system


def result_of(kg_co2e: float, amount: float = 1.0, unit: str = "kg"):
    """A result of ``kg_co2e`` for ``amount`` ``unit`` of product."""
    source = factor("x", unit, CO2e=kg_co2e / amount)
    model = system([process("p", output("p", 1, unit), [buy("x", 1, unit, source)])],
                   amount=amount, unit=unit)  # fmt: skip
    return calculate(model)


def scheme(**fields) -> GradingScheme:
    base = {
        "id": "test",
        "version": "1",
        "names": {"zh": "测试", "en": "test"},
        "unit": {"amount": 1, "unit": "kg"},
        "source": {"document": "test source", "year": 2020},
    }
    return GradingScheme.model_validate({**base, **fields})


HYDROGEN = scheme(
    kind="absolute",
    thresholds=[
        {"max": 4.9, "grade": 1, "label": {"zh": "清洁氢", "en": "clean"}},
        {"max": 14.51, "grade": 2, "label": {"zh": "低碳氢", "en": "low-carbon"}},
    ],
    otherwise={"max": 1e99, "grade": 4, "label": {"zh": "高碳", "en": "above"}},
)


class TestAbsolute:
    @pytest.mark.parametrize(
        ("value", "expected"), [(3.0, 1), (4.9, 1), (4.91, 2), (14.51, 2), (20.0, 4)]
    )
    def test_hydrogen_thresholds(self, value: float, expected: int) -> None:
        assert grade(result_of(value), HYDROGEN).grade == expected

    def test_units_are_converted(self) -> None:
        # 9,000 kg CO2e per t = 9.0 per kg → low-carbon
        graded = grade(result_of(9000.0, unit="t"), HYDROGEN)
        assert graded.value == pytest.approx(9.0)
        assert graded.grade == 2 and graded.label == "low-carbon"
        assert "test source" in graded.source


RATIO = scheme(kind="ratio", benchmark=2.0, bands=[0.6, 0.8, 1.2, 2.0],
               labels=[{"zh": str(i), "en": f"g{i}"} for i in range(1, 6)])  # fmt: skip


class TestRatio:
    @pytest.mark.parametrize(
        # K = value / 2.0: ≤0.6 → 1, ≤0.8 → 2, ≤1.2 → 3, ≤2.0 → 4, else 5
        ("value", "expected"),
        [(1.0, 1), (1.2, 1), (1.5, 2), (2.4, 3), (3.9, 4), (4.1, 5)],
    )
    def test_bands(self, value: float, expected: int) -> None:
        graded = grade(result_of(value), RATIO)
        assert graded.grade == expected
        assert graded.label == f"g{expected}" and graded.benchmark == 2.0


PERCENTILE = scheme(kind="percentile", cut_points=[20, 40, 60, 80], minimum_sample=5)


class TestPercentile:
    def test_needs_a_sample(self) -> None:
        graded = grade(result_of(5.0), PERCENTILE, peers=[1.0, 2.0])
        assert graded.grade is None and "5" in graded.explanation

    def test_cut_points_from_published_footprints(self) -> None:
        peers = [float(v) for v in range(1, 11)]  # 20th pct 2.8, 40th 4.6, 60th 6.4, 80th 8.2
        assert grade(result_of(2.0), PERCENTILE, peers).grade == 1
        assert grade(result_of(5.0), PERCENTILE, peers).grade == 3
        assert grade(result_of(9.0), PERCENTILE, peers).grade == 5


class TestUnitsThatDoNotFit:
    def test_no_grade_and_a_reason(self) -> None:
        graded = grade(result_of(5.0, unit="kWh"), HYDROGEN)
        assert graded.grade is None and "kWh" in graded.explanation
