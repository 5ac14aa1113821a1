"""The PACT v2 ``$filter`` subset: the spec's examples, each operator and property, the
errors (BadRequest vs NotImplemented, with a position), and properties of the parser."""

from __future__ import annotations

import copy
import datetime as dt
import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tanji.core.errors import InvalidInput
from tanji.core.i18n import set_language
from tanji.exchange.pact import to_pact_v2
from tanji.exchange.pact.odata import (
    MAX_DEPTH,
    MAX_LENGTH,
    AnyEquals,
    Comparison,
    Conjunction,
    ODataError,
    parse_filter,
)

from .examples import source_for

Doc = dict[str, Any]
COMPANY = "urn:pact:company:customcode:vendor-assigned:SX-0001"
PRODUCT = "urn:pact:tanji:product-id:cement"


@pytest.fixture
def doc() -> Doc:
    """A v2 document trimmed to what the filter reads, with every filterable field set."""
    return {
        "created": "2023-06-01T12:00:00Z",
        "updated": "2024-02-01T00:00:00.000Z",
        "productCategoryCpc": "3744",
        "companyIds": [COMPANY, "urn:pact:company:customcode:buyer-assigned:B-7"],
        "productIds": [PRODUCT],
        "pcf": {
            "geographyCountry": "FR",
            "referencePeriodStart": "2022-01-01T00:00:00Z",
            "referencePeriodEnd": "2023-01-01T00:00:00+08:00",
        },
    }


def matches(text: str, doc: Doc) -> bool:
    return parse_filter(text).matches(doc)


def error(text: str) -> ODataError:
    with pytest.raises(ODataError) as caught:
        parse_filter(text)
    return caught.value


class TestSpecExamples:
    """The ``$filter`` examples of PACT v2 (ListFootprints) and of its conformance tool."""

    def test_geography(self, doc: Doc) -> None:
        assert matches("pcf/geographyCountry eq 'FR'", doc)
        assert not matches("pcf/geographyCountry eq 'DE'", doc)

    def test_geography_and_updated(self, doc: Doc) -> None:
        text = "(pcf/geographyCountry eq 'FR') and (updated lt '2023-01-01T00:00:00.000Z')"
        assert not matches(text, doc)
        doc["updated"] = "2022-12-31T23:59:59Z"
        assert matches(text, doc)

    def test_cpc(self, doc: Doc) -> None:
        assert matches("productCategoryCpc eq '3744'", doc)
        assert not matches("productCategoryCpc eq '3342'", doc)

    def test_company_id_with_a_parenthesised_body(self, doc: Doc) -> None:
        assert matches(f"companyIds/any(companyId:(companyId eq '{COMPANY}'))", doc)
        assert not matches("companyIds/any(companyId:(companyId eq 'urn:other'))", doc)

    def test_product_id(self, doc: Doc) -> None:
        assert matches(f"productIds/any(productId:(productId eq '{PRODUCT}'))", doc)
        assert matches(f"productIds/any(p: p eq '{PRODUCT}')", doc)
        assert not matches("productIds/any(p: p eq 'urn:pact:tanji:product-id:steel')", doc)

    def test_created_ge_on_a_mapped_document(self) -> None:
        """Conformance test 20: ``created ge '<first created>'`` keeps that footprint."""
        mapped = to_pact_v2(source_for("portland-cement.yaml"))
        assert matches(f"created ge '{mapped['created']}'", mapped)
        assert not matches(f"created gt '{mapped['created']}'", mapped)
        assert matches("pcf/geographyCountry eq 'CN' and productCategoryCpc eq '3744'", mapped)


class TestComparison:
    @pytest.mark.parametrize(
        ("op", "expected"),
        [("eq", True), ("lt", False), ("le", True), ("gt", False), ("ge", True)],
    )
    def test_each_operator_on_an_equal_instant(self, doc: Doc, op: str, expected: bool) -> None:
        assert matches(f"created {op} 2023-06-01T12:00:00Z", doc) is expected

    @pytest.mark.parametrize(
        ("op", "expected"),
        [("eq", False), ("lt", True), ("le", True), ("gt", False), ("ge", False)],
    )
    def test_each_operator_on_a_later_instant(self, doc: Doc, op: str, expected: bool) -> None:
        assert matches(f"created {op} 2023-06-01T12:00:00.001Z", doc) is expected

    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("created gt 2023-06-01", True),
            ("created lt 2023-06-02", True),
            ("updated eq 2024-02-01", True),
            ("updated eq '2024-02-01'", True),
            ("updated eq 2024-02-01T08:00:00+08:00", True),
            ("pcf/referencePeriodStart ge 2022-01-01T00:00:00.000Z", True),
            ("pcf/referencePeriodStart gt '2022-01-01T00:00:00Z'", False),
            # 2023-01-01T00:00:00+08:00 is 2022-12-31T16:00:00Z: compared as instants.
            ("pcf/referencePeriodEnd lt 2023-01-01", True),
            ("pcf/referencePeriodEnd eq 2022-12-31T16:00:00Z", True),
        ],
    )
    def test_instants(self, doc: Doc, text: str, expected: bool) -> None:
        assert matches(text, doc) is expected

    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("productCategoryCpc eq '3744'", True),
            ("productCategoryCpc eq '374'", False),
            ("productCategoryCpc lt '3745'", True),
            ("productCategoryCpc le '3744'", True),
            ("productCategoryCpc gt '374'", True),
            ("productCategoryCpc ge '38'", False),
            ("pcf/geographyCountry eq 'fr'", False),  # exact, unlike v3's filters
            ("pcf/geographyCountry gt 'DE'", True),
            ("pcf/geographyCountry lt 'DE'", False),
        ],
    )
    def test_strings_exactly_and_lexicographically(
        self, doc: Doc, text: str, expected: bool
    ) -> None:
        assert matches(text, doc) is expected

    def test_quote_escaped_by_doubling(self, doc: Doc) -> None:
        doc["productCategoryCpc"] = "it's"
        spaced = parse_filter("productCategoryCpc  eq\t'it''s'")
        assert parse_filter("productCategoryCpc eq 'it''s'").expression == spaced.expression
        assert matches("productCategoryCpc eq 'it''s'", doc)
        assert matches("productCategoryCpc eq ''", {"productCategoryCpc": ""})

    @pytest.mark.parametrize(
        "text",
        [
            "updated lt 2030-01-01",
            "pcf/geographyCountry eq 'FR'",
            "pcf/referencePeriodEnd gt 2000-01-01",
            "productCategoryCpc eq '3744'",
        ],
    )
    def test_a_missing_property_never_matches(self, doc: Doc, text: str) -> None:
        trimmed = copy.deepcopy(doc)
        trimmed.pop("updated")
        trimmed.pop("productCategoryCpc")
        trimmed["pcf"] = {}
        assert matches(text, doc)
        assert not matches(text, trimmed)
        assert not matches(text, {})

    def test_a_value_of_the_wrong_type_never_matches(self, doc: Doc) -> None:
        assert not matches("created lt 2030-01-01", {"created": "yesterday"})
        assert not matches("created lt 2030-01-01", {"created": "2023-01-01T00:00:00"})
        assert not matches("productCategoryCpc eq '3744'", {"productCategoryCpc": 3744})
        assert not matches("pcf/geographyCountry eq 'FR'", {"pcf": "FR"})

    def test_a_datetime_object_in_the_document_is_compared_too(self) -> None:
        moment = dt.datetime(2023, 6, 1, 12, tzinfo=dt.UTC)
        assert matches("created eq 2023-06-01T12:00:00Z", {"created": moment})
        assert not matches(
            "created eq 2023-06-01T12:00:00Z", {"created": moment.replace(tzinfo=None)}
        )

    def test_the_parsed_tree(self) -> None:
        parsed = parse_filter("pcf/geographyCountry eq 'FR'")
        assert parsed.text == "pcf/geographyCountry eq 'FR'"
        assert parsed.expression == Comparison(("pcf", "geographyCountry"), "eq", "FR")


class TestAny:
    def test_any_element_may_match(self, doc: Doc) -> None:
        second = "urn:pact:company:customcode:buyer-assigned:B-7"
        assert matches(f"companyIds/any(c: c eq '{second}')", doc)

    def test_body_may_be_wrapped_in_several_parentheses(self, doc: Doc) -> None:
        assert parse_filter(f"companyIds/any(x: ((x eq '{COMPANY}')))").expression == (
            AnyEquals("companyIds", COMPANY)
        )

    def test_matching_is_exact(self, doc: Doc) -> None:
        assert not matches(f"companyIds/any(x: x eq '{COMPANY.upper()}')", doc)
        assert not matches("companyIds/any(x: x eq 'urn:pact')", doc)

    def test_a_missing_or_odd_collection_never_matches(self) -> None:
        text = f"companyIds/any(x: x eq '{COMPANY}')"
        assert not matches(text, {})
        assert not matches(text, {"companyIds": COMPANY})  # a string, not a list
        assert matches(text, {"companyIds": (COMPANY,)})


class TestConjunction:
    def test_any_number_of_parts(self, doc: Doc) -> None:
        text = (
            "created ge 2023-01-01 and created lt 2024-01-01 and productCategoryCpc eq '3744'"
            f" and companyIds/any(c: c eq '{COMPANY}') and pcf/geographyCountry eq 'FR'"
        )
        parsed = parse_filter(text)
        assert isinstance(parsed.expression, Conjunction)
        assert len(parsed.expression.parts) == 5
        assert parsed.matches(doc)
        doc["pcf"]["geographyCountry"] = "DE"
        assert not parsed.matches(doc)

    def test_grouping_does_not_change_the_meaning(self, doc: Doc) -> None:
        flat = "created ge 2023-01-01 and created lt 2024-01-01 and updated gt 2024-01-01"
        grouped = "(created ge 2023-01-01 and (created lt 2024-01-01)) and (updated gt 2024-01-01)"
        assert matches(flat, doc) and matches(grouped, doc)
        doc["updated"] = "2023-12-31T00:00:00Z"
        assert not matches(flat, doc) and not matches(grouped, doc)

    def test_nesting_up_to_the_limit(self, doc: Doc) -> None:
        text = "(" * MAX_DEPTH + "pcf/geographyCountry eq 'FR'" + ")" * MAX_DEPTH
        assert matches(text, doc)


class TestBadRequest:
    @pytest.mark.parametrize(
        ("text", "position", "token"),
        [
            ("created eq", 11, None),  # ends early
            ("", 1, None),
            ("   ", 4, None),
            ("(created eq 2023-01-01", 23, None),
            ("created eq 2023-01-01)", 22, ")"),
            ("created EQ 2023-01-01", 9, "EQ"),  # keywords are lower case
            ("created eq 2023-01-01 AND updated eq 2023-01-01", 23, "AND"),
            ("created eq 2023-01-01 updated eq 2023-01-01", 23, "updated"),
            ("created eq 2023-01-01 and", 26, None),
            ("created eq 2023-01-01 and and", 27, "and"),
            ("created eq 2023-01-01 $", 23, "$"),
            ("created eq\n2023-01-01", 11, "U+000A"),
            ("() and created eq 2023-01-01", 2, ")"),
            ("created eq 'oops", 12, None),  # no closing quote
            ("companyIds/any(x x eq 'a')", 18, "x"),
            ("companyIds/any(x: x eq 'a'", 27, None),
            ("companyIds/any(x: x)", 20, ")"),
            ("companyIds/any(x: x eq )", 24, ")"),
            ("companyIds/any(x: )", 19, ")"),
            ("companyIds/any(x: 'a')", 19, "'a'"),
            ("pcf/ eq 'FR'", 6, "eq"),
            ("pcf / geographyCountry eq 'FR'", 5, "/"),  # no space inside a path
            ("pcf/ geographyCountry eq 'FR'", 6, "geographyCountry"),
            ("companyIds /any(x: x eq 'a')", 12, "/"),
        ],
    )
    def test_syntax(self, text: str, position: int, token: str | None) -> None:
        problem = error(text)
        assert problem.code == "BadRequest"
        assert problem.position == position
        assert f"position {position}" in problem.message
        if token is not None:
            assert f"'{token}'" in problem.message

    @pytest.mark.parametrize(
        ("text", "name", "position"),
        [
            ("foo eq 'x'", "foo", 1),
            ("Created eq 2023-01-01", "Created", 1),
            ("pcf/geographyRegionOrSubregion eq 'Europe'", "pcf/geographyRegionOrSubregion", 1),
            ("created eq 2023-01-01 and pcf/declaredUnit eq 'kilogram'", "pcf/declaredUnit", 27),
            ("companyIds eq 'urn:x'", "companyIds", 1),  # a collection needs any()
            ("created/any(x: x eq 'a')", "created/any()", 1),
            ("productClassifications/any(x: x eq 'a')", "productClassifications/any()", 1),
            ("companyIds/any(x: y eq 'a')", "y", 19),
        ],
    )
    def test_unknown_property(self, text: str, name: str, position: int) -> None:
        problem = error(text)
        assert problem.code == "BadRequest"
        assert f"Property '{name}' at position {position} " in problem.message
        assert "pcf/referencePeriodEnd" in problem.message  # it says what may be used

    @pytest.mark.parametrize(
        ("text", "position", "token"),
        [
            ("productCategoryCpc eq 3342", 23, "3342"),  # a number, not a string
            ("pcf/geographyCountry eq FR", 25, "FR"),
            ("created eq 'yesterday'", 12, "'yesterday'"),
            ("created eq 2023-02-30", 12, "2023-02-30"),
            ("created eq 2023-01-01T00:00:00", 12, "2023-01-01T00:00:00"),  # no offset
            ("created eq 20230101", 12, "20230101"),
            ("updated lt true", 12, "true"),
            ("companyIds/any(x: x eq urn)", 24, "urn"),
        ],
    )
    def test_literal_that_does_not_fit(self, text: str, position: int, token: str) -> None:
        problem = error(text)
        assert problem.code == "BadRequest"
        assert problem.message.startswith(f"'{token}' at position {position} of $filter")

    def test_too_long(self) -> None:
        padding = " " * (MAX_LENGTH - len("created eq 2023-01-01"))
        assert parse_filter("created eq 2023-01-01" + padding)
        problem = error("created eq 2023-01-01" + padding + " ")
        assert problem.code == "BadRequest"
        assert str(MAX_LENGTH) in problem.message

    def test_too_deep(self) -> None:
        depth = MAX_DEPTH + 1
        problem = error("(" * depth + "created eq 2023-01-01" + ")" * depth)
        assert problem.code == "BadRequest"
        assert problem.position == depth
        assert f"position {depth}" in problem.message

    def test_too_deep_counts_the_lambda(self) -> None:
        inner = "(" * (MAX_DEPTH - 1) + "x eq 'a'" + ")" * (MAX_DEPTH - 1)
        assert parse_filter(f"companyIds/any(x: {inner})")
        assert error(f"(companyIds/any(x: {inner}))").code == "BadRequest"

    def test_long_tokens_are_cut_short_in_the_message(self) -> None:
        problem = error("x" * 500 + " eq 'a'")
        assert problem.code == "BadRequest"
        assert len(problem.message) < 400


class TestNotImplemented:
    @pytest.mark.parametrize(
        ("text", "position", "token"),
        [
            ("created eq 2023-01-01 or updated eq 2023-01-01", 23, "or"),
            ("not (created eq 2023-01-01)", 1, "not"),
            ("created ne 2023-01-01", 9, "ne"),
            ("pcf/geographyCountry in ('FR', 'DE')", 22, "in"),
            ("contains(productCategoryCpc, '37')", 1, "contains"),
            ("startswith(pcf/geographyCountry,'F')", 1, "startswith"),
            ("year(created) eq 2023", 1, "year"),
            ("created add duration'P1D' gt 2023-01-01", 9, "add"),
            ("created eq now()", 12, "now"),
            ("created eq null", 12, "null"),
            ("created eq updated", 12, "updated"),
            ("'FR' eq pcf/geographyCountry", 1, "'FR'"),
            ("2023-01-01 lt created", 1, "2023-01-01"),
            ("companyIds/any(x: 'a' eq x)", 19, "'a'"),
            ("true", 1, "true"),
            ("companyIds/all(x: x eq 'a')", 12, "all"),
            ("companyIds/any()", 12, "any"),
            ("companyIds/any(x: x ne 'a')", 21, "ne"),
            ("productIds/any(x: x lt 'a')", 21, "lt"),
            ("companyIds/any(x: x eq 'a' and x eq 'b')", 28, "and"),
            ("companyIds/any(x: (x eq 'a') or (x eq 'b'))", 30, "or"),
            ("companyIds/any(x: contains(x, 'SX'))", 19, "contains"),
            ("companyIds/any(x: created gt 2023-01-01)", 19, "created"),
        ],
    )
    def test_valid_odata_outside_the_subset(self, text: str, position: int, token: str) -> None:
        problem = error(text)
        assert problem.code == "NotImplemented"
        assert problem.position == position
        assert problem.message.startswith(f"'{token}' at position {position} of $filter")

    def test_the_first_problem_wins(self) -> None:
        assert error("foo eq 'x' or bar eq 'y'").code == "BadRequest"
        assert error("created eq 2023-01-01 or $").code == "NotImplemented"


class TestErrorShape:
    def test_is_invalid_input_at_the_parameter(self) -> None:
        problem = error("created ne 2023-01-01")
        assert isinstance(problem, InvalidInput)
        assert problem.loc == ("$filter",)
        assert str(problem).startswith("$filter: ")

    def test_message_is_translated_through_the_catalogue(self) -> None:
        english = error("created eq").message
        set_language("zh_CN")
        assert error("created eq").message  # a translation, or the English msgid meanwhile
        assert "11" in error("created eq").message
        set_language("en")
        assert error("created eq").message == english


# --- properties ------------------------------------------------------------------------

DATES = st.datetimes(
    min_value=dt.datetime(1900, 1, 1), max_value=dt.datetime(2100, 1, 1), timezones=st.just(dt.UTC)
)
CPC = st.text(alphabet="0123456789", min_size=1, max_size=5)


def comparisons() -> st.SearchStrategy[str]:
    """Random valid comparisons on the filterable properties of ``doc``."""
    op = st.sampled_from(["eq", "lt", "le", "gt", "ge"])
    instant = st.builds(
        lambda name, o, when: f"{name} {o} {when.isoformat().replace('+00:00', 'Z')}",
        st.sampled_from(["created", "updated", "pcf/referencePeriodStart"]),
        op,
        DATES,
    )
    cpc = st.builds(lambda o, code: f"productCategoryCpc {o} '{code}'", op, CPC)
    return st.one_of(instant, cpc)


def documents() -> st.SearchStrategy[Doc]:
    stamp = DATES.map(lambda when: when.isoformat().replace("+00:00", "Z"))
    pcf = st.fixed_dictionaries({}, optional={"referencePeriodStart": stamp})
    return st.fixed_dictionaries(
        {"created": stamp, "pcf": pcf},
        optional={"updated": stamp, "productCategoryCpc": CPC},
    )


class TestProperties:
    @given(st.text())
    @settings(max_examples=300)
    def test_a_quoted_string_matches_itself(self, value: str) -> None:
        quoted = value.replace("'", "''")
        parsed = parse_filter(f"productCategoryCpc eq '{quoted}'")
        assert parsed.expression == Comparison(("productCategoryCpc",), "eq", value)
        assert parsed.matches({"productCategoryCpc": value})
        assert not parsed.matches({"productCategoryCpc": value + "x"})

    @given(comparisons(), comparisons(), documents())
    @settings(max_examples=300)
    def test_conjunction_matches_iff_both_match(self, a: str, b: str, doc: Doc) -> None:
        both = parse_filter(a).matches(doc) and parse_filter(b).matches(doc)
        assert parse_filter(f"{a} and {b}").matches(doc) is both
        assert parse_filter(f"({a}) and ({b})").matches(doc) is both

    @given(st.text())
    @settings(max_examples=500)
    def test_arbitrary_text_raises_only_odata_errors(self, text: str) -> None:
        try:
            parse_filter(text)
        except ODataError as problem:
            assert problem.code in ("BadRequest", "NotImplemented")
            assert re.search(r"position \d+|\d+ characters", problem.message)

    @given(
        st.lists(
            st.sampled_from(
                [
                    "created",
                    "pcf/geographyCountry",
                    "companyIds",
                    "/any(",
                    "x:",
                    " x ",
                    "eq",
                    "lt",
                    "and",
                    "or",
                    "not",
                    "(",
                    ")",
                    "'FR'",
                    "'it''s'",
                    "2023-01-01",
                    "2023-01-01T00:00:00Z",
                    " ",
                    "'",
                    ",",
                ]
            ),
            max_size=20,
        ).map("".join)
    )
    @settings(max_examples=500)
    def test_near_miss_text_raises_only_odata_errors(self, text: str) -> None:
        """Random joins of the grammar's own pieces reach far more rules than random text."""
        try:
            parse_filter(text)
        except ODataError as problem:
            assert problem.code in ("BadRequest", "NotImplemented")
            assert problem.position is not None
            assert 1 <= problem.position <= len(text) + 1
