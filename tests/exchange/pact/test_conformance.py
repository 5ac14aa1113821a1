"""The PACT conformance test cases, against the real server on loopback over HTTPS.

The platform runs under uvicorn with a self-signed certificate; a stand-in for the
conformance tool offers its token endpoint and events webhook over HTTPS too, so the
asynchronous cases (13, 14.B) see the platform's worker authenticate and deliver the
answer. The case numbers are those of the WBCSD conformance service (docs/pact.md).
Cases 18-39 (discovery and the v3 filters) run in test_host_api.py on the same code.
"""

from __future__ import annotations

import base64
import http.client
import json
import urllib.error
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from tanji.accounts import service as accounts
from tanji.exchange.pact.events import TYPES
from tanji.exchange.pact.models import FootprintShare, PartnerConnection, PublishedFootprint
from tanji.exchange.pact.validation import validate_v2, validate_v3

from .tls import (
    TOOL_CLIENT,
    Answer,
    FakeTool,
    LivePlatform,
    call,
    make_certificate,
    start_platform,
    start_tool,
)

CLIENT = ("conformance-tool-at-tanji", "conformance-secret")


@pytest.fixture(scope="module")
def tls(tmp_path_factory) -> Iterator[tuple[LivePlatform, FakeTool, Path]]:
    directory = tmp_path_factory.mktemp("pact-tls")
    cert, key = make_certificate(directory)
    tool = start_tool(cert, key)
    platform = start_platform(directory / "data", cert, key)
    app = platform.server.config.app
    with app.state.sessions() as session:
        org = accounts.create_organisation(
            session, slug="conformance-tool", kind="enterprise", name_zh="一致性测试工具"
        )
        accounts.create_api_client_for(
            session, organisation=org, name="tool", role="viewer",
            client_id=CLIENT[0], secret=CLIENT[1],
        )  # fmt: skip
        session.add(
            PartnerConnection(
                organisation_id=org.id,
                base_url=tool.base_url,
                client_id=TOOL_CLIENT[0],
                client_secret=TOOL_CLIENT[1],
                created_by="test",
            )
        )
        for footprint in session.scalars(select(PublishedFootprint)):  # the tool is a partner
            session.add(FootprintShare(footprint_id=footprint.id, organisation_id=org.id))
        session.commit()
    yield platform, tool, cert
    platform.stop()
    tool.stop()


@pytest.fixture(scope="module")
def api(tls) -> Any:
    platform, _tool, cert = tls

    class Api:
        base = platform.base_url

        def token(self, client: tuple[str, str] = CLIENT) -> Answer:
            basic = base64.b64encode(":".join(client).encode()).decode()
            return call(
                f"{self.base}/auth/token",
                method="POST",
                body=b"grant_type=client_credentials",
                headers={
                    "Authorization": f"Basic {basic}",
                    "Content-Type": "application/x-www-form-urlencoded",
                },
                ca_file=cert,
            )

        def headers(self, token: str | None = None) -> dict[str, str]:
            return {"Authorization": f"Bearer {token or self.bearer}"}

        def get(self, path: str, token: str | None = None) -> Answer:
            url = path if path.startswith("https://") else f"{self.base}{path}"
            return call(url, headers=self.headers(token), ca_file=cert)

        def event(self, version: str, event: dict[str, Any], token: str | None = None) -> Answer:
            return call(
                f"{self.base}/{version}/events",
                method="POST",
                body=json.dumps(event).encode(),
                headers={**self.headers(token), "Content-Type": "application/cloudevents+json"},
                ca_file=cert,
            )

    made = Api()
    answer = made.token()
    assert answer.status == 200, answer.body
    made.bearer = answer.json()["access_token"]
    return made


def cloud_event(kind: str, version: str, data: dict[str, Any], source: str) -> dict[str, Any]:
    return {
        "specversion": "1.0",
        "id": str(uuid.uuid4()),
        "source": source,
        "type": TYPES[version][kind],
        "time": "2026-12-07T10:00:00Z",
        "data": data,
    }


def plain_http_fails(url: str, **kwargs: Any) -> bool:
    """A plain-HTTP call to the HTTPS port gets no PACT data (cases 9-11 and 17)."""
    try:
        answer = call(url.replace("https://", "http://"), **kwargs)
    except (urllib.error.URLError, http.client.HTTPException, ConnectionError, OSError):
        return True
    return answer.status >= 400 or b'"data"' not in answer.body


@pytest.mark.parametrize("version", ["3", "2"])
class TestSynchronousCases:
    def test_tc1_tc2_authentication(self, api: Any, version: str) -> None:
        assert api.token().status == 200
        assert api.token(("random", "credentials")).status in (400, 401)

    def test_tc3_to_tc5_get_list_and_next_link(self, api: Any, version: str) -> None:
        listed = api.get(f"/{version}/footprints")
        assert listed.status == 200
        docs = listed.json()["data"]
        assert len(docs) >= 2
        validate = validate_v3 if version == "3" else validate_v2
        assert all(validate(doc) == [] for doc in docs)
        single = api.get(f"/{version}/footprints/{docs[0]['id']}")
        assert single.status == 200 and single.json()["data"]["id"] == docs[0]["id"]
        assert validate(single.json()["data"]) == []
        first = api.get(f"/{version}/footprints?limit=1")
        link = first.headers.get("link") or first.headers.get("Link")
        assert link and 'rel="next"' in link
        following = api.get(link.split(";")[0].strip("<> "))
        assert following.status == 200 and len(following.json()["data"]) >= 1

    def test_tc6_to_tc8_bad_token_and_unknown_id(self, api: Any, version: str) -> None:
        for path in (f"/{version}/footprints", f"/{version}/footprints/{uuid.uuid4()}"):
            answer = api.get(path, token="not-a-token")
            assert answer.status in (400, 401) and answer.json()["code"] == "BadRequest"
        unknown = api.get(f"/{version}/footprints/00000000-0000-0000-0000-000000000000")
        assert unknown.status in (400, 404)
        assert unknown.json()["code"] in ("NotFound", "BadRequest")

    def test_tc9_to_tc11_and_tc17_plain_http_fails(self, api: Any, version: str) -> None:
        assert plain_http_fails(
            f"{api.base}/auth/token", method="POST", body=b"grant_type=client_credentials"
        )
        assert plain_http_fails(f"{api.base}/{version}/footprints", headers=api.headers())
        assert plain_http_fails(
            f"{api.base}/{version}/footprints/{uuid.uuid4()}", headers=api.headers()
        )
        event = cloud_event("published", version, {"pfIds": [str(uuid.uuid4())]}, "//x")
        assert plain_http_fails(
            f"{api.base}/{version}/events",
            method="POST",
            body=json.dumps(event).encode(),
            headers={**api.headers(), "Content-Type": "application/cloudevents+json"},
        )

    def test_tc16_events_with_a_bad_token(self, api: Any, tls: Any, version: str) -> None:
        event = cloud_event("published", version, {"pfIds": [str(uuid.uuid4())]}, tls[1].base_url)
        assert api.event(version, event, token="not-a-token").status in (400, 401)

    def test_tc15_published_event(self, api: Any, tls: Any, version: str) -> None:
        event = cloud_event("published", version, {"pfIds": [str(uuid.uuid4())]}, tls[1].base_url)
        assert api.event(version, event).status == 200
        assert api.event(version, event).status == 200  # a repeat is harmless

    def test_tc40_and_v2_tc21_malformed_published_event(
        self, api: Any, tls: Any, version: str
    ) -> None:
        for data in ({"pfIds": ["not-a-uuid"]}, {"pfIds": []}, {"nothing": 1}):
            event = cloud_event("published", version, data, tls[1].base_url)
            answer = api.event(version, event)
            assert answer.status == 400 and answer.json()["code"] == "BadRequest"
        broken = cloud_event("published", version, {"pfIds": [str(uuid.uuid4())]}, "x")
        del broken["specversion"]
        assert api.event(version, broken).status == 400


@pytest.mark.parametrize("version", ["3", "2"])
class TestAsynchronousCases:
    def _request_data(self, version: str, product_ids: list[str]) -> dict[str, Any]:
        if version == "2":
            return {"pf": {"productIds": product_ids}, "comment": "conformance"}
        return {"productId": product_ids, "comment": "conformance"}

    def test_tc12_tc13_request_fulfilled(self, api: Any, tls: Any, version: str) -> None:
        tool: FakeTool = tls[1]
        first = api.get(f"/{version}/footprints").json()["data"][0]
        source = tool.base_url if version == "3" else f"{tool.base_url}/2/events"
        event = cloud_event(
            "created", version, self._request_data(version, first["productIds"]), source
        )
        assert api.event(version, event).status == 200  # TC12
        answer = tool.wait_for(lambda e: e.get("data", {}).get("requestEventId") == event["id"])
        assert answer["type"] == TYPES[version]["fulfilled"]  # TC13
        assert answer["_path"] == f"/{version}/events"
        assert answer["_content_type"].startswith("application/cloudevents+json")
        assert answer["specversion"] == "1.0" and answer["id"] and answer["time"]
        validate = validate_v3 if version == "3" else validate_v2
        pfs = answer["data"]["pfs"]
        assert pfs and all(validate(doc) == [] for doc in pfs)
        assert all(set(first["productIds"]) & set(doc["productIds"]) for doc in pfs)

    def test_tc14_request_rejected(self, api: Any, tls: Any, version: str) -> None:
        tool: FakeTool = tls[1]
        event = cloud_event(
            "created", version, self._request_data(version, ["urn:pact:null"]), tool.base_url
        )
        assert api.event(version, event).status == 200  # TC14.A
        answer = tool.wait_for(lambda e: e.get("data", {}).get("requestEventId") == event["id"])
        assert answer["type"] == TYPES[version]["rejected"]  # TC14.B
        assert answer["data"]["error"]["code"] and answer["data"]["error"]["message"]

    def test_a_request_from_a_system_not_registered_is_refused(
        self, api: Any, tls: Any, version: str
    ) -> None:
        event = cloud_event(
            "created", version, self._request_data(version, ["urn:x"]), "https://elsewhere.example"
        )
        answer = api.event(version, event)
        assert answer.status == 400 and "elsewhere.example" in answer.json()["message"]


def test_the_client_reads_a_partner_over_tls(tls: Any, tmp_path: Path) -> None:
    """`tanji pact fetch` (the platform's own PACT client) against the live server: token
    discovery, Basic authentication, and every page through the Link headers."""
    from typer.testing import CliRunner

    from tanji.cli.app import create_app
    from tanji.settings import Settings

    platform, _tool, cert = tls
    out = tmp_path / "fetched.json"
    answer = CliRunner().invoke(
        create_app(Settings(data_dir=tmp_path, pact_ca_file=cert)),
        ["--lang", "en", "pact", "fetch", platform.base_url, "--client-id", CLIENT[0],
         "--client-secret", CLIENT[1], "--limit", "1", "-o", str(out)],
    )  # fmt: skip
    assert answer.exit_code == 0, answer.output
    docs = json.loads(out.read_text())["data"]
    assert len(docs) >= 2 and all(validate_v3(doc) == [] for doc in docs)
    refused = CliRunner().invoke(
        create_app(Settings(data_dir=tmp_path, pact_ca_file=cert)),
        ["--lang", "en", "pact", "fetch", platform.base_url, "--client-id", "x",
         "--client-secret", "y"],
    )  # fmt: skip
    assert refused.exit_code == 2 and "401" in refused.output
    untrusted = CliRunner().invoke(
        create_app(Settings(data_dir=tmp_path)),
        ["--lang", "en", "pact", "fetch", platform.base_url, "--client-id", CLIENT[0],
         "--client-secret", CLIENT[1]],
    )  # fmt: skip
    assert untrusted.exit_code == 2 and "could not be reached" in untrusted.output
