"""The SVG charts: well-formed, labelled, accessible, safe, and honest about empty results."""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tanji.core.i18n import current_language, gettext, set_language
from tanji.footprints import service
from tanji.formatting import number
from tanji.reports import charts

SVG = "{http://www.w3.org/2000/svg}"
CEMENT = Path(__file__).resolve().parents[2] / "examples" / "portland-cement.yaml"
CHARTS = (charts.stage_chart, charts.contribution_chart, charts.gas_chart, charts.uncertainty_chart)


@pytest.fixture(scope="module")
def cement() -> dict[str, Any]:
    previous = current_language()
    set_language("en")  # module fixtures run before the autouse English one
    try:
        return service.calculate_file(CEMENT, iterations=100, seed=7).to_dict()
    finally:
        set_language(previous)


def parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    return root


def texts(svg: str) -> list[str]:
    return ["".join(node.itertext()) for node in parse(svg).iter(f"{SVG}text")]


def empty_result() -> dict[str, Any]:
    """What a fresh study template gives: zero everywhere, no uncertainty."""
    return {
        "total": 0.0,
        "unit": "t",
        "amount": 1.0,
        "by_stage": [{"key": "production", "value": 0.0, "share": 0.0}],
        "by_gas": [{"key": "CO2e", "value": 0.0, "share": 0.0}],
        "tree": {"id": "p", "name": "Product", "footprint": 0.0, "direct": 0.0, "children": []},
        "uncertainty": None,
    }


class TestWellFormed:
    @pytest.mark.parametrize("chart", CHARTS, ids=lambda f: f.__name__)
    def test_parses_with_viewbox_title_and_description(self, chart, cement) -> None:
        root = parse(chart(cement))
        assert re.fullmatch(r"0 0 [\d.]+ [\d.]+", root.attrib["viewBox"])
        assert root.attrib["width"] == "100%"
        assert root.attrib["role"] == "img"
        title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
        assert title is not None and title.text and desc is not None and desc.text
        # aria-labelledby names the title and description elements
        ids = root.attrib["aria-labelledby"].split()
        assert ids == [title.attrib["id"], desc.attrib["id"]]

    @pytest.mark.parametrize("chart", CHARTS, ids=lambda f: f.__name__)
    def test_no_scripts_handlers_or_external_references(self, chart, cement) -> None:
        root = parse(chart(cement))
        for node in root.iter():
            assert not node.tag.endswith("script")
            assert not node.tag.endswith("foreignObject")
            for name in node.attrib:
                assert not name.lower().startswith("on"), name
                assert "href" not in name, name


class TestLabels:
    def test_stage_chart_names_stages_and_formats_values(self, cement) -> None:
        shown = texts(charts.stage_chart(cement))
        assert "production" in shown
        assert any(number(cement["total"]) in text for text in shown)

    def test_stage_names_follow_the_language(self, cement) -> None:
        set_language("zh_CN")
        expected = gettext("production")
        assert expected != "production"  # the catalogue translates it
        assert expected in texts(charts.stage_chart(cement))

    def test_gas_chart_uses_formulas_and_names_characterised_factors(self, cement) -> None:
        shown = texts(charts.gas_chart(cement))
        assert "CO₂" in shown and "CH₄" in shown and "N₂O" in shown
        assert "Not split by gas (CO2e factors)" in shown

    def test_contribution_chart_traces_inputs_to_the_product(self, cement) -> None:
        shown = texts(charts.contribution_chart(cement))
        assert cement["tree"]["name"] in shown  # the product
        assert "Raw coal combustion" in shown  # an input two levels down
        assert "direct emissions" in shown  # the kiln's calcination CO2

    def test_uncertainty_chart_shows_interval_median_and_static_result(self, cement) -> None:
        stats = cement["uncertainty"]
        shown = " ".join(texts(charts.uncertainty_chart(cement)))
        assert number(stats["p2_5"]) in shown and number(stats["p97_5"]) in shown
        assert "Median " + number(stats["median"]) in shown
        assert "Static result " + number(cement["total"]) in shown


class TestEmpty:
    @pytest.mark.parametrize(
        "chart",
        (charts.stage_chart, charts.contribution_chart, charts.gas_chart),
        ids=lambda f: f.__name__,
    )
    def test_zero_result_says_no_emissions(self, chart) -> None:
        shown = " ".join(texts(chart(empty_result())))
        assert "No emissions yet" in shown

    @pytest.mark.parametrize("chart", CHARTS, ids=lambda f: f.__name__)
    def test_missing_keys_do_not_crash(self, chart) -> None:
        parse(chart({}))

    def test_no_monte_carlo_is_said(self) -> None:
        shown = " ".join(texts(charts.uncertainty_chart(empty_result())))
        assert "No Monte Carlo run" in shown


def credit_result() -> dict[str, Any]:
    return {
        "total": 60.0,
        "unit": "kg",
        "amount": 1000,
        "by_stage": [
            {"key": "production", "value": 110.0, "share": 110 / 60},
            {"key": "end-of-life", "value": -50.0, "share": -50 / 60},
        ],
        "by_gas": [{"key": "CO2", "value": 80.0}, {"key": "CH4", "value": -20.0}],
        "tree": {
            "id": "bottle",
            "name": "Bottle",
            "footprint": 60.0,
            "direct": 0.0,
            "children": [
                {"id": "glass", "name": "Glass", "footprint": 110.0, "direct": 110.0},
                {"id": "credit", "name": "Recycling credit", "footprint": -50.0, "direct": -50.0},
            ],
        },
    }


class TestCredits:
    def test_negative_stage_is_drawn_as_a_credit(self) -> None:
        svg = charts.stage_chart(credit_result())
        assert any("(credit)" in text for text in texts(svg))
        assert charts.CREDIT_LIGHT in svg
        # the credit bar extends left of the zero line
        root = parse(svg)
        line = root.find(f"{SVG}line")
        zero = float(line.attrib["x1"])
        credit_bar = [r for r in root.iter(f"{SVG}rect") if r.attrib["fill"] == charts.CREDIT_LIGHT]
        assert credit_bar and float(credit_bar[0].attrib["x"]) < zero

    def test_contribution_chart_draws_credits_distinctly(self) -> None:
        svg = charts.contribution_chart(credit_result())
        root = parse(svg)
        fills = [p.attrib["fill"] for p in root.iter(f"{SVG}path")]
        assert charts.CREDIT in fills and charts.BRAND in fills
        assert "credits and removals" in texts(svg)

    def test_gas_credit_is_listed_not_drawn_in_the_ring(self) -> None:
        svg = charts.gas_chart(credit_result())
        assert any("(credit)" in text for text in texts(svg))


class TestContributions:
    def test_widths_are_proportional_to_kg_co2e(self) -> None:
        result = {
            "total": 400.0,
            "tree": {
                "id": "p",
                "name": "P",
                "footprint": 400.0,
                "children": [
                    {"id": "a", "name": "A", "footprint": 300.0, "direct": 300.0},
                    {"id": "b", "name": "B", "footprint": 100.0, "direct": 100.0},
                ],
            },
        }
        root = parse(charts.contribution_chart(result))
        bars = [r for r in root.iter(f"{SVG}rect") if r.attrib.get("width") == "10"]
        heights = sorted(float(r.attrib["height"]) for r in bars)
        b, a, p = heights
        assert a / b == pytest.approx(3, rel=0.02)
        assert p == pytest.approx(a + b, rel=0.02)

    def test_small_flows_are_grouped_as_other(self) -> None:
        children = [
            {"id": f"big{i}", "name": f"Big {i}", "footprint": 100.0, "direct": 100.0}
            for i in range(3)
        ] + [
            {"id": f"small{i}", "name": f"Small {i}", "footprint": 0.5, "direct": 0.5}
            for i in range(20)
        ]
        tree = {"id": "p", "name": "P", "footprint": 310.0, "direct": 0.0, "children": children}
        shown = texts(charts.contribution_chart({"total": 310.0, "tree": tree}))
        assert "Other" in shown
        assert not any(text.startswith("Small") for text in shown)
        assert {"Big 0", "Big 1", "Big 2"} <= set(shown)


class TestEscaping:
    def test_names_are_escaped_and_survive_parsing(self) -> None:
        name = "<script>alert('x')</script> & \"quoted\" \x07"
        result = credit_result()
        result["tree"]["children"][0]["name"] = name
        result["by_stage"][0]["key"] = name
        for chart in CHARTS:
            svg = chart(result)
            assert "<script>" not in svg
            root = parse(svg)
            assert not any(node.tag.endswith("script") for node in root.iter())
        assert any("<script>" in text for text in texts(charts.stage_chart(result)))


# --- property: any values give well-formed XML ---------------------------------------------

values = st.floats(min_value=-1e9, max_value=1e9, allow_nan=False) | st.sampled_from(
    [0.0, -0.0, 1e-12, math.inf, math.nan]
)
names = st.text(max_size=30)
contributions = st.lists(
    st.fixed_dictionaries(
        {
            "key": st.sampled_from(
                ["production", "use", "end-of-life", "CO2", "CH4", "CO2e", "SF6"]
            )
            | names,
            "value": values,
            "share": values,
        }
    ),
    max_size=6,
)
leaf = st.fixed_dictionaries(
    {"id": names, "name": names, "footprint": values, "direct": values, "amount": values}
)
trees = st.recursive(
    leaf,
    lambda children: st.fixed_dictionaries(
        {
            "id": names,
            "name": names,
            "footprint": values,
            "direct": values,
            "children": st.lists(children, max_size=5),
        }
    ),
    max_leaves=25,
)
stats = st.none() | st.fixed_dictionaries(
    {
        "p2_5": values,
        "p97_5": values,
        "median": values,
        "mean": values,
        "iterations": st.integers(0, 10_000),
    }
)
results = st.fixed_dictionaries(
    {
        "total": values,
        "unit": names,
        "amount": st.floats(min_value=0.001, max_value=1e6),
        "by_stage": contributions,
        "by_gas": contributions,
        "tree": trees,
        "uncertainty": stats,
    }
)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(result=results)
def test_any_result_gives_well_formed_svg(result: dict[str, Any]) -> None:
    for chart in CHARTS:
        root = parse(chart(result))
        for node in root.iter():
            for value in node.attrib.values():
                assert "nan" not in value.lower().split() and "inf" not in value.lower().split()
