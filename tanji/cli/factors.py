"""``tanji factors …`` and ``tanji gwp``: the factor database from the command line."""

from __future__ import annotations

import getpass
import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from tanji.cli import openlca
from tanji.cli.database import database_session, pick_release
from tanji.cli.errors import handles_errors
from tanji.cli.render import number, percent
from tanji.core.gwp import gwp_table
from tanji.core.i18n import N_, _, current_language
from tanji.factors import service
from tanji.factors.fileio import read_rows, write_rows
from tanji.factors.models import FactorRecord
from tanji.factors.rows import to_row
from tanji.footprints import service as footprints
from tanji.settings import Settings

# Values of the factor and GWP tables → English labels, marked here and translated on display.
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
    "process": N_("process emissions"),
}
STATUS_NAMES = {
    "draft": N_("draft"),
    "in-review": N_("in review"),
    "published": N_("published"),
    "superseded": N_("superseded"),
    "withdrawn": N_("withdrawn"),
    "rejected": N_("rejected"),
}


def data_label(names: dict[str, str], value: str) -> str:
    """``value`` from a data table in the current language; unknown values stay as they are."""
    return _(names[value]) if value in names else value


def _name(record: FactorRecord) -> str:
    first, second = (
        (record.name_zh, record.name_en)
        if current_language() == "zh_CN"
        else (record.name_en, record.name_zh)
    )
    return first or second


def _composition(record: FactorRecord) -> str:
    return "; ".join(f"{g.gas}={g.amount:.6g}" for g in record.gases)


ActorOption = Annotated[
    str, typer.Option("--actor", help=_("Who does this (recorded in the history)."))
]


def default_actor() -> str:
    return getpass.getuser()


def register(app: typer.Typer, settings: Settings) -> None:
    factors = typer.Typer(
        help=_("Search, import, review and release emission factors."), no_args_is_help=True
    )

    @factors.command("search", help=_("Search factors by name, synonym, category, region, year."))
    @handles_errors
    def search(
        text: Annotated[str, typer.Argument(help=_("Words in id, name or synonyms."))] = "",
        category: Annotated[str | None, typer.Option(help=_("Category, e.g. fuels."))] = None,
        geography: Annotated[str | None, typer.Option(help=_("Region, e.g. CN-SX."))] = None,
        dimension: Annotated[
            str | None, typer.Option(help=_("Unit dimension, e.g. mass, energy."))
        ] = None,
        year: Annotated[int | None, typer.Option(help=_("Reference year."))] = None,
        release: Annotated[
            str | None, typer.Option(help=_("Search one release (default: published)."))
        ] = None,
        limit: Annotated[int, typer.Option(min=1, max=1000, help=_("At most this many."))] = 50,
        as_json: Annotated[bool, typer.Option("--json", help=_("Print JSON."))] = False,
    ) -> None:
        query = service.SearchQuery(
            text=text,
            category=category,
            geography=geography,
            dimension=dimension,
            year=year,
            release=release,
            limit=limit,
        )
        with database_session(settings) as session:
            records = service.search(session, query)
            if as_json:
                typer.echo(json.dumps([to_row(r) for r in records], ensure_ascii=False, indent=2))
                return
            table = Table(title=_("Emission factors ({count})").format(count=len(records)))
            table.add_column(_("Id"), no_wrap=True)
            table.add_column(_("Name"))
            table.add_column(_("kg CO2e per unit"), justify="right")
            for column in (_("Unit"), _("Region"), _("Year")):
                table.add_column(column, no_wrap=True)
            for r in records:
                table.add_row(
                    r.slug, escape(_name(r)), number(r.co2e), r.unit, r.geography, str(r.year or "")
                )
            Console().print(table)

    @factors.command("show", help=_("Show one factor with its source, quality and history."))
    @handles_errors
    def show(
        slug: Annotated[str, typer.Argument(help=_("Factor id."))],
        version: Annotated[int | None, typer.Option(help=_("Version (default: latest)."))] = None,
        release: Annotated[str | None, typer.Option(help=_("The version in this release."))] = None,
    ) -> None:
        with database_session(settings) as session:
            if release:
                record = service.get_in_release(
                    session, slug=slug, release=service.get_release(session, name=release)
                )
            else:
                record = service.get_version(session, slug=slug, version=version)
            table = Table.grid(padding=(0, 2))
            pedigree = [
                record.reliability,
                record.completeness,
                record.temporal,
                record.geographical,
                record.technological,
            ]
            for label, value in (
                (_("Id"), f"{record.slug} v{record.version} ({record.id})"),
                (_("Flow"), record.flow),
                (_("Name"), f"{record.name_zh} / {record.name_en}"),
                (_("Synonyms"), record.synonyms),
                (_("Category"), record.category),
                (_("Value"), f"{number(record.co2e, 6)} kg CO2e / {record.unit} (AR6)"),
                (_("Composition"), _composition(record)),
                (_("Origin"), data_label(ORIGIN_NAMES, record.gases[0].origin)),
                (_("Boundary"), data_label(FACTOR_BOUNDARIES, record.boundary)),
                (_("Geography"), record.geography),
                (_("Year"), str(record.year or "")),
                (_("Technology"), record.technology),
                (_("Source"), f"{record.source_document}; {record.source_table}"),
                (_("URL"), record.source_url),
                (_("License"), record.license),
                (_("Pedigree (R C T G Te)"), " ".join(str(s) if s else "–" for s in pedigree)),
                (_("Uncertainty"), record.uncertainty),
                (_("Status"), data_label(STATUS_NAMES, record.status)),
                (_("Contributor / reviewer"), f"{record.contributor} / {record.reviewer or '–'}"),
                (_("Notes"), record.notes),
            ):
                table.add_row(label, escape(value or ""))
            Console().print(table)
            history = Table(title=_("History"))
            for column in (_("Version"), _("When"), _("Action"), _("By"), _("Reason")):
                history.add_column(column)
            for version_record, events in service.history(session, slug=slug):
                for event in events:
                    history.add_row(
                        str(version_record.version),
                        event.at.strftime("%Y-%m-%d %H:%M"),
                        event.action,
                        event.actor,
                        escape(event.reason),
                    )
            Console().print(history)

    @factors.command("import", help=_("Import factors from a CSV, XLSX or JSON template file."))
    @handles_errors
    def import_command(
        path: Annotated[Path, typer.Argument(help=_("Factor table (.csv, .xlsx, .json)."))],
        publish: Annotated[
            bool, typer.Option(help=_("Publish at once (curators only); default: drafts."))
        ] = False,
        skip_invalid: Annotated[
            bool, typer.Option(help=_("Import the good rows and report the bad ones."))
        ] = False,
        actor: ActorOption = "",
    ) -> None:
        rows = read_rows(path)
        with database_session(settings) as session:
            report = service.import_factors(
                session,
                rows=rows,
                actor=actor or default_actor(),
                publish=publish,
                skip_invalid=skip_invalid,
            )
        typer.echo(
            _(
                "Imported {created} new factors and {versions} new versions; {unchanged} unchanged."
            ).format(
                created=report.created, versions=report.new_versions, unchanged=report.unchanged
            )
        )
        for loc, message in report.skipped:
            typer.echo(
                _("Skipped row {row} ({column}): {reason}").format(
                    row=loc[0], column=loc[1] if len(loc) > 1 else "", reason=message
                )
            )

    @factors.command("export", help=_("Export a release to CSV, XLSX or JSON."))
    @handles_errors
    def export(
        output: Annotated[Path, typer.Argument(help=_("Output file (.csv, .xlsx or .json)."))],
        release: Annotated[str | None, typer.Option(help=_("Release (default: latest)."))] = None,
    ) -> None:
        with database_session(settings) as session:
            chosen = pick_release(session, release)
            rows = [to_row(r) for r in service.release_factors(session, release=chosen)]
            meta = {
                "release": chosen.name,
                "created_at": chosen.created_at.isoformat(),
                "factor_count": chosen.factor_count,
            }
        write_rows(rows, output, meta=meta)
        typer.echo(
            _("Wrote {count} factors of release {release} to {path}.").format(
                count=len(rows), release=chosen.name, path=output
            )
        )

    @factors.command("release", help=_("Freeze all published factors into a named release."))
    @handles_errors
    def release_command(
        name: Annotated[str, typer.Argument(help=_("Release name, e.g. 2026.2."))],
        notes: Annotated[str, typer.Option(help=_("What changed."))] = "",
        actor: ActorOption = "",
    ) -> None:
        with database_session(settings) as session:
            made = service.create_release(
                session, name=name, actor=actor or default_actor(), notes=notes
            )
        typer.echo(
            _("Release {name}: {count} factors.").format(name=made.name, count=made.factor_count)
        )

    @factors.command("releases", help=_("List the releases."))
    @handles_errors
    def releases() -> None:
        with database_session(settings) as session:
            table = Table(title=_("Factor releases"))
            for column in (_("Release"), _("Factors"), _("Created"), _("By"), _("Notes")):
                table.add_column(column)
            for r in service.list_releases(session):
                table.add_row(
                    r.name,
                    str(r.factor_count),
                    r.created_at.strftime("%Y-%m-%d"),
                    r.created_by,
                    escape(r.notes),
                )
            Console().print(table)

    @factors.command("diff", help=_("Factors added, changed and withdrawn between two releases."))
    @handles_errors
    def diff(
        old: Annotated[str, typer.Argument(help=_("The older release."))],
        new: Annotated[str, typer.Argument(help=_("The newer release."))],
    ) -> None:
        with database_session(settings) as session:
            result = service.diff_releases(session, old=old, new=new)
            table = Table(title=_("Release {old} → {new}").format(old=old, new=new))
            for column in (_("Change"), _("Id"), _("Old"), _("New"), _("Change %")):
                table.add_column(column)
            for r in result.added:
                table.add_row(_("added"), r.slug, "", number(r.co2e), "")
            for c in result.changed:
                change = percent(c.change) if c.change is not None else "–"
                table.add_row(_("changed"), c.slug, number(c.old.co2e), number(c.new.co2e), change)
            for r in result.withdrawn:
                table.add_row(_("withdrawn"), r.slug, number(r.co2e), "", "")
            Console().print(table)

    @factors.command("submit", help=_("Send a draft factor to review."))
    @handles_errors
    def submit(
        slug: Annotated[str, typer.Argument(help=_("Factor id."))], actor: ActorOption = ""
    ) -> None:
        with database_session(settings) as session:
            record = service.submit(session, slug=slug, actor=actor or default_actor())
        typer.echo(_("{slug} v{version} is in review.").format(slug=slug, version=record.version))

    @factors.command("review", help=_("Approve or reject a factor in review."))
    @handles_errors
    def review(
        slug: Annotated[str, typer.Argument(help=_("Factor id."))],
        approve: Annotated[bool, typer.Option("--approve/--reject", help=_("The decision."))],
        reason: Annotated[str, typer.Option(help=_("Why (required to reject)."))] = "",
        actor: ActorOption = "",
    ) -> None:
        with database_session(settings) as session:
            record = service.review(
                session, slug=slug, actor=actor or default_actor(), approve=approve, reason=reason
            )
        typer.echo(
            _("{slug} v{version}: {status}.").format(
                slug=slug, version=record.version, status=data_label(STATUS_NAMES, record.status)
            )
        )

    @factors.command("withdraw", help=_("Withdraw a published factor (releases keep it)."))
    @handles_errors
    def withdraw(
        slug: Annotated[str, typer.Argument(help=_("Factor id."))],
        reason: Annotated[str, typer.Option(help=_("Why it is withdrawn."))],
        actor: ActorOption = "",
    ) -> None:
        with database_session(settings) as session:
            service.withdraw(session, slug=slug, actor=actor or default_actor(), reason=reason)
        typer.echo(_("{slug} withdrawn.").format(slug=slug))

    @factors.command("migrate", help=_("Re-calculate a model with another release and compare."))
    @handles_errors
    def migrate(
        model: Annotated[Path, typer.Argument(help=_("Model file (YAML or JSON)."))],
        old: Annotated[str, typer.Option("--from", help=_("The release it was made with."))],
        new: Annotated[
            str | None, typer.Option("--to", help=_("Target (default: latest)."))
        ] = None,
    ) -> None:
        with database_session(settings) as session:
            report = footprints.compare_releases(session, model, old=old, new=new)
        console = Console()
        console.print(
            _("Total: {old} → {new} kg CO2e ({change}) per {unit}").format(
                old=number(report.old.total),
                new=number(report.new.total),
                change=percent(report.change) if report.change is not None else "–",
                unit=f"{number(report.new.amount)} {report.new.unit}",
            )
        )
        table = Table(
            title=_("Factors that changed ({old} → {new})").format(
                old=report.old_release, new=report.new_release
            )
        )
        for column in (_("Id"), _("Old"), _("New"), _("Change %")):
            table.add_column(column)
        for change in report.factors:
            table.add_row(
                change.id,
                change.old_text,
                change.new_text,
                percent(change.change) if change.change is not None else "–",
            )
        console.print(table)

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

    openlca.register(factors, settings)
    app.add_typer(factors, name="factors")
