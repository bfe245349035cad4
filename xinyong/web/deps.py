"""Request dependencies: the database session and the principal behind the request."""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator, Callable
from datetime import date
from typing import Annotated, Any, TypeVar, cast

from fastapi import Depends, Path, Request
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from xinyong.accounts import tokens
from xinyong.core.errors import NotAuthenticated
from xinyong.core.security import ANONYMOUS, Principal
from xinyong.web.state import app_state

F = TypeVar("F", bound=Callable[..., Any])
READS_ONLY = "__xinyong_reads_only__"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Ids beyond what a column holds are a 422, not a 500 (PostgreSQL INTEGER / BIGINT).
MAX_ROW_ID = 2**31 - 1
MAX_SEQ = 2**63 - 1

RowId = Annotated[int, Path(ge=1, le=MAX_ROW_ID, description="Row id.")]
SESSION_COOKIE = "xinyong_session"


def reads_only(endpoint: F) -> F:
    """Mark a route whose request session only reads: its writes go through the group
    writer (core/groupwrite.py). Such a route must be marked: waiting for the writer while
    its own session held the write lock would wait for itself."""
    setattr(endpoint, READS_ONLY, True)
    return endpoint


def _may_write(request: Request) -> bool:
    """Unsafe methods write; so may any request that carries credentials, since reads of
    personal data by someone identified are logged. Anonymous reads never take the lock."""
    if getattr(request.scope.get("endpoint"), READS_ONLY, False):
        return False
    if request.method not in SAFE_METHODS:
        return True
    return "authorization" in request.headers or SESSION_COOKIE in request.cookies


def _commit(session: Session) -> None:
    with session:
        session.commit()


def _discard(session: Session) -> None:
    with session:
        session.rollback()


async def db_session(request: Request) -> AsyncIterator[Session]:
    """One transaction per request, committed when the handler succeeds.

    The session begins on its first statement, in the worker thread that runs it; only a
    session that began goes to a worker thread again to commit (each trip between the event
    loop and a worker costs about a third of a millisecond, on the hottest path too)."""
    database = app_state(request).database
    factory = database.write_sessions if _may_write(request) else database.read_sessions
    session = factory()
    try:
        yield session
    except BaseException:
        await run_in_threadpool(_discard, session)
        raise
    if session.in_transaction():
        await run_in_threadpool(_commit, session)
    else:
        session.close()


def _look_up(
    request: Request,
    resolve: Callable[[Session, str], Principal | None],
    credential: str,
    write: bool = False,
) -> Principal | None:
    """``resolve`` the credential in a transaction of its own (a worker thread's)."""
    database = app_state(request).database
    with database.writing() if write else database.reading() as session:
        return resolve(session, credential)


def client_ip(request: Request) -> str | None:
    """The address a request came from, for the query log."""
    return request.client.host if request.client else None


async def today() -> date:
    """The day whose live records a request sees (a dependency, so tests can fix it)."""
    return date.today()


Today = Annotated[date, Depends(today)]


async def request_day(request: Request) -> date:
    """``today`` for a handler that asks for it itself, as the app's override of the
    dependency (tests fix the day) would have given it."""
    provider = request.app.dependency_overrides.get(today, today)
    day = provider()
    return cast(date, await day if inspect.isawaitable(day) else day)


# scope="function": commit before the response is sent, so a failed commit is never a 200.
DbSession = Annotated[Session, Depends(db_session, scope="function")]


async def current_principal(request: Request) -> Principal:
    """Who is asking: an API key (Authorization: Bearer), a browser session, or nobody.

    A key resolved lately is answered from memory, without a session or a trip to a worker
    thread (the check, the hottest path, mostly comes this way); otherwise the key or the
    session is looked up in a transaction of its own, which notes a key's use (coarsely) for
    a request that may write."""
    authorization = request.headers.get("authorization", "")
    if authorization:
        scheme, _, credential = authorization.partition(" ")
        if scheme.lower() != "bearer" or not credential.strip():
            raise NotAuthenticated(
                "Authorization 头应为 Bearer <API 密钥>", code="bad_authorization"
            )
        key = credential.strip()
        found = tokens.cached_api_key(key) or await run_in_threadpool(
            _look_up, request, tokens.resolve_api_key, key, _may_write(request)
        )
        if found is None:
            raise NotAuthenticated("API 密钥无效、已过期或已吊销", code="bad_api_key")
        principal = found
    else:
        cookie = request.cookies.get(SESSION_COOKIE)
        found = (
            await run_in_threadpool(_look_up, request, tokens.resolve_session, cookie)
            if cookie
            else None
        )
        principal = found or ANONYMOUS
    request.state.principal = principal
    return principal
