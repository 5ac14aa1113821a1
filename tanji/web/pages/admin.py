"""Administration pages: one's own account, one's organisation, and the platform's organisations.

/account is for every person; /org needs ``org:manage`` (people and API clients of one's
own organisation); /admin/organisations needs ``platform:admin``.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from tanji.accounts import service as accounts
from tanji.accounts.models import OrganisationKind
from tanji.accounts.policy import Actor, Right, roles_for
from tanji.core.errors import Conflict, InvalidInput
from tanji.core.i18n import N_, _, gettext, set_language
from tanji.web.deps import SESSION_COOKIE, CsrfChecked, LoggedIn, SessionDep, require
from tanji.web.middleware import LANG_COOKIE, YEAR
from tanji.web.rendering import page

router = APIRouter(tags=["pages"], include_in_schema=False)

CanManageOrg = Annotated[Actor, Depends(require(Right.ORG_MANAGE))]
CanAdminister = Annotated[Actor, Depends(require(Right.PLATFORM_ADMIN))]

LANGUAGE_NAMES = {"zh_CN": "中文", "en": "English"}  # each in its own language

NOTICES = {
    "password": N_("Your password was changed. Every other session of yours has ended."),
    "language": N_("Your preferred language was saved."),
    "member-added": N_("The member was added. Give them their initial password in person."),
    "member-deactivated": N_("The member was deactivated and logged out everywhere."),
    "member-activated": N_("The member can log in again."),
    "client-disabled": N_("The API client was disabled; its tokens no longer work."),
    "organisation-created": N_("The organisation was registered with its first administrator."),
}


def _flashes(done: str | None) -> list[dict[str, str]]:
    if done in NOTICES:
        return [{"kind": "ok", "text": gettext(NOTICES[done])}]
    return []


def _problems(error: InvalidInput | Conflict) -> dict[str, str]:
    """Form problems by field name; a problem without a field is shown above the form."""
    field = str(error.loc[0]) if error.loc else ""
    return {field: error.message}


def _done(url: str, notice: str) -> RedirectResponse:
    return RedirectResponse(f"{url}?done={notice}", status_code=303)


# --- one's own account ------------------------------------------------------------------


def _account_page(
    request: Request,
    session: Session,
    actor: Actor,
    *,
    status_code: int = 200,
    done: str | None = None,
    errors: dict[str, str] | None = None,
) -> HTMLResponse:
    user = accounts.user_of(session, actor=actor)
    return page(
        request,
        "admin/account.html",
        status_code=status_code,
        active="account",
        profile=user,
        languages=LANGUAGE_NAMES,
        min_password=accounts.MIN_PASSWORD_LENGTH,
        errors=errors or {},
        flashes=_flashes(done),
    )


@router.get("/account", response_class=HTMLResponse)
def account(
    request: Request, session: SessionDep, actor: LoggedIn, done: str | None = None
) -> HTMLResponse:
    """One's own profile: password and preferred language."""
    return _account_page(request, session, actor, done=done)


@router.post("/account/password", dependencies=[CsrfChecked])
def change_password(
    request: Request,
    session: SessionDep,
    actor: LoggedIn,
    current: Annotated[str, Form(max_length=200)],
    new: Annotated[str, Form(max_length=400)],
    confirm: Annotated[str, Form(max_length=400)],
) -> Response:
    """Change one's password; other sessions end, this browser stays logged in."""
    if new != confirm:
        errors = {"confirm": _("The two new passwords differ; type the same one twice.")}
        return _account_page(request, session, actor, status_code=422, errors=errors)
    try:
        token = accounts.change_own_password(session, actor=actor, current=current, new=new)
    except InvalidInput as error:
        session.rollback()
        return _account_page(request, session, actor, status_code=422, errors=_problems(error))
    session.commit()
    response = _done("/account", "password")
    response.set_cookie(
        SESSION_COOKIE,
        token,
        httponly=True,
        samesite="lax",
        secure=request.app.state.settings.secure_cookies,
        max_age=int(accounts.SESSION_LIFETIME.total_seconds()),
    )
    return response


@router.post("/account/language", dependencies=[CsrfChecked])
def change_language(
    request: Request,
    session: SessionDep,
    actor: LoggedIn,
    language: Annotated[str, Form(max_length=10)],
) -> Response:
    """Save one's preferred interface language and switch to it."""
    try:
        user = accounts.set_own_language(session, actor=actor, language=language)
    except InvalidInput as error:
        session.rollback()
        return _account_page(request, session, actor, status_code=422, errors=_problems(error))
    session.commit()
    response = _done("/account", "language")
    response.set_cookie(
        LANG_COOKIE,
        set_language(user.language),
        max_age=YEAR,
        samesite="lax",
        secure=request.app.state.settings.secure_cookies,
    )
    return response


# --- one's organisation: people and API clients -------------------------------------------


def _org_page(
    request: Request,
    session: Session,
    actor: Actor,
    *,
    status_code: int = 200,
    done: str | None = None,
    errors: dict[str, str] | None = None,
    member_form: dict[str, str] | None = None,
    client_form: dict[str, str] | None = None,
) -> HTMLResponse:
    return page(
        request,
        "admin/org.html",
        status_code=status_code,
        active="org",
        org=accounts.organisation_of(session, actor),
        members=accounts.members(session, actor=actor),
        clients=accounts.list_api_clients(session, actor=actor),
        chain=accounts.supply_chain(session, actor=actor),
        roles=roles_for(actor.organisation_kind),
        min_password=accounts.MIN_PASSWORD_LENGTH,
        errors=errors or {},
        member_form=member_form or {},
        client_form=client_form or {},
        flashes=_flashes(done),
    )


@router.get("/org", response_class=HTMLResponse)
def organisation(
    request: Request, session: SessionDep, actor: CanManageOrg, done: str | None = None
) -> HTMLResponse:
    """One's organisation: its members and API clients."""
    return _org_page(request, session, actor, done=done)


@router.post("/org/members", dependencies=[CsrfChecked])
def add_member(
    request: Request,
    session: SessionDep,
    actor: CanManageOrg,
    username: Annotated[str, Form(max_length=200)],
    role: Annotated[str, Form(max_length=30)],
    password: Annotated[str, Form(max_length=400)],
    display_name: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """Add a person to one's organisation with a role and an initial password."""
    try:
        accounts.add_member(
            session,
            actor=actor,
            username=username,
            password=password,
            role=role,
            display_name=display_name,
        )
    except (InvalidInput, Conflict) as error:
        session.rollback()
        form = {"username": username, "display_name": display_name, "role": role}
        status = 409 if isinstance(error, Conflict) else 422
        return _org_page(
            request, session, actor, status_code=status, errors=_problems(error), member_form=form
        )
    session.commit()
    return _done("/org", "member-added")


def _set_active(session: Session, actor: Actor, user_id: uuid.UUID, active: bool) -> Response:
    accounts.set_member_active(session, actor=actor, user_id=user_id, active=active)
    session.commit()
    return _done("/org", "member-activated" if active else "member-deactivated")


@router.post("/org/members/{user_id}/deactivate", dependencies=[CsrfChecked])
def deactivate_member(session: SessionDep, actor: CanManageOrg, user_id: uuid.UUID) -> Response:
    """Deactivate a member: they cannot log in, and their sessions end."""
    return _set_active(session, actor, user_id, False)


@router.post("/org/members/{user_id}/activate", dependencies=[CsrfChecked])
def activate_member(session: SessionDep, actor: CanManageOrg, user_id: uuid.UUID) -> Response:
    """Let a deactivated member log in again."""
    return _set_active(session, actor, user_id, True)


@router.post("/org/clients", dependencies=[CsrfChecked])
def create_client(
    request: Request,
    session: SessionDep,
    actor: CanManageOrg,
    name: Annotated[str, Form(max_length=200)],
    role: Annotated[str, Form(max_length=30)],
) -> Response:
    """Register an API client; its secret is shown on the answer page, once."""
    try:
        client, secret = accounts.create_api_client(session, actor=actor, name=name, role=role)
    except InvalidInput as error:
        session.rollback()
        return _org_page(
            request,
            session,
            actor,
            status_code=422,
            errors={f"client_{key}": message for key, message in _problems(error).items()},
            client_form={"name": name, "role": role},
        )
    session.commit()
    response = page(
        request, "admin/client_created.html", active="org", client=client, secret=secret
    )
    response.headers["cache-control"] = "no-store"  # the secret must not sit in any cache
    return response


@router.post("/org/clients/{client_id}/disable", dependencies=[CsrfChecked])
def disable_client(session: SessionDep, actor: CanManageOrg, client_id: str) -> Response:
    """Disable an API client; its tokens stop working at once."""
    accounts.disable_api_client(session, actor=actor, client_id=client_id)
    session.commit()
    return _done("/org", "client-disabled")


# --- the platform: every organisation ---------------------------------------------------


def _organisations_page(
    request: Request,
    session: Session,
    actor: Actor,
    *,
    status_code: int = 200,
    done: str | None = None,
    errors: dict[str, str] | None = None,
    form: dict[str, Any] | None = None,
) -> HTMLResponse:
    organisations = accounts.list_organisations(session, actor=actor)
    by_kind = {
        kind: [org for org in organisations if org.kind == kind] for kind in OrganisationKind.ALL
    }
    return page(
        request,
        "admin/organisations.html",
        status_code=status_code,
        active="organisations",
        by_kind=by_kind,
        counts=accounts.member_counts(session, actor=actor),
        kinds=OrganisationKind.ALL,
        min_password=accounts.MIN_PASSWORD_LENGTH,
        errors=errors or {},
        form=form or {"kind": OrganisationKind.ENTERPRISE},
        flashes=_flashes(done),
    )


@router.get("/admin/organisations", response_class=HTMLResponse)
def organisations(
    request: Request, session: SessionDep, actor: CanAdminister, done: str | None = None
) -> HTMLResponse:
    """Every organisation on the platform, by kind, and a form to register one."""
    return _organisations_page(request, session, actor, done=done)


@router.post("/admin/organisations", dependencies=[CsrfChecked])
def create_organisation(
    request: Request,
    session: SessionDep,
    actor: CanAdminister,
    kind: Annotated[str, Form(max_length=20)],
    slug: Annotated[str, Form(max_length=200)],
    name_zh: Annotated[str, Form(max_length=400)],
    admin_username: Annotated[str, Form(max_length=200)],
    admin_password: Annotated[str, Form(max_length=400)],
    name_en: Annotated[str, Form(max_length=400)] = "",
    city: Annotated[str, Form(max_length=100)] = "",
    credit_code: Annotated[str, Form(max_length=40)] = "",
    admin_display_name: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """Register an organisation of any kind together with its first administrator."""
    try:
        accounts.create_organisation_with_admin(
            session,
            actor=actor,
            kind=kind,
            slug=slug,
            name_zh=name_zh,
            name_en=name_en,
            city=city,
            credit_code=credit_code,
            admin_username=admin_username,
            admin_password=admin_password,
            admin_display_name=admin_display_name,
        )
    except (InvalidInput, Conflict) as error:
        session.rollback()
        form = {
            "kind": kind,
            "slug": slug,
            "name_zh": name_zh,
            "name_en": name_en,
            "city": city,
            "credit_code": credit_code,
            "admin_username": admin_username,
            "admin_display_name": admin_display_name,
        }
        return _organisations_page(
            request,
            session,
            actor,
            status_code=409 if isinstance(error, Conflict) else 422,
            errors=_problems(error),
            form=form,
        )
    session.commit()
    return _done("/admin/organisations", "organisation-created")
