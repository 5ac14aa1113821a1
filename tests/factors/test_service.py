"""The factor database: transactional imports, versions, review, releases, diff, search."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tanji.core.errors import Conflict, Forbidden, InvalidInput
from tanji.factors import service
from tanji.factors.models import FactorRecord, FactorStatus
from tests.factors.builders import numbered, row


def count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(FactorRecord))


class TestImport:
    def test_rows_become_factors_with_ar6_values(self, session: Session) -> None:
        report = service.import_factors(
            session,
            rows=numbered(row("coal", composition="CO2=2.0;CH4=0.001;N2O=0.0001")),
            actor="alice",
        )
        assert report.created == 1
        record = service.get_version(session, slug="coal")
        # 2.0 + 0.001 × 29.8 + 0.0001 × 273 = 2.0571
        assert record.co2e == pytest.approx(2.0571)
        assert record.status == FactorStatus.DRAFT and record.version == 1
        assert [g.gas for g in record.gases] == ["CO2", "CH4", "N2O"]
        assert record.dimension == "mass"

    def test_a_bad_row_rejects_the_whole_file(self, session: Session) -> None:
        before = count(session)
        rows = numbered(row("ok-1"), row("bad", unit="kgg"), row("ok-2"), row("Bad Slug"))
        with pytest.raises(service.ImportRejected) as caught:
            service.import_factors(session, rows=rows, actor="alice")
        lines = caught.value.lines()
        assert len(lines) == 2
        assert "row 3, column 'unit'" in lines[0] and "kgg" in lines[0]
        assert "row 5, column 'slug'" in lines[1]
        assert count(session) == before

    def test_skip_invalid_imports_the_rest_and_reports(self, session: Session) -> None:
        rows = numbered(row("ok-1"), row("bad", composition="CO2"), row("ok-2"))
        report = service.import_factors(session, rows=rows, actor="alice", skip_invalid=True)
        assert report.created == 2
        assert [loc for loc, _message in report.skipped] == [(3, "composition")]

    @pytest.mark.parametrize(
        ("field", "value", "column"),
        [
            ("category", "sweets", "category"),
            ("composition", "XYZ=1", "composition"),
            ("origin", "volcanic", "origin"),
            ("year", "20x4", "year"),
            ("reliability", "7", "reliability"),
            ("document", "", "document"),
            ("geography", "china", "geography"),
            ("uncertainty", "lognormal wide", "uncertainty"),
        ],
    )
    def test_each_column_is_checked(self, session: Session, field, value, column) -> None:
        with pytest.raises(service.ImportRejected) as caught:
            service.import_factors(session, rows=numbered(row("x", **{field: value})), actor="a")
        assert caught.value.problems[0][0] == (2, column)

    def test_duplicate_slugs_in_one_file(self, session: Session) -> None:
        with pytest.raises(service.ImportRejected, match="row 2"):
            service.import_factors(session, rows=numbered(row("x"), row("x")), actor="a")

    def test_versions(self, session: Session) -> None:
        service.import_factors(session, rows=numbered(row("gas", 2.0)), actor="cur", publish=True)
        again = service.import_factors(
            session, rows=numbered(row("gas", 2.0)), actor="cur", publish=True
        )
        assert again.unchanged == 1 and again.written == 0
        changed = service.import_factors(
            session, rows=numbered(row("gas", 2.2)), actor="cur", publish=True
        )
        assert changed.new_versions == 1
        versions = [record for record, _events in service.history(session, slug="gas")]
        assert [(r.version, r.status) for r in versions] == [
            (1, FactorStatus.SUPERSEDED),
            (2, FactorStatus.PUBLISHED),
        ]


class TestReview:
    def test_submit_approve_publish(self, session: Session) -> None:
        service.import_factors(session, rows=numbered(row("steel", 1.9)), actor="contrib")
        service.submit(session, slug="steel", actor="contrib")
        with pytest.raises(Forbidden):
            service.review(session, slug="steel", actor="contrib", approve=True)
        record = service.review(session, slug="steel", actor="reviewer", approve=True)
        assert record.status == FactorStatus.PUBLISHED and record.reviewer == "reviewer"
        actions = [e.action for e in service.history(session, slug="steel")[0][1]]
        assert actions == ["imported", "submitted", "approved"]

    def test_reject_needs_a_reason_and_can_be_resubmitted(self, session: Session) -> None:
        service.import_factors(session, rows=numbered(row("cement", 0.6)), actor="contrib")
        service.submit(session, slug="cement", actor="contrib")
        with pytest.raises(InvalidInput, match="reason"):
            service.review(session, slug="cement", actor="rev", approve=False)
        record = service.review(
            session, slug="cement", actor="rev", approve=False, reason="Source table missing"
        )
        assert record.status == FactorStatus.REJECTED
        assert service.submit(session, slug="cement", actor="contrib").status == "in-review"

    def test_only_reviewed_factors_enter_a_release(self, session: Session) -> None:
        service.import_factors(session, rows=numbered(row("pub", 1.0)), actor="cur", publish=True)
        service.import_factors(session, rows=numbered(row("draft", 1.0)), actor="contrib")
        release = service.create_release(session, name="t.1", actor="cur")
        slugs = [r.slug for r in service.release_factors(session, release=release)]
        assert slugs == ["pub"]

    def test_submitting_twice_is_a_conflict(self, session: Session) -> None:
        service.import_factors(session, rows=numbered(row("x")), actor="c")
        service.submit(session, slug="x", actor="c")
        with pytest.raises(Conflict):
            service.submit(session, slug="x", actor="c")


class TestReleases:
    def test_releases_are_frozen_and_diffed(self, session: Session) -> None:
        service.import_factors(
            session,
            rows=numbered(row("a", 1.0), row("b", 2.0), row("c", 3.0)),
            actor="cur",
            publish=True,
        )
        service.create_release(session, name="r.1", actor="cur")
        with pytest.raises(Conflict):
            service.create_release(session, name="r.1", actor="cur")
        service.import_factors(
            session, rows=numbered(row("b", 2.5), row("d", 4.0)), actor="cur", publish=True
        )
        service.withdraw(session, slug="c", actor="cur", reason="Source retracted")
        service.create_release(session, name="r.2", actor="cur")
        old = {
            r.slug: r.co2e
            for r in service.release_factors(
                session, release=service.get_release(session, name="r.1")
            )
        }
        assert old == {"a": 1.0, "b": 2.0, "c": 3.0}  # r.1 unchanged by later edits
        diff = service.diff_releases(session, old="r.1", new="r.2")
        assert [r.slug for r in diff.added] == ["d"]
        assert [(c.slug, c.change) for c in diff.changed] == [("b", pytest.approx(0.25))]
        assert [r.slug for r in diff.withdrawn] == ["c"]

    def test_an_empty_release_is_refused(self, session: Session) -> None:
        with pytest.raises(InvalidInput):
            service.create_release(session, name="empty", actor="cur")


class TestSearch:
    @pytest.fixture
    def stocked(self, session: Session) -> Session:
        service.import_factors(
            session,
            rows=numbered(
                row(
                    "raw-coal",
                    name_zh="原煤燃烧",
                    name_en="Raw coal combustion",
                    synonyms="煤炭|coal",
                ),
                row("diesel", name_zh="柴油", name_en="Diesel", geography="GLO", year="2006"),
                row(
                    "grid-sx",
                    name_zh="山西电网",
                    name_en="Shanxi grid",
                    unit="kWh",
                    category="electricity",
                    geography="CN-SX",
                ),
            ),
            actor="cur",
            publish=True,
        )
        return session

    @pytest.mark.parametrize(
        ("query", "expected"),
        [
            (service.SearchQuery(text="原煤"), ["raw-coal"]),
            (service.SearchQuery(text="COAL"), ["raw-coal"]),
            (service.SearchQuery(text="煤炭"), ["raw-coal"]),
            (service.SearchQuery(text="coal combustion"), ["raw-coal"]),
            (service.SearchQuery(category="electricity"), ["grid-sx"]),
            (service.SearchQuery(geography="GLO"), ["diesel"]),
            (service.SearchQuery(dimension="energy"), ["grid-sx"]),
            (service.SearchQuery(year=2006), ["diesel"]),
            (service.SearchQuery(text="100%"), []),
        ],
    )
    def test_filters(self, stocked: Session, query, expected) -> None:
        assert [r.slug for r in service.search(stocked, query)] == expected
