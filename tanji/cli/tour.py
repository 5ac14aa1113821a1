"""``tanji tour``: what ``make run`` shows until the web platform exists."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.rule import Rule

from tanji.cli.database import database_session
from tanji.cli.render import number, print_summary
from tanji.core.i18n import _
from tanji.footprints import service
from tanji.settings import Settings


def run_tour(console: Console, examples: Path, settings: Settings) -> None:
    """Seed the embedded database if needed, then calculate every example with it."""
    models = sorted(examples.glob("*.yaml"))
    with database_session(settings) as session:
        resolver = service.release_resolver(session, None)
        console.print(Rule(_("Tanji tour: the shipped example models")))
        console.print(
            _("Factor database: {url}, release {release} ({count} factors)").format(
                url=settings.url, release=resolver.release.name, count=resolver.release.factor_count
            )
        )
        for path in models:
            result = service.calculate_file(path, resolver=resolver)
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
            result = service.calculate_file(first, resolver=resolver, iterations=1000, seed=42)
            print_summary(console, result)
    console.print(
        _(
            "Next: `tanji calc MODEL`, `tanji model validate MODEL`, `tanji factors search 电力`, "
            "`tanji --help`."
        )
    )
