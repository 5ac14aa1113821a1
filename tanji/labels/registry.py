"""The public registry of certificates: search and status, open to everyone.

INTERFACE STUB — being implemented by the REGISTRY helper. Keep the signatures.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from tanji.labels.models import Certificate


def effective_status(certificate: Certificate, today: dt.date | None = None) -> str:
    """valid, suspended, withdrawn or expired (a valid certificate past expires_on)."""
    raise NotImplementedError


def find_certificate(session: Session, *, number: str) -> Certificate:
    """The certificate with this number, else NotFound (public: no actor needed)."""
    raise NotImplementedError
