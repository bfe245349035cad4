"""Request dependencies: the database session and the principal behind the request."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from xinyong.accounts import tokens
from xinyong.accounts.models import ApiKey
from xinyong.core.db import utcnow
from xinyong.core.errors import NotAuthenticated
from xinyong.core.security import ANONYMOUS, Principal
from xinyong.web.state import app_state

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
SESSION_COOKIE = "xinyong_session"


def db_session(request: Request) -> Iterator[Session]:
    """One transaction per request: a read for safe methods, a write (committed) otherwise."""
    database = app_state(request).database
    safe = request.method in SAFE_METHODS
    factory = database.read_sessions if safe else database.write_sessions
    with factory() as session:
        try:
            yield session
        except BaseException:
            session.rollback()
            raise
        if safe:
            session.rollback()
        else:
            session.commit()


# scope="function": commit before the response is sent, so a failed commit is never a 200.
DbSession = Annotated[Session, Depends(db_session, scope="function")]


def _touch_api_key(request: Request, key_id: int) -> None:
    """Note a key's last use in its own short write (a read request stays read-only)."""
    with app_state(request).database.writing() as session:
        row = session.get(ApiKey, key_id)
        if row is not None:
            row.last_used_at = utcnow()


def current_principal(request: Request, session: DbSession) -> Principal:
    """Who is asking: an API key (Authorization: Bearer), a browser session, or nobody."""
    authorization = request.headers.get("authorization", "")
    if authorization:
        scheme, _, credential = authorization.partition(" ")
        if scheme.lower() != "bearer" or not credential.strip():
            raise NotAuthenticated(
                "Authorization 头应为 Bearer <API 密钥>", code="bad_authorization"
            )
        found = tokens.resolve_api_key(session, credential.strip())
        if found is None:
            raise NotAuthenticated("API 密钥无效、已过期或已吊销", code="bad_api_key")
        principal, stale = found
        if stale and principal.id is not None:
            _touch_api_key(request, principal.id)
    else:
        cookie = request.cookies.get(SESSION_COOKIE)
        principal = (tokens.resolve_session(session, cookie) if cookie else None) or ANONYMOUS
    request.state.principal = principal
    return principal
