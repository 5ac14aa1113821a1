"""``tanji rules …``: list, show and check product category rules; render findings."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console, Group
from rich.markup import escape
from rich.table import Table

from tanji.cli.database import database_session
from tanji.cli.errors import handles_errors
from tanji.cli.render import number
from tanji.core.i18n import N_, _
from tanji.factors.resolve import SeedTable
from tanji.footprints import service as footprints
from tanji.rules.catalogue import effective, get_rule, list_rules
from tanji.rules.check import STAGE_LABELS, text
from tanji.rules.service import RuleReport, check_study
from tanji.rules.service import report_to_dict as report_to_dict  # re-exported for the CLI
from tanji.settings import Settings

SEVERITY_LABELS = {"error": N_("error"), "warning": N_("warning"), "info": N_("info")}
SEVERITY_STYLE = {"error": "bold red", "warning": "yellow", "info": "dim"}


def render_report(report: RuleReport, *, infos: bool = False) -> Group:
    """Findings (errors and warnings; information on request) and the grade."""
    rule = report.rule
    title = _("Rule {id} {version} ({standard})").format(
        id=rule.id, version=rule.version, standard=rule.standard.id
    )
    table = Table(title=title)
    for column in (_("Severity"), _("Finding"), _("Clause"), _("What to do")):
        table.add_column(column)
    shown = [f for f in report.findings if infos or f.severity != "info"]
    for finding in shown:
        style = SEVERITY_STYLE[finding.severity]
        label = escape(_(SEVERITY_LABELS[finding.severity]))
        where = f" [dim]({escape(finding.where)})[/]" if finding.where else ""
        table.add_row(
            f"[{style}]{label}[/]",
            escape(finding.message) + where,
            escape(finding.clause),
            escape(finding.action),
        )
    parts: list = [table] if shown else []
    verdict = (
        _("No errors: the study can be submitted for certification.")
        if report.submittable
        else _("The study has errors and cannot be submitted for certification.")
    )
    parts.append(f"[{'green' if report.submittable else 'bold red'}]{escape(verdict)}[/]")
    grade = report.grade
    if grade is not None:
        shown_grade = str(grade.grade) if grade.grade is not None else "–"
        parts.append(
            escape(
                _("Grade {grade} {label} — {value} kg CO2e per {unit}. {why} Source: {source}"
                  " (scheme {scheme} {version}).").format(
                    grade=shown_grade, label=f"({grade.label})" if grade.label else "",
                    value=number(grade.value), unit=grade.unit, why=grade.explanation,
                    source=grade.source, scheme=grade.scheme, version=grade.version,
                )
            )
        )  # fmt: skip
    return Group(*parts)


def register(app: typer.Typer, settings: Settings) -> None:
    rules = typer.Typer(help=_("Product category rules: list, show and check."),
                        no_args_is_help=True)  # fmt: skip

    @rules.command("list", help=_("List the product category rules."))
    @handles_errors
    def list_command() -> None:
        table = Table(title=_("Product category rules"))
        for column in (_("Id"), _("Name"), _("Standard"), _("Kind"), _("Unit"), _("Version")):
            table.add_column(column)
        for rule in list_rules():
            unit = f"{rule.unit.amount:g} {rule.unit.unit}" if rule.unit else "—"
            table.add_row(rule.id, escape(text(rule.names)), escape(rule.standard.id),
                          rule.standard.kind, unit, rule.version)  # fmt: skip
        Console().print(table)

    @rules.command("show", help=_("Show what a rule asks of a study."))
    @handles_errors
    def show(rule_id: Annotated[str, typer.Argument(help=_("Rule id, e.g. cement."))]) -> None:
        rule = effective(get_rule(rule_id))
        console = Console()
        console.print(f"[bold]{escape(text(rule.names))}[/] — {escape(rule.standard.id)} "
                      f"({escape(text(rule.standard.title))}), {rule.version}")  # fmt: skip
        if rule.standard.note:
            console.print(escape(rule.standard.note))
        if rule.unit:
            console.print(_("Unit: {amount:g} {unit} ({kind})").format(
                amount=rule.unit.amount, unit=rule.unit.unit, kind=rule.unit.kind))  # fmt: skip
        console.print(_("Boundary: {values}").format(
            values=", ".join(b.value for b in rule.boundaries)))  # fmt: skip
        if rule.stages:
            console.print(_("Stages: {values}").format(
                values=", ".join(_(STAGE_LABELS[s.value]) for s in rule.stages)))  # fmt: skip
        table = Table(title=_("Required items"))
        for column in (_("Id"), _("Item"), _("Clause"), _("What to do")):
            table.add_column(column)
        for item in rule.requirements:
            table.add_row(item.id, escape(text(item.name)), escape(item.clause),
                          escape(text(item.advice)))  # fmt: skip
        console.print(table)
        console.print(_("Cut-offs: ≤ {each:.0%} per input, ≤ {total:.0%} in total.").format(
            each=rule.cutoff.each, total=rule.cutoff.total))  # fmt: skip
        if rule.allocation:
            console.print(_("Allocation: {methods}").format(
                methods=", ".join(m.value for m in rule.allocation.methods)))  # fmt: skip
        for item in rule.reporting:
            console.print("• " + escape(text(item)))

    @rules.command("check", help=_("Check a model file against its product rule."))
    @handles_errors
    def check_command(
        path: Annotated[Path, typer.Argument(help=_("Model file (YAML or JSON)."),
                                             metavar="MODEL")],
        rule_id: Annotated[str | None, typer.Option("--rule",
                           help=_("Rule id (default: the model's category)."))] = None,
        infos: Annotated[bool, typer.Option("--all", help=_("Show information items too."))]
        = False,
        no_db: Annotated[bool, typer.Option("--no-db",
                         help=_("Use the factor table shipped with Tanji."))] = False,
    ) -> None:  # fmt: skip
        if no_db:
            system, result = footprints.study_file(path, resolver=SeedTable())
        else:
            with database_session(settings) as session:
                resolver = footprints.release_resolver(session, None)
                system, result = footprints.study_file(path, resolver=resolver)
        report = check_study(system, result, rule_id=rule_id)
        Console().print(render_report(report, infos=infos))
        if not report.submittable:
            raise typer.Exit(1)

    app.add_typer(rules, name="rules")
