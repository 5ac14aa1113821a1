"""PACT decimals: numbers written as strings in plain notation (``"692.178864192"``).

PACT v3 carries every quantity as a string so no precision is lost in JSON. The spec's
regular expressions for two of its signed types are broken (implementer's notes §2.3:
``NegativeOrZeroDecimal`` accepts ``"10"``, ``PositiveNonZeroDecimal`` accepts ``"5abc"``),
so Tanji parses the string itself and checks the sign on the value, never with those
patterns.
"""

from __future__ import annotations

import math
import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from tanji.core.errors import InvalidInput
from tanji.core.i18n import _

# Plain notation only: an optional sign, digits, and an optional fraction. No exponent,
# no leading or trailing dot, no spaces (the spec's Decimal pattern, anchored at both ends).
PLAIN = re.compile(r"[+-]?[0-9]+(?:\.[0-9]+)?")


def to_decimal_string(value: float | int | Decimal, *, digits: int | None = None) -> str:
    """Write ``value`` as a PACT decimal string in plain notation.

    With ``digits=None`` the shortest text that reads back as the same float is used
    (Python's ``repr``), spelt out without an exponent, so a float survives the round trip
    exactly; ``1e-20`` becomes ``"0.00000000000000000001"``. With ``digits=n`` the value is
    rounded half-up to ``n`` decimal places. Trailing zeros are dropped and ``-0`` is
    written ``"0"``. NaN and infinities have no decimal form and are refused.
    """
    if isinstance(value, bool):
        raise InvalidInput(_("A PACT decimal must be a number, not a boolean."))
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, int):
        number = Decimal(value)
    else:
        number_float = float(value)
        if not math.isfinite(number_float):
            raise InvalidInput(
                _("{value} has no decimal form; PACT needs a finite number.").format(value=value)
            )
        number = Decimal(repr(number_float))
    if not number.is_finite():
        raise InvalidInput(
            _("{value} has no decimal form; PACT needs a finite number.").format(value=value)
        )
    if digits is not None:
        if digits < 0:
            raise InvalidInput(_("The number of decimal places cannot be negative."))
        number = number.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)
    text = format(number, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    if text in ("-0", "+0", ""):
        text = "0"
    return text


def parse_decimal(text: object) -> Decimal | None:
    """The value of a PACT decimal string, or None if ``text`` is not one (plain notation)."""
    if not isinstance(text, str) or not PLAIN.fullmatch(text):
        return None
    try:
        return Decimal(text)
    except InvalidOperation:  # pragma: no cover - PLAIN admits only what Decimal reads
        return None


def is_decimal(text: object) -> bool:
    """Whether ``text`` is a decimal string in plain notation (``"-1.5"``, not ``"1e3"``)."""
    return parse_decimal(text) is not None


def is_non_negative(text: object) -> bool:
    """A decimal ≥ 0 (PACT ``PositiveOrZeroDecimal``), judged on its value."""
    value = parse_decimal(text)
    return value is not None and value >= 0


def is_non_positive(text: object) -> bool:
    """A decimal ≤ 0 (PACT ``NegativeOrZeroDecimal``), judged on its value."""
    value = parse_decimal(text)
    return value is not None and value <= 0


def is_positive_non_zero(text: object) -> bool:
    """A decimal > 0 (PACT ``PositiveNonZeroDecimal``), judged on its value."""
    value = parse_decimal(text)
    return value is not None and value > 0


def decimal_value(text: object, *, loc: tuple[str | int, ...] = ()) -> float:
    """The float value of a PACT decimal string; InvalidInput at ``loc`` when it is not one."""
    value = parse_decimal(text)
    if value is None:
        raise InvalidInput(
            _(
                "'{text}' is not a decimal in plain notation (digits, an optional sign and point)."
            ).format(text=text),
            loc=loc,
        )
    return float(value)
