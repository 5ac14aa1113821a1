"""``tanji report``: write a model's study report (GB/T 24067-2024 structure) as HTML or PDF."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from tanji.cli.errors import handles_errors
from tanji.cli.footprints import NoDbOption, ReleaseOption, factor_source
from tanji.core.errors import InvalidInput
from tanji.core.i18n import _, set_language
from tanji.factors.release_resolver import ReleaseResolver
from tanji.settings import Settings


class Format(StrEnum):
    HTML = "html"
    PDF = "pdf"


def register(app: typer.Typer, settings: Settings) -> None:
    @app.command(
        "report", help=_("Write the study report of a model file (HTML or PDF, GB/T 24067-2024).")
    )
    @handles_errors
    def report(
        path: Annotated[
            Path, typer.Argument(help=_("Model file (YAML or JSON)."), metavar="MODEL")
        ],
        out: Annotated[Path, typer.Option("--out", "-o", help=_("File to write (.html or .pdf)."))],
        format: Annotated[
            Format | None,
            typer.Option("--format", help=_("html or pdf (default: from the extension of --out).")),
        ] = None,
        lang: Annotated[
            str | None,
            typer.Option("--lang", help=_("Language of the report: zh_CN or en.")),
        ] = None,
        mc: Annotated[
            int,
            typer.Option("--mc", min=0, help=_("Monte Carlo iterations (0: none).")),
        ] = 1000,
        seed: Annotated[int, typer.Option("--seed", help=_("Random seed for Monte Carlo."))] = 42,
        organisation: Annotated[
            str, typer.Option("--organisation", help=_("Organisation named on the cover."))
        ] = "",
        title: Annotated[str, typer.Option("--title", help=_("Title of the study."))] = "",
        release: ReleaseOption = None,
        no_db: NoDbOption = False,
    ) -> None:
        from tanji.reports.build import report_from_file
        from tanji.reports.render import render_html, render_pdf

        if lang:
            set_language(lang)
        chosen = format or (Format.PDF if out.suffix.lower() == ".pdf" else Format.HTML)
        with factor_source(settings, no_db=no_db, release=release) as resolver:
            made = report_from_file(
                path,
                resolver=resolver,
                release=resolver.release.name if isinstance(resolver, ReleaseResolver) else None,
                iterations=mc,
                seed=seed,
                organisation=organisation,
                title=title,
            )
        content = render_pdf(made) if chosen is Format.PDF else render_html(made).encode("utf-8")
        try:
            out.write_bytes(content)
        except OSError as error:
            raise InvalidInput(
                _("Cannot write {path}: {error}").format(path=out, error=error.strerror or error),
                loc=("out",),
            ) from None
        typer.echo(
            _("Wrote the {format} report of {product} to {path}.").format(
                format=chosen.value.upper(), product=made.product_id or path.name, path=out
            )
        )
