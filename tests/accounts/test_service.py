"""Accounts: argon2 passwords, throttled login, sessions, roles, API tokens, administration."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from argon2 import PasswordHasher
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tanji.accounts import service
from tanji.accounts.models import AccessToken, LoginAttempt, Organisation, User, WebSession
from tanji.accounts.policy import ROLE_RIGHTS, Actor, Right, Role, ensure, roles_for
from tanji.accounts.service import AuthenticationFailed, TooManyAttempts
from tanji.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from tanji.db.base import as_utc, utcnow

PASSWORD = "correct horse battery"
_FAST = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


@pytest.fixture(autouse=True)
def fast_hashing(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Cheap argon2 parameters: the tests check the logic, not the work factor."""
    monkeypatch.setattr(service, "_hasher", _FAST)
    yield


def make_org(session: Session, slug: str = "acme", kind: str = "enterprise") -> Organisation:
    return service.create_organisation(session, slug=slug, kind=kind, name_zh=f"{slug} 公司")


def make_user(
    session: Session,
    organisation: Organisation,
    username: str = "alice@acme.test",
    role: str = "manager",
) -> User:
    return service.create_user(
        session, organisation=organisation, username=username, password=PASSWORD, role=role
    )


def actor_of(session: Session, user: User) -> Actor:
    return service.actor_for_user(session, user)


def failures(session: Session, username: str, *, now: dt.datetime, address: str = "") -> None:
    for _ in range(service.MAX_FAILURES_PER_USER):
        with pytest.raises(AuthenticationFailed):
            service.authenticate(
                session, username=username, password="wrong-password", address=address, now=now
            )


class TestPasswords:
    def test_only_an_argon2_hash_is_stored(self, session: Session) -> None:
        user = make_user(session, make_org(session))
        assert PASSWORD not in user.password_hash
        assert user.password_hash.startswith("$argon2id$")
        assert service.verify_secret(user.password_hash, PASSWORD)

    def test_the_same_password_hashes_differently_each_time(self, session: Session) -> None:
        org = make_org(session)
        one = make_user(session, org, "one@acme.test")
        two = make_user(session, org, "two@acme.test")
        assert one.password_hash != two.password_hash  # salted

    def test_an_old_work_factor_is_upgraded_at_the_next_login(
        self, session: Session, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        user = make_user(session, make_org(session))
        user.password_hash = _FAST.hash(PASSWORD)
        monkeypatch.setattr(service, "_hasher", PasswordHasher())  # today's parameters
        service.authenticate(session, username=user.username, password=PASSWORD)
        assert user.password_hash != _FAST.hash(PASSWORD)
        assert "m=65536" in user.password_hash and "m=1024" not in user.password_hash
        assert service.verify_secret(user.password_hash, PASSWORD)

    @pytest.mark.parametrize(
        "password", ["short", "x" * (service.MAX_PASSWORD_LENGTH + 1)], ids=["short", "long"]
    )
    def test_password_length_is_checked(self, session: Session, password: str) -> None:
        with pytest.raises(InvalidInput) as caught:
            service.create_user(
                session,
                organisation=make_org(session),
                username="a@b.c",
                password=password,
                role="manager",
            )
        assert caught.value.loc == ("password",)

    def test_a_garbled_stored_hash_does_not_verify(self) -> None:
        assert not service.verify_secret("not-a-hash", PASSWORD)


class TestAuthenticate:
    def test_right_password_logs_in_and_is_recorded(self, session: Session) -> None:
        user = make_user(session, make_org(session))
        found = service.authenticate(session, username="  Alice@ACME.test ", password=PASSWORD)
        assert found.id == user.id
        assert found.last_login_at is not None
        attempt = session.scalar(select(LoginAttempt).where(LoginAttempt.username == user.username))
        assert attempt is not None and attempt.succeeded

    def test_wrong_password_and_unknown_user_get_the_same_message(self, session: Session) -> None:
        make_user(session, make_org(session))
        with pytest.raises(AuthenticationFailed) as wrong:
            service.authenticate(session, username="alice@acme.test", password="not-it-at-all")
        with pytest.raises(AuthenticationFailed) as unknown:
            service.authenticate(session, username="nobody@acme.test", password=PASSWORD)
        assert wrong.value.message == unknown.value.message == "Wrong username or password."

    def test_five_failures_lock_the_username_even_for_the_right_password(
        self, session: Session
    ) -> None:
        make_user(session, make_org(session))
        now = utcnow()
        failures(session, "alice@acme.test", now=now)
        with pytest.raises(TooManyAttempts):
            service.authenticate(session, username="alice@acme.test", password=PASSWORD, now=now)

    def test_four_failures_do_not_lock(self, session: Session) -> None:
        make_user(session, make_org(session))
        now = utcnow()
        for _ in range(service.MAX_FAILURES_PER_USER - 1):
            with pytest.raises(AuthenticationFailed):
                service.authenticate(session, username="alice@acme.test", password="x" * 9, now=now)
        service.authenticate(session, username="alice@acme.test", password=PASSWORD, now=now)

    def test_failures_older_than_the_window_do_not_count(self, session: Session) -> None:
        make_user(session, make_org(session))
        then = utcnow() - service.THROTTLE_WINDOW - dt.timedelta(minutes=1)
        failures(session, "alice@acme.test", now=then)
        user = service.authenticate(session, username="alice@acme.test", password=PASSWORD)
        assert user.username == "alice@acme.test"

    def test_the_window_holds_in_any_time_zone(self, session: Session) -> None:
        """A time given in UTC+8 is the same instant: the lock still holds."""
        make_user(session, make_org(session))
        beijing = dt.timezone(dt.timedelta(hours=8))
        now = utcnow()
        failures(session, "alice@acme.test", now=now)
        with pytest.raises(TooManyAttempts):
            service.authenticate(
                session,
                username="alice@acme.test",
                password=PASSWORD,
                now=now.astimezone(beijing),
            )

    def test_the_lock_is_per_username(self, session: Session) -> None:
        org = make_org(session)
        make_user(session, org)
        make_user(session, org, "bob@acme.test")
        failures(session, "alice@acme.test", now=utcnow())
        assert service.authenticate(session, username="bob@acme.test", password=PASSWORD)

    def test_many_failures_from_one_address_lock_that_address(self, session: Session) -> None:
        make_user(session, make_org(session))
        now = utcnow()
        for n in range(service.MAX_FAILURES_PER_ADDRESS):
            with pytest.raises(AuthenticationFailed):
                service.authenticate(
                    session,
                    username=f"guess{n}@acme.test",
                    password="x" * 9,
                    address="203.0.113.9",
                    now=now,
                )
        with pytest.raises(TooManyAttempts):
            service.authenticate(
                session,
                username="alice@acme.test",
                password=PASSWORD,
                address="203.0.113.9",
                now=now,
            )
        # another address is not affected
        service.authenticate(
            session, username="alice@acme.test", password=PASSWORD, address="198.51.100.1", now=now
        )

    def test_inactive_user_is_refused(self, session: Session) -> None:
        user = make_user(session, make_org(session))
        user.active = False
        with pytest.raises(AuthenticationFailed):
            service.authenticate(session, username=user.username, password=PASSWORD)

    def test_user_of_an_inactive_organisation_is_refused(self, session: Session) -> None:
        org = make_org(session)
        user = make_user(session, org)
        org.active = False
        with pytest.raises(AuthenticationFailed):
            service.authenticate(session, username=user.username, password=PASSWORD)

    @pytest.mark.parametrize("username", ["x" * 500, "alice\x00@acme.test"], ids=["long", "nul"])
    def test_odd_usernames_are_refused_and_recorded_without_a_database_error(
        self, session: Session, username: str
    ) -> None:
        make_user(session, make_org(session))
        with pytest.raises(AuthenticationFailed):
            service.authenticate(session, username=username, password=PASSWORD, address="a\x00")
        assert session.scalar(select(func.count()).select_from(LoginAttempt)) == 1


class TestSessions:
    def test_a_session_token_finds_its_user_and_only_its_digest_is_stored(
        self, session: Session
    ) -> None:
        user = make_user(session, make_org(session))
        token, row = service.open_session(session, user=user)
        assert row.token_hash == service.digest(token) != token
        found = service.session_user(session, token)
        assert found is not None and found[1].id == user.id
        assert service.session_user(session, "not-a-token") is None

    def test_an_expired_session_is_not_accepted(self, session: Session) -> None:
        user = make_user(session, make_org(session))
        token, row = service.open_session(session, user=user)
        row.expires_at = utcnow() - dt.timedelta(seconds=1)
        session.flush()
        assert service.session_user(session, token) is None

    def test_a_session_lasts_its_lifetime(self, session: Session) -> None:
        user = make_user(session, make_org(session))
        _token, row = service.open_session(session, user=user)
        left = as_utc(row.expires_at) - utcnow()
        assert service.SESSION_LIFETIME - dt.timedelta(minutes=1) < left
        assert left <= service.SESSION_LIFETIME

    def test_close_session_ends_it(self, session: Session) -> None:
        user = make_user(session, make_org(session))
        token, _row = service.open_session(session, user=user)
        other, _row = service.open_session(session, user=user)
        service.close_session(session, token)
        assert service.session_user(session, token) is None
        assert service.session_user(session, other) is not None  # only that one

    def test_sessions_of_a_deactivated_user_or_organisation_stop(self, session: Session) -> None:
        org = make_org(session)
        user = make_user(session, org)
        token, _row = service.open_session(session, user=user)
        org.active = False
        session.flush()
        assert service.session_user(session, token) is None
        org.active = True
        user.active = False
        session.flush()
        assert service.session_user(session, token) is None

    def test_change_password_ends_every_session(self, session: Session) -> None:
        user = make_user(session, make_org(session))
        tokens = [service.open_session(session, user=user)[0] for _ in range(2)]
        service.change_password(session, user=user, current=PASSWORD, new="a new passphrase")
        session.flush()
        assert all(service.session_user(session, token) is None for token in tokens)
        assert service.authenticate(session, username=user.username, password="a new passphrase")
        with pytest.raises(AuthenticationFailed):
            service.authenticate(session, username=user.username, password=PASSWORD)

    def test_change_password_needs_the_current_one(self, session: Session) -> None:
        user = make_user(session, make_org(session))
        with pytest.raises(InvalidInput) as caught:
            service.change_password(session, user=user, current="wrong-one", new="whatever-long")
        assert caught.value.loc == ("current",)
        with pytest.raises(InvalidInput) as short:
            service.change_password(session, user=user, current=PASSWORD, new="short")
        assert short.value.loc == ("new",)


class TestRoles:
    @pytest.mark.parametrize(
        ("kind", "role", "allowed"),
        [
            ("enterprise", "manager", True),
            ("enterprise", "verifier", False),
            ("certifier", "verifier", True),
            ("certifier", "manager", False),
            ("regulator", "officer", True),
            ("bank", "analyst", True),
            ("bank", "reviewer", False),
            ("platform", "reviewer", True),
            ("platform", "viewer", False),
            ("enterprise", "emperor", False),
        ],
    )
    def test_a_role_must_belong_to_the_organisations_kind(
        self, session: Session, kind: str, role: str, allowed: bool
    ) -> None:
        org = make_org(session, kind=kind)
        if allowed:
            assert make_user(session, org, role=role).role == role
        else:
            with pytest.raises(InvalidInput) as caught:
                make_user(session, org, role=role)
            assert caught.value.loc == ("role",)
            assert kind in caught.value.message

    def test_every_kind_has_an_administrator_who_manages_it(self) -> None:
        for kind in ("enterprise", "certifier", "regulator", "bank", "platform"):
            assert Role.ADMIN in roles_for(kind)
            assert Right.ORG_MANAGE in ROLE_RIGHTS[(kind, Role.ADMIN)]

    def test_only_the_platform_administers_the_platform(self) -> None:
        holders = {key for key, rights in ROLE_RIGHTS.items() if Right.PLATFORM_ADMIN in rights}
        assert holders == {("platform", Role.ADMIN)}

    def test_usernames_are_unique_case_insensitively(self, session: Session) -> None:
        org = make_org(session)
        make_user(session, org)
        with pytest.raises(Conflict):
            make_user(session, org, "ALICE@acme.test")

    def test_an_unknown_organisation_kind_is_refused(self, session: Session) -> None:
        with pytest.raises(InvalidInput) as caught:
            make_org(session, kind="club")
        assert caught.value.loc == ("kind",)

    def test_ensure_raises_forbidden_naming_the_right(self, session: Session) -> None:
        viewer = actor_of(session, make_user(session, make_org(session), role="viewer"))
        ensure(viewer, Right.STUDY_READ)
        with pytest.raises(Forbidden) as caught:
            ensure(viewer, Right.STUDY_EDIT)
        assert "study:edit" in caught.value.message


class TestOrganisations:
    def test_suppliers_link_enterprises_once(self, session: Session) -> None:
        customer, supplier = make_org(session, "buyer"), make_org(session, "maker")
        service.link_supplier(session, customer=customer, supplier=supplier)
        service.link_supplier(session, customer=customer, supplier=supplier)  # idempotent
        assert service.suppliers_of(session, customer) == [supplier]
        assert service.suppliers_of(session, supplier) == []

    @pytest.mark.parametrize("other_kind", ["certifier", "regulator", "bank", "platform"])
    def test_only_enterprises_have_suppliers(self, session: Session, other_kind: str) -> None:
        enterprise, other = make_org(session, "buyer"), make_org(session, "other", other_kind)
        for customer, supplier in ((enterprise, other), (other, enterprise)):
            with pytest.raises(InvalidInput):
                service.link_supplier(session, customer=customer, supplier=supplier)

    def test_an_enterprise_is_not_its_own_supplier(self, session: Session) -> None:
        org = make_org(session)
        with pytest.raises(InvalidInput):
            service.link_supplier(session, customer=org, supplier=org)

    def test_slugs_are_unique_and_well_formed(self, session: Session) -> None:
        make_org(session, "acme")
        with pytest.raises(Conflict):
            make_org(session, "acme")
        for bad in ("Acme", "-acme", "acme corp", "", "a" * 81):
            with pytest.raises(InvalidInput) as caught:
                make_org(session, bad)
            assert caught.value.loc == ("slug",)

    @pytest.mark.parametrize(
        ("code", "ok"),
        [
            ("91350100M000100Y43", True),
            ("91440300708461136T", True),
            ("91350100M000100Y44", False),  # check character
            ("91350100M000100Y4", False),  # length
            ("91350100M0001O0Y43", False),  # the letter O is not used
        ],
    )
    def test_credit_codes_are_checked(self, session: Session, code: str, ok: bool) -> None:
        def make() -> Organisation:
            return service.create_organisation(
                session, slug="acme", kind="enterprise", name_zh="甲", credit_code=code
            )

        if ok:
            assert make().credit_code == code
        else:
            with pytest.raises(InvalidInput) as caught:
                make()
            assert caught.value.loc == ("credit_code",)


class TestApiClients:
    def admin(self, session: Session, org: Organisation | None = None) -> Actor:
        org = org or make_org(session)
        return actor_of(session, make_user(session, org, f"admin@{org.slug}.test", "admin"))

    def test_a_client_trades_its_secret_for_a_token(self, session: Session) -> None:
        admin = self.admin(session)
        client, secret = service.create_api_client(session, actor=admin, name="ERP", role="viewer")
        assert secret not in client.secret_hash
        token, lifetime = service.issue_token(session, client_id=client.client_id, secret=secret)
        assert lifetime == service.TOKEN_LIFETIME.total_seconds()
        actor = service.actor_for_token(session, token)
        assert actor.client_id == client.id and actor.user_id is None
        assert actor.organisation_id == admin.organisation_id
        assert actor.rights == ROLE_RIGHTS[("enterprise", Role.VIEWER)]
        stored = session.scalar(select(AccessToken.token_hash))
        assert stored == service.digest(token)

    def test_a_wrong_secret_or_unknown_client_gets_no_token(self, session: Session) -> None:
        client, _secret = service.create_api_client(session, actor=self.admin(session), name="x")
        with pytest.raises(AuthenticationFailed) as wrong:
            service.issue_token(session, client_id=client.client_id, secret="guess")
        with pytest.raises(AuthenticationFailed) as unknown:
            service.issue_token(session, client_id="tanji-nobody", secret="guess")
        assert wrong.value.message == unknown.value.message
        with pytest.raises(AuthenticationFailed):  # not a database error
            service.issue_token(session, client_id="tanji\x00", secret="guess")

    def test_text_with_nul_characters_is_refused_at_its_field(self, session: Session) -> None:
        with pytest.raises(InvalidInput) as caught:
            make_user(session, make_org(session), "bad\x00name@acme.test")
        assert caught.value.loc == ("username",)

    def test_an_expired_token_is_refused(self, session: Session) -> None:
        client, secret = service.create_api_client(session, actor=self.admin(session), name="x")
        token, _lifetime = service.issue_token(session, client_id=client.client_id, secret=secret)
        row = session.scalar(select(AccessToken).where(AccessToken.client_id == client.id))
        assert row is not None
        row.expires_at = utcnow() - dt.timedelta(seconds=1)
        session.flush()
        with pytest.raises(AuthenticationFailed):
            service.actor_for_token(session, token)
        with pytest.raises(AuthenticationFailed):
            service.actor_for_token(session, "never-issued")

    def test_a_disabled_client_gets_no_token_and_its_tokens_stop(self, session: Session) -> None:
        admin = self.admin(session)
        client, secret = service.create_api_client(session, actor=admin, name="x")
        token, _lifetime = service.issue_token(session, client_id=client.client_id, secret=secret)
        service.disable_api_client(session, actor=admin, client_id=client.client_id)
        with pytest.raises(AuthenticationFailed):
            service.actor_for_token(session, token)
        with pytest.raises(AuthenticationFailed):
            service.issue_token(session, client_id=client.client_id, secret=secret)

    def test_a_client_of_an_inactive_organisation_gets_no_token(self, session: Session) -> None:
        org = make_org(session)
        client, secret = service.create_api_client(
            session, actor=self.admin(session, org), name="x"
        )
        token, _lifetime = service.issue_token(session, client_id=client.client_id, secret=secret)
        org.active = False
        session.flush()
        with pytest.raises(AuthenticationFailed):
            service.issue_token(session, client_id=client.client_id, secret=secret)
        with pytest.raises(AuthenticationFailed):
            service.actor_for_token(session, token)

    def test_only_administrators_create_clients_with_a_role_of_their_kind(
        self, session: Session
    ) -> None:
        org = make_org(session)
        manager = actor_of(session, make_user(session, org))
        with pytest.raises(Forbidden):
            service.create_api_client(session, actor=manager, name="x")
        with pytest.raises(InvalidInput) as caught:
            service.create_api_client(
                session, actor=self.admin(session, org), name="x", role="verifier"
            )
        assert caught.value.loc == ("role",)

    def test_clients_of_another_organisation_cannot_be_listed_or_disabled(
        self, session: Session
    ) -> None:
        ours, theirs = self.admin(session), self.admin(session, make_org(session, "rival"))
        client, _secret = service.create_api_client(session, actor=theirs, name="theirs")
        assert service.list_api_clients(session, actor=ours) == []
        with pytest.raises(NotFound):
            service.disable_api_client(session, actor=ours, client_id=client.client_id)
        assert client.active


class TestAdministration:
    def test_an_administrator_adds_and_deactivates_members(self, session: Session) -> None:
        org = make_org(session)
        admin = actor_of(session, make_user(session, org, "admin@acme.test", "admin"))
        added = service.add_member(
            session, actor=admin, username="new@acme.test", password=PASSWORD, role="viewer"
        )
        assert added.organisation_id == org.id
        assert [u.username for u in service.members(session, actor=admin)] == [
            "admin@acme.test",
            "new@acme.test",
        ]
        token, _row = service.open_session(session, user=added)
        service.set_member_active(session, actor=admin, user_id=added.id, active=False)
        assert not added.active
        assert session.scalar(select(func.count()).select_from(WebSession)) == 0
        assert service.session_user(session, token) is None
        service.set_member_active(session, actor=admin, user_id=added.id, active=True)
        assert service.authenticate(session, username="new@acme.test", password=PASSWORD)

    def test_an_administrator_cannot_deactivate_themselves(self, session: Session) -> None:
        user = make_user(session, make_org(session), "admin@acme.test", "admin")
        with pytest.raises(InvalidInput):
            service.set_member_active(
                session, actor=actor_of(session, user), user_id=user.id, active=False
            )

    def test_people_of_another_organisation_are_not_found(self, session: Session) -> None:
        admin = actor_of(session, make_user(session, make_org(session), "admin@a.test", "admin"))
        stranger = make_user(session, make_org(session, "rival"), "bob@rival.test")
        with pytest.raises(NotFound):
            service.set_member_active(session, actor=admin, user_id=stranger.id, active=False)
        assert stranger.active

    def test_managers_cannot_administer(self, session: Session) -> None:
        manager = actor_of(session, make_user(session, make_org(session)))
        with pytest.raises(Forbidden):
            service.members(session, actor=manager)
        with pytest.raises(Forbidden):
            service.add_member(
                session, actor=manager, username="x@acme.test", password=PASSWORD, role="viewer"
            )

    def test_the_platform_registers_an_organisation_with_its_administrator(
        self, session: Session
    ) -> None:
        platform = make_org(session, "ops", "platform")
        operator = actor_of(session, make_user(session, platform, "root@ops.test", "admin"))
        org, admin = service.create_organisation_with_admin(
            session,
            actor=operator,
            kind="bank",
            slug="river-bank",
            name_zh="河岸银行",
            admin_username="boss@river.test",
            admin_password=PASSWORD,
        )
        assert org.kind == "bank" and admin.role == "admin" and admin.organisation_id == org.id
        assert org in service.list_organisations(session, actor=operator)
        assert service.member_counts(session, actor=operator)[org.id] == 1

    def test_administrator_problems_name_the_admin_fields(self, session: Session) -> None:
        operator = actor_of(
            session, make_user(session, make_org(session, "ops", "platform"), "r@o.t", "admin")
        )
        with pytest.raises(InvalidInput) as caught:
            service.create_organisation_with_admin(
                session,
                actor=operator,
                kind="bank",
                slug="b",
                name_zh="银行",
                admin_username="boss@b.test",
                admin_password="short",
            )
        assert caught.value.loc == ("admin_password",)

    def test_only_the_platform_registers_organisations(self, session: Session) -> None:
        admin = actor_of(session, make_user(session, make_org(session), "admin@a.test", "admin"))
        with pytest.raises(Forbidden):
            service.list_organisations(session, actor=admin)
        with pytest.raises(Forbidden):
            service.create_organisation_with_admin(
                session,
                actor=admin,
                kind="bank",
                slug="b",
                name_zh="银行",
                admin_username="boss@b.test",
                admin_password=PASSWORD,
            )

    def test_people_set_their_own_language_and_password(self, session: Session) -> None:
        user = make_user(session, make_org(session))
        actor = actor_of(session, user)
        assert service.set_own_language(session, actor=actor, language="en").language == "en"
        with pytest.raises(InvalidInput) as caught:
            service.set_own_language(session, actor=actor, language="fr")
        assert caught.value.loc == ("language",)
        old_token, _row = service.open_session(session, user=user)
        token = service.change_own_password(
            session, actor=actor, current=PASSWORD, new="brand new one"
        )
        assert service.verify_secret(user.password_hash, "brand new one")
        assert service.session_user(session, old_token) is None
        assert service.session_user(session, token) is not None

    def test_api_clients_have_no_profile(self, session: Session) -> None:
        org = make_org(session)
        client = Actor(
            organisation_id=org.id, organisation_kind=org.kind, role="manager", name="client:x"
        )
        with pytest.raises(Forbidden):
            service.user_of(session, actor=client)


class TestPolicyDocument:
    def test_docs_platform_shows_the_policy_table(self) -> None:
        from pathlib import Path

        from tanji.accounts.policy import rights_table

        doc = Path(__file__).resolve().parents[2] / "docs" / "platform.md"
        assert rights_table() in doc.read_text(encoding="utf-8"), (
            "docs/platform.md is out of date: paste tanji.accounts.policy.rights_table() into it"
        )
