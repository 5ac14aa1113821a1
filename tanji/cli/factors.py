"""``tanji factors …`` and ``tanji gwp``: look up the seed factors and GWP values."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from tanji.cli.errors import handles_errors
from tanji.cli.render import number
from tanji.core.errors import NotFound
from tanji.core.gwp import gwp_table
from tanji.core.i18n import N_, _, current_language
from tanji.factors.resolve import SeedTable

# Values of the seed and GWP tables → English labels, marked here and translated on display.
ORIGIN_NAMES = {
    "fossil": N_("fossil"),
    "biogenic": N_("biogenic"),
    "dluc": N_("direct land-use change"),
}
VARIANT_NAMES = {"fossil": N_("fossil"), "non-fossil": N_("non-fossil")}
FACTOR_BOUNDARIES = {
    "life-cycle": N_("life cycle"),
    "cradle-to-gate": N_("cradle-to-gate"),
    "gate-to-gate": N_("gate-to-gate"),
    "combustion": N_("combustion only"),
}


def data_label(names: dict[str, str], value: str) -> str:
    """``value`` from a data table in the current language; unknown values stay as they are."""
    return _(names[value]) if value in names else value


def register(app: typer.Typer) -> None:
    factors = typer.Typer(help=_("Look up emission factors."), no_args_is_help=True)

    @factors.command("list", help=_("List the emission factors, optionally filtered by text."))
    @handles_errors
    def list_factors(
        search: Annotated[str, typer.Argument(help=_("Text to look for in id or name."))] = "",
    ) -> None:
        table = Table(title=_("Emission factors (seed table)"))
        for column in (_("Id"), _("Name"), _("Unit"), _("Composition"), _("Year")):
            table.add_column(column)
        needle = search.lower()
        for slug, record in sorted(SeedTable().records.items()):
            name = record.name_zh if current_language() == "zh_CN" else record.name_en
            if needle and needle not in f"{slug} {record.name_zh} {record.name_en}".lower():
                continue
            gases = "; ".join(f"{g.gas} {number(g.amount)}" for g in record.factor.gases)
            table.add_row(slug, escape(name), record.factor.unit, gases, str(record.year or ""))
        Console().print(table)

    @factors.command("show", help=_("Show one emission factor with its source."))
    @handles_errors
    def show(slug: Annotated[str, typer.Argument(help=_("Factor id."))]) -> None:
        record = SeedTable().records.get(slug)
        if record is None:
            raise NotFound(_("Unknown factor '{slug}'.").format(slug=slug))
        table = Table.grid(padding=(0, 2))
        for label, value in (
            (_("Id"), slug),
            (_("Name"), f"{record.name_zh} / {record.name_en}"),
            (_("Unit"), record.factor.unit),
            (_("Composition"), "; ".join(f"{g.gas}={g.amount:g}" for g in record.factor.gases)),
            (_("Origin"), data_label(ORIGIN_NAMES, record.factor.gases[0].origin.value)),
            (_("Boundary"), data_label(FACTOR_BOUNDARIES, record.boundary)),
            (_("Geography"), record.geography),
            (_("Year"), str(record.year or "")),
            (_("Source"), f"{record.document}, {record.table}"),
            (_("URL"), record.url),
            (_("License"), record.license),
            (_("Notes"), record.notes),
        ):
            table.add_row(label, escape(value))
        Console().print(table)

    @app.command("gwp", help=_("Show the GWP100 values of an IPCC set."))
    @handles_errors
    def gwp(
        set_name: Annotated[str, typer.Option("--set", help=_("AR6, AR5 or AR4."))] = "AR6",
    ) -> None:
        table_data = gwp_table(set_name)
        table = Table(title=_("GWP100, IPCC {set}").format(set=table_data.name))
        table.add_column(_("Gas"))
        table.add_column(_("Variant"))
        table.add_column("GWP100", justify="right")
        for (gas, variant), value in sorted(table_data.values.items()):
            table.add_row(
                table_data.names.get(gas, gas), data_label(VARIANT_NAMES, variant), number(value, 6)
            )
        Console().print(table)

    app.add_typer(factors, name="factors")
