"""Identity API: check a code; read a subject (a logged read of personal data)."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request

from xinyong.audit import service as audit
from xinyong.core.security import Principal, Role
from xinyong.identity import service
from xinyong.identity.codes import CodeType, check_code, guess_code_type
from xinyong.identity.schemas import CodeCheckIn, CodeCheckOut, SubjectOut
from xinyong.web.access import allow
from xinyong.web.deps import DbSession, client_ip

router = APIRouter(tags=["identity"])

SUBJECT_READERS = (Role.PLATFORM_ADMIN, Role.REVIEWER, Role.CHECKER)


@router.post("/identity/check", response_model=CodeCheckOut, summary="Check a subject code")
def check(data: CodeCheckIn, _: Principal = allow(*Role)) -> CodeCheckOut:
    """Validate and normalise an ID number, USCC or other document number."""
    code_type = data.code_type or guess_code_type(data.code)
    return CodeCheckOut.of(check_code(code_type, data.code))


@router.get("/subjects/{code_type}/{code}", response_model=SubjectOut, summary="A subject")
def subject(
    code_type: CodeType,
    code: str,
    request: Request,
    session: DbSession,
    purpose: str = Query(min_length=2, max_length=500, description="Why (查询事由); logged."),
    principal: Principal = allow(*SUBJECT_READERS),
) -> SubjectOut:
    """A subject with its relations; the lookup is logged (found or not) before any answer."""
    normalised = service.checked_code(code_type, code).normalised
    audit.record_read(
        session,
        principal,
        service.subject_ref(code_type, normalised),
        purpose=purpose,
        ip=client_ip(request),
    )
    session.commit()  # the lookup stays on record even when nothing is found
    return SubjectOut.of(service.get_subject(session, code_type, normalised))
