"""The error tree for all of Tanji; domains subclass these, faces render them.

::

    TanjiError
    ├── InvalidInput(loc=…)        bad data from a user: a field, row or line is named
    │   ├── UnitMismatch           units of different dimensions met in one exchange
    │   └── UnknownReference       a factor id or link that resolves to nothing
    ├── NotFound
    ├── Forbidden
    ├── Conflict
    └── CalculationError           the data are valid but the maths has no answer
        └── SingularSystem         the technosphere matrix cannot be solved; names processes

No HTTP status lives here: the web face maps classes to statuses in one table.
"""

from __future__ import annotations

from collections.abc import Sequence

Loc = tuple[str | int, ...]


def format_loc(loc: Loc) -> str:
    """Render a pydantic-style location as ``processes[2].inputs[0].unit``."""
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


class TanjiError(Exception):
    """Base of every error Tanji raises on purpose; the message is already translated."""

    def __init__(self, message: str, *, loc: Loc = ()) -> None:
        super().__init__(message)
        self.message = message
        self.loc: Loc = tuple(loc)

    def __str__(self) -> str:
        where = format_loc(self.loc)
        return f"{where}: {self.message}" if where else self.message


class InvalidInput(TanjiError):
    """Input that cannot be used as given; ``loc`` points at the offending field.

    ``source`` names the file the input came from, when there is one.
    """

    source: str = ""


class UnitMismatch(InvalidInput):
    """A quantity whose unit cannot convert to the unit it must be expressed in."""


class UnknownReference(InvalidInput):
    """A reference (factor id, process link, GWP set, gas) that resolves to nothing."""


class NotFound(TanjiError):
    """The thing asked for does not exist, or is not visible to the caller."""


class Forbidden(TanjiError):
    """The caller may see the thing but lacks the right for the action."""


class Conflict(TanjiError):
    """The action clashes with the current state (a duplicate, a stale version)."""


class CalculationError(TanjiError):
    """Valid data for which the calculation has no meaningful answer."""


class SingularSystem(CalculationError):
    """The technosphere matrix is singular or ill-conditioned.

    ``processes`` names the processes involved (for example a loop that consumes at least
    as much as it produces), so the user knows where to look.
    """

    def __init__(self, message: str, *, processes: Sequence[str] = (), loc: Loc = ()) -> None:
        super().__init__(message, loc=loc)
        self.processes = tuple(processes)
