"""Validation of PACT documents: the schema with format checking, plus Tanji's own checks."""

from __future__ import annotations

import copy
from collections.abc import Callable
from importlib.resources import files
from typing import Any

import pytest
import yaml

from tanji.core.errors import InvalidInput
from tanji.exchange.pact import (
    PactInvalid,
    Problem,
    check_v3,
    to_pact_v2,
    to_pact_v3,
    validate_v2,
    validate_v3,
)
from tanji.exchange.pact.validation import validator_for

from .examples import source_for

Doc = dict[str, Any]


@pytest.fixture(scope="module")
def v3() -> Doc:
    return to_pact_v3(source_for("portland-cement.yaml"))


@pytest.fixture(scope="module")
def v2() -> Doc:
    return to_pact_v2(source_for("portland-cement.yaml"))


def changed(doc: Doc, change: Callable[[Doc], object]) -> Doc:
    copied = copy.deepcopy(doc)
    change(copied)
    return copied


def locs(problems: list[Problem]) -> list[tuple[str | int, ...]]:
    return [problem.loc for problem in problems]


def set_pcf(**values: object) -> Callable[[Doc], None]:
    return lambda doc: doc["pcf"].update(values)


class TestSchema:
    def test_a_missing_required_field_is_reported_on_its_object(self, v3: Doc) -> None:
        problems = validate_v3(changed(v3, lambda d: d["pcf"].pop("fossilGhgEmissions")))
        assert locs(problems) == [("pcf",)]
        assert "fossilGhgEmissions" in problems[0].message
        assert problems[0].path == "$.pcf"

    def test_enum(self, v3: Doc) -> None:
        problems = validate_v3(changed(v3, set_pcf(declaredUnitOfMeasurement="tonne")))
        assert locs(problems) == [("pcf", "declaredUnitOfMeasurement")]

    @pytest.mark.parametrize(
        ("field", "value"),
        [("created", "2025-03-01"), ("created", "yesterday"), ("id", "not-a-uuid")],
    )
    def test_formats_are_checked(self, v3: Doc, field: str, value: str) -> None:
        assert locs(validate_v3(changed(v3, lambda d: d.update({field: value})))) == [(field,)]

    def test_ids_must_be_urns(self, v3: Doc) -> None:
        problems = validate_v3(changed(v3, lambda d: d.update(companyIds=["SX-0001"])))
        assert locs(problems) == [("companyIds", 0)]

    def test_unknown_members_and_standards_are_accepted(self, v3: Doc) -> None:
        def extend(doc: Doc) -> None:
            doc["updated"] = "2025-03-02T00:00:00Z"  # a v2 field, still allowed
            doc["pcf"]["crossSectoralStandards"].append("PAS2050")
            doc["pcf"]["crossSectoralStandards"].append("A-standard-from-a-later-version")

        assert validate_v3(changed(v3, extend)) == []

    def test_null_means_undefined(self, v3: Doc) -> None:
        assert validate_v3(changed(v3, set_pcf(aircraftGhgEmissions=None))) == []
        problems = validate_v3(changed(v3, set_pcf(fossilGhgEmissions=None)))
        assert locs(problems) == [("pcf",)]

    def test_not_an_object(self) -> None:
        assert locs(validate_v3(["not", "a", "footprint"])) == [()]

    def test_refs_resolve_inside_an_openapi_document(self, v3: Doc) -> None:
        # The shape of the published files: schemas under components/schemas.
        folder = files("tanji.exchange.pact") / "schemas"
        text = (folder / "v3.0.3-productfootprint.schema.yaml").read_text(encoding="utf-8")
        own = yaml.safe_load(text.replace("#/$defs/", "#/components/schemas/"))
        openapi = {"openapi": "3.1.0", "components": {"schemas": own["$defs"]}}
        validator = validator_for(openapi, "#/components/schemas/ProductFootprint")
        assert list(validator.iter_errors(v3)) == []
        broken = changed(v3, set_pcf(declaredUnitOfMeasurement="tonne"))
        errors = list(validator.iter_errors(broken))
        assert [list(error.absolute_path) for error in errors] == [
            ["pcf", "declaredUnitOfMeasurement"]
        ]


class TestDecimals:
    @pytest.mark.parametrize(
        ("field", "value"),
        [
            ("pcfExcludingBiogenicUptake", "1.2345e+6"),  # the prose's own example
            ("pcfIncludingBiogenicUptake", "692,18"),
            ("fossilGhgEmissions", "-1"),
            ("fossilGhgEmissions", 692.18),  # a JSON number, not a string
            ("biogenicCO2Uptake", "10"),  # the spec's NegativeOrZero pattern accepts it
            ("biogenicCO2Uptake", "abc0"),  # … and this
            ("declaredUnitAmount", "5abc"),  # the spec's PositiveNonZero pattern accepts it
            ("declaredUnitAmount", "x0.5"),  # … and this
            ("declaredUnitAmount", "0"),
            ("primaryDataShare", "120"),
            ("exemptedEmissionsPercent", "-3"),
            ("productMassPerDeclaredUnit", "-1000"),
        ],
    )
    def test_rejected_at_their_path(self, v3: Doc, field: str, value: object) -> None:
        problems = validate_v3(changed(v3, set_pcf(**{field: value})))
        assert ("pcf", field) in locs(problems), problems

    @pytest.mark.parametrize("value", ["0", "0.5", "6", "5.01", "2,5"])
    def test_dqr_between_1_and_5(self, v3: Doc, value: str) -> None:
        problems = validate_v3(changed(v3, lambda d: d["pcf"]["dqi"].update(temporalDQR=value)))
        assert locs(problems) == [("pcf", "dqi", "temporalDQR")]

    @pytest.mark.parametrize("value", ["1", "5", "3.25"])
    def test_dqr_in_range_passes(self, v3: Doc, value: str) -> None:
        assert validate_v3(changed(v3, lambda d: d["pcf"]["dqi"].update(temporalDQR=value))) == []


class TestOwnRules:
    def test_one_geography_at_most(self, v3: Doc) -> None:
        problems = validate_v3(changed(v3, set_pcf(geographyCountrySubdivision="CN-SX")))
        assert locs(problems) == [("pcf", "geographyCountrySubdivision")]

    def test_packaging_emissions_only_when_included(self, v3: Doc) -> None:
        problems = validate_v3(changed(v3, set_pcf(packagingGhgEmissions="3")))
        assert locs(problems) == [("pcf", "packagingGhgEmissions")]
        included = set_pcf(packagingEmissionsIncluded=True, packagingGhgEmissions="3")
        assert validate_v3(changed(v3, included)) == []

    def test_ccs_figures_only_when_included(self, v3: Doc) -> None:
        change = set_pcf(ccsTechnologicalCO2CaptureIncluded=False, ccsTechnologicalCO2Capture="-5")
        assert locs(validate_v3(changed(v3, change))) == [("pcf", "ccsTechnologicalCO2Capture")]

    def test_totals_must_agree(self, v3: Doc) -> None:
        problems = validate_v3(changed(v3, set_pcf(biogenicCO2Uptake="-50")))
        assert locs(problems) == [("pcf", "pcfIncludingBiogenicUptake")]

    def test_other_operator_needs_a_name(self, v3: Doc) -> None:
        def drop(doc: Doc) -> None:
            del doc["pcf"]["productOrSectorSpecificRules"][0]["otherOperatorName"]

        problems = validate_v3(changed(v3, drop))
        assert locs(problems) == [("pcf", "productOrSectorSpecificRules", 0, "otherOperatorName")]

    def test_reference_period_order(self, v3: Doc) -> None:
        problems = validate_v3(changed(v3, set_pcf(referencePeriodEnd="2023-12-31T00:00:00Z")))
        assert locs(problems) == [("pcf", "referencePeriodEnd")]

    @pytest.mark.parametrize(
        ("start", "end", "where"),
        [
            ("2025-01-01T00:00:00Z", None, ("validityPeriodEnd",)),
            ("2024-06-01T00:00:00Z", "2026-01-01T00:00:00Z", ("validityPeriodStart",)),
            ("2025-02-01T00:00:00Z", "2025-01-15T00:00:00Z", ("validityPeriodEnd",)),
            ("2025-01-01T00:00:00Z", "2028-01-02T00:00:00Z", ("validityPeriodEnd",)),
        ],
    )
    def test_validity_period(self, v3: Doc, start: str, end: str | None, where: tuple) -> None:
        def set_validity(doc: Doc) -> None:
            doc["validityPeriodStart"] = start
            if end:
                doc["validityPeriodEnd"] = end

        assert locs(validate_v3(changed(v3, set_validity))) == [where]

    def test_a_valid_validity_period(self, v3: Doc) -> None:
        def set_validity(doc: Doc) -> None:
            doc["validityPeriodStart"] = "2025-01-01T00:00:00Z"
            doc["validityPeriodEnd"] = "2028-01-01T00:00:00Z"

        assert validate_v3(changed(v3, set_validity)) == []

    def test_a_footprint_cannot_precede_itself(self, v3: Doc) -> None:
        problems = validate_v3(changed(v3, lambda d: d.update(precedingPfIds=[d["id"]])))
        assert locs(problems) == [("precedingPfIds",)]

    def test_spec_version_must_match(self, v3: Doc) -> None:
        problems = validate_v3(changed(v3, lambda d: d.update(specVersion="2.3.0")))
        assert locs(problems) == [("specVersion",)]


class TestCheck:
    def test_raises_at_the_first_problem_with_all_listed(self, v3: Doc) -> None:
        broken = changed(v3, set_pcf(biogenicCO2Uptake="10", declaredUnitAmount="x0.5"))
        with pytest.raises(PactInvalid) as caught:
            check_v3(broken)
        error = caught.value
        assert isinstance(error, InvalidInput)
        assert error.loc in {("pcf", "biogenicCO2Uptake"), ("pcf", "declaredUnitAmount")}
        assert len(error.problems) >= 2
        assert any(line.startswith("$.pcf.declaredUnitAmount: ") for line in error.lines())

    def test_passes_silently(self, v3: Doc) -> None:
        assert check_v3(v3) is None


class TestV2:
    @pytest.mark.parametrize("value", [0, 4, 3.5])
    def test_dqr_between_1_and_3(self, v2: Doc, value: float) -> None:
        problems = validate_v2(changed(v2, lambda d: d["pcf"]["dqi"].update(reliabilityDQR=value)))
        assert locs(problems) == [("pcf", "dqi", "reliabilityDQR")]

    def test_exempted_emissions_capped_at_5(self, v2: Doc) -> None:
        problems = validate_v2(changed(v2, set_pcf(exemptedEmissionsPercent=6)))
        assert locs(problems) == [("pcf", "exemptedEmissionsPercent")]

    def test_no_piece_in_v2(self, v2: Doc) -> None:
        problems = validate_v2(changed(v2, set_pcf(declaredUnit="piece")))
        assert locs(problems) == [("pcf", "declaredUnit")]

    def test_either_spelling_of_the_standards(self, v2: Doc) -> None:
        prose = set_pcf(crossSectoralStandards=["GHGP Product", "PACT Methodology 2.0"])
        assert validate_v2(changed(v2, prose)) == []

    def test_broken_pattern_cases(self, v2: Doc) -> None:
        problems = validate_v2(
            changed(v2, set_pcf(biogenicCarbonWithdrawal="10", unitaryProductAmount="5abc"))
        )
        assert set(locs(problems)) == {
            ("pcf", "biogenicCarbonWithdrawal"),
            ("pcf", "unitaryProductAmount"),
        }

    def test_fields_mandatory_from_2025(self, v2: Doc) -> None:
        def move(doc: Doc) -> None:
            doc["pcf"]["referencePeriodStart"] = "2025-01-01T00:00:00Z"
            doc["pcf"]["referencePeriodEnd"] = "2026-01-01T00:00:00Z"

        missing = {loc[1] for loc in locs(validate_v2(changed(v2, move)))}
        assert missing == {"iLucGhgEmissions", "landManagementGhgEmissions"}

    def test_a_v3_document_is_not_v2(self, v3: Doc) -> None:
        assert ("specVersion",) in locs(validate_v2(v3))
