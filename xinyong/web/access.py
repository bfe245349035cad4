"""Access rules: every route declares who may call it, and CSRF guards cookie-borne requests.

A route names its rule with ``allow(...)`` (roles) or ``PUBLIC``. The rule is a dependency
whose object stays inspectable on the route, so a test can walk every route and fail when
one has no rule at all.
"""

from __future__ import annotations

from typing import Any

from fastapi import Depends, Request
from fastapi.dependencies.models import Dependant

from xinyong.core.errors import Forbidden, NotAuthenticated
from xinyong.core.security import Principal, Role, new_token, same, sign
from xinyong.web.deps import SAFE_METHODS, current_principal
from xinyong.web.state import app_state

CSRF_COOKIE = "xinyong_csrf"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"


def csrf_seed(request: Request) -> str:
    """This browser's CSRF seed: from its cookie, or the one minted for this response."""
    seed: str | None = request.cookies.get(CSRF_COOKIE) or getattr(request.state, "csrf_seed", None)
    if seed is None:
        seed = request.state.csrf_seed = new_token(16)
    return seed


def csrf_token(request: Request) -> str:
    """The token a form or htmx request of this browser must send back."""
    return sign(app_state(request).secret_key, "csrf:" + csrf_seed(request))


async def verify_csrf(request: Request) -> None:
    """Refuse an unsafe request from a browser that does not carry its CSRF token."""
    seed = request.cookies.get(CSRF_COOKIE)
    sent = request.headers.get(CSRF_HEADER)
    if sent is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        form = await request.form()
        value = form.get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    if not seed or not sent or not same(sent, csrf_token(request)):
        raise Forbidden("请求缺少有效的 CSRF 令牌，请刷新页面后重试", code="csrf_failed")


class Access:
    """The rule of one route: public, or the roles admitted."""

    def __init__(self, roles: frozenset[Role] | None) -> None:
        self.roles = roles

    @property
    def public(self) -> bool:
        """Whether anyone, logged in or not, may call the route."""
        return self.roles is None

    async def __call__(
        self, request: Request, principal: Principal = Depends(current_principal)
    ) -> Principal:
        """Admit or refuse the principal; check CSRF on unsafe browser requests."""
        if self.roles is not None and not principal.authenticated:
            raise NotAuthenticated("请先登录", code="not_authenticated")
        if request.method not in SAFE_METHODS and principal.kind != "api_key":
            await verify_csrf(request)
        if self.roles is not None and principal.role not in self.roles:
            raise Forbidden("当前账户无权执行此操作", code="forbidden")
        return principal


def rules_of(dependant: Dependant) -> list[Access]:
    """The access rules among a route's dependencies (a route has exactly one)."""
    found = []
    for dependency in dependant.dependencies:
        if isinstance(dependency.call, Access):
            found.append(dependency.call)
        found += rules_of(dependency)
    return found


def allow(*roles: Role) -> Any:
    """A dependency admitting only ``roles``."""
    if not roles:
        raise ValueError("allow() needs at least one role; use PUBLIC for open routes")
    return Depends(Access(frozenset(roles)))


PUBLIC: Any = Depends(Access(None))
