"""Factor database benchmark: import, search and resolution at 100,000 factors.

Run ``python -m benchmarks.bench_factors`` (``make bench`` runs it). Targets on SQLite:
import ≥ 20,000 rows/s, search p95 < 50 ms, resolving 10,000 references < 1 s. Set
TANJI_BENCH_POSTGRES_URL to measure a PostgreSQL database too (it is emptied first).
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import tempfile
import time
from pathlib import Path

from sqlalchemy import text

from tanji.core.gwp import gwp_table
from tanji.core.units import parse_unit
from tanji.db.engine import make_engine
from tanji.db.migrate import upgrade
from tanji.db.session import session_scope
from tanji.factors import service
from tanji.factors.release_resolver import ReleaseResolver
from tanji.factors.resolve import FactorRef

MATERIALS = [
    ("钢材", "steel"), ("电解铝", "aluminium"), ("水泥", "cement"), ("熟料", "clinker"),
    ("石灰", "lime"), ("平板玻璃", "flat glass"), ("合成氨", "ammonia"), ("甲醇", "methanol"),
    ("电石", "calcium carbide"), ("氢气", "hydrogen"), ("多晶硅", "polysilicon"),
    ("光伏组件", "PV module"), ("锂电池", "lithium battery"), ("焦炭", "coke"),
    ("原煤", "raw coal"), ("天然气", "natural gas"), ("柴油", "diesel"), ("电力", "electricity"),
    ("铜", "copper"), ("纯碱", "soda ash"),
]  # fmt: skip
ROUTES = ["BF-BOF", "EAF", "prebaked", "coal gasification", "SMR", "PEM", "dry kiln", "float"]
REGIONS = ["CN", "CN-SX", "CN-NORTH", "CN-EAST", "CN-GD", "CN-SC", "GLO", "CN-SD", "CN-HE"]
UNITS = ["kg", "t", "kWh", "MJ", "Nm3", "t*km", "m2", "piece"]
CATEGORIES = ["metals", "building-materials", "chemicals", "fuels", "electricity", "products"]


def synthetic_rows(count: int, seed: int = 7) -> list[tuple[int, dict[str, str]]]:
    """Realistic-looking factor rows: bilingual names, routes, regions, years, citations."""
    rng = random.Random(seed)
    rows = []
    for i in range(count):
        zh, en = MATERIALS[i % len(MATERIALS)]
        route = rng.choice(ROUTES)
        region = rng.choice(REGIONS)
        year = 2015 + i % 11
        rows.append(
            (
                i + 2,
                {
                    "slug": f"bench-{en.replace(' ', '-').lower()}-{i}",
                    "flow": f"bench-{en.replace(' ', '-').lower()}-{i % 500}",
                    "name_zh": f"{zh}（{route}，{region}）{i}",
                    "name_en": f"{en}, {route}, {region} #{i}",
                    "synonyms": f"{zh}{i % 97}|{en} {route}",
                    "category": CATEGORIES[i % len(CATEGORIES)],
                    "unit": UNITS[i % len(UNITS)],
                    "composition": f"CO2={rng.uniform(0.1, 20):.6g};CH4={rng.uniform(0, 0.01):.6g}",
                    "origin": "fossil",
                    "boundary": "cradle-to-gate",
                    "geography": region,
                    "year": str(year),
                    "technology": route,
                    "document": f"Synthetic benchmark source {i % 50}",
                    "table": f"Table {i % 9}",
                    "url": "https://example.org/bench",
                    "license": "CC0",
                    "reliability": str(1 + i % 5),
                    "completeness": "2",
                    "temporal": "2",
                    "geographical": "3",
                    "technological": "2",
                },
            )
        )
    return rows


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def run(url: str, count: int, queries: int, refs: int) -> dict[str, float]:
    engine = make_engine(url)
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public"))
    upgrade(engine)
    rows = synthetic_rows(count)
    # A running platform has its unit registry and GWP tables loaded; load them before the
    # clock starts so the figure is import throughput, not process start-up (≈ 0.5 s).
    parse_unit("kg")
    gwp_table("AR6")

    start = time.perf_counter()
    with session_scope(engine) as session:
        report = service.import_factors(session, rows=rows, actor="bench", publish=True)
    import_seconds = time.perf_counter() - start
    assert report.created == count
    with session_scope(engine) as session:
        release = service.create_release(session, name="bench.1", actor="bench")

    rng = random.Random(11)
    timings = []
    with session_scope(engine) as session:
        for q in range(queries):
            zh, en = rng.choice(MATERIALS)
            kind = q % 5
            query = [
                service.SearchQuery(text=zh),
                service.SearchQuery(text=f"{en.split()[0]} {rng.choice(ROUTES).split()[0]}"),
                service.SearchQuery(text=en, geography=rng.choice(REGIONS)),
                service.SearchQuery(category=rng.choice(CATEGORIES), year=2020, dimension="mass"),
                service.SearchQuery(text=f"{zh}{rng.randrange(97)}", release="bench.1"),
            ][kind]
            began = time.perf_counter()
            service.search(session, query)
            timings.append(time.perf_counter() - began)

    with session_scope(engine) as session:
        release = service.get_release(session, name="bench.1")
        references = []
        for k in range(refs):
            i = rng.randrange(count)
            zh, en = MATERIALS[i % len(MATERIALS)]
            if k % 2:
                references.append((FactorRef(slug=f"bench-{en.replace(' ', '-').lower()}-{i}"), ()))
            else:
                flow = f"bench-{en.replace(' ', '-').lower()}-{i % 500}"
                references.append((FactorRef(flow=flow, geography="CN-SX", year=2022), ()))
        began = time.perf_counter()
        resolved = ReleaseResolver(session, release).resolve_many(references)
        resolve_seconds = time.perf_counter() - began
        assert len(resolved) == refs
    engine.dispose()
    return {
        "rows_per_second": count / import_seconds,
        "import_seconds": import_seconds,
        "search_median_ms": statistics.median(timings) * 1000,
        "search_p95_ms": percentile(timings, 0.95) * 1000,
        "resolve_seconds": resolve_seconds,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--refs", type=int, default=10_000)
    parser.add_argument("--quick", action="store_true", help="10,000 rows, 50 queries")
    args = parser.parse_args()
    if args.quick:
        args.rows, args.queries, args.refs = 10_000, 50, 2_000
    print(f"# Factor database benchmark ({platform.processor() or platform.machine()}, "
          f"{os.cpu_count()} cores, Python {platform.python_version()})")  # fmt: skip
    print(f"rows {args.rows:,}, search queries {args.queries}, references {args.refs:,}\n")
    print("| database | import rows/s | search median | search p95 | resolve refs |")
    print("|---|---|---|---|---|")
    targets = []
    with tempfile.TemporaryDirectory() as folder:
        targets.append(("SQLite", f"sqlite:///{Path(folder) / 'bench.db'}"))
        if os.environ.get("TANJI_BENCH_POSTGRES_URL"):
            targets.append(("PostgreSQL", os.environ["TANJI_BENCH_POSTGRES_URL"]))
        for name, url in targets:
            r = run(url, args.rows, args.queries, args.refs)
            print(
                f"| {name} | {r['rows_per_second']:,.0f} | {r['search_median_ms']:.1f} ms | "
                f"{r['search_p95_ms']:.1f} ms | {r['resolve_seconds']:.3f} s |"
            )


if __name__ == "__main__":
    main()
