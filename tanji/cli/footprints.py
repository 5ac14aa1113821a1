"""``tanji calc`` and ``tanji model …``: calculate and check product model files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from tanji.cli.errors import handles_errors
from tanji.cli.render import print_catalogue, print_summary
from tanji.core.i18n import _
from tanji.footprints import service


def register(app: typer.Typer) -> None:
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
    ) -> None:
        if catalogue:
            print_catalogue(Console(), service.catalogue_file(path), as_json=as_json)
            return
        result = service.calculate_file(
            path, iterations=mc, seed=seed, depth=depth, tree_cutoff=cutoff
        )
        if as_json:
            typer.echo(result.to_json(), nl=False)
        else:
            print_summary(Console(), result)

    @model.command(
        "validate", help=_("Check a model file: format, units, factors, links and loops.")
    )
    @handles_errors
    def validate(
        path: Annotated[
            Path, typer.Argument(help=_("Model file (YAML or JSON)."), metavar="MODEL")
        ],
    ) -> None:
        summary = service.validate_file(path)
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
