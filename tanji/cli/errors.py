"""One place where errors become a message line and an exit status."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

import typer
from rich.console import Console
from rich.markup import escape

from tanji.core.errors import TanjiError
from tanji.core.i18n import _

P = ParamSpec("P")
R = TypeVar("R")
EXIT_INVALID = 2

stderr = Console(stderr=True, highlight=False, soft_wrap=True)


def report(error: TanjiError) -> None:
    """Print an error as one line per problem, with the path of the offending field."""
    if hasattr(error, "lines"):
        lines = error.lines()  # ModelError, ImportRejected: one line per problem
    else:
        source = getattr(error, "source", "")
        lines = [f"{source}: {error}" if source else str(error)]
    label = escape(_("error"))
    for line in lines:
        stderr.print(f"[bold red]{label}:[/] {escape(line)}", highlight=False)


def handles_errors(command: Callable[P, R]) -> Callable[P, R]:
    """Wrap a command so a TanjiError prints cleanly and exits 2 (no traceback)."""

    @functools.wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return command(*args, **kwargs)
        except TanjiError as error:
            report(error)
            raise typer.Exit(EXIT_INVALID) from None

    return wrapper
