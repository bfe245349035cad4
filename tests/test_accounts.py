"""Users, passwords, lockout, API keys."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.factories import ADMIN, PASSWORD, Factory
from xinyong.accounts import service, tokens
from xinyong.accounts.models import ApiKey, User
from xinyong.accounts.schemas import ApiKeyCreate, UserCreate
from xinyong.audit.models import AuditEntry
from xinyong.core.db import Database, utcnow
from xinyong.core.errors import Conflict, InvalidInput
from xinyong.core.security import Role

LOCKOUT = timedelta(minutes=15)


def _create(db: Database, **overrides: object) -> User:
    data = {
        "username": "clerk1",
        "display_name": "报送员",
        "password": PASSWORD,
        "role": Role.SUBMITTER,
        "department_code": None,
        **overrides,
    }
    with db.writing() as session:
        return service.create_user(session, ADMIN, UserCreate.model_validate(data))


def test_passwords_are_stored_as_argon2_hashes(db: Database, factory: Factory) -> None:
    user = _create(db, department_code=factory.department().code)
    assert user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash


@pytest.mark.parametrize("password", ["short", "aaaaaaaaaaaa"])
def test_weak_passwords_are_refused(db: Database, factory: Factory, password: str) -> None:
    with pytest.raises(InvalidInput, match="密码"):
        _create(db, password=password, department_code=factory.department().code)


def test_department_staff_need_a_department(db: Database) -> None:
    with pytest.raises(InvalidInput, match="必须属于一个部门"):
        _create(db)


def test_usernames_are_unique(db: Database, factory: Factory) -> None:
    department = factory.department().code
    _create(db, department_code=department)
    with pytest.raises(Conflict):
        _create(db, department_code=department)


def test_user_creation_is_audited(db: Database, factory: Factory) -> None:
    user = _create(db, department_code=factory.department().code)
    with db.reading() as session:
        actions = session.scalars(
            select(AuditEntry.action).where(AuditEntry.target_id == str(user.id))
        )
        assert "user.create" in list(actions)


def _login(db: Database, username: str, password: str) -> User | tokens.LoginRefused:
    with db.writing() as session:
        return tokens.login(session, username, password, max_failures=3, lockout=LOCKOUT)


def test_login_and_lockout(db: Database, factory: Factory) -> None:
    user = factory.user(Role.REVIEWER)
    logged_in = _login(db, user.username, PASSWORD)
    assert isinstance(logged_in, User)
    assert logged_in.id == user.id
    for _ in range(3):
        assert _login(db, user.username, "wrong password!") is tokens.BAD_CREDENTIALS
    # Locked now, even with the right password.
    assert _login(db, user.username, PASSWORD) is tokens.LOCKED


def test_unknown_user_gets_the_same_answer(db: Database) -> None:
    assert _login(db, "nobody", PASSWORD) is tokens.BAD_CREDENTIALS


def test_disabled_user_cannot_log_in(db: Database, factory: Factory) -> None:
    user = factory.user(Role.AUDITOR)
    with db.writing() as session:
        service.set_user_active(session, ADMIN, user.id, False)
    assert _login(db, user.username, PASSWORD) is tokens.BAD_CREDENTIALS


def test_sessions_resolve_and_end(db: Database, factory: Factory) -> None:
    user = factory.user(Role.CITIZEN)
    with db.writing() as session:
        token = tokens.open_session(session, session.get_one(User, user.id), timedelta(hours=1))
    with db.reading() as session:
        principal = tokens.resolve_session(session, token)
        assert principal is not None
        assert principal.role is Role.CITIZEN
    with db.writing() as session:
        tokens.close_session(session, token)
    with db.reading() as session:
        assert tokens.resolve_session(session, token) is None


def test_api_keys_are_hashed_scoped_and_revocable(db: Database, factory: Factory) -> None:
    department = factory.department().code
    key = factory.api_key(Role.SUBMITTER, department)
    with db.reading() as session:
        stored = session.scalars(select(ApiKey)).one()
        stored_id = stored.id
        assert key not in (stored.digest, stored.prefix)
        principal = tokens.resolve_api_key(session, key)
        assert principal is not None
        assert principal.department_code == department
        assert principal.role is Role.SUBMITTER
        assert tokens.resolve_api_key(session, key + "x") is None
        assert tokens.resolve_api_key(session, "garbage") is None
    with db.writing() as session:
        tokens.revoke_api_key(session, ADMIN, stored_id)
    with db.reading() as session:
        assert tokens.resolve_api_key(session, key) is None


def test_expired_api_key_is_refused(db: Database, factory: Factory) -> None:
    key = factory.api_key()
    with db.writing() as session:
        row = session.scalars(select(ApiKey)).one()
        row.expires_at = utcnow() - timedelta(seconds=1)
    with db.reading() as session:
        assert tokens.resolve_api_key(session, key) is None


def test_api_keys_carry_only_department_system_roles(db: Database, factory: Factory) -> None:
    department = factory.department().code
    with pytest.raises(InvalidInput, match="API 密钥只能授予"), db.writing() as session:
        tokens.issue_api_key(
            session,
            ADMIN,
            ApiKeyCreate(name="x", department_code=department, role=Role.PLATFORM_ADMIN),
        )
