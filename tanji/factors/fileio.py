"""Read and write factor tables as CSV, XLSX and JSON in the import template's columns.

Readers yield (row number, row) pairs so that every error can name its row: the header
is row 1 in CSV and XLSX; in JSON the n-th object is row n.
"""

from __future__ import annotations

import csv
import io
import json
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from tanji.core.errors import InvalidInput
from tanji.core.i18n import _
from tanji.factors.rows import COLUMNS

Rows = Iterator[tuple[int, dict[str, Any]]]
FORMATS = ("csv", "xlsx", "json")


def detect_format(path: Path) -> str:
    suffix = path.suffix.lower().lstrip(".")
    if suffix not in FORMATS:
        raise InvalidInput(
            _("Unknown file type '.{suffix}'; use .csv, .xlsx or .json.").format(suffix=suffix),
            loc=("file",),
        )
    return suffix


def read_rows(path: Path) -> list[tuple[int, dict[str, Any]]]:
    """All rows of a CSV, XLSX or JSON factor table."""
    kind = detect_format(path)
    if not path.exists():
        raise InvalidInput(_("No such file: {path}").format(path=path), loc=("file",))
    reader = {"csv": _read_csv, "xlsx": _read_xlsx, "json": _read_json}[kind]
    return list(reader(path))


def read_upload(filename: str, content: bytes) -> list[tuple[int, dict[str, Any]]]:
    """All rows of an uploaded factor table; ``filename``'s suffix names the format."""
    kind = detect_format(Path(filename or "upload"))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"upload.{kind}"
        path.write_bytes(content)
        try:
            return read_rows(path)
        except UnicodeDecodeError:
            raise InvalidInput(
                _("The file is not UTF-8 text; save it as CSV UTF-8 or as .xlsx."), loc=("file",)
            ) from None


def dump_rows(
    rows: list[dict[str, Any]], kind: str, *, meta: dict[str, Any] | None = None
) -> bytes:
    """The rows as the bytes of a CSV, XLSX or JSON file (for downloads)."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"factors.{kind}"
        write_rows(rows, path, meta=meta)
        return path.read_bytes()


def _check_header(header: list[str]) -> None:
    unknown = [name for name in header if name and name not in COLUMNS]
    if unknown:
        raise InvalidInput(
            _("Unknown column(s) {names}; the template's columns are: {columns}.").format(
                names=", ".join(unknown), columns=", ".join(COLUMNS)
            ),
            loc=(1, unknown[0]),
        )
    if "slug" not in header:
        raise InvalidInput(_("The header row has no 'slug' column."), loc=(1, "slug"))


def _read_csv(path: Path) -> Rows:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        _check_header(list(reader.fieldnames or []))
        for line, row in enumerate(reader, start=2):
            if any((value or "").strip() for value in row.values() if isinstance(value, str)):
                yield line, row


def _read_xlsx(path: Path) -> Rows:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (OSError, ValueError, KeyError) as exc:
        raise InvalidInput(
            _("Cannot read the workbook: {error}").format(error=exc), loc=("file",)
        ) from None
    sheet = workbook["factors"] if "factors" in workbook.sheetnames else workbook.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    header = [str(cell).strip() if cell is not None else "" for cell in next(rows, ())]
    _check_header(header)
    for line, values in enumerate(rows, start=2):
        if all(value in (None, "") for value in values):
            continue
        yield line, {name: value for name, value in zip(header, values, strict=False) if name}
    workbook.close()


def _read_json(path: Path) -> Rows:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise InvalidInput(
            _("JSON syntax error: {problem}.").format(problem=exc.msg),
            loc=(f"line {exc.lineno}, column {exc.colno}",),
        ) from None
    items = data.get("factors") if isinstance(data, dict) else data
    if not isinstance(items, list):
        raise InvalidInput(_('Expected a list of factors (or {"factors": [...]}).'), loc=("file",))
    for number, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            raise InvalidInput(_("Each factor must be an object."), loc=(number,))
        _check_header(list(item))
        yield number, item


def write_rows(
    rows: list[dict[str, Any]], path: Path, *, meta: dict[str, Any] | None = None
) -> None:
    """Write rows in the template's columns; the format follows the file's suffix."""
    kind = detect_format(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if kind == "csv":
        path.write_text(to_csv(rows), encoding="utf-8")
    elif kind == "json":
        document = {**(meta or {}), "columns": list(COLUMNS), "factors": rows}
        path.write_text(
            json.dumps(document, ensure_ascii=False, indent=2, default=str) + "\n", encoding="utf-8"
        )
    else:
        _write_xlsx(rows, path, meta or {})


def to_csv(rows: list[dict[str, Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(COLUMNS), lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({key: row.get(key, "") for key in COLUMNS})
    return buffer.getvalue()


def _write_xlsx(rows: list[dict[str, Any]], path: Path, meta: dict[str, Any]) -> None:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "factors"
    sheet.append(list(COLUMNS))
    for row in rows:
        sheet.append([row.get(key, "") for key in COLUMNS])
    info = workbook.create_sheet("about")
    for key, value in meta.items():
        info.append([str(key), str(value)])
    workbook.save(path)
