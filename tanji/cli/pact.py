"""``tanji pact``: check PACT files, read a partner's footprints, run the outbox."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from tanji.cli.database import database_session
from tanji.cli.errors import handles_errors
from tanji.core.errors import InvalidInput
from tanji.core.i18n import _
from tanji.settings import Settings


def register(app: typer.Typer, settings: Settings) -> None:
    pact = typer.Typer(
        name="pact",
        help=_("Exchange footprints in the WBCSD PACT format (v3.0 and v2.3)."),
        no_args_is_help=True,
    )
    app.add_typer(pact)

    @pact.command("validate", help=_("Check a PACT file against the spec; name every problem."))
    @handles_errors
    def validate_command(
        file: Annotated[Path, typer.Argument(help=_("A PACT JSON file."), exists=True)],
    ) -> None:
        from tanji.exchange.pact.importer import read_pacts

        footprints = read_pacts(file.read_bytes(), allow_deprecated=True)
        out = Console(highlight=False, soft_wrap=True)
        for footprint in footprints:
            out.print(
                escape(
                    _("{id}: valid PACT {version}, {total} kg CO2e per {amount} {unit}").format(
                        id=footprint.id,
                        version=footprint.spec_version,
                        total=f"{footprint.total:g}",
                        amount=f"{footprint.declared_amount:g}",
                        unit=footprint.declared_unit,
                    )
                )
            )

    @pact.command("show", help=_("Print a footprint published on this platform as PACT JSON."))
    @handles_errors
    def show_command(
        footprint_id: Annotated[str, typer.Argument(help=_("The PACT id (a UUID)."))],
        v2: Annotated[bool, typer.Option("--v2", help=_("In PACT v2.3 instead of v3.0."))] = False,
    ) -> None:
        from tanji.exchange.pact import service
        from tanji.exchange.pact.models import PublishedFootprint

        try:
            wanted = uuid.UUID(footprint_id)
        except ValueError:
            raise InvalidInput(
                _("'{value}' is not a UUID.").format(value=footprint_id), loc=("footprint_id",)
            ) from None
        with database_session(settings) as session:
            found = session.get(PublishedFootprint, wanted)
            if found is None:
                raise InvalidInput(
                    _("No footprint {id}.").format(id=footprint_id), loc=("footprint_id",)
                )
            doc = service.v2_document_of(session, found) if v2 else service.document_of(found)
        typer.echo(json.dumps({"data": doc}, ensure_ascii=False, indent=2))

    @pact.command("fetch", help=_("List the footprints a partner's PACT system offers you."))
    @handles_errors
    def fetch_command(
        base_url: Annotated[str, typer.Argument(help=_("The partner's base address (https)."))],
        client_id: Annotated[str, typer.Option(help=_("Client id the partner issued."))],
        client_secret: Annotated[
            str, typer.Option(help=_("Client secret."), envvar="TANJI_PACT_SECRET")
        ],
        version: Annotated[str, typer.Option(help=_("PACT version: 3 or 2."))] = "3",
        limit: Annotated[
            int, typer.Option(min=1, max=1000, help=_("Footprints per page asked for."))
        ] = 100,
        ca_file: Annotated[
            Path | None, typer.Option(help=_("Extra CA certificates (PEM)."))
        ] = None,
        output: Annotated[
            Path | None, typer.Option("--output", "-o", help=_("Write the JSON here."))
        ] = None,
    ) -> None:
        from tanji.exchange.pact.client import PactClient

        client = PactClient(
            base_url=base_url,
            client_id=client_id,
            client_secret=client_secret,
            ca_file=str(ca_file or settings.pact_ca_file or "") or None,
        )
        docs = client.list_footprints(version=version, query={"limit": limit})
        text = json.dumps({"data": docs}, ensure_ascii=False, indent=2)
        if output:
            output.write_text(text, encoding="utf-8")
            typer.echo(_("{n} footprints written to {path}.").format(n=len(docs), path=output))
        else:
            typer.echo(text)

    @pact.command("jobs", help=_("The platform's calls to partner systems and their state."))
    @handles_errors
    def jobs_command() -> None:
        from sqlalchemy import select

        from tanji.exchange.pact.models import OutboxJob

        with database_session(settings) as session:
            jobs = session.scalars(
                select(OutboxJob).order_by(OutboxJob.created_at.desc()).limit(100)
            ).all()
            rows = [
                (str(j.id)[:8], j.kind, j.state, str(j.attempts), j.url, j.last_error[:60])
                for j in jobs
            ]
        table = Table(title=_("Calls to partner systems"))
        for column in (_("Job"), _("Call"), _("State"), _("Attempts"), _("Address"), _("Error")):
            table.add_column(column, overflow="fold")
        for row in rows:
            table.add_row(*row)
        Console(highlight=False).print(table)

    @pact.command(
        "run-outbox", help=_("Make the due calls to partner systems once (instead of tanji serve).")
    )
    @handles_errors
    def run_outbox_command() -> None:
        from tanji.bootstrap import ready_engine
        from tanji.db.session import session_factory
        from tanji.exchange.pact import events, outbox
        from tanji.exchange.pact.client import PactClient

        engine = ready_engine(settings)
        try:
            tried = outbox.run_due(
                session_factory(engine),
                client_for=lambda c: PactClient(
                    base_url=c.base_url,
                    client_id=c.client_id,
                    client_secret=c.client_secret,
                    token_url=c.token_url,
                    ca_file=str(settings.pact_ca_file) if settings.pact_ca_file else None,
                ),
                deliver=events.deliver_fetched,
            )
        finally:
            engine.dispose()
        typer.echo(_("{n} calls tried.").format(n=tried))
