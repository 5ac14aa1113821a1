"""The study editor's form: a model (tanji-model/1) as flat form fields, and back.

Pure functions, no web framework: :func:`model_to_form` lays a model out as rows of
strings for the template, :func:`flatten` gives the field names a browser posts
(``processes-0-inputs-2-amount``), :func:`form_to_model` turns a posted form back into a
model dict for ``studies.save_version``. Keys the form does not show (uncertainty,
allocation properties, inline factors, cut-offs …) ride along in hidden ``extra`` JSON
fields, so saving through the form never drops a part of the model.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from tanji.core.errors import InvalidInput, Loc, format_loc
from tanji.core.i18n import _

FORMAT = "tanji-model/1"
STAGES = ("raw-material-acquisition", "production", "distribution", "use", "end-of-life")
BOUNDARIES = ("cradle-to-gate", "cradle-to-grave", "gate-to-gate")
ALLOCATIONS = ("mass", "energy", "economic", "shares", "system-expansion")
ORIGINS = ("fossil", "biogenic", "dluc")
DATA_KINDS = ("primary", "secondary")
UNIT_KINDS = ("declared", "functional")
GWP_SETS = ("AR6", "AR5", "AR4")
INDICATORS = ("reliability", "completeness", "temporal", "geographical", "technological")
CHILDREN = ("outputs", "inputs", "emissions")

Rows = dict[str, Any]
"""A model laid out for the editor: nested dicts and lists whose leaves are strings.

A key the model leaves out (``data``, ``stage``, ``origin`` …) stays an empty string, shown
as "(default)" and left out again on save, so a form save changes only what was edited.
"""

# The keys each part shows as fields, in the order the model file writes them.
PRODUCT_FIELDS = (
    "id",
    "name-zh",
    "name-en",
    "category",
    "unit-amount",
    "unit-unit",
    "unit_kind",
    "boundary",
    "geography",
    "period-start",
    "period-end",
    "gwp",
    "reference",
    "description",
    "extra",
)
PROCESS_FIELDS = ("id", "name-zh", "name-en", "stage", "allocation", "extra")
OUTPUT_FIELDS = ("id", "amount", "unit", "reference", "extra")
INPUT_FIELDS = (
    "id",
    "name-zh",
    "name-en",
    "amount",
    "unit",
    "factor",
    "from",
    "data",
    *(f"quality-{name}" for name in INDICATORS),
    "source",
    "extra",
)
EMISSION_FIELDS = ("gas", "amount", "unit", "origin", "source", "extra")
CHILD_FIELDS = {"outputs": OUTPUT_FIELDS, "inputs": INPUT_FIELDS, "emissions": EMISSION_FIELDS}
# Fields a person types into; a row where all of them are empty is dropped on save.
_TYPED = {
    "outputs": ("id", "amount", "unit"),
    "inputs": ("id", "name-zh", "name-en", "amount", "unit", "factor", "from", "source"),
    "emissions": ("gas", "amount", "source"),
}
_INPUT_ORDER = ("id", "name", "amount", "unit", "factor", "from", "data", "quality")
_INPUT_TAIL = ("uncertainty", "aircraft", "source")
_EMISSION_TAIL = ("data", "quality", "uncertainty", "source")
_PROCESS_TAIL = ("removals", "data", "source")
_PRODUCT_TAIL = ("biogenic_carbon", "cutoff_limits", "description")

_PRODUCT_KEY = re.compile(r"^product-(.+)$")
_PROCESS_KEY = re.compile(r"^processes-(\d+)-(.+)$")
_CHILD_KEY = re.compile(r"^(outputs|inputs|emissions)-(\d+)-(.+)$")
_INTEGER = re.compile(r"^[+-]?\d+$")


# --- model → rows -------------------------------------------------------------------


def text(value: Any) -> str:
    """A model value as the text of a form field (``164``, ``0.8``, ``2024-01-01``)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _extra(data: Mapping[str, Any], shown: Sequence[str]) -> str:
    rest = {key: value for key, value in data.items() if key not in shown}
    return json.dumps(rest, ensure_ascii=False, default=text) if rest else ""


def _names(value: Any) -> tuple[str, str]:
    if isinstance(value, Mapping):
        return text(value.get("zh")), text(value.get("en"))
    return text(value), ""


def blank_output() -> Rows:
    return {"id": "", "amount": "1", "unit": "", "reference": "", "extra": ""}


def blank_input() -> Rows:
    row: Rows = dict.fromkeys(INPUT_FIELDS, "")
    row["data"] = "primary"
    return row


def blank_emission() -> Rows:
    return {"gas": "CO2", "amount": "", "unit": "kg", "origin": "fossil", "source": "", "extra": ""}


def blank_process() -> Rows:
    process: Rows = {key: "" for key in PROCESS_FIELDS}
    process["stage"] = "production"
    process.update(outputs=[blank_output()], inputs=[blank_input()], emissions=[])
    return process


_PAIR = {"unit": {"amount", "unit"}, "period": {"start", "end"}}


def _product_rows(product: Mapping[str, Any]) -> Rows:
    zh, en = _names(product.get("name"))
    unit = product.get("unit") if isinstance(product.get("unit"), Mapping) else {}
    period = product.get("period") if isinstance(product.get("period"), Mapping) else {}
    shown = (
        "id",
        "name",
        "category",
        "unit_kind",
        "boundary",
        "geography",
        "gwp",
        "reference",
        "description",
    )
    hidden = dict(product)
    for key, part in (("unit", unit), ("period", period)):
        # a unit or period with keys the form lacks stays whole in the hidden field
        if key in product and (not isinstance(product[key], Mapping) or set(part) - _PAIR[key]):
            continue
        hidden.pop(key, None)
    return {
        "id": text(product.get("id")),
        "name-zh": zh,
        "name-en": en,
        "category": text(product.get("category")),
        "unit-amount": text(unit.get("amount")),
        "unit-unit": text(unit.get("unit")),
        "unit_kind": text(product.get("unit_kind")),
        "boundary": text(product.get("boundary")),
        "geography": text(product.get("geography")),
        "period-start": text(period.get("start")),
        "period-end": text(period.get("end")),
        "gwp": text(product.get("gwp")).upper(),
        "reference": text(product.get("reference")),
        "description": text(product.get("description")).rstrip("\n"),
        "extra": _extra(hidden, shown),
    }


def _output_rows(output: Mapping[str, Any]) -> Rows:
    return {
        "id": text(output.get("id")),
        "amount": text(output.get("amount")),
        "unit": text(output.get("unit")),
        "reference": "1" if output.get("reference") is True else "",
        "extra": _extra(output, ("id", "amount", "unit", "reference")),
    }


def _input_rows(item: Mapping[str, Any]) -> Rows:
    zh, en = _names(item.get("name"))
    factor = item.get("factor")
    quality = item.get("quality") if isinstance(item.get("quality"), Mapping) else {}
    shown = ["id", "name", "amount", "unit", "from", "data", "source"]
    if factor is None or isinstance(factor, str):
        shown.append("factor")  # an inline or flow factor stays in the hidden field
    if isinstance(item.get("quality"), Mapping) and not set(quality) - set(INDICATORS):
        shown.append("quality")
    row = {
        "id": text(item.get("id")),
        "name-zh": zh,
        "name-en": en,
        "amount": text(item.get("amount")),
        "unit": text(item.get("unit")),
        "factor": factor if isinstance(factor, str) else "",
        "from": text(item.get("from")),
        "data": text(item.get("data")),
        "source": text(item.get("source")),
        "extra": _extra(item, shown),
    }
    for name in INDICATORS:
        row[f"quality-{name}"] = text(quality.get(name)) if "quality" in shown else ""
    return row


def _emission_rows(emission: Mapping[str, Any]) -> Rows:
    shown = ("gas", "amount", "unit", "origin", "source")
    return {
        "gas": text(emission.get("gas")),
        "amount": text(emission.get("amount")),
        "unit": text(emission.get("unit")),
        "origin": text(emission.get("origin")),
        "source": text(emission.get("source")),
        "extra": _extra(emission, shown),
    }


def _process_rows(process: Mapping[str, Any]) -> Rows:
    zh, en = _names(process.get("name"))

    def listed(key: str) -> list[Mapping[str, Any]]:
        value = process.get(key)
        return [item for item in value if isinstance(item, Mapping)] if value else []

    return {
        "id": text(process.get("id")),
        "name-zh": zh,
        "name-en": en,
        "stage": text(process.get("stage")),
        "allocation": text(process.get("allocation")),
        "extra": _extra(process, ("id", "name", "stage", "allocation", *CHILDREN)),
        "outputs": [_output_rows(item) for item in listed("outputs")],
        "inputs": [_input_rows(item) for item in listed("inputs")],
        "emissions": [_emission_rows(item) for item in listed("emissions")],
    }


def model_to_form(model: Mapping[str, Any]) -> Rows:
    """Lay a model out as the editor's rows (every leaf a string, as a form shows it)."""
    product = model.get("product") if isinstance(model.get("product"), Mapping) else {}
    processes = model.get("processes") if isinstance(model.get("processes"), list) else []
    return {
        "product": _product_rows(product),
        "processes": [_process_rows(p) for p in processes if isinstance(p, Mapping)],
        "extra": _extra(model, ("format", "product", "processes")),
    }


# --- rows ↔ flat form ---------------------------------------------------------------


def flatten(rows: Rows) -> dict[str, str]:
    """The fields a browser posts for ``rows`` (an unticked checkbox is left out)."""
    return {
        name: value
        for name, value in iter_fields(rows)
        if value or not re.match(r"^processes-\d+-outputs-\d+-reference$", name)
    }


def iter_fields(rows: Rows) -> Iterator[tuple[str, str]]:
    """Every field name of ``rows`` with its value, in page order."""
    product = rows.get("product", {})
    for key in PRODUCT_FIELDS:
        yield f"product-{key}", product.get(key, "")
    yield "model-extra", rows.get("extra", "")
    for i, process in enumerate(rows.get("processes", [])):
        for key in PROCESS_FIELDS:
            yield f"processes-{i}-{key}", process.get(key, "")
        for child in CHILDREN:
            for j, row in enumerate(process.get(child, [])):
                for key in CHILD_FIELDS[child]:
                    yield f"processes-{i}-{child}-{j}-{key}", row.get(key, "")


def field_names(rows: Rows) -> set[str]:
    return {name for name, _value in iter_fields(rows)}


def form_to_rows(form: Mapping[str, Any]) -> Rows:
    """Read a posted form back into rows; indices are re-numbered in posted order."""
    product: Rows = dict.fromkeys(PRODUCT_FIELDS, "")
    processes: dict[int, Rows] = {}
    children: dict[tuple[int, str, int], Rows] = {}
    extra = ""
    for name in form:
        value = _value(form, name)
        if name == "model-extra":
            extra = value
        elif match := _PRODUCT_KEY.match(name):
            if match.group(1) in PRODUCT_FIELDS:
                product[match.group(1)] = value
        elif match := _PROCESS_KEY.match(name):
            index, rest = int(match.group(1)), match.group(2)
            process = processes.setdefault(index, {key: "" for key in PROCESS_FIELDS})
            if child := _CHILD_KEY.match(rest):
                kind, position, key = child.group(1), int(child.group(2)), child.group(3)
                if key in CHILD_FIELDS[kind]:
                    row = children.setdefault((index, kind, position), _empty(kind))
                    row[key] = value
            elif rest in PROCESS_FIELDS:
                process[rest] = value
    for index, _kind, _position in children:
        processes.setdefault(index, {key: "" for key in PROCESS_FIELDS})
    ordered = []
    for index in sorted(processes):
        process = processes[index]
        for kind in CHILDREN:
            process[kind] = [
                children[key]
                for key in sorted(k for k in children if k[0] == index and k[1] == kind)
            ]
        ordered.append(process)
    return {"product": product, "processes": ordered, "extra": extra}


def _empty(kind: str) -> Rows:
    return dict.fromkeys(CHILD_FIELDS[kind], "")


def _value(form: Mapping[str, Any], name: str) -> str:
    """A field's text (the last one if posted twice); uploads and other objects are ignored."""
    getlist = getattr(form, "getlist", None)
    values = getlist(name) if getlist is not None else [form[name]]
    strings = [value for value in values if isinstance(value, str)]
    return strings[-1].strip() if strings else ""


def prune(rows: Rows) -> Rows:
    """Drop rows left entirely blank (an "Add input" never filled in)."""
    processes = []
    for process in rows.get("processes", []):
        kept = {
            kind: [r for r in process.get(kind, []) if not _blank(kind, r)] for kind in CHILDREN
        }
        if not any(process.get(key) for key in ("id", "name-zh", "name-en", "extra")) and not any(
            kept.values()
        ):
            continue
        processes.append({**process, **kept})
    return {**rows, "processes": processes}


def _blank(kind: str, row: Mapping[str, str]) -> bool:
    return not row.get("extra") and not any(row.get(key) for key in _TYPED[kind])


# --- rows → model -------------------------------------------------------------------


def _number(value: str) -> Any:
    """A typed number as int or float; anything else stays text for the validator to name."""
    if _INTEGER.match(value):
        return int(value)
    try:
        return float(value)
    except ValueError:
        return value


def _date(value: str) -> Any:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return value


def _load_extra(value: str, loc: Loc) -> dict[str, Any]:
    if not value:
        return {}
    try:
        data = json.loads(value)
    except ValueError:
        data = None
    if not isinstance(data, dict):
        raise InvalidInput(
            _("Hidden model data at {where} is damaged; reload the editor and try again.").format(
                where=format_loc(loc) or "model"
            ),
            loc=(*loc, "extra"),
        )
    return data


def _name(zh: str, en: str) -> dict[str, str] | None:
    name = {key: value for key, value in (("zh", zh), ("en", en)) if value}
    return name or None


def _tail(data: dict[str, Any], extra: dict[str, Any], keys: Sequence[str]) -> None:
    """Append the hidden keys: the known ones in file order, then any others."""
    for key in keys:
        if key in extra:
            data[key] = extra.pop(key)
    data.update(extra)


def _product(row: Mapping[str, str]) -> dict[str, Any]:
    extra = _load_extra(row.get("extra", ""), ("product",))
    product: dict[str, Any] = {"id": row.get("id", "")}
    product["name"] = _name(row.get("name-zh", ""), row.get("name-en", "")) or {}
    if row.get("category"):
        product["category"] = row["category"]
    if "unit" in extra:
        product["unit"] = extra.pop("unit")
    else:
        unit: dict[str, Any] = {}
        if row.get("unit-amount"):
            unit["amount"] = _number(row["unit-amount"])
        if row.get("unit-unit"):
            unit["unit"] = row["unit-unit"]
        product["unit"] = unit
    for key in ("unit_kind", "boundary", "geography"):
        if row.get(key):
            product[key] = row[key]
    if "period" in extra:
        product["period"] = extra.pop("period")
    elif row.get("period-start") or row.get("period-end"):
        product["period"] = {
            key: _date(row[f"period-{key}"]) for key in ("start", "end") if row.get(f"period-{key}")
        }
    for key in ("gwp", "reference"):
        if row.get(key):
            product[key] = row[key]
    if row.get("description"):
        extra["description"] = row["description"].replace("\r\n", "\n")
    _tail(product, extra, _PRODUCT_TAIL)
    return product


def _quality(row: Mapping[str, str]) -> dict[str, Any] | None:
    scores = {
        name: _number(row[f"quality-{name}"]) for name in INDICATORS if row.get(f"quality-{name}")
    }
    return scores or None


def _input(row: Mapping[str, str], position: int, loc: Loc) -> dict[str, Any]:
    extra = _load_extra(row.get("extra", ""), loc)
    hidden_factor = extra.pop("factor", None)
    item: dict[str, Any] = {"id": row.get("id") or f"input-{position + 1}"}
    name = _name(row.get("name-zh", ""), row.get("name-en", ""))
    if name:
        item["name"] = name
    if row.get("amount"):
        item["amount"] = _number(row["amount"])
    if row.get("unit"):
        item["unit"] = row["unit"]
    if row.get("factor"):
        item["factor"] = row["factor"]
    if row.get("from"):
        item["from"] = row["from"]
    if not row.get("factor") and not row.get("from") and hidden_factor is not None:
        item["factor"] = hidden_factor
    if row.get("data"):
        item["data"] = row["data"]
    quality = _quality(row)
    if quality:
        item["quality"] = quality
    if row.get("source"):
        extra["source"] = row["source"]
    _tail(item, extra, _INPUT_TAIL)
    return item


def _emission(row: Mapping[str, str], loc: Loc) -> dict[str, Any]:
    extra = _load_extra(row.get("extra", ""), loc)
    emission: dict[str, Any] = {"gas": row.get("gas", "")}
    if row.get("amount"):
        emission["amount"] = _number(row["amount"])
    for key in ("unit", "origin"):
        if row.get(key):
            emission[key] = row[key]
    if row.get("source"):
        extra["source"] = row["source"]
    _tail(emission, extra, _EMISSION_TAIL)
    return emission


def _output(row: Mapping[str, str], loc: Loc) -> dict[str, Any]:
    extra = _load_extra(row.get("extra", ""), loc)
    output: dict[str, Any] = {"id": row.get("id", "")}
    if "name" in extra:
        output["name"] = extra.pop("name")
    if row.get("amount"):
        output["amount"] = _number(row["amount"])
    if row.get("unit"):
        output["unit"] = row["unit"]
    if row.get("reference"):
        output["reference"] = True
    output.update(extra)
    return output


def _process(row: Mapping[str, Any], index: int) -> dict[str, Any]:
    loc: Loc = ("processes", index)
    extra = _load_extra(row.get("extra", ""), loc)
    process: dict[str, Any] = {"id": row.get("id", "")}
    process["name"] = _name(row.get("name-zh", ""), row.get("name-en", "")) or {}
    if row.get("stage"):
        process["stage"] = row["stage"]
    if row.get("allocation"):
        process["allocation"] = row["allocation"]
    process["outputs"] = [
        _output(r, (*loc, "outputs", j)) for j, r in enumerate(row.get("outputs", []))
    ]
    inputs = [_input(r, j, (*loc, "inputs", j)) for j, r in enumerate(row.get("inputs", []))]
    if inputs:
        process["inputs"] = inputs
    emissions = [
        _emission(r, (*loc, "emissions", j)) for j, r in enumerate(row.get("emissions", []))
    ]
    if emissions:
        process["emissions"] = emissions
    _tail(process, extra, _PROCESS_TAIL)
    return process


def rows_to_model(rows: Rows) -> dict[str, Any]:
    """The model dict of ``rows`` (numbers and dates parsed; bad text left for the validator)."""
    extra = _load_extra(rows.get("extra", ""), ())
    extra.pop("format", None)
    model: dict[str, Any] = {"format": FORMAT, "product": _product(rows.get("product", {}))}
    model["processes"] = [_process(p, i) for i, p in enumerate(rows.get("processes", []))]
    model.update(extra)
    return model


def form_to_model(form: Mapping[str, Any]) -> dict[str, Any]:
    """The model a posted editor form describes (blank rows dropped)."""
    return rows_to_model(prune(form_to_rows(form)))


# --- editing actions ----------------------------------------------------------------

_ACTION = re.compile(r"^(add|remove)-(process|output|input|emission)(?::(\d+))?(?::(\d+))?$")


def apply_action(rows: Rows, action: str) -> Rows:
    """Add or remove a row as an editor button asks (``add-input:0``, ``remove-input:0:2``).

    Unknown actions and out-of-range indices leave the rows as they are.
    """
    match = _ACTION.match(action or "")
    if not match:
        return rows
    verb, what = match.group(1), match.group(2)
    first = int(match.group(3)) if match.group(3) is not None else None
    second = int(match.group(4)) if match.group(4) is not None else None
    processes = [dict(p) for p in rows.get("processes", [])]
    result = {**rows, "processes": processes}
    if what == "process":
        if verb == "add":
            processes.append(blank_process())
        elif first is not None and 0 <= first < len(processes):
            del processes[first]
        return result
    if first is None or not 0 <= first < len(processes):
        return rows
    kind = what + "s"
    items = list(processes[first].get(kind, []))
    if verb == "add":
        items.append(
            {"output": blank_output, "input": blank_input, "emission": blank_emission}[what]()
        )
    elif second is not None and 0 <= second < len(items):
        del items[second]
    processes[first][kind] = items
    return result


# --- errors back to fields ----------------------------------------------------------

# A location that names a group of fields points at its first field.
_FIRST_FIELD = {
    "name": "name-zh",
    "unit": "unit-amount",
    "period": "period-start",
    "quality": "quality-reliability",
}


def place_errors(
    problems: Sequence[tuple[Loc, str]], rows: Rows
) -> tuple[dict[str, list[str]], list[str]]:
    """Map validation problems onto field names (or the row or process holding them).

    Returns ``(by_field, general)``: messages keyed by a field name such as
    ``processes-0-inputs-2-unit`` or a row prefix such as ``processes-0-inputs-2``, and
    the messages that fit nowhere on the form.
    """
    fields = field_names(rows)
    containers = {"product"}
    for i, process in enumerate(rows.get("processes", [])):
        containers.add(f"processes-{i}")
        for kind in CHILDREN:
            containers.update(
                f"processes-{i}-{kind}-{j}" for j in range(len(process.get(kind, [])))
            )
    by_field: dict[str, list[str]] = {}
    general: list[str] = []
    for loc, message in problems:
        target, rest = _target(tuple(loc), fields, containers)
        if target is None:
            where = format_loc(tuple(loc))
            general.append(f"{where}: {message}" if where else message)
            continue
        shown = f"{format_loc(rest)}: {message}" if rest else message
        by_field.setdefault(target, []).append(shown)
    return by_field, general


def _target(loc: Loc, fields: set[str], containers: set[str]) -> tuple[str | None, Loc]:
    parts = [str(part) for part in loc]
    if not parts or parts[0] not in ("product", "processes"):
        return None, loc
    for cut in range(len(parts), 0, -1):
        head = parts[:cut]
        name = "-".join(head)
        if name in fields:
            return name, loc[cut:]
        if head[-1] in _FIRST_FIELD:
            alias = "-".join([*head[:-1], _FIRST_FIELD[head[-1]]])
            if alias in fields:
                return alias, loc[cut:]
        if name in containers:
            return name, loc[cut:]
    return None, loc


def errors_of(error: InvalidInput) -> list[tuple[Loc, str]]:
    """The (loc, message) problems of an error (a model error lists several)."""
    problems = getattr(error, "problems", None)
    if problems:
        return [(tuple(loc), str(message)) for loc, message in problems]
    return [(error.loc, error.message)]


def hidden_factor(row: Mapping[str, str]) -> dict[str, Any] | None:
    """An input row's inline or flow factor kept in its hidden field, for display."""
    try:
        extra = json.loads(row.get("extra") or "{}")
    except ValueError:
        return None
    factor = extra.get("factor") if isinstance(extra, dict) else None
    return factor if isinstance(factor, dict) else None
