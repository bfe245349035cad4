"""Browser guards on every response: security headers and, for pages, the CSRF seed cookie.

Plain ASGI middleware rather than ``@app.middleware("http")``: Starlette's function
middleware re-streams every response through a task and a queue, which cost the check
desk (the hottest route) about a third of its throughput.
"""

from __future__ import annotations

from http.cookies import SimpleCookie

from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from xinyong.web import API_PREFIX
from xinyong.web.access import CSRF_COOKIE, csrf_seed
from xinyong.web.errors import refuse_nul

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
    ),
}

# Encoded once: every answer gets them, here and from the hot paths' front (web/hotpaths.py).
ENCODED_SECURITY_HEADERS = [
    (name.lower().encode(), value.encode()) for name, value in SECURITY_HEADERS.items()
]


def add_security_headers(headers: list[tuple[bytes, bytes]]) -> None:
    """Add to an answer's raw headers each security header it did not set itself."""
    present = {name for name, _ in headers}
    headers.extend(h for h in ENCODED_SECURITY_HEADERS if h[0] not in present)


def seed_cookie(seed: str, *, secure: bool) -> str:
    """The ``Set-Cookie`` value carrying a browser's CSRF seed."""
    cookie: SimpleCookie = SimpleCookie()
    cookie[CSRF_COOKIE] = seed
    morsel = cookie[CSRF_COOKIE]
    morsel["path"] = "/"
    morsel["httponly"] = True
    morsel["samesite"] = "lax"
    if secure:
        morsel["secure"] = True
    return morsel.OutputString()


class BrowserGuards:
    """Refuse NUL in a path or query; add the security headers and, for a browser without
    one, the CSRF seed cookie (the seed a page's form was signed with, if it made one)."""

    def __init__(self, app: ASGIApp, *, secure_cookie: bool) -> None:
        self.app = app
        self.secure_cookie = secure_cookie

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        # The API's clients are systems with keys: a CSRF seed is for the pages' forms.
        browser = not scope["path"].startswith(API_PREFIX)

        async def guarded(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                add_security_headers(headers.raw)
                if browser and CSRF_COOKIE not in request.cookies:
                    cookie = seed_cookie(csrf_seed(request), secure=self.secure_cookie)
                    headers.append("set-cookie", cookie)
            await send(message)

        refused = refuse_nul(request)
        if refused is not None:
            await refused(scope, receive, guarded)
            return
        await self.app(scope, receive, guarded)
