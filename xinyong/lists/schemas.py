"""What the public side of the lists returns (JSON and pages alike)."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field


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
