"""Reading a supplier's PACT footprint (v3 or v2) as a primary-data factor."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from tanji.core.errors import InvalidInput
from tanji.core.model import DataKind, GasAmount, Origin, Pedigree
from tanji.exchange.pact import PactInvalid, inline_factor_for_model, read_pact, read_pacts
from tanji.footprints.modelfile import InlineFactor

# Hand-written from the spec's field tables: only what v3.0.3 requires.
MINIMAL_V3: dict[str, Any] = {
    "id": "3f1c7d2e-8b4a-4c1e-9a5b-2d6f0e7c8a91",
    "specVersion": "3.0.3",
    "created": "2025-05-01T10:00:00Z",
    "status": "Active",
    "companyName": "Example Steel GmbH",
    "companyIds": ["urn:pact:company:customcode:buyer-assigned:STEEL-7"],
    "productDescription": "",
    "productIds": ["urn:pact:example.com:product-id:coil-42"],
    "productNameCompany": "Hot-rolled coil",
    "pcf": {
        "declaredUnitOfMeasurement": "kilogram",
        "declaredUnitAmount": "1",
        "productMassPerDeclaredUnit": "1",
        "referencePeriodStart": "2024-01-01T00:00:00Z",
        "referencePeriodEnd": "2025-01-01T00:00:00Z",
        "pcfExcludingBiogenicUptake": "2.1",
        "pcfIncludingBiogenicUptake": "2.1",
        "fossilGhgEmissions": "2.05",
        "fossilCarbonContent": "0.002",
        "ipccCharacterizationFactors": ["AR6"],
        "crossSectoralStandards": ["ISO14067"],
        "exemptedEmissionsPercent": "0",
    },
}

# Hand-written v2.3 footprint: 1 m³ of sawn timber with biogenic carbon withdrawal.
MINIMAL_V2: dict[str, Any] = {
    "id": "b0a4c8e2-51f3-4d6a-8e1b-7c9d2f4a6b80",
    "specVersion": "2.3.0",
    "version": 2,
    "created": "2024-11-20T09:00:00Z",
    "status": "Active",
    "comment": "",
    "companyName": "Example Timber Oy",
    "companyIds": ["urn:pact:company:customcode:vendor-assigned:TIMBER-1"],
    "productDescription": "Kiln-dried spruce",
    "productIds": ["urn:pact:example.fi:product-id:spruce-47x100"],
    "productCategoryCpc": "3110",
    "productNameCompany": "Sawn spruce",
    "pcf": {
        "declaredUnit": "cubic meter",
        "unitaryProductAmount": "1",
        "pCfExcludingBiogenic": "62.5",
        "pCfIncludingBiogenic": "-687.5",
        "fossilGhgEmissions": "60",
        "fossilCarbonContent": "0",
        "biogenicCarbonContent": "204.5",
        "dLucGhgEmissions": "0",
        "biogenicCarbonWithdrawal": "-750",
        "characterizationFactors": "AR6",
        "ipccCharacterizationFactorsSources": ["AR6"],
        "crossSectoralStandardsUsed": ["ISO Standard 14067"],
        "crossSectoralStandards": ["ISO14067"],
        "boundaryProcessesDescription": "Forestry, sawing, kiln drying",
        "referencePeriodStart": "2023-01-01T00:00:00Z",
        "referencePeriodEnd": "2024-01-01T00:00:00Z",
        "geographyCountry": "FI",
        "exemptedEmissionsPercent": 1.2,
        "exemptedEmissionsDescription": "Office energy",
        "packagingEmissionsIncluded": False,
        "primaryDataShare": 60,
        "dqi": {
            "coveragePercent": 95,
            "technologicalDQR": 1.4,
            "temporalDQR": 2,
            "geographicalDQR": 1,
            "completenessDQR": 2,
            "reliabilityDQR": 3,
        },
    },
}


def v3(**pcf: Any) -> dict[str, Any]:
    doc = copy.deepcopy(MINIMAL_V3)
    doc["pcf"].update(pcf)
    return doc


class TestMinimalV3:
    def test_reads_as_a_primary_factor_per_kilogram(self) -> None:
        pact = read_pact(MINIMAL_V3)
        factor = pact.factor
        assert factor.id == "pact:3f1c7d2e-8b4a-4c1e-9a5b-2d6f0e7c8a91"
        assert factor.unit == "kg"
        assert factor.data is DataKind.PRIMARY
        assert factor.name == "Hot-rolled coil"
        assert factor.gases == (
            GasAmount("CO2e", 2.05, Origin.FOSSIL),
            GasAmount("CO2", pytest.approx(0.05), Origin.BIOGENIC),
        )
        assert factor.source.startswith(
            "PACT footprint 3f1c7d2e-8b4a-4c1e-9a5b-2d6f0e7c8a91 from Example Steel GmbH, "
            "status Active"
        )
        assert factor.quality == Pedigree(3, 3, 3, 3, 3)
        assert pact.total == 2.1 and pact.per_unit == 2.1
        assert pact.document == MINIMAL_V3

    def test_per_unit_divides_by_the_declared_amount(self) -> None:
        pact = read_pact(
            v3(
                declaredUnitOfMeasurement="ton kilometer",
                declaredUnitAmount="1000",
                productMassPerDeclaredUnit="0",
                pcfExcludingBiogenicUptake="62",
                pcfIncludingBiogenicUptake="62",
                fossilGhgEmissions="62",
            )
        )
        assert pact.unit == "t*km"
        assert pact.per_unit == pytest.approx(0.062)
        assert pact.factor.gases == (GasAmount("CO2e", 0.062, Origin.FOSSIL),)

    def test_quality_from_dqrs_verification_and_primary_share(self) -> None:
        doc = v3(
            dqi={"technologicalDQR": "1.4", "geographicalDQR": "2.5", "temporalDQR": "4.6"},
            primaryDataShare="80",
            verification={"providerName": "Example Verifier"},
        )
        pact = read_pact(doc)
        assert pact.verified
        assert pact.factor.quality == Pedigree(
            reliability=1, completeness=1, temporal=5, geographical=3, technological=1
        )
        unverified = read_pact(v3(primaryDataShare="30"))
        assert unverified.factor.quality == Pedigree(3, 3, 3, 3, 3)
        assert read_pact(v3(primaryDataShare="55")).factor.quality.reliability == 2

    def test_uptake_and_land_use_change_keep_their_origins(self) -> None:
        pact = read_pact(
            v3(
                pcfExcludingBiogenicUptake="3",
                pcfIncludingBiogenicUptake="1",
                fossilGhgEmissions="2",
                landUseChangeGhgEmissions="0.5",
                biogenicCO2Uptake="-2",
                biogenicNonCO2Emissions="0.5",
            )
        )
        assert pact.factor.gases == (
            GasAmount("CO2e", 2.0, Origin.FOSSIL),
            GasAmount("CO2e", 0.5, Origin.DLUC),
            GasAmount("CO2e", 0.5, Origin.BIOGENIC),
            GasAmount("CO2", -2.0, Origin.BIOGENIC),
        )
        assert sum(gas.amount for gas in pact.factor.gases) == pytest.approx(pact.total)
        assert pact.excluding_uptake == 3


class TestMinimalV2:
    def test_reads_with_its_withdrawal_and_dqrs(self) -> None:
        pact = read_pact(MINIMAL_V2)
        assert pact.unit == "m3" and pact.total == -687.5
        assert pact.excluding_uptake == pytest.approx(62.5)
        gases = {(gas.gas, gas.origin): gas.amount for gas in pact.factor.gases}
        assert gases == {
            ("CO2e", Origin.FOSSIL): 60.0,
            ("CO2", Origin.BIOGENIC): -750.0,
            ("CO2e", Origin.BIOGENIC): 2.5,
        }
        # v2 DQRs 1–3 stretched onto 1–5; completeness and reliability come from the DQRs.
        assert pact.factor.quality == Pedigree(
            reliability=5, completeness=3, temporal=3, geographical=1, technological=2
        )

    def test_without_the_including_figure(self) -> None:
        doc = copy.deepcopy(MINIMAL_V2)
        del doc["pcf"]["pCfIncludingBiogenic"]
        assert read_pact(doc).total == pytest.approx(62.5 - 750)


class TestForms:
    def test_text_bytes_envelope_and_list(self) -> None:
        text = json.dumps(MINIMAL_V3)
        assert read_pact(text).id == MINIMAL_V3["id"]
        assert read_pact(("\ufeff" + text).encode("utf-8")).id == MINIMAL_V3["id"]
        assert read_pact({"data": MINIMAL_V3}).id == MINIMAL_V3["id"]
        both = read_pacts(json.dumps({"data": [MINIMAL_V3, MINIMAL_V2]}))
        assert [p.spec_version for p in both] == ["3.0.3", "2.3.0"]
        assert read_pact([MINIMAL_V3]).id == MINIMAL_V3["id"]

    def test_one_footprint_expected(self) -> None:
        with pytest.raises(InvalidInput, match="2 footprints"):
            read_pact([MINIMAL_V3, MINIMAL_V2])
        with pytest.raises(InvalidInput, match="no footprint"):
            read_pacts({"data": []})

    def test_version_from_fields_when_spec_version_is_missing(self) -> None:
        doc = copy.deepcopy(MINIMAL_V3)
        del doc["specVersion"]
        with pytest.raises(PactInvalid) as caught:  # still required by the schema
            read_pact(doc)
        assert caught.value.loc == ()
        assert "specVersion" in caught.value.message

    def test_unsupported_version(self) -> None:
        with pytest.raises(InvalidInput, match=r"1\.0\.1") as caught:
            read_pact({**MINIMAL_V3, "specVersion": "1.0.1"})
        assert caught.value.loc == ("specVersion",)

    def test_json_syntax_error(self) -> None:
        with pytest.raises(InvalidInput, match="JSON syntax error") as caught:
            read_pact('{"id": "x",\n  "pcf": }')
        assert caught.value.loc == ("line 2, column 10",)

    def test_nulls_are_undefined(self) -> None:
        pact = read_pact(v3(aircraftGhgEmissions=None, dqi=None))
        assert pact.factor.quality == Pedigree(3, 3, 3, 3, 3)


class TestRefusals:
    def test_deprecated_unless_asked(self) -> None:
        doc = {**MINIMAL_V3, "status": "Deprecated"}
        with pytest.raises(InvalidInput, match="Deprecated") as caught:
            read_pact({"data": doc})
        assert caught.value.loc == ("data", "status")
        assert read_pact(doc, allow_deprecated=True).status == "Deprecated"

    def test_invalid_document_names_the_path(self) -> None:
        with pytest.raises(PactInvalid) as caught:
            read_pact({"data": [MINIMAL_V2, v3(declaredUnitAmount="5abc")]})
        assert caught.value.loc == ("data", 1, "pcf", "declaredUnitAmount")
        assert caught.value.lines() == ["$.data[1].pcf.declaredUnitAmount: " + caught.value.message]

    def test_not_a_footprint(self) -> None:
        with pytest.raises(InvalidInput):
            read_pact("42")
        with pytest.raises(InvalidInput) as caught:
            read_pact([MINIMAL_V3, "x"])
        assert caught.value.loc == (1,)


class TestInlineFactor:
    def test_is_a_valid_model_file_factor(self) -> None:
        pact = read_pact(v3(primaryDataShare="90", verification={"providerName": "V"}))
        inline = inline_factor_for_model(pact)
        spec = InlineFactor.model_validate(inline)
        assert spec.value == pact.per_unit
        assert spec.unit == "kg"
        assert spec.data is DataKind.PRIMARY
        assert spec.origin is Origin.FOSSIL
        assert spec.quality is not None and spec.quality.reliability == 1
        assert spec.source == pact.factor.source

    def test_origin_of_the_largest_part(self) -> None:
        inline = inline_factor_for_model(read_pact(MINIMAL_V2))
        assert inline["origin"] == "biogenic"
        assert inline["value"] == -687.5
