"""Hot paths (热点路径): the busiest routes answered ahead of the middleware stack.

A request to any route crosses about ten ASGI layers before its handler runs (server
errors, FastAPI's telemetry and body limit, the browser guards, exception handling, the
exit stack, the router), each a coroutine and most a wrapper around ``send``. For the
single check, the hottest path of the platform, they were about a third of the event
loop's time per check (docs/operations.md, Serving). A hot route (``HotRoute``) is still
a route of the app (documented, ruled by its ``allow``, walked by the access tests) whose
handler does its own work, without FastAPI's per-request machinery; it is only reached
sooner. What the skipped layers would do for its requests is done here: the app's own
exception handlers answer its errors in the stable JSON shape, and every answer carries
the security headers. A request the front does not take (another method, a query
string) goes through the stack as any other.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Coroutine, Mapping
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from xinyong.web.guards import add_security_headers

Handler = Callable[[Request], Awaitable[Response]]
ExceptionHandler = Callable[[Request, Any], Response | Awaitable[Response]]


class HotRoute(APIRoute):
    """A route that may be answered ahead of the stack: its handler (``get_route_handler``,
    which a subclass writes) turns a request into a response by itself. FastAPI's own
    handler needs what the stack and its ``request_response`` wrapper put in the scope
    (exit stacks for files and for dependencies with ``yield``), so it cannot be hot."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        """The route's own handler (a subclass must write it)."""
        raise NotImplementedError("a hot route writes its own handler")


class HotPaths:
    """ASGI front of the middleware stack: answers its routes' requests itself and hands
    every other request to the stack."""

    def __init__(
        self,
        app: ASGIApp,
        routes: list[HotRoute],
        exception_handlers: Mapping[Any, ExceptionHandler],
    ) -> None:
        self.app = app
        self.routes = {
            (method, route.path): (route, route.get_route_handler())
            for route in routes
            for method in route.methods or ()
        }
        self.exception_handlers = exception_handlers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not scope["query_string"]:
            hot = self.routes.get((scope["method"], _route_path(scope)))
            if hot is not None:
                route, handler = hot
                # As the router would have set them: what the route's dependencies read
                # (``deps._may_write`` looks at the endpoint).
                scope["route"], scope["endpoint"], scope["path_params"] = route, route.endpoint, {}
                await self._answer(handler, scope, receive, send)
                return
        await self.app(scope, receive, send)

    async def _answer(self, handler: Handler, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive, send)
        try:
            response = await handler(request)
        except Exception as exc:  # answered by the app's handler for it, as the stack would
            answer = self._handler_for(exc)(request, exc)
            response = await answer if inspect.isawaitable(answer) else answer
        add_security_headers(response.raw_headers)
        await response(scope, receive, send)

    def _handler_for(self, exc: Exception) -> ExceptionHandler:
        """The app's handler for ``exc``: by status for an HTTP error, else by class (the
        app handles ``Exception`` itself, so there is always one; if not, ``exc`` goes on
        up to the server, which answers 500)."""
        handlers = self.exception_handlers
        if isinstance(exc, HTTPException) and exc.status_code in handlers:
            return handlers[exc.status_code]
        for cls in type(exc).__mro__:
            if cls in handlers:
                return handlers[cls]
        raise exc


def _route_path(scope: Scope) -> str:
    """The path the routes match: without the root path the app is mounted at."""
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    return path[len(root) :] if root and path.startswith(root + "/") else path


class HotPathsAPI(FastAPI):
    """FastAPI with a front for its hot routes (``add_hot_route``)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.hot_routes: list[HotRoute] = []

    def add_hot_route(self, route: HotRoute) -> None:
        """Answer ``route`` ahead of the middleware stack (before the app first serves)."""
        if not isinstance(route, HotRoute):
            raise TypeError(f"{route!r} is not a HotRoute: FastAPI's handler needs the stack")
        if self.middleware_stack is not None:
            raise RuntimeError("hot routes are added before the app starts serving")
        self.hot_routes.append(route)

    def build_middleware_stack(self) -> ASGIApp:
        """The stack, behind the front for the hot routes."""
        return HotPaths(super().build_middleware_stack(), self.hot_routes, self.exception_handlers)
