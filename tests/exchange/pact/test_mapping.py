"""Tanji calculation → PACT ProductFootprint v3.0.3 and v2.3.3, field by field."""

from __future__ import annotations

import copy
import datetime as dt
import json
import re
import uuid
from decimal import Decimal
from typing import Any, ClassVar

import pytest

from tanji.core.errors import Conflict, InvalidInput
from tanji.exchange.pact import (
    check_v2,
    check_v3,
    pact_geography,
    pact_unit_for,
    source_from_calculation,
    supersede,
    to_pact_v2,
    to_pact_v3,
    validate_v2,
    validate_v3,
)
from tanji.exchange.pact.mapping import dqr_v2

from .examples import CPC, NAMES, result_of, source_for

CERTIFICATE = {
    "provider_name": "China Quality Certification Centre (example)",
    "issued_on": dt.date(2025, 2, 20),
    "standard_name": "GB/T 24067-2024",
    "number": "CQC-PCF-2025-0001",
    "level": "reasonable",
}


class TestEveryExample:
    @pytest.mark.parametrize("name", NAMES)
    def test_v3_validates(self, name: str) -> None:
        doc = to_pact_v3(source_for(name))
        assert validate_v3(doc) == []
        json.dumps(doc, allow_nan=False)  # plain JSON, no NaN

    @pytest.mark.parametrize("name", NAMES)
    def test_v2_validates(self, name: str) -> None:
        doc = to_pact_v2(source_for(name))
        assert validate_v2(doc) == []

    @pytest.mark.parametrize("name", NAMES)
    def test_totals_carry_over_exactly(self, name: str) -> None:
        result = result_of(name)
        pcf = to_pact_v3(source_for(name))["pcf"]
        assert float(pcf["pcfIncludingBiogenicUptake"]) == result["total"]
        assert Decimal(pcf["pcfIncludingBiogenicUptake"]) == Decimal(
            pcf["pcfExcludingBiogenicUptake"]
        ) + Decimal(pcf["biogenicCO2Uptake"])
        assert float(pcf["fossilGhgEmissions"]) == result["separated"]["fossil"]

    @pytest.mark.parametrize("name", NAMES)
    def test_certified_footprints_validate(self, name: str) -> None:
        source = source_for(name, verification=CERTIFICATE, packaging_included=True)
        assert validate_v3(to_pact_v3(source)) == []
        assert validate_v2(to_pact_v2(source)) == []


class TestFields:
    def test_header(self) -> None:
        doc = to_pact_v3(source_for("portland-cement.yaml"))
        assert doc["specVersion"] == "3.0.3"
        assert doc["status"] == "Active"
        assert doc["created"] == "2025-03-01T08:30:00Z"
        assert str(uuid.UUID(doc["id"])) == doc["id"]
        assert doc["productNameCompany"] == "Ordinary Portland cement P.O 42.5"
        assert doc["productClassifications"] == ["urn:pact:productclassification:un-cpc:3744"]
        assert "precedingPfIds" not in doc
        assert "input hash" in doc["comment"]

    def test_tonnes_are_declared_as_1000_kilograms(self) -> None:
        pcf = to_pact_v3(source_for("portland-cement.yaml"))["pcf"]
        assert pcf["declaredUnitOfMeasurement"] == "kilogram"
        assert pcf["declaredUnitAmount"] == "1000"
        assert pcf["productMassPerDeclaredUnit"] == "1000"

    def test_reference_period_end_is_exclusive(self) -> None:
        pcf = to_pact_v3(source_for("portland-cement.yaml"))["pcf"]
        assert pcf["referencePeriodStart"] == "2024-01-01T00:00:00Z"
        assert pcf["referencePeriodEnd"] == "2025-01-01T00:00:00Z"

    def test_geography(self) -> None:
        assert to_pact_v3(source_for("portland-cement.yaml"))["pcf"]["geographyCountry"] == "CN"
        steel = to_pact_v3(source_for("bf-bof-steel.yaml"))["pcf"]
        assert steel["geographyCountrySubdivision"] == "CN-SX"
        assert "geographyCountry" not in steel
        assert pact_geography("GLO") is None
        assert pact_geography("CN-NORTH") == ("geographyCountry", "CN")  # a grid region
        assert pact_geography("DE-BW") == ("geographyCountrySubdivision", "DE-BW")

    def test_rules_standards_and_gwp(self) -> None:
        pcf = to_pact_v3(source_for("portland-cement.yaml"))["pcf"]
        assert pcf["ipccCharacterizationFactors"] == ["AR6"]
        assert pcf["crossSectoralStandards"] == ["ISO14067", "GHGP-Product"]
        assert pcf["productOrSectorSpecificRules"] == [
            {
                "operator": "Other",
                "ruleNames": ["GB/T 24067-2024", "Tanji product rule cement 2024.1"],
                "otherOperatorName": "SAMR/SAC (China)",
            }
        ]

    def test_data_quality_maps_directly_in_v3_and_onto_1_to_3_in_v2(self) -> None:
        quality = result_of("portland-cement.yaml")["quality"]["indicators"]
        source = source_for("portland-cement.yaml")
        dqi = to_pact_v3(source)["pcf"]["dqi"]
        assert float(dqi["temporalDQR"]) == pytest.approx(quality["temporal"], abs=0.005)
        assert float(dqi["technologicalDQR"]) == pytest.approx(quality["technological"], abs=5e-3)
        v2 = to_pact_v2(source)["pcf"]["dqi"]
        assert v2["reliabilityDQR"] == pytest.approx(1 + (quality["reliability"] - 1) / 2, abs=0.01)
        assert (dqr_v2(1), dqr_v2(3), dqr_v2(5)) == (1, 2, 3)
        assert 0 <= v2["coveragePercent"] <= 100

    def test_primary_share_cut_offs_and_sources(self) -> None:
        result = result_of("primary-aluminium.yaml")
        pcf = to_pact_v3(source_for("primary-aluminium.yaml"))["pcf"]
        assert float(pcf["primaryDataShare"]) == pytest.approx(
            result["primary_data_share"] * 100, abs=1e-4
        )
        assert pcf["exemptedEmissionsPercent"] == "0.52"
        assert "Ocean freight of bauxite" in pcf["exemptedEmissionsDescription"]
        assert pcf["secondaryEmissionFactorSources"] == [
            {"name": "Tanji factor database", "version": "seed"}
        ]
        cement = to_pact_v3(source_for("portland-cement.yaml"))["pcf"]
        names = [item["name"] for item in cement["secondaryEmissionFactorSources"]]
        assert names[0] == "Tanji factor database" and len(names) == 2  # plus an inline factor

    def test_boundary_and_allocation(self) -> None:
        pcf = to_pact_v3(source_for("bf-bof-steel.yaml"))["pcf"]
        assert pcf["boundaryProcessesDescription"].startswith("Cradle-to-gate.")
        assert "Production:" in pcf["boundaryProcessesDescription"]
        assert "energy" in pcf["allocationRulesDescription"]
        without_model = source_from_calculation(
            result_of("bf-bof-steel.yaml"),
            company_name="X",
            company_ids=["urn:x:1"],
            product_ids=["urn:x:2"],
        )
        assert "Production:" in without_model.boundary_description

    def test_carbon_contents_and_optional_figures(self) -> None:
        pcf = to_pact_v3(source_for("coal-methanol.yaml"))["pcf"]
        assert pcf["fossilCarbonContent"] == "0"
        assert pcf["landUseChangeGhgEmissions"] == "0"
        assert pcf["biogenicCO2Uptake"] == "0"
        given = to_pact_v3(source_for("coal-methanol.yaml", fossil_carbon_content=374.8))["pcf"]
        assert given["fossilCarbonContent"] == "374.8"

    def test_packaging(self) -> None:
        excluded = to_pact_v3(source_for("pv-module.yaml"))["pcf"]
        assert excluded["packagingEmissionsIncluded"] is False
        assert "packagingGhgEmissions" not in excluded
        included = source_for("pv-module.yaml", packaging_included=True, packaging_emissions=12.5)
        pcf = to_pact_v3(included)["pcf"]
        assert pcf["packagingEmissionsIncluded"] is True
        assert pcf["packagingGhgEmissions"] == "12.5"
        assert to_pact_v2(included)["pcf"]["packagingGhgEmissions"] == "12.5"

    def test_verification_and_assurance_from_a_certificate(self) -> None:
        source = source_for("portland-cement.yaml", verification=CERTIFICATE)
        verification = to_pact_v3(source)["pcf"]["verification"]
        assert verification == {
            "coverage": "product level",
            "providerName": CERTIFICATE["provider_name"],
            "completedAt": "2025-02-20T00:00:00Z",
            "standardName": "GB/T 24067-2024",
            "comments": "Certificate CQC-PCF-2025-0001.",
        }
        assurance = to_pact_v2(source)["pcf"]["assurance"]
        assert assurance["assurance"] is True
        assert assurance["boundary"] == "Cradle-to-Gate"
        assert assurance["level"] == "reasonable"

    def test_v2_specifics(self) -> None:
        doc = to_pact_v2(source_for("portland-cement.yaml"), version=3)
        assert doc["specVersion"] == "2.3.3" and doc["version"] == 3
        assert doc["productCategoryCpc"] == CPC["portland-cement.yaml"]
        pcf = doc["pcf"]
        assert pcf["declaredUnit"] == "kilogram" and pcf["unitaryProductAmount"] == "1000"
        assert pcf["characterizationFactors"] == "AR6"
        assert pcf["crossSectoralStandardsUsed"] == [
            "ISO Standard 14067",
            "GHG Protocol Product standard",
        ]
        assert pcf["exemptedEmissionsPercent"] == 0
        assert "iLucGhgEmissions" not in pcf  # optional for periods ending before 2025

    def test_v2_from_2025_reports_the_then_mandatory_figures(self) -> None:
        result = copy.deepcopy(result_of("portland-cement.yaml"))
        result["meta"]["period"] = "2025-01-01/2025-06-30"
        source = source_from_calculation(
            result,
            company_name="X",
            company_ids=["urn:x:1"],
            product_ids=["urn:x:2"],
            cpc="3744",
            created=dt.datetime(2025, 8, 1, tzinfo=dt.UTC),
        )
        pcf = to_pact_v2(source)["pcf"]
        assert pcf["iLucGhgEmissions"] == "0" and "dqi" in pcf
        check_v2(to_pact_v2(source))


class TestBiogenic:
    """Removals and biogenic emissions land in the right PACT fields."""

    RESULT: ClassVar[dict[str, Any]] = {
        "total": 70.0,
        "unit": "kg",
        "amount": 100.0,
        "gwp_set": "AR6",
        "separated": {
            "fossil": 120.0,
            "biogenic": 40.0 + 13.5,  # 40 kg biogenic CO2 and 0.5 kg CH4 (× 27)
            "removals": -103.5,
            "dluc": 0.0,
            "aircraft": 2.0,
            "carbon_stored": 110.0,
            "excluding_biogenic": 70.0 - 40.0 + 103.5,
        },
        "meta": {"period": "2024-01-01/2024-12-31", "geography": "GLO", "name_en": "Board"},
        "cutoffs": {"declared_total": 0.0},
        "primary_data_share": 0.5,
    }

    def test_split(self) -> None:
        source = source_from_calculation(
            self.RESULT, company_name="X", company_ids=["urn:x:1"], product_ids=["urn:x:2"]
        )
        doc = to_pact_v3(source)
        pcf = doc["pcf"]
        assert pcf["pcfIncludingBiogenicUptake"] == "70"
        assert pcf["biogenicCO2Uptake"] == "-103.5"
        assert pcf["pcfExcludingBiogenicUptake"] == "173.5"
        assert pcf["biogenicNonCO2Emissions"] == "13.5"
        assert pcf["aircraftGhgEmissions"] == "2"
        assert float(pcf["biogenicCarbonContent"]) == pytest.approx(110.0 * 12.011 / 44.0095)
        assert not any(name.startswith("geography") for name in pcf)  # global
        assert validate_v3(doc) == []
        v2 = to_pact_v2(
            source_from_calculation(
                self.RESULT,
                company_name="X",
                company_ids=["urn:x:1"],
                product_ids=["urn:x:2"],
                cpc="3140",
            )
        )
        assert v2["pcf"]["pCfExcludingBiogenic"] == "133.5"  # fossil + biogenic non-CO2
        assert v2["pcf"]["biogenicCarbonWithdrawal"] == "-103.5"
        assert validate_v2(v2) == []


class TestUnits:
    @pytest.mark.parametrize(
        ("unit", "pact", "factor"),
        [
            ("t", "kilogram", 1000.0),
            ("kg", "kilogram", 1.0),
            ("MWh", "kilowatt hour", 1000.0),
            ("kWh", "kilowatt hour", 1.0),
            ("GJ", "megajoule", 1000.0),
            ("tce", "megajoule", 29307.6),
            ("Nm3", "cubic meter", 1.0),
            ("万Nm3", "cubic meter", 10000.0),
            ("m3", "cubic meter", 1.0),
            ("L", "liter", 1.0),
            ("m2", "square meter", 1.0),
            ("t*km", "ton kilometer", 1.0),
            ("pcs", "piece", 1.0),
            ("piece", "piece", 1.0),
            ("unit", "piece", 1.0),
            ("h", "hour", 1.0),
        ],
    )
    def test_mapping(self, unit: str, pact: str, factor: float) -> None:
        name, amount = pact_unit_for(unit)
        assert name == pact
        assert amount == pytest.approx(factor)

    @pytest.mark.parametrize("unit", ["kWp", "CNY", "p*km"])
    def test_units_without_equivalent_are_refused_by_name(self, unit: str) -> None:
        with pytest.raises(InvalidInput, match=re.escape(f"'{unit}'")):
            pact_unit_for(unit)

    def test_pv_module_needs_its_declared_unit_stated(self) -> None:
        with pytest.raises(InvalidInput, match="kWp"):
            source_for("pv-module.yaml", declared_unit_as=None)

    def test_energy_declared_products_get_mass_zero_unless_given(self) -> None:
        source = source_for("lfp-battery-pack.yaml", mass_per_declared_unit=None)
        assert source.declared_unit == "kilowatt hour"
        assert to_pact_v3(source)["pcf"]["productMassPerDeclaredUnit"] == "0"
        assert source_for("lfp-battery-pack.yaml").product_mass == 6.4

    def test_pieces_and_volumes_need_a_mass(self) -> None:
        result = copy.deepcopy(result_of("portland-cement.yaml"))
        result["unit"] = "pcs"
        kwargs = {"company_name": "X", "company_ids": ["urn:x:1"], "product_ids": ["urn:x:2"]}
        with pytest.raises(InvalidInput, match="mass_per_declared_unit") as caught:
            source_from_calculation(result, **kwargs)
        assert caught.value.loc == ("mass_per_declared_unit",)
        source = source_from_calculation(result, mass_per_declared_unit=2.5, **kwargs)
        assert to_pact_v3(source)["pcf"]["declaredUnitOfMeasurement"] == "piece"
        with pytest.raises(InvalidInput, match="PACT v2 has no declared unit 'piece'"):
            to_pact_v2(source)


class TestRefusals:
    KWARGS: ClassVar[dict[str, Any]] = {
        "company_name": "X",
        "company_ids": ["urn:x:1"],
        "product_ids": ["urn:x:2"],
    }

    def test_no_period(self) -> None:
        result = copy.deepcopy(result_of("portland-cement.yaml"))
        result["meta"]["period"] = ""
        with pytest.raises(InvalidInput, match="reference period") as caught:
            source_from_calculation(result, **self.KWARGS)
        assert caught.value.loc == ("meta", "period")

    def test_ids_must_be_urns(self) -> None:
        with pytest.raises(InvalidInput) as caught:
            source_from_calculation(
                result_of("portland-cement.yaml"), **{**self.KWARGS, "product_ids": ["P-42"]}
            )
        assert caught.value.loc == ("product_ids", 0)

    def test_negative_fossil_emissions(self) -> None:
        result = copy.deepcopy(result_of("portland-cement.yaml"))
        result["separated"]["fossil"] = -5.0
        with pytest.raises(InvalidInput, match="negative"):
            source_from_calculation(result, **self.KWARGS)

    def test_v2_needs_a_cpc_code(self) -> None:
        source = source_for("portland-cement.yaml", classifications=[])
        with pytest.raises(InvalidInput, match="CPC") as caught:
            to_pact_v2(source)
        assert caught.value.loc == ("productCategoryCpc",)
        assert to_pact_v2(source_for("portland-cement.yaml", classifications=[], cpc="3744"))

    def test_v2_caps_exempted_emissions_at_5_percent(self) -> None:
        result = copy.deepcopy(result_of("portland-cement.yaml"))
        result["cutoffs"]["declared_total"] = 0.07
        source = source_from_calculation(result, cpc="3744", **self.KWARGS)
        check_v3(to_pact_v3(source))  # no cap in v3
        with pytest.raises(InvalidInput, match="5 %"):
            to_pact_v2(source)

    def test_unknown_status(self) -> None:
        with pytest.raises(InvalidInput, match="Active or Deprecated"):
            source_for("portland-cement.yaml", status="Draft")


class TestSupersede:
    def test_old_is_deprecated_and_new_points_back(self) -> None:
        first = to_pact_v3(source_for("portland-cement.yaml"))
        frozen = copy.deepcopy(first)
        second_id = uuid.uuid4()
        old, new = supersede(first, source_for("portland-cement.yaml", footprint_id=second_id))
        assert first == frozen  # the published document itself is untouched
        assert old["status"] == "Deprecated"
        assert {k: v for k, v in old.items() if k != "status"} == {
            k: v for k, v in first.items() if k != "status"
        }
        assert new["id"] == str(second_id) and new["status"] == "Active"
        assert new["precedingPfIds"] == [first["id"]]
        assert validate_v3(old) == [] and validate_v3(new) == []

        third_id = uuid.uuid4()
        _, newest = supersede(new, source_for("portland-cement.yaml", footprint_id=third_id))
        assert newest["precedingPfIds"] == [first["id"], str(second_id)]

    def test_refuses_to_supersede_twice_or_reuse_the_id(self) -> None:
        first = to_pact_v3(source_for("portland-cement.yaml"))
        old, _ = supersede(first, source_for("portland-cement.yaml", footprint_id=uuid.uuid4()))
        with pytest.raises(Conflict):
            supersede(old, source_for("portland-cement.yaml", footprint_id=uuid.uuid4()))
        with pytest.raises(Conflict):
            supersede(first, source_for("portland-cement.yaml"))
