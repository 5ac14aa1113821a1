"""Units: the LCA definitions, their sources, and clear errors on mismatches."""

from __future__ import annotations

import pytest

from tanji.core.errors import InvalidInput, UnitMismatch
from tanji.core.units import conversion_factor, dimension_name


class TestDefinitions:
    @pytest.mark.parametrize(
        ("source", "target", "expected"),
        [
            ("t", "kg", 1000),
            ("MWh", "kWh", 1000),
            ("kWh", "MJ", 3.6),
            ("tce", "GJ", 29.3076),  # GB/T 2589-2020: 1 kgce = 29 307.6 kJ
            ("toe", "GJ", 41.868),  # IEA: 1 toe = 10^7 kcal(IT)
            ("万kWh", "kWh", 1e4),
            ("亿Nm3", "万Nm3", 1e4),
            ("t·km", "kg*km", 1000),
            ("t*km", "tkm", 1),
            ("Nm³", "Nm3", 1),
            ("m²", "m2", 1),
            ("kWp", "Wp", 1000),
            ("元", "CNY", 1),
        ],
    )
    def test_conversions(self, source: str, target: str, expected: float) -> None:
        assert conversion_factor(source, target) == pytest.approx(expected, rel=1e-12)


class TestErrors:
    def test_dimension_mismatch_names_units_dimensions_and_location(self) -> None:
        with pytest.raises(UnitMismatch) as caught:
            conversion_factor("kWh", "kg", loc=("processes", 0, "inputs", 2, "unit"))
        error = caught.value
        assert "kWh" in error.message and "kg" in error.message
        assert "energy" in error.message and "mass" in error.message
        assert str(error).startswith("processes[0].inputs[2].unit: ")

    def test_normal_volume_is_not_volume(self) -> None:
        with pytest.raises(UnitMismatch, match="normal volume"):
            conversion_factor("m3", "Nm3")

    def test_currencies_do_not_mix(self) -> None:
        with pytest.raises(UnitMismatch):
            conversion_factor("CNY", "USD")

    @pytest.mark.parametrize("text", ["kgg", "", "3 +", "kWh/"])
    def test_unknown_unit(self, text: str) -> None:
        with pytest.raises(InvalidInput):
            conversion_factor(text, "kg")

    def test_dimension_names(self) -> None:
        assert dimension_name("t*km") == "freight transport"
        assert dimension_name("pcs") == "pieces"


def test_unit_means_a_piece_not_a_micro_nit() -> None:
    from tanji.core.units import conversion_factor

    assert conversion_factor("unit", "piece") == 1
    assert conversion_factor("units", "pcs") == 1
