"""``tanji tour``: what ``make run`` shows until the web platform exists."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.rule import Rule

from tanji.cli.render import number, print_summary
from tanji.core.i18n import _
from tanji.footprints import service


def run_tour(console: Console, examples: Path) -> None:
    models = sorted(examples.glob("*.yaml"))
    console.print(Rule(_("Tanji tour: the shipped example models")))
    for path in models:
        result = service.calculate_file(path)
        console.print(
            f"  {path.name:28} {number(result.total):>12} "
            + _("kg CO2e per {unit}").format(unit=f"{number(result.amount)} {result.unit}")
        )
    if models:
        first = models[0]
        console.print(
            Rule(
                _("Full result of {name}, with 1,000 Monte Carlo iterations").format(
                    name=first.name
                )
            )
        )
        print_summary(console, service.calculate_file(first, iterations=1000, seed=42))
    console.print(_("Next: `tanji calc MODEL`, `tanji model validate MODEL`, `tanji --help`."))
