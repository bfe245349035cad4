"""Proof attached to a case: PDF or image, size-limited, the type checked by content (not
by the name or the declared type, which a sender controls)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session, defer

from xinyong.core.errors import InvalidInput, NotFound
from xinyong.rights.models import ObjectionAttachment, RepairAttachment

Attachment = ObjectionAttachment | RepairAttachment
A = TypeVar("A", ObjectionAttachment, RepairAttachment)

MAX_FILES = 5
MAX_BYTES = 5 * 1024 * 1024
SIGNATURES = (
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
)


@dataclass(frozen=True)
class Upload:
    """A file as received."""

    file_name: str
    content: bytes


def media_type(content: bytes) -> str | None:
    """The type the content shows itself to be, among those accepted."""
    for signature, kind in SIGNATURES:
        if content.startswith(signature):
            return kind
    return None


def check_uploads(uploads: list[Upload]) -> list[tuple[Upload, str]]:
    """Each upload with its type; a clear refusal for anything else."""
    if len(uploads) > MAX_FILES:
        raise InvalidInput(f"最多上传 {MAX_FILES} 个附件", code="too_many_files")
    checked = []
    for upload in uploads:
        if len(upload.content) > MAX_BYTES:
            raise InvalidInput(
                f"附件「{upload.file_name}」超过 {MAX_BYTES // 1024 // 1024} MB",
                code="file_too_large",
            )
        kind = media_type(upload.content)
        if kind is None:
            raise InvalidInput(
                f"附件「{upload.file_name}」不是 PDF、PNG 或 JPEG 文件",
                code="file_type_not_allowed",
            )
        checked.append((upload, kind))
    return checked


def store_attachments(
    session: Session, model: type[Attachment], case_id: int, uploads: list[Upload]
) -> None:
    """Keep the checked files with the case."""
    for upload, kind in check_uploads(uploads):
        session.add(
            model(
                case_id=case_id,
                file_name=upload.file_name[:200] or "附件",
                media_type=kind,
                size=len(upload.content),
                sha256=hashlib.sha256(upload.content).hexdigest(),
                content=upload.content,
            )
        )


def listed(session: Session, model: type[A], case_ids: list[int]) -> dict[int, list[A]]:
    """The attachments of these cases by case: one query, the files themselves left unread
    (up to 25 MB a case; only a download reads one)."""
    found: dict[int, list[A]] = {case_id: [] for case_id in case_ids}
    if found:
        for attachment in session.scalars(
            select(model)
            .options(defer(model.content))
            .where(model.case_id.in_(case_ids))
            .order_by(model.id)
        ):
            found[attachment.case_id].append(attachment)
    return found


def one(session: Session, model: type[A], case_id: int, attachment_id: int) -> A:
    """One attached file of this case."""
    found = session.get(model, attachment_id)
    if found is None or found.case_id != case_id:
        raise NotFound("附件不存在", code="attachment_not_found")
    return found
