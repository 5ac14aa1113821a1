"""``tanji calc`` and ``tanji model …``: calculate and check product model files."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from tanji.cli.database import database_session
from tanji.cli.errors import handles_errors
from tanji.cli.render import print_catalogue, print_summary
from tanji.cli.rules import render_report, report_to_dict
from tanji.core.errors import InvalidInput, NotFound
from tanji.core.i18n import _
from tanji.core.model import ProductSystem
from tanji.core.results import Result
from tanji.factors.resolve import FactorResolver, SeedTable
from tanji.footprints import service
from tanji.rules.service import RuleReport, check_study
from tanji.settings import Settings

NoDbOption = Annotated[
    bool,
    typer.Option(
        "--no-db", help=_("Use the factor table shipped with Tanji instead of the database.")
    ),
]
ReleaseOption = Annotated[
    str | None, typer.Option("--release", help=_("Factor release to use (default: latest)."))
]


@contextmanager
def factor_source(
    settings: Settings, *, no_db: bool, release: str | None
) -> Iterator[FactorResolver]:
    """The resolver a command binds factors with: a pinned release, or the shipped table."""
    if no_db:
        if release:
            raise InvalidInput(_("--release needs the database; drop --no-db."), loc=("release",))
        yield SeedTable()
        return
    with database_session(settings) as session:
        yield service.release_resolver(session, release)


def rule_report(system: ProductSystem, result: Result) -> tuple[RuleReport | None, str]:
    """The rule check of a model that names its category, or why there is none."""
    category = system.meta.get("category")
    if not category:
        return None, ""
    try:
        return check_study(system, result), ""
    except NotFound as missing:
        return None, missing.message


def register(app: typer.Typer, settings: Settings) -> None:
    model = typer.Typer(
        help=_("Check product model files and print their schema."), no_args_is_help=True
    )

    @app.command("calc", help=_("Calculate the carbon footprint of a product model file."))
    @handles_errors
    def calc(
        path: Annotated[
            Path, typer.Argument(help=_("Model file (YAML or JSON)."), metavar="MODEL")
        ],
        as_json: Annotated[
            bool, typer.Option("--json", help=_("Print the full result as JSON."))
        ] = False,
        mc: Annotated[
            int, typer.Option("--mc", min=0, help=_("Monte Carlo iterations (0: none)."))
        ] = 0,
        seed: Annotated[int, typer.Option("--seed", help=_("Random seed for Monte Carlo."))] = 42,
        depth: Annotated[
            int, typer.Option("--depth", min=0, help=_("Depth of the supply-chain tree."))
        ] = 4,
        cutoff: Annotated[
            float,
            typer.Option(
                "--cutoff", min=0.0, max=1.0, help=_("Hide tree branches below this share.")
            ),
        ] = 0.01,
        catalogue: Annotated[
            bool,
            typer.Option(
                "--catalogue", help=_("Print the footprint per unit of every product in the model.")
            ),
        ] = False,
        release: ReleaseOption = None,
        no_db: NoDbOption = False,
    ) -> None:
        with factor_source(settings, no_db=no_db, release=release) as resolver:
            if catalogue:
                items = service.catalogue_file(path, resolver=resolver)
                print_catalogue(Console(), items, as_json=as_json)
                return
            system, result = service.study_file(
                path, resolver=resolver, iterations=mc, seed=seed, depth=depth, tree_cutoff=cutoff
            )
        report, note = rule_report(system, result)
        if as_json:
            data = result.to_dict()
            if report is not None:
                data["rule_check"] = report_to_dict(report)
            typer.echo(json.dumps(data, ensure_ascii=False, sort_keys=True, indent=2))
            return
        console = Console()
        print_summary(console, result)
        if report is not None:
            console.print(render_report(report))
        elif note:
            console.print(f"[yellow]{escape(note)}[/]")

    @model.command(
        "validate", help=_("Check a model file: format, units, factors, links and loops.")
    )
    @handles_errors
    def validate(
        path: Annotated[
            Path, typer.Argument(help=_("Model file (YAML or JSON)."), metavar="MODEL")
        ],
        release: ReleaseOption = None,
        no_db: NoDbOption = False,
    ) -> None:
        with factor_source(settings, no_db=no_db, release=release) as resolver:
            summary = service.validate_file(path, resolver=resolver)
        typer.echo(
            _("{path}: valid — {processes} processes, {inputs} inputs, {factors} factors.").format(
                path=path, **summary
            )
        )

    @model.command("schema", help=_("Print the JSON Schema of the model file format."))
    @handles_errors
    def schema() -> None:
        typer.echo(json.dumps(service.model_schema(), ensure_ascii=False, indent=2))

    app.add_typer(model, name="model")
