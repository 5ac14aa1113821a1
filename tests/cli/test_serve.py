"""``tanji serve`` prepares the database, prints the address and the demo logins."""

from __future__ import annotations

from typer.testing import CliRunner

from tanji.cli.app import create_app
from tanji.settings import Settings


class TestServe:
    def test_prints_the_url_and_demo_logins_then_serves(self, tmp_path, monkeypatch):
        served = {}

        def fake_run(app, **options):
            served.update(options, app=app)

        monkeypatch.setattr("uvicorn.run", fake_run)
        runner = CliRunner()
        result = runner.invoke(
            create_app(Settings(data_dir=tmp_path)), ["--lang", "en", "serve", "--demo"]
        )
        assert result.exit_code == 0, result.output
        assert "http://127.0.0.1:8000" in result.output
        assert "carbon@cement.demo" in result.output
        assert "tanji-demo-2026" in result.output
        assert served["host"] == "127.0.0.1" and served["port"] == 8000
        assert (tmp_path / "tanji.db").exists()

    def test_seed_demo_is_idempotent(self, tmp_path):
        runner = CliRunner()
        app = create_app(Settings(data_dir=tmp_path))
        for _ in range(2):
            result = runner.invoke(app, ["--lang", "en", "db", "seed", "--demo"])
            assert result.exit_code == 0, result.output
        assert "Demo organisations" in result.output
