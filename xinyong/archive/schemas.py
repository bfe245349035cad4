"""What the archive's public side returns (JSON and pages alike)."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field


class PublicField(BaseModel):
    """One public data item of a record (信息项), as shown."""

    code: str
    name: str
    value: str


class PublicRecord(BaseModel):
    """A record as the public sees it: public fields only, personal numbers masked."""

    id: int
    dataset_code: str
    dataset_name: str
    category: str
    subject_name: str
    subject_kind: str = Field(description="organisation or person")
    subject_code: str = Field(description="USCC in full; a person's ID number masked")
    decision_date: date | None
    display_until: date | None = Field(description="Last day shown (公示截止); null: no end")
    department: str = Field(description="Source department (数据来源单位)")
    fields: list[PublicField]


class PublicPage(BaseModel):
    """One page of a public search."""

    items: list[PublicRecord]
    total: int
    total_capped: bool = Field(description="More matches than `total` (counted up to a cap)")
    page: int
    size: int


class PublicSubject(BaseModel):
    """An organisation's public page."""

    name: str
    code: str
    records: list[PublicRecord]
