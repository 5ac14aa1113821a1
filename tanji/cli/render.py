"""Render a footprint result for the terminal: the summary a carbon manager reads."""

from __future__ import annotations

import math

from babel.numbers import format_decimal, format_percent
from rich.console import Console, Group
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table
from rich.tree import Tree

from tanji.core.allocation import method_label
from tanji.core.i18n import N_, _, current_language, ngettext
from tanji.core.quality import level_label
from tanji.core.results import Result, TreeNode
from tanji.rules.check import stage_name

# Slugs of the model file → English labels, marked here and translated on display.
BOUNDARY_NAMES = {
    "cradle-to-gate": N_("cradle-to-gate"),
    "cradle-to-grave": N_("cradle-to-grave"),
    "gate-to-gate": N_("gate-to-gate"),
}


def number(value: float, digits: int = 4) -> str:
    """A number with locale grouping and about ``digits`` significant figures."""
    if not math.isfinite(value):
        return "–"
    magnitude = abs(value)
    decimals = 0 if magnitude >= 10 ** (digits - 1) else max(0, digits - 1 - _exponent(magnitude))
    pattern = "#,##0" + ("." + "#" * min(decimals, 8) if decimals else "")
    return format_decimal(value, format=pattern, locale=_locale())


def _exponent(value: float) -> int:
    if value == 0:
        return 0
    return math.floor(math.log10(value))


def percent(value: float) -> str:
    return format_percent(value, format="#,##0.0%", locale=_locale())


def _locale() -> str:
    return "zh_CN" if current_language() == "zh_CN" else "en"


def boundary_name(boundary: str) -> str:
    """A system-boundary slug in the current language (unknown slugs stay as they are)."""
    return _(BOUNDARY_NAMES[boundary]) if boundary in BOUNDARY_NAMES else boundary


def summary(result: Result, *, top: int = 10) -> Group:
    meta = result.meta
    name = meta.get("name_zh") if current_language() == "zh_CN" else meta.get("name_en")
    name = name or meta.get("name_en") or meta.get("name_zh") or result.product
    unit = f"{number(result.amount)} {result.unit}"
    per = _("kg CO2e per {unit}").format(unit=unit)
    head = Table.grid(padding=(0, 2))
    head.add_row(_("Product"), escape(name))
    functional = meta.get("unit_kind") == "functional"
    head.add_row(_("Functional unit") if functional else _("Declared unit"), escape(unit))
    head.add_row(_("Boundary"), escape(boundary_name(meta.get("boundary", ""))))
    head.add_row(_("GWP set"), result.gwp_set + " GWP100")
    head.add_row(_("Carbon footprint"), f"[bold green]{number(result.total)}[/] {escape(per)}")
    parts: list = [Panel(head, title=_("Product carbon footprint"), expand=False)]

    sep = result.separated
    separated = Table(title=_("Separated figures (GB/T 24067)"), show_lines=False)
    separated.add_column(_("Item"))
    separated.add_column("kg CO2e", justify="right")
    for label, value in (
        (_("Fossil GHG emissions"), sep.fossil),
        (_("Biogenic GHG emissions"), sep.biogenic),
        (_("Biogenic removals"), sep.removals),
        (_("Direct land-use change"), sep.dluc),
        (_("Aircraft transport (included)"), sep.aircraft),
        (_("Total excluding biogenic CO2"), sep.excluding_biogenic),
        (_("Carbon stored in product (kg CO2, not in total)"), sep.carbon_stored),
    ):
        separated.add_row(label, number(value))
    parts.append(separated)

    stages = Table(title=_("By life-cycle stage"))
    stages.add_column(_("Stage"))
    stages.add_column("kg CO2e", justify="right")
    stages.add_column(_("Share"), justify="right")
    for item in result.by_stage:
        stages.add_row(stage_name(item.key), number(item.value), percent(item.share))
    parts.append(stages)

    gases = Table(title=_("By gas"))
    gases.add_column(_("Gas"))
    gases.add_column("kg CO2e", justify="right")
    gases.add_column(_("Share"), justify="right")
    for item in result.by_gas:
        gases.add_row(escape(item.key), number(item.value), percent(item.share))
    parts.append(gases)

    inputs = Table(title=_("Top contributors"))
    inputs.add_column(_("Process"))
    inputs.add_column(_("Input"))
    inputs.add_column("kg CO2e", justify="right")
    inputs.add_column(_("Share"), justify="right")
    for item in result.by_input[:top]:
        inputs.add_row(
            escape(item.process), escape(item.label), number(item.value), percent(item.share)
        )
    parts.append(inputs)

    parts.append(_quality_table(result))
    if result.uncertainty is not None:
        parts.append(_uncertainty_table(result))
    parts.append(_tree(result.tree, result.total))
    return Group(*parts)


def _quality_table(result: Result) -> Table:
    table = Table(title=_("Data quality"))
    table.add_column(_("Item"))
    table.add_column(_("Value"), justify="right")
    table.add_row(_("Primary data share"), percent(result.primary_data_share))
    if result.quality is not None:
        quality = result.quality
        table.add_row(
            _("Data quality rating (1 best – 5 worst)"),
            _("{score} ({level})").format(
                score=number(quality.overall, 3), level=level_label(quality.level)
            ),
        )
        table.add_row(_("Footprint covered by quality scores"), percent(quality.coverage))
    cut = result.cutoffs
    table.add_row(_("Declared cut-offs"), percent(cut.declared_total))
    for problem in cut.problems:
        table.add_row("[red]" + escape(_("Cut-off problem")) + "[/]", escape(problem))
    for allocation in result.allocation:
        shares = ", ".join(f"{k} {percent(v)}" for k, v in allocation["shares"].items())
        table.add_row(
            escape(_("Allocation in {process}").format(process=allocation["process"])),
            escape(
                _("{method}: {shares}").format(
                    method=method_label(allocation["method"]), shares=shares
                )
            ),
        )
    return table


def _uncertainty_table(result: Result) -> Table:
    stats = result.uncertainty
    assert stats is not None
    table = Table(
        title=_("Uncertainty (Monte Carlo, {n} iterations, seed {seed})").format(
            n=stats.iterations, seed=stats.seed
        )
    )
    table.add_column(_("Statistic"))
    table.add_column("kg CO2e", justify="right")
    for label, value in (
        (_("Mean"), stats.mean),
        (_("Median"), stats.median),
        (_("Standard deviation"), stats.std),
        (_("2.5th percentile"), stats.p2_5),
        (_("97.5th percentile"), stats.p97_5),
    ):
        table.add_row(label, number(value))
    for item in result.sensitivity[:5]:
        table.add_row(
            escape(_("Sensitivity: {parameter}").format(parameter=item.parameter)),
            f"ρ = {item.correlation:+.2f}",
        )
    return table


def _tree(node: TreeNode, total: float) -> Tree:
    def label(item: TreeNode) -> str:
        share = percent(item.footprint / total) if total else "–"
        loop = " [yellow]" + escape(_("(loop)")) + "[/]" if item.loop else ""
        more = ""
        if item.truncated:
            hidden = ngettext(
                "+{count} smaller input", "+{count} smaller inputs", item.truncated
            ).format(count=item.truncated)
            more = f" [dim]{escape(hidden)}[/]"
        return (
            f"{escape(item.name)} — {number(item.amount)} {escape(item.unit)}: "
            f"[bold]{number(item.footprint)}[/] kg CO2e ({share}){loop}{more}"
        )

    tree = Tree("[bold]" + escape(_("Supply chain")) + "[/]")

    def grow(branch: Tree, item: TreeNode) -> None:
        child = branch.add(label(item))
        for sub in item.children:
            grow(child, sub)

    grow(tree, node)
    return tree


def print_summary(console: Console, result: Result) -> None:
    console.print(summary(result))


def print_catalogue(console: Console, items, *, as_json: bool = False) -> None:
    """Every product's footprint per unit, as a table or JSON."""
    if as_json:
        rows = [
            {
                "product": i.product,
                "process": i.process,
                "unit": i.unit,
                "kgCO2e_per_unit": i.per_unit,
            }
            for i in items
        ]
        console.print_json(data=rows)
        return
    table = Table(title=_("Footprint of every product (one transposed solve)"))
    table.add_column(_("Product"))
    table.add_column(_("Name"))
    table.add_column(_("kg CO2e per unit"), justify="right")
    table.add_column(_("Unit"))
    for item in items:
        table.add_row(
            escape(item.product),
            escape(item.name),
            number(item.per_unit),
            escape(item.unit),
        )
    console.print(table)
