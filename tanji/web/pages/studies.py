"""The enterprise workspace: products, studies, the model editor, results, versions, diffs.

Each route parses the request, checks the right it declares, calls the studies service
(:mod:`tanji.footprints.studies`), commits and renders. Validation errors from the
service come back onto the form that caused them, next to the field they name.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from tanji.accounts.policy import Actor, Right
from tanji.core.errors import Conflict, InvalidInput, NotFound, format_loc
from tanji.core.i18n import N_, _, gettext, in_language
from tanji.core.quality import level_label
from tanji.exchange.pact import updates as supplier_updates
from tanji.factors import service as factors
from tanji.footprints import studies
from tanji.footprints.models import Calculation, Product, Study
from tanji.reports import charts
from tanji.rules.catalogue import list_rules
from tanji.rules.check import stage_name
from tanji.web.deps import CsrfChecked, SessionDep, require
from tanji.web.pages import study_form
from tanji.web.rendering import page
from tanji.web.templating import rule_names

router = APIRouter(tags=["pages"], include_in_schema=False)

CanRead = Annotated[Actor, Depends(require(Right.STUDY_READ))]
CanEdit = Annotated[Actor, Depends(require(Right.STUDY_EDIT))]
CanCalculate = Annotated[Actor, Depends(require(Right.STUDY_CALCULATE))]

MAX_UPLOAD = studies.MAX_UPLOAD_BYTES
MAX_ITERATIONS = studies.MAX_ITERATIONS
EDITOR_FIELDS = 50000  # a large model posts many fields; starlette's default stops at 1000


async def editor_form(request: Request) -> FormData:
    """The posted editor form, parsed once with room for large models (before CSRF reads it)."""
    return await request.form(max_fields=EDITOR_FIELDS)


EditorForm = Annotated[FormData, Depends(editor_form)]


# --- helpers shared by the templates --------------------------------------------------


local = in_language  # the templates call it `local`


def severity_class(severity: str) -> str:
    return {"error": "bad", "warning": "warn", "info": "info"}.get(severity, "info")


ORIGIN_NAMES = {
    "template": N_("template"),
    "form": N_("form"),
    "yaml": N_("YAML"),
    "json": N_("JSON"),
    "xlsx": N_("Excel"),
}


def origin_name(origin: str) -> str:
    """How a version came to be (template, form, YAML …) in the interface language."""
    return gettext(ORIGIN_NAMES[origin]) if origin in ORIGIN_NAMES else origin


def show(value: Any) -> str:
    """A model value in a diff cell: names in the interface language, scores in a row."""
    if value is None:
        return ""
    if isinstance(value, Mapping):
        if set(value) <= {"zh", "en"}:
            return local(value.get("zh"), value.get("en"))
        if set(value) <= set(study_form.INDICATORS):
            return " ".join(str(value.get(key, "–")) for key in study_form.INDICATORS)
        return json.dumps(value, ensure_ascii=False, default=str)
    return study_form.text(value)


def problems_of(error: InvalidInput, filename: str = "") -> list[str]:
    """An error's problems as lines naming where each one is: the sheet, row and column of
    a workbook, the line of a syntax error, or the field path of a model."""
    workbook = (filename or str(getattr(error, "source", ""))).lower().endswith(".xlsx")
    lines = []
    for loc, message in study_form.errors_of(error):
        where = _cell(loc) if workbook else format_loc(loc)
        lines.append(f"{where}: {message}" if where else message)
    return lines


def _cell(loc: tuple[str | int, ...]) -> str:
    """A workbook location (sheet, row, column) in words."""
    if len(loc) >= 2 and isinstance(loc[0], str) and isinstance(loc[1], int):
        if len(loc) >= 3:
            return _("sheet {sheet}, row {row}, column {column}").format(
                sheet=loc[0], row=loc[1], column=loc[2]
            )
        return _("sheet {sheet}, row {row}").format(sheet=loc[0], row=loc[1])
    if len(loc) == 1 and isinstance(loc[0], str):
        return _("sheet {sheet}").format(sheet=loc[0])
    return format_loc(loc)


def _helpers() -> dict[str, Any]:
    return {
        "local": local,
        "stage_name": stage_name,
        "severity_class": severity_class,
        "level_label": level_label,
        "gas_name": charts.gas_name,
        "origin_name": origin_name,
        "show": show,
        "STAGES": study_form.STAGES,
    }


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> Response:
    return page(request, template, status_code=status_code, **_helpers(), **context)


def _rules() -> list[Any]:
    return list_rules()


def _product_of(session: Session, actor: Actor, study: Study) -> Product:
    return studies.get_product(session, actor=actor, product_id=study.product_id)


def _latest(calculations: list[Calculation]) -> Calculation | None:
    return max(calculations, key=lambda c: c.created_at) if calculations else None


# --- products and studies -------------------------------------------------------------


def _index(
    request: Request,
    session: Session,
    actor: Actor,
    *,
    status_code: int = 200,
    product_form: Mapping[str, str] | None = None,
    product_errors: list[str] | None = None,
) -> Response:
    products = studies.list_products(session, actor=actor)
    by_product: dict[uuid.UUID, list[Study]] = {}
    latest: dict[uuid.UUID, Calculation | None] = {}
    for study in studies.list_studies(session, actor=actor):
        by_product.setdefault(study.product_id, []).append(study)
        latest[study.id] = _latest(
            studies.list_calculations(session, actor=actor, study_id=study.id)
        )
    return render(
        request,
        "studies/index.html",
        status_code=status_code,
        products=products,
        by_product=by_product,
        latest=latest,
        rules=_rules(),
        rule_names=rule_names(),
        product_form=product_form or {},
        product_errors=product_errors or [],
    )


@router.get("/studies", response_class=HTMLResponse)
def index(request: Request, session: SessionDep, actor: CanRead) -> Response:
    """The organisation's products with their studies."""
    return _index(request, session, actor)


@router.post("/studies/products", dependencies=[CsrfChecked])
def create_product(
    request: Request,
    session: SessionDep,
    actor: CanEdit,
    code: Annotated[str, Form(max_length=80)] = "",
    name_zh: Annotated[str, Form(max_length=200)] = "",
    name_en: Annotated[str, Form(max_length=200)] = "",
    category: Annotated[str, Form(max_length=60)] = "",
    description: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    """Create a product."""
    values = {
        "code": code.strip(),
        "name_zh": name_zh.strip(),
        "name_en": name_en.strip(),
        "category": category.strip(),
        "description": description.strip(),
    }
    try:
        product = studies.create_product(session, actor=actor, **values)
        session.commit()
    except (InvalidInput, Conflict) as error:
        session.rollback()
        where = format_loc(error.loc)
        return _index(
            request,
            session,
            actor,
            status_code=409 if isinstance(error, Conflict) else 422,
            product_form=values,
            product_errors=[f"{where}: {error.message}" if where else error.message],
        )
    return RedirectResponse(f"/studies#product-{product.id}", status_code=303)


def _new_page(
    request: Request,
    session: Session,
    actor: Actor,
    *,
    product_id: uuid.UUID | None,
    rule_id: str = "",
    title: str = "",
    mode: str = "template",
    problems: list[str] | None = None,
    status_code: int = 200,
) -> Response:
    products = studies.list_products(session, actor=actor)
    product = next((p for p in products if p.id == product_id), None)
    if product_id is not None and product is None:
        raise NotFound(_("No such product in your organisation."), loc=("product",))
    rules = _rules()
    if not rule_id:
        rule_id = product.category if product is not None else "general"
    return render(
        request,
        "studies/new.html",
        status_code=status_code,
        products=products,
        product=product,
        rules=rules,
        rule_id=rule_id,
        title=title,
        mode=mode,
        problems=problems or [],
    )


@router.get("/studies/new", response_class=HTMLResponse)
def new_study_form(
    request: Request,
    session: SessionDep,
    actor: CanEdit,
    product: Annotated[uuid.UUID | None, Query()] = None,
) -> Response:
    """Start a study from a product rule's template or an uploaded model."""
    return _new_page(request, session, actor, product_id=product)


def _read_upload(upload: UploadFile | None) -> tuple[str, bytes] | None:
    """The uploaded file's name and content; one byte past the limit is enough for the
    service to refuse a file that is too large, without reading all of it."""
    if upload is None or not upload.filename:
        return None
    return upload.filename, upload.file.read(MAX_UPLOAD + 1)


@router.post("/studies/new", dependencies=[CsrfChecked])
def create_study(
    request: Request,
    session: SessionDep,
    actor: CanEdit,
    product: Annotated[uuid.UUID, Form()],
    mode: Annotated[str, Form(max_length=20)] = "template",
    rule_id: Annotated[str, Form(max_length=60)] = "",
    title: Annotated[str, Form(max_length=200)] = "",
    file: Annotated[UploadFile | None, File()] = None,
) -> Response:
    """Create a study from a template or an uploaded YAML, JSON or XLSX model."""
    title = title.strip()
    try:
        if mode == "upload":
            upload = _read_upload(file)
            if upload is None:
                raise InvalidInput(_("Choose a model file to upload."), loc=("file",))
            study = studies.create_study_from_upload(
                session,
                actor=actor,
                product_id=product,
                filename=upload[0],
                content=upload[1],
                title=title,
            )
        else:
            study = studies.create_study_from_template(
                session, actor=actor, product_id=product, rule_id=rule_id, title=title
            )
        session.commit()
    except InvalidInput as error:
        session.rollback()
        return _new_page(
            request,
            session,
            actor,
            product_id=product,
            rule_id=rule_id,
            title=title,
            mode=mode,
            problems=problems_of(error, file.filename if file and file.filename else ""),
            status_code=422,
        )
    return RedirectResponse(f"/studies/{study.id}", status_code=303)


@router.get("/studies/{study_id}", response_class=HTMLResponse)
def overview(
    request: Request,
    session: SessionDep,
    actor: CanRead,
    study_id: uuid.UUID,
    saved: Annotated[int | None, Query()] = None,
    dismissed: Annotated[int | None, Query()] = None,
) -> Response:
    """A study: its versions, its calculations and what can be done next."""
    study = studies.get_study(session, actor=actor, study_id=study_id)
    versions = studies.list_versions(session, actor=actor, study_id=study.id)
    calculations = studies.list_calculations(session, actor=actor, study_id=study.id)
    releases = factors.list_releases(session) if actor.can(Right.STUDY_CALCULATE) else []
    flashes = []
    if saved is not None:
        flashes.append({"kind": "ok", "text": _("Version {number} saved.").format(number=saved)})
    if dismissed:
        flashes.append({"kind": "ok", "text": _("The supplier update was dismissed.")})
    return render(
        request,
        "studies/overview.html",
        supplier_updates=supplier_updates.open_flags(session, actor=actor, study_id=study.id),
        study=study,
        product=_product_of(session, actor, study),
        versions=sorted(versions, key=lambda v: v.number, reverse=True),
        calculations=sorted(calculations, key=lambda c: c.created_at, reverse=True),
        releases=sorted(releases, key=lambda r: r.created_at, reverse=True),
        rule_names=rule_names(),
        flashes=flashes,
        max_iterations=MAX_ITERATIONS,
    )


# --- the editor -----------------------------------------------------------------------


def _editor(
    request: Request,
    study: Study,
    rows: study_form.Rows,
    *,
    number: int,
    note: str = "",
    errors: Mapping[str, list[str]] | None = None,
    general: list[str] | None = None,
    status_code: int = 200,
) -> Response:
    targets = sorted(
        {p["id"] for p in rows["processes"] if p.get("id")}
        | {o["id"] for p in rows["processes"] for o in p.get("outputs", []) if o.get("id")}
    )
    return render(
        request,
        "studies/edit.html",
        status_code=status_code,
        study=study,
        rows=rows,
        number=number,
        note=note,
        errors=errors or {},
        general=general or [],
        targets=targets,
        choices=_choices(),
        indicators=study_form.INDICATORS,
        blank={
            "outputs": study_form.blank_output(),
            "inputs": study_form.blank_input(),
            "emissions": study_form.blank_emission(),
        },
        hidden_factor=study_form.hidden_factor,
    )


def _choices() -> dict[str, list[tuple[str, str]]]:
    """The options of the editor's selects, labelled in the interface language."""
    return {
        "stage": [(stage, stage_name(stage)) for stage in study_form.STAGES],
        "data": [("primary", _("primary")), ("secondary", _("secondary"))],
        "origin": [("fossil", _("fossil")), ("biogenic", _("biogenic")), ("dluc", _("dLUC"))],
        "score": [(str(score), str(score)) for score in range(1, 6)],
        "boundary": [
            ("cradle-to-gate", _("cradle-to-gate")),
            ("cradle-to-grave", _("cradle-to-grave")),
            ("gate-to-gate", _("gate-to-gate")),
        ],
        "allocation": [
            ("mass", _("mass")),
            ("energy", _("energy")),
            ("economic", _("economic")),
            ("shares", _("fixed shares")),
            ("system-expansion", _("system expansion")),
        ],
        "unit_kind": [("declared", _("declared unit")), ("functional", _("functional unit"))],
        "gwp": [("AR6", "IPCC AR6"), ("AR5", "IPCC AR5"), ("AR4", "IPCC AR4")],
        "category": [(rule.id, local(rule.names.zh, rule.names.en)) for rule in _rules()],
        "indicator": [
            ("reliability", _("Reliability")),
            ("completeness", _("Completeness")),
            ("temporal", _("Temporal")),
            ("geographical", _("Geographical")),
            ("technological", _("Technological")),
        ],
    }


@router.get("/studies/{study_id}/edit", response_class=HTMLResponse)
def edit_form(
    request: Request, session: SessionDep, actor: CanEdit, study_id: uuid.UUID
) -> Response:
    """The model editor, filled with the latest version."""
    study = studies.get_study(session, actor=actor, study_id=study_id)
    version = studies.get_version(session, actor=actor, study_id=study.id)
    rows = study_form.model_to_form(studies.model_of(version))
    return _editor(request, study, rows, number=version.number)


@router.post("/studies/{study_id}/edit", dependencies=[Depends(editor_form), CsrfChecked])
def edit_save(
    request: Request,
    session: SessionDep,
    actor: CanEdit,
    study_id: uuid.UUID,
    form: EditorForm,
) -> Response:
    """Add or remove a row of the editor, or save the form as a new version."""
    study = studies.get_study(session, actor=actor, study_id=study_id)
    action = _text(form, "action") or "save"
    note = _text(form, "note")
    number = study.latest_version
    rows = study_form.form_to_rows(form)
    if action != "save":
        return _editor(
            request, study, study_form.apply_action(rows, action), number=number, note=note
        )
    rows = study_form.prune(rows)
    try:
        model = study_form.rows_to_model(rows)
        version = studies.save_version(
            session, actor=actor, study_id=study.id, model=model, origin="form", note=note
        )
        session.commit()
    except InvalidInput as error:
        session.rollback()
        errors, general = study_form.place_errors(study_form.errors_of(error), rows)
        return _editor(
            request,
            study,
            rows,
            number=number,
            note=note,
            errors=errors,
            general=general,
            status_code=422,
        )
    return RedirectResponse(f"/studies/{study.id}?saved={version.number}", status_code=303)


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def _yaml_page(
    request: Request,
    study: Study,
    *,
    text: str,
    number: int,
    note: str = "",
    problems: list[str] | None = None,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "studies/yaml.html",
        status_code=status_code,
        study=study,
        text=text,
        number=number,
        note=note,
        problems=problems or [],
    )


@router.get("/studies/{study_id}/yaml", response_class=HTMLResponse)
def yaml_form(
    request: Request, session: SessionDep, actor: CanEdit, study_id: uuid.UUID
) -> Response:
    """Edit the latest version as model-file text."""
    study = studies.get_study(session, actor=actor, study_id=study_id)
    version = studies.get_version(session, actor=actor, study_id=study.id)
    return _yaml_page(request, study, text=version.model, number=version.number)


@router.post("/studies/{study_id}/yaml", dependencies=[CsrfChecked])
def yaml_save(
    request: Request,
    session: SessionDep,
    actor: CanEdit,
    study_id: uuid.UUID,
    model: Annotated[str, Form(max_length=MAX_UPLOAD)] = "",
    note: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Save model-file text as a new version."""
    study = studies.get_study(session, actor=actor, study_id=study_id)
    text = model.replace("\r\n", "\n")
    try:
        version = studies.save_version(
            session, actor=actor, study_id=study.id, model=text, origin="yaml", note=note.strip()
        )
        session.commit()
    except InvalidInput as error:
        session.rollback()
        return _yaml_page(
            request,
            study,
            text=text,
            number=study.latest_version,
            note=note,
            problems=problems_of(error),
            status_code=422,
        )
    return RedirectResponse(f"/studies/{study.id}?saved={version.number}", status_code=303)


@router.get("/studies/{study_id}/upload", response_class=HTMLResponse)
def upload_form(
    request: Request, session: SessionDep, actor: CanEdit, study_id: uuid.UUID
) -> Response:
    """Upload a model file as the study's next version."""
    study = studies.get_study(session, actor=actor, study_id=study_id)
    return render(request, "studies/upload.html", study=study, problems=[], note="")


@router.post("/studies/{study_id}/upload", dependencies=[CsrfChecked])
def upload_save(
    request: Request,
    session: SessionDep,
    actor: CanEdit,
    study_id: uuid.UUID,
    file: Annotated[UploadFile | None, File()] = None,
    note: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Store an uploaded YAML, JSON or XLSX model as a new version."""
    study = studies.get_study(session, actor=actor, study_id=study_id)
    try:
        upload = _read_upload(file)
        if upload is None:
            raise InvalidInput(_("Choose a model file to upload."), loc=("file",))
        version = studies.upload_version(
            session,
            actor=actor,
            study_id=study.id,
            filename=upload[0],
            content=upload[1],
            note=note.strip(),
        )
        session.commit()
    except InvalidInput as error:
        session.rollback()
        return render(
            request,
            "studies/upload.html",
            status_code=422,
            study=study,
            problems=problems_of(error, file.filename if file and file.filename else ""),
            note=note,
        )
    return RedirectResponse(f"/studies/{study.id}?saved={version.number}", status_code=303)


# --- calculation and result -----------------------------------------------------------


@router.post("/studies/{study_id}/calculate", dependencies=[CsrfChecked])
def calculate(
    session: SessionDep,
    actor: CanCalculate,
    study_id: uuid.UUID,
    release: Annotated[str, Form(max_length=40)] = "",
    iterations: Annotated[int, Form(ge=0, le=MAX_ITERATIONS)] = 1000,
    number: Annotated[int | None, Form(ge=1)] = None,
) -> Response:
    """Calculate a version of the study and show its result."""
    calculation = studies.calculate(
        session,
        actor=actor,
        study_id=study_id,
        number=number,
        release=release.strip() or None,
        iterations=iterations,
    )
    session.commit()
    return RedirectResponse(f"/calculations/{calculation.id}", status_code=303)


def _input_names(model: Mapping[str, Any]) -> dict[str, str]:
    """``process/input`` → the input's name in the interface language."""
    names = {}
    for process in model.get("processes") or []:
        for item in process.get("inputs") or []:
            name = item.get("name")
            if isinstance(name, Mapping):
                text = local(name.get("zh"), name.get("en"))
            else:
                text = str(name or "")
            names[f"{process.get('id')}/{item.get('id')}"] = text
    return names


def _charts(result: Mapping[str, Any]) -> dict[str, Markup]:
    drawn = {
        "stage": charts.stage_chart(dict(result)),
        "contribution": charts.contribution_chart(dict(result)),
        "gas": charts.gas_chart(dict(result)),
    }
    if (result.get("uncertainty") or {}).get("iterations"):
        drawn["uncertainty"] = charts.uncertainty_chart(dict(result))
    # The charts escape every text they draw and carry no script (tanji.reports.charts).
    return {key: Markup(svg) for key, svg in drawn.items()}


@router.get("/calculations/{calculation_id}", response_class=HTMLResponse)
def result(
    request: Request, session: SessionDep, actor: CanRead, calculation_id: uuid.UUID
) -> Response:
    """The result of a calculation: total, breakdowns, quality, uncertainty, rule check."""
    calculation = studies.get_calculation(session, actor=actor, calculation_id=calculation_id)
    study = studies.get_study(session, actor=actor, study_id=calculation.study_id)
    data = studies.result_of(calculation)
    version = studies.get_version(
        session, actor=actor, study_id=study.id, number=calculation.version_number
    )
    process_names = {item["key"]: item.get("label") or item["key"] for item in data["by_process"]}
    return render(
        request,
        "studies/result.html",
        calculation=calculation,
        study=study,
        result=data,
        check=data.get("rule_check") or {},
        charts=_charts(data),
        input_names=_input_names(studies.model_of(version)),
        process_names=process_names,
        rule_names=rule_names(),
    )


# --- versions and differences ---------------------------------------------------------


@router.get("/studies/{study_id}/versions/{number:int}.yaml")
def version_yaml(session: SessionDep, actor: CanRead, study_id: uuid.UUID, number: int) -> Response:
    """Download a version as a model file."""
    study = studies.get_study(session, actor=actor, study_id=study_id)
    version = studies.get_version(session, actor=actor, study_id=study.id, number=number)
    filename = f"study-{str(study.id)[:8]}-v{version.number}.yaml"
    return Response(
        version.model,
        media_type="application/yaml; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@router.get("/studies/{study_id}/versions/{number:int}", response_class=HTMLResponse)
def version_view(
    request: Request, session: SessionDep, actor: CanRead, study_id: uuid.UUID, number: int
) -> Response:
    """A saved version, read-only."""
    study = studies.get_study(session, actor=actor, study_id=study_id)
    version = studies.get_version(session, actor=actor, study_id=study.id, number=number)
    model = studies.model_of(version)
    return render(
        request,
        "studies/version.html",
        study=study,
        version=version,
        model=model,
        rows=study_form.model_to_form(model),
        hidden_factor=study_form.hidden_factor,
    )


@router.get("/studies/{study_id}/diff", response_class=HTMLResponse)
def diff(
    request: Request,
    session: SessionDep,
    actor: CanRead,
    study_id: uuid.UUID,
    old: Annotated[int | None, Query(ge=1)] = None,
    new: Annotated[int | None, Query(ge=1)] = None,
) -> Response:
    """What changed between two versions, in inputs and in result."""
    study = studies.get_study(session, actor=actor, study_id=study_id)
    new = new or study.latest_version
    old = old or max(1, new - 1)
    change = studies.diff_versions(session, actor=actor, study_id=study.id, old=old, new=new)
    return render(
        request,
        "studies/diff.html",
        study=study,
        diff=change,
        old=old,
        new=new,
        numbers=list(range(1, study.latest_version + 1)),
        delta=_delta(change.old_total, change.new_total),
        stages=[
            (stage, before, after, _delta(before, after))
            for stage, before, after in change.by_stage
        ],
    )


def _delta(old: float | None, new: float | None) -> dict[str, float | None]:
    if old is None or new is None:
        return {"absolute": None, "relative": None}
    return {"absolute": new - old, "relative": (new - old) / old if old else None}
