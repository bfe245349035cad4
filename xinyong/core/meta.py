"""Platform facts kept in the database itself (schema-independent key/value)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from xinyong.core.db import Base, UTCDateTime, utcnow

DEMO_LOADED = "demo_loaded"
DEMO_SECRET_KEY = "demo_secret_key"  # noqa: S105 - a meta key name; demo mode only


class PlatformMeta(Base):
    """One fact about this installation, e.g. whether demo data was loaded."""

    __tablename__ = "platform_meta"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


def get_meta(session: Session, key: str) -> str | None:
    """The stored value for ``key``, or None."""
    return session.scalar(select(PlatformMeta.value).where(PlatformMeta.key == key))


def set_meta(session: Session, key: str, value: str) -> None:
    """Store ``value`` under ``key``."""
    row = session.get(PlatformMeta, key)
    if row is None:
        session.add(PlatformMeta(key=key, value=value, updated_at=utcnow()))
    else:
        row.value = value
        row.updated_at = utcnow()
