"""List entries submitted by the deciding department (认定部门报送) over HTTP."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request

from xinyong.api.public import ListCode
from xinyong.core.security import Principal, Role
from xinyong.lists import submissions
from xinyong.lists.definitions import get_lists
from xinyong.lists.schemas import EntrySubmission, EntryWithdrawal, SubmittedEntry
from xinyong.web.access import allow
from xinyong.web.deps import DbSession, Today
from xinyong.web.state import app_state

router = APIRouter(prefix="/lists", tags=["lists"])
SUBMITTERS = (Role.SUBMITTER, Role.PLATFORM_ADMIN)


@router.post(
    "/{code}/entries",
    response_model=SubmittedEntry,
    status_code=201,
    summary="Enter a subject on a list on the basis of the department's own record",
)
def submit_entry(
    code: ListCode,
    body: EntrySubmission,
    request: Request,
    session: DbSession,
    day: Today,
    principal: Principal = allow(*SUBMITTERS),
) -> SubmittedEntry:
    """The deciding department enters the subject of one of its live records on a list that
    accepts submissions; persons are reached as the list says (落实到人)."""
    lists = get_lists(app_state(request).catalog)
    return submissions.submit(session, principal, lists, code, body, day)


@router.post(
    "/{code}/entries/{entry_id}/withdraw",
    response_model=SubmittedEntry,
    summary="Withdraw a submitted entry",
)
def withdraw_entry(
    code: ListCode,
    entry_id: Annotated[int, Path(ge=1, le=2**62)],
    body: EntryWithdrawal,
    request: Request,
    session: DbSession,
    day: Today,
    principal: Principal = allow(*SUBMITTERS),
) -> SubmittedEntry:
    """The submitting department ends its entry (撤销), and the persons it reached."""
    lists = get_lists(app_state(request).catalog)
    return submissions.withdraw(session, principal, lists, code, entry_id, body.reason, day)
