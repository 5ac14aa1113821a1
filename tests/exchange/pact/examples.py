"""The shipped example models, calculated once as ``tanji calc --json --no-db`` does, and the
owner's facts a PACT footprint needs on top (test data: ids, codes and masses are made up)."""

from __future__ import annotations

import datetime as dt
import uuid
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from tanji.exchange.pact import PactSource, source_from_calculation
from tanji.factors.resolve import SeedTable
from tanji.footprints import service
from tanji.rules.service import check_study, report_to_dict

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"
NAMES = sorted(path.name for path in EXAMPLES.glob("*.yaml"))
CREATED = dt.datetime(2025, 3, 1, 8, 30, tzinfo=dt.UTC)
COMPANY = "urn:pact:company:customcode:vendor-assigned:SX-0001"

# UN CPC 2.1 codes for the example products (classification test data).
CPC = {
    "bf-bof-steel.yaml": "4121",
    "coal-methanol.yaml": "3411",
    "lfp-battery-pack.yaml": "4642",
    "portland-cement.yaml": "3744",
    "primary-aluminium.yaml": "4153",
    "pv-module.yaml": "4632",
}
# What the owner states beyond the model: a PV module declared per kWp has no PACT unit, so
# the study states it in square metres of module (and the module mass); a battery pack
# declared per kWh of capacity gives its mass although PACT would accept "0".
EXTRA: dict[str, dict[str, Any]] = {
    "pv-module.yaml": {"declared_unit_as": ("square meter", 4.65), "mass_per_declared_unit": 52.0},
    "lfp-battery-pack.yaml": {"mass_per_declared_unit": 6.4},
}


@cache
def result_of(name: str) -> dict[str, Any]:
    """The stored result of an example, with its rule check, as the CLI prints it."""
    system, result = service.study_file(EXAMPLES / name, resolver=SeedTable())
    data = result.to_dict()
    data["rule_check"] = report_to_dict(check_study(system, result))
    return data


@cache
def model_of(name: str) -> dict[str, Any]:
    return yaml.safe_load((EXAMPLES / name).read_text(encoding="utf-8"))


def source_for(name: str, **overrides: Any) -> PactSource:
    """The PACT source of an example with fixed ids and times, so documents are stable."""
    arguments: dict[str, Any] = {
        "model": model_of(name),
        "company_name": "Shanxi Example Materials Co., Ltd.",
        "company_ids": [COMPANY],
        "product_ids": [f"urn:pact:tanji.example:product-id:{Path(name).stem}"],
        "classifications": [f"urn:pact:productclassification:un-cpc:{CPC[name]}"],
        "created": CREATED,
        "footprint_id": uuid.uuid5(uuid.NAMESPACE_URL, f"tanji-test:{name}"),
        **EXTRA.get(name, {}),
        **overrides,
    }
    return source_from_calculation(result_of(name), **arguments)
