"""Feedback (反馈): the department that checked reports what it did with each hit; the
department whose record put the subject on the list can read it; statistics per
department and measure show the feedback rate and what is overdue."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from xinyong.audit import service as audit
from xinyong.core.calendar import WorkingCalendar
from xinyong.core.db import utcnow
from xinyong.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from xinyong.core.security import Principal, Role
from xinyong.ingest.models import Record
from xinyong.sanctions.models import Check, CheckHit, Outcome
from xinyong.sanctions.schemas import (
    CheckView,
    FeedbackItem,
    FeedbackStats,
    HitView,
    PendingCheck,
)

FEEDBACK_WORKING_DAYS = 10
CENTRE = frozenset({Role.PLATFORM_ADMIN, Role.REVIEWER})
CHINA = timedelta(hours=8)
MIN_REASON = 4


def _check(session: Session, check_id: int) -> Check:
    check = session.get(Check, check_id)
    if check is None:
        raise NotFound(f"核查 {check_id} 不存在", code="check_not_found")
    return check


def _china_day(moment: datetime) -> date:
    return (moment.astimezone(UTC) + CHINA).date()


def may_read(session: Session, principal: Principal, check: Check) -> bool:
    """The checking department, the departments whose records it hit, the credit centre."""
    if principal.role in CENTRE or principal.department_code == check.department_code:
        return True
    if principal.department_code is None:
        return False
    hit_source = (
        select(Record.id)
        .join(CheckHit, CheckHit.record_id == Record.id)
        .where(CheckHit.check_id == check.id, Record.department_code == principal.department_code)
    )
    return session.scalar(hit_source.limit(1)) is not None


def view(
    session: Session, principal: Principal, calendar: WorkingCalendar, check_id: int
) -> CheckView:
    """A check with its hits and feedback, for whoever may read it."""
    check = _check(session, check_id)
    if not may_read(session, principal, check):
        raise Forbidden("无权查看此核查", code="not_your_check")
    hits = session.scalars(
        select(CheckHit).where(CheckHit.check_id == check.id).order_by(CheckHit.id)
    )
    return CheckView(
        check_id=check.id,
        subject_ref=check.subject_ref,
        scenario=check.scenario,
        department_code=check.department_code,
        purpose=check.purpose,
        checked_at=check.checked_at,
        feedback_due=calendar.add_working_days(_china_day(check.checked_at), FEEDBACK_WORKING_DAYS),
        hits=[
            HitView(
                hit_id=h.id,
                measure_code=h.measure_code,
                list_code=h.list_code,
                record_id=h.record_id,
                mandatory=h.mandatory,
                outcome=h.outcome.value if h.outcome else None,
                reason=h.reason,
                feedback_at=h.feedback_at,
            )
            for h in hits
        ],
    )


def give(session: Session, principal: Principal, check_id: int, items: list[FeedbackItem]) -> int:
    """Record what the checking department did with each hit; once per hit."""
    check = _check(session, check_id)
    if (
        principal.role is not Role.PLATFORM_ADMIN
        and principal.department_code != check.department_code
    ):
        raise Forbidden("只有发起核查的部门可以反馈", code="not_your_check")
    hits = {h.id: h for h in session.scalars(select(CheckHit).where(CheckHit.check_id == check.id))}
    now = utcnow()
    for item in items:
        hit = hits.get(item.hit_id)
        if hit is None:
            raise NotFound(f"核查 {check_id} 没有命中项 {item.hit_id}", code="hit_not_found")
        if hit.outcome is not None:
            raise Conflict(f"命中项 {item.hit_id} 已反馈", code="feedback_given")
        outcome = Outcome(item.outcome)
        reason = (item.reason or "").strip()
        if outcome is Outcome.NOT_APPLIED and len(reason) < MIN_REASON:
            raise InvalidInput("未采取措施的，须说明理由（至少 4 个字）", code="reason_required")
        hit.outcome, hit.reason, hit.feedback_by, hit.feedback_at = (
            outcome,
            reason or None,
            principal.actor,
            now,
        )
    audit.record(
        session,
        principal,
        "check.feedback",
        target_type="check",
        target_id=check_id,
        detail={"hits": [i.hit_id for i in items]},
    )
    return len(items)


def overdue_before(calendar: WorkingCalendar, today: date) -> datetime:
    """Checks made before this moment whose feedback deadline has passed today."""
    day = today - timedelta(days=1)
    while calendar.add_working_days(day, FEEDBACK_WORKING_DAYS) >= today:
        day -= timedelta(days=1)
    return datetime.combine(day + timedelta(days=1), time(), tzinfo=UTC) - CHINA


def stats(session: Session, calendar: WorkingCalendar, today: date) -> list[FeedbackStats]:
    """Per requesting department and measure: one grouped query over checks and hits."""
    cutoff = overdue_before(calendar, today)
    rows = session.execute(
        select(
            Check.department_code,
            CheckHit.measure_code,
            func.count(func.distinct(Check.id)),
            func.count(CheckHit.id),
            func.count(CheckHit.outcome),
            func.sum(
                case((and_(CheckHit.outcome.is_(None), Check.checked_at < cutoff), 1), else_=0)
            ),
        )
        .join(CheckHit, CheckHit.check_id == Check.id)
        .group_by(Check.department_code, CheckHit.measure_code)
        .order_by(Check.department_code, CheckHit.measure_code)
    ).all()
    return [
        FeedbackStats(
            department_code=department,
            measure_code=measure,
            checks=checks,
            hits=hits,
            answered=answered,
            feedback_rate=round(answered / hits, 4) if hits else 0.0,
            overdue=int(overdue or 0),
        )
        for department, measure, checks, hits, answered, overdue in rows
    ]


PENDING_SHOWN = 50


def pending(
    session: Session, calendar: WorkingCalendar, department_code: str | None
) -> list[PendingCheck]:
    """The department's (or, for the centre, every) latest checks with hits still awaiting
    feedback, oldest deadline first."""
    waiting = (
        select(Check.id, Check.subject_ref, Check.scenario, Check.department_code, Check.checked_at)
        .add_columns(func.count(CheckHit.id))
        .join(CheckHit, CheckHit.check_id == Check.id)
        .where(CheckHit.outcome.is_(None))
        .group_by(Check.id)
        .order_by(Check.checked_at, Check.id)
        .limit(PENDING_SHOWN)
    )
    if department_code is not None:
        waiting = waiting.where(Check.department_code == department_code)
    return [
        PendingCheck(
            check_id=check_id,
            subject_ref=ref,
            scenario=scenario,
            department_code=department,
            checked_at=at,
            unanswered=unanswered,
            feedback_due=calendar.add_working_days(_china_day(at), FEEDBACK_WORKING_DAYS),
        )
        for check_id, ref, scenario, department, at, unanswered in session.execute(waiting)
    ]
