"""GWP100 tables: the values the standard names and the switches between sets."""

from __future__ import annotations

import pytest

from tanji.core.errors import UnknownReference
from tanji.core.gwp import gwp_table
from tanji.core.model import Origin


class TestValues:
    @pytest.mark.parametrize(
        ("gas", "origin", "ar6", "ar5", "ar4"),
        [
            ("CO2", Origin.FOSSIL, 1, 1, 1),
            ("CH4", Origin.FOSSIL, 29.8, 30, 25),  # AR6 WG1 Table 7.15
            ("CH4", Origin.BIOGENIC, 27.0, 28, 25),
            ("N2O", Origin.FOSSIL, 273, 265, 298),
            ("SF6", Origin.FOSSIL, 25200, 23500, 22800),
            ("CF4", Origin.FOSSIL, 7380, 6630, 7390),
            ("C2F6", Origin.FOSSIL, 12400, 11100, 12200),
            ("NF3", Origin.FOSSIL, 17400, 16100, 17200),
            ("HFC-134a", Origin.FOSSIL, 1530, 1300, 1430),
        ],
    )
    def test_published_values(self, gas, origin, ar6, ar5, ar4) -> None:
        assert gwp_table("AR6").factor(gas, origin) == pytest.approx(ar6)
        assert gwp_table("AR5").factor(gas, origin) == pytest.approx(ar5)
        assert gwp_table("AR4").factor(gas, origin) == pytest.approx(ar4)

    def test_characterised_amounts_count_once(self) -> None:
        assert gwp_table("AR4").factor("CO2e") == 1.0

    def test_gas_names_are_normalised(self) -> None:
        assert gwp_table().factor("co₂") == 1.0


class TestErrors:
    def test_unknown_set(self) -> None:
        with pytest.raises(UnknownReference, match="AR3"):
            gwp_table("AR3")

    def test_unknown_gas(self) -> None:
        with pytest.raises(UnknownReference, match="XYZ"):
            gwp_table().factor("XYZ")
