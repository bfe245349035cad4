"""One typed settings object, read from ``XINYONG_*`` environment variables."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite:///var/xinyong.db"

# Keys that are known to the world (examples, tutorials, earlier defaults): never accepted.
WEAK_SECRET_KEYS = frozenset({"", "secret", "changeme", "change-me", "xinyong", "demo"})
MIN_SECRET_KEY_LENGTH = 32


class Settings(BaseSettings):
    """Platform configuration; every field maps to ``XINYONG_<NAME>``."""

    model_config = SettingsConfigDict(env_prefix="XINYONG_", env_file=None, extra="ignore")

    database_url: str = Field(
        DEFAULT_DATABASE_URL,
        description="SQLAlchemy URL: sqlite:///path (default) or postgresql+psycopg://…",
    )
    secret_key: SecretStr | None = Field(
        None, description="Signs CSRF tokens and report digests; required outside the demo."
    )
    demo: bool = Field(False, description="Demo mode: allows demo accounts and a generated key.")
    platform_name: str = Field(
        "示范市公共信用信息平台", description="Name shown on pages and reports."
    )
    session_hours: int = Field(8, ge=1, le=24 * 30, description="Browser session lifetime.")
    cookie_secure: bool = Field(False, description="Send cookies only over HTTPS (set behind TLS).")
    catalog_dir: Path | None = Field(
        None, description="Directory of the city's own catalog files (default: the packaged one)."
    )
    holidays_file: Path | None = Field(
        None, description="YAML with official holidays / make-up days for years the calendar lacks."
    )
    publish_person_penalties: bool = Field(
        True, description="Publish penalties of natural persons (some regions publish none)."
    )
    review_first: bool = Field(
        False,
        description="Publish a batch's records only after its confidentiality review (保密审查).",
    )
    sweep_hours: float = Field(
        24, ge=0, description="How often the server marks expired records (0: never; use cron)."
    )
    max_upload_mb: int = Field(2048, ge=1, description="Largest file a department may upload.")
    login_max_failures: int = Field(5, ge=1, description="Failed logins before a lockout.")
    login_lockout_minutes: int = Field(15, ge=1, description="How long a lockout lasts.")
    objection_accept_days: int = Field(
        2, ge=1, le=60, description="Working days to accept or refuse an objection."
    )
    objection_check_days: int = Field(
        2, ge=1, le=60, description="Working days for the platform's own check of an objection."
    )
    objection_verify_days: int = Field(
        10, ge=1, le=60, description="Working days for the source department to verify."
    )
    repair_decision_days: int = Field(
        10, ge=1, le=60, description="Working days to decide a complete repair application."
    )
    exchange_sync_days: int = Field(
        3, ge=1, le=30, description="Working days the other platforms have to apply a change."
    )
    authorisation_max_days: int = Field(
        90, ge=1, le=365, description="Longest validity of a subject's query authorisation."
    )

    @property
    def is_sqlite(self) -> bool:
        """Whether the configured database is SQLite."""
        return self.database_url.startswith("sqlite")

    def secret_key_problem(self) -> str | None:
        """Why the configured secret key is unusable, or None when it is fine."""
        if self.secret_key is None:
            return "XINYONG_SECRET_KEY is not set"
        value = self.secret_key.get_secret_value()
        if value.lower() in WEAK_SECRET_KEYS:
            return "XINYONG_SECRET_KEY is a well-known placeholder"
        if len(value) < MIN_SECRET_KEY_LENGTH:
            return f"XINYONG_SECRET_KEY must be at least {MIN_SECRET_KEY_LENGTH} characters"
        return None


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings, read once from the environment."""
    return Settings()
