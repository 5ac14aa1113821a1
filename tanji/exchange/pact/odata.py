"""The OData v4 ``$filter`` subset of PACT v2 ListFootprints (``GET /2/footprints?$filter=``).

PACT v2 lets a host support comparisons (``eq lt le gt ge``) on six properties, joined by
``and``, plus ``companyIds/any(…)`` and ``productIds/any(…)`` with ``eq``. :func:`parse_filter`
reads that subset by hand (no OData library) and :meth:`ODataFilter.matches` applies it to a
v2 document dict. Anything else is an :class:`ODataError`: ``BadRequest`` for text that is
not OData or names an unknown property, ``NotImplemented`` for valid OData outside the subset.
"""

from __future__ import annotations

import datetime as dt
import operator
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, Literal

from tanji.core.errors import InvalidInput, Loc
from tanji.core.i18n import _
from tanji.exchange.pact.validation import parse_datetime, parse_instant

MAX_LENGTH = 2000  # characters of the decoded text
MAX_DEPTH = 32  # parentheses open at once, lambdas' included

Code = Literal["BadRequest", "NotImplemented"]
BAD_REQUEST: Final = "BadRequest"
NOT_IMPLEMENTED: Final = "NotImplemented"

# Filterable properties by the kind of value they hold (PACT v2.3 §ListFootprints);
# PROPERTIES lists the scalar ones in the spec's order, for messages.
STRING_PROPERTIES = ("productCategoryCpc", "pcf/geographyCountry")
INSTANT_PROPERTIES = ("created", "updated", "pcf/referencePeriodStart", "pcf/referencePeriodEnd")
COLLECTION_PROPERTIES = ("companyIds", "productIds")
PROPERTIES = (
    "created",
    "updated",
    "productCategoryCpc",
    "pcf/geographyCountry",
    "pcf/referencePeriodStart",
    "pcf/referencePeriodEnd",
)

_COMPARISONS: dict[str, Callable[[Any, Any], bool]] = {
    "eq": operator.eq,
    "lt": operator.lt,
    "le": operator.le,
    "gt": operator.gt,
    "ge": operator.ge,
}
# Valid OData operators this subset does not support (logical, comparison, arithmetic).
_OTHER_OPERATORS = frozenset({"ne", "has", "in", "add", "sub", "mul", "div", "divby", "mod"})
# OData v4 canonical functions, so that ``contains(…)`` is NotImplemented, not BadRequest.
_FUNCTIONS = frozenset(
    {
        "contains", "startswith", "endswith", "length", "indexof", "substring", "matchesPattern",
        "tolower", "toupper", "trim", "concat", "year", "month", "day", "hour", "minute",
        "second", "fractionalseconds", "totalseconds", "date", "time", "totaloffsetminutes",
        "now", "mindatetime", "maxdatetime", "round", "floor", "ceiling", "cast", "isof",
        "hassubset", "hassubsequence", "case",
    }
)  # fmt: skip
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)
_IDENTIFIER_START = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_")
_IDENTIFIER = _IDENTIFIER_START | frozenset("0123456789")
_BARE = _IDENTIFIER | frozenset(":.+-")  # unquoted dates, numbers, GUIDs
_PUNCTUATION = frozenset("()/:,")


class ODataError(InvalidInput):
    """A ``$filter`` this host cannot apply; ``code`` is PACT's error code for the answer.

    ``BadRequest`` means the text is wrong; ``NotImplemented`` means it is valid OData that
    the subset leaves out, which PACT v2 allows a host to refuse. The face renders
    ``{"code": …, "message": …}`` from them.
    """

    def __init__(
        self,
        message: str,
        *,
        code: Code = BAD_REQUEST,
        position: int | None = None,
        loc: Loc = ("$filter",),
    ) -> None:
        super().__init__(message, loc=loc)
        self.code: Code = code
        self.position = position


# --- evaluation ------------------------------------------------------------------------


def _lookup(doc: Mapping[str, Any], path: Sequence[str]) -> Any:
    value: Any = doc
    for part in path:
        if not isinstance(value, Mapping) or part not in value:
            return None
        value = value[part]
    return value


def _instant(value: object) -> dt.datetime | None:
    """An aware datetime from an RFC 3339 text or a date (midnight UTC), else None."""
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else None
    if not isinstance(value, str):
        return None
    if _DATE.fullmatch(value):
        return parse_instant(value)
    return parse_datetime(value)


@dataclass(frozen=True)
class Comparison:
    """``property op literal``; a document without the property does not match."""

    path: tuple[str, ...]
    op: str
    value: str | dt.datetime

    def matches(self, doc: Mapping[str, Any]) -> bool:
        found = _lookup(doc, self.path)
        if isinstance(self.value, dt.datetime):
            found = _instant(found)
        elif not isinstance(found, str):
            found = None
        return found is not None and _COMPARISONS[self.op](found, self.value)


@dataclass(frozen=True)
class AnyEquals:
    """``collection/any(x: x eq 'value')``: some element of the list is exactly ``value``."""

    collection: str
    value: str

    def matches(self, doc: Mapping[str, Any]) -> bool:
        items = doc.get(self.collection)
        return isinstance(items, list | tuple) and any(item == self.value for item in items)


@dataclass(frozen=True)
class Conjunction:
    """``A and B and …``: every part matches."""

    parts: tuple[Expression, ...]

    def matches(self, doc: Mapping[str, Any]) -> bool:
        return all(part.matches(doc) for part in self.parts)


Expression = Comparison | AnyEquals | Conjunction


@dataclass(frozen=True)
class ODataFilter:
    """A parsed ``$filter``; ``text`` is kept for logs and for building ``Link`` headers."""

    text: str
    expression: Expression

    def matches(self, doc: Mapping[str, Any]) -> bool:
        """Whether the PACT v2 document ``doc`` (a JSON dict) passes the filter."""
        return self.expression.matches(doc)


# --- tokens ----------------------------------------------------------------------------

TokenKind = Literal["identifier", "string", "bare", "punctuation", "bad", "unterminated", "end"]


@dataclass(frozen=True)
class _Token:
    kind: TokenKind
    text: str  # as written, quotes included
    position: int  # 1-based
    value: str = ""  # a string literal without its quotes, '' unescaped
    spaced: bool = False  # whitespace before it: not allowed inside a path like pcf/…

    def shown(self) -> str:
        return _shown(self.text)


def _shown(text: str) -> str:
    """Text for a message: control characters as U+XXXX, long tokens cut short."""
    text = "".join(c if c.isprintable() else f"U+{ord(c):04X}" for c in text)
    return text if len(text) <= 40 else text[:37] + "…"


def _tokens(text: str) -> list[_Token]:
    """Split ``text``; a bad character or an open string ends the list before ``end``."""
    found: list[_Token] = []

    def add(kind: TokenKind, start: int, end: int, value: str = "") -> None:
        spaced = start > 0 and text[start - 1] in " \t"
        found.append(_Token(kind, text[start:end], start + 1, value, spaced))

    index, size = 0, len(text)
    while index < size:
        char = text[index]
        start = index
        if char in " \t":
            index += 1
        elif char == "'":
            index += 1
            value: list[str] = []
            while True:
                quote = text.find("'", index)
                if quote < 0:
                    add("unterminated", start, size)
                    return found
                value.append(text[index:quote])
                if not text.startswith("''", quote):
                    index = quote + 1
                    break
                value.append("'")
                index = quote + 2
            add("string", start, index, "".join(value))
        elif char in _IDENTIFIER_START or (char.isdigit() and char.isascii()):
            allowed = _IDENTIFIER if char in _IDENTIFIER_START else _BARE
            while index < size and text[index] in allowed:
                index += 1
            add("identifier" if char in _IDENTIFIER_START else "bare", start, index)
        elif char in _PUNCTUATION:
            index += 1
            add("punctuation", start, index)
        else:
            add("bad", start, start + 1)
            return found
    add("end", size, size)
    return found


# --- parsing ---------------------------------------------------------------------------


def _not_implemented(token: _Token) -> ODataError:
    return ODataError(
        _(
            "'{token}' at position {position} of $filter is valid OData that this host does "
            "not support; use eq, lt, le, gt, ge, and, parentheses and any() with eq."
        ).format(token=token.shown(), position=token.position),
        code=NOT_IMPLEMENTED,
        position=token.position,
    )


def _unusable_property(path: str, position: int) -> ODataError:
    properties = ", ".join([*PROPERTIES, *(f"{name}/any()" for name in COLLECTION_PROPERTIES)])
    return ODataError(
        _(
            "Property '{token}' at position {position} of $filter cannot be filtered on; "
            "use one of {properties}."
        ).format(token=_shown(path), position=position, properties=properties),
        position=position,
    )


def _unfit_literal(token: _Token, path: str) -> ODataError:
    return ODataError(
        _(
            "'{token}' at position {position} of $filter is not a value for {property}: "
            "write dates as 2023-01-01 or 2023-01-01T00:00:00Z, other values in single quotes."
        ).format(token=token.shown(), position=token.position, property=path),
        position=token.position,
    )


class _Parser:
    """Recursive descent over the token list; ``depth`` counts open parentheses."""

    def __init__(self, text: str) -> None:
        self.tokens = _tokens(text)
        self.index = 0
        self.depth = 0

    # helpers

    def peek(self, ahead: int = 0) -> _Token:
        return self.tokens[min(self.index + ahead, len(self.tokens) - 1)]

    def take(self) -> _Token:
        token = self.peek()
        self.index += 1
        return token

    def is_(self, text: str, ahead: int = 0) -> bool:
        token = self.peek(ahead)
        return token.kind in ("identifier", "punctuation") and token.text == text

    def unexpected(self, token: _Token) -> ODataError:
        """The error for a token no rule accepts here, worded for what the token is."""
        if token.kind == "end":
            message = _("$filter ends unexpectedly at position {position}.")
        elif token.kind == "unterminated":
            message = _("The string at position {position} of $filter has no closing quote.")
        else:
            message = _("Unexpected '{token}' at position {position} of $filter.")
        return ODataError(
            message.format(token=token.shown(), position=token.position), position=token.position
        )

    def expect(self, text: str) -> _Token:
        token = self.take()
        if token.text != text or token.kind not in ("identifier", "punctuation"):
            raise self.unexpected(token)
        return token

    def open(self) -> None:
        token = self.expect("(")
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ODataError(
                _(
                    "$filter nests more than {limit} parentheses deep at position {position}."
                ).format(limit=MAX_DEPTH, position=token.position),
                position=token.position,
            )

    def close(self) -> None:
        self.expect(")")
        self.depth -= 1

    # grammar

    def filter(self) -> Expression:
        expression = self.conjunction()
        token = self.peek()
        if token.kind != "end":
            raise self.unexpected(token)
        return expression

    def conjunction(self) -> Expression:
        parts = [self.term()]
        while True:
            token = self.peek()
            if token.kind == "identifier" and token.text == "and":
                self.take()
                parts.append(self.term())
            elif token.kind == "identifier" and token.text in ("or", *_OTHER_OPERATORS):
                raise _not_implemented(token)
            else:
                break
        return parts[0] if len(parts) == 1 else Conjunction(tuple(parts))

    def term(self) -> Expression:
        token = self.peek()
        if self.is_("("):
            self.open()
            inner = self.conjunction()
            self.close()
            return inner
        if token.kind != "identifier":
            raise self.not_a_property(token)
        if token.text == "not" or (token.text in _FUNCTIONS and self.is_("(", 1)):
            raise _not_implemented(token)
        if token.text in ("true", "false", "null"):
            raise _not_implemented(token)
        path = self.path()
        if self.peek().kind == "punctuation" and self.peek().text == "/":
            return self.lambda_(path, token.position)
        return self.comparison(path, token.position)

    def not_a_property(self, token: _Token) -> ODataError:
        """A literal first ('FR' eq pcf/geographyCountry) is OData, but not the subset."""
        following = self.peek(1)
        if (
            token.kind in ("string", "bare")
            and following.kind == "identifier"
            and following.text in (*_COMPARISONS, *_OTHER_OPERATORS)
        ):
            return _not_implemented(token)
        return self.unexpected(token)

    def path(self) -> list[str]:
        """``a/b/c``, stopping before ``/any`` or ``/all`` followed by ``(``."""
        parts = [self.take().text]
        while self.is_("/"):
            slash, segment = self.peek(), self.peek(1)
            if slash.spaced:
                raise self.unexpected(slash)
            if segment.kind != "identifier" or segment.spaced:
                raise self.unexpected(segment)
            if segment.text in ("any", "all") and self.is_("(", 2):
                break
            self.index += 2
            parts.append(segment.text)
        return parts

    def comparison(self, parts: list[str], position: int) -> Comparison:
        name = "/".join(parts)
        if name not in PROPERTIES:
            raise _unusable_property(name, position)
        token = self.take()
        if token.kind == "identifier" and token.text in _OTHER_OPERATORS:
            raise _not_implemented(token)
        if token.kind != "identifier" or token.text not in _COMPARISONS:
            raise self.unexpected(token)
        return Comparison(tuple(parts), token.text, self.literal(name))

    def literal(self, name: str) -> str | dt.datetime:
        """The value compared with property ``name``: a string, or an instant for dates."""
        token = self.take()
        if token.kind == "identifier" and (
            token.text == "null" or (token.text in _FUNCTIONS and self.is_("("))
        ):
            raise _not_implemented(token)
        if token.kind == "identifier" and token.text in (*PROPERTIES, *COLLECTION_PROPERTIES):
            raise _not_implemented(token)  # property compared with property
        if token.kind not in ("string", "bare", "identifier"):
            raise self.unexpected(token)
        if name in INSTANT_PROPERTIES and token.kind != "identifier":
            instant = _instant(token.value if token.kind == "string" else token.text)
            if instant is not None:
                return instant
        elif name in STRING_PROPERTIES and token.kind == "string":
            return token.value
        raise _unfit_literal(token, name)

    def lambda_(self, parts: list[str], position: int) -> AnyEquals:
        """``companyIds/any(x: x eq 'urn:…')``, the body possibly in parentheses."""
        name = "/".join(parts)
        self.expect("/")
        kind = self.take()
        if name not in COLLECTION_PROPERTIES:
            raise _unusable_property(f"{name}/{kind.text}()", position)
        if kind.text == "all":
            raise _not_implemented(kind)
        self.open()
        variable = self.take()
        if variable.kind == "punctuation" and variable.text == ")":
            raise _not_implemented(kind)  # any() without a predicate: "is not empty"
        if variable.kind != "identifier":
            raise self.unexpected(variable)
        self.expect(":")
        value = self.lambda_body(variable.text, name)
        self.close_lambda_body()
        return AnyEquals(name, value)

    def close_lambda_body(self) -> None:
        """``)`` after ``x eq '…'``; a second condition there is OData, not the subset."""
        token = self.peek()
        if token.kind == "identifier" and token.text in ("and", "or", *_OTHER_OPERATORS):
            raise _not_implemented(token)
        self.close()

    def lambda_body(self, variable: str, collection: str) -> str:
        if self.is_("("):
            self.open()
            value = self.lambda_body(variable, collection)
            self.close_lambda_body()
            return value
        token = self.peek()
        if token.kind != "identifier":
            raise self.not_a_property(token)
        self.take()
        if token.text != variable:
            if token.text == "not" or (token.text in _FUNCTIONS and self.is_("(")):
                raise _not_implemented(token)
            self.index -= 1
            parts = self.path()
            name = "/".join(parts)
            if name in PROPERTIES or name in COLLECTION_PROPERTIES:
                raise _not_implemented(token)  # a condition on the document, not the element
            raise _unusable_property(name, token.position)
        op = self.take()
        if (
            op.kind == "identifier"
            and op.text != "eq"
            and op.text in (*_COMPARISONS, *_OTHER_OPERATORS)
        ):
            raise _not_implemented(op)  # only eq inside any(), as PACT v2 asks
        if op.kind != "identifier" or op.text != "eq":
            raise self.unexpected(op)
        literal = self.take()
        if literal.kind == "string":
            return literal.value
        if literal.kind in ("bare", "identifier"):
            raise _unfit_literal(literal, collection)
        raise self.unexpected(literal)


def parse_filter(text: str) -> ODataFilter:
    """Parse a URL-decoded ``$filter`` value, so that a bad one fails before any query runs.

    Raises :class:`ODataError` (``code`` ``BadRequest`` or ``NotImplemented``) naming the
    1-based position of the first offending token; empty text is an error, so callers
    leave an absent or empty parameter out rather than pass it in.
    """
    if len(text) > MAX_LENGTH:
        raise ODataError(
            _("$filter has {length} characters; at most {limit} are allowed.").format(
                length=len(text), limit=MAX_LENGTH
            ),
            position=MAX_LENGTH + 1,
        )
    return ODataFilter(text, _Parser(text).filter())
