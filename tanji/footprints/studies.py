"""Products and product studies on the platform: create, edit, version, calculate, diff.

Every function takes the session first, then keyword-only arguments, checks the
actor's right with ``tanji.accounts.policy.ensure`` and visibility through
``tanji.footprints.queries`` (NotFound first, then Forbidden, so existence never leaks);
none commits (the face does).

A study's model is stored per version as tanji-model/1 YAML, validated and bound against
the latest factor release before it is written. A calculation pins the factor release,
the rule version and the engine version, and stores the canonical result JSON, so the
same version calculated with the same release gives the same bytes again.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tanji.accounts.policy import Actor, Right, ensure
from tanji.core.build import build
from tanji.core.errors import Conflict, InvalidInput, Loc, NotFound
from tanji.core.i18n import LANGUAGES, _, current_language, in_language, set_language
from tanji.core.model import ProductSystem, Stage
from tanji.core.results import Result
from tanji.core.results import calculate as calculate_system
from tanji.db.base import utcnow
from tanji.exchange.pact import library
from tanji.footprints import modelfile, queries, templates, xlsx
from tanji.footprints.models import Calculation, Product, Study, StudyVersion
from tanji.footprints.service import study_resolver
from tanji.rules.catalogue import get_rule
from tanji.rules.service import check_study, report_to_dict

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_ITERATIONS = 10_000
MAX_NOTE = 2000
MAX_SEED = 2**31 - 1
INPUT_FIELDS = ("amount", "unit", "factor", "from", "data", "quality", "name")
EMISSION_FIELDS = ("amount", "unit", "origin", "data", "quality")
ORIGINS = ("template", "form", "yaml", "json", "xlsx")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
RELEASE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._\-]{0,39}$")


@dataclass(frozen=True)
class Template:
    """A product rule's study template: the model skeleton a new study starts from."""

    rule_id: str
    rule_version: str
    name_zh: str
    name_en: str
    model: str  # tanji-model/1 YAML with the rule's required processes and inputs


@dataclass(frozen=True)
class InputChange:
    key: str  # "process-id/input-id"
    kind: str  # "added", "removed", "changed"
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    fields: tuple[str, ...] = ()  # which fields changed (amount, unit, factor, …)


@dataclass(frozen=True)
class VersionDiff:
    """The difference between two versions of a study, in inputs and in result."""

    study_id: uuid.UUID
    old: int
    new: int
    processes_added: tuple[str, ...]
    processes_removed: tuple[str, ...]
    inputs: tuple[InputChange, ...]
    old_total: float | None  # kg CO2e per declared unit, latest calculation of that version
    new_total: float | None
    by_stage: tuple[tuple[str, float | None, float | None], ...] = field(default=())
    emissions: tuple[InputChange, ...] = ()  # keyed "process-id/gas" ("…/CO2#2" for a second)


# --- templates -----------------------------------------------------------------------


def list_templates() -> list[Template]:
    """One template per product rule (general rule included)."""
    return [
        Template(
            rule_id=rule.id,
            rule_version=rule.version,
            name_zh=rule.names.zh,
            name_en=rule.names.en,
            model=text,
        )
        for rule, text in templates.rendered_templates().values()
    ]


def get_template(rule_id: str) -> Template:
    rule, text = templates.template_text(rule_id)
    return Template(
        rule_id=rule.id,
        rule_version=rule.version,
        name_zh=rule.names.zh,
        name_en=rule.names.en,
        model=text,
    )


def template_model(rule_id: str) -> dict[str, Any]:
    """A rule's template as a tanji-model/1 mapping (a fresh copy)."""
    return templates.template_model(rule_id)


def xlsx_template(rule_id: str) -> bytes:
    """An XLSX workbook to fill in offline (product, processes, inputs, emissions sheets)."""
    return xlsx.write_xlsx(template_model(rule_id))


# --- visibility ----------------------------------------------------------------------


def _study(session: Session, actor: Actor, study_id: uuid.UUID, right: Right) -> Study:
    study = session.scalars(queries.visible_studies(actor).where(Study.id == study_id)).first()
    if study is None:
        raise NotFound(_("No study {id}.").format(id=study_id), loc=("study_id",))
    ensure(actor, right)
    return study


def _product(session: Session, actor: Actor, product_id: uuid.UUID, right: Right) -> Product:
    product = session.scalars(
        queries.visible_products(actor).where(Product.id == product_id)
    ).first()
    if product is None:
        raise NotFound(_("No product {id}.").format(id=product_id), loc=("product_id",))
    ensure(actor, right)
    return product


def _version(session: Session, study: Study, number: int | None, loc: Loc) -> StudyVersion:
    wanted = study.latest_version if number is None else number
    version = session.scalars(
        select(StudyVersion).where(StudyVersion.study_id == study.id, StudyVersion.number == wanted)
    ).first()
    if version is None:
        if number is None:
            raise NotFound(_("The study has no version yet."), loc=loc)
        raise NotFound(
            _("The study has no version {number}; it has {count}.").format(
                number=number, count=study.latest_version
            ),
            loc=loc,
        )
    return version


# --- products --------------------------------------------------------------------------


def _text_field(value: str, *, name: str, maximum: int, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise InvalidInput(_("This field is required."), loc=(name,))
    if _CONTROL.search(value):
        raise InvalidInput(_("Control characters are not allowed here."), loc=(name,))
    if len(value) > maximum:
        raise InvalidInput(_("At most {n} characters, please.").format(n=maximum), loc=(name,))
    return value


def list_products(session: Session, *, actor: Actor) -> list[Product]:
    ensure(actor, Right.STUDY_READ)
    return list(session.scalars(queries.visible_products(actor).order_by(Product.code)))


def get_product(session: Session, *, actor: Actor, product_id: uuid.UUID) -> Product:
    """The product if visible to the actor, else NotFound."""
    return _product(session, actor, product_id, Right.STUDY_READ)


def create_product(
    session: Session,
    *,
    actor: Actor,
    code: str,
    name_zh: str,
    name_en: str = "",
    category: str,
    description: str = "",
) -> Product:
    """A product of the actor's organisation; ``category`` is a product-rule id."""
    ensure(actor, Right.STUDY_EDIT)
    code = _text_field(code, name="code", maximum=80)
    name_zh = _text_field(name_zh, name="name_zh", maximum=200)
    name_en = _text_field(name_en, name="name_en", maximum=200, required=False)
    category = _text_field(category, name="category", maximum=60)
    description = _text_field(description, name="description", maximum=5000, required=False)
    try:
        get_rule(category)
    except NotFound as missing:
        raise InvalidInput(missing.message, loc=("category",)) from None
    exists = session.scalar(
        select(Product.id).where(
            Product.organisation_id == actor.organisation_id, Product.code == code
        )
    )
    if exists:
        raise Conflict(
            _("A product with the code '{code}' exists already.").format(code=code), loc=("code",)
        )
    product = Product(
        organisation_id=actor.organisation_id,
        code=code,
        name_zh=name_zh,
        name_en=name_en,
        category=category,
        description=description,
    )
    try:
        with session.begin_nested():
            session.add(product)
            session.flush()
    except IntegrityError:
        raise Conflict(
            _("A product with the code '{code}' exists already.").format(code=code), loc=("code",)
        ) from None
    return product


# --- studies ---------------------------------------------------------------------------


def list_studies(
    session: Session, *, actor: Actor, product_id: uuid.UUID | None = None
) -> list[Study]:
    ensure(actor, Right.STUDY_READ)
    query = queries.visible_studies(actor)
    if product_id is not None:
        query = query.where(Study.product_id == product_id)
    return list(session.scalars(query.order_by(Study.updated_at.desc(), Study.title)))


def get_study(session: Session, *, actor: Actor, study_id: uuid.UUID) -> Study:
    """The study if visible to the actor, else NotFound."""
    return _study(session, actor, study_id, Right.STUDY_READ)


def _product_slug(code: str) -> str:
    """The product code as a model id (letters, digits, - _ .), e.g. 'P·O 42.5' → 'P-O-42.5'."""
    slug = re.sub(r"[^A-Za-z0-9_.\-]+", "-", code).strip("-_.")[:120]
    return slug or "product"


def _title(product: Product, title: str) -> str:
    title = _text_field(title, name="title", maximum=200, required=False)
    if title:
        return title
    return in_language(product.name_zh, product.name_en)


def _new_study(session: Session, actor: Actor, product: Product, rule_id: str, title: str) -> Study:
    now = utcnow()
    study = Study(
        organisation_id=product.organisation_id,
        product_id=product.id,
        title=_title(product, title),
        rule_id=rule_id,
        rule_version=None,
        latest_version=0,
        created_by=actor.label,
        updated_at=now,
    )
    session.add(study)
    session.flush()
    return study


def create_study_from_template(
    session: Session, *, actor: Actor, product_id: uuid.UUID, rule_id: str, title: str = ""
) -> Study:
    """A new study whose version 1 is the rule's template, filled with the product's names."""
    product = _product(session, actor, product_id, Right.STUDY_EDIT)
    try:
        template = get_template(rule_id)
    except NotFound as missing:
        raise InvalidInput(missing.message, loc=("rule_id",)) from None
    model = template_model(template.rule_id)
    names = {"zh": product.name_zh}
    if product.name_en:
        names["en"] = product.name_en
    model["product"]["id"] = _product_slug(product.code)
    model["product"]["name"] = names
    _checked(session, model, organisation_id=product.organisation_id)
    study = _new_study(session, actor, product, template.rule_id, title)
    _store_version(
        session,
        actor,
        study,
        model,
        origin="template",
        note=_("Created from the template of rule {rule} {version}.").format(
            rule=template.rule_id, version=template.rule_version
        ),
    )
    return study


def create_study_from_upload(
    session: Session,
    *,
    actor: Actor,
    product_id: uuid.UUID,
    filename: str,
    content: bytes,
    title: str = "",
) -> Study:
    """A new study from an uploaded YAML, JSON or XLSX model (validated, InvalidInput with loc)."""
    product = _product(session, actor, product_id, Right.STUDY_EDIT)
    parsed = _parse_upload(filename, content)
    spec, _system = _checked(
        session,
        parsed.data,
        organisation_id=product.organisation_id,
        locate=parsed.locate,
        name=filename,
    )
    category = spec.product.category
    rule_id = product.category
    if category:
        try:
            rule_id = get_rule(category).id
        except NotFound:
            rule_id = product.category
    study = _new_study(session, actor, product, rule_id, title)
    _store_version(session, actor, study, parsed.data, origin=parsed.origin, note="")
    return study


# --- versions --------------------------------------------------------------------------


def _identity(loc: Loc) -> Loc:
    return loc


@dataclass(frozen=True)
class _Parsed:
    data: dict[str, Any]
    origin: str
    locate: Callable[[Loc], Loc] = _identity


def _json_model(text: str, name: str) -> dict[str, Any]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        where = _("line {line}, column {column}").format(line=error.lineno, column=error.colno)
        raise modelfile.ModelError(
            [((where,), _("JSON syntax error: {problem}.").format(problem=error.msg))],
            source=name,
        ) from None
    if not isinstance(data, dict):
        raise modelfile.ModelError(
            [((), _("The model must be a mapping with 'product' and 'processes'."))], source=name
        )
    return data


def _decode(content: bytes) -> str:
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput(
            _("The file is not UTF-8 text; save it as UTF-8 and upload it again."), loc=("file",)
        ) from None


def _parse_upload(filename: str, content: bytes) -> _Parsed:
    """The model mapping of an uploaded file, by its extension."""
    if not content:
        raise InvalidInput(_("The file is empty."), loc=("file",))
    if len(content) > MAX_UPLOAD_BYTES:
        raise InvalidInput(
            _("The file is larger than {n} MB.").format(n=MAX_UPLOAD_BYTES // (1024 * 1024)),
            loc=("file",),
        )
    suffix = Path(filename or "").suffix.lower()
    if suffix in (".yaml", ".yml"):
        return _Parsed(modelfile.parse_text(_decode(content), name=filename), "yaml")
    if suffix == ".json":
        return _Parsed(_json_model(_decode(content), filename), "json")
    if suffix == ".xlsx":
        read = xlsx.read_workbook(content)
        return _Parsed(read.model, "xlsx", read.locate)
    raise InvalidInput(
        _("Upload a model as .yaml, .yml, .json or .xlsx, not '{name}'.").format(name=filename),
        loc=("file",),
    )


def _checked(
    session: Session,
    data: dict[str, Any],
    *,
    organisation_id: uuid.UUID,
    locate: Callable[[Loc], Loc] = _identity,
    name: str = "model",
) -> tuple[modelfile.ModelFile, ProductSystem]:
    """Validate a model and bind every factor against the latest release (errors with loc)."""
    try:
        spec = modelfile.validate(data, name=name)
        system = modelfile.to_system(spec, study_resolver(session, None, organisation_id))
        build(system)  # units of inputs against their factors and providers, links, gases
    except modelfile.ModelError as error:
        raise modelfile.ModelError(
            [(locate(loc), message) for loc, message in error.problems], source=error.source
        ) from None
    except InvalidInput as error:
        error.loc = locate(error.loc)
        raise
    return spec, system


def _store_version(
    session: Session,
    actor: Actor,
    study: Study,
    data: dict[str, Any],
    *,
    origin: str,
    note: str,
) -> StudyVersion:
    number = study.latest_version + 1
    version = StudyVersion(
        study_id=study.id,
        number=number,
        model=yaml.safe_dump(data, allow_unicode=True, sort_keys=False),
        origin=origin,
        note=note,
        created_by=actor.label,
    )
    try:
        with session.begin_nested():
            session.add(version)
            session.flush()
    except IntegrityError:
        raise Conflict(
            _("Version {number} was saved by someone else a moment ago; reload and save again.")
            .format(number=number)
        ) from None  # fmt: skip
    study.latest_version = number
    study.updated_at = utcnow()
    library.keep_used(
        session,
        organisation_id=study.organisation_id,
        model_text=version.model,
        received_by=actor.label,
    )
    session.flush()
    return version


def _note(note: str) -> str:
    return _text_field(note, name="note", maximum=MAX_NOTE, required=False)


def save_version(
    session: Session,
    *,
    actor: Actor,
    study_id: uuid.UUID,
    model: dict[str, Any] | str,
    origin: str = "form",
    note: str = "",
) -> StudyVersion:
    """Validate and store a new version (model as a dict or YAML/JSON text)."""
    study = _study(session, actor, study_id, Right.STUDY_EDIT)
    if origin not in ORIGINS:
        raise InvalidInput(
            _("Unknown origin '{origin}'; use one of: {origins}.").format(
                origin=origin, origins=", ".join(ORIGINS)
            ),
            loc=("origin",),
        )
    note = _note(note)
    data = modelfile.parse_text(model) if isinstance(model, str) else model
    if not isinstance(data, dict):
        raise InvalidInput(
            _("The model must be a mapping with 'product' and 'processes'."), loc=("model",)
        )
    _checked(session, data, organisation_id=study.organisation_id)
    return _store_version(session, actor, study, data, origin=origin, note=note)


def upload_version(
    session: Session,
    *,
    actor: Actor,
    study_id: uuid.UUID,
    filename: str,
    content: bytes,
    note: str = "",
) -> StudyVersion:
    """A new version from an uploaded YAML, JSON or XLSX file (errors name row or line)."""
    study = _study(session, actor, study_id, Right.STUDY_EDIT)
    note = _note(note)
    parsed = _parse_upload(filename, content)
    _checked(
        session,
        parsed.data,
        organisation_id=study.organisation_id,
        locate=parsed.locate,
        name=filename,
    )
    return _store_version(session, actor, study, parsed.data, origin=parsed.origin, note=note)


def list_versions(session: Session, *, actor: Actor, study_id: uuid.UUID) -> list[StudyVersion]:
    study = _study(session, actor, study_id, Right.STUDY_READ)
    return list(
        session.scalars(
            select(StudyVersion)
            .where(StudyVersion.study_id == study.id)
            .order_by(StudyVersion.number)
        )
    )


def get_version(
    session: Session, *, actor: Actor, study_id: uuid.UUID, number: int | None = None
) -> StudyVersion:
    """The numbered version, or the latest."""
    study = _study(session, actor, study_id, Right.STUDY_READ)
    return _version(session, study, number, ("number",))


def model_of(version: StudyVersion) -> dict[str, Any]:
    """The version's model as a plain dict (the tanji-model/1 structure)."""
    return modelfile.parse_text(version.model, name=f"v{version.number}")


# --- diff ------------------------------------------------------------------------------


def _same(field_name: str, a: Any, b: Any) -> bool:
    numbers = (int, float)
    if (
        field_name == "amount"
        and isinstance(a, numbers)
        and isinstance(b, numbers)
        and not isinstance(a, bool)
        and not isinstance(b, bool)
    ):
        return float(a) == float(b)
    return a == b


def _items(model: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    """Inputs ("process/input") or emissions ("process/gas", "process/gas#2") by key."""
    found: dict[str, dict[str, Any]] = {}
    for process in model.get("processes", ()):
        seen: dict[str, int] = {}
        for item in process.get(kind, ()) or ():
            if kind == "inputs":
                key = f"{process['id']}/{item.get('id')}"
            else:
                gas = str(item.get("gas"))
                seen[gas] = seen.get(gas, 0) + 1
                key = f"{process['id']}/{gas}" + (f"#{seen[gas]}" if seen[gas] > 1 else "")
            found[key] = item
    return found


def _changes(
    old: dict[str, Any], new: dict[str, Any], kind: str, fields: tuple[str, ...]
) -> tuple[InputChange, ...]:
    before, after = _items(old, kind), _items(new, kind)
    changes = []
    for key, item in after.items():
        previous = before.get(key)
        if previous is None:
            changes.append(InputChange(key=key, kind="added", before=None, after=item))
            continue
        changed = tuple(f for f in fields if not _same(f, previous.get(f), item.get(f)))
        if changed:
            changes.append(
                InputChange(key=key, kind="changed", before=previous, after=item, fields=changed)
            )
    changes += [
        InputChange(key=key, kind="removed", before=item, after=None)
        for key, item in before.items()
        if key not in after
    ]
    return tuple(changes)


def _latest_calculation(session: Session, study: Study, number: int) -> Calculation | None:
    return session.scalars(
        select(Calculation)
        .where(Calculation.study_id == study.id, Calculation.version_number == number)
        .order_by(Calculation.created_at.desc())
        .limit(1)
    ).first()


def _stages(calculation: Calculation | None) -> dict[str, float]:
    if calculation is None:
        return {}
    data = json.loads(calculation.result)
    return {entry["key"]: entry["value"] for entry in data.get("by_stage", ())}


def diff_versions(
    session: Session, *, actor: Actor, study_id: uuid.UUID, old: int, new: int
) -> VersionDiff:
    """What changed from version ``old`` to ``new``: processes, inputs, emissions, result."""
    study = _study(session, actor, study_id, Right.STUDY_READ)
    before = model_of(_version(session, study, old, ("old",)))
    after = model_of(_version(session, study, new, ("new",)))
    old_ids = [p["id"] for p in before.get("processes", ())]
    new_ids = [p["id"] for p in after.get("processes", ())]
    old_calc = _latest_calculation(session, study, old)
    new_calc = _latest_calculation(session, study, new)
    old_stages, new_stages = _stages(old_calc), _stages(new_calc)
    order = {stage.value: index for index, stage in enumerate(Stage)}
    keys = sorted(old_stages.keys() | new_stages.keys(), key=lambda s: (order.get(s, 99), s))
    return VersionDiff(
        study_id=study.id,
        old=old,
        new=new,
        processes_added=tuple(p for p in new_ids if p not in old_ids),
        processes_removed=tuple(p for p in old_ids if p not in new_ids),
        inputs=_changes(before, after, "inputs", INPUT_FIELDS),
        old_total=old_calc.total if old_calc else None,
        new_total=new_calc.total if new_calc else None,
        by_stage=tuple((key, old_stages.get(key), new_stages.get(key)) for key in keys),
        emissions=_changes(before, after, "emissions", EMISSION_FIELDS),
    )


# --- calculations ----------------------------------------------------------------------


def _rule_reports(
    system: ProductSystem, result: Result, rule_id: str, version: str | None
) -> dict[str, dict[str, Any]]:
    """The rule report in every interface language, so it shows in the viewer's own."""
    previous = current_language()
    reports = {}
    try:
        for language in LANGUAGES:
            set_language(language)
            report = check_study(system, result, rule_id=rule_id, version=version)
            reports[language] = report_to_dict(report)
    finally:
        set_language(previous)
    return reports


def _grade_label(report: dict[str, Any]) -> str | None:
    grade = report.get("grade")
    if not grade or grade.get("grade") is None:
        return None
    label = grade.get("label") or str(grade["grade"])
    return label[:40]


def calculate(
    session: Session,
    *,
    actor: Actor,
    study_id: uuid.UUID,
    number: int | None = None,
    release: str | None = None,
    iterations: int = 1000,
    seed: int = 42,
) -> Calculation:
    """Calculate a version against a factor release (latest if None), check its rule, store it.

    ``iterations`` Monte Carlo runs (0: none) with ``seed``; the total is in kg CO2e per
    declared unit. The rule report is stored in both interface languages.
    """
    study = _study(session, actor, study_id, Right.STUDY_CALCULATE)
    if not 0 <= iterations <= MAX_ITERATIONS:
        raise InvalidInput(
            _("Monte Carlo iterations must be between 0 and {n}.").format(n=MAX_ITERATIONS),
            loc=("iterations",),
        )
    if not 0 <= seed <= MAX_SEED:
        raise InvalidInput(
            _("The seed must be between 0 and {n}.").format(n=MAX_SEED), loc=("seed",)
        )
    release = release or None
    if release is not None and not RELEASE_PATTERN.match(release):
        raise InvalidInput(
            _("'{release}' is not a release name such as 2026.1.").format(release=release),
            loc=("release",),
        )
    version = _version(session, study, number, ("number",))
    try:
        resolver = study_resolver(session, release, study.organisation_id)
    except NotFound as missing:
        raise InvalidInput(missing.message, loc=("release",)) from None
    spec = modelfile.validate(model_of(version), name=f"v{version.number}")
    system = modelfile.to_system(spec, resolver)
    result = calculate_system(system, iterations=iterations, seed=seed)
    reports = _rule_reports(system, result, study.rule_id, study.rule_version)
    current = reports[current_language()]
    calculation = Calculation(
        study_id=study.id,
        version_id=version.id,
        version_number=version.number,
        release=resolver.release.name,
        rule_id=current["rule"],
        rule_version=current["rule_version"],
        engine_version=result.engine_version,
        gwp_set=result.gwp_set,
        input_hash=result.input_hash,
        iterations=iterations,
        seed=seed,
        total=result.total,
        unit=f"{result.amount:g} {result.unit}",
        result=result.to_json(),
        findings=json.dumps(reports, ensure_ascii=False, sort_keys=True),
        grade=_grade_label(current),
        submittable=bool(current["submittable"]),
        created_by=actor.label,
    )
    session.add(calculation)
    session.flush()
    return calculation


def list_calculations(session: Session, *, actor: Actor, study_id: uuid.UUID) -> list[Calculation]:
    """The study's calculations, newest first."""
    study = _study(session, actor, study_id, Right.STUDY_READ)
    return list(
        session.scalars(
            select(Calculation)
            .where(Calculation.study_id == study.id)
            .order_by(Calculation.created_at.desc(), Calculation.version_number.desc())
        )
    )


def get_calculation(session: Session, *, actor: Actor, calculation_id: uuid.UUID) -> Calculation:
    calculation = session.scalars(
        queries.visible_calculations(actor).where(Calculation.id == calculation_id)
    ).first()
    if calculation is None:
        raise NotFound(_("No calculation {id}.").format(id=calculation_id), loc=("calculation_id",))
    ensure(actor, Right.STUDY_READ)
    return calculation


def result_of(calculation: Calculation) -> dict[str, Any]:
    """The stored result as a dict: Result.to_dict() plus "rule_check".

    "rule_check" is the rule report in the current language, the same shape as
    `tanji calc --json`: rule, rule_version, standard, submittable, findings, grade.
    """
    data = json.loads(calculation.result)
    reports = json.loads(calculation.findings)
    report = reports.get(current_language()) or reports.get("en")
    if report is None and reports:
        report = next(iter(reports.values()))
    if report is not None:
        data["rule_check"] = report
    return data
