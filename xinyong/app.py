"""The web application: ``create_app()`` builds it from settings (yente-style factory)."""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel
from sqlalchemy import text

from xinyong import __version__
from xinyong.accounts import views as account_views
from xinyong.api import API_PREFIX, add_hot_routes, build_router
from xinyong.archive.service import sweep_periodically
from xinyong.archive.signing import Signer
from xinyong.catalog.loader import get_catalog
from xinyong.catalog.service import sync_catalog
from xinyong.console import archive as console_archive
from xinyong.console import batches as console_batches
from xinyong.console import checks as console_checks
from xinyong.console import objections as console_objections
from xinyong.console import repairs as console_repairs
from xinyong.console import views as console_views
from xinyong.core import migrate
from xinyong.core.calendar import get_calendar
from xinyong.core.db import Database
from xinyong.core.errors import ConfigurationError
from xinyong.core.groupwrite import GroupWriter
from xinyong.core.meta import DEMO_LOADED, DEMO_SECRET_KEY, get_meta, set_meta
from xinyong.core.security import Principal, new_token
from xinyong.core.settings import Settings, get_settings
from xinyong.portal import authorisations as portal_authorisations
from xinyong.portal import lists as portal_lists
from xinyong.portal import me as portal_me
from xinyong.portal import objections as portal_objections
from xinyong.portal import records as portal_records
from xinyong.portal import repairs as portal_repairs
from xinyong.portal import reports as portal_reports
from xinyong.portal import views as portal_views
from xinyong.web.access import PUBLIC
from xinyong.web.deps import DbSession
from xinyong.web.errors import install_error_handlers
from xinyong.web.guards import BrowserGuards
from xinyong.web.hotpaths import HotPathsAPI
from xinyong.web.state import AppState
from xinyong.web.templating import STATIC_DIR

log = logging.getLogger("xinyong")
YOUNG_GENERATION_THRESHOLD = 10_000  # allocations between collections of the youngest (700)


class Health(BaseModel):
    """What ``/healthz`` reports."""

    status: str
    version: str
    database: str
    schema_revision: str | None
    catalog_version: str


def configured_secret_key(settings: Settings) -> str | None:
    """The configured key; None in demo mode without a good one; outside the demo, a
    missing or weak key stops start-up."""
    problem = settings.secret_key_problem()
    if problem is None and settings.secret_key is not None:
        return settings.secret_key.get_secret_value()
    if settings.demo:
        log.warning("demo mode: %s; using the demo database's own random key", problem)
        return None
    raise ConfigurationError(
        f"refusing to start: {problem}. Set XINYONG_SECRET_KEY to a random value of at least "
        "32 characters (e.g. `python -c 'import secrets; print(secrets.token_urlsafe(48))'`)."
    )


def demo_secret_key(database: Database) -> str:
    """A random key kept in the demo database, so demo reports verify after a restart."""
    with database.writing() as session:
        key = get_meta(session, DEMO_SECRET_KEY)
        if key is None:
            key = new_token(32)
            set_meta(session, DEMO_SECRET_KEY, key)
    return key


def check_database(database: Database, settings: Settings) -> None:
    """The schema must be current, and demo data only ever runs in demo mode."""
    if not migrate.is_current(database):
        raise ConfigurationError("the database schema is not current: run `xinyong db upgrade`")
    with database.reading() as session:
        if get_meta(session, DEMO_LOADED) and not settings.demo:
            raise ConfigurationError(
                "this database holds the demo city and its demo accounts; refusing to serve it "
                "outside demo mode (set XINYONG_DEMO=1, or use a fresh database)"
            )


def create_app(settings: Settings | None = None, database: Database | None = None) -> FastAPI:
    """Build the application: check configuration, load the catalog, wire routes."""
    settings = settings or get_settings()
    configured = configured_secret_key(settings)
    database = database or Database.from_settings(settings)
    check_database(database, settings)
    secret_key = configured or demo_secret_key(database)
    catalog = get_catalog(settings.catalog_dir)
    with database.writing() as session:
        sync_catalog(session, catalog)
    state = AppState(
        settings=settings,
        database=database,
        catalog=catalog,
        calendar=get_calendar(settings.holidays_file),
        secret_key=secret_key,
        signer=Signer.from_secret(secret_key),
        writer=GroupWriter(database),
    )

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        """Background work while serving: the group writer, the daily sweep of expired records."""
        hours = settings.sweep_hours
        task = asyncio.create_task(sweep_periodically(database, catalog, hours)) if hours else None
        state.writer.start()
        # The app's long-lived objects (catalog, code tables, routes) go to the permanent
        # generation: otherwise every full collection walks them all, and under load those
        # pauses were the p99 (~100 ms on a bare endpoint; ~10 ms frozen).
        gc.collect()
        gc.freeze()
        # A request allocates thousands of objects (SQLAlchemy rows, pydantic models): at
        # Python's default the youngest generation was collected several times per check
        # (docs/operations.md has the measurement).
        gc.set_threshold(YOUNG_GENERATION_THRESHOLD, *gc.get_threshold()[1:])
        yield
        if task is not None:
            task.cancel()
        state.writer.stop()

    app = HotPathsAPI(
        lifespan=lifespan,
        title="xinyong 公共信用信息平台 API",
        version=__version__,
        description="Versioned JSON API of the public credit information platform.",
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=None,  # Swagger UI would load from a CDN; the spec is served as JSON
        redoc_url=None,
    )
    app.state.xinyong = state
    install_error_handlers(app)
    add_hot_routes(app)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.include_router(build_router())
    for router in (
        portal_views.router,
        portal_records.router,
        account_views.router,
        console_views.router,
        console_batches.router,
        console_archive.router,
        console_checks.router,
        console_objections.router,
        portal_objections.router,
        console_repairs.router,
        portal_repairs.router,
        portal_authorisations.router,
        portal_me.router,
        portal_reports.router,
        portal_lists.router,
    ):
        app.include_router(router)

    @app.get("/healthz", response_model=Health, tags=["health"], summary="Liveness and readiness")
    def healthz(session: DbSession, _: Principal = PUBLIC) -> Health:
        """Whether the app can reach its database, and what it is running."""
        session.execute(text("SELECT 1"))
        return Health(
            status="ok",
            version=__version__,
            database=state.database.engine.dialect.name,
            schema_revision=migrate.revision_of(session.connection()),
            catalog_version=catalog.version,
        )

    app.add_middleware(BrowserGuards, secure_cookie=settings.cookie_secure)
    return app
