"""What objection and repair cases share: who handles them, their deadlines and clock, the
record a caller may act on, and the checks every step makes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from xinyong.catalog.loader import Catalog
from xinyong.core.calendar import WorkingCalendar
from xinyong.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from xinyong.core.security import Principal, Role
from xinyong.ingest.models import Record
from xinyong.rights.models import ObjectionCase, RepairCase, RepairStage, Stage

STAFF = frozenset({Role.PLATFORM_ADMIN, Role.REVIEWER})
MIN_TEXT = 4


@dataclass(frozen=True)
class Deadlines:
    """Working days each step may take (standards.md: Guangzhou's local objection limits,
    the national repair limit)."""

    accept: int = 2
    check: int = 2
    verify: int = 10
    repair: int = 10  # a complete repair application is decided within these


@dataclass(frozen=True)
class CaseContext:
    """What moving a case needs besides the session."""

    catalog: Catalog
    calendar: WorkingCalendar
    deadlines: Deadlines
    today: date
    sync_days: int = 3  # the other platforms apply a status change within these (standards)

    def due(self, days: int) -> date:
        """The day ``days`` working days from today."""
        return self.calendar.add_working_days(self.today, days)

    @property
    def sync_due(self) -> date:
        """When the platforms above and below must have applied a change made today."""
        return self.due(self.sync_days)


def require_text(value: str, what: str) -> str:
    """The text stripped, or a clear refusal when it is too short to mean anything."""
    value = value.strip()
    if len(value) < MIN_TEXT:
        raise InvalidInput(f"请填写{what}（至少 {MIN_TEXT} 个字）", code="text_required")
    return value


def record_for(session: Session, principal: Principal, record_id: int) -> Record:
    """The record a caller may act on: their own, or any for staff acting on behalf."""
    record = session.get(Record, record_id)
    own = record is not None and principal.subject_id == record.subject_id
    if record is None or not (own or principal.role in STAFF):
        raise NotFound(f"记录 {record_id} 不存在", code="record_not_found")
    return record


def require_staff(principal: Principal, what: str) -> None:
    """Only the credit centre's staff handle cases."""
    if principal.role not in STAFF:
        raise Forbidden(f"只有信用中心工作人员可以办理{what}", code="not_staff")


def require_stage(
    case: ObjectionCase | RepairCase, name: str, action: str, *stages: Stage | RepairStage
) -> None:
    """A step its stage does not allow is a 409 ``illegal_transition`` naming the stage
    the case is in and those the step is allowed from (``name``: 异议, 修复申请)."""
    if case.stage not in stages:
        raise Conflict(
            f"{name} {case.id} 处于「{case.stage.label}」阶段，不能{action}",
            code="illegal_transition",
            details={"stage": case.stage.value, "allowed_from": [s.value for s in stages]},
        )
