"""The study editor's form mapping: model → fields → model, actions and error placement."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tanji.core.errors import InvalidInput
from tanji.footprints import modelfile
from tanji.web.pages import study_form as sf

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _example(name: str) -> dict:
    return yaml.safe_load((EXAMPLES / name).read_text(encoding="utf-8"))


def _cement_form() -> dict[str, str]:
    return sf.flatten(sf.model_to_form(_example("portland-cement.yaml")))


class TestRoundTrip:
    @pytest.mark.parametrize("name", sorted(p.name for p in EXAMPLES.glob("*.yaml")))
    def test_every_example_comes_back_unchanged(self, name: str) -> None:
        model = _example(name)
        back = sf.form_to_model(sf.flatten(sf.model_to_form(model)))
        # a textarea loses the trailing newline of a folded YAML block; nothing else changes
        model["product"]["description"] = model["product"]["description"].strip()
        assert back == model
        assert modelfile.validate(back) == modelfile.validate(model)

    def test_the_examples_exercise_hidden_keys(self) -> None:
        form = sf.flatten(sf.model_to_form(_example("primary-aluminium.yaml")))
        assert '"uncertainty"' in form["processes-1-inputs-0-extra"]
        assert '"cutoffs"' in form["model-extra"]

    def test_an_inline_factor_is_kept_until_a_slug_or_process_replaces_it(self) -> None:
        form = _cement_form()
        assert form["processes-1-inputs-1-factor"] == ""  # gbfs has an inline factor
        kept = sf.form_to_model(form)["processes"][1]["inputs"][1]["factor"]
        assert kept["value"] == 0 and kept["unit"] == "t"
        form["processes-1-inputs-1-factor"] = "cn-electricity-footprint-2024"
        replaced = sf.form_to_model(form)["processes"][1]["inputs"][1]
        assert replaced["factor"] == "cn-electricity-footprint-2024"

    def test_field_names_follow_the_model_path(self) -> None:
        form = _cement_form()
        assert form["processes-1-inputs-2-amount"] == "35"
        assert form["processes-1-inputs-2-unit"] == "kWh"
        assert form["processes-0-inputs-0-quality-completeness"] == "2"
        assert form["product-period-start"] == "2024-01-01"


class TestFormToModel:
    def test_numbers_are_parsed_and_bad_numbers_left_for_the_validator(self) -> None:
        form = _cement_form()
        form["processes-1-inputs-2-amount"] = "36.5"
        form["processes-1-inputs-3-amount"] = "lots"
        inputs = sf.form_to_model(form)["processes"][1]["inputs"]
        assert inputs[2]["amount"] == 36.5
        assert inputs[3]["amount"] == "lots"

    def test_blank_rows_are_dropped(self) -> None:
        rows = sf.apply_action(sf.model_to_form(_example("portland-cement.yaml")), "add-input:0")
        form = sf.flatten(rows)
        assert "processes-0-inputs-2-amount" in form
        model = sf.form_to_model(form)
        assert len(model["processes"][0]["inputs"]) == 2

    def test_a_new_input_without_id_gets_one(self) -> None:
        rows = sf.apply_action(sf.model_to_form(_example("portland-cement.yaml")), "add-input:0")
        form = sf.flatten(rows)
        form.update({"processes-0-inputs-2-amount": "5", "processes-0-inputs-2-unit": "kWh"})
        form["processes-0-inputs-2-factor"] = "cn-electricity-footprint-2024"
        added = sf.form_to_model(form)["processes"][0]["inputs"][2]
        assert added["id"] == "input-3" and added["amount"] == 5

    def test_posted_order_is_kept_even_with_gaps(self) -> None:
        form = _cement_form()
        moved = {k.replace("processes-1-", "processes-7-"): v for k, v in form.items()}
        model = sf.form_to_model(moved)
        assert [p["id"] for p in model["processes"]] == ["clinker-production", "cement-grinding"]

    def test_a_damaged_hidden_field_is_an_error_at_its_row(self) -> None:
        form = _cement_form()
        form["processes-0-inputs-0-extra"] = "{not json"
        with pytest.raises(InvalidInput) as caught:
            sf.form_to_model(form)
        assert caught.value.loc == ("processes", 0, "inputs", 0, "extra")


class TestActions:
    def test_add_and_remove(self) -> None:
        rows = sf.model_to_form(_example("portland-cement.yaml"))
        assert len(sf.apply_action(rows, "add-process")["processes"]) == 3
        assert len(sf.apply_action(rows, "add-emission:1")["processes"][1]["emissions"]) == 1
        removed = sf.apply_action(rows, "remove-input:1:0")["processes"][1]["inputs"]
        assert [r["id"] for r in removed] == [
            "gbfs",
            "grinding-electricity",
            "additive-road-transport",
        ]
        assert len(rows["processes"][1]["inputs"]) == 4  # the original rows are untouched

    def test_unknown_or_out_of_range_actions_change_nothing(self) -> None:
        rows = sf.model_to_form(_example("portland-cement.yaml"))
        assert sf.apply_action(rows, "remove-input:9:0") == rows
        assert sf.apply_action(rows, "explode") == rows


class TestErrors:
    def test_a_field_error_lands_on_its_field(self) -> None:
        rows = sf.model_to_form(_example("portland-cement.yaml"))
        by_field, general = sf.place_errors(
            [(("processes", 1, "inputs", 2, "unit"), "Unknown unit")], rows
        )
        assert by_field == {"processes-1-inputs-2-unit": ["Unknown unit"]} and not general

    def test_groups_and_hidden_keys_land_on_a_field_or_their_row(self) -> None:
        rows = sf.model_to_form(_example("portland-cement.yaml"))
        by_field, general = sf.place_errors(
            [
                (("product", "name"), "Give a name"),
                (("processes", 0, "inputs", 0, "uncertainty", "sd"), "Too big"),
                (("processes", 0, "outputs"), "Too short"),
                (("cutoffs", 0, "share"), "Over 1"),
            ],
            rows,
        )
        assert by_field["product-name-zh"] == ["Give a name"]
        assert by_field["processes-0-inputs-0"] == ["uncertainty.sd: Too big"]
        assert by_field["processes-0"] == ["outputs: Too short"]
        assert general == ["cutoffs[0].share: Over 1"]

    def test_a_validation_error_maps_onto_the_form_that_caused_it(self) -> None:
        form = _cement_form()
        form["processes-1-inputs-2-unit"] = "bananas"
        rows = sf.prune(sf.form_to_rows(form))
        with pytest.raises(modelfile.ModelError) as caught:
            modelfile.validate(sf.rows_to_model(rows))
        by_field, _general = sf.place_errors(sf.errors_of(caught.value), rows)
        assert "processes-1-inputs-2-unit" in by_field
