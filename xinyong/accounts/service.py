"""Departments and users: loading, listing, creating."""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import ValidationError
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from xinyong.accounts.models import Department, User, WebSession
from xinyong.accounts.passwords import check_policy, hash_password
from xinyong.accounts.schemas import DepartmentsFile, UserCreate
from xinyong.audit import service as audit
from xinyong.core.errors import Conflict, InvalidInput, NotFound
from xinyong.core.security import Principal, Role
from xinyong.identity import service as identity
from xinyong.identity.codes import CodeType, check_code, check_uscc
from xinyong.identity.models import Subject, SubjectKind

PACKAGED_DEPARTMENTS = Path(__file__).parent / "files" / "departments.yaml"


def read_departments_file(path: Path) -> DepartmentsFile:
    """Parse and validate a departments file; every USCC must pass its checksum."""
    try:
        parsed = DepartmentsFile.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    except (OSError, yaml.YAMLError, ValidationError) as exc:
        raise InvalidInput(f"departments file {path} is invalid: {exc}") from exc
    for item in parsed.departments:
        result = check_uscc(item.uscc)
        if not result.valid:
            raise InvalidInput(
                f"{item.code} {item.name}: 统一社会信用代码{result.errors[0].message}"
            )
        item.uscc = result.normalised
    codes = [d.code for d in parsed.departments]
    if len(set(codes)) != len(codes):
        raise InvalidInput("departments file lists a code twice")
    return parsed


def load_departments(session: Session, actor: Principal, path: Path = PACKAGED_DEPARTMENTS) -> int:
    """Insert or update the departments of a file; returns how many changed."""
    parsed = read_departments_file(path)
    existing = {d.code: d for d in session.scalars(select(Department))}
    changed = 0
    for item in parsed.departments:
        row = existing.get(item.code)
        if row is None:
            session.add(Department(code=item.code, name=item.name, uscc=item.uscc, active=True))
        elif (row.name, row.uscc, row.active) != (item.name, item.uscc, True):
            row.name, row.uscc, row.active = item.name, item.uscc, True
        else:
            continue
        changed += 1
    if changed:
        session.flush()
        audit.record(
            session,
            actor,
            "departments.load",
            target_type="departments",
            detail={"file": path.name, "changed": changed},
        )
    return changed


def list_departments(session: Session) -> list[Department]:
    """All departments by code."""
    return list(session.scalars(select(Department).order_by(Department.code)))


def get_department(session: Session, code: str) -> Department:
    """The department with ``code``, or NotFound."""
    department = session.get(Department, code.upper())
    if department is None:
        raise NotFound(f"部门 {code} 不存在", code="department_not_found")
    return department


def create_user(session: Session, actor: Principal, data: UserCreate) -> User:
    """Create a user after checking role, department and password policy."""
    check_policy(data.password)
    if data.role.needs_department and not data.department_code:
        raise InvalidInput(f"角色 {data.role.label} 必须属于一个部门", code="department_required")
    if data.department_code:
        get_department(session, data.department_code)
    if session.scalar(select(User.id).where(User.username == data.username)) is not None:
        raise Conflict(f"用户名 {data.username} 已存在", code="username_taken")
    # A subject's account speaks for them; a third party's for itself, the party an
    # authorisation must name (授权查询).
    speaks_for = data.role in (Role.CITIZEN, Role.THIRD_PARTY)
    subject_id = _account_subject(session, data) if speaks_for else None
    user = User(
        subject_id=subject_id,
        username=data.username,
        display_name=data.display_name,
        password_hash=hash_password(data.password),
        role=data.role,
        department_code=data.department_code.upper() if data.department_code else None,
        active=True,
        failed_logins=0,
    )
    session.add(user)
    session.flush()
    audit.record(
        session,
        actor,
        "user.create",
        target_type="user",
        target_id=user.id,
        detail={
            "username": user.username,
            "role": user.role.value,
            "department": user.department_code,
        },
    )
    return user


def _account_subject(session: Session, data: UserCreate) -> int:
    """The subject a citizen or third-party account speaks for, by ID number or USCC
    (registered if new)."""
    code = data.subject_code or ""
    for code_type, kind in (
        (CodeType.RIC, SubjectKind.PERSON),
        (CodeType.USCC, SubjectKind.ORGANISATION),
    ):
        checked = check_code(code_type, code)
        if checked.valid:
            # A subject already on file keeps the name its records give it.
            subject = session.scalar(
                select(Subject).where(
                    Subject.code_type == code_type, Subject.code == checked.normalised
                )
            ) or identity.register_subject(session, code_type, code, data.display_name, kind)
            taken = session.scalar(select(User.id).where(User.subject_id == subject.id))
            if taken is not None:
                raise Conflict("该信用主体已有账户", code="subject_has_account")
            return subject.id
    raise InvalidInput(
        "信用主体账户须填写有效的公民身份号码或统一社会信用代码", code="subject_code_required"
    )


def list_users(session: Session) -> list[User]:
    """All users by username."""
    return list(session.scalars(select(User).order_by(User.username)))


def set_user_active(session: Session, actor: Principal, user_id: int, active: bool) -> User:
    """Enable or disable a user; disabling also ends their sessions."""
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"用户 {user_id} 不存在", code="user_not_found")
    if user.active != active:
        user.active = active
        if not active:
            end_user_sessions(session, user.id)
        audit.record(
            session,
            actor,
            "user.enable" if active else "user.disable",
            target_type="user",
            target_id=user.id,
        )
    return user


def end_user_sessions(session: Session, user_id: int) -> None:
    """End every browser session of a user."""
    session.execute(delete(WebSession).where(WebSession.user_id == user_id))


def principal_for_user(user: User) -> Principal:
    """The principal a logged-in user acts as."""
    return Principal(
        kind="user",
        id=user.id,
        name=user.username,
        role=Role(user.role),
        department_code=user.department_code,
        subject_id=user.subject_id,
        display_name=user.display_name,
    )
