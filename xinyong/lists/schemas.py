"""What the public side of the lists returns (JSON and pages alike)."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field


class PublicList(BaseModel):
    """A published list and how many subjects it names today."""

    code: str
    name: str
    kind: str = Field(description="punishment or incentive")
    basis: str = Field(description="The policy the list rests on")
    count: int


class PublicListEntry(BaseModel):
    """One entry of a published list, masked like every public record."""

    subject_name: str
    subject_kind: str
    subject_code: str = Field(description="USCC in full; a person's ID number masked")
    entered_on: date
    planned_exit: date | None
    basis: str = Field(description="The dataset of the record it rests on")
    record_id: int = Field(description="The public record behind the entry")
    reached_via: str | None = Field(None, description="落实到人: the organisation named")


class PublicListPage(BaseModel):
    """One page of a published list, newest entries first."""

    summary: PublicList
    items: list[PublicListEntry]
    page: int
    size: int


class EntrySubmission(BaseModel):
    """The deciding department enters a subject on a list (认定部门报送)."""

    model_config = ConfigDict(extra="forbid")

    subject_code: str = Field(min_length=15, max_length=64, description="USCC or ID number")
    record_id: int | None = Field(None, ge=1, le=2**62, description="The basis record")
    dataset_code: str | None = Field(None, max_length=32, description="Or: its dataset …")
    business_key: str | None = Field(None, max_length=400, description="… and business key")
    planned_exit: date | None = Field(
        None, description="Earlier than the record's display period, if the decision says so"
    )
    note: str = Field(min_length=4, max_length=500, description="认定文书及理由")


class EntryWithdrawal(BaseModel):
    """The submitting department takes its entry back."""

    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=4, max_length=500)


class SubmittedEntry(BaseModel):
    """A submitted list entry as stored."""

    entry_id: int
    list_code: str
    subject_id: int
    record_id: int | None
    entered_on: date
    planned_exit: date | None
    exited_on: date | None
    exit_reason: str | None
    note: str | None
