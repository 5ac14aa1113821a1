"""Charts as inline SVG, drawn from a stored result dict; shared by pages and reports.

Each function takes the result dict (the shape of ``tanji calc --json``: by_stage,
by_process, by_input, by_gas, tree, separated, total, unit, uncertainty) and returns an
SVG string (safe to mark as Markup), labelled in the current language, with no scripts
and no external references. Every text is XML-escaped; a result without emissions (a
fresh template totals 0) gives a chart that says so instead of dividing by zero.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from tanji.core.i18n import N_, _
from tanji.formatting import number, percent
from tanji.rules.check import STAGE_LABELS, stage_name

# Colours of tanji/web/static/css/tanji.css (teal brand, slate text, amber for credits).
BRAND = "#0f766e"
BRAND_DARK = "#115e59"
BRAND_LIGHT = "#ccfbf1"
TEXT = "#1e293b"
MUTED = "#64748b"
LINE = "#e2e8f0"
CREDIT = "#b45309"
CREDIT_LIGHT = "#fef3c7"
PALETTE = ("#0f766e", "#14b8a6", "#0369a1", "#7c3aed", "#64748b", "#94a3b8")
FONT = (
    "'Noto Sans CJK SC', 'Source Han Sans SC', 'PingFang SC', 'Microsoft YaHei', "
    "'WenQuanYi Micro Hei', sans-serif"
)

# Gases as people write them; others keep the id the result gives them.
GAS_LABELS = {"CO2": "CO₂", "CH4": "CH₄", "N2O": "N₂O"}
MAIN_GASES = ("CO2", "CH4", "N2O")
CHARACTERISED = "CO2e"  # factors given as CO2e only: not split by gas
OTHER_GASES = N_("Other gases")
CHARACTERISED_LABEL = N_("Not split by gas (CO2e factors)")

# Contribution chart: at most this many columns left of the product, parts per node,
# and flows smaller than this share of the gross footprint are grouped as "Other".
MAX_LEVELS = 3
MAX_PARTS = 6
MIN_SHARE = 0.02


def gas_name(gas: str) -> str:
    """A gas id for display: subscripts for the main gases, words for CO2e factors."""
    if gas == CHARACTERISED:
        return _(CHARACTERISED_LABEL)
    return GAS_LABELS.get(gas, gas)


# --- SVG helpers -------------------------------------------------------------------------


def esc(value: Any) -> str:
    """XML-escape text and attribute values (quotes included)."""
    text = str(value)
    # Characters XML 1.0 forbids (control characters other than tab, LF, CR) are dropped.
    text = "".join(ch for ch in text if _xml_char(ch))
    return (
        text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
        .replace("'", "&#39;")
    )


def _xml_char(ch: str) -> bool:
    """Whether XML 1.0 allows ``ch`` (control characters, surrogates and U+FFFE/F do not)."""
    code = ord(ch)
    if code < 0x20:
        return ch in "\t\n\r"
    return not (0xD800 <= code <= 0xDFFF or code in (0xFFFE, 0xFFFF))


def _f(value: float) -> str:
    """A coordinate, short and always finite."""
    if not math.isfinite(value):
        value = 0.0
    return f"{value:.1f}".rstrip("0").rstrip(".") if value % 1 else str(int(value))


def _num(value: Any) -> float:
    """A finite float from whatever the dict holds (missing, None, NaN and inf count as 0)."""
    try:
        result = float(value)
    except (TypeError, ValueError):
        return 0.0
    return result if math.isfinite(result) else 0.0


def _text_width(text: str, size: float) -> float:
    """A rough rendered width: CJK and full-width characters are one em, others ~0.58 em."""
    return sum(size if ord(ch) > 0x2E7F else size * 0.58 for ch in text)


def _fit(text: str, size: float, width: float) -> str:
    """``text`` shortened with an ellipsis to fit ``width`` pixels."""
    if _text_width(text, size) <= width:
        return text
    while text and _text_width(text + "…", size) > width:
        text = text[:-1]
    return text + "…"


def _text(
    x: float,
    y: float,
    content: str,
    *,
    size: float = 12,
    anchor: str = "start",
    fill: str = TEXT,
    weight: str = "normal",
) -> str:
    bold = ' font-weight="bold"' if weight == "bold" else ""
    return (
        f'<text x="{_f(x)}" y="{_f(y)}" font-size="{_f(size)}" text-anchor="{anchor}" '
        f'fill="{fill}"{bold}>{esc(content)}</text>'
    )


def _rect(x: float, y: float, w: float, h: float, fill: str, extra: str = "") -> str:
    return (
        f'<rect x="{_f(x)}" y="{_f(y)}" width="{_f(max(w, 0.0))}" height="{_f(max(h, 0.0))}" '
        f'fill="{fill}"{extra}/>'
    )


def _svg(kind: str, width: float, height: float, title: str, desc: str, body: Sequence[str]) -> str:
    """The SVG element: fixed viewBox, 100 % wide, with an accessible title and description."""
    content = "".join(body)
    digest = hashlib.sha1(f"{kind}{title}{desc}{content}".encode()).hexdigest()[:8]
    ident = f"tj-{kind}-{digest}"
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart chart-{kind}" '
        f'viewBox="0 0 {_f(width)} {_f(height)}" width="100%" '
        f'preserveAspectRatio="xMidYMin meet" role="img" '
        f'aria-labelledby="{ident}-t {ident}-d" font-family="{esc(FONT)}">'
        f'<title id="{ident}-t">{esc(title)}</title><desc id="{ident}-d">{esc(desc)}</desc>'
        f"{content}</svg>"
    )


def _empty(kind: str, width: float, title: str, message: str) -> str:
    """The chart of a result with nothing to draw: a dashed frame saying why."""
    height = 120
    body = [
        _rect(
            4,
            4,
            width - 8,
            height - 8,
            "#f8fafc",
            f' stroke="{LINE}" stroke-width="1.5" stroke-dasharray="6 4" rx="8"',
        ),
        _text(width / 2, height / 2 + 5, message, size=14, anchor="middle", fill=MUTED),
    ]
    return _svg(kind, width, height, title, message, body)


def _no_emissions() -> str:
    return _("No emissions yet: add inputs and emissions, then calculate.")


def _unit_label(result: dict[str, Any]) -> str:
    unit = str(result.get("unit") or "")
    amount = _num(result.get("amount", 1) or 1)
    if not unit:
        return "kg CO2e"
    return _("kg CO2e per {unit}").format(unit=f"{amount_text(amount)} {unit}")


def amount_text(amount: float) -> str:
    """An amount of a unit: whole numbers without decimals (1 t, not 1.000 t)."""
    return number(amount, 0) if float(amount).is_integer() else number(amount)


# --- Stages ------------------------------------------------------------------------------


def stage_chart(result: dict[str, Any], *, width: int = 640) -> str:
    """Horizontal bars: kg CO2e per life-cycle stage."""
    title = _("Carbon footprint by life-cycle stage")
    order = list(STAGE_LABELS)
    items = [
        (str(item.get("key", "")), _num(item.get("value")), _num(item.get("share")))
        for item in result.get("by_stage") or ()
        if isinstance(item, dict)
    ]
    items.sort(key=lambda kv: (order.index(kv[0]) if kv[0] in order else len(order), kv[0]))
    rows = [(stage_name(key), value, share) for key, value, share in items]
    if not any(value for _key, value, _share in rows):
        return _empty("stages", width, title, _no_emissions())
    desc = "; ".join(
        _("{name}: {value} kg CO2e ({share})").format(
            name=name, value=number(value), share=percent(share)
        )
        for name, value, share in rows
    )
    return _bars("stages", rows, width=width, title=title, desc=desc, caption=_unit_label(result))


def _bars(
    kind: str,
    rows: Sequence[tuple[str, float, float]],
    *,
    width: float,
    title: str,
    desc: str,
    caption: str,
) -> str:
    """Labelled horizontal bars from a zero line; negative values (credits) go left, amber."""
    row_h, top, label_w, value_w = 30, 12, min(190.0, width * 0.3), 130.0
    plot_x = label_w + 10
    plot_w = max(width - plot_x - value_w, 40.0)
    low = min(0.0, *(v for _n, v, _s in rows))
    high = max(0.0, *(v for _n, v, _s in rows))
    span = (high - low) or 1.0
    zero = plot_x + plot_w * (-low / span)
    height = top + row_h * len(rows) + 34
    body: list[str] = []
    for index, (name, value, share) in enumerate(rows):
        y = top + index * row_h
        body.append(_text(label_w, y + 19, _fit(name, 12, label_w - 4), anchor="end", fill=TEXT))
        length = plot_w * abs(value) / span
        credit = value < 0
        x = zero - length if credit else zero
        extra = ' rx="2"'
        if credit:
            extra += f' stroke="{CREDIT}" stroke-dasharray="3 2"'
        body.append(
            _rect(
                x,
                y + 6,
                max(length, 1.0 if value else 0.0),
                18,
                CREDIT_LIGHT if credit else BRAND,
                extra,
            )
        )
        label = _("{value} ({share})").format(value=number(value), share=percent(share))
        if credit:
            label = _("{value} (credit)").format(value=label)
        label_x = (x + length + 6) if not credit else (zero + 6)
        body.append(_text(label_x, y + 19, label, size=11, fill=CREDIT if credit else TEXT))
    axis_bottom = top + row_h * len(rows)
    body.append(
        f'<line x1="{_f(zero)}" y1="{_f(top)}" x2="{_f(zero)}" y2="{_f(axis_bottom)}" '
        f'stroke="{MUTED}" stroke-width="1"/>'
    )
    body.append(_text(plot_x, axis_bottom + 22, caption, size=11, fill=MUTED))
    return _svg(kind, width, height, title, desc, body)


# --- Gases -------------------------------------------------------------------------------


def _gas_groups(result: dict[str, Any]) -> list[tuple[str, float]]:
    """CO2, CH4, N2O, other gases and CO2e-only factors, in kg CO2e (empty groups dropped)."""
    values: dict[str, float] = {}
    for item in result.get("by_gas") or ():
        if not isinstance(item, dict):
            continue
        key = str(item.get("key", ""))
        group = key if key in MAIN_GASES or key == CHARACTERISED else "other"
        values[group] = values.get(group, 0.0) + _num(item.get("value"))
    labels = {"other": _(OTHER_GASES)}
    order = (*MAIN_GASES, "other", CHARACTERISED)
    return [(labels.get(key) or gas_name(key), values[key]) for key in order if values.get(key)]


def gas_chart(result: dict[str, Any], *, width: int = 420) -> str:
    """Shares of CO2, CH4, N2O and other gases (CO2e)."""
    title = _("Carbon footprint by greenhouse gas")
    groups = _gas_groups(result)
    if not groups:
        return _empty("gases", width, title, _no_emissions())
    gross = sum(value for _name, value in groups if value > 0)
    net = sum(value for _name, value in groups)
    desc = "; ".join(
        _("{name}: {value} kg CO2e").format(name=name, value=number(value))
        for name, value in groups
    )
    radius, ring = 64.0, 24.0
    cx, cy = radius + 12, radius + 12
    legend_x = cx + radius + 24
    row = 34
    height = max(2 * radius + 24, 14 + row * len(groups) + 26)
    body: list[str] = []
    angle = -math.pi / 2
    positives = [(i, value) for i, (_name, value) in enumerate(groups) if value > 0]
    if len(positives) == 1 or gross <= 0:
        colour = PALETTE[positives[0][0] % len(PALETTE)] if positives else LINE
        body.append(
            f'<circle cx="{_f(cx)}" cy="{_f(cy)}" r="{_f(radius - ring / 2)}" fill="none" '
            f'stroke="{colour}" stroke-width="{_f(ring)}"/>'
        )
    else:
        for index, value in positives:
            sweep = 2 * math.pi * value / gross
            colour = PALETTE[index % len(PALETTE)]
            body.append(_arc(cx, cy, radius, ring, angle, angle + sweep, colour))
            angle += sweep
    body.append(_text(cx, cy - 1, number(net), size=15, anchor="middle", weight="bold"))
    body.append(_text(cx, cy + 15, "kg CO2e", size=10, anchor="middle", fill=MUTED))
    room = width - legend_x - 22
    for index, (name, value) in enumerate(groups):
        y = 14 + index * row
        credit = value < 0
        colour = PALETTE[index % len(PALETTE)]
        extra = f' rx="2" stroke="{CREDIT}" stroke-dasharray="3 2"' if credit else ' rx="2"'
        body.append(_rect(legend_x, y, 14, 14, CREDIT_LIGHT if credit else colour, extra))
        detail = (
            _("{value} (credit)").format(value=number(value))
            if credit
            else _("{value} ({share})").format(value=number(value), share=percent(value / gross))
        )
        body.append(_text(legend_x + 20, y + 11, _fit(name, 12, room), size=12))
        body.append(_text(legend_x + 20, y + 26, detail, size=11, fill=CREDIT if credit else MUTED))
    body.append(_text(legend_x, height - 6, _unit_label(result), size=10, fill=MUTED))
    return _svg("gases", width, height, title, desc, body)


def _arc(cx: float, cy: float, r: float, ring: float, start: float, end: float, fill: str) -> str:
    """A ring segment from ``start`` to ``end`` (radians, clockwise from 3 o'clock)."""
    inner = r - ring
    large = 1 if end - start > math.pi else 0

    def point(radius: float, angle: float) -> str:
        return f"{_f(cx + radius * math.cos(angle))} {_f(cy + radius * math.sin(angle))}"

    path = (
        f"M {point(r, start)} A {_f(r)} {_f(r)} 0 {large} 1 {point(r, end)} "
        f"L {point(inner, end)} A {_f(inner)} {_f(inner)} 0 {large} 0 {point(inner, start)} Z"
    )
    return f'<path d="{path}" fill="{fill}" stroke="#fff" stroke-width="1"/>'


# --- Uncertainty -------------------------------------------------------------------------


def uncertainty_chart(result: dict[str, Any], *, width: int = 420) -> str:
    """The 95 % interval and median of the Monte Carlo result against the static total."""
    title = _("Uncertainty of the carbon footprint (Monte Carlo)")
    stats = result.get("uncertainty")
    total = _num(result.get("total"))
    if not isinstance(stats, dict):
        return _empty(
            "uncertainty", width, title, _("No Monte Carlo run: the uncertainty is not estimated.")
        )
    low, high = _num(stats.get("p2_5")), _num(stats.get("p97_5"))
    median = _num(stats.get("median"))
    low, high = min(low, high), max(low, high)
    if not any((low, high, median, total)):
        return _empty("uncertainty", width, title, _no_emissions())
    desc = _(
        "Static result {total}; Monte Carlo median {median}; 95 % interval {low} to {high} "
        "kg CO2e ({n} iterations)."
    ).format(
        total=number(total),
        median=number(median),
        low=number(low),
        high=number(high),
        n=int(_num(stats.get("iterations"))),
    )
    lo = min(low, median, total)
    hi = max(high, median, total)
    pad = (hi - lo) * 0.15 or abs(hi) * 0.1 or 1.0
    lo, hi = lo - pad, hi + pad
    left, right = 20.0, width - 20.0

    def x(value: float) -> float:
        return left + (right - left) * (value - lo) / (hi - lo)

    axis_y, height = 70.0, 150.0
    body = [
        f'<line x1="{_f(left)}" y1="{_f(axis_y)}" x2="{_f(right)}" y2="{_f(axis_y)}" '
        f'stroke="{LINE}" stroke-width="2"/>',
        _rect(
            x(low),
            axis_y - 12,
            max(x(high) - x(low), 2.0),
            24,
            BRAND_LIGHT,
            f' stroke="{BRAND}" stroke-width="1" rx="3"',
        ),
        f'<line x1="{_f(x(median))}" y1="{_f(axis_y - 16)}" x2="{_f(x(median))}" '
        f'y2="{_f(axis_y + 16)}" stroke="{BRAND_DARK}" stroke-width="3"/>',
    ]
    tx = x(total)
    body.append(
        f'<path d="M {_f(tx)} {_f(axis_y - 24)} l 7 -10 l -14 0 Z" fill="{TEXT}"/>'
        f'<line x1="{_f(tx)}" y1="{_f(axis_y - 24)}" x2="{_f(tx)}" y2="{_f(axis_y + 12)}" '
        f'stroke="{TEXT}" stroke-width="1" stroke-dasharray="3 2"/>'
    )
    anchor_total = "start" if tx < width / 2 else "end"
    body.append(
        _text(
            tx + (8 if anchor_total == "start" else -8),
            axis_y - 30,
            _("Static result {value}").format(value=number(total)),
            size=11,
            anchor=anchor_total,
        )
    )
    body.append(_text(x(low), axis_y + 30, number(low), size=11, anchor="middle", fill=MUTED))
    body.append(_text(x(high), axis_y + 30, number(high), size=11, anchor="middle", fill=MUTED))
    body.append(
        _text(
            x(median),
            axis_y + 46,
            _("Median {value}").format(value=number(median)),
            size=11,
            anchor="middle",
            fill=BRAND_DARK,
        )
    )
    body.append(
        _text(
            left,
            height - 10,
            _("Shaded: 95 % interval (2.5th–97.5th percentile); {unit}").format(
                unit=_unit_label(result)
            ),
            size=10,
            fill=MUTED,
        )
    )
    return _svg("uncertainty", width, height, title, desc, body)


# --- Contributions (Sankey-like) ---------------------------------------------------------


@dataclass
class _Node:
    label: str
    value: float  # kg CO2e, net (negative: a credit)
    level: int  # 0 for the product, 1 for its inputs …
    parts: list[_Node] = field(default_factory=list)
    x: float = 0.0
    y: float = 0.0
    h: float = 0.0

    @property
    def gross(self) -> float:
        return sum(abs(p.value) for p in self.parts) if self.parts else abs(self.value)


def _other(values: Iterable[float], level: int) -> _Node:
    return _Node(_("Other"), sum(values), level)


def _grow(tree: dict[str, Any], level: int, limit: float) -> _Node:
    """A chart node of a tree node: its inputs, direct emissions and the rest as Other."""
    node = _Node(str(tree.get("name") or tree.get("id") or "?"), _num(tree.get("footprint")), level)
    children = [c for c in tree.get("children") or () if isinstance(c, dict)]
    if not children or level >= MAX_LEVELS:
        return node
    parts = [_grow(child, level + 1, limit) for child in children]
    direct = _num(tree.get("direct"))
    if direct:
        parts.append(_Node(_("direct emissions"), direct, level + 1))
    rest = node.value - sum(p.value for p in parts)
    parts.sort(key=lambda p: -abs(p.value))
    kept = [p for p in parts[:MAX_PARTS] if abs(p.value) >= limit]
    small = [p.value for p in parts[len(kept) :]]
    if abs(rest) >= limit * 0.5 or small:
        merged = _other([*small, rest], level + 1)
        if merged.value or small:
            kept.append(merged)
    node.parts = [p for p in kept if p.value]
    return node


def contribution_chart(result: dict[str, Any], *, width: int = 720) -> str:
    """A Sankey-like flow from inputs to processes to the product (from result["tree"])."""
    title = _("Where the carbon footprint comes from")
    tree = result.get("tree")
    if not isinstance(tree, dict):
        return _empty("contributions", width, title, _no_emissions())
    reference = max(
        abs(_num(tree.get("footprint"))),
        sum(
            abs(_num(c.get("footprint"))) for c in tree.get("children") or () if isinstance(c, dict)
        ),
    )
    if reference == 0:
        return _empty("contributions", width, title, _no_emissions())
    root = _grow(tree, 0, MIN_SHARE * reference)
    if root.value == 0 and not root.parts:
        return _empty("contributions", width, title, _no_emissions())
    levels: list[list[_Node]] = []

    def collect(node: _Node) -> None:
        while len(levels) <= node.level:
            levels.append([])
        levels[node.level].append(node)
        for part in node.parts:
            collect(part)

    collect(root)
    depth = len(levels) - 1
    label_w, bar_w, margin, top = 150.0, 10.0, 10.0, 16.0
    biggest = max(sum(n.gross for n in column) for column in levels) or 1.0
    scale = 300.0 / biggest
    pitch = (width - 2 * margin - label_w - bar_w) / depth if depth else 0.0
    _place(root, levels, scale=scale, top=top)
    for level, column in enumerate(levels):
        for node in column:
            node.x = margin + (depth - level) * pitch
    plot_h = max(n.y + max(n.h, _SLOT) for column in levels for n in column) - top
    credits = False
    links: list[str] = []
    bars: list[str] = []
    labels: list[str] = []
    for column in levels:
        for node in column:
            credit = node.value < 0
            credits = credits or credit
            colour = CREDIT if credit else (BRAND_DARK if node.level == 0 else BRAND)
            extra = ' stroke-dasharray="3 2" stroke="#92400e"' if credit else ""
            bars.append(_rect(node.x, node.y, bar_w, node.h, colour, extra))
            cursor = node.y
            for part in node.parts:
                band = abs(part.value) * scale
                links.append(_link(part, node, cursor, band, scale, bar_w))
                cursor += band
            labels.append(_node_label(node, bar_w, label_w))
    desc = _("The product's footprint of {total} kg CO2e, traced to its inputs: {parts}.").format(
        total=number(root.value),
        parts="; ".join(f"{p.label} {number(p.value)}" for p in root.parts),
    )
    height = top + plot_h + 40
    legend_y = top + plot_h + 24
    legend = [
        _rect(margin, legend_y - 10, 12, 12, BRAND, ' opacity="0.5"'),
        _text(margin + 18, legend_y, _("emissions (kg CO2e)"), size=11, fill=MUTED),
    ]
    if credits:
        legend += [
            _rect(
                margin + 170, legend_y - 10, 12, 12, CREDIT, ' opacity="0.5" stroke-dasharray="3 2"'
            ),
            _text(margin + 188, legend_y, _("credits and removals"), size=11, fill=MUTED),
        ]
    legend.append(
        _text(
            width - margin,
            legend_y,
            _("Flows under {share} grouped as Other").format(share=percent(MIN_SHARE, 0)),
            size=11,
            anchor="end",
            fill=MUTED,
        )
    )
    return _svg("contributions", width, height, title, desc, [*links, *bars, *labels, *legend])


_SLOT, _GAP = 30.0, 6.0  # room a node's two-line label needs; space between nodes


def _place(root: _Node, levels: list[list[_Node]], *, scale: float, top: float) -> None:
    """Vertical positions: each node's inputs centred on it, pushed down where they collide."""

    def room(node: _Node) -> float:
        return max(node.h, _SLOT)

    def block(node: _Node) -> float:
        return sum(room(p) + _GAP for p in node.parts) - _GAP if node.parts else 0.0

    for column in levels:
        for node in column:
            node.h = max(node.gross * scale, 1.0)
    root.y = top + (max(room(root), block(root)) - root.h) / 2
    for column in levels[:-1]:
        bottom = -math.inf
        # The next column holds these nodes' parts, in this order (depth-first collection).
        for parent in column:
            if not parent.parts:
                continue
            cursor = max(parent.y + parent.h / 2 - block(parent) / 2, bottom + _GAP * 2)
            for part in parent.parts:
                part.y = cursor + (room(part) - part.h) / 2
                cursor += room(part) + _GAP
            bottom = cursor - _GAP
    lowest = min(n.y - (room(n) - n.h) / 2 for column in levels for n in column)
    if lowest < top:
        for column in levels:
            for node in column:
                node.y += top - lowest


def _link(
    part: _Node, parent: _Node, target_y: float, band: float, scale: float, bar_w: float
) -> str:
    """A band from a part's bar to its slice of the parent's bar, as wide as its value."""
    band = max(band, 0.8)
    x0, x1 = part.x + bar_w, parent.x
    y0 = part.y + (part.h - band) / 2
    y1 = target_y
    mid = (x0 + x1) / 2
    path = (
        f"M {_f(x0)} {_f(y0)} C {_f(mid)} {_f(y0)} {_f(mid)} {_f(y1)} {_f(x1)} {_f(y1)} "
        f"L {_f(x1)} {_f(y1 + band)} C {_f(mid)} {_f(y1 + band)} {_f(mid)} {_f(y0 + band)} "
        f"{_f(x0)} {_f(y0 + band)} Z"
    )
    colour = CREDIT if part.value < 0 else BRAND
    return f'<path d="{path}" fill="{colour}" opacity="0.3"/>'


def _node_label(node: _Node, bar_w: float, label_w: float) -> str:
    """Name and value to the right of a bar, on a light backing so links stay behind it."""
    x = node.x + bar_w + 4
    cy = node.y + node.h / 2
    name = _fit(node.label, 11, label_w - 8)
    value = number(node.value)
    if node.value < 0:
        value = _("{value} (credit)").format(value=value)
    wide = max(_text_width(name, 11), _text_width(value, 10)) + 6
    weight = "bold" if node.level == 0 else "normal"
    return (
        _rect(x - 2, cy - 13, min(wide, label_w), 27, "#fff", ' opacity="0.8" rx="2"')
        + _text(x, cy - 1, name, size=11, weight=weight)
        + _text(x, cy + 11, value, size=10, fill=CREDIT if node.value < 0 else MUTED)
    )
