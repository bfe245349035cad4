"""Pydantic shapes for departments, users and API keys over the API."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from xinyong.core.security import Role


class DepartmentOut(BaseModel):
    """A department as the API shows it."""

    model_config = ConfigDict(from_attributes=True)

    code: str
    name: str
    uscc: str
    active: bool


class DepartmentIn(BaseModel):
    """A department in a departments file."""

    model_config = ConfigDict(extra="forbid")

    code: str = Field(pattern=r"^[A-Z][A-Z0-9_]{1,31}$")
    name: str = Field(min_length=2, max_length=200)
    uscc: str


class DepartmentsFile(BaseModel):
    """The departments file: a version and the list."""

    model_config = ConfigDict(extra="forbid")

    version: int
    departments: list[DepartmentIn] = Field(min_length=1)


class UserCreate(BaseModel):
    """What it takes to create a user."""

    model_config = ConfigDict(extra="forbid")

    username: str = Field(min_length=3, max_length=64, pattern=r"^[A-Za-z0-9_.@-]+$")
    display_name: str = Field(min_length=1, max_length=100)
    password: str = Field(min_length=1, max_length=200)
    role: Role
    department_code: str | None = None
    subject_code: str | None = Field(
        None,
        max_length=64,
        description="A citizen account's ID number, or an organisation account's USCC",
    )


class UserOut(BaseModel):
    """A user as the API shows it (never the hash)."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    username: str
    display_name: str
    role: Role
    department_code: str | None
    active: bool
    created_at: datetime
    last_login_at: datetime | None


class ApiKeyCreate(BaseModel):
    """What it takes to issue an API key."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=100)
    department_code: str
    role: Role = Role.SUBMITTER
    expires_at: datetime | None = None


class ApiKeyOut(BaseModel):
    """An API key's metadata; the key itself is never shown again."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    prefix: str
    name: str
    role: Role
    department_code: str
    created_by: str
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None


class ApiKeyIssued(ApiKeyOut):
    """A new key: the only response that carries the secret."""

    key: str = Field(description="Shown once. Store it now; only its digest is kept.")


class MeOut(BaseModel):
    """Who the caller is."""

    kind: str
    name: str
    role: Role | None
    department_code: str | None
