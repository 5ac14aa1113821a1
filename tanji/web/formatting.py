"""The page filters: re-exported from :mod:`tanji.formatting`, shared with the reports."""

from __future__ import annotations

from tanji.formatting import FILTERS, date, datetime, number, percent

__all__ = ["FILTERS", "date", "datetime", "number", "percent"]
