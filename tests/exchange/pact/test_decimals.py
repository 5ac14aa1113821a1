"""PACT decimals: plain notation both ways, and signs judged on the value, not on the spec's
broken patterns (implementer's notes §2.3)."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tanji.core.errors import InvalidInput
from tanji.exchange.pact import (
    is_decimal,
    is_non_negative,
    is_non_positive,
    is_positive_non_zero,
    parse_decimal,
    to_decimal_string,
)
from tanji.exchange.pact.decimals import decimal_value

FINITE = st.floats(allow_nan=False, allow_infinity=False)
PLAIN = re.compile(r"-?[0-9]+(\.[0-9]+)?")
# The two patterns as the spec publishes them (alternation not grouped), searched the way
# Python's re.search does; kept here only to show what they let through.
SPEC_NEGATIVE_OR_ZERO = r"^(-\d+(\.\d+)?)|0+(\.0+)?$"
SPEC_POSITIVE_NON_ZERO = r"^[+]?(\d*[1-9]\d*)(\.\d+)?|(0+\.\d*[1-9]\d*)$"


class TestToDecimalString:
    @settings(max_examples=500, deadline=None)
    @given(FINITE)
    def test_round_trip_is_exact_and_plain(self, value: float) -> None:
        text = to_decimal_string(value)
        assert PLAIN.fullmatch(text), text
        assert "e" not in text.lower()
        assert text != "-0"
        back = float(text)
        assert back == value or (value == 0 and back == 0)
        assert abs(back - value) <= 1e-12 * abs(value)

    @settings(max_examples=200, deadline=None)
    @given(st.floats(min_value=-1e12, max_value=1e12), st.integers(min_value=0, max_value=8))
    def test_rounded_to_the_places_asked(self, value: float, digits: int) -> None:
        text = to_decimal_string(value, digits=digits)
        assert PLAIN.fullmatch(text), text
        fraction = text.partition(".")[2]
        assert len(fraction) <= digits
        assert abs(Decimal(text) - Decimal(repr(value))) <= Decimal(1).scaleb(-digits) / 2

    @pytest.mark.parametrize(
        ("value", "text"),
        [
            (1e-20, "0.00000000000000000001"),
            (1.5e22, "15000000000000000000000"),
            (-0.0, "0"),
            (0.1 + 0.2, "0.30000000000000004"),
            (692.178864192, "692.178864192"),
            (1000, "1000"),
            (Decimal("2.50"), "2.5"),
        ],
    )
    def test_known_values(self, value: float, text: str) -> None:
        assert to_decimal_string(value) == text

    def test_rounding_is_half_up_and_drops_zeros(self) -> None:
        assert to_decimal_string(2.345, digits=2) == "2.35"  # repr is 2.345
        assert to_decimal_string(2.5, digits=0) == "3"
        assert to_decimal_string(-0.0001, digits=2) == "0"
        assert to_decimal_string(3.10, digits=4) == "3.1"

    @pytest.mark.parametrize("value", [float("nan"), float("inf"), -float("inf"), True])
    def test_refuses_what_has_no_decimal_form(self, value: float) -> None:
        with pytest.raises(InvalidInput):
            to_decimal_string(value)


class TestParsing:
    @pytest.mark.parametrize("text", ["0", "-1.5", "+2", "0010.250", "123456789012345678901"])
    def test_plain_decimals(self, text: str) -> None:
        assert is_decimal(text)
        assert parse_decimal(text) == Decimal(text)

    @pytest.mark.parametrize(
        "text", ["1e3", "1.2345e+6", ".5", "5.", " 1", "1 ", "", "NaN", "Infinity", "0x10", "1_0"]
    )
    def test_not_plain(self, text: str) -> None:
        assert not is_decimal(text)
        with pytest.raises(InvalidInput):
            decimal_value(text, loc=("pcf", "x"))

    @pytest.mark.parametrize("value", [1.5, 2, None, ["1"]])
    def test_only_strings_are_pact_decimals(self, value: object) -> None:
        assert not is_decimal(value)

    def test_signs(self) -> None:
        assert is_non_negative("0") and is_non_negative("+3.2") and not is_non_negative("-0.1")
        assert is_non_positive("0") and is_non_positive("-3") and not is_non_positive("0.001")
        assert is_positive_non_zero("0.001") and not is_positive_non_zero("0.000")
        assert not is_positive_non_zero("-1")


class TestBrokenSpecPatterns:
    """The cases the notes list: the spec's patterns accept them, Tanji's checks do not."""

    @pytest.mark.parametrize("text", ["10", "abc0"])
    def test_negative_or_zero(self, text: str) -> None:
        assert re.search(SPEC_NEGATIVE_OR_ZERO, text)
        assert not is_non_positive(text)

    @pytest.mark.parametrize("text", ["5abc", "x0.5"])
    def test_positive_non_zero(self, text: str) -> None:
        assert re.search(SPEC_POSITIVE_NON_ZERO, text)
        assert not is_positive_non_zero(text)
