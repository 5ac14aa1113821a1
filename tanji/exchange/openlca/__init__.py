"""openLCA JSON-LD packages as cradle-to-gate factors, aggregated by Tanji's own engine."""

from tanji.exchange.openlca.importer import (
    UNIT_NAMES,
    GasMatch,
    Line,
    OlcaPackage,
    aggregate,
    greenhouse_gas,
    import_openlca,
    read_package,
)

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
