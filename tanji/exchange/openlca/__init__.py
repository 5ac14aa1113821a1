"""openLCA JSON-LD packages as cradle-to-gate factors, aggregated by Tanji's own engine.

``reader`` reads and checks a package, ``gases`` maps its units and greenhouse-gas flows,
``aggregation`` links the processes into one product system and solves it, ``rows`` writes
each process's factor-template row, and ``importer`` stores the rows as factors.
"""

from tanji.exchange.openlca.aggregation import aggregate
from tanji.exchange.openlca.gases import UNIT_NAMES, GasMatch, greenhouse_gas
from tanji.exchange.openlca.importer import import_openlca
from tanji.exchange.openlca.reader import Line, OlcaPackage, read_package

__all__ = [
    "UNIT_NAMES",
    "GasMatch",
    "Line",
    "OlcaPackage",
    "aggregate",
    "greenhouse_gas",
    "import_openlca",
    "read_package",
]
