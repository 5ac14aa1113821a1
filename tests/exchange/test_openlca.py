"""openLCA JSON-LD import: a small package, aggregated by hand and by Tanji's engine.

The package has four processes. Electricity (per kWh; the energy group's reference unit is
MJ) uses 0.36 MJ = 0.1 kWh of itself (a loop) and emits 0.8 kg fossil CO2, 2 g fossil CH4
and some SO2 (not a greenhouse gas). Steel (per t; reference kg) uses 500 kWh and emits
1800 kg CO2 and 0.05 kg N2O. Wood chips (per kg) take 1.5 kg CO2 from air and emit 1 g
non-fossil CH4. A widget (per item) uses 2 kg steel, 3.6 MJ electricity and 0.2 kg wood
chips, and emits 0.1 kg biogenic CO2.
"""

from __future__ import annotations

import uuid
import zipfile
from pathlib import Path

import olca_schema as olca
import pytest
import typer
from olca_schema import zipio
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from tanji.cli import openlca as openlca_cli
from tanji.core.errors import InvalidInput
from tanji.core.gwp import gwp_table
from tanji.core.model import Emission, Input, Origin, Output, Process, ProductSystem
from tanji.core.results import calculate
from tanji.core.units import parse_unit
from tanji.core.version import ENGINE_VERSION
from tanji.exchange.openlca import (
    UNIT_NAMES,
    aggregate,
    greenhouse_gas,
    import_openlca,
    read_package,
)
from tanji.exchange.openlca.gases import GAS_BY_CAS, GAS_BY_CODE, GAS_BY_NAME
from tanji.factors import service
from tanji.factors.rows import parse_composition, parse_row
from tanji.settings import Settings

# Hand-worked inventories, kg of gas per declared unit.
# Electricity: 1 kWh out, 0.1 kWh back in, so 1/0.9 runs deliver one kWh.
E_CO2 = 0.8 / 0.9
E_CH4 = 0.002 / 0.9
# Steel, per t: its own emissions plus 500 kWh of electricity.
S_CO2 = 1800 + 500 * E_CO2
S_CH4 = 500 * E_CH4
S_N2O = 0.05
# Wood chips, per kg: biogenic only, so the row keeps the removal as negative CO2.
W_CO2 = -1.5
W_CH4 = 0.001
# Widget, per item: 2 kg = 0.002 t steel, 1 kWh electricity, 0.2 kg wood chips. Its origins
# are mixed, so the row is fossil: biogenic CO2 (0.1 kg emitted, 0.2 × 1.5 = 0.3 kg removed)
# is left out and the wood's non-fossil CH4 is counted as CH4.
X_CO2 = 0.002 * S_CO2 + E_CO2
X_CH4 = 0.002 * S_CH4 + E_CH4 + 0.2 * W_CH4
X_N2O = 0.002 * S_N2O

EXPECTED = {
    "Electricity production": ("kWh", "fossil", {"CO2": E_CO2, "CH4": E_CH4}),
    "Steel production": ("t", "fossil", {"CO2": S_CO2, "CH4": S_CH4, "N2O": S_N2O}),
    "Wood chips, from forest": ("kg", "biogenic", {"CO2": W_CO2, "CH4": W_CH4}),
    "Widget assembly": ("item", "fossil", {"CO2": X_CO2, "CH4": X_CH4, "N2O": X_N2O}),
}


def _id(*parts: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "tanji-test/" + "/".join(parts)))


def _unit(name: str, factor: float, reference: bool = False) -> olca.Unit:
    return olca.Unit(
        id=_id("unit", name), name=name, conversion_factor=factor, is_ref_unit=reference
    )


def _flow(
    name: str, prop: olca.FlowProperty, kind: olca.FlowType, category: str = "", cas: str = ""
) -> olca.Flow:
    return olca.Flow(
        id=_id("flow", name),
        name=name,
        flow_type=kind,
        category=category or None,
        cas=cas or None,
        flow_properties=[
            olca.FlowPropertyFactor(
                flow_property=prop.to_ref(), conversion_factor=1.0, is_ref_flow_property=True
            )
        ],
    )


class Package:
    """The test package as olca_schema objects; a test may change them before writing."""

    def __init__(self) -> None:
        self.units = {u.name: u for u in (
            _unit("kg", 1.0, True), _unit("t", 1000.0), _unit("g", 0.001),
            _unit("MJ", 1.0, True), _unit("kWh", 3.6), _unit("Item(s)", 1.0, True),
        )}  # fmt: skip
        u = self.units
        mass_units = olca.UnitGroup(id=_id("ug", "mass"), name="Units of mass",
                                    units=[u["kg"], u["t"], u["g"]])  # fmt: skip
        energy_units = olca.UnitGroup(id=_id("ug", "energy"), name="Units of energy",
                                      units=[u["MJ"], u["kWh"]])  # fmt: skip
        item_units = olca.UnitGroup(id=_id("ug", "items"), name="Units of items",
                                    units=[u["Item(s)"]])  # fmt: skip
        self.groups = [mass_units, energy_units, item_units]
        mass = olca.FlowProperty(id=_id("fp", "mass"), name="Mass", unit_group=mass_units.to_ref())
        energy = olca.FlowProperty(
            id=_id("fp", "energy"), name="Energy", unit_group=energy_units.to_ref()
        )
        items = olca.FlowProperty(
            id=_id("fp", "items"), name="Number of items", unit_group=item_units.to_ref()
        )
        self.properties = [mass, energy, items]
        product, elementary = olca.FlowType.PRODUCT_FLOW, olca.FlowType.ELEMENTARY_FLOW
        air = "Elementary flows/Emission to air/unspecified"
        self.flows = {
            "electricity": _flow("Electricity, medium voltage", energy, product),
            "steel": _flow("Steel, low-alloyed", mass, product),
            "wood": _flow("Wood chips", mass, product),
            "widget": _flow("Widget", items, product),
            "paint": _flow("Paint", mass, product),
            "co2": _flow("Carbon dioxide, fossil", mass, elementary, air, "124-38-9"),
            "ch4": _flow("Methane, fossil", mass, elementary, air, "000074-82-8"),
            "n2o": _flow("Dinitrogen monoxide", mass, elementary, air, "10024-97-2"),
            "co2-bio": _flow("Carbon dioxide, non-fossil", mass, elementary, air, "124-38-9"),
            "ch4-bio": _flow("Methane, non-fossil", mass, elementary, air, "74-82-8"),
            "co2-air": _flow(
                "Carbon dioxide, in air",
                mass,
                elementary,
                "Elementary flows/Resource/in air",
                "124-38-9",
            ),
            "so2": _flow("Sulfur dioxide", mass, elementary, air, "7446-09-5"),
        }
        self.locations = [
            olca.Location(id=_id("loc", "CN"), name="China", code="CN"),
            olca.Location(id=_id("loc", "RER"), name="Europe", code="RER"),
        ]
        self.electricity = self.process(
            "Electricity production",
            "D:Electricity, gas, steam and air conditioning supply/"
            "3510:Electric power generation, transmission and distribution",
        )
        self.steel = self.process(
            "Steel production", "C:Manufacturing/24:Manufacture of basic metals"
        )
        self.wood = self.process(
            "Wood chips, from forest", "A:Agriculture, forestry and fishing/02:Forestry and logging"
        )
        self.widget = self.process("Widget assembly", "")
        self.extra: list[olca.Process] = []
        e, s, w, x = self.electricity, self.steel, self.wood, self.widget
        e.location = self.locations[0].to_ref()
        e.process_documentation = olca.ProcessDocumentation(
            valid_from="2020-01-01",
            valid_until="2022-12-31",
            restrictions_description="CC BY 4.0",
            technology_description="Average grid mix",
        )
        s.location = self.locations[1].to_ref()
        self.output(e, "electricity", 1, "kWh", reference=True)
        self.input(e, "electricity", 0.36, "MJ", provider=e)
        self.output(e, "co2", 0.8, "kg")
        self.output(e, "ch4", 2, "g")
        self.output(e, "so2", 0.001, "kg")
        self.output(s, "steel", 1, "t", reference=True)
        self.input(s, "electricity", 500, "kWh", provider=e)
        self.output(s, "co2", 1800, "kg")
        self.output(s, "n2o", 0.05, "kg")
        self.output(w, "wood", 1, "kg", reference=True)
        self.input(w, "co2-air", 1.5, "kg")
        self.output(w, "ch4-bio", 0.001, "kg")
        self.output(x, "widget", 1, "Item(s)", reference=True)
        self.input(x, "steel", 2, "kg")  # no default provider: the only steel maker is linked
        self.input(x, "electricity", 3.6, "MJ", provider=e)
        self.input(x, "wood", 0.2, "kg", provider=w)
        self.output(x, "co2-bio", 0.1, "kg")

    @property
    def processes(self) -> list[olca.Process]:
        return [self.electricity, self.steel, self.wood, self.widget, *self.extra]

    def process(self, name: str, category: str) -> olca.Process:
        return olca.Process(
            id=_id("process", name),
            name=name,
            category=category or None,
            process_type=olca.ProcessType.UNIT_PROCESS,
            exchanges=[],
        )

    def _exchange(
        self, process: olca.Process, flow: str, amount: float, unit: str, is_input: bool
    ) -> olca.Exchange:
        exchange = olca.Exchange(
            internal_id=len(process.exchanges) + 1,
            flow=self.flows[flow].to_ref(),
            amount=amount,
            unit=self.units[unit].to_ref(),
            is_input=is_input,
        )
        process.exchanges.append(exchange)
        return exchange

    def output(
        self, process: olca.Process, flow: str, amount: float, unit: str, *, reference=False
    ) -> olca.Exchange:
        exchange = self._exchange(process, flow, amount, unit, is_input=False)
        exchange.is_quantitative_reference = reference or None
        return exchange

    def input(
        self,
        process: olca.Process,
        flow: str,
        amount: float,
        unit: str,
        *,
        provider: olca.Process | None = None,
    ) -> olca.Exchange:
        exchange = self._exchange(process, flow, amount, unit, is_input=True)
        if provider is not None:
            exchange.default_provider = provider.to_ref()
        return exchange

    def write(self, path: Path) -> Path:
        with zipio.ZipWriter(path) as writer:
            for entity in (
                *self.groups, *self.properties, *self.flows.values(), *self.locations,
                *self.processes,
            ):  # fmt: skip
                writer.write(entity)
        return path


@pytest.fixture
def package() -> Package:
    return Package()


@pytest.fixture
def zipped(package: Package, tmp_path: Path) -> Path:
    return package.write(tmp_path / "demo.zip")


def by_name(rows: list[dict]) -> dict[str, dict]:
    return {row["name_en"]: row for row in rows}


def gases(row: dict) -> dict[str, float]:
    return dict(parse_composition(row["composition"]))


def error_of(path: Path) -> InvalidInput:
    with pytest.raises(InvalidInput) as caught:
        aggregate(read_package(path))
    return caught.value


class TestReadPackage:
    def test_amounts_are_in_the_flows_reference_units(self, zipped: Path) -> None:
        package = read_package(zipped)
        assert len(package.processes) == 4 and len(package.flows) == 12
        electricity = _id("process", "Electricity production")
        amounts = [line.amount for line in package.lines[electricity]]
        assert amounts == pytest.approx([3.6, 0.36, 0.8, 0.002, 0.001])  # MJ, MJ, kg, kg, kg
        assert package.references[_id("process", "Steel production")].amount == 1000  # kg

    def test_an_unzipped_folder_reads_the_same(self, zipped: Path, tmp_path: Path) -> None:
        folder = tmp_path / "unzipped"
        with zipfile.ZipFile(zipped) as archive:
            archive.extractall(folder)
        assert aggregate(read_package(folder)) == [
            {**row, "document": row["document"].replace("demo.zip", "unzipped"),
             "notes": row["notes"].replace("demo.zip", "unzipped")}
            for row in aggregate(read_package(zipped))
        ]  # fmt: skip

    def test_a_missing_file(self, tmp_path: Path) -> None:
        with pytest.raises(InvalidInput, match="No openLCA package at"):
            read_package(tmp_path / "nothing.zip")

    def test_a_file_that_is_not_a_zip(self, tmp_path: Path) -> None:
        path = tmp_path / "broken.zip"
        path.write_bytes(b"PK\x03\x04 this is not really a zip archive")
        with pytest.raises(InvalidInput, match="is not a zip archive") as caught:
            read_package(path)
        assert caught.value.source == "broken.zip"

    def test_a_damaged_member_is_named(self, zipped: Path, tmp_path: Path) -> None:
        data = bytearray(zipped.read_bytes())
        with zipfile.ZipFile(zipped) as archive:
            info = archive.getinfo(f"processes/{_id('process', 'Steel production')}.json")
        start = info.header_offset + 30 + len(info.filename)  # local header, then the data
        data[start : start + 40] = bytes(40)
        damaged = tmp_path / "damaged.zip"
        damaged.write_bytes(bytes(data))
        with pytest.raises(InvalidInput, match="Cannot read") as caught:
            read_package(damaged)
        assert caught.value.loc == ("processes", _id("process", "Steel production"))

    def test_a_zip_that_is_not_json_ld(self, tmp_path: Path) -> None:
        path = tmp_path / "other.zip"
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("readme.txt", "hello")
        with pytest.raises(InvalidInput, match="holds no openLCA processes"):
            read_package(path)

    def test_a_process_without_quantitative_reference(self, package, tmp_path) -> None:
        package.steel.exchanges[0].is_quantitative_reference = None
        with pytest.raises(InvalidInput, match="'Steel production' has no quantitative") as caught:
            read_package(package.write(tmp_path / "p.zip"))
        assert caught.value.loc == ("processes", package.steel.id, "exchanges")

    def test_an_unknown_unit(self, package: Package, tmp_path: Path) -> None:
        package.steel.exchanges[1].unit = olca.Ref(id=_id("unit", "GWd"), name="GWd")
        with pytest.raises(InvalidInput, match="Unknown unit 'GWd'") as caught:
            read_package(package.write(tmp_path / "p.zip"))
        assert "'Steel production'" in caught.value.message
        assert caught.value.loc == ("processes", package.steel.id, "exchanges", 1, "unit")

    def test_an_unknown_flow(self, package: Package, tmp_path: Path) -> None:
        package.steel.exchanges[1].flow = olca.Ref(id=_id("flow", "gone"), name="Coke")
        with pytest.raises(InvalidInput, match="uses the flow 'Coke', which is not in the"):
            read_package(package.write(tmp_path / "p.zip"))


class TestGreenhouseGas:
    AIR = "Elementary flows/Emission to air/high population density"

    @pytest.mark.parametrize(
        ("name", "cas", "is_input", "expected"),
        [
            ("Carbon dioxide, fossil", "124-38-9", False, ("CO2", Origin.FOSSIL, False)),
            ("Carbon dioxide, non-fossil", "", False, ("CO2", Origin.BIOGENIC, False)),
            ("carbon dioxide (biogenic)", "", False, ("CO2", Origin.BIOGENIC, False)),
            ("Carbon dioxide, from soil or biomass stock", "", False, ("CO2", Origin.DLUC, False)),
            ("carbon dioxide (land use change)", "", False, ("CO2", Origin.DLUC, False)),
            ("Carbon dioxide, in air", "124-38-9", True, ("CO2", Origin.BIOGENIC, True)),
            ("Carbon dioxide, in air", "124-38-9", False, None),
            ("Carbon dioxide, to soil or biomass stock", "", False, None),
            ("Methane, fossil", "000074-82-8", False, ("CH4", Origin.FOSSIL, False)),
            ("Methane, non-fossil", "", False, ("CH4", Origin.BIOGENIC, False)),
            ("Methane, bromo-, Halon 1001", "74-83-9", False, None),
            ("Methane, tetrafluoro-, R-14", "", False, ("CF4", Origin.FOSSIL, False)),
            ("Ethane, 1,1,1,2-tetrafluoro-, HFC-134a", "", False, ("HFC-134a", Origin.FOSSIL,
                                                                  False)),
            ("Sulfur hexafluoride", "", False, ("SF6", Origin.FOSSIL, False)),
            ("Nitrogen fluoride", "7783-54-2", False, ("NF3", Origin.FOSSIL, False)),
            ("Sulfur dioxide", "7446-09-5", False, None),
        ],
    )  # fmt: skip
    def test_gases_to_air(self, name: str, cas: str, is_input: bool, expected) -> None:
        flow = olca.Flow(
            name=name, cas=cas or None, category=self.AIR,
            flow_type=olca.FlowType.ELEMENTARY_FLOW,
        )  # fmt: skip
        match = greenhouse_gas(flow, is_input=is_input)
        found = None if match is None else (match.gas, match.origin, match.removal)
        assert found == expected

    def test_emissions_to_water_are_not_counted(self) -> None:
        flow = olca.Flow(
            name="Methane, fossil", cas="74-82-8", category="Elementary flows/Emission to water",
            flow_type=olca.FlowType.ELEMENTARY_FLOW,
        )  # fmt: skip
        assert greenhouse_gas(flow, is_input=False) is None

    def test_every_mapped_gas_has_a_gwp(self) -> None:
        table = gwp_table("AR6")
        for gas in {*GAS_BY_CAS.values(), *GAS_BY_NAME.values(), *GAS_BY_CODE.values()}:
            assert table.knows(gas), gas

    def test_every_unit_name_reads_in_tanji(self) -> None:
        for label in UNIT_NAMES.values():
            parse_unit(label)


def tanji_system(reference: str) -> ProductSystem:
    """The same four processes written directly for Tanji, in the exchanges' own units."""
    processes = (
        Process(
            id="electricity",
            outputs=(Output("electricity", 1, "kWh"),),
            inputs=(Input("own use", 0.36, "MJ", "electricity"),),
            emissions=(Emission("CO2", 0.8), Emission("CH4", 2, "g"), ),
        ),
        Process(
            id="steel",
            outputs=(Output("steel", 1, "t"),),
            inputs=(Input("electricity", 500, "kWh", "electricity"),),
            emissions=(Emission("CO2", 1800), Emission("N2O", 0.05)),
        ),
        Process(
            id="wood",
            outputs=(Output("wood", 1, "kg"),),
            emissions=(
                Emission("CO2", 1.5, removal=True),
                Emission("CH4", 0.001, origin=Origin.BIOGENIC),
            ),
        ),
        Process(
            id="widget",
            outputs=(Output("widget", 1, "item"),),
            inputs=(
                Input("steel", 2, "kg", "steel"),
                Input("electricity", 3.6, "MJ", "electricity"),
                Input("wood", 0.2, "kg", "wood"),
            ),
            emissions=(Emission("CO2", 0.1, origin=Origin.BIOGENIC),),
        ),
    )  # fmt: skip
    unit = next(p.outputs[0].unit for p in processes if p.id == reference)
    return ProductSystem(processes=processes, reference_product=reference, amount=1, unit=unit)


class TestAggregate:
    def test_every_factor_matches_the_hand_worked_inventory(self, zipped: Path) -> None:
        rows = by_name(aggregate(read_package(zipped)))
        assert set(rows) == set(EXPECTED)
        for name, (unit, origin, inventory) in EXPECTED.items():
            row = rows[name]
            assert (row["unit"], row["origin"]) == (unit, origin), name
            found = gases(row)
            assert set(found) == set(inventory), name
            for gas, amount in inventory.items():
                assert found[gas] == pytest.approx(amount, rel=1e-9), (name, gas)

    def test_every_factor_matches_calculate_on_the_equivalent_system(self, zipped: Path) -> None:
        rows = by_name(aggregate(read_package(zipped)))
        pairs = {
            "electricity": "Electricity production",
            "steel": "Steel production",
            "wood": "Wood chips, from forest",
        }
        for product, name in pairs.items():
            result = calculate(tanji_system(product))
            stored = parse_row(rows[name], 1)
            assert stored.co2e == pytest.approx(result.total, rel=1e-9), name
            for gas, amount in gases(rows[name]).items():
                assert result.gas_mass[gas] == pytest.approx(amount, rel=1e-9), (name, gas)
        widget = calculate(tanji_system("widget"))
        stored = parse_row(rows["Widget assembly"], 1)
        # Biogenic CO2 is left out, and the wood's non-fossil CH4 is weighted as fossil CH4.
        recharacterised = 0.2 * W_CH4 * (29.8 - 27.0)
        assert stored.co2e == pytest.approx(
            widget.separated.excluding_biogenic + recharacterised, rel=1e-9
        )
        assert widget.gas_mass["CO2"] == pytest.approx(X_CO2 + 0.1 - 0.3, rel=1e-9)

    def test_rows_describe_source_place_time_and_aggregation(self, zipped: Path) -> None:
        rows = by_name(aggregate(read_package(zipped)))
        electricity, steel = rows["Electricity production"], rows["Steel production"]
        widget, wood = rows["Widget assembly"], rows["Wood chips, from forest"]
        pid = _id("process", "Electricity production")
        assert electricity["slug"].startswith("electricity-production-")
        assert len({row["slug"] for row in rows.values()}) == 4
        assert electricity["flow"] == "electricity-medium-voltage"
        document = f"openLCA JSON-LD: demo.zip, process Electricity production ({pid})"
        assert electricity["document"] == document
        assert (electricity["category"], steel["category"]) == ("electricity", "metals")
        assert (wood["category"], widget["category"]) == ("raw-materials", "products")
        assert (electricity["geography"], steel["geography"]) == ("CN", "GLO")
        assert "'RER' is not an ISO 3166 code" in steel["notes"]
        assert (electricity["year"], electricity["valid_from"], electricity["valid_to"]) == (
            2020, "2020-01-01", "2022-12-31",
        )  # fmt: skip
        assert (electricity["license"], electricity["technology"]) == (
            "CC BY 4.0",
            "Average grid mix",
        )
        assert steel["year"] == "" and steel["license"] == ""
        assert all(row["boundary"] == "cradle-to-gate" for row in rows.values())
        assert f"Tanji engine {ENGINE_VERSION}" in electricity["notes"]
        assert "from 1 unit process(es)" in electricity["notes"]
        assert "from 4 unit process(es)" in widget["notes"]
        assert "1 elementary flow(s)" in widget["notes"] and "Sulfur dioxide" in widget["notes"]
        assert "left out" not in wood["notes"]
        assert "0.1 kg emitted and 0.3 kg removed per item" in widget["notes"]
        for row in rows.values():
            parse_row(row, 1)  # every row is a valid template row

    def test_selected_processes_only(self, zipped: Path) -> None:
        package = read_package(zipped)
        rows = aggregate(package, process_ids=[_id("process", "Steel production")])
        assert [row["name_en"] for row in rows] == ["Steel production"]
        assert gases(rows[0])["CO2"] == pytest.approx(S_CO2, rel=1e-9)
        with pytest.raises(InvalidInput, match="No process 'nope'"):
            aggregate(package, process_ids=["nope"])

    def test_a_missing_provider_names_the_exchange(self, package, tmp_path) -> None:
        package.input(package.widget, "paint", 0.05, "kg")
        error = error_of(package.write(tmp_path / "p.zip"))
        assert "No process in the package provides 'Paint'" in error.message
        assert "'Widget assembly'" in error.message
        assert error.loc == ("processes", package.widget.id, "exchanges", 5, "defaultProvider")
        assert error.source == "p.zip"

    def test_a_default_provider_outside_the_package(self, package, tmp_path) -> None:
        package.widget.exchanges[1].default_provider = olca.Ref(id=_id("x"), name="Steelworks")
        error = error_of(package.write(tmp_path / "p.zip"))
        assert "'Steelworks' of 'Steel, low-alloyed'" in error.message
        assert "is not in the package" in error.message

    def test_an_amount_in_another_quantity_uses_the_flow_property_factor(
        self, package, tmp_path
    ) -> None:
        energy = package.properties[1]
        package.flows["wood"].flow_properties.append(
            olca.FlowPropertyFactor(flow_property=energy.to_ref(), conversion_factor=18.0)
        )  # 18 MJ per kg of wood chips
        wood_input = package.widget.exchanges[3]
        wood_input.amount, wood_input.unit = 3.6, package.units["MJ"].to_ref()  # = 0.2 kg
        wood_input.flow_property = energy.to_ref()
        rows = by_name(aggregate(read_package(package.write(tmp_path / "p.zip"))))
        assert gases(rows["Widget assembly"])["CH4"] == pytest.approx(X_CH4, rel=1e-9)

    def test_an_avoided_product_is_a_credit(self, package, tmp_path) -> None:
        avoided = package.output(package.widget, "steel", 0.5, "kg")
        avoided.is_avoided_product = True
        rows = by_name(aggregate(read_package(package.write(tmp_path / "p.zip"))))
        credit = 0.0005 * S_CO2  # 0.5 kg of steel not made elsewhere
        assert gases(rows["Widget assembly"])["CO2"] == pytest.approx(X_CO2 - credit, rel=1e-9)

    def test_waste_goes_to_its_treatment(self, package, tmp_path) -> None:
        scrap = _flow("Scrap", package.properties[0], olca.FlowType.WASTE_FLOW)
        package.flows["scrap"] = scrap
        treatment = package.process("Scrap incineration", "E:Waste treatment")
        package.extra.append(treatment)
        package.input(treatment, "scrap", 1, "kg").is_quantitative_reference = True
        package.output(treatment, "co2", 0.5, "kg")
        package.output(package.widget, "scrap", 0.1, "kg")  # 0.1 kg scrap to treatment
        rows = by_name(aggregate(read_package(package.write(tmp_path / "p.zip"))))
        assert gases(rows["Widget assembly"])["CO2"] == pytest.approx(X_CO2 + 0.05, rel=1e-9)
        assert rows["Scrap incineration"]["category"] == "waste-treatment"

    def test_physical_allocation_factors_share_the_burdens(self, package, tmp_path) -> None:
        steel = package.steel
        package.output(steel, "paint", 250, "kg")  # slag sold as a co-product, say
        steel.default_allocation_method = olca.AllocationType.PHYSICAL_ALLOCATION
        steel.allocation_factors = [
            olca.AllocationFactor(
                allocation_type=olca.AllocationType.PHYSICAL_ALLOCATION,
                product=package.flows[key].to_ref(),
                value=value,
            )
            for key, value in (("steel", 0.8), ("paint", 0.2))
        ]
        rows = by_name(aggregate(read_package(package.write(tmp_path / "p.zip"))))
        assert gases(rows["Steel production"])["CO2"] == pytest.approx(0.8 * S_CO2, rel=1e-9)
        assert "physical allocation factors" in rows["Steel production"]["notes"]

    def test_causal_allocation_is_refused(self, package, tmp_path) -> None:
        package.output(package.steel, "paint", 250, "kg")
        package.steel.default_allocation_method = olca.AllocationType.CAUSAL_ALLOCATION
        error = error_of(package.write(tmp_path / "p.zip"))
        assert "physical or economic" in error.message and "causal" in error.message


class TestImport:
    def test_imports_drafts_and_a_second_import_changes_nothing(
        self, session: Session, zipped: Path
    ) -> None:
        report = import_openlca(session, path=zipped, actor="tester")
        assert (report.created, report.new_versions, report.unchanged) == (4, 0, 0)
        rows = aggregate(read_package(zipped))
        stored = {row["name_en"]: service.get_version(session, slug=row["slug"]) for row in rows}
        assert set(stored) == set(EXPECTED)
        steel = stored["Steel production"]
        assert (steel.unit, steel.status, steel.contributor) == ("t", "draft", "tester")
        assert steel.source_document.startswith("openLCA JSON-LD: demo.zip, process Steel")
        assert steel.co2e == pytest.approx(S_CO2 + 29.8 * S_CH4 + 273 * S_N2O, rel=1e-9)
        wood = stored["Wood chips, from forest"]
        assert wood.biogenic_co2e == pytest.approx(W_CO2 + 27.0 * W_CH4, rel=1e-9)
        assert {g.gas: g.amount for g in wood.gases} == pytest.approx({"CO2": W_CO2, "CH4": W_CH4})
        again = import_openlca(session, path=zipped, actor="tester")
        assert (again.created, again.new_versions, again.unchanged) == (0, 0, 4)


class TestCommand:
    def test_import_openlca_prints_the_counts(self, zipped: Path, tmp_path: Path) -> None:
        app = typer.Typer()
        factors = typer.Typer()
        app.add_typer(factors, name="factors")
        openlca_cli.register(factors, Settings(data_dir=tmp_path / "data"))
        runner = CliRunner()
        result = runner.invoke(app, ["factors", "import-openlca", str(zipped), "--actor", "me"])
        assert result.exit_code == 0, result.output
        assert "Imported 4 new factors and 0 new versions; 0 unchanged." in result.output
        missing = runner.invoke(app, ["factors", "import-openlca", str(tmp_path / "no.zip")])
        assert missing.exit_code == 2
        assert "no.zip" in missing.stderr and "Traceback" not in missing.output
