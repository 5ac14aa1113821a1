"""The round trip issue 7 asks for: our footprint → PACT JSON → imported as a supplier's
primary data → used in a customer's model → the customer's total is the supplier's
footprint times the amount used, calculated with the real engine."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from tanji.core.model import DataKind, Input, Output, Process, ProductSystem
from tanji.core.results import calculate
from tanji.exchange.pact import (
    PactFootprint,
    inline_factor_for_model,
    read_pact,
    source_from_calculation,
    to_pact_v2,
    to_pact_v3,
)
from tanji.factors.resolve import SeedTable
from tanji.footprints import service

from .examples import NAMES, result_of, source_for

USED = 3.0  # declared units of the supplier's product in one unit of the customer's


def customer_model(pact: PactFootprint, amount: float, unit: str) -> dict[str, Any]:
    """A customer's product made from the supplier's product and nothing else."""
    return {
        "format": "tanji-model/1",
        "product": {
            "id": "customer-product",
            "name": {"en": "Customer product"},
            "unit": {"amount": 1, "unit": "piece"},
            "geography": "CN",
            "period": {"start": "2025-01-01", "end": "2025-12-31"},
        },
        "processes": [
            {
                "id": "assembly",
                "name": {"en": "Assembly"},
                "outputs": [{"id": "customer-product", "amount": 1, "unit": "piece"}],
                "inputs": [
                    {
                        "id": "supplied",
                        "amount": amount,
                        "unit": unit,
                        "factor": inline_factor_for_model(pact),
                    }
                ],
            }
        ],
    }


def customer_total(tmp_path: Path, pact: PactFootprint, amount: float, unit: str) -> Any:
    path = tmp_path / "customer.yaml"
    text = yaml.safe_dump(customer_model(pact, amount, unit), allow_unicode=True)
    path.write_text(text, encoding="utf-8")
    return service.calculate_file(path, resolver=SeedTable())


class TestThroughTheModelFile:
    @pytest.mark.parametrize("name", NAMES)
    def test_v3(self, tmp_path: Path, name: str) -> None:
        supplier = result_of(name)["total"]
        text = json.dumps({"data": to_pact_v3(source_for(name))})  # over the wire
        pact = read_pact(text.encode("utf-8"))
        result = customer_total(tmp_path, pact, USED * pact.declared_amount, pact.unit)
        assert result.total == pytest.approx(USED * supplier, rel=1e-9)
        # The supplier's figure counts as primary data, with its quality carried through.
        assert result.primary_data_share == 1.0
        assert result.quality is not None
        quality = pact.factor.quality
        assert quality is not None
        assert result.quality.indicators["temporal"] == pytest.approx(quality.temporal)
        assert result.quality.indicators["reliability"] == pytest.approx(quality.reliability)

    @pytest.mark.parametrize("name", NAMES)
    def test_v2(self, tmp_path: Path, name: str) -> None:
        supplier = result_of(name)["total"]
        pact = read_pact(json.dumps(to_pact_v2(source_for(name))))
        result = customer_total(tmp_path, pact, USED * pact.declared_amount, pact.unit)
        assert result.total == pytest.approx(USED * supplier, rel=1e-9)

    def test_in_the_customer_s_own_unit(self, tmp_path: Path) -> None:
        # Cement is declared per 1000 kg; the customer's model uses 0.35 t of it.
        supplier = result_of("portland-cement.yaml")["total"]
        pact = read_pact(to_pact_v3(source_for("portland-cement.yaml")))
        result = customer_total(tmp_path, pact, 0.35, "t")
        assert result.total == pytest.approx(0.35 * supplier, rel=1e-9)


BOARD = """
format: tanji-model/1
product:
  id: particle-board
  name: {en: Particle board}
  unit: {amount: 1, unit: t}
  geography: CN-SX
  period: {start: 2024-01-01, end: 2024-12-31}
processes:
  - id: pressing
    name: {en: Pressing}
    outputs: [{id: board, amount: 1, unit: t, reference: true}]
    inputs:
      - {id: power, amount: 180, unit: kWh, factor: cn-electricity-footprint-2024}
    emissions:
      - {gas: CO2, amount: 40, origin: biogenic}
      - {gas: CH4, amount: 0.5, origin: biogenic}
      - {gas: CO2, amount: 12, origin: dluc}
    removals:
      - {gas: CO2, amount: 1450}
"""


class TestBiogenicSupplier:
    """Uptake, biogenic and land-use-change emissions travel with the factor's origins."""

    def test_core_system_with_the_factor(self, tmp_path: Path) -> None:
        path = tmp_path / "board.yaml"
        path.write_text(BOARD, encoding="utf-8")
        supplier = service.calculate_file(path, resolver=SeedTable()).to_dict()
        source = source_from_calculation(
            supplier,
            model=yaml.safe_load(BOARD),
            company_name="Board Co.",
            company_ids=["urn:pact:company:customcode:vendor-assigned:B1"],
            product_ids=["urn:pact:example.cn:product-id:board"],
        )
        doc = to_pact_v3(source)
        assert float(doc["pcf"]["biogenicCO2Uptake"]) == -1450
        assert float(doc["pcf"]["landUseChangeGhgEmissions"]) == pytest.approx(12)
        assert float(doc["pcf"]["biogenicNonCO2Emissions"]) == pytest.approx(0.5 * 27.0)
        pact = read_pact(json.dumps(doc))

        system = ProductSystem(
            processes=(
                Process(
                    id="furniture",
                    outputs=(Output(id="table", amount=1, unit="piece", reference=True),),
                    inputs=(
                        Input(
                            id="board",
                            amount=25,
                            unit="kg",
                            provider=pact.factor,
                            data=DataKind.PRIMARY,
                        ),
                    ),
                ),
            ),
            reference_product="table",
            amount=1,
            unit="piece",
        )
        result = calculate(system)
        share = 25 / 1000
        assert result.total == pytest.approx(share * supplier["total"], rel=1e-9)
        separated = supplier["separated"]
        assert result.separated.fossil == pytest.approx(share * separated["fossil"], rel=1e-9)
        assert result.separated.dluc == pytest.approx(share * separated["dluc"], rel=1e-9)
        # The uptake arrives as biogenic CO2, so it stays out of the figure without biogenic CO2.
        assert result.separated.excluding_biogenic == pytest.approx(
            share * (separated["fossil"] + separated["dluc"] + 0.5 * 27.0), rel=1e-9
        )

        # And through the model file's one-origin inline form, the total is the same.
        inline = customer_total(tmp_path, pact, 25, "kg")
        assert inline.total == pytest.approx(share * supplier["total"], rel=1e-9)
