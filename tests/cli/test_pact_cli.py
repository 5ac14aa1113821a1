"""``tanji pact``: validate files, show a published footprint, run and list the outbox."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner, Result

from tanji import demo
from tanji.cli.app import create_app
from tanji.cli.database import database_session
from tanji.exchange.pact import to_pact_v3
from tanji.exchange.pact.models import PublishedFootprint
from tanji.settings import Settings
from tests.exchange.pact.examples import NAMES, source_for


def run(settings: Settings, *args: str | Path) -> Result:
    return CliRunner(env={"COLUMNS": "200"}).invoke(
        create_app(settings), ["--lang", "en", *[str(a) for a in args]]
    )


def test_validate_names_each_problem(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    good = to_pact_v3(source_for(NAMES[0]))
    path = tmp_path / "pf.json"
    path.write_text(json.dumps({"data": good}), encoding="utf-8")
    answer = run(settings, "pact", "validate", path)
    assert answer.exit_code == 0 and f"{good['id']}: valid PACT 3.0.3" in answer.output
    del good["pcf"]["declaredUnitAmount"]
    path.write_text(json.dumps(good), encoding="utf-8")
    answer = run(settings, "pact", "validate", path)
    assert answer.exit_code == 2 and "declaredUnitAmount" in answer.output
    assert "Traceback" not in answer.output


def test_show_jobs_and_outbox(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    with database_session(settings) as session:
        demo.seed_demo_data(session)
    with database_session(settings) as session:
        footprint_id = str(session.query(PublishedFootprint.id).first()[0])
    shown = run(settings, "pact", "show", footprint_id)
    assert shown.exit_code == 0, shown.output
    assert json.loads(shown.output)["data"]["id"] == footprint_id
    v2 = run(settings, "pact", "show", footprint_id, "--v2")
    assert json.loads(v2.output)["data"]["specVersion"].startswith("2.")
    assert run(settings, "pact", "show", "nope").exit_code == 2
    assert run(settings, "pact", "jobs").exit_code == 0
    outbox = run(settings, "pact", "run-outbox")
    assert outbox.exit_code == 0 and "0 calls tried." in outbox.output
