"""What the running app holds: settings, database, catalog, calendar."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from fastapi import Request

from xinyong.archive.signing import Signer
from xinyong.catalog.loader import Catalog
from xinyong.core.calendar import WorkingCalendar
from xinyong.core.db import Database
from xinyong.core.groupwrite import GroupWriter
from xinyong.core.settings import Settings
from xinyong.sanctions.service import CheckRules


@dataclass(frozen=True)
class AppState:
    """Everything a request handler may need that lives as long as the app."""

    settings: Settings
    database: Database
    catalog: Catalog
    calendar: WorkingCalendar
    secret_key: str
    signer: Signer  # the report signature key, derived from the secret key
    writer: GroupWriter  # group commit for the hot path's logging (checks)

    @cached_property
    def check_rules(self) -> CheckRules:
        """The catalog, lists and measures a check applies (loaded once: the files are the
        package's, and looking them up per check cost the hot path a sort of the datasets)."""
        return CheckRules.of(self.catalog)


def app_state(request: Request) -> AppState:
    """The state of the app serving ``request``."""
    state: AppState = request.app.state.xinyong
    return state
