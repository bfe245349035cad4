"""A subject's credit archive as JSON: staff for any subject, a citizen for their own."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request

from xinyong.archive import profile
from xinyong.archive.schemas import SubjectArchive
from xinyong.core.security import Principal, Role
from xinyong.web.access import allow
from xinyong.web.deps import MAX_ROW_ID, DbSession, Today, client_ip
from xinyong.web.state import app_state

router = APIRouter(tags=["archive"])
ARCHIVE_READERS = (Role.CITIZEN, *sorted(profile.ARCHIVE_STAFF))


@router.get(
    "/archive/{subject_id}",
    response_model=SubjectArchive,
    summary="A subject's credit archive",
)
def get_archive(
    subject_id: Annotated[int, Path(ge=1, le=MAX_ROW_ID)],
    request: Request,
    session: DbSession,
    day: Today,
    purpose: Annotated[str, Query(min_length=2, max_length=100)] = "信用档案查阅",
    principal: Principal = allow(*ARCHIVE_READERS),
) -> SubjectArchive:
    """Live records by category and relations; for staff also history and revisions.

    Logged as a read of personal data with ``purpose``."""
    return read_archive(request, session, principal, subject_id, day, purpose)


def read_archive(
    request: Request,
    session: DbSession,
    principal: Principal,
    subject_id: int,
    day: date,
    purpose: str,
) -> SubjectArchive:
    """The archive for the principal behind ``request`` (JSON, console and portal alike)."""
    return profile.read_archive(
        session,
        principal,
        app_state(request).catalog,
        subject_id,
        day,
        purpose=purpose,
        ip=client_ip(request),
    )
