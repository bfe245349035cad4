"""Request dependencies: the database session and the principal behind the request."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Annotated

from fastapi import Depends, Path, Request
from sqlalchemy.orm import Session

from xinyong.accounts import tokens
from xinyong.core.errors import NotAuthenticated
from xinyong.core.security import ANONYMOUS, Principal
from xinyong.web.state import app_state

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Ids beyond what a column holds are a 422, not a 500 (PostgreSQL INTEGER / BIGINT).
MAX_ROW_ID = 2**31 - 1
MAX_SEQ = 2**63 - 1

RowId = Annotated[int, Path(ge=1, le=MAX_ROW_ID, description="Row id.")]
SESSION_COOKIE = "xinyong_session"


def _may_write(request: Request) -> bool:
    """Unsafe methods write; so may any request that carries credentials, since reads of
    personal data by someone identified are logged. Anonymous reads never take the lock."""
    if request.method not in SAFE_METHODS:
        return True
    return "authorization" in request.headers or SESSION_COOKIE in request.cookies


def db_session(request: Request) -> Iterator[Session]:
    """One transaction per request, committed when the handler succeeds."""
    database = app_state(request).database
    factory = database.write_sessions if _may_write(request) else database.read_sessions
    with factory() as session:
        try:
            yield session
        except BaseException:
            session.rollback()
            raise
        session.commit()


def client_ip(request: Request) -> str | None:
    """The address a request came from, for the query log."""
    return request.client.host if request.client else None


def today() -> date:
    """The day whose live records a request sees (a dependency, so tests can fix it)."""
    return date.today()


Today = Annotated[date, Depends(today)]

# scope="function": commit before the response is sent, so a failed commit is never a 200.
DbSession = Annotated[Session, Depends(db_session, scope="function")]


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
        principal = found
    else:
        cookie = request.cookies.get(SESSION_COOKIE)
        principal = (tokens.resolve_session(session, cookie) if cookie else None) or ANONYMOUS
    request.state.principal = principal
    return principal
