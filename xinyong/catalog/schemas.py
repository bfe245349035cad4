"""Pydantic shapes for browsing the catalog."""

from __future__ import annotations

from pydantic import BaseModel

from xinyong.catalog.definitions import (
    CATEGORY_LABELS,
    OPENNESS_LABELS,
    Category,
    CodeTable,
    Dataset,
    Openness,
    Polarity,
    Severity,
)
from xinyong.catalog.loader import Catalog


class DatasetSummary(BaseModel):
    """One line of the catalog."""

    code: str
    version: int
    name: str
    name_en: str
    category: Category
    category_label: str
    openness: Openness
    openness_label: str
    polarity: Polarity
    severity: Severity | None
    field_count: int

    @classmethod
    def of(cls, dataset: Dataset) -> DatasetSummary:
        """Summarise a dataset."""
        return cls(
            code=dataset.code,
            version=dataset.version,
            name=dataset.name,
            name_en=dataset.name_en,
            category=dataset.category,
            category_label=CATEGORY_LABELS[dataset.category],
            openness=dataset.openness,
            openness_label=OPENNESS_LABELS[dataset.openness],
            polarity=dataset.polarity,
            severity=dataset.severity,
            field_count=len(dataset.fields),
        )


class CatalogOut(BaseModel):
    """The catalog's identity and its datasets."""

    version: str
    name: str
    datasets: list[DatasetSummary]

    @classmethod
    def of(cls, catalog: Catalog) -> CatalogOut:
        """Summarise a catalog."""
        return cls(
            version=catalog.version,
            name=catalog.name,
            datasets=[DatasetSummary.of(d) for d in catalog.datasets.values()],
        )


class DatasetOut(BaseModel):
    """A dataset's full definition with the code tables its fields use."""

    catalog_version: str
    checksum: str
    dataset: Dataset
    code_tables: list[CodeTable]
