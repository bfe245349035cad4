"""Accounts API: who am I, departments, users, department API keys."""

from __future__ import annotations

from fastapi import APIRouter, status
from pydantic import BaseModel

from xinyong.accounts import service, tokens
from xinyong.accounts.schemas import (
    ApiKeyCreate,
    ApiKeyIssued,
    ApiKeyOut,
    DepartmentOut,
    MeOut,
    UserCreate,
    UserOut,
)
from xinyong.core.security import Principal, Role
from xinyong.web.access import PUBLIC, allow
from xinyong.web.deps import DbSession, RowId

router = APIRouter(tags=["accounts"])

ANY_ROLE = tuple(Role)


class UserPatch(BaseModel):
    """Enable or disable a user."""

    active: bool


@router.get("/me", response_model=MeOut, summary="The caller")
def me(principal: Principal = allow(*ANY_ROLE)) -> MeOut:
    """Who the request is authenticated as."""
    return MeOut(
        kind=principal.kind,
        name=principal.name,
        role=principal.role,
        department_code=principal.department_code,
    )


@router.get("/departments", response_model=list[DepartmentOut], summary="Departments")
def departments(session: DbSession, _: Principal = PUBLIC) -> list[DepartmentOut]:
    """Every department of the platform (public: they are government bodies)."""
    return [DepartmentOut.model_validate(d) for d in service.list_departments(session)]


@router.get("/users", response_model=list[UserOut], summary="Users")
def users(session: DbSession, _: Principal = allow(Role.PLATFORM_ADMIN)) -> list[UserOut]:
    """Every user account."""
    return [UserOut.model_validate(u) for u in service.list_users(session)]


@router.post(
    "/users", response_model=UserOut, status_code=status.HTTP_201_CREATED, summary="Create a user"
)
def create_user(
    data: UserCreate, session: DbSession, principal: Principal = allow(Role.PLATFORM_ADMIN)
) -> UserOut:
    """Create a staff, citizen or third-party account."""
    return UserOut.model_validate(service.create_user(session, principal, data))


@router.patch("/users/{user_id}", response_model=UserOut, summary="Enable or disable a user")
def patch_user(
    user_id: RowId,
    data: UserPatch,
    session: DbSession,
    principal: Principal = allow(Role.PLATFORM_ADMIN),
) -> UserOut:
    """Disabling a user also ends their sessions."""
    return UserOut.model_validate(service.set_user_active(session, principal, user_id, data.active))


@router.get("/api-keys", response_model=list[ApiKeyOut], summary="API keys")
def api_keys(
    session: DbSession,
    principal: Principal = allow(Role.PLATFORM_ADMIN, Role.SUBMITTER, Role.CHECKER),
) -> list[ApiKeyOut]:
    """Keys of every department (admin) or of the caller's department."""
    department = None if principal.role is Role.PLATFORM_ADMIN else principal.department_code
    return [ApiKeyOut.model_validate(k) for k in tokens.list_api_keys(session, department)]


@router.post(
    "/api-keys",
    response_model=ApiKeyIssued,
    status_code=status.HTTP_201_CREATED,
    summary="Issue an API key",
)
def issue_api_key(
    data: ApiKeyCreate, session: DbSession, principal: Principal = allow(Role.PLATFORM_ADMIN)
) -> ApiKeyIssued:
    """Issue a key for a department system; the key is in this response only."""
    row, key = tokens.issue_api_key(session, principal, data)
    return ApiKeyIssued(**ApiKeyOut.model_validate(row).model_dump(), key=key)


@router.delete("/api-keys/{key_id}", response_model=ApiKeyOut, summary="Revoke an API key")
def revoke_api_key(
    key_id: RowId,
    session: DbSession,
    principal: Principal = allow(Role.PLATFORM_ADMIN),
) -> ApiKeyOut:
    """Revoke a key; requests with it fail from now on."""
    return ApiKeyOut.model_validate(tokens.revoke_api_key(session, principal, key_id))
