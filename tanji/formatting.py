"""One set of filters that formats numbers and dates for the current language (Babel).

Templates only lay out; every number reaches the page through these filters so that
zh-CN and en show the same value the same way (grouping, decimals, dates).
"""

from __future__ import annotations

import datetime as dt
import math

from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal, format_percent

from tanji.core.i18n import current_language

ZONE = "Asia/Shanghai"  # the platform's users are in China; times show in Beijing time


def locale() -> str:
    return "zh_Hans_CN" if current_language() == "zh_CN" else "en_GB"


def number(value: float | int | None, digits: int | None = None) -> str:
    """A number with grouping; ``digits`` fixes the decimals, else 4 significant figures."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if digits is None:
        magnitude = abs(value)
        digits = 0 if magnitude == 0 else max(0, min(6, 3 - math.floor(math.log10(magnitude))))
    pattern = "#,##0" + ("." + "0" * digits if digits > 0 else "")
    return format_decimal(round(value, digits), format=pattern, locale=locale())


def percent(value: float | None, digits: int = 1) -> str:
    if value is None:
        return "—"
    pattern = "0" + ("." + "0" * digits if digits else "") + "%"
    return format_percent(value, format=pattern, locale=locale())


def date(value: dt.date | dt.datetime | None) -> str:
    if value is None:
        return "—"
    if isinstance(value, dt.datetime):
        value = _local(value).date()
    return format_date(value, format="medium", locale=locale())


def datetime(value: dt.datetime | None) -> str:
    if value is None:
        return "—"
    return format_datetime(_local(value), format="medium", tzinfo=None, locale=locale())


def _local(value: dt.datetime) -> dt.datetime:
    from zoneinfo import ZoneInfo

    aware = value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    return aware.astimezone(ZoneInfo(ZONE))


FILTERS = {"number": number, "percent": percent, "date": date, "datetime": datetime}
