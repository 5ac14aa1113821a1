"""Charts as inline SVG, drawn from a stored result dict; shared by pages and reports.

INTERFACE STUB — being implemented. Each function takes the result dict (the shape of
``tanji calc --json``: by_stage, by_process, by_input, by_gas, tree, separated, total,
unit, uncertainty) and returns an SVG string (safe to mark as Markup), labelled in the
current language, with no scripts and no external references.
"""

from __future__ import annotations

from typing import Any


def stage_chart(result: dict[str, Any], *, width: int = 640) -> str:
    """Horizontal bars: kg CO2e per life-cycle stage."""
    raise NotImplementedError


def contribution_chart(result: dict[str, Any], *, width: int = 720) -> str:
    """A Sankey-like flow from inputs to processes to the product (from result["tree"])."""
    raise NotImplementedError


def gas_chart(result: dict[str, Any], *, width: int = 420) -> str:
    """Shares of CO2, CH4, N2O and other gases (CO2e)."""
    raise NotImplementedError


def uncertainty_chart(result: dict[str, Any], *, width: int = 420) -> str:
    """The 95 % interval and median of the Monte Carlo result against the static total."""
    raise NotImplementedError
