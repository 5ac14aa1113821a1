"""One pint registry for all of Tanji, with the LCA units of ``tanji/data/units.txt``.

Everything that converts an amount goes through :func:`conversion_factor`, which names
the two units and their dimensions when they do not match.
"""

from __future__ import annotations

import re
import tokenize
from functools import lru_cache
from importlib.resources import files

import pint

from tanji.core.errors import InvalidInput, Loc, UnitMismatch
from tanji.core.i18n import N_, _

# Chinese statistics write 万 (10⁴) and 亿 (10⁸) before units: 万kWh, 万t, 亿Nm3.
_CJK_MULTIPLIERS = {"万": "10000 * ", "亿": "100000000 * "}
_CJK_RE = re.compile("|".join(_CJK_MULTIPLIERS))
# "t·km", "t*km", "t km" all mean tonne-kilometre; pint needs an explicit operator.
_DOT_RE = re.compile(r"[·⋅×]")
# "m2", "m3", "km2": the common way to write areas and volumes in data sheets.
_POWER_RE = re.compile(r"\b(m|cm|mm|dm|km)([23])\b")


@lru_cache(maxsize=1)
def registry() -> pint.UnitRegistry:
    """The shared registry: pint's defaults plus Tanji's definitions file."""
    ureg = pint.UnitRegistry(autoconvert_offset_to_baseunit=True, cache_folder=None)
    definitions = files("tanji") / "data" / "units.txt"
    with definitions.open(encoding="utf-8") as handle:
        lines = [line for line in handle.read().splitlines() if line and not line.startswith("#")]
    for line in lines:
        ureg.define(line)
    return ureg


def _normalise(text: str) -> str:
    text = text.strip()
    text = _CJK_RE.sub(lambda match: _CJK_MULTIPLIERS[match.group(0)], text)
    text = _DOT_RE.sub("*", text)
    text = text.replace("Nm³", "Nm3").replace("Sm³", "Sm3").replace("Nm^3", "Nm3")
    text = text.replace("³", "**3").replace("²", "**2")
    return _POWER_RE.sub(r"\1**\2", text)


@lru_cache(maxsize=4096)
def parse_unit(text: str) -> pint.Quantity:
    """Parse a unit expression (``kWh``, ``t*km``, ``万Nm3``) into a quantity of one of it."""
    if not isinstance(text, str) or not text.strip():
        raise InvalidInput(_("A unit is required."))
    ureg = registry()
    try:
        quantity = ureg.parse_expression(_normalise(text))
    except (pint.errors.UndefinedUnitError, pint.errors.DefinitionSyntaxError) as exc:
        raise InvalidInput(_("Unknown unit '{unit}'.").format(unit=text)) from exc
    except (
        AssertionError,
        SyntaxError,
        TypeError,
        ValueError,
        AttributeError,
        KeyError,
        ArithmeticError,  # '1/0'
        tokenize.TokenError,  # unbalanced brackets: 'kg)'
    ) as exc:
        raise InvalidInput(_("Cannot read the unit '{unit}'.").format(unit=text)) from exc
    if not isinstance(quantity, ureg.Quantity):
        quantity = ureg.Quantity(quantity, "dimensionless")
    return quantity


def check_unit(text: str, *, loc: Loc = ()) -> None:
    """Raise :class:`InvalidInput` at ``loc`` when ``text`` is not a known unit."""
    try:
        parse_unit(text)
    except InvalidInput as exc:
        raise InvalidInput(exc.message, loc=loc) from None


@lru_cache(maxsize=1024)
def dimension_name(text: str) -> str:
    """A readable name of the dimension of ``text`` (``mass``, ``energy``, ``[piece]``)."""
    dims = parse_unit(text).dimensionality
    for name, dim in _NAMED_DIMENSIONS.items():
        if dims == registry().get_dimensionality(dim):
            return name
    return str(dims) or N_("dimensionless")


# Keys are English names, translated where a message shows them (see conversion_factor).
_NAMED_DIMENSIONS = {
    N_("mass"): "[mass]",
    N_("energy"): "[energy]",
    N_("volume"): "[volume]",
    N_("normal volume"): "[normal_volume]",
    N_("area"): "[area]",
    N_("length"): "[length]",
    N_("freight transport"): "[mass] * [length]",
    N_("pieces"): "[piece]",
    N_("time"): "[time]",
    N_("power"): "[power]",
    N_("peak power"): "[peak_power]",
}


@lru_cache(maxsize=16384)
def _factor(source: str, target: str) -> float:
    # Divide the quantities (not just their units) so that scaled targets such as 万Nm3 work.
    ratio = parse_unit(source) / parse_unit(target)
    return float(ratio.to("dimensionless").magnitude)


def conversion_factor(source: str, target: str, *, loc: Loc = ()) -> float:
    """How many ``target`` units one ``source`` unit is (``t`` → ``kg`` gives 1000).

    Raises :class:`UnitMismatch` at ``loc`` naming both units and their dimensions.
    """
    try:
        return _factor(source, target)
    except InvalidInput as exc:
        raise InvalidInput(exc.message, loc=loc) from None
    except pint.errors.DimensionalityError:
        raise UnitMismatch(
            _("Unit '{source}' cannot convert to '{target}' ({sdim} vs {tdim}).").format(
                source=source,
                target=target,
                sdim=_(dimension_name(source)),
                tdim=_(dimension_name(target)),
            ),
            loc=loc,
        ) from None


def is_mass(text: str) -> bool:
    return parse_unit(text).dimensionality == registry().get_dimensionality("[mass]")
