"""A real server on loopback and Debian's Chromium driven by Playwright."""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from playwright.sync_api import Browser, Page, ViewportSize, sync_playwright
from sqlalchemy import select

from xinyong.accounts.models import Department
from xinyong.app import create_app
from xinyong.catalog.loader import get_catalog
from xinyong.catalog.service import migrate_and_sync
from xinyong.core.db import Database, create_db_engine
from xinyong.core.settings import Settings
from xinyong.demo import load_demo
from xinyong.demo.city import build_city, demo_subjects, load_city

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# Without these, Chromium keeps trying to reach Google's services through a closed network.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE: ViewportSize = {"width": 390, "height": 844}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture(scope="session")
def server_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The demo app (accounts and a small city) served by uvicorn on a loopback port, over a
    fresh SQLite database."""
    url = f"sqlite:///{tmp_path_factory.mktemp('browser') / 'demo.db'}"
    database = Database.from_engine(create_db_engine(url))
    catalog = get_catalog()
    migrate_and_sync(database, catalog)
    from tests.factories import ADMIN

    with database.writing() as session:
        load_demo(session, ADMIN)
        departments = {d.code: (d.name, d.uscc) for d in session.scalars(select(Department))}
    files = build_city(
        catalog,
        departments,
        tmp_path_factory.mktemp("city"),
        persons=300,
        organisations=100,
        records=1500,
        seed=7,
        featured=demo_subjects(),
    )
    load_city(database, catalog, ADMIN, files)
    app = create_app(Settings(database_url=url, demo=True), database=database)
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("server did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Headless Debian Chromium (never a downloaded browser)."""
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed: make test installs it")
        pytest.skip("chromium is not installed (make test installs it)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield launched
        launched.close()


@pytest.fixture
def phone(browser: Browser) -> Iterator[Page]:
    """A fresh phone-sized page with its own cookies."""
    context = browser.new_context(viewport=PHONE, locale="zh-CN")
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def screenshots(tmp_path: Path) -> Path:
    """Where a test leaves its screenshots (kept under pytest's temp dir)."""
    return tmp_path
