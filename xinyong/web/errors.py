"""Errors: a stable JSON shape on the API, a friendly page on the web."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlalchemy.exc import DataError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from xinyong.core.errors import ErrorBody, ErrorResponse, NotAuthenticated, XinyongError

log = logging.getLogger("xinyong.web")

HTTP_CODES = {
    400: "bad_request",
    401: "not_authenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "invalid_input",
    429: "too_many_requests",
    503: "busy",
}


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/") or request.url.path == "/healthz"


def _error_response(
    request: Request, status: int, code: str, message: str, details: Any = None
) -> Response:
    if _wants_json(request):
        body = ErrorResponse(error=ErrorBody(code=code, message=message, details=details))
        return JSONResponse(body.model_dump(mode="json"), status_code=status)
    from xinyong.web.templating import render

    return render(
        request,
        "error.html",
        {"status": status, "code": code, "message": message},
        status_code=status,
    )


def error_response(request: Request, exc: XinyongError) -> Response:
    """The answer to a domain error, for a route that must answer it without raising (so
    that what it recorded about the attempt is committed)."""
    return _error_response(request, exc.status_code, exc.code, exc.message, exc.details)


NUL_MESSAGE = "请求中含有空字符（NUL），无法处理"


def refuse_nul(request: Request) -> Response | None:
    """A 400 for a path or query carrying a NUL character, which no text column can hold
    (PostgreSQL refuses it outright), so both engines answer the same; None otherwise."""
    query = request.scope.get("query_string", b"").lower()
    # The scope's path, not request.url: building the URL cost the check desk 4 % of a check.
    if "\x00" in request.scope["path"] or b"%00" in query or b"\x00" in query:
        return _error_response(request, 400, "bad_request", NUL_MESSAGE)
    return None


def _validation_details(exc: RequestValidationError) -> list[dict[str, Any]]:
    return [
        {
            "location": [str(p) for p in e.get("loc", ())],
            "message": e.get("msg", ""),
            "type": e.get("type", ""),
        }
        for e in exc.errors()
    ]


def install_error_handlers(app: FastAPI) -> None:
    """Map every error to the stable shape; nothing a user sends becomes a bare 500."""

    @app.exception_handler(XinyongError)
    async def _domain(request: Request, exc: XinyongError) -> Response:
        if isinstance(exc, NotAuthenticated) and not _wants_json(request):
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            return RedirectResponse(f"/login?next={target}", status_code=303)
        if exc.status_code >= 500:
            log.error("configuration error: %s", exc.message)
        return _error_response(request, exc.status_code, exc.code, exc.message, exc.details)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        return _error_response(
            request, 422, "invalid_input", "请求参数不符合要求", _validation_details(exc)
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        code = HTTP_CODES.get(exc.status_code, "http_error")
        message = exc.detail if isinstance(exc.detail, str) else code
        if exc.status_code == 404:
            message = "请求的地址不存在"
        return _error_response(request, exc.status_code, code, message)

    @app.exception_handler(DataError)
    async def _unstorable(request: Request, exc: DataError) -> Response:
        # The database refused a value as data (a NUL in a body's text, a number out of
        # range): the input is at fault, and the transaction has been rolled back.
        log.warning("value refused by the database on %s: %s", request.url.path, exc.orig)
        return _error_response(request, 400, "bad_request", "请求中有数据库无法保存的值")

    @app.exception_handler(OperationalError)
    async def _busy(request: Request, exc: OperationalError) -> Response:
        # SQLite's one writer was held past the busy timeout (a long sweep, say): nothing
        # was written; the caller may simply retry, so say so rather than fail.
        if "locked" not in str(exc.orig) and "busy" not in str(exc.orig):
            return await _unexpected(request, exc)
        log.warning("database busy on %s %s", request.method, request.url.path)
        response = _error_response(
            request, 503, "busy", "数据库正忙（正在进行批量处理），未做任何更改，请稍后重试"
        )
        response.headers["Retry-After"] = "5"
        return response

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return _error_response(request, 500, "internal_error", "服务器内部错误，已记录，请稍后重试")
