"""The PACT host API (read side), after the conformance tool's cases, in our own words.

Case numbers refer to the PACT conformance tool's v3 cases (TC1…TC40) and v2 cases; the
status of each is listed in docs/pact.md, "Conformance status".
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from tanji.accounts import service as accounts
from tanji.accounts.models import AccessToken
from tanji.db.base import utcnow
from tanji.exchange.pact import service as pact
from tanji.exchange.pact.models import FootprintStatus, PublishedFootprint
from tanji.exchange.pact.validation import validate_v2, validate_v3
from tanji.settings import Settings
from tanji.web.app import create_app

CEMENT = ("demo-cement-api", "demo-cement-secret")
ALUMINIUM = ("demo-aluminium-api", "demo-aluminium-secret")
THIRD = ("pact-third-api", "pact-third-secret")
ZERO = "00000000-0000-0000-0000-000000000000"


@pytest.fixture(scope="module")
def app(tmp_path_factory) -> Iterator[FastAPI]:
    made = create_app(Settings(data_dir=tmp_path_factory.mktemp("pact-host"), demo=True))
    with made.state.sessions() as session:
        third = accounts.create_organisation(
            session, slug="pact-third", kind="enterprise", name_zh="第三方企业"
        )
        accounts.create_api_client_for(
            session,
            organisation=third,
            name="PACT",
            role="manager",
            client_id=THIRD[0],
            secret=THIRD[1],
        )
        session.commit()
    yield made
    made.state.engine.dispose()


@pytest.fixture(scope="module")
def http(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, base_url="http://testserver") as made:
        yield made


@pytest.fixture(scope="module")
def token(http: TestClient) -> Callable[[tuple[str, str]], dict[str, str]]:
    cache: dict[tuple[str, str], dict[str, str]] = {}

    def do(credentials: tuple[str, str]) -> dict[str, str]:
        if credentials not in cache:
            answer = http.post(
                "/auth/token", data={"grant_type": "client_credentials"}, auth=credentials
            )
            assert answer.status_code == 200, answer.text
            cache[credentials] = {"Authorization": f"Bearer {answer.json()['access_token']}"}
        return cache[credentials]

    return do


@pytest.fixture(scope="module")
def cement_id(app: FastAPI) -> str:
    with app.state.sessions() as session:
        owner = accounts.get_organisation(session, slug="demo-cement")
        return str(
            session.scalar(
                select(PublishedFootprint.id).where(PublishedFootprint.organisation_id == owner.id)
            )
        )


def listed(http: TestClient, headers: dict[str, str], query: str = "") -> list[dict[str, Any]]:
    answer = http.get(f"/3/footprints{query}", headers=headers)
    assert answer.status_code == 200, answer.text
    return answer.json()["data"]


def assert_pact_error(answer: Any, status: int, code: str) -> None:
    assert answer.status_code == status, answer.text
    body = answer.json()
    assert body["code"] == code and body["message"]


# --- authentication (TC1, TC2, TC6, TC7, TC18, TC19) --------------------------------------


def test_tc1_token_for_valid_credentials(http: TestClient) -> None:
    answer = http.post("/auth/token", data={"grant_type": "client_credentials"}, auth=CEMENT)
    assert answer.status_code == 200
    assert answer.json()["access_token"] and answer.json()["token_type"].lower() == "bearer"


def test_tc2_random_credentials_are_refused(http: TestClient) -> None:
    answer = http.post(
        "/auth/token",
        data={"grant_type": "client_credentials"},
        auth=(uuid.uuid4().hex, uuid.uuid4().hex),
    )
    assert answer.status_code in (400, 401)


@pytest.mark.parametrize("path", ["/3/footprints", f"/3/footprints/{ZERO}", "/2/footprints"])
def test_tc6_tc7_invalid_or_absent_bearer(http: TestClient, path: str) -> None:
    assert_pact_error(
        http.get(path, headers={"Authorization": "Bearer very-invalid"}), 401, "BadRequest"
    )
    assert_pact_error(http.get(path), 401, "BadRequest")


def test_a_session_cookie_is_not_enough(http: TestClient) -> None:
    browser = TestClient(http.app, base_url="http://testserver")
    browser.get("/login")
    answer = browser.post(
        "/login",
        data={"username": "carbon@cement.demo", "password": "tanji-demo-2026"},
        headers={"x-csrf-token": browser.cookies.get("tanji_csrf", "")},
        follow_redirects=False,
    )
    assert answer.status_code == 303
    assert_pact_error(browser.get("/3/footprints"), 401, "BadRequest")


def test_an_expired_token_says_so(app: FastAPI, http: TestClient, token) -> None:
    headers = {"Authorization": "Bearer " + "expired-" + uuid.uuid4().hex}
    raw = headers["Authorization"].split(" ", 1)[1]
    with app.state.sessions() as session:
        existing = session.scalar(select(AccessToken))
        session.add(
            AccessToken(
                token_hash=accounts.digest(raw),
                client_id=existing.client_id,
                expires_at=utcnow(),
            )
        )
        session.commit()
    assert_pact_error(http.get("/3/footprints", headers=headers), 401, "TokenExpired")


def test_tc18_tc19_discovery_and_token_through_it(http: TestClient) -> None:
    answer = http.get("/.well-known/openid-configuration")
    assert answer.status_code == 200
    config = answer.json()
    assert config["issuer"] == "http://testserver"
    assert config["grant_types_supported"] == ["client_credentials"]
    endpoint = config["token_endpoint"]
    assert endpoint == "http://testserver/auth/token"
    token = http.post(endpoint, data={"grant_type": "client_credentials"}, auth=ALUMINIUM)
    assert token.status_code == 200
    bearer = {"Authorization": f"Bearer {token.json()['access_token']}"}
    assert http.get("/3/footprints", headers=bearer).status_code == 200


# --- get and list (TC3, TC4, TC5, TC8) ------------------------------------------------------


def test_tc3_get_the_first_listed_footprint(http: TestClient, token) -> None:
    first = listed(http, token(ALUMINIUM))[0]
    answer = http.get(f"/3/footprints/{first['id']}", headers=token(ALUMINIUM))
    assert answer.status_code == 200
    doc = answer.json()["data"]
    assert doc["id"] == first["id"]
    assert validate_v3(doc) == []


def test_tc4_list_is_schema_valid(http: TestClient, token) -> None:
    docs = listed(http, token(ALUMINIUM))
    assert len(docs) >= 2
    assert all(validate_v3(doc) == [] for doc in docs)
    assert len({doc["id"] for doc in docs}) == len(docs)


def test_tc5_pagination_follows_the_link(http: TestClient, token) -> None:
    everything = [doc["id"] for doc in listed(http, token(ALUMINIUM))]
    seen: list[str] = []
    url = "http://testserver/3/footprints?limit=1"
    while url:
        answer = http.get(url, headers=token(ALUMINIUM))
        assert answer.status_code == 200
        data = answer.json()["data"]
        assert len(data) <= 1
        seen += [doc["id"] for doc in data]
        link = answer.headers.get("link")
        if link is None:
            break
        found = re.fullmatch(r'<(http://testserver/3/footprints\?[^>]+)>; rel="next"', link)
        assert found, link
        url = found.group(1)
    assert seen == everything


@pytest.mark.parametrize("limit", ["0", "1001", "x"])
def test_a_bad_limit_is_a_bad_request(http: TestClient, token, limit: str) -> None:
    answer = http.get(f"/3/footprints?limit={limit}", headers=token(CEMENT))
    assert_pact_error(answer, 400, "BadRequest")


def test_tc8_unknown_id_is_not_found(http: TestClient, token) -> None:
    assert_pact_error(http.get(f"/3/footprints/{ZERO}", headers=token(CEMENT)), 404, "NotFound")
    assert_pact_error(http.get(f"/2/footprints/{ZERO}", headers=token(CEMENT)), 404, "NotFound")


def test_a_malformed_id_is_a_bad_request(http: TestClient, token) -> None:
    assert_pact_error(
        http.get("/3/footprints/not-a-uuid", headers=token(CEMENT)), 400, "BadRequest"
    )


# --- filters (TC20–TC39) --------------------------------------------------------------------


def _ids(docs: list[dict[str, Any]]) -> set[str]:
    return {doc["id"] for doc in docs}


def test_tc20_to_tc29_each_filter_keeps_only_matching_footprints(http: TestClient, token) -> None:
    headers = token(ALUMINIUM)
    docs = listed(http, headers)
    assert len(docs) >= 2
    for doc in docs:
        pcf = doc["pcf"]
        geography = (
            pcf.get("geographyCountry")
            or pcf.get("geographyCountrySubdivision")
            or pcf.get("geographyRegionOrSubregion")
        )
        expected = {
            "productId": doc["productIds"][0],
            "companyId": doc["companyIds"][0],
            "geography": geography,
            "classification": doc["productClassifications"][0],
            "status": doc["status"],
        }
        for name, value in expected.items():
            wanted = {d["id"] for d in docs if _matches(name, value, d)}
            got = _ids(listed(http, headers, f"?{name}={value.upper()}"))  # case-insensitive
            assert doc["id"] in got and got == wanted, (name, value)
    # validity: the demo footprints have none, so referencePeriodEnd … + 3 years applies
    end = docs[0]["pcf"]["referencePeriodEnd"]
    year = int(end[:4])
    assert doc_ids_on(http, headers, f"{year + 1}-06-01T00:00:00Z") == _ids(docs)
    assert _ids(listed(http, headers, f"?validAfter={year - 1}-01-01T00:00:00Z")) == _ids(docs)
    assert _ids(listed(http, headers, f"?validBefore={year + 4}-01-01T00:00:00Z")) == _ids(docs)
    assert listed(http, headers, f"?validBefore={year}-01-01T00:00:00Z") == []
    # OR within a parameter, AND across parameters
    both = "&".join(f"productId={d['productIds'][0]}" for d in docs)
    assert _ids(listed(http, headers, f"?{both}")) == _ids(docs)
    first = docs[0]
    crossed = f"?productId={first['productIds'][0]}&companyId={docs[1]['companyIds'][0]}"
    if first["companyIds"] != docs[1]["companyIds"]:
        assert listed(http, headers, crossed) == []


def doc_ids_on(http: TestClient, headers: dict[str, str], moment: str) -> set[str]:
    return _ids(listed(http, headers, f"?validOn={moment}"))


def _matches(name: str, value: str, doc: dict[str, Any]) -> bool:
    return pact.Filters({name: [value]}).matches(doc)


@pytest.mark.parametrize(
    "query",
    [
        "productId=urn:pact:nothing:here",
        "companyId=urn:pact:company:customcode:vendor-assigned:nobody",
        "geography=ZZ",
        "classification=urn:pact:productclassification:un-cpc:00000",
        "validOn=not-a-date",
        "validAfter=2999-01-01T00:00:00Z",
        "validBefore=1900-01-01T00:00:00Z",
        "status=Withdrawn",
        "validOn=1900-01-01T00:00:00Z",
        "status=",
    ],
)
def test_tc30_to_tc39_bogus_filters_give_an_empty_list(http: TestClient, token, query: str) -> None:
    answer = http.get(f"/3/footprints?{query}", headers=token(ALUMINIUM))
    assert answer.status_code == 200
    assert answer.json() == {"data": []}


# --- v2 -------------------------------------------------------------------------------------


def test_v2_list_and_get_are_schema_valid(http: TestClient, token, cement_id: str) -> None:
    answer = http.get("/2/footprints?$filter=pcf/geographyCountry eq 'CN'", headers=token(CEMENT))
    assert answer.status_code == 200
    docs = answer.json()["data"]
    assert docs and all(validate_v2(doc) == [] for doc in docs)
    single = http.get(f"/2/footprints/{cement_id}", headers=token(CEMENT))
    assert single.status_code == 200
    doc = single.json()["data"]
    assert doc["id"] == cement_id and doc["specVersion"].startswith("2.")
    assert validate_v2(doc) == []
    paged = http.get("/2/footprints?limit=1", headers=token(CEMENT))
    assert len(paged.json()["data"]) == 1 and 'rel="next"' in paged.headers["link"]


def test_v2_filter_is_applied(http: TestClient, token) -> None:
    every = http.get("/2/footprints", headers=token(CEMENT)).json()["data"]
    assert len(every) >= 2
    cpc = every[0]["productCategoryCpc"]
    kept = http.get(f"/2/footprints?$filter=productCategoryCpc eq '{cpc}'", headers=token(CEMENT))
    assert kept.status_code == 200
    assert [d["id"] for d in kept.json()["data"]] == [
        d["id"] for d in every if d["productCategoryCpc"] == cpc
    ]
    company = every[0]["companyIds"][0]
    lambda_filter = f"companyIds/any(c:(c eq '{company}')) and created ge '2020-01-01'"
    by_company = http.get("/2/footprints", params={"$filter": lambda_filter}, headers=token(CEMENT))
    assert {d["id"] for d in by_company.json()["data"]} == {
        d["id"] for d in every if company in d["companyIds"]
    }
    none = http.get("/2/footprints?$filter=pcf/geographyCountry eq 'FR'", headers=token(CEMENT))
    assert none.status_code == 200 and none.json()["data"] == []


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("productCategoryCpc eq", "BadRequest"),
        ("nosuch eq 'x'", "BadRequest"),
        ("productCategoryCpc eq '1' or productCategoryCpc eq '2'", "NotImplemented"),
    ],
)
def test_v2_bad_filters_are_pact_errors(http: TestClient, token, query: str, code: str) -> None:
    answer = http.get("/2/footprints", params={"$filter": query}, headers=token(CEMENT))
    assert answer.status_code == 400
    assert answer.json()["code"] == code and "$filter" in answer.json()["message"]


# --- sharing and visibility -----------------------------------------------------------------


def test_sharing_decides_who_sees_what(http: TestClient, token, cement_id: str) -> None:
    cement_docs = listed(http, token(CEMENT))
    aluminium_docs = listed(http, token(ALUMINIUM))
    third_docs = listed(http, token(THIRD))
    assert cement_id in _ids(cement_docs)
    assert cement_id in _ids(aluminium_docs)  # shared with demo-aluminium
    assert cement_id not in _ids(third_docs)
    assert third_docs and all(
        doc["companyIds"] == ["urn:pact:company:customcode:vendor-assigned:demo-aluminium"]
        for doc in third_docs
    )  # the public one only
    cement_doc = next(doc for doc in aluminium_docs if doc["id"] == cement_id)
    assert cement_doc["pcf"]["verification"]["providerName"]  # the demo's certified calculation
    hidden = http.get(f"/3/footprints/{cement_id}", headers=token(THIRD))
    assert_pact_error(hidden, 404, "NotFound")  # as if it did not exist
    assert http.get(f"/3/footprints/{cement_id}", headers=token(ALUMINIUM)).status_code == 200


def test_publishing_again_supersedes(app: FastAPI, http: TestClient, token) -> None:
    from tanji.demo import _latest_calculation, _latest_study, _manager

    with app.state.sessions() as session:
        actor = _manager(session, "demo-aluminium")
        study = _latest_study(session, actor, "AL-LIQUID")
        calculation = _latest_calculation(session, study)
        old = session.scalar(
            select(PublishedFootprint).where(
                PublishedFootprint.study_id == study.id,
                PublishedFootprint.status == FootprintStatus.ACTIVE,
            )
        )
        new = pact.publish(
            session,
            actor=actor,
            calculation_id=calculation.id,
            visibility="public",
            partner_slugs=[],
        )
        session.commit()
        old_id, new_id = str(old.id), str(new.id)
    headers = token(THIRD)
    old_doc = http.get(f"/3/footprints/{old_id}", headers=headers).json()["data"]
    new_doc = http.get(f"/3/footprints/{new_id}", headers=headers).json()["data"]
    assert old_doc["status"] == "Deprecated"
    assert new_doc["status"] == "Active" and new_doc["precedingPfIds"] == [old_id]
    assert validate_v3(old_doc) == [] and validate_v3(new_doc) == []
    assert _ids(listed(http, headers, "?status=Active")) == {new_id}


def test_tc28_tc29_and_across_or_within(http: TestClient, token) -> None:
    headers = token(ALUMINIUM)
    docs = listed(http, headers)
    first = next(d for d in docs if d["status"] == "Active")
    both = listed(http, headers, f"?status=active&productId={first['productIds'][0]}")
    assert first["id"] in _ids(both)
    assert all(d["productIds"] == first["productIds"] and d["status"] == "Active" for d in both)
    companies = "&".join(f"companyId={d['companyIds'][0]}" for d in docs)
    assert _ids(listed(http, headers, f"?{companies}")) == _ids(docs)


@pytest.mark.parametrize(
    "query",
    [
        "status=Active&productId=urn:pact:nothing:here",  # AND with one bogus value
        "companyId=urn:nobody:1&companyId=urn:nobody:2",  # OR of bogus values
    ],
)
def test_tc38_tc39_bogus_combinations_are_empty(http: TestClient, token, query: str) -> None:
    answer = http.get(f"/3/footprints?{query}", headers=token(ALUMINIUM))
    assert answer.status_code == 200 and answer.json() == {"data": []}
