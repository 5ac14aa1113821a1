"""The factor database from the command line: db set-up, import, review, releases, export."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from tanji.cli.app import create_app
from tanji.factors.fileio import read_rows, to_csv
from tests.factors.builders import row

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A fresh embedded database per test (seeded on first use)."""
    monkeypatch.setenv("TANJI_DATA_DIR", str(tmp_path / "data"))
    runner = CliRunner(env={"COLUMNS": "200"})

    def run(*args: str | Path) -> Result:
        return runner.invoke(create_app(), [str(arg) for arg in args])

    return run


def write_table(tmp_path: Path, *rows: dict, name: str = "factors.csv") -> Path:
    path = tmp_path / name
    path.write_text(to_csv(list(rows)), encoding="utf-8")
    return path


class TestDb:
    def test_upgrade_seed_status(self, cli) -> None:
        assert cli("db", "upgrade").exit_code == 0
        seeded = cli("db", "seed")
        assert seeded.exit_code == 0, seeded.output
        assert "release 2026.1 (created)" in seeded.output
        again = cli("db", "seed")
        assert "0 new" in again.output and "(created)" not in again.output
        status = cli("db", "status")
        assert "Release 2026.1: 350 factors" in status.output


class TestImport:
    def test_a_bad_file_names_rows_and_imports_nothing(self, cli, tmp_path: Path) -> None:
        table = write_table(tmp_path, row("good-one"), row("bad-one", unit="kgg"), row("Bad"))
        result = cli("factors", "import", table)
        assert result.exit_code == 2
        assert "row 3, column 'unit'" in result.stderr
        assert "row 4, column 'slug'" in result.stderr
        assert "Traceback" not in result.output
        assert "good-one" not in cli("factors", "search", "good", "--json").output

    def test_skip_invalid_reports_what_it_skipped(self, cli, tmp_path: Path) -> None:
        table = write_table(tmp_path, row("good-one"), row("bad-one", unit="kgg"))
        result = cli("factors", "import", table, "--skip-invalid")
        assert result.exit_code == 0, result.output
        assert "Imported 1 new factors" in result.output
        assert "Skipped row 3 (unit)" in result.output

    def test_unknown_column(self, cli, tmp_path: Path) -> None:
        path = tmp_path / "x.csv"
        path.write_text("slug,valeur\na,1\n", encoding="utf-8")
        result = cli("factors", "import", path)
        assert result.exit_code == 2 and "valeur" in result.stderr


class TestReviewAndRelease:
    def test_contribute_review_release_diff(self, cli, tmp_path: Path) -> None:
        changed = row("cn-electricity-footprint-2024", 0.5, flow="electricity-footprint",
                      unit="kWh", category="electricity", year="2024")  # fmt: skip
        table = write_table(tmp_path, changed, row("new-steel", 1.9, category="metals"))
        assert cli("factors", "import", table, "--actor", "alice").exit_code == 0
        assert cli("factors", "release", "2026.2", "--actor", "carol").exit_code == 2  # nothing new
        for slug in ("cn-electricity-footprint-2024", "new-steel"):
            assert cli("factors", "submit", slug, "--actor", "alice").exit_code == 0
        own = cli("factors", "review", "new-steel", "--approve", "--actor", "alice")
        assert own.exit_code == 2 and "own factor" in own.stderr
        for slug in ("cn-electricity-footprint-2024", "new-steel"):
            assert cli("factors", "review", slug, "--approve", "--actor", "bob").exit_code == 0
        made = cli("factors", "release", "2026.2", "--actor", "carol", "--notes", "2024 grid")
        assert made.exit_code == 0, made.output
        assert "351 factors" in made.output
        diff = cli("factors", "diff", "2026.1", "2026.2")
        assert "new-steel" in diff.output and "cn-electricity-footprint-2024" in diff.output
        assert "-13.4%" in diff.output  # (0.5 − 0.5777) / 0.5777

    def test_old_release_reruns_identically_and_migrates(self, cli, tmp_path: Path) -> None:
        model = EXAMPLES / "primary-aluminium.yaml"
        before = cli("calc", model, "--json", "--release", "2026.1")
        assert before.exit_code == 0, before.output
        changed = row("cn-electricity-footprint-2024", 0.5, flow="electricity-footprint",
                      unit="kWh", category="electricity", year="2024")  # fmt: skip
        table = write_table(tmp_path, changed)
        assert cli("factors", "import", table, "--publish", "--actor", "cur").exit_code == 0
        assert cli("factors", "release", "2026.2", "--actor", "cur").exit_code == 0
        again = cli("calc", model, "--json", "--release", "2026.1")
        assert again.stdout == before.stdout
        latest = json.loads(cli("calc", model, "--json").stdout)
        # 13,350 kWh × (0.5 − 0.5777) = −1,037.295 kg CO2e
        assert latest["total"] == pytest.approx(json.loads(before.stdout)["total"] - 1037.295)
        report = cli("factors", "migrate", model, "--from", "2026.1", "--to", "2026.2")
        assert report.exit_code == 0, report.output
        assert "cn-electricity-footprint-2024" in report.output
        assert "-7.3%" in report.output  # −1,037.295 / 14,216.502


class TestExport:
    @pytest.mark.parametrize("suffix", ["csv", "xlsx", "json"])
    def test_round_trip(self, cli, tmp_path: Path, suffix: str) -> None:
        path = tmp_path / f"release.{suffix}"
        result = cli("factors", "export", path, "--release", "2026.1")
        assert result.exit_code == 0, result.output
        rows = read_rows(path)
        assert len(rows) == 350
        by_slug = {r["slug"]: r for _line, r in rows}
        assert str(by_slug["cn-electricity-footprint-2024"]["composition"]) == "CO2e=0.5777"
        reimport = cli("factors", "import", path, "--publish", "--actor", "cur")
        assert reimport.exit_code == 0, reimport.output
        assert "350 unchanged" in reimport.output


class TestShow:
    def test_history_and_source(self, cli) -> None:
        result = cli("factors", "show", "cn-sx-grid-co2-2022")
        assert result.exit_code == 0, result.output
        assert "0.7096" in result.output and "imported-published" in result.output
