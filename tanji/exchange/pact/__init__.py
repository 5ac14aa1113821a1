"""PACT (Partnership for Carbon Transparency) footprints: out to customers, in from suppliers.

The data model of the PACT Technical Specifications v3.0.3 (and v2.3.3 for partners still
on it): :func:`to_pact_v3` / :func:`to_pact_v2` write a calculation as a ProductFootprint,
:func:`validate_v3` / :func:`validate_v2` check one, and :func:`read_pact` turns a
supplier's footprint into a primary-data factor. Pure mapping: no web, no database here;
the PACT HTTP API lives in the web face. See ``docs/pact.md``.
"""

from tanji.exchange.pact.decimals import (
    is_decimal,
    is_non_negative,
    is_non_positive,
    is_positive_non_zero,
    parse_decimal,
    to_decimal_string,
)
from tanji.exchange.pact.importer import (
    PactFootprint,
    inline_factor_for_model,
    read_pact,
    read_pacts,
)
from tanji.exchange.pact.mapping import (
    PACT_UNITS,
    PactSource,
    Verification,
    pact_geography,
    pact_unit_for,
    source_from_calculation,
    supersede,
    to_pact_v2,
    to_pact_v3,
    verification_from_certificate,
)
from tanji.exchange.pact.validation import (
    PactInvalid,
    Problem,
    check_v2,
    check_v3,
    validate_v2,
    validate_v3,
)

__all__ = [
    "PACT_UNITS",
    "PactFootprint",
    "PactInvalid",
    "PactSource",
    "Problem",
    "Verification",
    "check_v2",
    "check_v3",
    "inline_factor_for_model",
    "is_decimal",
    "is_non_negative",
    "is_non_positive",
    "is_positive_non_zero",
    "pact_geography",
    "pact_unit_for",
    "parse_decimal",
    "read_pact",
    "read_pacts",
    "source_from_calculation",
    "supersede",
    "to_decimal_string",
    "to_pact_v2",
    "to_pact_v3",
    "validate_v2",
    "validate_v3",
    "verification_from_certificate",
]
