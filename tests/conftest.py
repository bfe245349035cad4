"""Fixtures: every database test runs on SQLite and on PostgreSQL, a savepoint per test."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from tests.factories import Factory
from xinyong.app import create_app
from xinyong.catalog.loader import get_catalog
from xinyong.catalog.service import migrate_and_sync
from xinyong.core.db import Database, create_db_engine
from xinyong.core.settings import Settings

POSTGRES_ENV = "XINYONG_TEST_POSTGRES_URL"
TEST_SECRET = "test-secret-key-0123456789-abcdefghijklmnop"
BACKENDS = ("sqlite", "postgresql")


def _postgres_url() -> str | None:
    url = os.environ.get(POSTGRES_ENV)
    if url is None and os.environ.get("CI"):
        pytest.fail(f"{POSTGRES_ENV} is not set: CI must run the PostgreSQL tests (make test)")
    return url


def _fresh_engine(backend: str, tmp: Path) -> Engine:
    if backend == "sqlite":
        return create_db_engine(f"sqlite:///{tmp / 'test.db'}")
    url = _postgres_url()
    if url is None:
        pytest.skip(f"PostgreSQL tests need {POSTGRES_ENV} (make test starts a cluster)")
    engine = create_db_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    return engine


@pytest.fixture(scope="session", params=BACKENDS)
def engine(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Engine:
    """A migrated engine per backend, made once per test session."""
    backend: str = request.param
    created = _fresh_engine(backend, tmp_path_factory.mktemp(backend))
    migrate_and_sync(Database.from_engine(created), get_catalog())  # as `xinyong db upgrade`
    return created


@pytest.fixture
def db(engine: Engine) -> Iterator[Database]:
    """A database whose every change is rolled back after the test."""
    connection = engine.connect()
    transaction = connection.begin()
    try:
        yield Database.from_connection(connection)
    finally:
        transaction.rollback()
        connection.close()


@pytest.fixture
def factory(db: Database) -> Factory:
    """Test-data factories writing into ``db``."""
    return Factory(db)


@pytest.fixture
def settings() -> Settings:
    """Production-like settings: not demo, a real secret key; no background sweep (the
    tests share one connection, which a sweep thread would cut across)."""
    return Settings(secret_key=TEST_SECRET, demo=False, sweep_hours=0)


@pytest.fixture
def app(db: Database, settings: Settings) -> FastAPI:
    """The app over the test database."""
    return create_app(settings, database=db)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    """HTTP through the ASGI app."""
    with TestClient(app, base_url="http://testserver") as test_client:
        yield test_client


@pytest.fixture(params=BACKENDS)
def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of a brand-new, empty database (per test), for CLI and migration tests."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'fresh.db'}"
        return
    base = _postgres_url()
    if base is None:
        pytest.skip(f"PostgreSQL tests need {POSTGRES_ENV} (make test starts a cluster)")
    name = f"xinyong_{os.getpid()}_{abs(hash(request.node.nodeid)) % 10**8}"
    admin = create_db_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield base.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()
