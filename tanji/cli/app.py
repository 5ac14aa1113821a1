"""The ``tanji`` command: a Typer app built after the language is chosen."""

from __future__ import annotations

import sys
from importlib.resources import files
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from tanji import __version__
from tanji.core.i18n import _, set_language
from tanji.settings import Settings


def create_app(settings: Settings | None = None) -> typer.Typer:
    """Build the command tree; help texts are translated in the current language."""
    from tanji.cli import db, factors, footprints, labels, pact, report, rules, serve

    settings = settings or Settings()

    app = typer.Typer(
        name="tanji",
        help=_("Tanji (碳迹): product carbon footprints per GB/T 24067-2024 / ISO 14067."),
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
    )

    @app.callback()
    def root(
        lang: Annotated[
            str | None,
            typer.Option("--lang", help=_("Language of messages: zh_CN or en.")),
        ] = None,
    ) -> None:
        if lang:
            set_language(lang)

    @app.command("version", help=_("Print the version of Tanji and of its engine."))
    def version() -> None:
        from tanji.core.version import ENGINE_VERSION

        typer.echo(
            _("tanji {version} (engine {engine})").format(
                version=__version__, engine=ENGINE_VERSION
            )
        )

    @app.command("tour", help=_("A short tour: validate and calculate a shipped example."))
    def tour() -> None:
        from tanji.cli.tour import run_tour

        run_tour(Console(), examples_dir(), settings)

    footprints.register(app, settings)
    factors.register(app, settings)
    db.register(app, settings)
    serve.register(app, settings)
    rules.register(app, settings)
    report.register(app, settings)
    labels.register(app, settings)
    pact.register(app, settings)
    return app


def examples_dir() -> Path:
    """The example models: the checkout's ``examples/``, else the packaged copies."""
    checkout = Path(__file__).resolve().parents[2] / "examples"
    if checkout.is_dir():
        return checkout
    return Path(str(files("tanji") / "data" / "examples"))


def _lang_option(args: list[str]) -> str | None:
    """The value of ``--lang`` in ``args``, if any (``--lang en`` or ``--lang=en``)."""
    for index, arg in enumerate(args):
        if arg == "--":
            break
        if arg == "--lang" and index + 1 < len(args):
            return args[index + 1]
        if arg.startswith("--lang="):
            return arg.partition("=")[2]
    return None


def main(argv: list[str] | None = None) -> None:
    args = argv if argv is not None else sys.argv[1:]
    settings = Settings()
    # Help texts are translated when the app is built, so --lang must be known before.
    set_language(_lang_option(args) or settings.lang)
    app = create_app(settings)
    app(args=args, prog_name="tanji")
