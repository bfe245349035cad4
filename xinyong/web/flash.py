"""One-time messages across a redirect (post/redirect/get), sealed so only the server reads them.

Used to show a new API key once without rendering it in a POST response, which a browser
refresh would resubmit (issuing a second key).
"""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from fastapi import Request
from fastapi.responses import Response

from xinyong.web.state import app_state

FLASH_COOKIE = "xinyong_flash"
FLASH_SECONDS = 120


def _fernet(request: Request) -> Fernet:
    secret = app_state(request).secret_key
    return Fernet(base64.urlsafe_b64encode(hashlib.sha256(f"flash:{secret}".encode()).digest()))


def set_flash(request: Request, response: Response, path: str, payload: dict[str, Any]) -> None:
    """Seal ``payload`` into a short-lived cookie readable only on ``path``."""
    sealed = _fernet(request).encrypt(json.dumps(payload).encode()).decode()
    secure = app_state(request).settings.cookie_secure
    response.set_cookie(
        FLASH_COOKIE,
        sealed,
        max_age=FLASH_SECONDS,
        path=path,
        httponly=True,
        samesite="strict",
        secure=secure,
    )


def pop_flash(request: Request, response: Response, path: str) -> dict[str, Any] | None:
    """The sealed payload, once: the cookie is deleted with this response."""
    sealed = request.cookies.get(FLASH_COOKIE)
    if not sealed:
        return None
    response.delete_cookie(FLASH_COOKIE, path=path)
    try:
        payload: dict[str, Any] = json.loads(_fernet(request).decrypt(sealed, ttl=FLASH_SECONDS))
    except (InvalidToken, ValueError):
        return None
    return payload
