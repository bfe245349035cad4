"""Load and validate the catalog files; the catalog is read once and is immutable after."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from xinyong.catalog.definitions import (
    CodeTable,
    Dataset,
    DisplayPeriodRule,
    FieldRole,
    FieldType,
    Policies,
)
from xinyong.core.errors import ConfigurationError

PACKAGED_CATALOG = Path(__file__).parent / "files"


@dataclass(frozen=True)
class Catalog:
    """The whole catalog: datasets, code tables, period policies, and their checksums."""

    version: str
    name: str
    datasets: dict[str, Dataset]
    code_tables: dict[str, CodeTable]
    policies: Policies
    checksums: dict[str, str] = field(default_factory=dict)

    def dataset(self, code: str) -> Dataset | None:
        """The dataset with this code, or None."""
        return self.datasets.get(code.upper())


def _read_yaml(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigurationError(f"catalog file {path.name} cannot be read: {exc}") from exc


def _parse(model: type[Any], data: Any, path: Path) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()
        )
        raise ConfigurationError(f"catalog file {path.name} is invalid: {problems}") from exc


def dataset_checksum(dataset: Dataset) -> str:
    """SHA-256 of a dataset's definition in canonical JSON (what a record was collected under)."""
    canonical = json.dumps(dataset.model_dump(mode="json"), ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _cross_check(dataset: Dataset, tables: dict[str, CodeTable], policies: Policies) -> None:
    """What a single file cannot check: references to code tables and policies."""
    for item in dataset.fields:
        if item.code_table is not None and item.code_table not in tables:
            raise ConfigurationError(
                f"{dataset.code}.{item.code}: unknown code table {item.code_table}"
            )
    rule: DisplayPeriodRule = dataset.display_period
    if rule.kind in ("decision_range", "while_listed", "fixed"):
        if rule.policy not in policies.display_periods:
            raise ConfigurationError(f"{dataset.code}: unknown display-period policy {rule.policy}")
        severity = dataset.severity or "general"
        if severity not in policies.display_periods[rule.policy]:
            raise ConfigurationError(
                f"{dataset.code}: policy {rule.policy} has no period for severity {severity}"
            )
    if rule.kind == "valid_until" and not any(f.role == "valid_until" for f in dataset.fields):
        raise ConfigurationError(f"{dataset.code}: valid_until rule needs a valid_until field")
    if rule.kind != "valid_until" and dataset.field_by_role(FieldRole.DECISION_DATE) is None:
        raise ConfigurationError(f"{dataset.code}: a {rule.kind} rule needs a decision_date field")
    if rule.types_field is not None and dataset.field(rule.types_field) is None:
        raise ConfigurationError(f"{dataset.code}: types field {rule.types_field} is not a field")
    if rule.deadline_field is not None:
        deadline = dataset.field(rule.deadline_field)
        if deadline is None or deadline.type is not FieldType.DATE:
            raise ConfigurationError(f"{dataset.code}: deadline field must be a date field")


def load_catalog(directory: Path = PACKAGED_CATALOG) -> Catalog:
    """Read every catalog file under ``directory`` and validate it as a whole."""
    index_path = directory / "catalog.yaml"
    index = _read_yaml(index_path) or {}
    if not isinstance(index, dict) or "version" not in index or "name" not in index:
        raise ConfigurationError("catalog.yaml must give the catalog's version and name")
    tables_path = directory / "code_tables.yaml"
    tables = {
        t.code: t
        for t in (_parse(CodeTable, entry, tables_path) for entry in _read_yaml(tables_path))
    }
    policies_path = directory / "policies.yaml"
    policies: Policies = _parse(Policies, _read_yaml(policies_path), policies_path)
    datasets: dict[str, Dataset] = {}
    for path in sorted((directory / "datasets").glob("*.yaml")):
        dataset: Dataset = _parse(Dataset, _read_yaml(path), path)
        if path.stem != dataset.code:
            raise ConfigurationError(f"{path.name} holds dataset {dataset.code}: name it after it")
        _cross_check(dataset, tables, policies)
        datasets[dataset.code] = dataset
    if not datasets:
        raise ConfigurationError(f"no datasets under {directory / 'datasets'}")
    return Catalog(
        version=str(index["version"]),
        name=str(index["name"]),
        datasets=datasets,
        code_tables=tables,
        policies=policies,
        checksums={code: dataset_checksum(d) for code, d in datasets.items()},
    )


@lru_cache(maxsize=4)
def get_catalog(directory: Path | None = None) -> Catalog:
    """The catalog for this process, loaded once (the packaged one unless configured)."""
    return load_catalog(directory or PACKAGED_CATALOG)
