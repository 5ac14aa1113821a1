"""Invariants of the engine, as hypothesis properties over random product systems."""

from __future__ import annotations

import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tanji.core.allocation import shares
from tanji.core.model import Allocation, Origin, Stage
from tanji.core.results import calculate
from tanji.core.units import conversion_factor
from tests.factories import buy, emit, factor, output, process, system

STAGES = list(Stage)
FACTORS = [
    factor("grid", "kWh", CO2e=0.58),
    factor("coal", "kg", CO2=1.9, CH4=0.002, N2O=0.00003),
    factor("truck", "t*km", CO2e=0.07),
    factor("wood", "kg", Origin.BIOGENIC, CO2=1.6, CH4=0.0004),
]
UNITS = {"kWh": ["kWh", "MWh", "MJ", "GJ"], "kg": ["kg", "t", "g"], "t*km": ["t*km", "kg*km"]}

amounts = st.floats(min_value=0.0, max_value=1e4, allow_nan=False, allow_infinity=False)


@st.composite
def product_systems(draw):
    """2–8 processes, links anywhere (loops included) with a total draw below one."""
    count = draw(st.integers(2, 8))
    ids = [f"p{i}" for i in range(count)]
    processes = []
    for i, pid in enumerate(ids):
        inputs = []
        for j, other in enumerate(ids):
            if j == i or not draw(st.booleans()):
                continue
            inputs.append(buy(f"from-{other}", draw(st.floats(0.0, 0.9 / count)), "t", other))
        for k, item in enumerate(FACTORS):
            if draw(st.booleans()):
                unit = draw(st.sampled_from(UNITS[item.unit]))
                inputs.append(buy(f"f{k}", draw(amounts), unit, item))
        emissions = [emit("CO2", draw(amounts))] if draw(st.booleans()) else []
        processes.append(
            process(pid, inputs=inputs, emissions=emissions, stage=draw(st.sampled_from(STAGES)))
        )
    return system(processes, amount=draw(st.floats(0.1, 100)))


FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


class TestLinearity:
    @FAST
    @given(product_systems(), st.floats(0.01, 1000))
    def test_scaling_the_demand_scales_the_result(self, model, factor_k) -> None:
        base = calculate(model)
        scaled = calculate(system(list(model.processes), amount=model.amount * factor_k))
        # round-off is relative to the size of the gross flows, not of a figure near zero
        scale = 1e-9 * factor_k * max(1.0, sum(abs(c.value) for c in base.by_input))
        assert scaled.total == pytest.approx(base.total * factor_k, rel=1e-9, abs=scale)
        assert scaled.separated.fossil == pytest.approx(
            base.separated.fossil * factor_k, rel=1e-9, abs=scale
        )


class TestContributions:
    @FAST
    @given(product_systems())
    def test_every_breakdown_sums_to_the_total(self, model) -> None:
        result = calculate(model)
        tolerance = dict(rel=1e-9, abs=1e-9)
        for breakdown in (result.by_process, result.by_input, result.by_stage, result.by_gas):
            assert sum(item.value for item in breakdown) == pytest.approx(result.total, **tolerance)
        sep = result.separated
        assert sep.fossil + sep.biogenic + sep.removals + sep.dluc == pytest.approx(
            result.total, **tolerance
        )
        if result.total:
            assert sum(item.share for item in result.by_input) == pytest.approx(1.0, rel=1e-9)

    @FAST
    @given(product_systems())
    def test_tree_root_is_the_total(self, model) -> None:
        result = calculate(model)
        assert result.tree.footprint == pytest.approx(result.total, rel=1e-9, abs=1e-9)


positive = st.floats(min_value=0.001, max_value=1e6, allow_nan=False)


class TestAllocationShares:
    @FAST
    @given(
        st.lists(st.tuples(positive, positive, positive), min_size=2, max_size=6),
        st.sampled_from([Allocation.MASS, Allocation.ENERGY, Allocation.ECONOMIC]),
    )
    def test_shares_sum_to_one(self, outputs, method) -> None:
        made = [
            output(f"o{i}", amount, "kg", energy=f"{energy} MJ/kg", price=f"{price} CNY/kg")
            for i, (amount, energy, price) in enumerate(outputs)
        ]
        split = shares(process("p", made, allocation=method))
        assert math.fsum(split) == pytest.approx(1.0, rel=1e-12)
        assert all(0 <= share <= 1 for share in split)


class TestUnitRoundTrips:
    @given(
        st.sampled_from(
            [
                ("kg", "t"),
                ("kWh", "MJ"),
                ("MWh", "GJ"),
                ("tce", "GJ"),
                ("toe", "kWh"),
                ("t*km", "kg*km"),
                ("Nm3", "万Nm3"),
                ("m2", "cm2"),
                ("L", "m3"),
                ("piece", "pcs"),
            ]
        ),
        st.floats(min_value=1e-6, max_value=1e9),
    )
    def test_there_and_back(self, pair, amount) -> None:
        source, target = pair
        there = amount * conversion_factor(source, target)
        back = there * conversion_factor(target, source)
        assert back == pytest.approx(amount, rel=1e-12)
