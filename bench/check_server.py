"""The app as it serves checks, plus a bare endpoint for the baseline: ``python -m
bench.check_server URL PORT`` (a separate process, so the load generator does not share
its interpreter)."""

from __future__ import annotations

import sys

import uvicorn
from fastapi import FastAPI
from pydantic import BaseModel

from xinyong.app import create_app
from xinyong.core.settings import Settings

SECRET = "bench-check-secret-0123456789-abcdefghijklmn"


class Bare(BaseModel):
    """What the bare endpoint parses: the same body a check carries."""

    code: str
    scenario: str
    purpose: str


def app(url: str) -> FastAPI:
    """The real app, with one more route that parses the body and answers at once."""
    application = create_app(Settings(database_url=url, secret_key=SECRET, sweep_hours=0))

    @application.post("/bench/bare")
    def bare(body: Bare) -> dict[str, object]:
        """The floor: the same server, middleware, routing, parsing and JSON; no access
        rule, no database (this server is the benchmark's own, never deployed)."""
        return {"code": body.code, "hits": []}

    return application


if __name__ == "__main__":
    uvicorn.run(app(sys.argv[1]), host="127.0.0.1", port=int(sys.argv[2]), log_level="warning")
