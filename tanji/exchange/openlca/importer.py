"""Import an openLCA JSON-LD package's processes as cradle-to-gate factors.

openLCA's own results are never read: Tanji recomputes every inventory with its engine.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session

from tanji.core.errors import InvalidInput
from tanji.exchange.openlca.aggregation import aggregate
from tanji.exchange.openlca.reader import read_package
from tanji.factors import service
from tanji.factors.service import ImportReport


def import_openlca(
    session: Session, *, path: Path, actor: str, publish: bool = False
) -> ImportReport:
    """Aggregate every process of a JSON-LD package and import the rows as factors.

    Drafts by default, like any contributor import; ``publish`` is for curators.
    """
    rows = aggregate(read_package(path))
    try:
        return service.import_factors(
            session, rows=list(enumerate(rows, start=1)), actor=actor, publish=publish
        )
    except InvalidInput as exc:
        exc.source = Path(path).name
        raise
