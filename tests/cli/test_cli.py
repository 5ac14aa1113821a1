"""The ``tanji`` command line, driven through Typer's ``CliRunner`` on ``create_app()``.

Checks what a user relies on: help everywhere, the summary and the reproducible JSON of
``calc``, seeded Monte Carlo, and errors that print one line per problem with the path of
the field, exit with status 2 and never show a traceback.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner, Result

from tanji.cli.app import create_app
from tanji.core.i18n import current_language, set_language
from tanji.footprints import modelfile

EXAMPLES = sorted((Path(__file__).resolve().parents[2] / "examples").glob("*.yaml"))
ALUMINIUM = next(path for path in EXAMPLES if path.name == "primary-aluminium.yaml")
# Hand-computed in examples/README.md: kg CO2e per t of molten aluminium (AR6).
ALUMINIUM_TOTAL = 14216.502

SMALL_MODEL = """\
format: tanji-model/1
product:
  id: widget
  name: {en: Widget}
  unit: {amount: 1, unit: kg}
processes:
  - id: make
    name: {en: Make}
    outputs: [{id: widget, amount: 1, unit: kg}]
    inputs:
      - {id: power, amount: 2, unit: kWh, factor: cn-electricity-footprint-2024}
      - {id: coal, amount: 1, unit: kg, factor: cn-raw-coal-combustion}
"""


@pytest.fixture
def runner() -> CliRunner:
    # Wide enough that rich never wraps an id or a number inside a table cell.
    return CliRunner(env={"COLUMNS": "200"})


def run(runner: CliRunner, *args: str | Path) -> Result:
    """Invoke a freshly built app, as each ``tanji`` process would."""
    return runner.invoke(create_app(), [str(arg) for arg in args])


def write(tmp_path: Path, text: str, name: str = "model.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def calc_json(runner: CliRunner, *args: str | Path) -> dict[str, Any]:
    result = run(runner, "calc", "--json", *args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def command_paths(group: Any, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Every command and group of the app, as the words that invoke it."""
    paths = [prefix]
    for name, command in sorted(getattr(group, "commands", {}).items()):
        paths.extend(command_paths(command, (*prefix, name)))
    return paths


COMMANDS = command_paths(typer.main.get_command(create_app()))


class TestHelp:
    def test_every_command_is_listed(self) -> None:
        assert {" ".join(path) for path in COMMANDS} >= {
            "",
            "calc",
            "gwp",
            "tour",
            "model",
            "model validate",
            "model schema",
            "factors",
            "factors search",
            "factors show",
            "factors import",
            "factors export",
            "factors release",
            "factors diff",
            "factors review",
            "factors migrate",
            "db upgrade",
            "db seed",
        }

    @pytest.mark.parametrize("words", COMMANDS, ids=lambda words: " ".join(words) or "tanji")
    def test_help_works(self, runner: CliRunner, words: tuple[str, ...]) -> None:
        result = run(runner, *words, "--help")
        assert result.exit_code == 0, result.output
        assert "Usage" in result.output
        assert "Traceback" not in result.output

    def test_group_help_lists_its_commands(self, runner: CliRunner) -> None:
        output = run(runner, "model", "--help").output
        assert "validate" in output
        assert "schema" in output

    def test_no_arguments_shows_help(self, runner: CliRunner) -> None:
        result = run(runner)
        assert "calc" in result.output
        assert "factors" in result.output


class TestCalc:
    def test_summary_shows_the_total(self, runner: CliRunner) -> None:
        result = run(runner, "calc", ALUMINIUM)
        assert result.exit_code == 0, result.output
        assert "Carbon footprint" in result.output
        assert "14,217 kg CO2e per 1 t" in result.output

    def test_summary_of_a_small_model(self, runner: CliRunner, tmp_path: Path) -> None:
        # 2 kWh × 0.5777 + 1 kg coal × 1.915091 (AR6) = 3.070491 kg CO2e
        result = run(runner, "calc", write(tmp_path, SMALL_MODEL))
        assert result.exit_code == 0, result.output
        assert "3.07 kg CO2e per 1 kg" in result.output

    def test_json_is_valid_and_records_provenance(self, runner: CliRunner) -> None:
        data = calc_json(runner, ALUMINIUM)
        assert data["total"] == pytest.approx(ALUMINIUM_TOTAL, rel=1e-4)
        assert data["gwp_set"] == "AR6"
        assert data["engine_version"]
        assert re.fullmatch(r"[0-9a-f]{64}", data["input_hash"])
        assert data["uncertainty"] is None

    def test_json_is_byte_identical_across_runs(self, runner: CliRunner) -> None:
        first = run(runner, "calc", "--json", ALUMINIUM)
        second = run(runner, "calc", "--json", ALUMINIUM)
        assert first.exit_code == second.exit_code == 0
        assert first.stdout_bytes == second.stdout_bytes

    def test_input_hash_follows_the_content_not_the_file(
        self, runner: CliRunner, tmp_path: Path
    ) -> None:
        text = ALUMINIUM.read_text(encoding="utf-8")
        changed = text.replace("amount: 13350", "amount: 13351")
        assert changed != text
        original = calc_json(runner, ALUMINIUM)
        copy = calc_json(runner, write(tmp_path, text, "copy.yaml"))
        edited = calc_json(runner, write(tmp_path, changed, "edited.yaml"))
        assert copy["input_hash"] == original["input_hash"]
        assert edited["input_hash"] != original["input_hash"]
        assert edited["total"] == pytest.approx(original["total"] + 0.5777, rel=1e-9)

    def test_input_hash_is_the_same_in_every_interface_language(self, runner: CliRunner) -> None:
        english = calc_json(runner, ALUMINIUM)
        result = run(runner, "--lang", "zh_CN", "calc", "--json", ALUMINIUM)
        chinese = json.loads(result.stdout)
        assert english["input_hash"] == chinese["input_hash"]

    def test_gwp_set_of_the_model_is_recorded(self, runner: CliRunner, tmp_path: Path) -> None:
        text = ALUMINIUM.read_text(encoding="utf-8")
        ar5 = text.replace("gwp: AR6", "gwp: AR5")
        assert ar5 != text
        data = calc_json(runner, write(tmp_path, ar5))
        assert data["gwp_set"] == "AR5"
        assert data["input_hash"] != calc_json(runner, ALUMINIUM)["input_hash"]

    def test_json_model_file(self, runner: CliRunner, tmp_path: Path) -> None:
        data = modelfile.parse_text(SMALL_MODEL)
        path = write(tmp_path, json.dumps(data), "model.json")
        assert calc_json(runner, path)["total"] == pytest.approx(3.070491, rel=1e-6)


class TestCalcMonteCarlo:
    def test_same_seed_gives_the_same_statistics(self, runner: CliRunner) -> None:
        first = calc_json(runner, ALUMINIUM, "--mc", "200", "--seed", "1")
        second = calc_json(runner, ALUMINIUM, "--mc", "200", "--seed", "1")
        assert first["uncertainty"] == second["uncertainty"]
        assert first["sensitivity"] == second["sensitivity"]
        stats = first["uncertainty"]
        assert (stats["iterations"], stats["seed"]) == (200, 1)
        assert stats["p2_5"] < stats["median"] < stats["p97_5"]
        assert stats["std"] > 0

    def test_another_seed_gives_other_statistics(self, runner: CliRunner) -> None:
        first = calc_json(runner, ALUMINIUM, "--mc", "200", "--seed", "1")
        other = calc_json(runner, ALUMINIUM, "--mc", "200", "--seed", "2")
        assert other["uncertainty"]["mean"] != first["uncertainty"]["mean"]
        assert other["total"] == first["total"]

    def test_summary_is_reproducible(self, runner: CliRunner) -> None:
        first = run(runner, "calc", ALUMINIUM, "--mc", "200", "--seed", "1")
        second = run(runner, "calc", ALUMINIUM, "--mc", "200", "--seed", "1")
        assert first.exit_code == 0, first.output
        assert "200 iterations, seed 1" in first.output
        assert first.stdout == second.stdout

    def test_negative_iterations_are_refused(self, runner: CliRunner) -> None:
        result = run(runner, "calc", ALUMINIUM, "--mc", "-5")
        assert result.exit_code == 2
        assert "Traceback" not in result.output


class TestModelValidate:
    @pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
    def test_every_example_is_valid(self, runner: CliRunner, path: Path) -> None:
        result = run(runner, "model", "validate", path)
        assert result.exit_code == 0, result.output
        assert f"{path}: valid" in result.output

    def test_counts_are_reported(self, runner: CliRunner, tmp_path: Path) -> None:
        result = run(runner, "model", "validate", write(tmp_path, SMALL_MODEL))
        assert "1 processes, 2 inputs, 2 factors" in result.output


class TestModelSchema:
    def test_prints_the_json_schema(self, runner: CliRunner) -> None:
        result = run(runner, "model", "schema")
        assert result.exit_code == 0, result.output
        schema = json.loads(result.stdout)
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
        assert schema == modelfile.json_schema()


BAD_MODELS = {
    "yaml-syntax": (
        SMALL_MODEL.replace("name: {en: Make}", "name: {en: Make"),
        "model.yaml: line ",
    ),
    "string-amount": (
        SMALL_MODEL.replace("amount: 2,", "amount: two,"),
        "model.yaml: processes[0].inputs[0].amount: ",
    ),
    "unknown-unit": (
        SMALL_MODEL.replace("unit: kg, factor: cn-raw", "unit: kgg, factor: cn-raw"),
        "model.yaml: processes[0].inputs[1].unit: Unknown unit 'kgg'",
    ),
    "unit-dimension": (
        SMALL_MODEL.replace("unit: kg, factor: cn-raw", "unit: kWh, factor: cn-raw"),
        "processes[0].inputs[1].unit: Unit 'kWh' cannot convert to 'kg' (energy vs mass)",
    ),
    "unknown-factor": (
        SMALL_MODEL.replace("cn-raw-coal-combustion", "no-such-factor"),
        "model.yaml: processes[0].inputs[1].factor: Factor 'no-such-factor' is not in release",
    ),
    "dangling-from": (
        SMALL_MODEL.replace("factor: cn-raw-coal-combustion", "from: mine"),
        "processes[0].inputs[1].from: 'mine'",
    ),
    "typo": (
        SMALL_MODEL.replace("{id: power, amount", "{id: power, amout: 1, amount"),
        "model.yaml: processes[0].inputs[0].amout: Unknown field",
    ),
    "self-loop": (
        SMALL_MODEL.replace("factor: cn-raw-coal-combustion", "from: make").replace(
            "amount: 1, unit: kg, from", "amount: 1.5, unit: kg, from"
        ),
        "make",
    ),
}


class TestErrors:
    @pytest.mark.parametrize("command", ["calc", "validate"])
    @pytest.mark.parametrize("case", sorted(BAD_MODELS))
    def test_bad_model_prints_the_path_and_exits_2(
        self, runner: CliRunner, tmp_path: Path, case: str, command: str
    ) -> None:
        text, expected = BAD_MODELS[case]
        path = write(tmp_path, text)
        words = ("model", "validate") if command == "validate" else ("calc", "--json")
        result = run(runner, *words, path)
        assert result.exit_code == 2, result.output
        assert "Traceback" not in result.output
        assert result.stdout == ""
        assert expected in result.stderr
        assert all(line.startswith("error: ") for line in result.stderr.splitlines())

    def test_each_problem_is_one_line(self, runner: CliRunner, tmp_path: Path) -> None:
        text = SMALL_MODEL.replace("amount: 2,", "amount: -2,").replace(
            "unit: kg, factor: cn-raw", "unit: kgg, factor: cn-raw"
        )
        result = run(runner, "model", "validate", write(tmp_path, text))
        assert result.exit_code == 2
        first, second = result.stderr.splitlines()
        assert first.startswith("error: model.yaml: processes[0].inputs[0].amount: ")
        assert second == "error: model.yaml: processes[0].inputs[1].unit: Unknown unit 'kgg'."

    @pytest.mark.parametrize("command", [("calc",), ("model", "validate")])
    def test_missing_file(
        self, runner: CliRunner, tmp_path: Path, command: tuple[str, ...]
    ) -> None:
        missing = tmp_path / "missing.yaml"
        result = run(runner, *command, missing)
        assert result.exit_code == 2
        assert "Traceback" not in result.output
        assert result.stderr.strip() == f"error: No such file: {missing}"


class TestFactorsSearch:
    def test_finds_the_seed_factors(self, runner: CliRunner) -> None:
        result = run(runner, "factors", "search", "electricity footprint", "--limit", "500")
        assert result.exit_code == 0, result.output
        assert "cn-electricity-footprint-2024" in result.output
        assert "cn-raw-coal-combustion" not in result.output

    def test_filters_by_text(self, runner: CliRunner) -> None:
        result = run(runner, "factors", "search", "coke", "--geography", "CN")
        assert result.exit_code == 0, result.output
        assert "cn-coke-combustion" in result.output
        assert "cn-electricity-footprint-2024" not in result.output


class TestFactorsShow:
    def test_known_factor(self, runner: CliRunner) -> None:
        result = run(runner, "factors", "show", "cn-electricity-footprint-2024")
        assert result.exit_code == 0, result.output
        assert "CO2e=0.5777" in result.output
        assert "kWh" in result.output

    def test_unknown_factor(self, runner: CliRunner) -> None:
        result = run(runner, "factors", "show", "no-such-factor")
        assert result.exit_code == 2
        assert "Traceback" not in result.output
        assert result.stderr.strip() == "error: slug: No factor 'no-such-factor'."


class TestGwp:
    def test_ar5_values(self, runner: CliRunner) -> None:
        result = run(runner, "gwp", "--set", "AR5")
        assert result.exit_code == 0, result.output
        assert "IPCC AR5" in result.output
        assert re.search(r"N2O\s.*\s265\b", result.output)

    def test_default_is_ar6(self, runner: CliRunner) -> None:
        result = run(runner, "gwp")
        assert result.exit_code == 0, result.output
        assert "IPCC AR6" in result.output
        assert re.search(r"N2O\s.*\s273\b", result.output)

    def test_unknown_set(self, runner: CliRunner) -> None:
        result = run(runner, "gwp", "--set", "AR9")
        assert result.exit_code == 2
        assert "Traceback" not in result.output
        assert "AR6, AR5, AR4" in result.stderr


class TestLanguage:
    """Tests run in English (tests/conftest.py); ``--lang`` switches for one command."""

    @pytest.mark.parametrize("lang", ["en", "zh_CN"])
    def test_lang_option_is_accepted(self, runner: CliRunner, lang: str) -> None:
        result = run(runner, "--lang", lang, "calc", ALUMINIUM)
        assert result.exit_code == 0, result.output
        assert current_language() == lang
        assert "14,217" in result.output

    def test_switches_messages(self, runner: CliRunner) -> None:
        set_language("zh_CN")
        english = run(runner, "--lang", "en", "calc", ALUMINIUM).output
        chinese = run(runner, "--lang", "zh_CN", "calc", ALUMINIUM).output
        assert "Product carbon footprint" in english
        assert "Primary aluminium (molten)" in english
        assert "电解铝液" in chinese
        assert "Product carbon footprint" not in chinese

    def test_error_paths_do_not_depend_on_the_language(
        self, runner: CliRunner, tmp_path: Path
    ) -> None:
        text = SMALL_MODEL.replace("unit: kg, factor: cn-raw", "unit: kgg, factor: cn-raw")
        result = run(runner, "--lang", "zh_CN", "model", "validate", write(tmp_path, text))
        assert result.exit_code == 2
        assert "model.yaml: processes[0].inputs[1].unit: " in result.stderr
        assert "kgg" in result.stderr
