"""``tanji db …``: migrate and seed the database."""

from __future__ import annotations

from typing import Annotated

import typer

from tanji.cli.errors import handles_errors
from tanji.core.i18n import _
from tanji.db.engine import make_engine
from tanji.db.migrate import current_revision, head_revision, upgrade
from tanji.db.session import session_scope
from tanji.factors import service
from tanji.factors.seed import seed_factors
from tanji.settings import Settings


def register(app: typer.Typer, settings: Settings) -> None:
    db = typer.Typer(help=_("Create, migrate and seed the database."), no_args_is_help=True)

    @db.command("upgrade", help=_("Migrate the database schema to the current version."))
    @handles_errors
    def upgrade_command() -> None:
        engine = make_engine(settings.url)
        before = current_revision(engine)
        upgrade(engine)
        after = current_revision(engine)
        typer.echo(
            _("Database schema: {before} → {after}.").format(before=before or "∅", after=after)
        )

    @db.command("seed", help=_("Load the shipped, cited emission factors and their release."))
    @handles_errors
    def seed_command(
        demo: Annotated[
            bool,
            typer.Option(
                "--demo", help=_("Also create the demo organisations, people and studies.")
            ),
        ] = False,
    ) -> None:
        engine = make_engine(settings.url)
        if current_revision(engine) != head_revision(engine):
            upgrade(engine)
        with session_scope(engine) as session:
            report = seed_factors(session)
        typer.echo(
            _(
                "Seed factors: {created} new, {versions} new versions, {unchanged} unchanged; "
                "release {release}{created_note}."
            ).format(
                created=report.imported.created,
                versions=report.imported.new_versions,
                unchanged=report.imported.unchanged,
                release=report.release,
                created_note=_(" (created)") if report.release_created else "",
            )
        )
        if demo:
            from tanji.bootstrap import seed_demo

            seed_demo(engine)
            typer.echo(_("Demo organisations, people and studies are in place."))

    @db.command("status", help=_("Show the database URL, schema version and releases."))
    @handles_errors
    def status_command() -> None:
        engine = make_engine(settings.url)
        typer.echo(_("Database: {url}").format(url=engine.url.render_as_string(hide_password=True)))
        current, head = current_revision(engine), head_revision(engine)
        typer.echo(
            _("Schema: {current} (current version {head})").format(
                current=current or "∅", head=head
            )
        )
        if current == head:
            with session_scope(engine) as session:
                for release in service.list_releases(session):
                    typer.echo(
                        _("Release {name}: {count} factors, {date}").format(
                            name=release.name,
                            count=release.factor_count,
                            date=release.created_at.date().isoformat(),
                        )
                    )

    app.add_typer(db, name="db")
