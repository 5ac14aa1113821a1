"""Study reports of stored calculations, as a standalone HTML page or a PDF download.

The language is the request's (``?lang=en`` works: the middleware sets it); a calculation
the actor cannot see is a 404, as everywhere else.
"""

from __future__ import annotations

import uuid
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse, Response

from tanji.accounts.policy import Actor, Right
from tanji.reports.build import report_for_calculation
from tanji.reports.render import filename, render_html, render_pdf
from tanji.web.deps import SessionDep, require

router = APIRouter(tags=["pages"], include_in_schema=False)

CanRead = Annotated[Actor, Depends(require(Right.STUDY_READ))]


@router.get("/calculations/{calculation_id}/report.html", response_class=HTMLResponse)
def report_html(calculation_id: uuid.UUID, session: SessionDep, actor: CanRead) -> HTMLResponse:
    """The study report of a calculation, as one HTML document."""
    report = report_for_calculation(session, actor=actor, calculation_id=calculation_id)
    return HTMLResponse(render_html(report))


@router.get("/calculations/{calculation_id}/report.pdf")
def report_pdf(calculation_id: uuid.UUID, session: SessionDep, actor: CanRead) -> Response:
    """The study report of a calculation, as a PDF download."""
    report = report_for_calculation(session, actor=actor, calculation_id=calculation_id)
    name = filename(report, "pdf")
    disposition = f"attachment; filename=\"{name}\"; filename*=UTF-8''{quote(name)}"
    return Response(
        render_pdf(report),
        media_type="application/pdf",
        headers={"content-disposition": disposition},
    )
