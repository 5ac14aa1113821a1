"""Template rows for factor tests."""

from __future__ import annotations

from typing import Any


def row(slug: str, value: float = 1.0, **overrides: Any) -> dict[str, Any]:
    base = {
        "slug": slug,
        "name_zh": f"{slug} 因子",
        "name_en": f"{slug} factor",
        "category": "fuels",
        "unit": "kg",
        "composition": f"CO2e={value}",
        "origin": "fossil",
        "boundary": "cradle-to-gate",
        "geography": "CN",
        "year": "2023",
        "document": "Test document, 2024",
        "table": "Table 1",
        "url": "https://example.org/",
        "license": "CC BY 4.0",
    }
    base.update(overrides)
    return base


def numbered(*rows: dict[str, Any]) -> list[tuple[int, dict[str, Any]]]:
    return [(line, item) for line, item in enumerate(rows, start=2)]
