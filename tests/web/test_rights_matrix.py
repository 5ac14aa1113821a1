"""Rights × routes: every route states its right; no organisation reaches another's data.

The test is generic: it walks the routes of the application as it stands, so a router
added tomorrow is covered without editing this file — unless it brings a path parameter
nobody has taught the test to fill (then it fails and says so), or a route without
``require()`` that is not on the explicit PUBLIC list below (then it fails too: nothing
is public by omission).

1. Every route either depends on ``tanji.web.deps.require`` (found by walking the route's
   dependency tree for a callable carrying ``required_right``) or is on PUBLIC.
2. The matrix: one demo person per (organisation kind, role) — from
   ``tanji/data/demo/accounts.yaml`` — plus an anonymous visitor, against every route.
   The expected outcome is computed from ``tanji.accounts.policy.ROLE_RIGHTS``, so that
   table stays the single source of truth:

   * GET, anonymous: 303 to /login for pages, 401 under /api and /auth;
   * GET, lacking the right: 403; holding it: neither 401 nor 403 (nor a server error);
   * POST, anonymous: 303 / 401; lacking the right: 403, with a valid CSRF token.

   Order of checks: FastAPI resolves a route's dependencies — ``require()`` among them —
   before it raises the request-validation errors it collected, so an unauthorised caller
   sending an empty body gets 403, not 422. The POST cells assert exactly that; were a
   FastAPI upgrade to validate bodies first, the cells may be relaxed to 401/403/422, but
   a 2xx for a caller without the right must never be accepted.
3. Isolation: for every route with a parameter naming an object an organisation owns,
   the manager of another enterprise (carbon@aluminium.demo, who holds the same rights
   in their own organisation) gets 404 on GET and 403/404 on POST, and demo-cement's data
   is unchanged afterwards; demo-cement's API token cannot reach aluminium's objects,
   and no page or answer shown to demo-cement names an object of aluminium.

Path parameters are filled by PROVIDERS (keyed by parameter name), which find or create
an object owned by the organisation asked for through the services.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import yaml
from argon2 import PasswordHasher
from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.testclient import TestClient
from pydantic import BaseModel, TypeAdapter
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session
from starlette.routing import Mount

from tanji.accounts import service as accounts
from tanji.accounts.demo import demo_data
from tanji.accounts.models import ApiClient, Organisation, User
from tanji.accounts.policy import ROLE_RIGHTS, Actor, Right
from tanji.settings import Settings
from tanji.web.app import create_app
from tanji.web.deps import csrf_protect
from tests.web.conftest import DEMO_PASSWORD, post_form

try:
    from fastapi.routing import iter_route_contexts
except ImportError:  # an older FastAPI, whose app.routes is already flat

    def iter_route_contexts(routes):  # type: ignore[no-redef]
        return iter(routes)


OWNER = "demo-cement"  # whose objects fill the path parameters
RIVAL = "demo-aluminium"  # another enterprise, the same rights at home
RIVAL_PERSON = "carbon@aluminium.demo"
OWNER_CLIENT = ("demo-cement-api", "demo-cement-secret")

# Routes anyone may call. Each entry is deliberate: adding a route here makes it public.
PUBLIC: frozenset[tuple[str, str]] = frozenset(
    {
        ("GET", "/"),  # the welcome page (the workspace once logged in)
        ("GET", "/login"),
        ("POST", "/login"),
        ("POST", "/logout"),
        ("POST", "/auth/token"),  # OAuth2 client credentials: the client authenticates itself
        ("GET", "/api/openapi.json"),
        ("GET", "/api/docs"),
        ("GET", "/.well-known/jwks.json"),  # the public keys that verify labels offline
        ("GET", "/v/{token}"),  # the verdict on a scanned label, for anyone with a phone
        ("POST", "/api/v1/labels/verify"),  # the same check for programs (tanji label verify)
        # the public certificate registry and the embeddable badge (issue 6): no login
        ("GET", "/registry"),
        ("GET", "/registry/{certificate_number}"),
        ("GET", "/registry/{certificate_number}.json"),
        ("GET", "/badge/{certificate_number}.svg"),
        ("GET", "/badge/{certificate_number}"),
        ("GET", "/api/v1/registry/certificates"),
        ("GET", "/api/v1/registry/certificates/{certificate_number}"),
        ("GET", "/.well-known/openid-configuration"),  # PACT: where to get a token
        # public disclosures (issue 7): the public summary of publicly disclosed footprints
        ("GET", "/disclosures"),
        ("GET", "/disclosures/feed.json"),
        ("GET", "/disclosures/{org_slug}/{product_code}"),
        ("GET", "/disclosures/{org_slug}/{product_code}.json"),
    }
)
# The PACT host API (issue 7): bearer tokens only, a session cookie is refused with 401.
BEARER_ONLY = ("/2/", "/3/")
# Unsafe routes that need no CSRF token: they never act on a browser's cookie.
NO_CSRF: frozenset[tuple[str, str]] = frozenset(
    {
        ("POST", "/auth/token"),
        ("POST", "/api/v1/labels/verify"),  # public and stateless: reads no session cookie
        ("POST", "/3/events"),  # PACT events: bearer tokens only, never a cookie
        ("POST", "/2/events"),
    }
)
UNSAFE = ("POST", "PUT", "PATCH", "DELETE")


# --- the routes ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str
    guarded: bool  # some dependency is require(...)
    rights: frozenset[Right]  # every right some require(...) asks for; empty: logged in
    csrf: bool  # some dependency is the CSRF check
    query: tuple[str, ...] = ()  # required query parameters

    @property
    def params(self) -> tuple[str, ...]:
        return tuple(re.findall(r"\{(\w+)(?::\w+)?\}", self.path))

    @property
    def api(self) -> bool:
        return self.path.startswith(("/api/", "/auth/", *BEARER_ONLY))

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


def _calls(dependant: Dependant) -> Iterator[Callable[..., Any]]:
    """Every dependency callable of a route, depth first."""
    for sub in dependant.dependencies:
        if sub.call is not None:
            yield sub.call
        yield from _calls(sub)


def _required_query(dependant: Dependant) -> Iterator[str]:
    for param in dependant.query_params:
        annotation = param.field_info.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            # a query model (``form: Annotated[SearchForm, Query()]``): its own fields count
            for name, sub in annotation.model_fields.items():
                if sub.is_required():
                    yield sub.alias or name
        elif param.field_info.is_required():
            yield param.alias or param.name
    for sub in dependant.dependencies:
        yield from _required_query(sub)


def walk(app: FastAPI) -> tuple[list[Endpoint], list[str]]:
    """The app's endpoints, and the paths of its mounts.

    ``app.routes`` holds plain routes (``APIRoute``, starlette ``Route``, ``Mount``) and,
    in the FastAPI this project pins (0.165), included routers that are resolved lazily;
    ``fastapi.routing.iter_route_contexts`` yields each effective route with its full
    path and its dependency tree, router-level dependencies included.
    """
    endpoints: list[Endpoint] = []
    mounts: list[str] = []
    for context in iter_route_contexts(app.routes):
        if isinstance(getattr(context, "original_route", context), Mount):
            mounts.append(context.path or "")
            continue
        dependant = getattr(context, "dependant", None)
        calls = list(_calls(dependant)) if dependant is not None else []
        guards = [call for call in calls if hasattr(call, "required_right")]
        csrf = any(call is csrf_protect for call in calls)
        query = tuple(_required_query(dependant)) if dependant is not None else ()
        for method in sorted(context.methods or ()):
            if method == "HEAD":
                continue
            endpoints.append(
                Endpoint(
                    method=method,
                    path=context.path or "",
                    guarded=bool(guards),
                    rights=frozenset(g.required_right for g in guards if g.required_right),
                    csrf=csrf,
                    query=query,
                )
            )
    return endpoints, mounts


def _collect() -> list[Endpoint]:
    """The routes, read at collection time so each cell becomes its own named test.

    No database is touched: an engine that never connects is enough to build the app.
    """
    engine = create_engine("sqlite://")
    try:
        return walk(create_app(Settings(), engine=engine))[0]
    finally:
        engine.dispose()


ENDPOINTS = _collect()
GUARDED = [e for e in ENDPOINTS if e.guarded]


# --- the people ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Persona:
    key: str  # "enterprise-manager"
    username: str
    organisation: str
    kind: str
    role: str
    demo: bool  # a demo person; otherwise the test adds them to a demo organisation

    def holds(self, rights: frozenset[Right]) -> bool:
        return rights <= ROLE_RIGHTS[(self.kind, self.role)]  # type: ignore[index]


def _personas() -> dict[str, Persona]:
    """One person per (kind, role) of ROLE_RIGHTS: the first demo person who has it
    (demo-cement's for enterprises), else one this test adds to a demo organisation of
    that kind — so a role without a demo person is still checked."""
    organisations = demo_data()["organisations"]
    found: dict[str, Persona] = {}
    for org in organisations:
        for user in org.get("users", ()):
            key = f"{org['kind']}-{user['role']}"
            found.setdefault(
                key, Persona(key, user["username"], org["slug"], org["kind"], user["role"], True)
            )
    for kind, role in ROLE_RIGHTS:
        key = f"{kind}-{role.value}"
        if key not in found:
            home = next((org["slug"] for org in organisations if org["kind"] == kind), None)
            assert home is not None, f"the demo data has no organisation of kind {kind}"
            username = f"matrix-{role.value}@{home}.test"
            found[key] = Persona(key, username, home, kind, role.value, False)
    return found


PERSONAS = _personas()
ANONYMOUS = "anonymous"


def _cells(endpoints: list[Endpoint], keep: Callable[[Endpoint, str], bool]) -> list[Any]:
    return [
        pytest.param(endpoint, who, id=f"{endpoint} × {who}")
        for endpoint in endpoints
        for who in [*PERSONAS, ANONYMOUS]
        if keep(endpoint, who)
    ]


def _lacks(endpoint: Endpoint, who: str) -> bool:
    return who == ANONYMOUS or not PERSONAS[who].holds(endpoint.rights)


GET_CELLS = _cells([e for e in GUARDED if e.method == "GET"], lambda e, who: True)
UNSAFE_CELLS = _cells([e for e in GUARDED if e.method in UNSAFE], _lacks)


# --- the platform under test and its objects ----------------------------------------------


@pytest.fixture(scope="module")
def web_app(tmp_path_factory) -> Iterator[FastAPI]:
    """A platform of its own (the test adds people and objects), with cheap argon2
    parameters: the matrix checks who may do what, not the password work factor."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(accounts, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024))
        app = create_app(Settings(data_dir=tmp_path_factory.mktemp("rights-web"), demo=True))
        yield app
        app.state.engine.dispose()


def _browser(app: FastAPI) -> TestClient:
    browser = TestClient(app, base_url="http://testserver")
    browser.cookies.set("tanji_lang", "en")
    browser.get("/login")  # sets the CSRF cookie
    return browser


@pytest.fixture(scope="module")
def browsers(web_app: FastAPI) -> Iterator[dict[str, TestClient]]:
    """One logged-in browser per persona (and the rival manager), one anonymous visitor."""
    with web_app.state.sessions() as session:
        for persona in PERSONAS.values():
            if not persona.demo:
                accounts.create_user(
                    session,
                    organisation=accounts.get_organisation(session, slug=persona.organisation),
                    username=persona.username,
                    password=DEMO_PASSWORD,
                    role=persona.role,
                )
        session.commit()
    made = {ANONYMOUS: _browser(web_app)}
    for key, username in [
        *((p.key, p.username) for p in PERSONAS.values()),
        ("rival", RIVAL_PERSON),
    ]:
        browser = _browser(web_app)
        response = post_form(
            browser,
            "/login",
            {"username": username, "password": DEMO_PASSWORD},
            follow_redirects=False,
        )
        assert response.status_code == 303, f"{username} cannot log in: {response.text[:300]}"
        made[key] = browser
    yield made
    for browser in made.values():
        browser.close()


class World:
    """Objects of demo-cement and demo-aluminium for the path parameters, made on demand."""

    def __init__(self, app: FastAPI) -> None:
        self.app = app
        self.cache: dict[tuple[str, str], Any] = {}
        self.private: dict[str, set[str]] = {}

    def session(self) -> Session:
        return self.app.state.sessions()

    def actor(self, session: Session, owner: str) -> Actor:
        organisation = accounts.get_organisation(session, slug=owner)
        manager = session.scalar(
            select(User)
            .where(User.organisation_id == organisation.id, User.role == "manager")
            .order_by(User.username)
        )
        assert manager is not None, f"{owner} has no carbon manager in the demo data"
        return accounts.actor_for_user(session, manager)

    def _memo(self, key: str, owner: str, make: Callable[[Session, Actor], Any]) -> Any:
        if (key, owner) not in self.cache:
            with self.session() as session:
                value = make(session, self.actor(session, owner))
                session.commit()
            self.cache[(key, owner)] = value
        return self.cache[(key, owner)]

    # -- studies (tanji.footprints.studies) --

    def product_id(self, owner: str) -> uuid.UUID:
        from tanji.footprints import studies

        def make(session: Session, actor: Actor) -> uuid.UUID:
            for product in studies.list_products(session, actor=actor):
                return product.id
            return studies.create_product(
                session, actor=actor, code="MATRIX-1", name_zh="矩阵测试产品", category="cement"
            ).id

        return self._memo("product", owner, make)

    def study_id(self, owner: str) -> uuid.UUID:
        from tanji.footprints import studies

        def make(session: Session, actor: Actor) -> uuid.UUID:
            for study in studies.list_studies(session, actor=actor):
                return study.id
            return studies.create_study_from_template(
                session,
                actor=actor,
                product_id=self.product_id(owner),
                rule_id="cement",
                title="Rights matrix",
            ).id

        return self._memo("study", owner, make)

    def version_number(self, owner: str) -> int:
        from tanji.footprints import studies

        def make(session: Session, actor: Actor) -> int:
            return studies.get_study(
                session, actor=actor, study_id=self.study_id(owner)
            ).latest_version

        return self._memo("number", owner, make)

    def calculation_id(self, owner: str) -> uuid.UUID:
        from tanji.footprints import studies

        def make(session: Session, actor: Actor) -> uuid.UUID:
            study_id = self.study_id(owner)
            for calculation in studies.list_calculations(session, actor=actor, study_id=study_id):
                return calculation.id
            return studies.calculate(session, actor=actor, study_id=study_id, iterations=50).id

        return self._memo("calculation", owner, make)

    def model_text(self, owner: str) -> str:
        from tanji.footprints import studies

        def make(session: Session, actor: Actor) -> str:
            return studies.get_version(session, actor=actor, study_id=self.study_id(owner)).model

        return self._memo("model", owner, make)

    # -- certificates (rows made directly: tests/labels/certificates.py) --

    def certificate_number(self, owner: str) -> str:
        """A valid certificate of ``owner``'s calculation, issued by demo-certifier."""
        from tanji.footprints.models import Calculation
        from tests.labels.certificates import certificate

        calculation_id = self.calculation_id(owner)

        def make(session: Session, actor: Actor) -> str:
            return certificate(
                session,
                holder=accounts.get_organisation(session, slug=owner),
                certifier=accounts.get_organisation(session, slug="demo-certifier"),
                calc=session.get(Calculation, calculation_id),
                issued_on=datetime.date.today(),
                expires_on=datetime.date.today() + datetime.timedelta(days=730),
            ).number

        return self._memo("certificate", owner, make)

    def label_token(self, owner: str) -> str:
        """The current label token of ``owner``'s certificate (for /v/{token})."""
        from tanji.labels import signing
        from tanji.labels.models import Certificate

        number = self.certificate_number(owner)

        def make(session: Session, actor: Actor) -> str:
            found = session.scalar(select(Certificate).where(Certificate.number == number))
            return signing.current_label_token(
                session, certificate=found, issuer="http://testserver"
            )

        return self._memo("token", owner, make)

    # -- certification applications (tanji.labels.service) --

    def application_id(self, owner: str) -> uuid.UUID:
        """The application behind ``owner``'s certificate (addressed to demo-certifier)."""
        from tanji.labels.models import Certificate

        number = self.certificate_number(owner)

        def make(session: Session, actor: Actor) -> uuid.UUID:
            return session.scalar(
                select(Certificate.application_id).where(Certificate.number == number)
            )

        return self._memo("application", owner, make)

    def certificate_id(self, owner: str) -> uuid.UUID:
        from tanji.labels.models import Certificate

        number = self.certificate_number(owner)

        def make(session: Session, actor: Actor) -> uuid.UUID:
            return session.scalar(select(Certificate.id).where(Certificate.number == number))

        return self._memo("certificate_id", owner, make)

    def attachment_id(self, owner: str) -> uuid.UUID:
        """A document attached to ``owner``'s application (a row made directly)."""
        from tanji.labels.models import Attachment

        application_id = self.application_id(owner)

        def make(session: Session, actor: Actor) -> uuid.UUID:
            content = b"rights matrix evidence\n"
            made = Attachment(
                application_id=application_id,
                filename="matrix.txt",
                content_type="text/plain",
                size=len(content),
                sha256=hashlib.sha256(content).hexdigest(),
                content=content,
                uploaded_by="matrix",
            )
            session.add(made)
            session.flush()
            return made.id

        return self._memo("attachment", owner, make)

    # -- published PACT footprints (tanji.exchange.pact; the demo data publishes one each) --

    def footprint_id(self, owner: str) -> uuid.UUID:
        from tanji.exchange.pact.models import PublishedFootprint

        def make(session: Session, actor: Actor) -> uuid.UUID:
            found = session.scalar(
                select(PublishedFootprint.id).where(
                    PublishedFootprint.organisation_id == actor.organisation_id
                )
            )
            assert found is not None, f"the demo data publishes no PACT footprint of {owner}"
            return found

        return self._memo("footprint", owner, make)

    def data_request_id(self, owner: str) -> uuid.UUID:
        """A request the owner sent to a supplier that is not the rival."""
        from tanji.exchange.pact import requests

        def make(session: Session, actor: Actor) -> uuid.UUID:
            slug = f"matrix-supplier-of-{owner}"
            if session.scalar(select(Organisation).where(Organisation.slug == slug)) is None:
                accounts.create_organisation(
                    session, slug=slug, kind="enterprise", name_zh="矩阵供应商"
                )
            return requests.create(
                session, actor=actor, supplier_slug=slug, product_name="Matrix clinker"
            ).id

        return self._memo("data_request", owner, make)

    def flag_id(self, owner: str) -> uuid.UUID:
        """A supplier update on one of the owner's studies."""
        from tanji.exchange.pact.models import SupplierUpdate

        def make(session: Session, actor: Actor) -> uuid.UUID:
            flag = SupplierUpdate(
                study_id=self.study_id(owner),
                old_footprint_id=uuid.uuid4(),
                new_footprint_id=uuid.uuid4(),
            )
            session.add(flag)
            session.flush()
            return flag.id

        return self._memo("flag", owner, make)

    def connection_id(self) -> uuid.UUID:
        """A partner connection (the platform operator's; no enterprise owns it)."""
        from tanji.exchange.pact.models import PartnerConnection

        def make(session: Session, actor: Actor) -> uuid.UUID:
            org = accounts.create_organisation(
                session, slug="matrix-partner-system", kind="enterprise", name_zh="矩阵外部系统"
            )
            made = PartnerConnection(
                organisation_id=org.id,
                base_url="https://partner.invalid",
                client_id="matrix",
                client_secret="matrix",
                created_by="matrix",
            )
            session.add(made)
            session.flush()
            return made.id

        return self._memo("connection", OWNER, make)

    def job_id(self) -> uuid.UUID:
        from tanji.exchange.pact import outbox
        from tanji.exchange.pact.models import PartnerConnection

        def make(session: Session, actor: Actor) -> uuid.UUID:
            connection = session.get_one(PartnerConnection, self.connection_id())
            job = outbox.enqueue_event(
                session, connection=connection, url="https://partner.invalid/3/events", event={}
            )
            job.state = "abandoned"
            return job.id

        return self._memo("job", OWNER, make)

    # -- accounts --

    def member_id(self, owner: str) -> uuid.UUID:
        """A member other than the manager (deactivating them would not log the test out)."""

        def make(session: Session, actor: Actor) -> uuid.UUID:
            return session.scalar(
                select(User.id)
                .where(User.organisation_id == actor.organisation_id)
                .order_by(User.role == "manager", User.username)
            )

        return self._memo("member", owner, make)

    def client_id(self, owner: str) -> str:
        def make(session: Session, actor: Actor) -> str:
            found = session.scalar(
                select(ApiClient.client_id).where(
                    ApiClient.organisation_id == actor.organisation_id
                )
            )
            if found:
                return found
            return accounts.create_api_client_for(
                session,
                organisation=accounts.get_organisation(session, slug=owner),
                name="matrix",
                role="viewer",
                client_id=f"matrix-{owner}",
                secret="matrix-secret",
            ).client_id

        return self._memo("client", owner, make)

    # -- shared reference data (no owner) --

    def factor(self) -> tuple[str, int]:
        from tanji.factors import service as factors

        def make(session: Session, actor: Actor) -> tuple[str, int]:
            release = factors.latest_release(session)
            assert release is not None, "the platform has no factor release"
            record = factors.release_factors(session, release=release)[0]
            return record.slug, record.version

        return self._memo("factor", OWNER, make)

    def release(self) -> str:
        from tanji.factors import service as factors

        def make(session: Session, actor: Actor) -> str:
            release = factors.latest_release(session)
            assert release is not None, "the platform has no factor release"
            return release.name

        return self._memo("release", OWNER, make)

    # -- what an organisation holds, to prove nothing changed --

    def snapshot(self, owner: str) -> dict[str, Any]:
        from tanji.footprints.models import Calculation, Product, Study, StudyVersion

        with self.session() as session:
            org = accounts.get_organisation(session, slug=owner)
            studies = session.execute(
                select(Study.id, Study.title, Study.status, Study.latest_version, Study.rule_id)
                .where(Study.organisation_id == org.id)
                .order_by(Study.id)
            ).all()
            study_ids = [row.id for row in studies]
            return {
                "organisation": (org.name_zh, org.name_en, org.active, org.kind),
                "products": session.execute(
                    select(
                        Product.id,
                        Product.code,
                        Product.name_zh,
                        Product.name_en,
                        Product.category,
                        Product.description,
                    )
                    .where(Product.organisation_id == org.id)
                    .order_by(Product.id)
                ).all(),
                "studies": studies,
                "versions": session.scalar(
                    select(func.count()).where(StudyVersion.study_id.in_(study_ids))
                ),
                "calculations": session.scalar(
                    select(func.count()).where(Calculation.study_id.in_(study_ids))
                ),
                "users": session.execute(
                    select(
                        User.username,
                        User.active,
                        User.role,
                        User.password_hash,
                        User.display_name,
                        User.language,
                    )
                    .where(User.organisation_id == org.id)
                    .order_by(User.username)
                ).all(),
                "clients": session.execute(
                    select(ApiClient.client_id, ApiClient.active, ApiClient.role, ApiClient.name)
                    .where(ApiClient.organisation_id == org.id)
                    .order_by(ApiClient.client_id)
                ).all(),
            }

    def private_ids(self, owner: str) -> set[str]:
        """Ids of the objects an organisation keeps to itself (studies, products, results,
        people), read once: the providers have made every object before the first test."""
        if owner not in self.private:
            self.private[owner] = self._private_ids(owner)
        return self.private[owner]

    def _private_ids(self, owner: str) -> set[str]:
        from tanji.footprints.models import Calculation, Product, Study

        with self.session() as session:
            org = accounts.get_organisation(session, slug=owner)
            ids = set(session.scalars(select(Study.id).where(Study.organisation_id == org.id)))
            ids |= set(session.scalars(select(Product.id).where(Product.organisation_id == org.id)))
            ids |= set(
                session.scalars(
                    select(Calculation.id)
                    .join(Study, Study.id == Calculation.study_id)
                    .where(Study.organisation_id == org.id)
                )
            )
            ids |= set(session.scalars(select(User.id).where(User.organisation_id == org.id)))
        return {str(i) for i in ids}


@dataclass(frozen=True)
class Provider:
    owned: bool  # names an object some organisation owns (so isolation applies)
    value: Callable[[World, str], Any]


# Path parameter name → how to fill it. A new name needs a line here.
PROVIDERS: dict[str, Provider] = {
    "study_id": Provider(True, lambda w, owner: w.study_id(owner)),
    "product_id": Provider(True, lambda w, owner: w.product_id(owner)),
    "calculation_id": Provider(True, lambda w, owner: w.calculation_id(owner)),
    "number": Provider(True, lambda w, owner: w.version_number(owner)),
    "user_id": Provider(True, lambda w, owner: w.member_id(owner)),
    "client_id": Provider(True, lambda w, owner: w.client_id(owner)),
    "slug": Provider(False, lambda w, owner: w.factor()[0]),
    "version": Provider(False, lambda w, owner: w.factor()[1]),
    "name": Provider(False, lambda w, owner: w.release()),
    "rule_id": Provider(False, lambda w, owner: "cement"),
    "format": Provider(False, lambda w, owner: "csv"),
    "certificate_number": Provider(True, lambda w, owner: w.certificate_number(owner)),
    "token": Provider(False, lambda w, owner: w.label_token(owner)),
    "application_id": Provider(True, lambda w, owner: w.application_id(owner)),
    "certificate_id": Provider(True, lambda w, owner: w.certificate_id(owner)),
    "attachment_id": Provider(True, lambda w, owner: w.attachment_id(owner)),
    # visibility, not ownership, decides who reads a PACT footprint (shared or public ones
    # are meant for other organisations); tests/exchange/pact/test_host_api.py checks it
    "footprint_id": Provider(False, lambda w, owner: w.footprint_id(owner)),
    # the owner's own view of its disclosures, requests and supplier updates
    "disclosure_id": Provider(True, lambda w, owner: w.footprint_id(owner)),
    "request_id": Provider(True, lambda w, owner: w.data_request_id(owner)),
    "flag_id": Provider(True, lambda w, owner: w.flag_id(owner)),
    # the public page of a product the demo data discloses publicly
    "org_slug": Provider(False, lambda w, owner: "demo-aluminium"),
    "product_code": Provider(False, lambda w, owner: "AL-LIQUID"),
    # partner systems and the calls to them belong to the platform operator
    "connection_id": Provider(False, lambda w, owner: w.connection_id()),
    "state": Provider(False, lambda w, owner: "pause"),
    "job_id": Provider(False, lambda w, owner: w.job_id()),
}

# Required query parameter name → a value that makes the request meaningful; a route
# whose parameter means something else overrides it by (path, name) in QUERY_AT.
QUERY: dict[str, Callable[[World, str], Any]] = {
    "old": lambda w, owner: 1,  # study versions to compare
    "new": lambda w, owner: w.version_number(owner),
}
QUERY_AT: dict[tuple[str, str], Callable[[World, str], Any]] = {
    (path, name): lambda w, owner: w.release()
    for path in ("/api/v1/factor-releases/diff", "/factors/releases/diff")
    for name in ("old", "new")
}

# Body field name → a realistic value, so isolation requests get past validation and
# reach the service (which must answer 404). Other fields get a minimal valid value.
BODY_FIELDS: dict[str, Callable[[World, str], Any]] = {
    "model": lambda w, owner: w.model_text(owner),
    "yaml": lambda w, owner: w.model_text(owner),
    "text": lambda w, owner: w.model_text(owner),
    "content": lambda w, owner: w.model_text(owner),
    "title": lambda w, owner: "Rights matrix",
    "note": lambda w, owner: "rights matrix",
    "iterations": lambda w, owner: 10,
    "calculation_id": lambda w, owner: w.calculation_id(owner),
    "footprint_id": lambda w, owner: w.footprint_id(owner),
}


def fill(path: str, world: World, owner: str) -> str:
    def one(match: re.Match[str]) -> str:
        name = match.group(1)
        provider = PROVIDERS.get(name)
        if provider is None:
            pytest.fail(
                f"No provider for the path parameter '{name}' in {path}: add one to PROVIDERS "
                "in tests/web/test_rights_matrix.py (find or create an object of that kind "
                "owned by the organisation asked for)."
            )
        return str(provider.value(world, owner))

    filled = re.sub(r"\{(\w+)(?::\w+)?\}", one, path)
    return filled


def url_of(endpoint: Endpoint, world: World, owner: str) -> str:
    """The endpoint's path filled with ``owner``'s objects, plus its required query."""
    query = []
    for name in endpoint.query:
        provide = QUERY_AT.get((endpoint.path, name)) or QUERY.get(name)
        if provide is None:
            pytest.fail(
                f"No value for the required query parameter '{name}' of {endpoint}: add one "
                "to QUERY in tests/web/test_rights_matrix.py."
            )
        query.append(f"{name}={provide(world, owner)}")
    path = fill(endpoint.path, world, owner)
    return f"{path}?{'&'.join(query)}" if query else path


def owned(endpoint: Endpoint) -> bool:
    return any(PROVIDERS[p].owned for p in endpoint.params if p in PROVIDERS)


@pytest.fixture(scope="module")
def world(web_app: FastAPI) -> World:
    """The objects every route will ask for, made up front for both enterprises, so the
    leak checks know the rival's objects from the first request on."""
    made = World(web_app)
    for name in sorted({p for e in ENDPOINTS for p in e.params}):
        provider = PROVIDERS.get(name)
        if provider is not None and provider.owned:
            for owner in (OWNER, RIVAL):
                provider.value(made, owner)
    assert made.private_ids(RIVAL), f"{RIVAL} owns nothing, so the leak checks prove nothing"
    return made


def csrf_headers(browser: TestClient) -> dict[str, str]:
    return {"x-csrf-token": browser.cookies.get("tanji_csrf", "")}


def refused_anonymously(endpoint: Endpoint, response: Any) -> bool:
    if endpoint.api:
        return response.status_code == 401
    return response.status_code == 303 and response.headers["location"].startswith("/login")


# --- 1. nothing is public by omission -----------------------------------------------------


def test_every_route_requires_a_right_or_is_deliberately_public(web_app: FastAPI) -> None:
    endpoints, mounts = walk(web_app)
    assert mounts == ["/static"], f"unexpected mounts (their routes escape this test): {mounts}"
    unguarded = sorted(
        str(e) for e in endpoints if not e.guarded and (e.method, e.path) not in PUBLIC
    )
    assert not unguarded, (
        "These routes have no require(Right.X) dependency and are not on the PUBLIC list of "
        f"tests/web/test_rights_matrix.py: {unguarded}. Add require(...) to the route, or, "
        "if it really is public, add it to PUBLIC."
    )


def test_the_public_list_names_only_existing_unguarded_routes(web_app: FastAPI) -> None:
    endpoints, _mounts = walk(web_app)
    present = {(e.method, e.path): e for e in endpoints}
    stale = sorted(f"{m} {p}" for m, p in PUBLIC if (m, p) not in present)
    guarded = sorted(f"{m} {p}" for m, p in PUBLIC if (m, p) in present and present[(m, p)].guarded)
    assert not stale, f"PUBLIC lists routes that no longer exist: {stale}"
    assert not guarded, f"PUBLIC lists routes that do require a right: {guarded}"


def test_the_routes_seen_at_collection_are_the_apps(web_app: FastAPI) -> None:
    assert {str(e) for e in walk(web_app)[0]} == {str(e) for e in ENDPOINTS}


def test_every_unsafe_route_checks_the_csrf_token() -> None:
    missing = sorted(
        str(e)
        for e in ENDPOINTS
        if e.method in UNSAFE and not e.csrf and (e.method, e.path) not in NO_CSRF
    )
    assert not missing, (
        f"These unsafe routes accept a session cookie without the CSRF check: {missing}. "
        "Add dependencies=[CsrfChecked] (API clients with a bearer token are not affected)."
    )


def test_every_role_is_played() -> None:
    played = {(p.kind, p.role) for p in PERSONAS.values()}
    assert played == {(kind, role.value) for kind, role in ROLE_RIGHTS}


# --- 2. the matrix ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "endpoint", [e for e in ENDPOINTS if not e.guarded and e.method == "GET"], ids=str
)
def test_public_pages_answer_anyone(
    endpoint: Endpoint, browsers: dict[str, TestClient], world: World
) -> None:
    response = browsers[ANONYMOUS].get(url_of(endpoint, world, OWNER), follow_redirects=False)
    assert response.status_code == 200, response.text[:300]


@pytest.mark.parametrize(("endpoint", "who"), GET_CELLS)
def test_get(endpoint: Endpoint, who: str, browsers: dict[str, TestClient], world: World) -> None:
    url = url_of(endpoint, world, OWNER)
    response = browsers[who].get(url, follow_redirects=False)
    status = response.status_code
    if who == ANONYMOUS:
        assert refused_anonymously(endpoint, response), (status, response.headers.get("location"))
        return
    if endpoint.path.startswith(BEARER_ONLY):
        assert status == 401, f"{url} accepted {who}'s session cookie: {status}"
        return
    persona = PERSONAS[who]
    if not persona.holds(endpoint.rights):
        assert status == 403, f"{who} lacks {sorted(endpoint.rights)} but got {status}"
        return
    assert status < 500, f"server error: {response.text[:500]}"
    assert status not in (401, 403), f"{who} holds {sorted(endpoint.rights)} but got {status}"
    if owned(endpoint) and persona.organisation != OWNER:
        # another organisation's object: invisible unless it was disclosed to them
        assert status in (200, 404), f"{who} got {status}: {response.text[:300]}"
    elif 300 <= status < 400:
        assert not response.headers["location"].startswith("/login")
    else:
        assert status == 200, f"{who} holds the right but got {status}: {response.text[:300]}"
    if persona.organisation == OWNER and status == 200:
        leaked = {i for i in world.private_ids(RIVAL) if i in response.text}
        assert not leaked, f"{url} shows {who} objects of {RIVAL}: {sorted(leaked)}"


@pytest.mark.parametrize(("endpoint", "who"), UNSAFE_CELLS)
def test_unsafe_without_the_right(
    endpoint: Endpoint, who: str, browsers: dict[str, TestClient], world: World
) -> None:
    browser = browsers[who]
    url = url_of(endpoint, world, OWNER)
    response = browser.request(
        endpoint.method, url, headers=csrf_headers(browser), follow_redirects=False
    )
    if who == ANONYMOUS:
        assert refused_anonymously(endpoint, response), (
            response.status_code,
            response.text[:300],
        )
    else:
        assert response.status_code == 403, (
            f"{who} lacks {sorted(endpoint.rights)}: expected 403 before any validation, "
            f"got {response.status_code}: {response.text[:300]}"
        )


# --- 3. isolation between organisations ---------------------------------------------------

OWNED_GETS = [e for e in GUARDED if e.method == "GET" and owned(e)]
OWNED_UNSAFE = [e for e in GUARDED if e.method in UNSAFE and owned(e)]
API_GETS = [e for e in GUARDED if e.method == "GET" and e.api]
RIVAL_RIGHTS = ROLE_RIGHTS[("enterprise", "manager")]  # type: ignore[index]
CLIENT_RIGHTS = ROLE_RIGHTS[("enterprise", "manager")]  # type: ignore[index]  # demo-cement-api


def _rival_holds(endpoint: Endpoint) -> bool:
    return endpoint.rights <= RIVAL_RIGHTS


@pytest.mark.parametrize("endpoint", OWNED_GETS, ids=str)
def test_another_enterprise_cannot_see(
    endpoint: Endpoint, browsers: dict[str, TestClient], world: World
) -> None:
    response = browsers["rival"].get(url_of(endpoint, world, OWNER), follow_redirects=False)
    expected = 404 if _rival_holds(endpoint) else 403
    assert response.status_code == expected, response.text[:300]


def _schema_sample(schema: dict[str, Any], defs: dict[str, Any]) -> Any:
    """A small value satisfying a JSON schema's types and bounds (not its patterns)."""
    if "$ref" in schema:
        return _schema_sample(defs[schema["$ref"].rsplit("/", 1)[-1]], defs)
    if "const" in schema:
        return schema["const"]
    if "enum" in schema:
        return schema["enum"][0]
    for key in ("anyOf", "oneOf", "allOf"):
        if key in schema:
            options = [s for s in schema[key] if s.get("type") != "null"] or schema[key]
            return _schema_sample(options[0], defs)
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        required = set(schema.get("required", ()))
        return {
            name: _schema_sample(sub, defs)
            for name, sub in schema.get("properties", {}).items()
            if name in required
        }
    if kind == "array":
        return [_schema_sample(schema.get("items", {}), defs)] * schema.get("minItems", 0)
    if kind == "integer":
        return max(schema.get("minimum", 1), 1)
    if kind == "number":
        return max(schema.get("minimum", 1.0), 1.0)
    if kind == "boolean":
        return False
    if kind == "string":
        if schema.get("format") == "uuid":
            return str(uuid.uuid4())
        if schema.get("format") == "date":
            return "2026-01-01"
        return "x" * max(schema.get("minLength", 1), 1)
    return None


def _wants_object(schema: dict[str, Any], defs: dict[str, Any]) -> bool:
    if "$ref" in schema:
        return _wants_object(defs[schema["$ref"].rsplit("/", 1)[-1]], defs)
    options = schema.get("anyOf") or schema.get("oneOf") or [schema]
    if len(options) > 1:
        return any(o.get("type") == "object" for o in options) and not any(
            o.get("type") == "string" for o in options
        )
    return options[0].get("type") == "object"


def body_for(endpoint: Endpoint, web_app: FastAPI, world: World) -> dict[str, Any]:
    """Request arguments with a plausible body for the route (form, upload or JSON)."""
    context = next(
        c
        for c in iter_route_contexts(web_app.routes)
        if c.path == endpoint.path and endpoint.method in (c.methods or ())
    )
    field = getattr(context, "body_field", None)
    if field is None:
        return {}
    schema = TypeAdapter(field.field_info.annotation).json_schema()
    defs = schema.get("$defs", {})
    media = getattr(field.field_info, "media_type", "application/json")
    values = _schema_sample(schema, defs)
    properties = schema.get("properties", {}) if "properties" in schema else {}
    if isinstance(values, dict):
        for name in properties:
            if name in BODY_FIELDS:
                value = BODY_FIELDS[name](world, OWNER)
                if isinstance(value, str) and _wants_object(properties[name], defs):
                    # the model as a JSON object, not as text (dates as ISO strings)
                    value = json.loads(json.dumps(yaml.safe_load(value), default=str))
                values[name] = value
    if media == "application/json":
        return {"json": values}
    data: dict[str, str] = {}
    files: dict[str, tuple[str, bytes, str]] = {}
    for name, value in (values or {}).items():
        if properties.get(name, {}).get(
            "format"
        ) == "binary" or "contentMediaType" in properties.get(name, {}):
            files[name] = ("model.yaml", world.model_text(OWNER).encode(), "application/yaml")
        else:
            data[name] = str(value).lower() if isinstance(value, bool) else str(value)
    return {"data": data, "files": files} if files else {"data": data}


@pytest.mark.parametrize("endpoint", OWNED_UNSAFE, ids=str)
def test_another_enterprise_cannot_change(
    endpoint: Endpoint, browsers: dict[str, TestClient], world: World, web_app: FastAPI
) -> None:
    browser = browsers["rival"]
    url = url_of(endpoint, world, OWNER)
    before = world.snapshot(OWNER)
    response = browser.request(
        endpoint.method,
        url,
        headers=csrf_headers(browser),
        follow_redirects=False,
        **body_for(endpoint, web_app, world),
    )
    assert response.status_code in (403, 404), (
        f"expected 404 (or 403 for a right the rival lacks), got {response.status_code}. "
        "A 422 means the test's body did not pass validation, so the ownership check was "
        "never reached: add the field to BODY_FIELDS. Answer: " + response.text[:300]
    )
    if response.status_code == 403:
        assert not _rival_holds(endpoint), "the rival holds this right: expected 404"
    assert world.snapshot(OWNER) == before


@pytest.fixture(scope="module")
def owner_token(browsers: dict[str, TestClient]) -> dict[str, str]:
    response = browsers[ANONYMOUS].post(
        "/auth/token", data={"grant_type": "client_credentials"}, auth=OWNER_CLIENT
    )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


@pytest.mark.parametrize(
    "endpoint",
    [e for e in API_GETS if e.rights <= CLIENT_RIGHTS],
    ids=str,
)
def test_an_api_client_sees_only_its_organisation(
    endpoint: Endpoint, web_app: FastAPI, owner_token: dict[str, str], world: World
) -> None:
    with TestClient(web_app, base_url="http://testserver") as api:
        if owned(endpoint):
            url = url_of(endpoint, world, RIVAL)
            response = api.get(url, headers=owner_token)
            assert response.status_code == 404, (
                f"{url}: {response.status_code} {response.text[:300]}"
            )
            return
        response = api.get(url_of(endpoint, world, OWNER), headers=owner_token)
        assert response.status_code < 500, response.text[:500]
        assert response.status_code not in (401, 403), response.text[:300]
        leaked = {i for i in world.private_ids(RIVAL) if i in response.text}
        assert not leaked, f"{endpoint} shows demo-cement's client objects of {RIVAL}: {leaked}"


def test_the_rival_really_holds_the_same_rights_at_home() -> None:
    """Isolation means something only if the rival would be allowed at home."""
    rival = next(
        (org["kind"], user["role"])
        for org in demo_data()["organisations"]
        for user in org.get("users", ())
        if user["username"] == RIVAL_PERSON
    )
    assert rival == ("enterprise", "manager")
    owner_kinds = {org["slug"]: org["kind"] for org in demo_data()["organisations"]}
    assert owner_kinds[OWNER] == owner_kinds[RIVAL] == "enterprise"


def test_the_providers_make_objects_of_the_organisation_asked_for(world: World) -> None:
    member = world.member_id(RIVAL)
    assert str(member) in world.private_ids(RIVAL)
    assert str(member) not in world.private_ids(OWNER)
    with world.session() as session:
        client = session.scalar(
            select(ApiClient).where(ApiClient.client_id == world.client_id(RIVAL))
        )
        rival = accounts.get_organisation(session, slug=RIVAL)
        assert client is not None and client.organisation_id == rival.id
        assert session.get(Organisation, rival.id) is not None
