"""The accounts policy: every right, which roles hold it, and the acting party.

This is the one place that says who may do what. Routes declare the right they need
(``tanji.web.deps.require``); services assert it with :func:`ensure`. Visibility of an
organisation's own data is decided by each domain's ``queries`` module.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from enum import StrEnum

from tanji.accounts.models import OrganisationKind as Kind
from tanji.core.errors import Forbidden
from tanji.core.i18n import N_, _, gettext


class Right(StrEnum):
    STUDY_READ = "study:read"  # see one's own organisation's products, studies, results
    STUDY_EDIT = "study:edit"  # create and change products and studies, upload models
    STUDY_CALCULATE = "study:calculate"
    FACTOR_READ = "factor:read"
    FACTOR_SUBMIT = "factor:submit"  # propose a factor or a new version
    FACTOR_REVIEW = "factor:review"  # four-eyes approval, withdrawal
    FACTOR_RELEASE = "factor:release"  # freeze a release
    ORG_MANAGE = "org:manage"  # users and API clients of one's organisation
    PLATFORM_ADMIN = "platform:admin"  # organisations of every kind
    CERT_APPLY = "cert:apply"  # apply for certification of one's own study
    CERT_VERIFY = "cert:verify"  # a certification body's steps: accept … verify
    CERT_DECIDE = "cert:decide"  # decide, issue, surveil, suspend, withdraw certificates
    SUPERVISE = "supervise"  # the regulator's dashboards and flags
    DISCLOSE = "footprint:disclose"  # publish, share and withdraw footprints; answer requests
    SUPPLY_REQUEST = "supply:request"  # ask suppliers for footprints, import them


class Role(StrEnum):
    ADMIN = "admin"  # an organisation's administrator
    MANAGER = "manager"  # an enterprise's carbon manager (碳管理员)
    VIEWER = "viewer"
    VERIFIER = "verifier"  # a certification body's verifier (核查员)
    OFFICER = "officer"  # a regulator's officer
    ANALYST = "analyst"  # a bank's analyst
    REVIEWER = "reviewer"  # the platform's factor reviewer
    CONTRIBUTOR = "contributor"  # the platform's factor contributor


_READ = {Right.FACTOR_READ}
_ENTERPRISE_WORK = {
    Right.STUDY_READ,
    Right.STUDY_EDIT,
    Right.STUDY_CALCULATE,
    Right.FACTOR_READ,
    Right.DISCLOSE,
    Right.SUPPLY_REQUEST,
}

ROLE_RIGHTS: dict[tuple[str, Role], frozenset[Right]] = {
    (Kind.ENTERPRISE, Role.ADMIN): frozenset(
        _ENTERPRISE_WORK | {Right.ORG_MANAGE, Right.CERT_APPLY}
    ),
    (Kind.ENTERPRISE, Role.MANAGER): frozenset(_ENTERPRISE_WORK | {Right.CERT_APPLY}),
    (Kind.ENTERPRISE, Role.VIEWER): frozenset({Right.STUDY_READ, Right.FACTOR_READ}),
    # a certification body reads only the studies it was asked to certify (footprints.queries)
    (Kind.CERTIFIER, Role.ADMIN): frozenset(
        _READ | {Right.STUDY_READ, Right.ORG_MANAGE, Right.CERT_VERIFY, Right.CERT_DECIDE}
    ),
    (Kind.CERTIFIER, Role.VERIFIER): frozenset(_READ | {Right.STUDY_READ, Right.CERT_VERIFY}),
    (Kind.REGULATOR, Role.ADMIN): frozenset(_READ | {Right.ORG_MANAGE, Right.SUPERVISE}),
    (Kind.REGULATOR, Role.OFFICER): frozenset(_READ | {Right.SUPERVISE}),
    (Kind.BANK, Role.ADMIN): frozenset(_READ | {Right.ORG_MANAGE}),
    (Kind.BANK, Role.ANALYST): frozenset(_READ),
    (Kind.PLATFORM, Role.ADMIN): frozenset(
        _READ
        | {
            Right.FACTOR_SUBMIT,
            Right.FACTOR_REVIEW,
            Right.FACTOR_RELEASE,
            Right.ORG_MANAGE,
            Right.PLATFORM_ADMIN,
        }
    ),
    (Kind.PLATFORM, Role.REVIEWER): frozenset(_READ | {Right.FACTOR_REVIEW, Right.FACTOR_RELEASE}),
    (Kind.PLATFORM, Role.CONTRIBUTOR): frozenset(_READ | {Right.FACTOR_SUBMIT}),
}


def roles_for(kind: str) -> tuple[Role, ...]:
    """The roles an organisation of this kind can give its people."""
    return tuple(role for (k, role) in ROLE_RIGHTS if k == kind)


def rights_of(kind: str, role: str) -> frozenset[Right]:
    try:
        return ROLE_RIGHTS[(kind, Role(role))]
    except (KeyError, ValueError):
        return frozenset()


@dataclass(frozen=True)
class Actor:
    """Who is acting: a logged-in person or an API client, inside one organisation."""

    organisation_id: uuid.UUID
    organisation_kind: str
    role: str
    name: str
    user_id: uuid.UUID | None = None
    client_id: uuid.UUID | None = None

    @property
    def rights(self) -> frozenset[Right]:
        return rights_of(self.organisation_kind, self.role)

    def can(self, right: Right) -> bool:
        return right in self.rights

    @property
    def label(self) -> str:
        """How the audit trail names this actor (a username or ``client:<id>``)."""
        return self.name


def ensure(actor: Actor, right: Right) -> None:
    """Raise :class:`Forbidden` unless ``actor`` holds ``right``."""
    if not actor.can(right):
        raise Forbidden(
            _("Your role ({role}) does not allow this: it needs the right '{right}'.").format(
                role=role_name(actor.role), right=right.value
            )
        )


ROLE_NAMES = {
    Role.ADMIN: N_("Administrator"),
    Role.MANAGER: N_("Carbon manager"),
    Role.VIEWER: N_("Viewer"),
    Role.VERIFIER: N_("Verifier"),
    Role.OFFICER: N_("Officer"),
    Role.ANALYST: N_("Analyst"),
    Role.REVIEWER: N_("Factor reviewer"),
    Role.CONTRIBUTOR: N_("Factor contributor"),
}

KIND_NAMES = {
    Kind.ENTERPRISE: N_("Enterprise"),
    Kind.CERTIFIER: N_("Certification body"),
    Kind.REGULATOR: N_("Regulator"),
    Kind.BANK: N_("Bank"),
    Kind.PLATFORM: N_("Platform operator"),
}


def role_name(role: str) -> str:
    """The translated name of a role."""
    try:
        return gettext(ROLE_NAMES[Role(role)])
    except (KeyError, ValueError):
        return role


def kind_name(kind: str) -> str:
    return gettext(KIND_NAMES.get(kind, kind))


def rights_table() -> str:
    """The policy as a Markdown table (docs/platform.md holds it; a test keeps them equal)."""
    order = list(Right)
    lines = [
        "| organisation kind | role | " + " | ".join(f"`{r.value}`" for r in order) + " |",
        "|---|---|" + "---|" * len(order),
    ]
    for (kind, role), rights in ROLE_RIGHTS.items():
        marks = " | ".join("✓" if r in rights else "" for r in order)
        lines.append(f"| {kind} | {role.value} | {marks} |")
    return "\n".join(lines)
