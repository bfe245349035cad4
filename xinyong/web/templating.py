"""Jinja2 templates with what every page needs: principal, CSRF token, platform name."""

from __future__ import annotations

from datetime import timedelta, timezone
from functools import lru_cache
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates
from starlette.responses import Response

from xinyong.core.security import ANONYMOUS, STAFF_ROLES, Principal, Role
from xinyong.web.access import csrf_token
from xinyong.web.state import app_state

TEMPLATES_DIR = Path(__file__).parent / "templates"
STATIC_DIR = (Path(__file__).parent / "static").resolve()  # served at /static
CHINA_TIME = timezone(timedelta(hours=8), "CST")  # China keeps one zone and no DST


@lru_cache
def templates() -> Jinja2Templates:
    """The template environment (autoescaping on)."""
    env = Jinja2Templates(directory=str(TEMPLATES_DIR))
    env.env.globals["Role"] = Role
    env.env.globals["tz"] = CHINA_TIME
    return env


def _principal(request: Request) -> Principal:
    principal: Principal = getattr(request.state, "principal", ANONYMOUS)
    return principal


def render(
    request: Request, name: str, context: dict[str, Any] | None = None, status_code: int = 200
) -> Response:
    """Render a page with the common context."""
    principal = _principal(request)
    state = app_state(request)
    full = {
        "principal": principal,
        "is_staff": principal.role in STAFF_ROLES,
        "csrf_token": csrf_token(request),
        "platform_name": state.settings.platform_name,
        "demo": state.settings.demo,
        **(context or {}),
    }
    return templates().TemplateResponse(request, name, full, status_code=status_code)
