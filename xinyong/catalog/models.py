"""Catalog datasets as the database knows them, so records can reference the version they used."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from xinyong.core.db import Base, UTCDateTime, utcnow


class CatalogDataset(Base):
    """A dataset the platform may collect; records reference it, so no code outside it exists."""

    __tablename__ = "catalog_datasets"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    version: Mapped[int]
    checksum: Mapped[str] = mapped_column(String(64))
    active: Mapped[bool] = mapped_column(default=True)
    synced_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class CatalogDatasetVersion(Base):
    """Every version of a dataset definition ever loaded, kept for the records made under it."""

    __tablename__ = "catalog_dataset_versions"
    __table_args__ = (UniqueConstraint("dataset_code", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    dataset_code: Mapped[str] = mapped_column(ForeignKey("catalog_datasets.code"))
    version: Mapped[int]
    checksum: Mapped[str] = mapped_column(String(64))
    definition: Mapped[str] = mapped_column(Text)
    first_loaded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
