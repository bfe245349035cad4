"""Check requests and answers (核查)."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field


class CheckRequest(BaseModel):
    """Check one subject before an administrative act."""

    model_config = ConfigDict(extra="forbid")

    code: str = Field(min_length=15, max_length=64, description="USCC or ID number")
    scenario: str = Field(max_length=32, description="e.g. PROCUREMENT, LICENSING")
    purpose: str = Field(min_length=2, max_length=200, description="查询事由")
    department_code: str | None = Field(
        None, max_length=32, description="Requesting department (default: the caller's)"
    )


class BatchCheckRequest(BaseModel):
    """Check up to 10,000 subjects in one scenario."""

    model_config = ConfigDict(extra="forbid")

    codes: list[str] = Field(min_length=1, max_length=10_000)
    scenario: str = Field(max_length=32)
    purpose: str = Field(min_length=2, max_length=200)
    department_code: str | None = Field(None, max_length=32)


class Hit(BaseModel):
    """A measure that applies, with the list entry and record behind it."""

    measure_code: str
    measure: str
    kind: str = Field(description="punishment or incentive")
    mandatory: bool
    basis: str = Field(description="法律及政策依据")
    implementer: str = Field(description="实施单位")
    list_code: str
    list_name: str
    entered_on: date
    record_id: int | None = Field(description="None for a derived list (no record)")
    dataset: str


class CheckResult(BaseModel):
    """The answer for one subject."""

    check_id: int
    code: str
    found: bool = Field(description="Whether the platform holds this subject at all")
    subject_name: str | None
    scenario: str
    hits: list[Hit]


class BatchCheckResult(BaseModel):
    """The answers for a batch, in the order asked; codes that are not valid are listed."""

    scenario: str
    results: list[CheckResult]
    invalid: list[str]


class FeedbackItem(BaseModel):
    """What was done with one hit."""

    model_config = ConfigDict(extra="forbid")

    hit_id: int = Field(ge=1)
    outcome: str = Field(pattern=r"^(applied|not_applied|not_applicable)$")
    reason: str | None = Field(None, max_length=1000, description="Required for not_applied")


class FeedbackRequest(BaseModel):
    """Feedback on some or all hits of a check."""

    model_config = ConfigDict(extra="forbid")

    items: list[FeedbackItem] = Field(min_length=1, max_length=1000)


class HitView(BaseModel):
    """A stored hit and its feedback."""

    hit_id: int
    measure_code: str
    list_code: str
    record_id: int | None
    mandatory: bool
    outcome: str | None
    reason: str | None
    feedback_at: datetime | None


class CheckView(BaseModel):
    """A stored check with its hits and their feedback."""

    check_id: int
    subject_ref: str
    scenario: str
    department_code: str
    purpose: str
    checked_at: datetime
    feedback_due: date = Field(description="Last working day for the feedback")
    hits: list[HitView]


class FeedbackStats(BaseModel):
    """Per requesting department and measure: checks, hits, feedback rate, overdue."""

    department_code: str
    measure_code: str
    checks: int
    hits: int
    answered: int
    feedback_rate: float
    overdue: int


class PendingCheck(BaseModel):
    """A check whose hits still await feedback."""

    check_id: int
    subject_ref: str
    scenario: str
    department_code: str
    checked_at: datetime
    unanswered: int
    feedback_due: date
