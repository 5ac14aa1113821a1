"""Rule operations for the faces: check a calculated study and grade it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from tanji.core.model import ProductSystem
from tanji.core.results import Result
from tanji.rules.catalogue import effective, get_rule, get_scheme
from tanji.rules.check import Finding, check, has_errors
from tanji.rules.grading import Grade, grade
from tanji.rules.schema import Rule


@dataclass(frozen=True)
class RuleReport:
    """A study's findings against its rule, and its grade."""

    rule: Rule
    findings: tuple[Finding, ...]
    grade: Grade | None

    @property
    def submittable(self) -> bool:
        """Whether the study may go to certification: no error findings."""
        return not has_errors(self.findings)


def report_to_dict(report: RuleReport) -> dict[str, Any]:
    """A rule report as plain data for JSON output and storage (``tanji calc --json``)."""
    return {
        "rule": report.rule.id,
        "rule_version": report.rule.version,
        "standard": report.rule.standard.id,
        "submittable": report.submittable,
        "findings": [asdict(finding) for finding in report.findings],
        "grade": asdict(report.grade) if report.grade else None,
    }


def check_study(
    system: ProductSystem,
    result: Result,
    *,
    rule_id: str | None = None,
    version: str | None = None,
    peers: Sequence[float] = (),
) -> RuleReport:
    """Check against the named rule, else the model's category, else the general rule."""
    chosen = rule_id or system.meta.get("category") or "general"
    rule = effective(get_rule(chosen, version))
    scheme = get_scheme(rule.grading) if rule.grading else None
    return RuleReport(
        rule=rule,
        findings=tuple(check(system, result, rule)),
        grade=grade(result, scheme, peers) if scheme else None,
    )


def grade_study(result: Result, scheme_id: str, peers: Sequence[float] = ()) -> Grade:
    """Grade a result by a named scheme (e.g. for a category without its own rule yet)."""
    return grade(result, get_scheme(scheme_id), peers)
