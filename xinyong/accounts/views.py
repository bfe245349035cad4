"""Login, logout and the account page."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from xinyong.accounts import tokens
from xinyong.accounts.models import Department, User
from xinyong.core.errors import NotFound
from xinyong.core.security import STAFF_ROLES, Principal, Role
from xinyong.web.access import PUBLIC, allow
from xinyong.web.deps import SESSION_COOKIE, DbSession, client_ip
from xinyong.web.state import app_state
from xinyong.web.templating import render

router = APIRouter(include_in_schema=False)


def _safe_next(target: str | None, principal_role: Role | None) -> str:
    """Only same-site paths; never an open redirect."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    if principal_role in STAFF_ROLES:
        return "/console"
    landing = {Role.CITIZEN: "/me", Role.THIRD_PARTY: "/authorised"}
    return landing.get(principal_role, "/account") if principal_role else "/account"


@router.get("/login")
def login_page(request: Request, next: str = "", _: Principal = PUBLIC) -> Response:
    """The login form."""
    return render(request, "accounts/login.html", {"next": next})


@router.post("/login")
def login(
    request: Request,
    session: DbSession,
    username: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=200)],
    next: Annotated[str, Form(max_length=500)] = "",
    _: Principal = PUBLIC,
) -> Response:
    """Check credentials, start a session, go where the user was heading."""
    settings = app_state(request).settings
    user = tokens.login(
        session,
        username.strip(),
        password,
        max_failures=settings.login_max_failures,
        lockout=timedelta(minutes=settings.login_lockout_minutes),
        ip=client_ip(request),
    )
    if isinstance(user, tokens.LoginRefused):
        context = {"error": user.message, "next": next, "username": username}
        return render(request, "accounts/login.html", context, status_code=401)
    token = tokens.open_session(session, user, timedelta(hours=settings.session_hours))
    response = RedirectResponse(_safe_next(next, Role(user.role)), status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        httponly=True,
        samesite="lax",
        secure=settings.cookie_secure,
        max_age=settings.session_hours * 3600,
    )
    return response


@router.post("/logout")
def logout(request: Request, session: DbSession, _: Principal = allow(*Role)) -> Response:
    """End the session."""
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        tokens.close_session(session, cookie)
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.get("/account")
def account(request: Request, session: DbSession, principal: Principal = allow(*Role)) -> Response:
    """The logged-in user's own account."""
    user = session.get(User, principal.id) if principal.kind == "user" else None
    if user is None:
        raise NotFound("此页面仅供登录用户查看")
    department = session.get(Department, user.department_code) if user.department_code else None
    return render(request, "accounts/account.html", {"user": user, "department": department})
