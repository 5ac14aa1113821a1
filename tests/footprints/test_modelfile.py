"""The model file loader: a valid model loads; each kind of bad model gives a clear error.

Every error must name the offending field as a path (``processes[0].inputs[1].unit``) or,
for a syntax error, the line and column, so a carbon manager can find it in the file.
Models are written into ``tmp_path`` as YAML text so each test shows what it feeds in.
"""

from __future__ import annotations

import json
import re
import textwrap
from pathlib import Path
from typing import Any

import pytest
import yaml

from tanji.core.errors import InvalidInput, SingularSystem, TanjiError, UnitMismatch, format_loc
from tanji.core.model import Boundary, ProductSystem, Stage
from tanji.core.results import calculate
from tanji.footprints import modelfile, service
from tanji.footprints.modelfile import ModelError

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))
FORMAT_DOC = ROOT / "docs" / "model-format.md"

HEADER = """\
format: tanji-model/1
product:
  id: widget
  name: {en: Widget}
  unit: {amount: 1, unit: kg}
processes:
"""


def write_text(tmp_path: Path, text: str, *, name: str = "model.yaml") -> Path:
    """Write ``text`` as a model file and return its path."""
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def write_model(tmp_path: Path, processes: str, *, name: str = "model.yaml") -> Path:
    """Write a model of 1 kg of ``widget`` whose process list is the YAML ``processes``."""
    body = textwrap.indent(textwrap.dedent(processes).strip("\n"), "  ")
    return write_text(tmp_path, HEADER + body + "\n", name=name)


def failure(path: Path) -> TanjiError:
    """The error ``tanji model validate`` meets on ``path`` (it must meet one)."""
    with pytest.raises(TanjiError) as caught:
        service.validate_file(path)
    return caught.value


def where(error: TanjiError) -> str:
    return format_loc(error.loc)


def model_error(path: Path) -> ModelError:
    """The error of a file that fails while being read and validated by the loader."""
    with pytest.raises(ModelError) as caught:
        modelfile.load(path)
    return caught.value


def example_data(path: Path) -> dict[str, Any]:
    """An example as JSON data: YAML dates become ISO strings, as in a JSON model file."""
    return json.loads(json.dumps(yaml.safe_load(path.read_text(encoding="utf-8")), default=str))


MAKE = """
- id: make
  name: {en: Make}
  outputs: [{id: widget, amount: 1, unit: kg}]
  inputs:
    - {id: power, amount: 2, unit: kWh, factor: cn-electricity-footprint-2024}
"""


class TestLoad:
    def test_minimal_model_loads(self, tmp_path: Path) -> None:
        path = write_model(
            tmp_path,
            """
            - id: make
              name: {en: Make}
              outputs: [{id: widget, amount: 1, unit: kg}]
            """,
        )
        system = modelfile.load(path)
        assert isinstance(system, ProductSystem)
        assert [p.id for p in system.processes] == ["make"]
        assert system.reference_product == "make"
        assert (system.amount, system.unit, system.gwp_set) == (1.0, "kg", "AR6")

    def test_defaults_are_those_documented(self, tmp_path: Path) -> None:
        system = modelfile.load(write_model(tmp_path, MAKE))
        process = system.processes[0]
        assert process.stage is Stage.PRODUCTION
        assert system.meta["boundary"] == Boundary.CRADLE_TO_GATE.value
        assert system.meta["geography"] == "CN"
        assert system.cutoff_limits == (0.01, 0.05)

    def test_factor_reference_is_bound_to_the_seed_value(self, tmp_path: Path) -> None:
        system = modelfile.load(write_model(tmp_path, MAKE))
        factor = system.processes[0].inputs[0].provider
        assert not isinstance(factor, str)
        assert factor.id == "cn-electricity-footprint-2024"
        # 2 kWh × 0.5777 kg CO2e/kWh (seed table)
        assert calculate(system).total == pytest.approx(1.1554, rel=1e-9)

    def test_json_model_loads_like_yaml(self, tmp_path: Path) -> None:
        yaml_path = write_model(tmp_path, MAKE)
        data = yaml.safe_load(yaml_path.read_text(encoding="utf-8"))
        json_path = tmp_path / "model.json"
        json_path.write_text(json.dumps(data), encoding="utf-8")
        assert modelfile.load(json_path) == modelfile.load(yaml_path)

    @pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
    def test_every_example_loads(self, path: Path) -> None:
        assert modelfile.load(path).processes


class TestReadSyntax:
    def test_yaml_syntax_error_names_line_and_column(self, tmp_path: Path) -> None:
        path = write_text(
            tmp_path,
            """\
            format: tanji-model/1
            product:
              id: widget
              name: {en: Widget
              unit: {amount: 1, unit: kg}
            """,
        )
        error = model_error(path)
        assert error.lines() == [f"model.yaml: {where(error)}: {error.message}"]
        assert where(error).startswith("line 5, column ")
        assert "YAML syntax error" in error.message

    def test_tab_indentation_is_a_syntax_error(self, tmp_path: Path) -> None:
        path = write_text(tmp_path, "product:\n\tid: widget\n")
        error = model_error(path)
        assert where(error) == "line 2, column 1"
        assert "\\t" in error.message

    def test_json_syntax_error_names_line_and_column(self, tmp_path: Path) -> None:
        path = write_text(
            tmp_path, '{\n  "product": {\n    "id": "widget",,\n  }\n}\n', name="model.json"
        )
        error = model_error(path)
        assert where(error) == "line 3, column 20"
        assert "JSON syntax error" in error.message
        assert error.lines()[0].startswith("model.json: line 3, column 20: ")

    @pytest.mark.parametrize(
        ("name", "text"),
        [("empty.yaml", ""), ("list.yaml", "- a\n- b\n"), ("list.json", "[1, 2]")],
    )
    def test_a_model_must_be_a_mapping(self, tmp_path: Path, name: str, text: str) -> None:
        error = model_error(write_text(tmp_path, text, name=name))
        assert "'product' and 'processes'" in error.message
        assert error.lines() == [f"{name}: {error.message}"]

    def test_missing_file_is_named(self, tmp_path: Path) -> None:
        missing = tmp_path / "nope.yaml"
        with pytest.raises(InvalidInput) as caught:
            modelfile.load(missing)
        assert str(missing) in caught.value.message

    def test_a_key_given_twice_is_an_error(self, tmp_path: Path) -> None:
        # YAML would keep the last value silently; a pasted line must not change a result.
        path = write_model(
            tmp_path,
            """
            - id: make
              name: {en: Make}
              outputs: [{id: widget, amount: 1, unit: kg}]
              inputs:
                - id: power
                  amount: 2
                  amount: 3
                  unit: kWh
                  factor: cn-electricity-footprint-2024
            """,
        )
        error = model_error(path)
        assert where(error) == "line 13, column 9"  # the second "amount"
        assert "'amount'" in error.message


class TestValidate:
    def test_string_where_a_number_is_expected(self, tmp_path: Path) -> None:
        path = write_model(
            tmp_path,
            """
            - id: make
              name: {en: Make}
              outputs: [{id: widget, amount: 1, unit: kg}]
              inputs:
                - {id: power, amount: 2, unit: kWh, factor: cn-electricity-footprint-2024}
                - {id: coal, amount: lots, unit: kg, factor: cn-raw-coal-combustion}
            """,
        )
        error = model_error(path)
        assert where(error) == "processes[0].inputs[1].amount"
        assert "number" in error.message
        assert error.lines() == [f"model.yaml: processes[0].inputs[1].amount: {error.message}"]

    @pytest.mark.parametrize("value", [".inf", "-.inf", ".nan"])
    def test_amounts_must_be_finite(self, tmp_path: Path, value: str) -> None:
        path = write_model(
            tmp_path,
            f"""
            - id: make
              name: {{en: Make}}
              outputs: [{{id: widget, amount: 1, unit: kg}}]
              inputs:
                - {{id: power, amount: {value}, unit: kWh, factor: cn-electricity-footprint-2024}}
            """,
        )
        assert where(model_error(path)) == "processes[0].inputs[0].amount"

    def test_inline_factor_value_must_be_finite(self, tmp_path: Path) -> None:
        path = write_model(
            tmp_path,
            """
            - id: make
              name: {en: Make}
              outputs: [{id: widget, amount: 1, unit: kg}]
              inputs:
                - id: paint
                  amount: 1
                  unit: kg
                  factor: {value: .nan, unit: kg, source: "Supplier EPD 2024"}
            """,
        )
        assert where(model_error(path)) == "processes[0].inputs[0].factor.value"

    def test_inline_factor_problem_is_one_line_at_its_field(self, tmp_path: Path) -> None:
        # A factor is an id or an inline factor; only the form used is checked and named.
        path = write_model(
            tmp_path,
            """
            - id: make
              name: {en: Make}
              outputs: [{id: widget, amount: 1, unit: kg}]
              inputs:
                - {id: paint, amount: 1, unit: kg, factor: {value: 2.1, unit: kg}}
            """,
        )
        assert model_error(path).lines() == [
            "model.yaml: processes[0].inputs[0].factor.source: This field is required."
        ]

    def test_malformed_factor_id_is_one_line_at_the_factor(self, tmp_path: Path) -> None:
        path = write_model(
            tmp_path,
            """
            - id: make
              name: {en: Make}
              outputs: [{id: widget, amount: 1, unit: kg}]
              inputs:
                - {id: power, amount: 1, unit: kWh, factor: "grid power 2024"}
            """,
        )
        assert [format_loc(loc) for loc, _ in model_error(path).problems] == [
            "processes[0].inputs[0].factor"
        ]

    @pytest.mark.parametrize(
        ("field", "loc"),
        [
            ("amout: 2", "processes[0].inputs[0].amout"),
            ("factr: x", "processes[0].inputs[0].factr"),
            ("sorce: x", "processes[0].inputs[0].sorce"),
        ],
    )
    def test_unknown_field_is_named(self, tmp_path: Path, field: str, loc: str) -> None:
        path = write_model(
            tmp_path,
            f"""
            - id: make
              name: {{en: Make}}
              outputs: [{{id: widget, amount: 1, unit: kg}}]
              inputs:
                - {{id: power, amount: 2, {field}, unit: kWh, factor: cn-grid-co2-2023}}
            """,
        )
        error = model_error(path)
        assert where(error) == loc
        assert "Unknown field" in error.message
        assert "tanji model schema" in error.message

    def test_unknown_top_level_section(self, tmp_path: Path) -> None:
        path = write_text(tmp_path, HEADER.replace("processes:", "proceses:") + "  - {}\n")
        error = model_error(path)
        assert {format_loc(loc) for loc, _ in error.problems} == {"proceses", "processes"}

    def test_every_problem_is_one_line(self, tmp_path: Path) -> None:
        path = write_model(
            tmp_path,
            """
            - id: make
              name: {en: Make}
              outputs: [{id: widget, amount: 0, unit: kg}]
              inputs:
                - {id: power, amount: -2, unit: kWh, factor: cn-electricity-footprint-2024}
            """,
        )
        lines = model_error(path).lines()
        assert len(lines) == 2
        assert lines[0].startswith("model.yaml: processes[0].outputs[0].amount: ")
        assert lines[1].startswith("model.yaml: processes[0].inputs[0].amount: ")
        assert all("\n" not in line for line in lines)

    @pytest.mark.parametrize(
        ("item", "loc"),
        [
            (
                "inputs: [{id: power, amount: -2, unit: kWh, factor: cn-grid-co2-2023}]",
                "processes[0].inputs[0].amount",
            ),
            ("emissions: [{gas: CO2, amount: -5}]", "processes[0].emissions[0].amount"),
            ("removals: [{gas: CO2, amount: -5}]", "processes[0].removals[0].amount"),
        ],
    )
    def test_negative_amounts_are_rejected(self, tmp_path: Path, item: str, loc: str) -> None:
        path = write_model(
            tmp_path,
            f"""
            - id: make
              name: {{en: Make}}
              outputs: [{{id: widget, amount: 1, unit: kg}}]
              {item}
            """,
        )
        error = model_error(path)
        assert where(error) == loc
        assert "greater than or equal to 0" in error.message

    @pytest.mark.parametrize("amount", ["-1", "0"])
    def test_outputs_must_be_positive(self, tmp_path: Path, amount: str) -> None:
        path = write_model(
            tmp_path,
            f"""
            - id: make
              name: {{en: Make}}
              outputs: [{{id: widget, amount: {amount}, unit: kg}}]
            """,
        )
        error = model_error(path)
        assert where(error) == "processes[0].outputs[0].amount"
        assert "greater than 0" in error.message

    @pytest.mark.parametrize("unit", ["kgg", "kWhh", "tonnes of stuff"])
    def test_unknown_unit_is_named(self, tmp_path: Path, unit: str) -> None:
        path = write_model(
            tmp_path,
            f"""
            - id: make
              name: {{en: Make}}
              outputs: [{{id: widget, amount: 1, unit: kg}}]
              inputs:
                - {{id: power, amount: 2, unit: kWh, factor: cn-electricity-footprint-2024}}
                - {{id: coal, amount: 1, unit: "{unit}", factor: cn-raw-coal-combustion}}
            """,
        )
        error = model_error(path)
        assert where(error) == "processes[0].inputs[1].unit"
        assert unit in error.message
        assert error.lines() == [f"model.yaml: processes[0].inputs[1].unit: {error.message}"]

    @pytest.mark.parametrize(
        ("outputs", "emissions", "loc"),
        [
            (
                "[{id: widget, amount: 1, unit: kg}]",
                "[{gas: CO2, amount: 5, unit: kgg}]",
                "processes[0].emissions[0].unit",
            ),
            (
                '[{id: widget, amount: 1, unit: kg, mass: "1 kgg/kg"}]',
                "[]",
                "processes[0].outputs[0].mass",
            ),
            ("[{id: widget, amount: 1, unit: kgg}]", "[]", "processes[0].outputs[0].unit"),
        ],
    )
    def test_unknown_unit_elsewhere_is_named(
        self, tmp_path: Path, outputs: str, emissions: str, loc: str
    ) -> None:
        path = write_model(
            tmp_path,
            f"""
            - id: make
              name: {{en: Make}}
              outputs: {outputs}
              emissions: {emissions}
            """,
        )
        error = model_error(path)
        assert where(error) == loc
        assert "kgg" in error.message

    @pytest.mark.parametrize(
        "provider",
        [
            "factor: cn-grid-co2-2023, from: make",
            "",
        ],
        ids=["both", "neither"],
    )
    def test_input_needs_exactly_one_provider(self, tmp_path: Path, provider: str) -> None:
        path = write_model(
            tmp_path,
            f"""
            - id: make
              name: {{en: Make}}
              outputs: [{{id: widget, amount: 1, unit: kg}}]
              inputs:
                - {{id: power, amount: 2, unit: kWh, factor: cn-electricity-footprint-2024}}
                - {{id: more-power, amount: 2, unit: kWh, {provider}}}
            """,
        )
        error = model_error(path)
        assert where(error) == "processes[0].inputs[1]"
        assert "'from'" in error.message
        assert "'factor'" in error.message

    @pytest.mark.parametrize("score", [0, 6])
    def test_pedigree_scores_run_from_1_to_5(self, tmp_path: Path, score: int) -> None:
        path = write_model(
            tmp_path,
            f"""
            - id: make
              name: {{en: Make}}
              outputs: [{{id: widget, amount: 1, unit: kg}}]
              inputs:
                - id: power
                  amount: 2
                  unit: kWh
                  factor: cn-electricity-footprint-2024
                  quality: {{reliability: 2, temporal: {score}}}
            """,
        )
        assert where(model_error(path)) == "processes[0].inputs[0].quality.temporal"

    @pytest.mark.parametrize(
        ("spec", "words"),
        [
            ("{distribution: lognormal}", "gsd"),
            ("{distribution: lognormal, gsd: 0.5}", "greater than or equal to 1"),
            ("{distribution: normal}", "sd"),
            ("{distribution: triangular, min: 1}", "max"),
            ("{distribution: uniform, min: 3, max: 1}", "min is larger than max"),
            ("{distribution: poisson}", "lognormal"),
        ],
    )
    def test_bad_uncertainty_spec(self, tmp_path: Path, spec: str, words: str) -> None:
        path = write_model(
            tmp_path,
            f"""
            - id: make
              name: {{en: Make}}
              outputs: [{{id: widget, amount: 1, unit: kg}}]
              emissions:
                - {{gas: CO2, amount: 2, uncertainty: {spec}}}
            """,
        )
        error = model_error(path)
        assert where(error).startswith("processes[0].emissions[0].uncertainty")
        assert words in error.message

    def test_amount_outside_its_range(self, tmp_path: Path) -> None:
        path = write_model(
            tmp_path,
            """
            - id: make
              name: {en: Make}
              outputs: [{id: widget, amount: 1, unit: kg}]
              emissions:
                - {gas: CO2, amount: 5, uncertainty: {distribution: triangular, min: 1, max: 3}}
            """,
        )
        error = failure(path)
        assert where(error) == "processes[0].emissions[0].uncertainty"
        assert "min ≤ amount ≤ max" in error.message

    def test_unknown_gwp_set(self, tmp_path: Path) -> None:
        text = HEADER.replace("processes:", "  gwp: AR9\nprocesses:")
        path = write_text(tmp_path, text + textwrap.indent(MAKE.strip("\n"), "  ") + "\n")
        error = model_error(path)
        assert where(error) == "product.gwp"
        assert "AR6" in error.message


class TestBindFactors:
    def test_unknown_factor_id_is_named(self, tmp_path: Path) -> None:
        path = write_model(
            tmp_path,
            """
            - id: make
              name: {en: Make}
              outputs: [{id: widget, amount: 1, unit: kg}]
              inputs:
                - {id: power, amount: 2, unit: kWh, factor: cn-electricity-footprint-2024}
                - {id: coal, amount: 1, unit: kg, factor: cn-raw-coal-combusion}
            """,
        )
        error = model_error(path)
        assert where(error) == "processes[0].inputs[1].factor"
        assert "cn-raw-coal-combusion" in error.message
        assert "tanji factors search" in error.message
        assert error.lines()[0].startswith("model.yaml: processes[0].inputs[1].factor: ")

    def test_unknown_avoided_factor_is_named(self, tmp_path: Path) -> None:
        path = write_model(
            tmp_path,
            """
            - id: make
              name: {en: Make}
              allocation: system-expansion
              outputs:
                - {id: widget, amount: 1, unit: kg, reference: true}
                - {id: slag, amount: 0.3, unit: t, avoided: {factor: no-such-clinker}}
            """,
        )
        assert where(model_error(path)) == "processes[0].outputs[1].avoided.factor"


class TestCheckModel:
    """Problems found when the processes are linked into one system (``model validate``)."""

    def test_factor_unit_of_wrong_dimension(self, tmp_path: Path) -> None:
        path = write_model(
            tmp_path,
            """
            - id: make
              name: {en: Make}
              outputs: [{id: widget, amount: 1, unit: kg}]
              inputs:
                - {id: power, amount: 2, unit: kWh, factor: cn-electricity-footprint-2024}
                - {id: coal, amount: 1, unit: kWh, factor: cn-raw-coal-combustion}
            """,
        )
        error = failure(path)
        assert isinstance(error, UnitMismatch)
        assert where(error) == "processes[0].inputs[1].unit"
        for word in ("'kWh'", "'kg'", "energy", "mass"):
            assert word in error.message
        assert str(error).startswith("processes[0].inputs[1].unit: ")

    def test_linked_input_unit_of_wrong_dimension(self, tmp_path: Path) -> None:
        path = write_model(
            tmp_path,
            """
            - id: make
              name: {en: Make}
              outputs: [{id: widget, amount: 1, unit: kg}]
              inputs:
                - {id: power, amount: 2, unit: kWh, factor: cn-electricity-footprint-2024}
                - {id: steam, amount: 3, unit: t, from: boiler}
            - id: boiler
              name: {en: Boiler}
              outputs: [{id: steam, amount: 1, unit: GJ}]
            """,
        )
        error = failure(path)
        assert isinstance(error, UnitMismatch)
        assert where(error) == "processes[0].inputs[1].unit"
        for word in ("'t'", "'GJ'", "mass", "energy"):
            assert word in error.message

    def test_normal_cubic_metres_are_not_cubic_metres(self, tmp_path: Path) -> None:
        path = write_model(
            tmp_path,
            """
            - id: make
              name: {en: Make}
              outputs: [{id: widget, amount: 1, unit: kg}]
              inputs:
                - {id: gas, amount: 2, unit: m3, factor: cn-natural-gas-combustion}
            """,
        )
        error = failure(path)
        assert where(error) == "processes[0].inputs[0].unit"
        assert "normal volume" in error.message

    def test_emission_unit_must_be_a_mass(self, tmp_path: Path) -> None:
        path = write_model(
            tmp_path,
            """
            - id: make
              name: {en: Make}
              outputs: [{id: widget, amount: 1, unit: kg}]
              emissions: [{gas: CO2, amount: 5, unit: kWh}]
            """,
        )
        assert where(failure(path)) == "processes[0].emissions[0].unit"

    def test_unknown_gas(self, tmp_path: Path) -> None:
        path = write_model(
            tmp_path,
            """
            - id: make
              name: {en: Make}
              outputs: [{id: widget, amount: 1, unit: kg}]
              emissions: [{gas: CO3, amount: 5}]
            """,
        )
        error = failure(path)
        assert where(error) == "processes[0].emissions[0].gas"
        assert "CO3" in error.message

    def test_dangling_link(self, tmp_path: Path) -> None:
        path = write_model(
            tmp_path,
            """
            - id: make
              name: {en: Make}
              outputs: [{id: widget, amount: 1, unit: kg}]
              inputs:
                - {id: power, amount: 2, unit: kWh, factor: cn-electricity-footprint-2024}
                - {id: steam, amount: 3, unit: GJ, from: boiler}
            """,
        )
        error = failure(path)
        assert where(error) == "processes[0].inputs[1].from"
        assert "'boiler'" in error.message

    def test_unknown_reference_product(self, tmp_path: Path) -> None:
        text = HEADER.replace("processes:", "  reference: gadget\nprocesses:")
        path = write_text(tmp_path, text + textwrap.indent(MAKE.strip("\n"), "  ") + "\n")
        error = failure(path)
        assert where(error) == "product.reference"
        assert "'gadget'" in error.message

    def test_declared_unit_must_match_the_product(self, tmp_path: Path) -> None:
        text = HEADER.replace("unit: {amount: 1, unit: kg}", "unit: {amount: 1, unit: kWh}")
        path = write_text(tmp_path, text + textwrap.indent(MAKE.strip("\n"), "  ") + "\n")
        error = failure(path)
        assert where(error) == "product.unit.unit"
        assert "'kWh'" in error.message

    def test_duplicate_process_id(self, tmp_path: Path) -> None:
        path = write_model(
            tmp_path,
            """
            - id: make
              name: {en: Make}
              outputs: [{id: widget, amount: 1, unit: kg}]
            - id: make
              name: {en: Make again}
              outputs: [{id: gadget, amount: 1, unit: kg}]
            """,
        )
        error = failure(path)
        assert where(error) == "processes[1].id"
        assert "'make'" in error.message

    def test_duplicate_output_id(self, tmp_path: Path) -> None:
        path = write_model(
            tmp_path,
            """
            - id: make
              name: {en: Make}
              outputs: [{id: widget, amount: 1, unit: kg}]
            - id: make-more
              name: {en: Make more}
              outputs: [{id: widget, amount: 1, unit: kg}]
            """,
        )
        error = failure(path)
        assert where(error) == "processes[1].outputs[0].id"
        assert "'widget'" in error.message

    def test_loop_consuming_more_than_it_makes_names_the_processes(self, tmp_path: Path) -> None:
        path = write_model(
            tmp_path,
            """
            - id: make
              name: {en: Make}
              outputs: [{id: widget, amount: 1, unit: kg}]
              inputs: [{id: coal, amount: 1, unit: kg, from: mine}]
            - id: mine
              name: {en: Mine}
              outputs: [{id: coal, amount: 1, unit: kg}]
              inputs: [{id: widget, amount: 1.5, unit: kg, from: make}]
            """,
        )
        error = failure(path)
        assert isinstance(error, SingularSystem)
        assert sorted(name.split("/")[0] for name in error.processes) == ["make", "mine"]
        for name in error.processes:
            assert name in error.message

    def test_process_using_all_of_its_own_product(self, tmp_path: Path) -> None:
        path = write_model(
            tmp_path,
            """
            - id: make
              name: {en: Make}
              outputs: [{id: widget, amount: 1, unit: kg}]
              inputs: [{id: widget, amount: 1, unit: kg, from: make}]
            """,
        )
        error = failure(path)
        assert isinstance(error, SingularSystem)
        assert [name.split("/")[0] for name in error.processes] == ["make"]
        assert error.processes[0] in error.message

    def test_multi_output_process_needs_allocation(self, tmp_path: Path) -> None:
        path = write_model(
            tmp_path,
            """
            - id: make
              name: {en: Make}
              outputs:
                - {id: widget, amount: 1, unit: kg}
                - {id: offcut, amount: 0.2, unit: kg}
            """,
        )
        error = failure(path)
        assert where(error) == "processes[0].allocation"
        assert "system-expansion" in error.message

    def test_shares_must_sum_to_one(self, tmp_path: Path) -> None:
        path = write_model(
            tmp_path,
            """
            - id: make
              name: {en: Make}
              allocation: shares
              outputs:
                - {id: widget, amount: 1, unit: kg, share: 0.5}
                - {id: offcut, amount: 0.2, unit: kg, share: 0.4}
            """,
        )
        error = failure(path)
        assert where(error) == "processes[0].outputs"
        assert "0.9" in error.message

    def test_share_missing_on_an_output(self, tmp_path: Path) -> None:
        path = write_model(
            tmp_path,
            """
            - id: make
              name: {en: Make}
              allocation: shares
              outputs:
                - {id: widget, amount: 1, unit: kg, share: 1}
                - {id: offcut, amount: 0.2, unit: kg}
            """,
        )
        assert where(failure(path)) == "processes[0].outputs[1].share"

    def test_energy_allocation_needs_an_energy_property(self, tmp_path: Path) -> None:
        path = write_model(
            tmp_path,
            """
            - id: make
              name: {en: Make}
              allocation: energy
              outputs:
                - {id: widget, amount: 1, unit: kg, energy: "20 MJ/kg"}
                - {id: gas, amount: 5, unit: Nm3}
            """,
        )
        error = failure(path)
        assert where(error) == "processes[0].outputs[1].energy"
        assert "'energy'" in error.message

    def test_system_expansion_needs_the_avoided_product(self, tmp_path: Path) -> None:
        path = write_model(
            tmp_path,
            """
            - id: make
              name: {en: Make}
              allocation: system-expansion
              outputs:
                - {id: widget, amount: 1, unit: kg, reference: true}
                - {id: slag, amount: 0.3, unit: t}
            """,
        )
        assert where(failure(path)) == "processes[0].outputs[1].avoided"


class TestJsonSchema:
    def test_schema_is_draft_2020_12(self) -> None:
        jsonschema = pytest.importorskip("jsonschema")
        schema = modelfile.json_schema()
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
        jsonschema.Draft202012Validator.check_schema(schema)

    @pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
    def test_every_example_is_valid(self, path: Path) -> None:
        jsonschema = pytest.importorskip("jsonschema")
        validator = jsonschema.Draft202012Validator(modelfile.json_schema())
        assert [error.message for error in validator.iter_errors(example_data(path))] == []

    def test_examples_exist(self) -> None:
        assert len(EXAMPLES) >= 6

    @pytest.mark.parametrize(
        ("field", "value"),
        [("amount", "lots"), ("amout", 2), ("quality", {"reliability": 6})],
    )
    def test_broken_model_fails_at_the_loader_path(
        self, tmp_path: Path, field: str, value: object
    ) -> None:
        jsonschema = pytest.importorskip("jsonschema")
        data = example_data(EXAMPLES[0])
        data["processes"][0]["inputs"][0][field] = value
        validator = jsonschema.Draft202012Validator(modelfile.json_schema())
        schema_paths = {tuple(error.absolute_path) for error in validator.iter_errors(data)}
        assert schema_paths
        path = tmp_path / "broken.json"
        path.write_text(json.dumps(data), encoding="utf-8")
        loader_locs = {loc for loc, _ in model_error(path).problems}
        # The schema reports the object holding an unknown key; the loader names the key.
        assert any(
            loc[: len(schema_path)] == schema_path
            for loc in loader_locs
            for schema_path in schema_paths
        )


def documented_yaml() -> list[str]:
    """The YAML blocks of the user documentation of the format."""
    return re.findall(r"```yaml\n(.*?)```", FORMAT_DOC.read_text(encoding="utf-8"), re.S)


class TestDocumentedModels:
    """The models in ``docs/model-format.md`` load and give the totals the page states."""

    @pytest.mark.parametrize(
        ("first_line", "total"),
        [
            ("format: tanji-model/1\nproduct:\n  id: widget", 3.070491),
            ("product:\n  id: crate", 3.28),
            ("format: tanji-model/1\nproduct:\n  id: quicklime", 1030.315),
        ],
        ids=["first-model", "separated-figures", "complete-example"],
    )
    def test_whole_models(self, tmp_path: Path, first_line: str, total: float) -> None:
        (text,) = [block for block in documented_yaml() if block.startswith(first_line)]
        result = service.calculate_file(write_text(tmp_path, text))
        assert result.total == pytest.approx(total, rel=1e-6)

    # 157.77 kg CO2e per run, shared 10/11 : 1/11 by price; 1 t and 0.5 t per run.
    @pytest.mark.parametrize(
        ("reference", "per_tonne"),
        [("main-product", 157.77 * 10 / 11), ("by-product", 157.77 / 11 / 0.5)],
    )
    def test_allocation_example(self, tmp_path: Path, reference: str, per_tonne: float) -> None:
        (process,) = [block for block in documented_yaml() if "id: refining" in block]
        header = HEADER.replace("unit: {amount: 1, unit: kg}", "unit: {amount: 1, unit: t}")
        header = header.replace("processes:", f"  reference: {reference}\nprocesses:")
        result = service.calculate_file(write_text(tmp_path, header + process))
        assert result.total == pytest.approx(per_tonne, rel=1e-9)
