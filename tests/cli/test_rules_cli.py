"""``tanji rules …`` and the rule section of ``tanji calc``."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner, Result

from tanji.cli.app import create_app

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
ALUMINIUM = EXAMPLES / "primary-aluminium.yaml"


def run(*args: str | Path) -> Result:
    return CliRunner(env={"COLUMNS": "200"}).invoke(create_app(), [str(a) for a in args])


class TestRulesCommands:
    def test_list(self) -> None:
        result = run("rules", "list")
        assert result.exit_code == 0, result.output
        assert "general" in result.output and "GB/T 44905-2024" in result.output

    def test_show(self) -> None:
        result = run("rules", "show", "electrolytic-aluminium")
        assert result.exit_code == 0, result.output
        assert "anode-effect-pfc" in result.output and "≤ 1% per input" in result.output

    def test_unknown_rule(self) -> None:
        result = run("rules", "show", "unobtainium")
        assert result.exit_code == 2 and "unobtainium" in result.stderr

    def test_check_reports_errors_and_exits_1(self) -> None:
        # the example models anode CO2 as a direct emission but not the anodes themselves
        result = run("rules", "check", ALUMINIUM, "--no-db")
        assert result.exit_code == 1, result.output
        assert "Carbon anodes" in result.output
        assert "cannot be submitted" in result.output


class TestCalcShowsTheRule:
    def test_summary_has_findings(self) -> None:
        result = run("calc", ALUMINIUM, "--no-db")
        assert result.exit_code == 0, result.output
        assert "Rule electrolytic-aluminium" in result.output

    def test_json_has_the_rule_check(self) -> None:
        result = run("calc", ALUMINIUM, "--no-db", "--json")
        data = json.loads(result.stdout)
        check = data["rule_check"]
        assert check["rule"] == "electrolytic-aluminium" and check["submittable"] is False
        codes = {f["code"] for f in check["findings"]}
        assert "requirement:carbon-anode" in codes


class TestUnitThatDoesNotFit:
    def test_calc_reports_the_unit_finding_and_no_grade(self) -> None:
        model = Path(__file__).resolve().parents[1] / "rules/models/methanol-break-unit-volume.yaml"
        result = run("calc", model, "--no-db")
        assert result.exit_code == 0, result.output
        assert "Not graded" in result.output and "Traceback" not in result.output
