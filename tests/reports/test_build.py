"""Report content: assembled from a model file or from a stored calculation."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from tanji.accounts.models import Organisation
from tanji.accounts.policy import Actor
from tanji.accounts.service import create_organisation
from tanji.core.errors import NotFound
from tanji.core.i18n import current_language, set_language
from tanji.factors.seed import seed_factors
from tanji.footprints import studies
from tanji.reports.build import HOT_SPOT_SHARE, Report, report_for_calculation, report_from_file

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
CEMENT = EXAMPLES / "portland-cement.yaml"

EMPTY_MODEL = """\
format: tanji-model/1
product:
  id: new-product
  name: {zh: 新产品, en: New product}
  category: cement
  unit: {amount: 1, unit: t}
processes:
  - id: main
    name: {zh: 主要工序, en: Main process}
    outputs: [{id: product, amount: 1, unit: t}]
    inputs:
      - {id: power, amount: 0, unit: kWh, factor: cn-electricity-footprint-2024}
"""


@pytest.fixture(scope="module")
def cement() -> Report:
    previous = current_language()
    set_language("en")  # module fixtures run before the autouse English one
    try:
        return report_from_file(CEMENT, iterations=100, seed=3, organisation="示例水泥")
    finally:
        set_language(previous)


def inputs_of(report: Report) -> dict[str, object]:
    return {i.id: i for p in report.processes for i in p.inputs}


class TestFromFile:
    def test_cover_facts(self, cement: Report) -> None:
        assert cement.product.zh == "普通硅酸盐水泥 P·O 42.5"
        assert cement.product.en == "Ordinary Portland cement P.O 42.5"
        assert (cement.unit_amount, cement.unit, cement.unit_kind) == (1.0, "t", "declared")
        assert cement.organisation.zh == "示例水泥"
        assert cement.report_id == "TJ-" + cement.input_hash[:10].upper()
        assert cement.total == pytest.approx(692.178864192)

    def test_scope(self, cement: Report) -> None:
        assert cement.boundary == "cradle-to-gate"
        assert cement.stages == ("production",)
        assert (cement.period_start, cement.period_end) == ("2024-01-01", "2024-12-31")
        assert cement.rule.id == "cement" and cement.rule.version
        assert (cement.cutoff_each, cement.cutoff_total) == (0.01, 0.05)

    def test_inventory_names_factors_data_kinds_and_pedigree(self, cement: Report) -> None:
        items = inputs_of(cement)
        coal = items["kiln-coal"]
        assert coal.provider_kind == "factor" and coal.factor_id == "cn-raw-coal-combustion"
        assert coal.data == "primary" and coal.pedigree == (3, 2, 2, 2, 3)
        assert coal.value == pytest.approx(251.259992992)
        assert items["clinker"].provider_kind == "process" and items["clinker"].value is None
        assert items["gbfs"].provider_kind == "inline"
        assert items["gbfs"].factor_id == "inline:processes[1].inputs[1].factor"
        factors = {f.id: f for f in cement.factors}
        assert "MEE" in factors["cn-electricity-footprint-2024"].source
        assert factors["cn-electricity-footprint-2024"].release == "seed"
        assert factors["cn-raw-coal-combustion"].name == "Raw coal combustion"
        kiln = next(p for p in cement.processes if p.id == "clinker-production")
        assert [(e.gas, e.amount, e.origin) for e in kiln.emissions] == [("CO2", 520.0, "fossil")]

    def test_hot_spots_are_the_contributors_of_five_percent_or_more(self, cement: Report) -> None:
        assert [c.key for c in cement.hot_spots] == [
            "clinker-production/(direct emissions)",
            "clinker-production/kiln-coal",
        ]
        assert all(abs(c.share) >= HOT_SPOT_SHARE for c in cement.hot_spots)
        small = [c for c in cement.top_contributors if c not in cement.hot_spots]
        assert small and all(abs(c.share) < HOT_SPOT_SHARE for c in small)
        assert cement.hot_spots[0].input is None  # direct emissions
        assert cement.hot_spots[1].input.en == "Kiln coal"

    def test_interpretation_inputs(self, cement: Report) -> None:
        assert cement.uncertainty["iterations"] == 100 and cement.seed == 3
        correlations = [abs(s["correlation"]) for s in cement.sensitivity]
        assert correlations == sorted(correlations, reverse=True) and correlations
        secondary = {i.id for _name, i in cement.secondary_inputs}
        assert secondary == {"coal-road-transport", "additive-road-transport"}
        assert cement.secondary_share == pytest.approx(1 - cement.primary_share)

    def test_rule_findings_and_provenance(self, cement: Report) -> None:
        assert cement.errors and not cement.submittable
        assert cement.rule_checked.startswith("cement ")
        assert len(cement.input_hash) == 64
        assert cement.engine_version and cement.factor_release == "seed"
        assert cement.source_name == "portland-cement.yaml"


class TestEdgeCases:
    def test_a_fresh_template_totals_zero_without_errors(self, tmp_path: Path) -> None:
        path = tmp_path / "new.yaml"
        path.write_text(EMPTY_MODEL, encoding="utf-8")
        report = report_from_file(path, iterations=0)
        assert report.total == 0
        assert report.hot_spots == () and report.uncertainty is None
        assert report.secondary_share == 0

    def test_unknown_category_falls_back_to_the_general_rule(self, tmp_path: Path) -> None:
        path = tmp_path / "odd.yaml"
        path.write_text(EMPTY_MODEL.replace("category: cement", "category: no-such-rule"))
        report = report_from_file(path, iterations=0)
        assert report.rule.id == "general"
        assert "no-such-rule" in report.rule_note


# --- from a stored calculation -------------------------------------------------------------


def organisation(session: Session) -> Organisation:
    return create_organisation(
        session, slug=f"rep-{uuid.uuid4().hex[:10]}", kind="enterprise", name_zh="报告测试企业"
    )


def actor_of(org: Organisation) -> Actor:
    return Actor(
        organisation_id=org.id, organisation_kind=org.kind, role="manager", name="m@" + org.slug
    )


class TestForCalculation:
    def test_report_of_a_stored_calculation(self, session: Session) -> None:
        seed_factors(session)
        org = organisation(session)
        actor = actor_of(org)
        product = studies.create_product(
            session, actor=actor, code="PO425", name_zh="水泥甲", name_en="Cement A",
            category="cement",
        )  # fmt: skip
        study = studies.create_study_from_upload(
            session,
            actor=actor,
            product_id=product.id,
            filename="cement.yaml",
            content=CEMENT.read_bytes(),
            title="2024 study",
        )
        calculation = studies.calculate(
            session, actor=actor, study_id=study.id, iterations=50, seed=5
        )
        report = report_for_calculation(session, actor=actor, calculation_id=calculation.id)
        assert report.product.zh == "水泥甲" and report.product.en == "Cement A"
        assert report.organisation.zh == "报告测试企业"
        assert report.title == "2024 study"
        assert report.version_number == calculation.version_number
        assert report.calculation_id == str(calculation.id)
        assert report.report_id == "TJ-" + calculation.id.hex[:10].upper()
        assert report.total == pytest.approx(calculation.total)
        assert report.factor_release == calculation.release
        assert report.input_hash == calculation.input_hash
        assert (report.iterations, report.seed) == (50, 5)
        assert report.findings and report.rule.id == "cement"
        assert {i.id for p in report.processes for i in p.inputs} >= {"kiln-coal", "clinker"}

        stranger = actor_of(organisation(session))
        with pytest.raises(NotFound):
            report_for_calculation(session, actor=stranger, calculation_id=calculation.id)
