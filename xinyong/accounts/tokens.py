"""Credentials: password login with lockout, browser sessions, department API keys."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from xinyong.accounts.models import ApiKey, User, WebSession
from xinyong.accounts.passwords import DUMMY_HASH, hash_password, needs_rehash, verify_password
from xinyong.accounts.schemas import ApiKeyCreate
from xinyong.accounts.service import get_department, principal_for_user
from xinyong.audit import service as audit
from xinyong.core.db import READ_ONLY, utcnow
from xinyong.core.errors import Forbidden, InvalidInput, NotFound
from xinyong.core.security import (
    API_KEY_ROLES,
    Principal,
    Role,
    new_token,
    same,
    token_digest,
)
from xinyong.identity.codes import CodeType, check_ric
from xinyong.identity.models import Subject

API_KEY_SCHEME = "xy"
PREFIX_BYTES = 6
LAST_USED_RESOLUTION = timedelta(minutes=5)
_NOTED: dict[int, datetime] = {}  # key id -> when this process last noted its use
# Checks come from department systems many times a second with the same key: looking the
# key up each time cost more CPU than the check itself.
API_KEY_CACHE_SECONDS = 10.0
API_KEY_CACHE_SIZE = 10_000
_RESOLVED: dict[str, tuple[float, Principal]] = {}  # key digest -> (valid until, principal)


@dataclass(frozen=True)
class LoginRefused:
    """Why a login was refused (the failure count is stored, so this is not an exception)."""

    code: str
    message: str


BAD_CREDENTIALS = LoginRefused("bad_credentials", "用户名或密码错误")
LOCKED = LoginRefused("account_locked", "失败次数过多，账户已临时锁定，请稍后再试")


def find_login_user(session: Session, login_name: str) -> User | None:
    """The user a login name names: a username, or the ID number of a citizen account.

    This is the seam for a unified identity provider (统一身份认证): its verified assertion
    names a person by ID number, which resolves to the same account here."""
    user = session.scalar(select(User).where(User.username == login_name))
    if user is not None:
        return user
    checked = check_ric(login_name)
    if not checked.valid:
        return None
    return session.scalar(
        select(User)
        .join(Subject, Subject.id == User.subject_id)
        .where(
            Subject.code_type == CodeType.RIC,
            Subject.code == checked.normalised,
            User.role == Role.CITIZEN,
        )
    )


def login(
    session: Session,
    username: str,
    password: str,
    *,
    max_failures: int,
    lockout: timedelta,
    ip: str | None = None,
) -> User | LoginRefused:
    """Check a username (or a citizen's ID number) and password; lock the account after
    repeated failures."""
    user = find_login_user(session, username)
    now = utcnow()
    if user is None:
        verify_password(DUMMY_HASH, password)  # same time whether or not the user exists
        return BAD_CREDENTIALS
    if user.locked_until is not None and user.locked_until > now:
        return LOCKED
    if not verify_password(user.password_hash, password) or not user.active:
        user.failed_logins += 1
        if user.failed_logins >= max_failures:
            user.locked_until, user.failed_logins = now + lockout, 0
        audit.record(
            session,
            principal_for_user(user),
            "auth.login_failed",
            target_type="user",
            target_id=user.id,
            ip=ip,
        )
        return BAD_CREDENTIALS
    purge_expired_sessions(session)  # set-based; keeps the table to live sessions
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.failed_logins, user.locked_until, user.last_login_at = 0, None, now
    audit.record(
        session,
        principal_for_user(user),
        "auth.login",
        target_type="user",
        target_id=user.id,
        ip=ip,
    )
    return user


def open_session(session: Session, user: User, lifetime: timedelta) -> str:
    """Start a browser session; returns the cookie token (only its digest is stored)."""
    token = new_token()
    session.add(
        WebSession(
            digest=token_digest(token),
            user_id=user.id,
            created_at=utcnow(),
            expires_at=utcnow() + lifetime,
        )
    )
    return token


def resolve_session(session: Session, token: str) -> Principal | None:
    """The principal of a live session token, or None."""
    row = session.get(WebSession, token_digest(token))
    if row is None or row.expires_at <= utcnow():
        return None
    user = session.get(User, row.user_id)
    if user is None or not user.active:
        return None
    return principal_for_user(user)


def close_session(session: Session, token: str) -> None:
    """End a browser session (logout)."""
    session.execute(delete(WebSession).where(WebSession.digest == token_digest(token)))


def purge_expired_sessions(session: Session) -> None:
    """Delete sessions past their expiry (set-based)."""
    session.execute(delete(WebSession).where(WebSession.expires_at <= utcnow()))


def _split_key(key: str) -> tuple[str, str] | None:
    parts = key.split("_", 2)
    if len(parts) != 3 or parts[0] != API_KEY_SCHEME or not parts[1] or not parts[2]:
        return None
    return parts[1], parts[2]


def issue_api_key(session: Session, actor: Principal, data: ApiKeyCreate) -> tuple[ApiKey, str]:
    """Create a key for a department system; returns the row and the key, shown once."""
    if data.role not in API_KEY_ROLES:
        allowed = "、".join(r.label for r in sorted(API_KEY_ROLES))
        raise InvalidInput(f"API 密钥只能授予：{allowed}", code="role_not_allowed")
    if data.expires_at is not None and data.expires_at <= utcnow():
        raise InvalidInput("到期时间必须晚于现在", code="expired")
    department = get_department(session, data.department_code)
    prefix = new_token(PREFIX_BYTES).replace("_", "").replace("-", "")[:8]
    secret = new_token(32)
    key = f"{API_KEY_SCHEME}_{prefix}_{secret}"
    row = ApiKey(
        prefix=prefix,
        digest=token_digest(key),
        name=data.name,
        role=data.role,
        department_code=department.code,
        created_by=actor.actor,
        created_at=utcnow(),
        expires_at=data.expires_at,
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor,
        "api_key.issue",
        target_type="api_key",
        target_id=row.id,
        detail={"prefix": prefix, "department": department.code, "role": row.role},
    )
    return row, key


def cached_api_key(key: str) -> Principal | None:
    """The principal of a key this process resolved in the last seconds, if any."""
    hit = _RESOLVED.get(token_digest(key))
    if hit is None or hit[0] <= time.monotonic():
        return None
    return hit[1]


def _remember(key: str, principal: Principal, expires_at: datetime | None) -> None:
    seconds = API_KEY_CACHE_SECONDS
    if expires_at is not None:
        seconds = min(seconds, (expires_at - utcnow()).total_seconds())
    if len(_RESOLVED) >= API_KEY_CACHE_SIZE:
        _RESOLVED.clear()  # a crude bound: the next calls refill what is in use
    _RESOLVED[token_digest(key)] = (time.monotonic() + seconds, principal)


def forget_api_key(key_id: int) -> None:
    """Drop a key from this process's cache (it was revoked)."""
    for digest, (_, principal) in list(_RESOLVED.items()):
        if principal.id == key_id:
            _RESOLVED.pop(digest, None)


def resolve_api_key(session: Session, key: str) -> Principal | None:
    """The principal of a valid, unrevoked, unexpired key (noting its use), or None.

    A key resolved lately is answered from this process's cache for a few seconds
    (``API_KEY_CACHE_SECONDS``): a revoked key stops working at once in the process that
    revoked it and within those seconds in any other."""
    cached = cached_api_key(key)
    if cached is not None:
        return cached
    parts = _split_key(key)
    if parts is None:
        return None
    row = session.scalar(select(ApiKey).where(ApiKey.prefix == parts[0]))
    if row is None or not same(row.digest, token_digest(key)) or row.revoked_at is not None:
        return None
    now = utcnow()
    if row.expires_at is not None and row.expires_at <= now:
        return None
    stale = row.last_used_at is None or now - row.last_used_at > LAST_USED_RESOLUTION
    if stale and not session.info.get(READ_ONLY):
        row.last_used_at = now  # coarse, so a busy key does not write on every call
    principal = Principal(
        kind="api_key",
        id=row.id,
        name=row.prefix,
        role=Role(row.role),
        department_code=row.department_code,
    )
    _remember(key, principal, row.expires_at)
    return principal


def note_api_key_use(session: Session, principal: Principal) -> None:
    """Note a key's use from a write made on behalf of a read-only request (coarse, as
    ``resolve_api_key`` does: a busy key does not write on every call)."""
    if principal.kind != "api_key" or principal.id is None:
        return
    now = utcnow()
    noted = _NOTED.get(principal.id)
    if noted is not None and now - noted < LAST_USED_RESOLUTION:
        return  # noted by this process lately: spare the hot path an UPDATE
    _NOTED[principal.id] = now
    session.execute(
        update(ApiKey)
        .where(
            ApiKey.id == principal.id,
            or_(ApiKey.last_used_at.is_(None), ApiKey.last_used_at < now - LAST_USED_RESOLUTION),
        )
        .values(last_used_at=now)
    )


def list_api_keys(session: Session, department_code: str | None = None) -> list[ApiKey]:
    """API keys, optionally of one department, newest first."""
    query = select(ApiKey).order_by(ApiKey.created_at.desc(), ApiKey.id.desc())
    if department_code:
        query = query.where(ApiKey.department_code == department_code)
    return list(session.scalars(query))


def revoke_api_key(session: Session, actor: Principal, key_id: int) -> ApiKey:
    """Revoke a key for good."""
    row = session.get(ApiKey, key_id)
    if row is None:
        raise NotFound(f"API 密钥 {key_id} 不存在", code="api_key_not_found")
    if actor.role is not Role.PLATFORM_ADMIN and actor.department_code != row.department_code:
        raise Forbidden("只能吊销本部门的 API 密钥")
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        forget_api_key(row.id)
        audit.record(
            session,
            actor,
            "api_key.revoke",
            target_type="api_key",
            target_id=row.id,
            detail={"prefix": row.prefix},
        )
    return row
