"""The compliance check: each kind of finding, with its code, clause and location."""

from __future__ import annotations

import dataclasses

import pytest

from tanji.core.errors import UnitMismatch
from tanji.core.model import Allocation, Cutoff, DataKind, Stage
from tanji.core.results import calculate
from tanji.rules.catalogue import effective, get_rule
from tanji.rules.check import check, has_errors
from tests.factories import buy, emit, factor, output, process, system

FOOTPRINT = dataclasses.replace(
    factor("cn-electricity-footprint-2024", "kWh", CO2e=0.5777), flow="electricity-footprint"
)
GRID_CO2 = dataclasses.replace(
    factor("cn-sx-grid-co2-2022", "kWh", CO2=0.7096), flow="electricity-grid-co2"
)
ALUMINA = factor("alumina-proxy", "t", CO2e=710)
ANODE = factor("prebaked-anode", "t", CO2e=600)
META = {"category": "electrolytic-aluminium", "boundary": "cradle-to-gate",
        "unit_kind": "declared", "period": "2024-01-01/2024-12-31"}  # fmt: skip


def smelter(**changes):
    """A study that meets the aluminium rule; ``changes`` break it in one named way."""
    inputs = changes.pop("inputs", None) or [
        buy("ac-electricity", 13350, "kWh", FOOTPRINT),
        buy("alumina", 1.92, "t", ALUMINA),
        buy("carbon-anode", 0.42, "t", ANODE),
    ]
    emissions = changes.pop("emissions", None) or [emit("CF4", 0.04), emit("C2F6", 0.004)]
    processes = [
        process("smelting", output("aluminium", 1, "t"), inputs, emissions),
        process(
            "bauxite", output("bauxite", 1, "t"), [], [emit("CO2", 1)], stage=Stage.RAW_MATERIAL
        ),
    ]
    processes += changes.pop("extra", [])
    fields = {"meta": {**META, **changes.pop("meta", {})}, **changes}
    return system(processes, reference="smelting", **fields)


def findings(model):
    rule = effective(get_rule("electrolytic-aluminium"))
    return check(model, calculate(model), rule)


def codes(model, severity: str = "error") -> set[str]:
    return {f.code for f in findings(model) if f.severity == severity}


class TestPassing:
    def test_a_complete_study_has_no_errors(self) -> None:
        found = findings(smelter())
        assert not has_errors(found)
        assert any(f.code == "reporting" for f in found)  # reporting items as information


class TestEachFinding:
    def test_missing_requirement_names_item_clause_and_action(self) -> None:
        inputs = [
            buy("ac-electricity", 13350, "kWh", FOOTPRINT),
            buy("alumina", 1.92, "t", ALUMINA),
        ]
        found = [
            f for f in findings(smelter(inputs=inputs)) if f.code == "requirement:carbon-anode"
        ]
        assert len(found) == 1
        assert found[0].severity == "error"
        assert "GB/T 44905-2024" in found[0].clause
        assert found[0].action

    def test_pfc_emissions_are_required(self) -> None:
        assert "requirement:anode-effect-pfc" in codes(smelter(emissions=[emit("CO2", 1500)]))

    def test_co2_only_grid_factor(self) -> None:
        inputs = [buy("ac-electricity", 13350, "kWh", GRID_CO2), buy("alumina", 1.92, "t", ALUMINA),
                  buy("carbon-anode", 0.42, "t", ANODE)]  # fmt: skip
        found = [f for f in findings(smelter(inputs=inputs)) if f.code == "electricity-factor"]
        assert found and "cn-sx-grid-co2-2022" in found[0].message

    def test_wrong_unit(self) -> None:
        model = smelter()
        model = dataclasses.replace(model, unit="kWh", amount=1.0)
        with pytest.raises(UnitMismatch):  # the demand itself cannot be expressed in kWh
            findings(model)

    def test_boundary_stage_gwp_period(self) -> None:
        model = smelter(meta={"boundary": "gate-to-gate", "period": "2022-01-01/2024-12-31"},
                        gwp_set="AR5")  # fmt: skip
        model = dataclasses.replace(model, processes=model.processes[:1])
        found = codes(model)
        assert {"boundary", "stage:raw-material-acquisition", "gwp"} <= found
        assert "period" in codes(model, "warning")

    def test_secondary_data_in_production(self) -> None:
        inputs = [
            buy("ac-electricity", 13350, "kWh", FOOTPRINT, data=DataKind.SECONDARY),
            buy("alumina", 1.92, "t", ALUMINA),
            buy("carbon-anode", 0.42, "t", ANODE),
        ]
        found = [f for f in findings(smelter(inputs=inputs)) if f.code == "primary-data:smelting"]
        assert found and "ac-electricity" in found[0].message

    def test_cutoffs(self) -> None:
        model = smelter(cutoffs=(Cutoff("bath", 0.02), Cutoff("lining", 0.009),
                                 Cutoff("tools", 0.009), Cutoff("misc", 0.009),
                                 Cutoff("other", 0.009)))  # fmt: skip
        assert {"cutoff-each", "cutoff-total"} <= codes(model)

    def test_allocation_method(self) -> None:
        outputs = [output("ingot", 1, "t", share=1.0), output("dross", 0.01, "t", share=0.0)]
        shared = process("casthouse", outputs, [], [], allocation=Allocation.SHARES)
        assert "allocation:casthouse" in codes(smelter(extra=[shared]))
