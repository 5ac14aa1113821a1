"""Account, organisation and platform administration pages."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from argon2 import PasswordHasher
from fastapi import FastAPI

from tanji.accounts import service as accounts
from tanji.settings import Settings
from tanji.web.app import create_app
from tests.web.conftest import DEMO_PASSWORD, post_form


@pytest.fixture(scope="module")
def web_app(tmp_path_factory) -> Iterator[FastAPI]:
    """A platform of its own (these tests add people, clients and organisations), with
    cheap argon2 parameters: the pages are tested here, not the password work factor."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(accounts, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024))
        app = create_app(Settings(data_dir=tmp_path_factory.mktemp("admin-web"), demo=True))
        yield app
        app.state.engine.dispose()


class TestAccount:
    def test_the_profile_shows_who_is_logged_in(self, login):
        page = login("viewer@cement.demo").get("/account")
        assert page.status_code == 200
        assert "viewer@cement.demo" in page.text and "Viewer" in page.text
        assert 'href="/account"' in page.text  # the user menu links it

    def test_changing_the_password_keeps_this_browser_and_ends_the_others(self, login, make_client):
        here, elsewhere = login("officer@gov.demo"), login("officer@gov.demo")
        response = post_form(
            here,
            "/account/password",
            {
                "current": DEMO_PASSWORD,
                "new": "a fresh passphrase",
                "confirm": "a fresh passphrase",
            },
            follow_redirects=False,
        )
        assert response.status_code == 303, response.text
        assert "password was changed" in here.get(response.headers["location"]).text
        assert elsewhere.get("/account", follow_redirects=False).status_code == 303
        fresh = make_client()
        refused = post_form(
            fresh, "/login", {"username": "officer@gov.demo", "password": DEMO_PASSWORD}
        )
        assert refused.status_code == 401

    def test_a_mismatched_confirmation_is_shown_at_its_field(self, login):
        browser = login("viewer@cement.demo")
        response = post_form(
            browser,
            "/account/password",
            {"current": DEMO_PASSWORD, "new": "one passphrase", "confirm": "another one"},
        )
        assert response.status_code == 422
        assert 'id="error-confirm"' in response.text

    def test_a_wrong_current_password_is_refused(self, login):
        response = post_form(
            login("viewer@cement.demo"),
            "/account/password",
            {"current": "not-my-password", "new": "whatever123", "confirm": "whatever123"},
        )
        assert response.status_code == 422
        assert "current password is wrong" in response.text

    def test_the_preferred_language_is_saved_and_applied(self, login):
        browser = login("verifier@cert.demo")
        browser.cookies.delete("tanji_lang")  # the fixture's English; the server sets its own
        response = post_form(
            browser, "/account/language", {"language": "zh_CN"}, follow_redirects=False
        )
        assert response.status_code == 303
        assert "tanji_lang=zh_CN" in response.headers["set-cookie"]
        assert 'lang="zh-CN"' in browser.get("/account").text
        bad = post_form(browser, "/account/language", {"language": "fr"})
        assert bad.status_code == 422

    def test_anonymous_visitors_are_sent_to_log_in(self, client):
        response = client.get("/account", follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"] == "/login?next=/account"


class TestOrganisation:
    def test_the_admin_sees_members_and_clients_and_the_menu_links_it(self, login):
        page = login("admin@cement.demo").get("/org")
        assert page.status_code == 200
        for expected in ("carbon@cement.demo", "viewer@cement.demo", "demo-cement-api"):
            assert expected in page.text
        assert "aluminium" not in page.text  # only one's own organisation
        assert 'href="/org"' in page.text

    def test_a_manager_may_not(self, login):
        browser = login("carbon@cement.demo")
        assert browser.get("/org").status_code == 403
        assert 'href="/org"' not in browser.get("/").text

    def test_adding_a_member_who_can_then_log_in(self, login, make_client):
        admin = login("admin@cement.demo")
        response = post_form(
            admin,
            "/org/members",
            {
                "username": "new.viewer@cement.demo",
                "display_name": "新人",
                "role": "viewer",
                "password": "initial-pass-1",
            },
            follow_redirects=False,
        )
        assert response.status_code == 303, response.text
        page = admin.get("/org")
        assert "new.viewer@cement.demo" in page.text and "新人" in page.text
        newcomer = make_client()
        logged_in = post_form(
            newcomer,
            "/login",
            {"username": "new.viewer@cement.demo", "password": "initial-pass-1"},
            follow_redirects=False,
        )
        assert logged_in.status_code == 303

    def test_a_role_of_another_kind_is_refused_at_its_field(self, login):
        response = post_form(
            login("admin@cement.demo"),
            "/org/members",
            {"username": "x@cement.demo", "role": "verifier", "password": "initial-pass-1"},
        )
        assert response.status_code == 422
        assert 'id="error-role"' in response.text
        assert 'value="x@cement.demo"' in response.text  # the form keeps what was typed

    def test_a_taken_username_is_a_conflict(self, login):
        response = post_form(
            login("admin@cement.demo"),
            "/org/members",
            {"username": "carbon@aluminium.demo", "role": "viewer", "password": "initial-pass"},
        )
        assert response.status_code == 409
        assert "is taken" in response.text

    def test_deactivating_a_member_logs_them_out(self, login):
        admin = login("admin@cement.demo")
        post_form(
            admin,
            "/org/members",
            {"username": "leaver@cement.demo", "role": "viewer", "password": "initial-pass-2"},
        )
        leaver = login("leaver@cement.demo", "initial-pass-2")
        page = admin.get("/org").text
        user_id = re.search(r'/org/members/([0-9a-f-]{36})/deactivate"', _row(page, "leaver@"))
        assert user_id is not None
        done = post_form(
            admin, f"/org/members/{user_id.group(1)}/deactivate", follow_redirects=False
        )
        assert done.status_code == 303
        assert leaver.get("/account", follow_redirects=False).status_code == 303

    def test_members_of_another_organisation_cannot_be_touched(self, login, web_app):
        from sqlalchemy import select

        from tanji.accounts.models import User

        with web_app.state.sessions() as session:
            stranger = session.scalar(select(User).where(User.username == "carbon@aluminium.demo"))
            assert stranger is not None
        response = post_form(login("admin@cement.demo"), f"/org/members/{stranger.id}/deactivate")
        assert response.status_code == 404
        with web_app.state.sessions() as session:
            assert session.get(User, stranger.id).active

    def test_a_client_secret_is_shown_once_and_works(self, login, client):
        admin = login("admin@cement.demo")
        response = post_form(admin, "/org/clients", {"name": "MES 接口", "role": "viewer"})
        assert response.status_code == 200
        assert response.headers["cache-control"] == "no-store"
        assert "shown only this once" in response.text
        client_id = re.search(r'id="client-id">([^<]+)<', response.text).group(1)
        secret = re.search(r'id="client-secret" class="secret">([^<]+)<', response.text).group(1)
        assert secret not in admin.get("/org").text
        token = client.post(
            "/auth/token", data={"grant_type": "client_credentials"}, auth=(client_id, secret)
        )
        assert token.status_code == 200
        headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
        disabled = post_form(admin, f"/org/clients/{client_id}/disable", follow_redirects=False)
        assert disabled.status_code == 303
        assert client.get("/account", headers=headers).status_code == 401
        again = client.post(
            "/auth/token", data={"grant_type": "client_credentials"}, auth=(client_id, secret)
        )
        assert again.status_code == 401

    def test_another_organisations_client_cannot_be_disabled(self, login):
        response = post_form(login("admin@tanji.demo"), "/org/clients/demo-cement-api/disable")
        assert response.status_code == 404


class TestPlatform:
    def test_the_operator_lists_organisations_by_kind(self, login):
        page = login("admin@tanji.demo").get("/admin/organisations")
        assert page.status_code == 200
        for expected in ("demo-cement", "demo-bank", "Certification body", "Regulator"):
            assert expected in page.text

    def test_the_operator_registers_an_organisation_whose_admin_can_log_in(self, login):
        operator = login("admin@tanji.demo")
        response = post_form(
            operator,
            "/admin/organisations",
            {
                "kind": "certifier",
                "slug": "north-cert",
                "name_zh": "北方认证",
                "name_en": "North Certification",
                "city": "大同",
                "credit_code": "91350100M000100Y43",
                "admin_username": "boss@north.test",
                "admin_password": "initial-pass-3",
            },
            follow_redirects=False,
        )
        assert response.status_code == 303, response.text
        assert "north-cert" in operator.get("/admin/organisations").text
        boss = login("boss@north.test", "initial-pass-3")
        assert "boss@north.test" in boss.get("/org").text

    def test_a_bad_credit_code_is_shown_at_its_field(self, login):
        response = post_form(
            login("admin@tanji.demo"),
            "/admin/organisations",
            {
                "kind": "enterprise",
                "slug": "typo-co",
                "name_zh": "笔误公司",
                "credit_code": "91350100M000100Y44",
                "admin_username": "boss@typo.test",
                "admin_password": "initial-pass-4",
            },
        )
        assert response.status_code == 422
        assert 'id="error-credit_code"' in response.text

    @pytest.mark.parametrize("username", ["admin@cement.demo", "reviewer@tanji.demo"])
    def test_nobody_else_may(self, login, username):
        assert login(username).get("/admin/organisations").status_code == 403


def _row(page: str, marker: str) -> str:
    """The table row of the page that mentions ``marker``."""
    for row in page.split("<tr>"):
        if marker in row:
            return row
    raise AssertionError(f"no row mentions {marker!r}")


class TestSupplyChain:
    def test_the_cement_plant_sees_its_supplier_and_the_supplier_its_customer(self, login):
        cement = login("admin@cement.demo").get("/org")
        assert cement.status_code == 200
        assert "Supply chain" in cement.text and "Lüliang Demo Aluminium" in cement.text
