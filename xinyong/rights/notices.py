"""Notices to subjects about their own records (shown on their page, newest first)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong.rights.models import Notice

SHOWN = 20


def notify(session: Session, subject_id: int, text: str, link: str | None = None) -> None:
    """Leave a notice for the subject (linking to the page it concerns, if any)."""
    session.add(Notice(subject_id=subject_id, text=text, link=link))


def notices_for(session: Session, subject_id: int) -> list[Notice]:
    """The subject's latest notices."""
    return list(
        session.scalars(
            select(Notice)
            .where(Notice.subject_id == subject_id)
            .order_by(Notice.created_at.desc(), Notice.id.desc())
            .limit(SHOWN)
        )
    )
