"""Hand-worked footprints, the arithmetic written out, against the engine."""

from __future__ import annotations

import pytest

from tanji.core.errors import InvalidInput, SingularSystem, UnitMismatch, UnknownReference
from tanji.core.model import Allocation, DataKind, Origin, Pedigree, Stage
from tanji.core.results import CO2_PER_C, calculate, product_footprints
from tests.factories import buy, emit, factor, output, process, system

GRID = factor("grid", "kWh", CO2e=0.5)
COAL = factor("coal", "kg", CO2=2.0, CH4=0.001, N2O=0.0001)


def one_process():
    return system(
        [
            process(
                "smelter",
                inputs=[buy("power", 500, "kWh", GRID), buy("coal", 100, "kg", COAL)],
                emissions=[emit("CO2", 50), emit("CH4", 1, Origin.BIOGENIC)],
            )
        ]
    )


class TestSingleProcess:
    def test_total_by_hand_ar6(self) -> None:
        # power 500 kWh × 0.5 = 250
        # coal 100 kg × (2.0 + 0.001 × 29.8 + 0.0001 × 273) = 100 × 2.0571 = 205.71
        # direct CO2 50 × 1 = 50; biogenic CH4 1 × 27.0 (non-fossil, AR6) = 27
        result = calculate(one_process())
        assert result.total == pytest.approx(250 + 205.71 + 50 + 27.0, rel=1e-12)
        assert result.separated.fossil == pytest.approx(505.71, rel=1e-12)
        assert result.separated.biogenic == pytest.approx(27.0, rel=1e-12)
        # biogenic CH4 is not biogenic CO2: it stays in the figure excluding biogenic
        assert result.separated.excluding_biogenic == pytest.approx(result.total, rel=1e-12)

    @pytest.mark.parametrize(
        ("gwp_set", "expected"),
        [
            # AR5: coal 2 + 0.001 × 30 + 0.0001 × 265 = 2.0565; CH4 non-fossil 28
            ("AR5", 250 + 205.65 + 50 + 28),
            # AR4: coal 2 + 0.001 × 25 + 0.0001 × 298 = 2.0548; CH4 25
            ("AR4", 250 + 205.48 + 50 + 25),
        ],
    )
    def test_other_gwp_sets(self, gwp_set: str, expected: float) -> None:
        base = one_process()
        result = calculate(system(list(base.processes), gwp_set=gwp_set))
        assert result.total == pytest.approx(expected, rel=1e-12)
        assert result.gwp_set == gwp_set

    def test_by_gas_in_kg_and_co2e(self) -> None:
        result = calculate(one_process())
        by_gas = {item.key: item.value for item in result.by_gas}
        assert by_gas["CO2e"] == pytest.approx(250)
        assert by_gas["CO2"] == pytest.approx(200 + 50)
        assert by_gas["CH4"] == pytest.approx(0.1 * 29.8 + 27.0)
        assert result.gas_mass["CH4"] == pytest.approx(1.1)
        assert result.gas_mass["N2O"] == pytest.approx(0.01)

    def test_contributions_by_input(self) -> None:
        result = calculate(one_process())
        by_input = {item.label: item.value for item in result.by_input}
        assert by_input == pytest.approx({"power": 250, "coal": 205.71, "direct emissions": 77.0})
        assert result.by_input[0].label == "power"


def clinker_and_cement(clinker_unit: str = "t", clinker_amount: float = 0.8):
    fuel = factor("fuel", "kg", CO2e=2.5)
    return system(
        [
            process(
                "cement",
                inputs=[
                    buy("clinker", clinker_amount, clinker_unit, "clinker"),
                    buy("power", 40, "kWh", GRID),
                ],
            ),
            process(
                "clinker",
                inputs=[buy("coal", 120, "kg", fuel)],
                emissions=[emit("CO2", 500)],
                stage=Stage.PRODUCTION,
            ),
        ]
    )


class TestChain:
    def test_two_processes_by_hand(self) -> None:
        # clinker: 500 + 120 × 2.5 = 800 kg CO2e per t
        # cement: 0.8 t × 800 + 40 kWh × 0.5 = 640 + 20 = 660 kg CO2e per t
        assert calculate(clinker_and_cement()).total == pytest.approx(660, rel=1e-12)

    def test_units_convert_on_links(self) -> None:
        assert calculate(clinker_and_cement("kg", 800)).total == pytest.approx(660, rel=1e-12)

    def test_demand_amount_scales(self) -> None:
        base = clinker_and_cement()
        doubled = system(list(base.processes), amount=2000, unit="kg")
        assert calculate(doubled).total == pytest.approx(1320, rel=1e-12)

    def test_contributions_by_process(self) -> None:
        result = calculate(clinker_and_cement())
        values = {item.key: item.value for item in result.by_process}
        assert values == pytest.approx({"clinker": 640, "cement": 20})

    def test_tree(self) -> None:
        tree = calculate(clinker_and_cement()).tree
        assert tree.footprint == pytest.approx(660)
        clinker = next(child for child in tree.children if child.id == "clinker")
        assert clinker.amount == pytest.approx(0.8)
        assert clinker.footprint == pytest.approx(640)
        assert clinker.direct == pytest.approx(400)

    def test_unit_mismatch_names_the_exchange(self) -> None:
        with pytest.raises(UnitMismatch) as caught:
            calculate(clinker_and_cement("kWh", 1))
        assert "kWh" in caught.value.message and "mass" in caught.value.message

    def test_dangling_link(self) -> None:
        broken = system([process("cement", inputs=[buy("clinker", 1, "t", "nowhere")])])
        with pytest.raises(UnknownReference, match="nowhere"):
            calculate(broken)


def power_and_coal(self_use: float = 0.05):
    return system(
        [
            process(
                "power",
                output("power", 1, "MWh"),
                inputs=[buy("own-use", self_use, "MWh", "power"), buy("coal", 0.4, "t", "mine")],
            ),
            process(
                "mine",
                inputs=[buy("power", 20, "kWh", "power")],
                emissions=[emit("CH4", 5)],
            ),
        ]
    )


class TestLoops:
    def test_closed_form(self) -> None:
        # e = 0.05 e + 0.4 c  and  c = 0.02 e + 5 × 29.8 = 0.02 e + 149
        # 0.95 e = 0.008 e + 59.6  →  e = 59.6 / 0.942
        expected = 59.6 / 0.942
        result = calculate(power_and_coal())
        assert result.total == pytest.approx(expected, rel=1e-12)

    def test_tree_marks_the_loop(self) -> None:
        tree = calculate(power_and_coal(), depth=6, tree_cutoff=0.0).tree
        flags = []

        def walk(node):
            flags.append(node.loop)
            for child in node.children:
                walk(child)

        walk(tree)
        assert any(flags)

    def test_loop_that_eats_its_output(self) -> None:
        with pytest.raises(SingularSystem) as caught:
            calculate(power_and_coal(self_use=1.0))
        assert "power" in caught.value.processes

    def test_two_process_loop_without_solution(self) -> None:
        greedy = system(
            [
                process("a", inputs=[buy("b", 2, "t", "b")]),
                process("b", inputs=[buy("a", 0.6, "t", "a")], emissions=[emit("CO2", 1)]),
            ]
        )
        with pytest.raises(SingularSystem) as caught:
            calculate(greedy)
        assert set(caught.value.processes) == {"a", "b"}


def refinery(method: Allocation, **extra):
    outputs = [
        output("light", 2, "t", price="1000 CNY/t", energy="40 MJ/kg", share=0.9),
        output("heavy", 1, "t", price="4000 CNY/t", energy="20 MJ/kg", share=0.1),
    ]
    return system(
        [process("refinery", outputs, emissions=[emit("CO2", 300)], allocation=method)],
        reference="light",
        **extra,
    )


class TestAllocation:
    @pytest.mark.parametrize(
        ("method", "per_tonne"),
        [
            # mass: light 2 t of 3 t → 300 × 2/3 = 200 kg on 2 t → 100 per t
            (Allocation.MASS, 100.0),
            # economic: 2 × 1000 = 2000 vs 1 × 4000 = 4000 → 300 × 1/3 / 2 = 50 per t
            (Allocation.ECONOMIC, 50.0),
            # energy: 2000 kg × 40 = 80 000 MJ vs 1000 × 20 = 20 000 → 300 × 0.8 / 2 = 120
            (Allocation.ENERGY, 120.0),
            # declared shares 0.9 / 0.1 → 300 × 0.9 / 2 = 135
            (Allocation.SHARES, 135.0),
        ],
    )
    def test_methods(self, method: Allocation, per_tonne: float) -> None:
        result = calculate(refinery(method))
        assert result.total == pytest.approx(per_tonne, rel=1e-12)
        assert result.allocation[0]["method"] == method.value
        assert sum(result.allocation[0]["shares"].values()) == pytest.approx(1.0)

    def test_co_product_as_input_carries_its_share(self) -> None:
        # heavy by mass: 300 × 1/3 = 100 kg per t; a boiler burning 0.5 t of it → 50
        base = refinery(Allocation.MASS)
        boiler = process("boiler", inputs=[buy("heavy-oil", 0.5, "t", "heavy")])
        result = calculate(system([*base.processes, boiler], reference="boiler"))
        assert result.total == pytest.approx(50.0, rel=1e-12)

    def test_missing_method(self) -> None:
        base = refinery(Allocation.MASS)
        plain = process("refinery", list(base.processes[0].outputs), emissions=[emit("CO2", 1)])
        with pytest.raises(InvalidInput, match="allocation"):
            calculate(system([plain], reference="light"))

    def test_shares_must_sum_to_one(self) -> None:
        outputs = [output("a", 1, share=0.5), output("b", 1, share=0.4)]
        bad = system([process("p", outputs, allocation=Allocation.SHARES)], reference="a")
        with pytest.raises(InvalidInput, match=r"0\.9"):
            calculate(bad)

    def test_mixed_currencies_are_refused(self) -> None:
        outputs = [output("a", 1, price="10 CNY/t"), output("b", 1, price="2 USD/t")]
        bad = system([process("p", outputs, allocation=Allocation.ECONOMIC)], reference="a")
        with pytest.raises(UnitMismatch):
            calculate(bad)


class TestSystemExpansion:
    def test_avoided_heat_is_credited(self) -> None:
        # CHP: 250 Nm3 gas × 2.2 = 550; heat 2 GJ avoids 2 × 80 = 160 → 390 per MWh
        gas = factor("gas", "Nm3", CO2e=2.2)
        heat = factor("heat", "GJ", CO2e=80)
        chp = process(
            "chp",
            [output("power", 1, "MWh"), output("heat", 2000, "MJ", avoided=heat)],
            inputs=[buy("gas", 250, "Nm3", gas)],
            allocation=Allocation.SYSTEM_EXPANSION,
        )
        result = calculate(system([chp]))
        assert result.total == pytest.approx(390, rel=1e-12)
        by_input = {item.label: item.value for item in result.by_input}
        assert by_input["heat"] == pytest.approx(-160)


class TestSeparatedFigures:
    def test_aircraft_biogenic_removals_dluc_stored(self) -> None:
        air = factor("air-freight", "t*km", CO2e=1.0)
        farm = process(
            "farm",
            output("cotton", 1, "t"),
            inputs=[buy("air", 100, "t*km", air, aircraft=True)],
            emissions=[emit("CO2", 10, Origin.BIOGENIC), emit("CO2", 5, Origin.DLUC)],
        )
        uptake = process(
            "growth",
            output("biomass", 1, "t"),
            emissions=[],
        )
        farm = type(farm)(
            **{
                **farm.__dict__,
                "emissions": (
                    *farm.emissions,
                    emit("CO2", 30, Origin.BIOGENIC, removal=True),
                ),
            }
        )
        result = calculate(system([farm, uptake], reference="farm", carbon_content=12.0))
        sep = result.separated
        # 100 + 10 + 5 − 30 = 85
        assert result.total == pytest.approx(85, rel=1e-12)
        assert sep.aircraft == pytest.approx(100)
        assert sep.fossil == pytest.approx(100)
        assert sep.biogenic == pytest.approx(10)
        assert sep.removals == pytest.approx(-30)
        assert sep.dluc == pytest.approx(5)
        assert sep.excluding_biogenic == pytest.approx(85 - 10 + 30)
        assert sep.carbon_stored == pytest.approx(12 * CO2_PER_C)


class TestDataQuality:
    def test_primary_share_and_rating(self) -> None:
        good = Pedigree(1, 1, 1, 1, 1)
        poor = Pedigree(3, 3, 3, 3, 3)
        supplier = factor("supplier-pcf", "kg", CO2e=1.0)
        supplier = type(supplier)(**{**supplier.__dict__, "data": DataKind.PRIMARY})
        p = process(
            "p",
            inputs=[
                buy("part", 100, "kg", supplier, quality=good),  # primary × primary: 100
                buy("power", 200, "kWh", GRID, quality=poor),  # secondary factor: 100
            ],
            emissions=[emit("CO2", 50, data=DataKind.SECONDARY)],
        )
        result = calculate(system([p]))
        # primary 100 of 250
        assert result.primary_data_share == pytest.approx(100 / 250)
        # scored 200 of 250; weighted mean of 1 and 3 with equal weights → 2.0
        assert result.quality is not None
        assert result.quality.overall == pytest.approx(2.0)
        assert result.quality.coverage == pytest.approx(200 / 250)
        assert result.quality.level == "very-good"

    def test_cutoffs_checked_against_limits(self) -> None:
        from tanji.core.model import Cutoff

        p = one_process()
        checked = calculate(
            system(
                list(p.processes),
                cutoffs=(Cutoff("glue", 0.02), Cutoff("tape", 0.01), Cutoff("ink", 0.025)),
            )
        ).cutoffs
        assert checked.declared_total == pytest.approx(0.055)
        assert len(checked.problems) == 3  # glue, ink over 1 %; total over 5 %


class TestReproducibility:
    def test_byte_identical_json(self) -> None:
        first = calculate(one_process(), iterations=50, seed=3).to_json()
        second = calculate(one_process(), iterations=50, seed=3).to_json()
        assert first == second
        assert '"engine_version"' in first and '"input_hash"' in first

    def test_hash_follows_inputs(self) -> None:
        base = calculate(one_process()).input_hash
        changed = calculate(clinker_and_cement()).input_hash
        assert base != changed and len(base) == 64


class TestProductFootprints:
    def test_every_product_from_one_solve_matches_its_own_calculation(self) -> None:
        model = power_and_coal()
        table = {item.product: item.per_unit for item in product_footprints(model)}
        assert table["power"] == pytest.approx(calculate(model).total, rel=1e-12)
        coal_alone = calculate(system(list(model.processes), reference="mine"))
        assert table["mine"] == pytest.approx(coal_alone.total, rel=1e-12)
        # c = 0.02 e + 149 with e = 59.6 / 0.942
        assert table["mine"] == pytest.approx(0.02 * 59.6 / 0.942 + 149, rel=1e-12)
