"""Login, logout, CSRF, throttling and the language switch."""

from __future__ import annotations

from tests.web.conftest import DEMO_PASSWORD, post_form


class TestLogin:
    def test_wrong_password_is_refused_without_saying_which_part_was_wrong(self, client):
        response = post_form(
            client, "/login", {"username": "carbon@cement.demo", "password": "nope-nope"}
        )
        assert response.status_code == 401
        assert "Wrong username or password." in response.text

    def test_login_sets_an_httponly_session_cookie_and_goes_to_next(self, client):
        response = post_form(
            client,
            "/login",
            {"username": "viewer@cement.demo", "password": DEMO_PASSWORD, "next": "/factors"},
            follow_redirects=False,
        )
        assert response.status_code == 303
        assert response.headers["location"] == "/factors"
        cookie = [
            c for c in response.headers.get_list("set-cookie") if c.startswith("tanji_session=")
        ]
        assert cookie and "HttpOnly" in cookie[0]

    def test_next_cannot_point_off_site(self, client):
        response = post_form(
            client,
            "/login",
            {
                "username": "viewer@cement.demo",
                "password": DEMO_PASSWORD,
                "next": "//evil.example/",
            },
            follow_redirects=False,
        )
        assert response.headers["location"] == "/"

    def test_form_without_csrf_token_is_refused(self, client):
        client.get("/login")
        response = client.post(
            "/login", data={"username": "viewer@cement.demo", "password": DEMO_PASSWORD}
        )
        assert response.status_code == 403
        assert "csrf_token" in response.text

    def test_logout_ends_the_server_session(self, login):
        browser = login("viewer@cement.demo")
        token = browser.cookies["tanji_session"]
        assert post_form(browser, "/logout", follow_redirects=False).status_code == 303
        browser.cookies.set("tanji_session", token)  # replaying the old cookie does not help
        assert "Log out" not in browser.get("/").text

    def test_five_failures_lock_the_username_for_a_while(self, make_client):
        browser = make_client()
        for _ in range(5):
            post_form(browser, "/login", {"username": "locked@test.demo", "password": "wrong-one"})
        response = post_form(
            browser, "/login", {"username": "locked@test.demo", "password": DEMO_PASSWORD}
        )
        assert response.status_code == 429
        assert "Too many failed logins" in response.text


class TestLanguage:
    def test_chinese_is_the_default_and_english_is_a_switch_away(self, client, english_messages):
        client.cookies.clear()
        page = client.get("/login", headers={"accept-language": ""})
        assert 'lang="zh-CN"' in page.text
        english = client.get("/login?lang=en")
        assert 'lang="en"' in english.text
        assert 'lang="en"' in client.get("/login").text  # remembered in a cookie


class TestTokens:
    def test_client_credentials_give_a_bearer_token(self, client):
        response = client.post(
            "/auth/token",
            data={"grant_type": "client_credentials"},
            auth=("demo-cement-api", "demo-cement-secret"),
        )
        assert response.status_code == 200
        assert response.json()["token_type"] == "bearer"

    def test_wrong_secret_is_invalid_client(self, client):
        response = client.post(
            "/auth/token",
            data={"grant_type": "client_credentials"},
            auth=("demo-cement-api", "wrong"),
        )
        assert response.status_code == 401
        assert response.json()["error"] == "invalid_client"

    def test_other_grants_are_refused(self, client):
        response = client.post("/auth/token", data={"grant_type": "password"})
        assert response.status_code == 400
        assert response.json()["error"] == "unsupported_grant_type"


class TestDocumentLanguage:
    def test_lang_on_a_document_does_not_switch_the_interface(self, client):
        client.cookies.clear()
        response = client.get("/api/openapi.json?lang=en")
        assert "tanji_lang" not in response.headers.get("set-cookie", "")
        page = client.get("/login?lang=en")
        assert "tanji_lang=en" in page.headers.get("set-cookie", "")
