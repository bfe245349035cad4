"""Catalog use cases: keep the database in step with the files; browse datasets."""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from xinyong.catalog.loader import Catalog
from xinyong.catalog.models import CatalogDataset, CatalogDatasetVersion
from xinyong.catalog.schemas import DatasetOut
from xinyong.core import migrate
from xinyong.core.db import Database, utcnow
from xinyong.core.errors import ConfigurationError, NotFound


@dataclass(frozen=True)
class SyncReport:
    """What a catalog sync changed."""

    added: list[str]
    upgraded: list[str]
    retired: list[str]


def sync_catalog(session: Session, catalog: Catalog) -> SyncReport:
    """Record the loaded catalog in the database; a changed dataset must bump its version."""
    stored = {row.code: row for row in session.scalars(select(CatalogDataset))}
    known_versions = {
        (row.dataset_code, row.version): row.checksum
        for row in session.scalars(select(CatalogDatasetVersion))
    }
    added: list[str] = []
    upgraded: list[str] = []
    now = utcnow()
    for code, dataset in catalog.datasets.items():
        checksum = catalog.checksums[code]
        seen = known_versions.get((code, dataset.version))
        if seen is not None and seen != checksum:
            raise ConfigurationError(
                f"dataset {code} changed but kept version {dataset.version}: bump its version"
            )
        row = stored.get(code)
        if row is None:
            session.add(
                CatalogDataset(
                    code=code,
                    name=dataset.name,
                    version=dataset.version,
                    checksum=checksum,
                    active=True,
                    synced_at=now,
                )
            )
            session.flush()
            added.append(code)
        elif row.checksum != checksum or not row.active:
            row.name, row.version, row.checksum = dataset.name, dataset.version, checksum
            row.active, row.synced_at = True, now
            upgraded.append(code)
        if seen is None:
            definition = json.dumps(dataset.model_dump(mode="json"), ensure_ascii=False)
            session.add(
                CatalogDatasetVersion(
                    dataset_code=code,
                    version=dataset.version,
                    checksum=checksum,
                    definition=definition,
                    first_loaded_at=now,
                )
            )
    retired = sorted(
        code for code, row in stored.items() if row.active and code not in catalog.datasets
    )
    if retired:
        # A dataset dropped from the files stops accepting data; its records stay.
        session.execute(
            update(CatalogDataset)
            .where(CatalogDataset.code.in_(retired))
            .values(active=False, synced_at=now)
        )
    return SyncReport(added=added, upgraded=upgraded, retired=retired)


def describe_dataset(catalog: Catalog, code: str) -> DatasetOut:
    """A dataset's definition with its code tables, or NotFound."""
    dataset = catalog.dataset(code)
    if dataset is None:
        raise NotFound(f"目录中没有信息类 {code}", code="dataset_not_found")
    tables = sorted({f.code_table for f in dataset.fields if f.code_table})
    return DatasetOut(
        catalog_version=catalog.version,
        checksum=catalog.checksums[dataset.code],
        dataset=dataset,
        code_tables=[catalog.code_tables[t] for t in tables],
    )


def migrate_and_sync(database: Database, catalog: Catalog) -> SyncReport:
    """What ``xinyong db upgrade`` does: migrate the schema to head, then sync the catalog."""
    migrate.upgrade(database.engine)
    with database.writing() as session:
        return sync_catalog(session, catalog)
