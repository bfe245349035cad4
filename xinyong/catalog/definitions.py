"""The shape of a catalog file, validated when the catalog loads (pydantic models)."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from xinyong.identity.models import SubjectKind

CODE_PATTERN = r"^[A-Z][A-Z0-9_]{1,31}$"


class Strict(BaseModel):
    """Catalog models reject unknown keys: a typo in a catalog file is an error, not a no-op."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Category(StrEnum):
    """Report sections a dataset belongs to (公共信用信息报告 sections)."""

    BASIC = "basic"  # 基础信息
    ADMINISTRATIVE = "administrative"  # 行政管理信息（许可、处罚）
    DISHONESTY_LIST = "dishonesty_list"  # 严重失信主体名单
    COMMITMENT = "commitment"  # 信用承诺
    JUDICIAL = "judicial"  # 司法判决
    HONESTY = "honesty"  # 诚实守信（表彰、红名单）
    ABNORMAL = "abnormal"  # 经营异常
    EVALUATION = "evaluation"  # 信用评价
    OTHER = "other"  # 其他


CATEGORY_LABELS = {
    Category.BASIC: "基础信息",
    Category.ADMINISTRATIVE: "行政管理信息",
    Category.DISHONESTY_LIST: "严重失信主体名单",
    Category.COMMITMENT: "信用承诺",
    Category.JUDICIAL: "司法判决",
    Category.HONESTY: "诚实守信",
    Category.ABNORMAL: "经营异常",
    Category.EVALUATION: "信用评价",
    Category.OTHER: "其他",
}


class Openness(StrEnum):
    """Who may see a dataset's records."""

    PUBLIC = "public"  # 公开
    AUTHORISED = "authorised"  # 授权查询
    SHARING = "sharing"  # 政务共享


OPENNESS_LABELS = {
    Openness.PUBLIC: "公开",
    Openness.AUTHORISED: "授权查询",
    Openness.SHARING: "政务共享",
}


class Polarity(StrEnum):
    """Whether a record speaks for or against its subject."""

    POSITIVE = "positive"
    NEUTRAL = "neutral"
    NEGATIVE = "negative"


class Severity(StrEnum):
    """How grave a negative record is; display periods and lists depend on it."""

    GENERAL = "general"  # 一般
    SERIOUS = "serious"  # 严重
    SPECIAL = "special"  # 特种设备、安全生产、消防安全领域（*local* 2023 rule）


class FieldType(StrEnum):
    """Types a field's values are parsed into."""

    STRING = "string"
    TEXT = "text"
    DATE = "date"
    DECIMAL = "decimal"
    INTEGER = "integer"
    ENUM = "enum"


class FieldRole(StrEnum):
    """What a field means to the platform, so ingestion can link and date a row generically."""

    SUBJECT_NAME = "subject_name"
    SUBJECT_CATEGORY = "subject_category"  # 行政相对人类别
    SUBJECT_USCC = "subject_uscc"
    SUBJECT_ID_TYPE = "subject_id_type"
    SUBJECT_ID_NUMBER = "subject_id_number"
    LEGAL_REP_NAME = "legal_rep_name"
    LEGAL_REP_ID_TYPE = "legal_rep_id_type"
    LEGAL_REP_ID_NUMBER = "legal_rep_id_number"
    DOCUMENT_NUMBER = "document_number"  # 决定文书号
    AUTHORITY_NAME = "authority_name"
    AUTHORITY_USCC = "authority_uscc"
    SOURCE_NAME = "source_name"
    SOURCE_USCC = "source_uscc"
    DECISION_DATE = "decision_date"
    DISPLAY_UNTIL = "display_until"  # 公示截止期
    VALID_FROM = "valid_from"
    VALID_UNTIL = "valid_until"
    SEVERITY = "severity"


class CodeValue(Strict):
    """One entry of a code table: the code files carry and the Chinese name people read."""

    code: str
    name: str


class CodeTable(Strict):
    """A named list of allowed values (代码表)."""

    code: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: str
    values: tuple[CodeValue, ...] = Field(min_length=1)

    def lookup(self, value: str) -> CodeValue | None:
        """The entry whose code or name is ``value``."""
        for entry in self.values:
            if value in (entry.code, entry.name):
                return entry
        return None


class FieldDefinition(Strict):
    """One data item (信息项) of a dataset."""

    code: str = Field(pattern=CODE_PATTERN)
    name: str = Field(min_length=1, description="Chinese header as departments write it.")
    type: FieldType = FieldType.STRING
    required: bool = False
    max_length: int | None = Field(None, ge=1, le=10_000)
    code_table: str | None = None
    role: FieldRole | None = None
    public: bool = Field(True, description="Whether the field may appear on public pages.")
    description: str | None = None

    @model_validator(mode="after")
    def _enum_has_table(self) -> FieldDefinition:
        if (self.type is FieldType.ENUM) != (self.code_table is not None):
            raise ValueError(f"{self.code}: an enum field needs a code_table, and only it does")
        return self


class DisplayPeriodRule(Strict):
    """How long a record may be shown (公示期限), by reference to a configured policy."""

    kind: Literal["decision_range", "valid_until", "while_listed", "fixed"]
    policy: str | None = Field(None, description="Key in the display-period policies.")
    deadline_field: str | None = Field(
        None, description="Row's own deadline, honoured if in range."
    )
    types_field: str | None = Field(
        None, description="Field listing the decision's penalty types (the longest applies)."
    )


class RepairRule(Strict):
    """Whether and when a record can be repaired (信用修复)."""

    allowed: bool
    after: Literal["minimum_display", "immediately", "never"] = "minimum_display"
    conditions: tuple[str, ...] = ()
    note: str | None = None


class LegalBasis(Strict):
    """A law, regulation or policy document that authorises the dataset."""

    title: str
    article: str | None = None


class Dataset(Strict):
    """One dataset (信息类) of the catalog."""

    code: str = Field(pattern=CODE_PATTERN)
    version: int = Field(ge=1)
    name: str
    name_en: str
    category: Category
    subject_kinds: tuple[SubjectKind, ...] = Field(min_length=1)
    fields: tuple[FieldDefinition, ...] = Field(min_length=1)
    business_key: tuple[str, ...] = Field(min_length=1)
    source_departments: tuple[str, ...] = Field(
        min_length=1, description="Department codes allowed to submit; '*' means any department."
    )
    legal_basis: tuple[LegalBasis, ...] = Field(min_length=1)
    openness: Openness
    polarity: Polarity
    severity: Severity | None = None
    display_period: DisplayPeriodRule
    repair: RepairRule
    min_subject_age: int | None = Field(None, ge=0, description="Persons younger are refused.")
    description: str | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Dataset:
        codes = [f.code for f in self.fields]
        if len(set(codes)) != len(codes):
            raise ValueError(f"{self.code}: duplicate field codes")
        names = [f.name for f in self.fields]
        if len(set(names)) != len(names):
            raise ValueError(f"{self.code}: duplicate field names")
        for key in self.business_key:
            if key not in codes:
                raise ValueError(f"{self.code}: business key {key} is not a field")
        deadline = self.display_period.deadline_field
        if deadline is not None and deadline not in codes:
            raise ValueError(f"{self.code}: deadline field {deadline} is not a field")
        if (self.polarity is Polarity.NEGATIVE) != (self.severity is not None):
            raise ValueError(f"{self.code}: severity is set exactly when polarity is negative")
        roles = [f.role for f in self.fields if f.role is not None]
        if len(set(roles)) != len(roles):
            raise ValueError(f"{self.code}: a field role is used twice")
        if FieldRole.SUBJECT_NAME not in roles:
            raise ValueError(f"{self.code}: no field has role subject_name")
        return self

    def field(self, code: str) -> FieldDefinition | None:
        """The field with this code, if the dataset has it."""
        return next((f for f in self.fields if f.code == code), None)

    def field_by_role(self, role: FieldRole) -> FieldDefinition | None:
        """The field that plays ``role``, if any."""
        return next((f for f in self.fields if f.role is role), None)


class PeriodBounds(Strict):
    """Minimum and maximum display period, in months."""

    min_months: int = Field(ge=0)
    max_months: int = Field(ge=0)

    @model_validator(mode="after")
    def _ordered(self) -> PeriodBounds:
        if self.max_months < self.min_months:
            raise ValueError("max_months must not be below min_months")
        return self


class Policies(Strict):
    """Configured periods (display, by severity) — rules change, so they are data."""

    version: str
    display_periods: dict[str, dict[Severity, PeriodBounds]]
    penalty_types: dict[str, Severity] = Field(
        default_factory=dict,
        description="Penalty types (处罚类别 names) that carry at least this severity's period.",
    )
