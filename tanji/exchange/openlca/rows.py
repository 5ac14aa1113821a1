"""The factor-template row of one aggregated openLCA process: composition, origin, notes.

Rows are stored data, so they are written the same way whatever the interface language.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import olca_schema as olca

from tanji.core.build import Flow as GasFlow
from tanji.core.gwp import GwpTable
from tanji.core.model import Origin
from tanji.core.version import ENGINE_VERSION
from tanji.exchange.openlca.gases import GWP_SET
from tanji.exchange.openlca.reader import OlcaPackage
from tanji.factors.rows import GEO_RE

# Template categories guessed from words of an openLCA category path (deepest folder first).
_CATEGORY_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("electricity", ("electricity", "electric power", "power generation", "电力", "电网")),
    ("heat-steam", ("heat", "steam", "热力", "蒸汽")),
    ("transport", ("transport", "freight", "运输", "物流")),
    ("waste-treatment", ("waste", "treatment of", "recycling", "sewerage", "landfill",
                         "incineration", "废")),
    ("building-materials", ("cement", "concrete", "construction", "building", "glass", "brick",
                            "ceramic", "mineral product", "水泥", "建材", "玻璃")),
    ("fuels", ("fuel", "petroleum", "coal", "coke", "natural gas", "diesel", "gasoline",
               "燃料", "煤", "石油", "天然气")),
    ("metals", ("metal", "steel", "iron", "alumin", "copper", "zinc", "钢", "铝", "铜", "金属")),
    ("chemicals", ("chemical", "plastic", "rubber", "fertili", "化学", "化工", "塑料", "化肥")),
    ("raw-materials", ("agricultur", "forestry", "mining", "quarrying", "crop", "animal",
                       "raw material", "原材料", "原料", "农业", "矿")),
)  # fmt: skip


def _word_pattern(word: str) -> str:
    return rf"\b{re.escape(word)}" if word.isascii() else re.escape(word)


_CATEGORY_RES = tuple(
    (category, re.compile("|".join(_word_pattern(w) for w in words)))
    for category, words in _CATEGORY_WORDS
)


@dataclass(frozen=True)
class Composition:
    """A row's composition text and origin, with what a mixed row leaves out."""

    text: str
    origin: Origin
    mixed: bool = False
    biogenic_emitted: float = 0.0  # kg biogenic CO2 left out of a mixed row
    biogenic_removed: float = 0.0  # kg CO2 removals left out of a mixed row


def _gas_order(gas: str) -> tuple[int, str]:
    main = ("CO2", "CH4", "N2O")
    return (main.index(gas), gas) if gas in main else (len(main), gas)


def compose(flows: Sequence[GasFlow], amounts: np.ndarray, gwp: GwpTable) -> Composition:
    """The composition text and the one origin the factor template allows per row.

    A row of one origin keeps every gas. A mixed row is labelled fossil: fossil, dLUC and
    non-CO2 biogenic gases stay (biogenic CH4 is then weighted as fossil CH4), while biogenic
    CO2 emissions and removals are left out and reported in the notes, as in a footprint
    "excluding biogenic CO2".
    """
    weighted = [
        abs(float(a) * gwp.factor(f.gas, f.origin)) for f, a in zip(flows, amounts, strict=True)
    ]
    floor = max(weighted, default=0.0) * 1e-12
    live = [
        (f, float(a)) for f, a, w in zip(flows, amounts, weighted, strict=True) if a and w > floor
    ]
    origins = {flow.origin for flow, amount in live}
    mixed = len(origins) > 1
    origin = Origin.FOSSIL if mixed or not origins else origins.pop()
    totals: dict[str, float] = {}
    emitted = removed = 0.0
    for flow, amount in live:
        if mixed and flow.origin is Origin.BIOGENIC and flow.gas == "CO2":
            if flow.removal:
                removed -= amount
            else:
                emitted += amount
            continue
        name = gwp.names.get(flow.gas, flow.gas)
        totals[name] = totals.get(name, 0.0) + amount
    text = ";".join(
        f"{gas}={value:.10g}"
        for gas, value in sorted(totals.items(), key=lambda kv: _gas_order(kv[0]))
    )
    return Composition(text or "CO2=0", origin, mixed, emitted, removed)


def _slug_words(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def _slug(name: str, pid: str) -> str:
    """Readable and unique: the process name plus a short hash of its UUID."""
    base = _slug_words(name)[:100].strip("-") or "process"
    return f"{base}-{hashlib.sha256(pid.encode('utf-8')).hexdigest()[:8]}"


def _clip(text: str | None, size: int) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= size else text[: size - 1].rstrip() + "…"


def _category(package: OlcaPackage, pid: str) -> str:
    """A template category from the openLCA category path, deepest folder first."""
    paths = (package.processes[pid].category, package.references[pid].flow.category)
    for path in paths:
        for folder in reversed([p for p in (path or "").split("/") if p.strip()]):
            text = folder.lower()
            for category, pattern in _CATEGORY_RES:
                if pattern.search(text):
                    return category
    return "products"


def _geography(package: OlcaPackage, process: olca.Process) -> tuple[str, str]:
    """(template geography, the openLCA code when it had to become GLO)."""
    ref = process.location
    if ref is None:
        return "GLO", ""
    location = package.locations.get(ref.id or "")
    code = ((location.code if location else None) or ref.name or "").strip()
    if not code:
        return "GLO", ""
    if GEO_RE.match(code.upper()):
        return code.upper(), ""
    return "GLO", "" if code.upper() in ("GLO", "ROW") else code


def _date(text: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat((text or "")[:10])
    except ValueError:
        return None


def template_row(
    package: OlcaPackage,
    pid: str,
    unit: str,
    total: float,
    composition: Composition,
    chain: tuple[int, int, list[str]],
    allocation: str | None,
) -> dict[str, Any]:
    """The template row of one process.

    ``chain`` is (supply-chain process count, left-out flow count, the first left-out
    names); ``allocation`` names the method that split a multi-output process, if any.
    Notes are written in English whatever the interface language: they are stored data,
    and re-importing the same package must give the same row (no new version).
    """
    process = package.processes[pid]
    name = process.name or pid
    doc = process.process_documentation or olca.ProcessDocumentation()
    valid_from, valid_to = _date(doc.valid_from), _date(doc.valid_until)
    year = (valid_from or valid_to).year if (valid_from or valid_to) else None
    if valid_from and valid_to and valid_to < valid_from:
        valid_to = None
    geography, dropped_location = _geography(package, process)
    license_text = _clip(doc.restrictions_description, 200)
    if not license_text and doc.is_copyright_protected:
        license_text = "copyright protected (see the openLCA package)"
    cjk = any("\u3400" <= ch <= "\u9fff" for ch in name)
    reference_flow = package.references[pid].flow
    processes, left_out, shown = chain
    notes = [
        f"Cradle-to-gate aggregate of openLCA process '{name}' ({pid}), computed by the Tanji "
        f"engine {ENGINE_VERSION} with {GWP_SET} GWP100 from {processes} unit process(es) of "
        f"its supply chain in {package.name}; the engine's total over all origins is "
        f"{total:.6g} kg CO2e per {unit}.",
    ]
    if left_out:
        names = ", ".join(shown) + (", …" if left_out > len(shown) else "")
        notes.append(
            f"{left_out} elementary flow(s) of the supply chain are not greenhouse gases "
            f"to air and were left out: {names}."
        )
    if composition.mixed:
        notes.append(
            "Mixed origins: the template carries one origin per row, so fossil, dLUC and "
            "non-CO2 biogenic gases are recorded as fossil (biogenic CH4 weighted as fossil); "
            f"biogenic CO2 left out: {composition.biogenic_emitted:.6g} kg emitted and "
            f"{composition.biogenic_removed:.6g} kg removed per {unit}."
        )
    if allocation:
        notes.append(f"Multi-output process: its {allocation} allocation factors were used.")
    if dropped_location:
        notes.append(f"openLCA location '{dropped_location}' is not an ISO 3166 code: GLO used.")
    return {
        "slug": _slug(name, pid),
        "flow": _slug_words(reference_flow.name or "")[:120].strip("-"),
        "name_zh": _clip(name, 300) if cjk else "",
        "name_en": "" if cjk else _clip(name, 300),
        "synonyms": "",
        "category": _category(package, pid),
        "unit": unit,
        "composition": composition.text,
        "origin": composition.origin.value,
        "boundary": "cradle-to-gate",
        "geography": geography,
        "year": year if year is not None and 1900 <= year <= 2100 else "",
        "valid_from": valid_from.isoformat() if valid_from else "",
        "valid_to": valid_to.isoformat() if valid_to else "",
        "technology": _clip(doc.technology_description, 200),
        "document": f"openLCA JSON-LD: {package.name}, process {name} ({pid})",
        "table": "",
        "url": "",
        "license": license_text,
        "reliability": "",
        "completeness": "",
        "temporal": "",
        "geographical": "",
        "technological": "",
        "uncertainty": "",
        "notes": " ".join(notes),
    }
