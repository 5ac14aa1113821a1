"""Every shipped rule is exercised: a model that passes it and one that breaks it by name."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tanji.factors.resolve import SeedTable
from tanji.footprints import service
from tanji.rules.catalogue import get_scheme, list_rules
from tanji.rules.service import check_study

MODELS = Path(__file__).parent / "models"


def cases() -> list[dict[str, str]]:
    found: list[dict[str, str]] = []
    for path in sorted(MODELS.glob("cases-*.yaml")):
        found += yaml.safe_load(path.read_text(encoding="utf-8")) or []
    return found


CASES = cases()


def case_id(case: dict[str, str]) -> str:
    return f"{case['rule']}:{case['model']}"


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_case(case: dict[str, str]) -> None:
    system, result = service.study_file(MODELS / case["model"], resolver=SeedTable())
    report = check_study(system, result, rule_id=case["rule"])
    problems = [f"{f.code} ({f.severity}): {f.message}" for f in report.findings
                if f.severity != "info"]  # fmt: skip
    if case["expect"] == "pass":
        assert report.submittable, problems
    else:
        flagged = {f.code for f in report.findings if f.severity in ("error", "warning")}
        assert case["expect"] in flagged, problems


class TestCoverage:
    def test_every_rule_has_a_passing_and_a_breaking_model(self) -> None:
        for rule in list_rules():
            expects = [c["expect"] for c in CASES if c["rule"] == rule.id]
            assert "pass" in expects, f"{rule.id}: no passing model"
            assert any(e != "pass" for e in expects), f"{rule.id}: no breaking model"

    def test_the_sixteen_key_products_have_rules(self) -> None:
        ids = {rule.id for rule in list_rules()}
        assert len(ids - {"general"}) >= 16

    def test_every_rule_cites_what_it_follows(self) -> None:
        for rule in list_rules():
            assert rule.standard.id, rule.id
            if rule.standard.kind == "derived":
                assert rule.standard.note, f"{rule.id}: say why the rule is derived"
            if rule.grading:
                scheme = get_scheme(rule.grading)
                assert scheme.source.document, scheme.id
