"""The study workbook: a model file as an Excel sheet set, for data collected offline.

Layout (one row per item; the first row of each sheet is the heading, whose first word —
``amount`` in ``amount 数量`` — names the column, so headings may be reworded or
translated):

- ``说明 Guide``: how to fill the workbook (not read back).
- ``Product``: one row per product field (``field``, ``value``), e.g. ``unit_amount`` 1,
  ``unit`` t.
- ``Processes``: ``id``, names, ``stage``, the reference output (``output_id``,
  ``output_amount``, ``output_unit``) and ``source``.
- ``Inputs``: the ``process`` it belongs to, ``id``, names, ``amount``, ``unit``, then
  ``factor`` (a factor id) or ``from`` (a process id), ``data``, ``source``.
- ``Emissions``: ``process``, ``gas``, ``amount``, ``unit``, ``origin``, ``data``, ``source``.

The workbook holds the common part of tanji-model/1; several outputs per process,
removals, cut-offs, inline factors, uncertainty and quality scores need the YAML file.
Errors name the sheet, the row and the column: ``Inputs[7].amount``.
"""

from __future__ import annotations

import datetime as dt
import io
import warnings
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from xml.etree.ElementTree import ParseError

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet.datavalidation import DataValidation

from tanji.core.errors import InvalidInput, Loc, TanjiError, format_loc
from tanji.core.i18n import _
from tanji.core.model import Boundary, DataKind, Origin, Stage
from tanji.core.units import parse_unit

FORMAT = "tanji-model/1"
GUIDE = "说明 Guide"
PRODUCT, PROCESSES, INPUTS, EMISSIONS = "Product", "Processes", "Inputs", "Emissions"
MAX_ROWS = 5000
_LIST_ROWS = 500  # rows that get drop-down lists for stage, data and origin

PRODUCT_HEADINGS = ("field 字段", "value 值", "note 说明")
# field key, bilingual note, kind (text, number, date)
PRODUCT_FIELDS: tuple[tuple[str, str, str], ...] = (
    ("id", "产品标识 Product id (letters, digits, - _ .)", "text"),
    ("name_zh", "中文名称 Chinese name", "text"),
    ("name_en", "英文名称 English name", "text"),
    ("category", "产品种类规则 Product rule id", "text"),
    ("unit_amount", "声明单位数量 Declared unit: amount", "number"),
    ("unit", "声明单位 Declared unit: unit", "text"),
    ("unit_kind", "declared / functional", "text"),
    ("boundary", " / ".join(b.value for b in Boundary), "text"),
    ("geography", "地区 Region, e.g. CN, CN-SX", "text"),
    ("period_start", "数据期开始 Period start (date)", "date"),
    ("period_end", "数据期结束 Period end (date)", "date"),
    ("gwp", "AR6 / AR5 / AR4", "text"),
    ("reference", "产品所在工序 Process of the product", "text"),
    ("description", "说明 Description", "text"),
)
PROCESS_COLUMNS = (
    ("id", "id 标识"),
    ("name_zh", "name_zh 中文名称"),
    ("name_en", "name_en 英文名称"),
    ("stage", "stage 生命周期阶段"),
    ("output_id", "output_id 产出标识"),
    ("output_amount", "output_amount 产出数量"),
    ("output_unit", "output_unit 产出单位"),
    ("source", "source 数据来源"),
)
INPUT_COLUMNS = (
    ("process", "process 所属工序"),
    ("id", "id 标识"),
    ("name_zh", "name_zh 中文名称"),
    ("name_en", "name_en 英文名称"),
    ("amount", "amount 数量"),
    ("unit", "unit 单位"),
    ("factor", "factor 排放因子"),
    ("from", "from 来自工序"),
    ("data", "data 数据类型"),
    ("source", "source 数据来源"),
)
EMISSION_COLUMNS = (
    ("process", "process 所属工序"),
    ("gas", "gas 温室气体"),
    ("amount", "amount 数量"),
    ("unit", "unit 单位"),
    ("origin", "origin 来源类别"),
    ("data", "data 数据类型"),
    ("source", "source 数据来源"),
)
_NUMBERS = {"amount", "output_amount"}
_UNITS = {"unit", "output_unit"}


# --- writing -------------------------------------------------------------------------


def _guide_lines() -> list[str]:
    return [
        _("Tanji study workbook (tanji-model/1)"),
        _(
            "Fill in the sheets Product, Processes, Inputs and Emissions, one row per item, "
            "then upload the file to the study."
        ),
        _(
            "Amounts are per declared unit of the product; write units like kg, t, kWh, Nm3 "
            "or t*km."
        ),
        _(
            "Each input names its process (column 'process') and either a factor id "
            "(column 'factor') or the process it comes from (column 'from')."
        ),
        _("Factor ids come from the factor database; the Factors page finds them."),
        _(
            "Stages: raw-material-acquisition, production, distribution, use, end-of-life. "
            "Data: primary or secondary."
        ),
        _(
            "Keep the first row of every sheet: the first word of each heading tells Tanji "
            "what the column holds."
        ),
        _(
            "Processes with several outputs, removals, cut-offs, uncertainty and data-quality "
            "scores need the YAML model file."
        ),
    ]


def _unsupported(where: str) -> InvalidInput:
    """``where`` is a dotted path, e.g. ``processes.0.inputs.1.quality``."""
    loc = tuple(int(part) if part.isdigit() else part for part in where.split("."))
    return InvalidInput(
        _("The workbook cannot hold {where}; use the YAML model file for this model.").format(
            where=format_loc(loc)
        ),
        loc=loc,
    )


_PROCESS_KEYS = {"id", "name", "stage", "outputs", "inputs", "emissions", "source"}
_INPUT_KEYS = {"id", "name", "amount", "unit", "factor", "from", "data", "source"}
_EMISSION_KEYS = {"gas", "amount", "unit", "origin", "data", "source"}
_OUTPUT_KEYS = {"id", "amount", "unit"}


def _check_writable(model: dict[str, Any]) -> None:
    extra = set(model) - {"format", "product", "processes"}
    if extra or model.get("cutoffs"):
        raise _unsupported(sorted(extra or {"cutoffs"})[0])
    for index, process in enumerate(model.get("processes", ())):
        where = f"processes.{index}"
        extra = set(process) - _PROCESS_KEYS
        if extra:
            raise _unsupported(f"{where}.{sorted(extra)[0]}")
        outputs = process.get("outputs", ())
        if len(outputs) != 1 or set(outputs[0]) - _OUTPUT_KEYS:
            raise _unsupported(f"{where}.outputs")
        for j, item in enumerate(process.get("inputs", ())):
            extra = set(item) - _INPUT_KEYS
            if extra or not isinstance(item.get("factor", ""), str):
                raise _unsupported(f"{where}.inputs.{j}.{sorted(extra or {'factor'})[0]}")
        for j, item in enumerate(process.get("emissions", ())):
            extra = set(item) - _EMISSION_KEYS
            if extra:
                raise _unsupported(f"{where}.emissions.{j}.{sorted(extra)[0]}")


def _heading(sheet, headings: Iterable[str], widths: Iterable[int]) -> None:
    sheet.append(list(headings))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for letter, width in zip("ABCDEFGHIJ", widths, strict=False):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "A2"


def _choices(sheet, column: str, values: Iterable[str]) -> None:
    listed = ",".join(values)
    validation = DataValidation(type="list", formula1=f'"{listed}"', allow_blank=True)
    sheet.add_data_validation(validation)
    validation.add(f"{column}2:{column}{_LIST_ROWS}")


def _product_values(product: dict[str, Any]) -> dict[str, Any]:
    name = product.get("name") or {}
    unit = product.get("unit") or {}
    period = product.get("period") or {}
    values = {
        "id": product.get("id"),
        "name_zh": name.get("zh"),
        "name_en": name.get("en"),
        "category": product.get("category"),
        "unit_amount": unit.get("amount"),
        "unit": unit.get("unit"),
        "unit_kind": product.get("unit_kind"),
        "boundary": product.get("boundary"),
        "geography": product.get("geography"),
        "period_start": period.get("start"),
        "period_end": period.get("end"),
        "gwp": product.get("gwp"),
        "reference": product.get("reference"),
        "description": product.get("description"),
    }
    known = {"id", "name", "category", "unit", "unit_kind", "boundary", "geography", "period"}
    known |= {"gwp", "reference", "description"}
    extra = set(product) - known
    if extra:
        raise _unsupported(f"product.{sorted(extra)[0]}")
    return values


def write_xlsx(model: dict[str, Any]) -> bytes:
    """The model as a study workbook (the layout in this module's docstring)."""
    _check_writable(model)
    book = Workbook()
    guide = book.active
    guide.title = GUIDE
    guide.column_dimensions["A"].width = 110
    for line in _guide_lines():
        guide.append([line])
    guide["A1"].font = Font(bold=True, size=14)

    sheet = book.create_sheet(PRODUCT)
    _heading(sheet, PRODUCT_HEADINGS, (16, 48, 48))
    values = _product_values(model.get("product") or {})
    for key, note, _kind in PRODUCT_FIELDS:
        sheet.append([key, values[key], note])

    processes = book.create_sheet(PROCESSES)
    _heading(processes, (h for _k, h in PROCESS_COLUMNS), (28, 20, 28, 26, 30, 16, 14, 40))
    _choices(processes, "D", (stage.value for stage in Stage))
    inputs = book.create_sheet(INPUTS)
    _heading(inputs, (h for _k, h in INPUT_COLUMNS), (28, 24, 20, 28, 12, 10, 32, 24, 12, 60))
    _choices(inputs, "I", (kind.value for kind in DataKind))
    emissions = book.create_sheet(EMISSIONS)
    _heading(emissions, (h for _k, h in EMISSION_COLUMNS), (28, 10, 12, 10, 12, 12, 60))
    _choices(emissions, "E", (origin.value for origin in Origin))
    _choices(emissions, "F", (kind.value for kind in DataKind))

    for process in model.get("processes", ()):
        name = process.get("name") or {}
        output = process["outputs"][0]
        processes.append(
            [
                process.get("id"),
                name.get("zh"),
                name.get("en"),
                process.get("stage"),
                output.get("id"),
                output.get("amount"),
                output.get("unit"),
                process.get("source"),
            ]
        )
        for item in process.get("inputs", ()):
            item_name = item.get("name") or {}
            inputs.append(
                [
                    process.get("id"),
                    item.get("id"),
                    item_name.get("zh"),
                    item_name.get("en"),
                    item.get("amount"),
                    item.get("unit"),
                    item.get("factor"),
                    item.get("from"),
                    item.get("data"),
                    item.get("source"),
                ]
            )
        for emission in process.get("emissions", ()):
            emissions.append(
                [
                    process.get("id"),
                    emission.get("gas"),
                    emission.get("amount"),
                    emission.get("unit"),
                    emission.get("origin"),
                    emission.get("data"),
                    emission.get("source"),
                ]
            )
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# --- reading -------------------------------------------------------------------------


@dataclass
class ReadWorkbook:
    """A read workbook: the model mapping and where each part of it came from."""

    model: dict[str, Any]
    product_rows: dict[str, int] = field(default_factory=dict)  # field → row
    process_rows: list[int] = field(default_factory=list)  # process index → row
    input_rows: dict[tuple[int, int], int] = field(default_factory=dict)
    emission_rows: dict[tuple[int, int], int] = field(default_factory=dict)

    def locate(self, loc: Loc) -> Loc:
        """A model path (``processes[1].inputs[0].unit``) as sheet, row and column."""
        if not loc:
            return loc
        if loc[0] == "product":
            return self._locate_product(loc[1:])
        if loc[0] == "processes" and len(loc) >= 2 and isinstance(loc[1], int):
            index = loc[1]
            if index >= len(self.process_rows):
                return loc
            row = self.process_rows[index]
            rest = loc[2:]
            if not rest:
                return (PROCESSES, row)
            part = rest[0]
            if part in ("inputs", "emissions") and len(rest) >= 2 and isinstance(rest[1], int):
                rows = self.input_rows if part == "inputs" else self.emission_rows
                sheet = INPUTS if part == "inputs" else EMISSIONS
                item_row = rows.get((index, rest[1]))
                if item_row is None:
                    return loc
                column = rest[2] if len(rest) >= 3 else None
                if column == "name":
                    column = "name_zh"
                return (sheet, item_row, column) if column else (sheet, item_row)
            if part == "outputs":
                column = rest[2] if len(rest) >= 3 else "id"
                return (PROCESSES, row, f"output_{column}")
            if part == "name":
                return (PROCESSES, row, "name_zh")
            return (PROCESSES, row, str(part))
        return loc

    def _locate_product(self, rest: Loc) -> Loc:
        if not rest:
            return (PRODUCT,)
        part = str(rest[0])
        key = {
            "name": "name_zh",
            "unit": "unit_amount" if rest[1:2] == ("amount",) else "unit",
            "period": "period_end" if rest[1:2] == ("end",) else "period_start",
        }.get(part, part)
        row = self.product_rows.get(key)
        return (PRODUCT, row, "value") if row else (PRODUCT, key)


def _rows(sheet) -> Iterable[tuple[int, tuple[Any, ...]]]:
    for number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
        if number > MAX_ROWS + 1:
            raise InvalidInput(
                _("The sheet has more than {n} rows.").format(n=MAX_ROWS), loc=(sheet.title,)
            )
        yield number, tuple(row)


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _text_value(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, dt.datetime):
        value = value.date()
    return str(value).strip()


def _number_value(value: Any, loc: Loc) -> float | int:
    if isinstance(value, bool):
        raise InvalidInput(_("Write a number here, not TRUE or FALSE."), loc=loc)
    if isinstance(value, int | float):
        return value
    text = str(value).strip()
    try:
        number = float(text)
    except ValueError:
        raise InvalidInput(
            _("'{value}' is not a number; write plain decimals such as 13350 or 0.35.").format(
                value=text
            ),
            loc=loc,
        ) from None
    return int(number) if number.is_integer() and "." not in text else number


def _date_value(value: Any, loc: Loc) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise InvalidInput(
            _("'{value}' is not a date; write it as 2024-01-01.").format(value=value), loc=loc
        ) from None


def _unit_value(value: Any, loc: Loc) -> str:
    text = _text_value(value)
    try:
        parse_unit(text)
    except TanjiError as error:
        raise InvalidInput(error.message, loc=loc) from None
    return text


def _columns(sheet, headings: tuple[tuple[str, str], ...], row: tuple[Any, ...]) -> dict[str, int]:
    """Column index of each key, from the heading row (its first word)."""
    found: dict[str, int] = {}
    for index, value in enumerate(row):
        if _blank(value):
            continue
        key = str(value).split()[0].strip().lower()
        found.setdefault(key, index)
    for key, heading in headings:
        if key not in found:
            raise InvalidInput(
                _("The sheet has no column '{heading}'; keep the heading row of the template.")
                .format(heading=heading),
                loc=(sheet.title, 1, key),
            )  # fmt: skip
    return found


def _record(
    sheet, number: int, row: tuple[Any, ...], columns: dict[str, int]
) -> dict[str, Any] | None:
    """The row's non-empty cells by column key, converted; None for an empty row."""
    cells = {key: row[index] for key, index in columns.items() if index < len(row)}
    if all(_blank(value) for value in cells.values()):
        return None
    record: dict[str, Any] = {}
    for key, value in cells.items():
        if _blank(value):
            continue
        loc = (sheet.title, number, key)
        if key in _NUMBERS:
            record[key] = _number_value(value, loc)
        elif key in _UNITS:
            record[key] = _unit_value(value, loc)
        else:
            record[key] = _text_value(value)
    return record


def _names(record: dict[str, Any]) -> dict[str, str] | None:
    names = {lang: record[f"name_{lang}"] for lang in ("zh", "en") if f"name_{lang}" in record}
    return names or None


def _read_product(sheet, read: ReadWorkbook) -> dict[str, Any]:
    rows = iter(_rows(sheet))
    heading = next(rows, None)
    if heading is None:
        raise InvalidInput(_("The sheet is empty."), loc=(PRODUCT,))
    kinds = {key: kind for key, _note, kind in PRODUCT_FIELDS}
    values: dict[str, Any] = {}
    for number, row in rows:
        key_cell = row[0] if row else None
        value = row[1] if len(row) > 1 else None
        if _blank(key_cell):
            if _blank(value):
                continue
            raise InvalidInput(_("The value has no field name."), loc=(PRODUCT, number, "field"))
        key = _text_value(key_cell)
        if key not in kinds:
            raise InvalidInput(
                _("Unknown field '{key}'; use one of: {keys}.").format(
                    key=key, keys=", ".join(kinds)
                ),
                loc=(PRODUCT, number, "field"),
            )
        if key in read.product_rows:
            raise InvalidInput(
                _("The field '{key}' is given twice.").format(key=key),
                loc=(PRODUCT, number, "field"),
            )
        read.product_rows[key] = number
        if _blank(value):
            continue
        loc = (PRODUCT, number, "value")
        if kinds[key] == "number":
            values[key] = _number_value(value, loc)
        elif kinds[key] == "date":
            values[key] = _date_value(value, loc)
        elif key == "unit":
            values[key] = _unit_value(value, loc)
        else:
            values[key] = _text_value(value)
    product: dict[str, Any] = {}
    for key in ("id",):
        if key in values:
            product[key] = values[key]
    names = _names(values)
    if names:
        product["name"] = names
    if "category" in values:
        product["category"] = values["category"]
    unit = {
        part: values[key]
        for part, key in (("amount", "unit_amount"), ("unit", "unit"))
        if key in values
    }
    if unit:
        product["unit"] = unit
    for key in ("unit_kind", "boundary", "geography"):
        if key in values:
            product[key] = values[key]
    period = {
        part: values[key]
        for part, key in (("start", "period_start"), ("end", "period_end"))
        if key in values
    }
    if period:
        product["period"] = period
    for key in ("gwp", "reference", "description"):
        if key in values:
            product[key] = values[key]
    return product


def _table(sheet, headings: tuple[tuple[str, str], ...]) -> Iterable[tuple[int, dict[str, Any]]]:
    rows = iter(_rows(sheet))
    heading = next(rows, None)
    if heading is None:
        raise InvalidInput(_("The sheet is empty."), loc=(sheet.title,))
    columns = _columns(sheet, headings, heading[1])
    for number, row in rows:
        record = _record(sheet, number, row, columns)
        if record is not None:
            yield number, record


def _owner(record: dict[str, Any], number: int, sheet: str, processes: dict[str, int]) -> int:
    process = record.get("process")
    if process is None:
        raise InvalidInput(
            _("Name the process this row belongs to."), loc=(sheet, number, "process")
        )
    if process not in processes:
        raise InvalidInput(
            _("No process '{id}' in the Processes sheet.").format(id=process),
            loc=(sheet, number, "process"),
        )
    return processes[process]


def _open(content: bytes):
    try:
        with warnings.catch_warnings():
            # files saved by Excel carry extensions openpyxl announces it drops
            warnings.simplefilter("ignore", UserWarning)
            return load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError):
        raise InvalidInput(
            _("The file is not an Excel workbook (.xlsx); download the template and fill it in."),
            loc=("file",),
        ) from None


def read_workbook(content: bytes) -> ReadWorkbook:
    """Read a study workbook into a model mapping, remembering the row of every part."""
    book = _open(content)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            return _read(book)
    except (zipfile.BadZipFile, ParseError, SyntaxError, KeyError, OSError, EOFError, ValueError):
        # a damaged part inside the archive, met while reading the rows
        raise InvalidInput(
            _("The workbook is damaged and cannot be read; save it again from Excel."),
            loc=("file",),
        ) from None
    finally:
        book.close()


def _read(book) -> ReadWorkbook:
    missing = [
        name for name in (PRODUCT, PROCESSES, INPUTS, EMISSIONS) if name not in book.sheetnames
    ]
    if missing:
        raise InvalidInput(
            _("The workbook has no sheet '{sheet}'; it needs {sheets}.").format(
                sheet=missing[0], sheets=", ".join((PRODUCT, PROCESSES, INPUTS, EMISSIONS))
            ),
            loc=(missing[0],),
        )
    read = ReadWorkbook(model={})
    product = _read_product(book[PRODUCT], read)
    processes: list[dict[str, Any]] = []
    by_id: dict[str, int] = {}
    for number, record in _table(book[PROCESSES], PROCESS_COLUMNS):
        process_id = record.get("id")
        if process_id is None:
            raise InvalidInput(_("A process needs an id."), loc=(PROCESSES, number, "id"))
        if process_id in by_id:
            raise InvalidInput(
                _("The process id '{id}' is given twice.").format(id=process_id),
                loc=(PROCESSES, number, "id"),
            )
        process: dict[str, Any] = {"id": process_id}
        names = _names(record)
        if names:
            process["name"] = names
        if "stage" in record:
            process["stage"] = record["stage"]
        output = {
            part: record[key]
            for part, key in (
                ("id", "output_id"),
                ("amount", "output_amount"),
                ("unit", "output_unit"),
            )
            if key in record
        }
        process["outputs"] = [output]
        if "source" in record:
            process["source"] = record["source"]
        by_id[process_id] = len(processes)
        read.process_rows.append(number)
        processes.append(process)
    for number, record in _table(book[INPUTS], INPUT_COLUMNS):
        index = _owner(record, number, INPUTS, by_id)
        item: dict[str, Any] = {}
        if "id" in record:
            item["id"] = record["id"]
        names = _names(record)
        if names:
            item["name"] = names
        for key in ("amount", "unit", "factor", "from", "data", "source"):
            if key in record:
                item[key] = record[key]
        inputs = processes[index].setdefault("inputs", [])
        read.input_rows[(index, len(inputs))] = number
        inputs.append(item)
    for number, record in _table(book[EMISSIONS], EMISSION_COLUMNS):
        index = _owner(record, number, EMISSIONS, by_id)
        emission = {
            key: record[key]
            for key in ("gas", "amount", "unit", "origin", "data", "source")
            if key in record
        }
        emissions = processes[index].setdefault("emissions", [])
        read.emission_rows[(index, len(emissions))] = number
        emissions.append(emission)
    read.model = {"format": FORMAT, "product": product, "processes": processes}
    return read


def read_xlsx(content: bytes) -> dict[str, Any]:
    """The model mapping of a study workbook; errors name the sheet, row and column."""
    return read_workbook(content).model
