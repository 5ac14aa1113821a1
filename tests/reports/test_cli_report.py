"""``tanji report``: a model file to an HTML or PDF study report."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from tanji.cli.app import create_app
from tanji.core.i18n import set_language

CEMENT = Path(__file__).resolve().parents[2] / "examples" / "portland-cement.yaml"


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner(env={"COLUMNS": "200"})


class TestReportCommand:
    def test_writes_an_html_report_in_the_chosen_language(
        self, runner: CliRunner, tmp_path: Path
    ) -> None:
        out = tmp_path / "cement.html"
        args = ["report", str(CEMENT), "--out", str(out), "--no-db", "--mc", "20", "--lang", "en"]
        result = runner.invoke(create_app(), args)
        assert result.exit_code == 0, result.output
        assert "Wrote the HTML report of portland-cement-po42-5" in result.output
        html = out.read_text(encoding="utf-8")
        assert html.startswith("<!doctype html>")
        assert '<html lang="en">' in html and "<h2>1 Goal and scope</h2>" in html
        assert "--mc 20 --seed 42" in html  # how to reproduce it

    def test_format_option_overrides_the_extension(self, runner: CliRunner, tmp_path: Path) -> None:
        out = tmp_path / "cement.out"
        args = ["report", str(CEMENT), "-o", str(out), "--format", "html", "--no-db", "--mc", "0"]
        result = runner.invoke(create_app(), args)
        assert result.exit_code == 0, result.output
        assert out.read_text(encoding="utf-8").startswith("<!doctype html>")

    def test_release_with_no_db_is_an_error(self, runner: CliRunner, tmp_path: Path) -> None:
        set_language("en")
        args = ["report", str(CEMENT), "--out", str(tmp_path / "x.pdf"), "--no-db"]
        result = runner.invoke(create_app(), [*args, "--release", "2026.1"])
        assert result.exit_code == 2
        assert "--release needs the database" in result.output
        assert not (tmp_path / "x.pdf").exists()

    def test_missing_model_is_an_error(self, runner: CliRunner, tmp_path: Path) -> None:
        args = ["report", str(tmp_path / "none.yaml"), "--out", str(tmp_path / "x.html")]
        result = runner.invoke(create_app(), [*args, "--no-db"])
        assert result.exit_code == 2
        assert "Traceback" not in result.output
