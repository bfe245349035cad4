"""How a record reads to each audience: the public, its subject (and their report), staff."""

from __future__ import annotations

import json
from enum import StrEnum

from xinyong.archive.schemas import PublicField, PublicRecord
from xinyong.catalog.definitions import CATEGORY_LABELS, Dataset, FieldRole
from xinyong.catalog.loader import Catalog
from xinyong.identity.codes import CodeType
from xinyong.identity.masking import mask_code
from xinyong.identity.models import Subject
from xinyong.ingest.models import Record

# Personal numbers in a record's fields: masked for everyone but staff.
ID_NUMBER_ROLES = frozenset({FieldRole.SUBJECT_ID_NUMBER, FieldRole.LEGAL_REP_ID_NUMBER})


class Audience(StrEnum):
    """Who reads: decides which fields appear and what is masked."""

    PUBLIC = "public"  # 公示: public fields only, ID numbers masked
    SUBJECT = "subject"  # the subject and their report: every field, ID numbers masked
    STAFF = "staff"  # credit-centre staff: every field as stored


def present_fields(
    catalog: Catalog, dataset: Dataset, data: dict[str, object], audience: Audience
) -> list[PublicField]:
    """A record's data items in catalog order, as ``audience`` may read them."""
    tables = catalog.code_tables
    fields = []
    for item in dataset.fields:
        value = data.get(item.code)
        if value in (None, "") or (audience is Audience.PUBLIC and not item.public):
            continue
        shown = str(value)
        if item.role in ID_NUMBER_ROLES:
            if audience is not Audience.STAFF:
                shown = mask_code(CodeType.RIC, shown)
        elif item.code_table is not None:  # the name people read, not the code
            entry = tables[item.code_table].lookup(shown)
            shown = entry.name if entry else shown
        fields.append(PublicField(code=item.code, name=item.name, value=shown))
    return fields


def project(
    catalog: Catalog,
    record: Record,
    subject: Subject,
    department: str,
    audience: Audience = Audience.PUBLIC,
) -> PublicRecord:
    """A record as ``audience`` sees it, code values by name."""
    dataset = catalog.datasets[record.dataset_code]
    return PublicRecord(
        id=record.id,
        dataset_code=dataset.code,
        dataset_name=dataset.name,
        category=CATEGORY_LABELS[dataset.category],
        subject_name=subject.name,
        subject_kind=subject.kind.value,
        subject_code=(
            subject.code
            if audience is Audience.STAFF
            else mask_code(subject.code_type, subject.code)
        ),
        decision_date=record.decision_date,
        display_until=record.display_until,
        department=department,
        fields=present_fields(catalog, dataset, json.loads(record.data), audience),
    )
