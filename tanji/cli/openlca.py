"""``tanji factors import-openlca``: openLCA JSON-LD processes as cradle-to-gate factors."""

from __future__ import annotations

import getpass
from pathlib import Path
from typing import Annotated

import typer

from tanji.cli.database import database_session
from tanji.cli.errors import handles_errors
from tanji.core.i18n import _
from tanji.exchange.openlca import import_openlca
from tanji.settings import Settings


def register(factors_group: typer.Typer, settings: Settings) -> None:
    """Add ``import-openlca`` to the ``tanji factors`` group."""

    @factors_group.command(
        "import-openlca",
        help=_(
            "Aggregate each process of an openLCA JSON-LD export into a cradle-to-gate factor "
            "with Tanji's engine, and import the factors."
        ),
    )
    @handles_errors
    def import_openlca_command(
        path: Annotated[
            Path, typer.Argument(help=_("openLCA JSON-LD export (.zip, or its unzipped folder)."))
        ],
        publish: Annotated[
            bool, typer.Option(help=_("Publish at once (curators only); default: drafts."))
        ] = False,
        actor: Annotated[
            str, typer.Option("--actor", help=_("Who does this (recorded in the history)."))
        ] = "",
    ) -> None:
        with database_session(settings) as session:
            report = import_openlca(
                session, path=path, actor=actor or getpass.getuser(), publish=publish
            )
        typer.echo(
            _(
                "Imported {created} new factors and {versions} new versions; {unchanged} unchanged."
            ).format(
                created=report.created, versions=report.new_versions, unchanged=report.unchanged
            )
        )
