"""``tanji serve``: prepare the database, print the address and demo logins, serve."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from tanji.cli.errors import handles_errors
from tanji.core.i18n import _
from tanji.settings import Settings


def register(app: typer.Typer, settings: Settings) -> None:
    @app.command("serve", help=_("Start the web platform (pages and REST API)."))
    @handles_errors
    def serve(
        host: Annotated[str | None, typer.Option(help=_("Address to listen on."))] = None,
        port: Annotated[int | None, typer.Option(help=_("Port to listen on."))] = None,
        demo: Annotated[
            bool, typer.Option("--demo", help=_("Seed the demo organisations and people."))
        ] = False,
        certfile: Annotated[
            Path | None, typer.Option(help=_("TLS certificate (PEM) to serve HTTPS."))
        ] = None,
        keyfile: Annotated[Path | None, typer.Option(help=_("TLS private key (PEM)."))] = None,
    ) -> None:
        import uvicorn

        from tanji.accounts.demo import demo_logins
        from tanji.accounts.policy import role_name
        from tanji.web.app import create_app

        chosen = settings.model_copy(
            update={
                "host": host or settings.host,
                "port": port or settings.port,
                "demo": demo or settings.demo,
                "secure_cookies": settings.secure_cookies or certfile is not None,
                "pact_worker": True,  # the running platform answers PACT events
            }
        )
        web = create_app(chosen)
        console = Console()
        scheme = "https" if certfile else "http"
        url = f"{scheme}://{chosen.host}:{chosen.port}"
        console.print(_("Tanji is running at [bold]{url}[/bold]").format(url=url))
        console.print(_("API schema: {url}/api/openapi.json").format(url=url))
        if chosen.demo:
            table = Table(title=_("Demo logins"), show_lines=False)
            table.add_column(_("Username"), no_wrap=True)  # copied by hand: never cut
            table.add_column(_("Password"), no_wrap=True)
            table.add_column(_("Organisation"), overflow="fold")
            table.add_column(_("Role"), overflow="fold")
            for login in demo_logins():
                table.add_row(
                    login.username, login.password, login.organisation, role_name(login.role)
                )
            console.print(table)
        console.print(_("Press Ctrl+C to stop."))
        uvicorn.run(
            web,
            host=chosen.host,
            port=chosen.port,
            log_level="warning",
            ssl_certfile=str(certfile) if certfile else None,
            ssl_keyfile=str(keyfile) if keyfile else None,
        )
