"""The check desk (核查台): single checks from many requests answered together.

Airlines, railways and department systems check one subject at a time, many times a
second. Each check handed to the group writer (core/groupwrite.py) waits for whatever else
arrived meanwhile; the group is looked up with one query and logged with one insert, and
every request gets its own answer once that is committed. The lookup runs in the write
transaction, or, while another process holds the write lock, in a read transaction just
before the writer queues for it (checks that join the group while it waits are looked up
inside the write transaction); either way a check sees the database as it stood at most a
moment before it was logged: a record put under objection before then produces no hit.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from sqlalchemy.orm import Session

from xinyong.core.errors import InvalidInput
from xinyong.core.groupwrite import BatchHandler
from xinyong.core.security import Principal
from xinyong.sanctions import service
from xinyong.sanctions.schemas import CheckResult


@dataclass(frozen=True)
class SingleCheck:
    """One check as asked, already validated, waiting for its group."""

    rules: service.CheckRules
    asker: service.Asker
    asked: service.Asked
    scenario: str
    department: str
    today: date
    found: service.Found | None = None  # what its group's lookup found, once looked up

    @property
    def group(self) -> tuple[int, int, str, str, date]:
        """Checks that can be looked up together (the same files in force, scenario,
        requesting department and day)."""
        rules = self.rules
        return (id(rules.lists), id(rules.measures), self.scenario, self.department, self.today)


def prepare(
    principal: Principal,
    rules: service.CheckRules,
    code: str,
    scenario: str,
    purpose: str,
    department: str | None,
    today: date,
    ip: str | None,
) -> SingleCheck:
    """Validate a check before it joins a group, so that its errors are its own."""
    asked = service.parse_code(code)
    if asked is None:
        raise InvalidInput("代码不是有效的统一社会信用代码或公民身份号码", code="invalid_code")
    return SingleCheck(
        rules,
        service.Asker(principal, purpose, ip),
        asked,
        service.scenario_code(rules, scenario),
        service.requesting_department(principal, department),
        today,
    )


def _groups(checks: list[SingleCheck]) -> list[list[int]]:
    """The positions of checks that can be looked up together."""
    groups: dict[tuple[int, int, str, str, date], list[int]] = {}
    for index, check in enumerate(checks):
        groups.setdefault(check.group, []).append(index)
    return list(groups.values())


def _lookup(session: Session, checks: list[SingleCheck]) -> service.Found:
    """One lookup for checks that can be looked up together."""
    first = checks[0]
    asked = [check.asked for check in checks]
    return service.lookup(
        session, first.rules, asked, first.scenario, first.department, first.today
    )


def _look(session: Session, checks: list[SingleCheck]) -> list[SingleCheck]:
    """Each check with what its group's lookup found (reads only), for a group read before
    the writer queues for the lock; checks already looked up stay as they are."""
    looked = list(checks)
    positions = [i for i, check in enumerate(checks) if check.found is None]
    unlooked = [checks[i] for i in positions]
    for members in _groups(unlooked):
        found = _lookup(session, [unlooked[i] for i in members])
        for i in members:
            looked[positions[i]] = replace(unlooked[i], found=found)
    return looked


def _answer(session: Session, checks: list[SingleCheck]) -> list[CheckResult]:
    """Log a group of checks, looking up those not looked up yet; the results in the
    order given."""
    answers: dict[int, CheckResult] = {}
    for members in _groups(checks):
        group = [checks[i] for i in members]
        founds = [c.found for c in group if c.found is not None]
        unlooked = [c for c in group if c.found is None]
        if unlooked:  # the common case: the lookup runs in the write transaction
            founds.append(_lookup(session, unlooked))
        found = service.merge(founds, [c.asked for c in group])
        results = service.log_each(session, found, [c.asker for c in group])
        answers.update(zip(members, results, strict=True))
    return [answers[i] for i in range(len(checks))]


ANSWER = BatchHandler("checks", _answer, read=_look)


def check_one(
    session: Session,
    principal: Principal,
    rules: service.CheckRules,
    code: str,
    scenario: str,
    purpose: str,
    department: str | None,
    today: date,
    ip: str | None = None,
) -> CheckResult:
    """One check answered and logged in the caller's session (the console and the CLI),
    the same way the desk answers a group."""
    (result,) = _answer(
        session, [prepare(principal, rules, code, scenario, purpose, department, today, ip)]
    )
    return result
