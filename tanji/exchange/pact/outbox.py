"""The outbox of calls to partner systems, and the worker that makes them.

A service never calls a partner inside its transaction: it adds an
:class:`~tanji.exchange.pact.models.OutboxJob` (an event to POST, or footprints to fetch),
which commits or rolls back with everything else. :func:`run_due` then claims due jobs,
makes the calls outside any transaction, and records the outcome: done, retried with
exponential back-off (30 s, 1 min, 2 min, … at most 6 h apart), or abandoned 72 hours after
the job was made — PACT's advice for events.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import threading
import uuid
from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, sessionmaker

from tanji.db.base import as_utc, utcnow
from tanji.exchange.pact.client import PactClient, PartnerError
from tanji.exchange.pact.models import JobKind, JobState, OutboxJob, PartnerConnection

log = logging.getLogger(__name__)

FIRST_DELAY = dt.timedelta(seconds=30)
MAX_DELAY = dt.timedelta(hours=6)
GIVE_UP_AFTER = dt.timedelta(hours=72)
CLAIM_FOR = dt.timedelta(minutes=2)  # a crashed worker's claim lapses after this
BATCH = 20

ClientFactory = Callable[[PartnerConnection], PactClient]


def delay_after(attempts: int) -> dt.timedelta:
    """The wait before attempt ``attempts + 1``: 30 s doubled per failure, at most 6 h."""
    if attempts <= 0:
        return dt.timedelta(0)
    return min(FIRST_DELAY * (2 ** min(attempts - 1, 20)), MAX_DELAY)


def enqueue_event(
    session: Session,
    *,
    connection: PartnerConnection,
    url: str,
    event: Mapping[str, Any],
    request_id: uuid.UUID | None = None,
) -> OutboxJob:
    job = OutboxJob(
        kind=JobKind.EVENT,
        connection_id=connection.id,
        payload=json.dumps(event, ensure_ascii=False),
        url=url,
        request_id=request_id,
        next_attempt_at=utcnow(),
    )
    session.add(job)
    session.flush()
    return job


def enqueue_fetch(
    session: Session, *, connection: PartnerConnection, footprint_ids: list[str], version: str
) -> OutboxJob:
    job = OutboxJob(
        kind=JobKind.FETCH,
        connection_id=connection.id,
        payload=json.dumps({"pfIds": footprint_ids, "version": version}),
        next_attempt_at=utcnow(),
    )
    session.add(job)
    session.flush()
    return job


def _claim(sessions: sessionmaker[Session], now: dt.datetime) -> list[uuid.UUID]:
    with sessions() as session:
        jobs = session.scalars(
            select(OutboxJob)
            .where(OutboxJob.state == JobState.PENDING, OutboxJob.next_attempt_at <= now)
            .where(or_(OutboxJob.claimed_until.is_(None), OutboxJob.claimed_until < now))
            .order_by(OutboxJob.next_attempt_at)
            .limit(BATCH)
            .with_for_update(skip_locked=True)
        ).all()
        for job in jobs:
            job.claimed_until = now + CLAIM_FOR
        session.commit()
        return [job.id for job in jobs]


def _run_one(
    sessions: sessionmaker[Session],
    job_id: uuid.UUID,
    client_for: ClientFactory,
    deliver: Callable[[Session, PartnerConnection, list[dict[str, Any]]], None],
) -> None:
    with sessions() as session:
        job = session.get_one(OutboxJob, job_id)
        connection = session.get_one(PartnerConnection, job.connection_id)
        kind, payload, url = job.kind, json.loads(job.payload), job.url
        session.expunge(connection)
    error: PartnerError | None = None
    fetched: list[dict[str, Any]] = []
    try:
        client = client_for(connection)
        if kind == JobKind.EVENT:
            client.send_event(url, payload)
        else:
            for footprint_id in payload.get("pfIds", []):
                fetched.append(
                    client.get_footprint(footprint_id, version=payload.get("version", "3"))
                )
    except PartnerError as failure:
        error = failure
    except Exception as failure:  # a partner's odd answer must not stop the worker
        log.exception("PACT job %s failed", job_id)
        error = PartnerError(str(failure), retry=True)
    with sessions() as session:
        job = session.get_one(OutboxJob, job_id)
        stored = session.get_one(PartnerConnection, job.connection_id)
        now = utcnow()
        job.attempts += 1
        job.claimed_until = None
        if error is None:
            try:
                if fetched:
                    deliver(session, stored, fetched)
            except Exception as failure:  # an invalid document: recorded, not retried
                log.warning("PACT job %s: fetched footprints refused: %s", job_id, failure)
                job.last_error = str(failure)[:2000]
            job.state, job.done_at = JobState.DONE, now
            stored.last_success_at = now
        else:
            job.last_error = error.message[:2000]
            stored.last_error = error.message[:2000]
            too_old = now - as_utc(job.created_at) >= GIVE_UP_AFTER
            if not error.retry or too_old:
                job.state = JobState.ABANDONED
            else:
                job.next_attempt_at = now + delay_after(job.attempts)
        session.commit()


def run_due(
    sessions: sessionmaker[Session],
    *,
    client_for: ClientFactory,
    deliver: Callable[[Session, PartnerConnection, list[dict[str, Any]]], None],
    now: dt.datetime | None = None,
) -> int:
    """Make every due call once; returns how many jobs were tried."""
    ids = _claim(sessions, now or utcnow())
    for job_id in ids:
        _run_one(sessions, job_id, client_for, deliver)
    return len(ids)


def retry_now(session: Session, *, job_id: uuid.UUID) -> OutboxJob:
    """An operator asks for a pending or abandoned job to be tried again at once."""
    job = session.get_one(OutboxJob, job_id)
    job.state = JobState.PENDING
    job.next_attempt_at = utcnow()
    job.claimed_until = None
    session.flush()
    return job


class Worker:
    """A background thread running :func:`run_due` every ``interval`` seconds."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        *,
        client_for: ClientFactory,
        deliver: Callable[[Session, PartnerConnection, list[dict[str, Any]]], None],
        interval: float = 2.0,
    ) -> None:
        self.sessions = sessions
        self.client_for = client_for
        self.deliver = deliver
        self.interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="tanji-pact-worker", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                run_due(self.sessions, client_for=self.client_for, deliver=self.deliver)
            except Exception:  # the database may be briefly away; try again next round
                log.exception("PACT worker round failed")
            self._stop.wait(self.interval)
