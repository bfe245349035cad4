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


class ArchiveRecord(PublicRecord):
    """A record in a subject's archive: every field for its reader, with its state."""

    status: str
    status_label: str
    held: bool = Field(False, description="Held back from publication (保密审查)")


class ArchiveSection(BaseModel):
    """One category of records (report and archive sections)."""

    category: str
    label: str
    records: list[ArchiveRecord]


class RelationView(BaseModel):
    """A person's role at an organisation, seen from either side."""

    role: str
    subject_id: int
    name: str
    code: str
    kind: str
    valid_from: date | None
    valid_to: date | None


class RevisionView(BaseModel):
    """A superseded version of a record (staff only)."""

    record_id: int
    revision: int
    status: str
    dataset_name: str
    received_at: str
    superseded_by_batch: int
    fields: list[PublicField]


class ListEntryView(BaseModel):
    """A subject's current place on a list (名单), with its basis."""

    list_code: str
    list_name: str
    kind: str = Field(description="punishment or incentive")
    entered_on: date
    planned_exit: date | None
    basis: str = Field(description="The dataset of the record the entry rests on")
    record_id: int | None = Field(description="None for a derived entry (no record)")
    reached_via: str | None = Field(
        None, description="落实到人: the organisation whose entry reached this person"
    )


class SubjectArchive(BaseModel):
    """A subject's credit archive (信用档案): live records by category, relations, history."""

    subject_id: int
    name: str
    kind: str
    code_type: str
    code: str
    as_of: date
    sections: list[ArchiveSection]
    relations: list[RelationView]
    lists: list[ListEntryView] = Field(default_factory=list)
    history: list[ArchiveRecord] | None = Field(
        None, description="Records no longer in force or past their period (staff only)"
    )
    revisions: list[RevisionView] | None = Field(None, description="Staff only")


class ReportSectionCount(BaseModel):
    """A report section as the verification page lists it: how many records, which."""

    label: str
    count: int
    items: list[str] = Field(description="Dataset and decision date of each record")


class ReportVerification(BaseModel):
    """What the verification page confirms about a printed report (报告核验)."""

    number: str
    genuine: bool = Field(description="Content unchanged since issue and the signature valid")
    digest: str = Field(description="SHA-256 of the report's canonical content (printed on it)")
    signature: str = Field(description="Ed25519 signature of the digest, hex")
    key_id: str
    public_key: str | None = Field(description="The platform key that signed it, hex")
    platform: str
    issued_at: str
    as_of: str
    subject_name: str
    subject_code: str = Field(description="USCC, or a person's ID number masked")
    sections: list[ReportSectionCount]
