"""List definitions (名单规则), read from a versioned file in the package and checked
against the catalog when loaded."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from xinyong.catalog.definitions import FieldRole, Severity
from xinyong.catalog.loader import Catalog
from xinyong.core.errors import InvalidInput
from xinyong.identity.models import RelationRole, SubjectKind

PACKAGED_LISTS = Path(__file__).parent / "files" / "lists.yaml"
CODE = r"^[A-Z][A-Z0-9_]{1,31}$"


class ListKind(StrEnum):
    """Whether membership is punished or rewarded (联合惩戒 / 联合激励)."""

    PUNISHMENT = "punishment"
    INCENTIVE = "incentive"


class Strict(BaseModel):
    """Unknown keys are errors: a typo in a list file must not pass silently."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class ListRule(Strict):
    """Records of ``dataset`` (of these severities, with these field values) enter the list."""

    dataset: str
    severity: tuple[Severity, ...] = ()
    where: dict[str, tuple[str, ...]] = Field(default_factory=dict)


class DerivedRule(Strict):
    """Subjects enter for what they do not have: no bad record (a record of a negative
    dataset) decided in the last ``clean_years`` and none live, while the platform has known
    them (their first record) at least that long."""

    clean_years: int = Field(ge=1, le=10)
    subject_kinds: tuple[SubjectKind, ...] = (SubjectKind.ORGANISATION,)


class ListDefinition(Strict):
    """One list: who enters by which rule (or by the deciding department's submission, or
    derived from the absence of bad records), whether it is public, whom it reaches."""

    code: str = Field(pattern=CODE)
    name: str
    kind: ListKind
    public: bool
    reaches: tuple[RelationRole, ...] = ()
    basis: str = Field(min_length=2, description="The policy the list rests on.")
    rules: tuple[ListRule, ...] = ()
    direct_submission: bool = Field(
        False, description="The department that decided a record may enter its subject."
    )
    derived: DerivedRule | None = None

    @model_validator(mode="after")
    def _has_a_way_in(self) -> ListDefinition:
        if self.derived is not None and (self.rules or self.direct_submission):
            raise ValueError(f"{self.code}: a derived list has no rules and no submissions")
        if self.derived is None and not (self.rules or self.direct_submission):
            raise ValueError(f"{self.code}: needs rules, direct submission or a derived rule")
        return self


class ListsFile(Strict):
    """The whole lists file."""

    version: str
    lists: tuple[ListDefinition, ...]

    def basis_of(self, code: str) -> str:
        """How an entry without a record (a derived list's) names its basis."""
        for definition in self.lists:
            if definition.code == code and definition.derived is not None:
                return f"派生：{definition.derived.clean_years} 年内无不良信用记录"
        return code


def check_against(lists: ListsFile, catalog: Catalog) -> None:
    """Every rule names a catalog dataset and fields it has; codes are unique."""
    codes = [d.code for d in lists.lists]
    if len(set(codes)) != len(codes):
        raise InvalidInput("lists file: a list code is used twice")
    for definition in lists.lists:
        for rule in definition.rules:
            dataset = catalog.datasets.get(rule.dataset)
            if dataset is None:
                raise InvalidInput(f"list {definition.code}: no dataset {rule.dataset}")
            missing = [f for f in rule.where if dataset.field(f) is None]
            if missing:
                raise InvalidInput(f"list {definition.code}: {rule.dataset} has no {missing}")
            if rule.severity and dataset.severity is None:
                raise InvalidInput(f"list {definition.code}: {rule.dataset} has no severity")


def load_lists(catalog: Catalog, path: Path = PACKAGED_LISTS) -> ListsFile:
    """Read and check a lists file."""
    try:
        parsed = ListsFile.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    except (OSError, yaml.YAMLError, ValidationError) as exc:
        raise InvalidInput(f"lists file {path} is invalid: {exc}") from exc
    check_against(parsed, catalog)
    return parsed


_LOADED: dict[tuple[str, tuple[str, ...]], ListsFile] = {}


def get_lists(catalog: Catalog) -> ListsFile:
    """The packaged lists, loaded and checked once per catalog (version and datasets)."""
    key = (catalog.version, tuple(sorted(catalog.datasets)))
    if key not in _LOADED:
        _LOADED[key] = load_lists(catalog)
    return _LOADED[key]


def severity_field(catalog: Catalog, dataset_code: str) -> str | None:
    """The field a dataset's rows state their severity in, if any."""
    found = catalog.datasets[dataset_code].field_by_role(FieldRole.SEVERITY)
    return found.code if found else None
