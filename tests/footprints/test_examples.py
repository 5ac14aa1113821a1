"""The shipped example models give their hand-worked totals (arithmetic in examples/README.md)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tanji.footprints import service

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

# kg CO2e per declared unit, GWP AR6; each is worked out line by line in examples/README.md.
EXPECTED = {
    "primary-aluminium.yaml": 14216.50204,
    "portland-cement.yaml": 692.178864,
    "bf-bof-steel.yaml": 1854.041,
    "coal-methanol.yaml": 2583.616,
    "pv-module.yaml": 1721.072,
    "lfp-battery-pack.yaml": 139.2436,
}


class TestExamples:
    def test_every_example_has_an_expected_total(self) -> None:
        assert {path.name for path in EXAMPLES.glob("*.yaml")} == set(EXPECTED)

    @pytest.mark.parametrize("name", sorted(EXPECTED))
    def test_total_matches_the_hand_worked_figure(self, name: str) -> None:
        result = service.calculate_file(EXAMPLES / name)
        assert result.total == pytest.approx(EXPECTED[name], rel=1e-6)

    @pytest.mark.parametrize("name", sorted(EXPECTED))
    def test_validates(self, name: str) -> None:
        summary = service.validate_file(EXAMPLES / name)
        assert summary["processes"] >= 2

    def test_features_are_covered(self) -> None:
        allocation = service.calculate_file(EXAMPLES / "bf-bof-steel.yaml").allocation
        methods = {item["method"] for item in allocation}
        assert {"energy", "system-expansion"} <= methods
        tree = service.calculate_file(EXAMPLES / "coal-methanol.yaml", depth=8, tree_cutoff=0).tree
        loops = []

        def walk(node) -> None:
            loops.append(node.loop)
            for child in node.children:
                walk(child)

        walk(tree)
        assert any(loops)
