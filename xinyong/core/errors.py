"""One exception type that carries its HTTP status, and the stable error shape."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


class XinyongError(Exception):
    """A domain error: a stable machine code, a message for people, and an HTTP status."""

    status_code = 400
    code = "bad_request"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        status_code: int | None = None,
        details: Any = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        if status_code is not None:
            self.status_code = status_code
        self.details = details


class NotFound(XinyongError):
    """The thing asked for does not exist (or the caller may not know it does)."""

    status_code = 404
    code = "not_found"


class Conflict(XinyongError):
    """The request collides with what is already stored."""

    status_code = 409
    code = "conflict"


class InvalidInput(XinyongError):
    """The input is well-formed but its content is wrong."""

    status_code = 422
    code = "invalid_input"


class NotAuthenticated(XinyongError):
    """No valid credentials were presented."""

    status_code = 401
    code = "not_authenticated"


class Forbidden(XinyongError):
    """The caller is known but may not do this."""

    status_code = 403
    code = "forbidden"


class ConfigurationError(XinyongError):
    """The platform is configured in a way it must not run with."""

    status_code = 500
    code = "configuration_error"


class ErrorBody(BaseModel):
    """The inside of every API error response."""

    code: str
    message: str
    details: Any = None


class ErrorResponse(BaseModel):
    """Every API error: ``{"error": {"code", "message", "details"}}``."""

    error: ErrorBody
