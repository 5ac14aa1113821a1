"""Products and studies on the platform: visibility, rights, templates, uploads, versions,
calculations and diffs (service level, on SQLite and PostgreSQL)."""

from __future__ import annotations

import copy
import io
import json
import uuid
import zipfile
from pathlib import Path

import pytest
import yaml
from openpyxl import load_workbook
from sqlalchemy.orm import Session

from tanji.accounts.models import Organisation
from tanji.accounts.policy import Actor
from tanji.accounts.service import create_organisation
from tanji.core.errors import (
    CalculationError,
    Conflict,
    Forbidden,
    InvalidInput,
    NotFound,
    UnitMismatch,
    UnknownReference,
)
from tanji.core.i18n import set_language
from tanji.core.model import Stage
from tanji.core.results import calculate as calculate_system
from tanji.factors.resolve import SeedTable
from tanji.factors.seed import seed_factors
from tanji.footprints import modelfile, studies, templates, xlsx
from tanji.footprints.models import Product, Study
from tanji.rules.catalogue import effective, get_rule, list_rules
from tanji.rules.service import check_study

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
CEMENT = EXAMPLES / "portland-cement.yaml"
RULE_IDS = [rule.id for rule in list_rules()]


def organisation(session: Session, kind: str = "enterprise") -> Organisation:
    return create_organisation(
        session, slug=f"test-{uuid.uuid4().hex[:10]}", kind=kind, name_zh="测试企业"
    )


def actor_of(org: Organisation, role: str = "manager") -> Actor:
    return Actor(
        organisation_id=org.id, organisation_kind=org.kind, role=role, name=f"{role}@{org.slug}"
    )


@pytest.fixture
def db(session: Session) -> Session:
    """A session whose database holds the seed factor release."""
    seed_factors(session)
    return session


@pytest.fixture
def org(db: Session) -> Organisation:
    return organisation(db)


@pytest.fixture
def manager(org: Organisation) -> Actor:
    return actor_of(org)


@pytest.fixture
def product(db: Session, manager: Actor) -> Product:
    return studies.create_product(
        db,
        actor=manager,
        code="P·O 42.5",
        name_zh="普通硅酸盐水泥",
        name_en="OPC",
        category="cement",
    )


@pytest.fixture
def study(db: Session, manager: Actor, product: Product) -> Study:
    return studies.create_study_from_upload(
        db, actor=manager, product_id=product.id, filename=CEMENT.name, content=CEMENT.read_bytes()
    )


def cement_model() -> dict:
    return yaml.safe_load(CEMENT.read_text(encoding="utf-8"))


def input_of(model: dict, process: str, item: str) -> dict:
    found = next(p for p in model["processes"] if p["id"] == process)
    return next(i for i in found["inputs"] if i["id"] == item)


class TestVisibility:
    def test_another_organisation_sees_nothing(
        self, db: Session, manager: Actor, product: Product, study: Study
    ) -> None:
        calculation = studies.calculate(db, actor=manager, study_id=study.id, iterations=0)
        other = actor_of(organisation(db))
        assert studies.list_products(db, actor=other) == []
        assert studies.list_studies(db, actor=other) == []
        for attempt in (
            lambda: studies.get_study(db, actor=other, study_id=study.id),
            lambda: studies.get_product(db, actor=other, product_id=product.id),
            lambda: studies.get_version(db, actor=other, study_id=study.id, number=1),
            lambda: studies.list_versions(db, actor=other, study_id=study.id),
            lambda: studies.get_calculation(db, actor=other, calculation_id=calculation.id),
            lambda: studies.list_calculations(db, actor=other, study_id=study.id),
            lambda: studies.diff_versions(db, actor=other, study_id=study.id, old=1, new=1),
        ):
            with pytest.raises(NotFound):
                attempt()

    def test_another_organisation_cannot_change(
        self, db: Session, product: Product, study: Study
    ) -> None:
        other = actor_of(organisation(db))
        with pytest.raises(NotFound):
            studies.save_version(db, actor=other, study_id=study.id, model=cement_model())
        with pytest.raises(NotFound):
            studies.calculate(db, actor=other, study_id=study.id)
        with pytest.raises(NotFound):
            studies.create_study_from_template(
                db, actor=other, product_id=product.id, rule_id="cement"
            )
        assert studies.get_study(db, actor=actor_of_study(db, study), study_id=study.id)
        assert study.latest_version == 1

    def test_not_found_comes_before_forbidden(self, db: Session, study: Study) -> None:
        verifier = actor_of(organisation(db, kind="certifier"), role="verifier")
        with pytest.raises(NotFound):
            studies.get_study(db, actor=verifier, study_id=study.id)

    def test_viewer_reads_but_cannot_edit_or_calculate(
        self, db: Session, org: Organisation, product: Product, study: Study
    ) -> None:
        viewer = actor_of(org, role="viewer")
        assert studies.get_study(db, actor=viewer, study_id=study.id).id == study.id
        assert [p.id for p in studies.list_products(db, actor=viewer)] == [product.id]
        with pytest.raises(Forbidden):
            studies.save_version(db, actor=viewer, study_id=study.id, model=cement_model())
        with pytest.raises(Forbidden):
            studies.calculate(db, actor=viewer, study_id=study.id)
        with pytest.raises(Forbidden):
            studies.create_product(db, actor=viewer, code="X", name_zh="某", category="general")
        assert study.latest_version == 1


def actor_of_study(db: Session, study: Study) -> Actor:
    org = db.get(Organisation, study.organisation_id)
    return actor_of(org)


class TestProducts:
    def test_code_is_unique_per_organisation(
        self, db: Session, manager: Actor, product: Product
    ) -> None:
        with pytest.raises(Conflict) as caught:
            studies.create_product(
                db, actor=manager, code=product.code, name_zh="另一个", category="cement"
            )
        assert caught.value.loc == ("code",)
        other = actor_of(organisation(db))
        again = studies.create_product(
            db, actor=other, code=product.code, name_zh="别家的", category="cement"
        )
        assert again.organisation_id != product.organisation_id

    def test_category_must_be_a_rule(self, db: Session, manager: Actor) -> None:
        with pytest.raises(InvalidInput) as caught:
            studies.create_product(db, actor=manager, code="C1", name_zh="某", category="cheese")
        assert caught.value.loc == ("category",)


class TestTemplates:
    @pytest.mark.parametrize("rule_id", RULE_IDS)
    def test_template_validates_calculates_and_meets_its_rule(self, rule_id: str) -> None:
        template = studies.get_template(rule_id)
        rule = effective(get_rule(rule_id))
        spec = modelfile.validate(modelfile.parse_text(template.model))
        system = modelfile.to_system(spec, SeedTable())
        result = calculate_system(system)
        assert result.total == 0
        assert spec.product.category == rule_id
        assert spec.product.gwp == rule.gwp
        assert spec.product.boundary in rule.boundaries
        if rule.unit is not None:
            assert (spec.product.unit.amount, spec.product.unit.unit) == (
                rule.unit.amount,
                rule.unit.unit,
            )
        stages = {process.stage for process in spec.processes}
        assert set(rule.stages) <= stages
        errors = [
            finding.code
            for finding in check_study(system, result, rule_id=rule_id).findings
            if finding.severity == "error" or finding.code.startswith("requirement:")
        ]
        assert errors == []

    @pytest.mark.parametrize("rule_id", RULE_IDS)
    def test_one_item_per_requirement_with_a_seed_factor(self, rule_id: str) -> None:
        rule = effective(get_rule(rule_id))
        model = modelfile.parse_text(studies.get_template(rule_id).model)
        inputs = {i["id"]: i for p in model["processes"] for i in p.get("inputs", ())}
        gases = [e["gas"] for p in model["processes"] for e in p.get("emissions", ())]
        table = SeedTable().records
        named = templates.template_data().factors
        for requirement in rule.requirements:
            if requirement.match.gases:
                assert set(requirement.match.gases) <= set(gases)
                continue
            item = inputs[requirement.id]
            assert item["amount"] == 0 and item["source"]
            assert item["name"] == {"zh": requirement.name.zh, "en": requirement.name.en}
            factor = table[item["factor"]]
            assert item["unit"] == factor.unit
            if f"{rule_id}/{requirement.id}" not in named:
                assert any(
                    factor.slug.startswith(prefix) or factor.flow.startswith(prefix)
                    for prefix in requirement.match.flows
                )
            assert "grid-co2" not in factor.slug

    def test_every_named_factor_is_in_the_seed_table(self) -> None:
        table = SeedTable().records
        missing = [
            key for key, (slug, _proxy) in templates.template_data().factors.items()
            if slug not in table
        ]  # fmt: skip
        assert missing == []

    def test_suggested_factors_prefer_recent_chinese_ones(self) -> None:
        model = modelfile.parse_text(studies.get_template("cement").model)
        assert input_of(model, "production", "electricity")["factor"] == (
            "cn-electricity-footprint-2024"
        )
        assert [p["stage"] for p in model["processes"]] == [
            Stage.RAW_MATERIAL.value,
            Stage.PRODUCTION.value,
        ]

    def test_unknown_rule(self) -> None:
        with pytest.raises(NotFound):
            studies.get_template("cheese")

    def test_study_from_template_carries_the_product(
        self, db: Session, manager: Actor, product: Product
    ) -> None:
        study = studies.create_study_from_template(
            db, actor=manager, product_id=product.id, rule_id="cement"
        )
        version = studies.get_version(db, actor=manager, study_id=study.id)
        model = studies.model_of(version)
        assert model["product"]["id"] == "P-O-42.5"
        assert model["product"]["name"] == {"zh": "普通硅酸盐水泥", "en": "OPC"}
        assert (version.number, version.origin, study.rule_id) == (1, "template", "cement")
        assert study.title == "OPC"
        calculation = studies.calculate(db, actor=manager, study_id=study.id, iterations=0)
        assert calculation.total == 0 and calculation.unit == "1 t"

    def test_unknown_rule_for_a_new_study_names_the_field(
        self, db: Session, manager: Actor, product: Product
    ) -> None:
        with pytest.raises(InvalidInput) as caught:
            studies.create_study_from_template(
                db, actor=manager, product_id=product.id, rule_id="cheese"
            )
        assert caught.value.loc == ("rule_id",)


class TestVersions:
    def test_versions_are_numbered_and_stored_as_yaml(
        self, db: Session, manager: Actor, study: Study
    ) -> None:
        before = study.updated_at
        model = cement_model()
        input_of(model, "cement-grinding", "grinding-electricity")["amount"] = 30
        version = studies.save_version(
            db, actor=manager, study_id=study.id, model=model, note="metered"
        )
        third = studies.save_version(
            db, actor=manager, study_id=study.id, model=yaml.safe_dump(model)
        )
        assert (version.number, third.number, study.latest_version) == (2, 3, 3)
        assert study.updated_at >= before
        assert "普通硅酸盐水泥" in version.model  # allow_unicode: readable, not escaped
        assert studies.model_of(version) == model
        assert [v.number for v in studies.list_versions(db, actor=manager, study_id=study.id)] == [
            1,
            2,
            3,
        ]
        assert studies.get_version(db, actor=manager, study_id=study.id).number == 3
        first = studies.get_version(db, actor=manager, study_id=study.id, number=1)
        assert (
            input_of(studies.model_of(first), "cement-grinding", "grinding-electricity")["amount"]
            == 35
        )

    def test_missing_version(self, db: Session, manager: Actor, study: Study) -> None:
        with pytest.raises(NotFound):
            studies.get_version(db, actor=manager, study_id=study.id, number=9)

    def test_unknown_factor_fails_with_its_location(
        self, db: Session, manager: Actor, study: Study
    ) -> None:
        model = cement_model()
        input_of(model, "clinker-production", "kiln-coal")["factor"] = "no-such-factor"
        with pytest.raises(UnknownReference) as caught:
            studies.save_version(db, actor=manager, study_id=study.id, model=model)
        assert caught.value.loc == ("processes", 0, "inputs", 0, "factor")
        assert study.latest_version == 1

    def test_unit_mismatch_fails_with_its_location(
        self, db: Session, manager: Actor, study: Study
    ) -> None:
        model = cement_model()
        input_of(model, "cement-grinding", "grinding-electricity")["unit"] = "kg"
        with pytest.raises(UnitMismatch) as caught:
            studies.save_version(db, actor=manager, study_id=study.id, model=model)
        assert caught.value.loc == ("processes", 1, "inputs", 2, "unit")

    def test_invalid_model_lists_its_problems(
        self, db: Session, manager: Actor, study: Study
    ) -> None:
        model = cement_model()
        input_of(model, "cement-grinding", "clinker")["amount"] = -1
        with pytest.raises(modelfile.ModelError) as caught:
            studies.save_version(db, actor=manager, study_id=study.id, model=model)
        assert caught.value.loc == ("processes", 1, "inputs", 0, "amount")


class TestUpload:
    def test_yaml_upload_takes_the_rule_from_the_category(
        self, db: Session, manager: Actor, study: Study
    ) -> None:
        version = studies.get_version(db, actor=manager, study_id=study.id)
        assert (study.rule_id, version.origin) == ("cement", "yaml")
        assert studies.model_of(version) == cement_model()

    def test_json_upload(self, db: Session, manager: Actor, study: Study) -> None:
        content = json.dumps(cement_model(), default=str).encode()
        version = studies.upload_version(
            db, actor=manager, study_id=study.id, filename="m.json", content=content
        )
        assert (version.number, version.origin) == (2, "json")

    @pytest.mark.parametrize(
        ("filename", "content", "loc"),
        [
            ("m.yaml", b"product: [1\n", ("line 2, column 1",)),
            ("m.json", b'{"product": ', ("line 1, column 13",)),
            ("m.txt", b"hello", ("file",)),
            ("m.yaml", b"", ("file",)),
            ("m.yaml", b"\xff\xfe\x00", ("file",)),
            ("m.xlsx", b"not a zip file", ("file",)),
        ],
    )
    def test_unreadable_files(
        self, db: Session, manager: Actor, study: Study, filename: str, content: bytes, loc
    ) -> None:
        with pytest.raises(InvalidInput) as caught:
            studies.upload_version(
                db, actor=manager, study_id=study.id, filename=filename, content=content
            )
        assert caught.value.loc == loc

    def test_xlsx_upload_of_a_filled_template(
        self, db: Session, manager: Actor, product: Product
    ) -> None:
        study = studies.create_study_from_template(
            db, actor=manager, product_id=product.id, rule_id="cement"
        )
        book = load_workbook(io.BytesIO(studies.xlsx_template("cement")))
        sheet = book[xlsx.INPUTS]
        row = next(
            r for r in range(2, sheet.max_row + 1) if sheet.cell(r, 2).value == "electricity"
        )
        sheet.cell(row, 5).value = 40
        version = studies.upload_version(
            db, actor=manager, study_id=study.id, filename="filled.xlsx", content=_save(book)
        )
        assert version.origin == "xlsx"
        model = studies.model_of(version)
        assert input_of(model, "production", "electricity")["amount"] == 40
        calculation = studies.calculate(db, actor=manager, study_id=study.id, iterations=0)
        assert calculation.total == pytest.approx(40 * 0.5777)


def _save(book) -> bytes:
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _workbook(rule_id: str = "cement"):
    return load_workbook(io.BytesIO(studies.xlsx_template(rule_id)))


def _row_of(sheet, column: int, value: str) -> int:
    return next(r for r in range(2, sheet.max_row + 1) if sheet.cell(r, column).value == value)


class TestWorkbook:
    @pytest.mark.parametrize("rule_id", RULE_IDS)
    def test_round_trip(self, rule_id: str) -> None:
        expected = modelfile.parse_text(studies.get_template(rule_id).model)
        assert xlsx.read_xlsx(studies.xlsx_template(rule_id)) == expected

    def test_sheets_and_bilingual_headings(self) -> None:
        book = _workbook()
        assert book.sheetnames == [xlsx.GUIDE, "Product", "Processes", "Inputs", "Emissions"]
        assert [c.value for c in book["Inputs"][1]][:6] == [
            "process 所属工序",
            "id 标识",
            "name_zh 中文名称",
            "name_en 英文名称",
            "amount 数量",
            "unit 单位",
        ]

    def test_a_bad_amount_names_sheet_row_and_column(self) -> None:
        book = _workbook()
        sheet = book["Inputs"]
        row = _row_of(sheet, 2, "kiln-fuel")
        sheet.cell(row, 5).value = "13,350"
        with pytest.raises(InvalidInput) as caught:
            xlsx.read_xlsx(_save(book))
        assert caught.value.loc == ("Inputs", row, "amount")
        assert "13,350" in caught.value.message

    def test_a_bad_unit_names_its_cell(self) -> None:
        book = _workbook()
        sheet = book["Inputs"]
        row = _row_of(sheet, 2, "kiln-fuel")
        sheet.cell(row, 6).value = "kgg"
        with pytest.raises(InvalidInput) as caught:
            xlsx.read_xlsx(_save(book))
        assert caught.value.loc == ("Inputs", row, "unit")

    def test_a_missing_sheet(self) -> None:
        book = _workbook()
        del book["Emissions"]
        with pytest.raises(InvalidInput) as caught:
            xlsx.read_xlsx(_save(book))
        assert caught.value.loc == ("Emissions",)
        assert "Emissions" in caught.value.message

    def test_the_writer_refuses_what_the_workbook_cannot_hold(self) -> None:
        with pytest.raises(InvalidInput) as caught:
            xlsx.write_xlsx(cement_model())
        assert caught.value.loc == ("processes", 0, "inputs", 0, "quality")

    def test_a_damaged_workbook(self) -> None:
        original = zipfile.ZipFile(io.BytesIO(studies.xlsx_template("cement")))
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as damaged:
            for info in original.infolist():
                data = original.read(info.filename)
                if info.filename == "xl/worksheets/sheet4.xml":  # Inputs
                    data = data[: len(data) // 2]
                damaged.writestr(info, data)
        with pytest.raises(InvalidInput) as caught:
            xlsx.read_xlsx(buffer.getvalue())
        assert caught.value.loc == ("file",)

    def test_an_input_of_an_unknown_process(self) -> None:
        book = _workbook()
        sheet = book["Inputs"]
        row = _row_of(sheet, 2, "kiln-fuel")
        sheet.cell(row, 1).value = "kiln"
        with pytest.raises(InvalidInput) as caught:
            xlsx.read_xlsx(_save(book))
        assert caught.value.loc == ("Inputs", row, "process")

    def test_errors_found_when_binding_point_at_the_cell(
        self, db: Session, manager: Actor, study: Study
    ) -> None:
        book = _workbook()
        sheet = book["Inputs"]
        fuel = _row_of(sheet, 2, "kiln-fuel")
        sheet.cell(fuel, 7).value = "no-such-factor"
        with pytest.raises(UnknownReference) as caught:
            studies.upload_version(
                db, actor=manager, study_id=study.id, filename="m.xlsx", content=_save(book)
            )
        assert caught.value.loc == ("Inputs", fuel, "factor")
        book = _workbook()
        sheet = book["Inputs"]
        power = _row_of(sheet, 2, "electricity")
        sheet.cell(power, 6).value = "kg"
        with pytest.raises(UnitMismatch) as caught:
            studies.upload_version(
                db, actor=manager, study_id=study.id, filename="m.xlsx", content=_save(book)
            )
        assert caught.value.loc == ("Inputs", power, "unit")
        book = _workbook()
        book["Product"]["B2"].value = "bad id!"
        with pytest.raises(modelfile.ModelError) as caught:
            studies.upload_version(
                db, actor=manager, study_id=study.id, filename="m.xlsx", content=_save(book)
            )
        assert caught.value.loc == ("Product", 2, "value")
        assert study.latest_version == 1


class TestCalculate:
    def test_same_version_and_release_give_identical_bytes(
        self, db: Session, manager: Actor, study: Study
    ) -> None:
        first = studies.calculate(db, actor=manager, study_id=study.id, iterations=200, seed=7)
        again = studies.calculate(db, actor=manager, study_id=study.id, iterations=200, seed=7)
        assert first.id != again.id
        assert first.result == again.result
        assert first.input_hash == again.input_hash
        assert (first.release, first.rule_id, first.gwp_set, first.unit) == (
            "2026.1",
            "cement",
            "AR6",
            "1 t",
        )
        assert first.total == pytest.approx(692.178864192)
        result = json.loads(first.result)
        assert result["uncertainty"] is not None
        assert (
            first.result == json.dumps(result, ensure_ascii=False, sort_keys=True, indent=2) + "\n"
        )

    def test_rule_report_in_the_viewer_language(
        self, db: Session, manager: Actor, study: Study
    ) -> None:
        calculation = studies.calculate(db, actor=manager, study_id=study.id, iterations=0)
        stored = json.loads(calculation.findings)
        assert set(stored) == {"zh_CN", "en"}
        english = studies.result_of(calculation)
        assert set(english["rule_check"]) == {
            "rule",
            "rule_version",
            "standard",
            "submittable",
            "findings",
            "grade",
        }
        assert english["rule_check"] == stored["en"]
        assert english["total"] == calculation.total
        set_language("zh_CN")
        assert studies.result_of(calculation)["rule_check"] == stored["zh_CN"]
        assert stored["zh_CN"]["findings"][0]["message"] != stored["en"]["findings"][0]["message"]
        assert calculation.submittable == stored["en"]["submittable"]

    def test_calculating_restores_the_language(
        self, db: Session, manager: Actor, study: Study
    ) -> None:
        set_language("zh_CN")
        studies.calculate(db, actor=manager, study_id=study.id, iterations=0)
        from tanji.core.i18n import current_language

        assert current_language() == "zh_CN"

    @pytest.mark.parametrize(
        ("options", "loc"),
        [
            ({"iterations": 10_001}, ("iterations",)),
            ({"iterations": -1}, ("iterations",)),
            ({"seed": -5}, ("seed",)),
            ({"release": "1999.9"}, ("release",)),
        ],
    )
    def test_bad_options(
        self, db: Session, manager: Actor, study: Study, options: dict, loc
    ) -> None:
        with pytest.raises(InvalidInput) as caught:
            studies.calculate(db, actor=manager, study_id=study.id, **options)
        assert caught.value.loc == loc

    def test_a_loop_without_solution_is_a_calculation_error(
        self, db: Session, manager: Actor, study: Study
    ) -> None:
        model = cement_model()
        clinker = next(p for p in model["processes"] if p["id"] == "clinker-production")
        clinker["inputs"].append(
            {"id": "cement-back", "amount": 1.25, "unit": "t", "from": "cement-grinding"}
        )
        studies.save_version(db, actor=manager, study_id=study.id, model=model)
        with pytest.raises(CalculationError):
            studies.calculate(db, actor=manager, study_id=study.id, iterations=0)

    def test_listing_newest_first(self, db: Session, manager: Actor, study: Study) -> None:
        first = studies.calculate(db, actor=manager, study_id=study.id, iterations=0)
        second = studies.calculate(db, actor=manager, study_id=study.id, iterations=0)
        listed = studies.list_calculations(db, actor=manager, study_id=study.id)
        assert {c.id for c in listed} == {first.id, second.id}
        assert studies.get_calculation(db, actor=manager, calculation_id=first.id) is first


class TestDiff:
    def test_changes_between_versions(self, db: Session, manager: Actor, study: Study) -> None:
        studies.calculate(db, actor=manager, study_id=study.id, iterations=0)
        model = copy.deepcopy(cement_model())
        clinker = input_of(model, "cement-grinding", "clinker")
        clinker["amount"] = 0.75
        clinker["uncertainty"] = {"distribution": "uniform", "min": 0.73, "max": 0.77}
        grinding = next(p for p in model["processes"] if p["id"] == "cement-grinding")
        grinding["inputs"] = [i for i in grinding["inputs"] if i["id"] != "gbfs"]
        grinding["inputs"].append(
            {
                "id": "gypsum",
                "amount": 0.05,
                "unit": "t",
                "factor": {"value": 0, "unit": "t", "source": "Burden-free by-product gypsum"},
            }
        )
        kiln = next(p for p in model["processes"] if p["id"] == "clinker-production")
        kiln["emissions"][0]["amount"] = 500
        model["processes"].append(
            {
                "id": "packing",
                "name": {"en": "Packing"},
                "outputs": [{"id": "bags", "amount": 1, "unit": "piece"}],
            }
        )
        studies.save_version(db, actor=manager, study_id=study.id, model=model)
        diff = studies.diff_versions(db, actor=manager, study_id=study.id, old=1, new=2)
        assert diff.processes_added == ("packing",)
        assert diff.processes_removed == ()
        changes = {change.key: change for change in diff.inputs}
        assert changes["cement-grinding/clinker"].kind == "changed"
        assert changes["cement-grinding/clinker"].fields == ("amount",)
        assert changes["cement-grinding/clinker"].before["amount"] == 0.8
        assert changes["cement-grinding/gypsum"].kind == "added"
        assert changes["cement-grinding/gbfs"].kind == "removed"
        assert len(changes) == 3
        (emission,) = diff.emissions
        assert (emission.key, emission.fields) == ("clinker-production/CO2", ("amount",))
        assert diff.old_total == pytest.approx(692.178864192)
        assert diff.new_total is None
        assert diff.by_stage == (("production", pytest.approx(692.178864192), None),)
        studies.calculate(db, actor=manager, study_id=study.id, iterations=0)
        after = studies.diff_versions(db, actor=manager, study_id=study.id, old=1, new=2)
        assert after.new_total is not None and after.new_total < after.old_total

    def test_unchanged_versions_have_no_changes(
        self, db: Session, manager: Actor, study: Study
    ) -> None:
        model = cement_model()
        input_of(model, "cement-grinding", "clinker")["amount"] = 0.8  # written 0.80 before
        studies.save_version(db, actor=manager, study_id=study.id, model=model)
        diff = studies.diff_versions(db, actor=manager, study_id=study.id, old=1, new=2)
        assert (diff.inputs, diff.emissions, diff.processes_added) == ((), (), ())

    def test_a_missing_version_names_the_parameter(
        self, db: Session, manager: Actor, study: Study
    ) -> None:
        with pytest.raises(NotFound) as caught:
            studies.diff_versions(db, actor=manager, study_id=study.id, old=1, new=5)
        assert caught.value.loc == ("new",)
