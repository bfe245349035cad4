"""Staff pages: dashboard, departments, users, API keys, audit trail."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy import func, select

from xinyong.accounts import service as accounts
from xinyong.accounts import tokens
from xinyong.accounts.models import Department
from xinyong.accounts.schemas import ApiKeyCreate, UserCreate
from xinyong.audit import service as audit
from xinyong.audit.models import AuditEntry
from xinyong.core.errors import XinyongError
from xinyong.core.security import STAFF_ROLES, Principal, Role
from xinyong.identity.codes import recognise
from xinyong.identity.models import Subject
from xinyong.identity.service import subject_ref
from xinyong.sanctions import integrity
from xinyong.web.access import allow
from xinyong.web.deps import MAX_SEQ, DbSession, RowId
from xinyong.web.flash import pop_flash, set_flash
from xinyong.web.state import app_state
from xinyong.web.templating import render

router = APIRouter(prefix="/console", include_in_schema=False)
STAFF = tuple(sorted(STAFF_ROLES))
ADMIN = Role.PLATFORM_ADMIN
KEYS_PATH = "/console/api-keys"


FORM_ERRORS = (ValidationError, ValueError, XinyongError)
FIELD_LABELS = {
    "username": "用户名",
    "display_name": "姓名",
    "password": "密码",
    "role": "角色",
    "department_code": "部门",
    "name": "用途名称",
    "subject_code": "证件号码或统一社会信用代码",
}


def refusal(exc: Exception) -> str:
    """What a clerk reads when a console form is refused."""
    if isinstance(exc, XinyongError):
        return exc.message
    if isinstance(exc, ValidationError):
        fields = {str(e["loc"][0]) for e in exc.errors() if e.get("loc")}
        return "以下内容格式不正确：" + "、".join(FIELD_LABELS.get(f, f) for f in sorted(fields))
    return "输入有误，请检查后重试"


def _count(session: DbSession, model: type[object]) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def _is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


@router.get("")
def dashboard(
    request: Request, session: DbSession, principal: Principal = allow(*STAFF)
) -> Response:
    """The staff home page."""
    catalog = app_state(request).catalog
    department = (
        session.get(Department, principal.department_code) if principal.department_code else None
    )
    sources = [
        d
        for d in catalog.datasets.values()
        if department and ("*" in d.source_departments or department.code in d.source_departments)
    ]
    stats = {
        "departments": _count(session, Department),
        "datasets": len(catalog.datasets),
        "catalog_version": catalog.version,
        "subjects": _count(session, Subject),
        "audit_entries": _count(session, AuditEntry),
    }
    return render(
        request, "console/home.html", {"stats": stats, "department": department, "sources": sources}
    )


@router.get("/departments")
def departments(request: Request, session: DbSession, _: Principal = allow(*STAFF)) -> Response:
    """Every department."""
    return render(
        request, "console/departments.html", {"departments": accounts.list_departments(session)}
    )


def _users_page(request: Request, session: DbSession, **extra: object) -> Response:
    context = {
        "users": accounts.list_users(session),
        "roles": list(Role),
        "departments": accounts.list_departments(session),
        "form": {},
        **extra,
    }
    status = 422 if extra.get("error") else 200
    return render(request, "console/users.html", context, status_code=status)


@router.get("/users")
def users(
    request: Request, session: DbSession, created: str | None = None, _: Principal = allow(ADMIN)
) -> Response:
    """Users and the form to create one."""
    return _users_page(request, session, created=created)


@router.post("/users")
def create_user(
    request: Request,
    session: DbSession,
    username: Annotated[str, Form()],
    display_name: Annotated[str, Form()],
    password: Annotated[str, Form()],
    role: Annotated[str, Form()],
    department_code: Annotated[str, Form()] = "",
    subject_code: Annotated[str, Form(max_length=64)] = "",
    principal: Principal = allow(ADMIN),
) -> Response:
    """Create a user from the form; show the reason when refused."""
    form = {
        "username": username,
        "display_name": display_name,
        "role": role,
        "department_code": department_code,
        "subject_code": subject_code,
    }
    try:
        data = UserCreate(
            username=username.strip(),
            display_name=display_name.strip(),
            password=password,
            role=Role(role),
            department_code=department_code or None,
            subject_code=subject_code.strip() or None,
        )
        accounts.create_user(session, principal, data)
    except FORM_ERRORS as exc:
        session.rollback()
        return _users_page(request, session, form=form, error=refusal(exc))
    return RedirectResponse(f"/console/users?created={data.username}", status_code=303)


@router.post("/users/{user_id}/active")
def set_active(
    request: Request,
    user_id: RowId,
    session: DbSession,
    active: Annotated[str, Form()],
    principal: Principal = allow(ADMIN),
) -> Response:
    """Enable or disable a user (htmx swaps the row)."""
    user = accounts.set_user_active(session, principal, user_id, active == "1")
    if _is_htmx(request):
        return render(request, "console/_user_row.html", {"u": user})
    return RedirectResponse("/console/users", status_code=303)


def _keys_page(
    request: Request, session: DbSession, principal: Principal, **extra: object
) -> Response:
    department = None if principal.role is ADMIN else principal.department_code
    context = {
        "keys": tokens.list_api_keys(session, department),
        "departments": accounts.list_departments(session),
        **extra,
    }
    return render(
        request, "console/api_keys.html", context, status_code=422 if extra.get("error") else 200
    )


@router.get("/api-keys")
def api_keys(
    request: Request,
    session: DbSession,
    principal: Principal = allow(ADMIN, Role.SUBMITTER, Role.CHECKER),
) -> Response:
    """API keys of every department (admin) or of the caller's; a new key shown once."""
    carrier = Response()
    issued = pop_flash(request, carrier, KEYS_PATH)
    response = _keys_page(request, session, principal, issued=issued)
    if issued:
        response.headers["Cache-Control"] = "no-store"
    for cookie in carrier.headers.getlist("set-cookie"):
        response.headers.append("set-cookie", cookie)
    return response


@router.post("/api-keys")
def issue_api_key(
    request: Request,
    session: DbSession,
    name: Annotated[str, Form()],
    department_code: Annotated[str, Form()],
    role: Annotated[str, Form()] = Role.SUBMITTER.value,
    principal: Principal = allow(ADMIN),
) -> Response:
    """Issue a key and show it once."""
    try:
        data = ApiKeyCreate(name=name.strip(), department_code=department_code, role=Role(role))
        row, key = tokens.issue_api_key(session, principal, data)
    except FORM_ERRORS as exc:
        session.rollback()
        return _keys_page(request, session, principal, error=refusal(exc))
    # Post/redirect/get: a refresh must not issue a second key.
    response = RedirectResponse(KEYS_PATH, status_code=303)
    set_flash(request, response, KEYS_PATH, {"key": key, "name": row.name})
    return response


@router.post("/api-keys/{key_id}/revoke")
def revoke_api_key(
    request: Request, key_id: RowId, session: DbSession, principal: Principal = allow(ADMIN)
) -> Response:
    """Revoke a key (htmx swaps the row)."""
    row = tokens.revoke_api_key(session, principal, key_id)
    if _is_htmx(request):
        return render(request, "console/_api_key_row.html", {"k": row})
    return RedirectResponse("/console/api-keys", status_code=303)


@router.get("/audit")
def audit_page(
    request: Request,
    session: DbSession,
    before: int | None = Query(None, ge=1, le=MAX_SEQ),
    subject: str = Query("", max_length=40, description="A subject's ID number or USCC"),
    actor: str = Query("", max_length=120, description="Who acted, e.g. user:fgw"),
    action: str = Query("", max_length=64, description="e.g. personal_data.read"),
    principal: Principal = allow(ADMIN, Role.AUDITOR),
) -> Response:
    """The newest audit entries, searchable by subject, actor and action (e.g. every read of
    one person's data); reading them is itself recorded."""
    filters = {"subject": subject.strip(), "actor": actor.strip(), "action": action.strip()}
    query = select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(100)
    if before is not None:
        query = query.where(AuditEntry.seq < before)
    error = None
    if filters["subject"]:
        recognised = recognise(filters["subject"])
        if recognised is None:
            error = "请输入有效的公民身份号码或统一社会信用代码"
        else:
            query = query.where(integrity.naming(subject_ref(*recognised)))
    if filters["actor"]:
        query = query.where(AuditEntry.actor == filters["actor"])
    if filters["action"]:
        query = query.where(AuditEntry.action == filters["action"])
    entries = [] if error else list(session.scalars(query))
    audit.record(
        session,
        principal,
        "audit.read",
        target_type="audit_log",
        detail={"before": before, **{k: v for k, v in filters.items() if v}},
    )
    page = {"entries": entries, "filters": filters, "error": error}
    return render(request, "console/audit.html", page, status_code=422 if error else 200)


@router.get("/audit/verify")
def audit_verify(
    request: Request, session: DbSession, _: Principal = allow(Role.AUDITOR)
) -> Response:
    """Verify the chain and show the result (an htmx fragment)."""
    return render(request, "console/_verify.html", {"report": audit.verify(session)})
