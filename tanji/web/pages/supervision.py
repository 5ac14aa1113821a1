"""The regulator's supervision pages: the labels dashboard, its flags and the CSV export."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from tanji.accounts.policy import Actor, Right
from tanji.core.i18n import N_
from tanji.labels import supervision
from tanji.web.deps import SessionDep, require
from tanji.web.pages.registry import helpers
from tanji.web.rendering import page

router = APIRouter(tags=["pages"], include_in_schema=False)

CanSupervise = Annotated[Actor, Depends(require(Right.SUPERVISE))]

OUTCOME_NAMES = {
    "wrong-product": N_("presented for another product"),
    "superseded": N_("old token replayed"),
    "bad-signature": N_("forged or altered"),
    "unknown-key": N_("unknown key"),
    "revoked": N_("certificate suspended or withdrawn"),
}


@router.get("/supervision", response_class=HTMLResponse)
def dashboard(request: Request, session: SessionDep, actor: CanSupervise) -> HTMLResponse:
    """Labels by category, city, status, body and month, and the suspicious claims."""
    board = supervision.dashboard(session, actor=actor)
    return page(
        request,
        "supervision/dashboard.html",
        board=board,
        rule={
            "share": supervision.LOW_SHARE,
            "k": supervision.IQR_K,
            "peers": supervision.MIN_PEERS,
            "tolerance": supervision.TOLERANCE,
        },
        OUTCOME_NAMES=OUTCOME_NAMES,
        **{**helpers(), "active": "supervision"},
    )


@router.get("/supervision/certificates.csv")
def export(session: SessionDep, actor: CanSupervise) -> Response:
    """Every certificate with its status and flags, as CSV."""
    text = supervision.export_csv(session, actor=actor)
    return Response(
        text.encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={"content-disposition": 'attachment; filename="tanji-certificates.csv"'},
    )
