"""The app as it serves checks, plus a bare endpoint for the baseline: ``python -m
bench.check_server URL PORT [WORKERS]`` (a separate process, so the load generator does not
share its interpreter)."""

from __future__ import annotations

import os
import sys

import uvicorn
from fastapi import FastAPI
from pydantic import BaseModel

from xinyong.app import create_app
from xinyong.core.settings import Settings

SECRET = "bench-check-secret-0123456789-abcdefghijklmn"
URL_VARIABLE = "XINYONG_BENCH_CHECK_URL"  # how the workers learn the database


class Bare(BaseModel):
    """What the bare endpoint parses: the same body a check carries."""

    code: str
    scenario: str
    purpose: str


def app() -> FastAPI:
    """The real app, with one more route that parses the body and answers at once."""
    settings = Settings(database_url=os.environ[URL_VARIABLE], secret_key=SECRET, sweep_hours=0)
    application = create_app(settings)

    @application.post("/bench/bare")
    async def bare(body: Bare) -> dict[str, object]:
        """The floor of an ordinary FastAPI route: the same server, routing, parsing and
        JSON, through the middleware stack (which the check, a hot path, skips:
        web/hotpaths.py); no access rule, no database (this server is the benchmark's own,
        never deployed)."""
        return {"code": body.code, "hits": []}

    # First in the route table, as the check is (api.add_hot_routes): an ordinary route's
    # cheapest routing (the check itself is answered before the router: web/hotpaths.py).
    routes = application.router.routes
    check = next(r for r in routes if getattr(r, "path", None) == "/api/v1/checks")
    routes.insert(routes.index(check) + 1, routes.pop())
    return application


if __name__ == "__main__":
    os.environ[URL_VARIABLE] = sys.argv[1]
    uvicorn.run(
        "bench.check_server:app",
        factory=True,
        host="127.0.0.1",
        port=int(sys.argv[2]),
        workers=int(sys.argv[3]) if len(sys.argv) > 3 else 1,
        log_level="warning",
    )
