"""Demo data for a first look at the platform: accounts, products and studies, then a
certification run from application to certificate.

Loaded idempotently through the same services the platform uses, acting as each demo
enterprise's carbon manager and the demo certification body's people: a product that
exists already (by its code) is left as it is, and the certification demo runs only while
demo-cement has no application.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from tanji.accounts import service as accounts
from tanji.accounts.demo import seed_demo_accounts
from tanji.accounts.models import Organisation, User
from tanji.accounts.policy import Actor, Role
from tanji.core.i18n import _
from tanji.footprints import studies
from tanji.footprints.models import Calculation, Product, Study
from tanji.labels import registry
from tanji.labels import service as certification
from tanji.labels.models import Application

DEMO_ITERATIONS = 1000


@dataclass(frozen=True)
class DemoProduct:
    organisation: str
    code: str
    name_zh: str
    name_en: str
    category: str
    example: str  # file in examples/


CEMENT = DemoProduct(
    "demo-cement",
    "PO-42.5",
    "普通硅酸盐水泥 P·O 42.5",
    "Ordinary Portland cement P.O 42.5",
    "cement",
    "portland-cement.yaml",
)
ALUMINIUM = DemoProduct(
    "demo-aluminium",
    "AL-LIQUID",
    "电解铝液",
    "Primary aluminium (molten)",
    "electrolytic-aluminium",
    "primary-aluminium.yaml",
)


def examples_dir() -> Path:
    """The example models: the checkout's ``examples/``, else the packaged copies."""
    checkout = Path(__file__).resolve().parents[1] / "examples"
    if checkout.is_dir():
        return checkout
    return Path(str(files("tanji") / "data" / "examples"))


def _manager(session: Session, slug: str) -> Actor | None:
    organisation = session.scalar(select(Organisation).where(Organisation.slug == slug))
    if organisation is None:
        return None
    user = session.scalar(
        select(User)
        .where(User.organisation_id == organisation.id, User.role == Role.MANAGER)
        .order_by(User.username)
    )
    return accounts.actor_for_user(session, user) if user is not None else None


def _seed_product(session: Session, demo: DemoProduct) -> tuple[Actor, uuid.UUID] | None:
    actor = _manager(session, demo.organisation)
    if actor is None:
        return None
    exists = session.scalar(
        select(Product.id).where(
            Product.organisation_id == actor.organisation_id, Product.code == demo.code
        )
    )
    if exists:
        return None
    product = studies.create_product(
        session,
        actor=actor,
        code=demo.code,
        name_zh=demo.name_zh,
        name_en=demo.name_en,
        category=demo.category,
    )
    path = examples_dir() / demo.example
    study = studies.create_study_from_upload(
        session,
        actor=actor,
        product_id=product.id,
        filename=path.name,
        content=path.read_bytes(),
    )
    studies.calculate(session, actor=actor, study_id=study.id, iterations=DEMO_ITERATIONS)
    return actor, study.id


def _lower_clinker(model: dict) -> dict:
    """The cement model with 0.75 t instead of 0.80 t of clinker per t of cement."""
    for process in model["processes"]:
        for item in process.get("inputs", ()):
            if item.get("id") == "clinker":
                item["amount"] = 0.75
                if item.get("uncertainty", {}).get("distribution") == "uniform":
                    item["uncertainty"] = {"distribution": "uniform", "min": 0.73, "max": 0.77}
    return model


def seed_demo_studies(session: Session) -> int:
    """The demo products and their calculated studies; returns how many were created."""
    created = 0
    cement = _seed_product(session, CEMENT)
    if cement is not None:
        actor, study_id = cement
        first = studies.get_version(session, actor=actor, study_id=study_id, number=1)
        studies.save_version(
            session,
            actor=actor,
            study_id=study_id,
            model=_lower_clinker(studies.model_of(first)),
            note=_("Lower clinker ratio"),
        )
        studies.calculate(session, actor=actor, study_id=study_id, iterations=DEMO_ITERATIONS)
        created += 1
    if _seed_product(session, ALUMINIUM) is not None:
        created += 1
    return created


def certifiable_cement(model: dict) -> dict:
    """The cement model made to pass its rule check, as its rule report asks.

    Adds the raw-material acquisition stage (limestone quarrying, metered diesel and
    electricity) and marks the plant's transport amounts as primary (weighbridge and
    freight records) — the errors the check of the earlier versions names.
    """
    quarry = {
        "id": "limestone-quarrying",
        "name": {"zh": "石灰石开采", "en": "Limestone quarrying"},
        "stage": "raw-material-acquisition",
        "outputs": [{"id": "limestone", "amount": 1, "unit": "t"}],
        "inputs": [
            {
                "id": "quarry-diesel",
                "name": {"zh": "矿山柴油", "en": "Quarry diesel"},
                "amount": 0.6,
                "unit": "kg",
                "factor": "cn-diesel-combustion",
                "data": "primary",
                "source": "Quarry fuel log (illustrative)",
            },
            {
                "id": "quarry-electricity",
                "name": {"zh": "矿山破碎电耗", "en": "Quarry crushing electricity"},
                "amount": 2.5,
                "unit": "kWh",
                "factor": "cn-electricity-footprint-2024",
                "data": "primary",
                "source": "Quarry electricity meter (illustrative)",
            },
        ],
    }
    processes = [p for p in model["processes"] if p["id"] != quarry["id"]]
    for process in processes:
        for item in process.get("inputs", ()):
            if item.get("id") in ("coal-road-transport", "additive-road-transport"):
                item["data"] = "primary"
                item["source"] = "Weighbridge and freight records of the plant (illustrative)"
        if process["id"] == "clinker-production":
            inputs = [i for i in process.get("inputs", ()) if i.get("id") != "limestone"]
            inputs.insert(
                0,
                {
                    "id": "limestone",
                    "name": {"zh": "石灰石", "en": "Limestone"},
                    "amount": 1.25,
                    "unit": "t",
                    "from": quarry["id"],
                    "data": "primary",
                    "source": "Raw-meal recipe of the plant (illustrative)",
                },
            )
            process["inputs"] = inputs
    model["processes"] = [quarry, *processes]
    return model


DEMO_CERTIFIER = "demo-certifier"
DEMO_VERIFIER = "verifier@cert.demo"
DEMO_DECIDER = "admin@cert.demo"
DEMO_ISSUER = "http://127.0.0.1:8000"  # the address `tanji serve` listens on by default


def _person(session: Session, username: str) -> Actor | None:
    user = session.scalar(select(User).where(User.username == username))
    return accounts.actor_for_user(session, user) if user is not None else None


def _latest_study(session: Session, actor: Actor, code: str) -> Study | None:
    return session.scalar(
        select(Study)
        .join(Product, Product.id == Study.product_id)
        .where(Product.organisation_id == actor.organisation_id, Product.code == code)
        .order_by(Study.created_at)
        .limit(1)
    )


def _latest_calculation(session: Session, study: Study) -> Calculation | None:
    return session.scalar(
        select(Calculation)
        .where(Calculation.study_id == study.id)
        .order_by(Calculation.created_at.desc())
        .limit(1)
    )


def _demo_documents() -> list[certification.Upload]:
    """Two small evidence files, made up for the demo."""
    meters = (
        "month,grinding_kWh,quarry_kWh,kiln_coal_t\n"
        "2024-01,2840000,203000,13300\n"
        "2024-02,2610000,188000,12200\n"
        "2024-03,2950000,211000,13800\n"
    )
    statement = (
        "Jinzhong Demo Cement Co. (demo) - energy and carbon management system\n"
        "In operation since 2023-06 (more than 3 months, CNCA general rules).\n"
        "Fictitious demo document.\n"
    )
    return [
        ("meter-readings-2024Q1.csv", "text/csv", meters.encode()),
        ("management-system-statement.txt", "text/plain", statement.encode()),
    ]


def seed_demo_certification(session: Session) -> int:
    """A certifiable third version of the demo cement study, taken through the whole
    workflow to a certificate; and, if its calculation passes its rule check, an accepted
    application of demo-aluminium left in progress. Returns how many applications it made."""
    cement = _manager(session, CEMENT.organisation)
    verifier = _person(session, DEMO_VERIFIER)
    decider = _person(session, DEMO_DECIDER)
    if cement is None or verifier is None or decider is None:
        return 0
    exists = session.scalar(
        select(Application.id).where(Application.organisation_id == cement.organisation_id)
    )
    study = _latest_study(session, cement, CEMENT.code)
    if exists is not None or study is None:
        return 0
    latest = studies.get_version(session, actor=cement, study_id=study.id)
    studies.save_version(
        session,
        actor=cement,
        study_id=study.id,
        model=certifiable_cement(studies.model_of(latest)),
        note=_("Raw-material stage added; transport amounts measured at the plant"),
    )
    calculation = studies.calculate(
        session, actor=cement, study_id=study.id, iterations=DEMO_ITERATIONS
    )
    if not calculation.submittable:
        return 0
    today = registry.beijing_today()
    application = certification.apply(
        session,
        actor=cement,
        study_id=study.id,
        calculation_id=calculation.id,
        certifier_slug_or_id=DEMO_CERTIFIER,
        documents=_demo_documents(),
    )
    ident = application.id
    certification.accept(session, actor=verifier, application_id=ident)
    certification.plan(
        session,
        actor=verifier,
        application_id=ident,
        plan=_("Document review, then one day on site: quarry, kiln, mill and weighbridge."),
        verifier=verifier.name,
        review_on=today,
        inspection_on=today,
    )
    certification.review_documents(
        session,
        actor=verifier,
        application_id=ident,
        findings=[_("Metering records are complete for the reporting period.")],
    )
    certification.record_inspection(
        session,
        actor=verifier,
        application_id=ident,
        inspected_on=today,
        record=_("Quarry, kiln, cement mill and weighbridge seen; meters calibrated."),
        today=today,
    )
    certification.verify(
        session,
        actor=verifier,
        application_id=ident,
        samples=[
            {"key": "clinker-production/kiln-coal", "verdict": "ok", "note": "fuel log"},
            {"key": "cement-grinding/grinding-electricity", "verdict": "ok", "note": "meter"},
            {"key": "limestone-quarrying/quarry-diesel", "verdict": "ok", "note": "fuel log"},
        ],
        findings=[_("No material discrepancy between the inputs and their evidence.")],
    )
    certification.decide(
        session,
        actor=decider,
        application_id=ident,
        decision="approve",
        issuer=DEMO_ISSUER,
        today=today,
    )
    return 1 + _seed_aluminium_application(session, verifier)


def _seed_aluminium_application(session: Session, verifier: Actor) -> int:
    aluminium = _manager(session, ALUMINIUM.organisation)
    if aluminium is None:
        return 0
    study = _latest_study(session, aluminium, ALUMINIUM.code)
    calculation = _latest_calculation(session, study) if study is not None else None
    if study is None or calculation is None or not calculation.submittable:
        return 0  # its rule check has errors: it cannot be submitted
    application = certification.apply(
        session,
        actor=aluminium,
        study_id=study.id,
        calculation_id=calculation.id,
        certifier_slug_or_id=DEMO_CERTIFIER,
    )
    certification.accept(session, actor=verifier, application_id=application.id)
    return 1


PRECAST = "demo-precast"
PRECAST_CODE = "PC-BEAM"


def _precast_model(cement_factor: str) -> dict:
    """One tonne of precast concrete beams made with the supplier's cement: 0.16 t of
    cement, 11 kWh of grid electricity and 0.16 t hauled 60 km by road."""
    return {
        "format": "tanji-model/1",
        "product": {
            "id": "precast-beam",
            "name": {"zh": "预制混凝土梁", "en": "Precast concrete beam"},
            "category": "general",
            "unit": {"amount": 1, "unit": "t"},
            "geography": "CN-SX",
            "period": {"start": "2025-01-01", "end": "2025-12-31"},
        },
        "processes": [
            {
                "id": "casting",
                "name": {"zh": "搅拌与浇筑", "en": "Mixing and casting"},
                "outputs": [{"id": "precast-beam", "amount": 1, "unit": "t"}],
                "inputs": [
                    {"id": "cement", "name": {"zh": "水泥", "en": "Cement"},
                     "amount": 0.16, "unit": "t", "factor": cement_factor},
                    {"id": "electricity", "name": {"zh": "电力", "en": "Electricity"},
                     "amount": 11, "unit": "kWh", "factor": "cn-electricity-footprint-2024"},
                    {"id": "cement-haul", "name": {"zh": "水泥公路运输", "en": "Cement haulage"},
                     "amount": 9.6, "unit": "t*km", "factor": "defra-road-hgv-2025"},
                ],
            }
        ],
    }  # fmt: skip


def seed_demo_pact(session: Session) -> int:
    """The PACT and supply-chain demo (idempotent): demo-cement's certified calculation
    (the latest of its cement study) published for demo-aluminium and demo-precast;
    demo-aluminium's study published publicly — so any demo API client lists at least
    two; demo-precast's request for the cement footprint, answered, and its model using
    the footprint (``pact:<id>``), calculated; an open request with a reminder. Returns
    how many footprints it published."""
    from tanji.exchange.pact import requests
    from tanji.exchange.pact import service as pact
    from tanji.exchange.pact.models import PublishedFootprint, Visibility

    published = 0
    for demo, visibility, partners in (
        (CEMENT, Visibility.PARTNERS, [ALUMINIUM.organisation, PRECAST]),
        (ALUMINIUM, Visibility.PUBLIC, []),
    ):
        actor = _manager(session, demo.organisation)
        if actor is None:
            continue
        exists = session.scalar(
            select(PublishedFootprint.id).where(
                PublishedFootprint.organisation_id == actor.organisation_id
            )
        )
        study = _latest_study(session, actor, demo.code)
        calculation = _latest_calculation(session, study) if study is not None else None
        if exists is not None or calculation is None:
            continue
        partner_slugs = [
            slug
            for slug in partners
            if session.scalar(select(Organisation.id).where(Organisation.slug == slug))
        ]
        pact.publish(
            session,
            actor=actor,
            calculation_id=calculation.id,
            visibility=visibility,
            partner_slugs=partner_slugs,
        )
        published += 1
    precast = _manager(session, PRECAST)
    cement = _manager(session, CEMENT.organisation)
    if precast is None or cement is None:
        return published
    if _latest_study(session, precast, PRECAST_CODE) is not None:
        return published
    footprint = session.scalar(
        select(PublishedFootprint).where(
            PublishedFootprint.organisation_id == cement.organisation_id
        )
    )
    if footprint is None:
        return published
    source = "http://127.0.0.1:8000"
    asked = requests.create(
        session,
        actor=precast,
        supplier_slug=CEMENT.organisation,
        product_name=CEMENT.name_zh,
        product_ids=[footprint.product_id],
        comment="用于2025年度预制梁碳足迹核算，请提供经认证的产品碳足迹。",
        source=source,
    )
    requests.answer_with_footprint(
        session, actor=cement, request_id=asked.id, footprint_id=footprint.id, source=source
    )
    product = studies.create_product(
        session,
        actor=precast,
        code=PRECAST_CODE,
        name_zh="预制混凝土梁",
        name_en="Precast concrete beam",
        category="general",
    )
    text = yaml.safe_dump(_precast_model(f"pact:{footprint.id}"), allow_unicode=True)
    study = studies.create_study_from_upload(
        session,
        actor=precast,
        product_id=product.id,
        filename="precast-beam.yaml",
        content=text.encode("utf-8"),
    )
    studies.calculate(session, actor=precast, study_id=study.id, iterations=DEMO_ITERATIONS)
    waiting = requests.create(
        session,
        actor=precast,
        supplier_slug=CEMENT.organisation,
        product_name="复合硅酸盐水泥 P·C 42.5",
        comment="新项目拟采用P·C 42.5，请提供产品碳足迹。",
        due_on=dt.date.today() + dt.timedelta(days=30),
        source=source,
    )
    requests.remind(session, actor=precast, request_id=waiting.id)
    return published


def seed_demo_data(session: Session) -> None:
    seed_demo_accounts(session)
    seed_demo_studies(session)
    seed_demo_certification(session)
    seed_demo_pact(session)
