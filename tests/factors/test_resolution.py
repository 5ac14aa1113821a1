"""Resolving references against a pinned release: exact ids, region and year fallbacks."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from tanji.core.errors import UnitMismatch, UnknownReference
from tanji.factors import service
from tanji.factors.release_resolver import ReleaseResolver
from tanji.factors.resolve import FactorRef, region_chain
from tests.factors.builders import numbered, row


@pytest.fixture
def resolver(session: Session) -> ReleaseResolver:
    rows = numbered(
        row("elec-cn-2023", 0.6205, flow="electricity-footprint", unit="kWh", year="2023"),
        row("elec-cn-2024", 0.5777, flow="electricity-footprint", unit="kWh", year="2024"),
        row("co2-north-2022", 0.6776, flow="grid-co2", unit="kWh", geography="CN-NORTH", year="2022"),  # noqa: E501
        row("co2-sx-2022", 0.7096, flow="grid-co2", unit="kWh", geography="CN-SX", year="2022"),
        row("co2-cn-2023", 0.5306, flow="grid-co2", unit="kWh", year="2023"),
        row("coal-kg", 1.9, flow="raw-coal", unit="kg", year="2020"),
        row("coal-gj", 95.0, flow="raw-coal", unit="GJ", geography="GLO", year="2006",
            reliability="2", completeness="2", temporal="4", geographical="3",
            technological="2", uncertainty="lognormal gsd=1.05"),
    )  # fmt: skip
    service.import_factors(session, rows=rows, actor="cur", publish=True)
    release = service.create_release(session, name="res.1", actor="cur")
    return ReleaseResolver(session, release)


class TestRegionChain:
    def test_province_to_grid_to_country(self) -> None:
        assert region_chain("CN-SX") == ["CN-SX", "CN-NORTH", "CN", "GLO"]
        assert region_chain("CN-GD") == ["CN-GD", "CN-SOUTH", "CN", "GLO"]


class TestResolve:
    def test_exact_slug(self, resolver: ReleaseResolver) -> None:
        factor = resolver.resolve(FactorRef(slug="elec-cn-2023"))
        assert factor.gases[0].amount == 0.6205
        assert factor.release == "res.1" and factor.version == 1

    def test_province_falls_back_to_country_and_says_so(self, resolver) -> None:
        factor = resolver.resolve(
            FactorRef(flow="electricity-footprint", unit="kWh", geography="CN-SX", year=2024)
        )
        assert factor.id == "elec-cn-2024"
        assert "CN-SX → CN-NORTH → CN" in factor.resolution and "2024" in factor.resolution

    def test_a_province_factor_wins_when_it_exists(self, resolver) -> None:
        factor = resolver.resolve(
            FactorRef(flow="grid-co2", unit="kWh", geography="CN-SX", year=2023)
        )
        assert factor.id == "co2-sx-2022"
        assert "nearest year 2022 for 2023" in factor.resolution

    def test_grid_region_before_country(self, resolver) -> None:
        factor = resolver.resolve(FactorRef(flow="grid-co2", unit="MWh", geography="CN-BJ"))
        assert factor.id == "co2-north-2022"

    def test_nearest_year(self, resolver) -> None:
        factor = resolver.resolve(FactorRef(flow="electricity-footprint", unit="kWh", year=2030))
        assert factor.id == "elec-cn-2024"

    def test_unit_dimension_picks_the_variant(self, resolver) -> None:
        per_energy = resolver.resolve(FactorRef(flow="raw-coal", unit="MJ", geography="CN"))
        assert per_energy.id == "coal-gj"  # the only energy-based coal factor, though GLO
        assert "outside" not in per_energy.resolution
        assert per_energy.quality is not None and per_energy.uncertainty.gsd == 1.05
        per_mass = resolver.resolve(FactorRef(flow="raw-coal", unit="t", geography="CN"))
        assert per_mass.id == "coal-kg"

    def test_no_factor_in_the_right_dimension(self, resolver) -> None:
        with pytest.raises(UnitMismatch, match="raw-coal"):
            resolver.resolve(FactorRef(flow="raw-coal", unit="Nm3"), loc=("x",))

    def test_unknown(self, resolver) -> None:
        with pytest.raises(UnknownReference):
            resolver.resolve(FactorRef(slug="nope"))
        with pytest.raises(UnknownReference):
            resolver.resolve(FactorRef(flow="nope"))

    def test_many_at_once(self, resolver) -> None:
        refs = [(FactorRef(slug="coal-kg"), ()), (FactorRef(flow="grid-co2", unit="kWh"), ())] * 50
        factors = resolver.resolve_many(refs)
        assert [f.id for f in factors[:2]] == ["coal-kg", "co2-cn-2023"]
