"""The demo: departments, one account per role, and a few subjects to look at.

Demo accounts exist only in a database the demo was loaded into, and such a database is
served only in demo mode (see ``create_app``). The demo city itself (persons, organisations,
records sent as department files) comes with the collection pipeline.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from xinyong.accounts import service as accounts
from xinyong.accounts.models import User
from xinyong.accounts.schemas import UserCreate
from xinyong.core.errors import Conflict
from xinyong.core.meta import DEMO_LOADED, get_meta, set_meta
from xinyong.core.security import Principal, Role
from xinyong.identity import service as identity
from xinyong.identity.codes import CodeType
from xinyong.identity.models import RelationRole, SubjectKind

DEMO_CITY = "demo_city"
DEMO_PASSWORD = "xinyong-demo-2026"  # noqa: S105 - demo only; refused outside demo mode


@dataclass(frozen=True)
class DemoAccount:
    """One demo login."""

    username: str
    display_name: str
    role: Role
    department_code: str | None = None
    subject_code: str | None = None  # a citizen's ID number, a third party's USCC


DEMO_ACCOUNTS = (
    DemoAccount("admin", "平台管理员", Role.PLATFORM_ADMIN),
    DemoAccount("reviewer", "信用中心审核员", Role.REVIEWER, "XYZX"),
    DemoAccount("scjg", "市场监管局报送员", Role.SUBMITTER, "SCJG"),
    DemoAccount("fgw", "发改委核查员", Role.CHECKER, "FGW"),
    DemoAccount("auditor", "审计员", Role.AUDITOR),
    DemoAccount("citizen", "张伟", Role.CITIZEN, subject_code="440106198503150038"),
    DemoAccount("bank", "示范市商业银行", Role.THIRD_PARTY, subject_code="91440100MA5D8YHK0J"),
)

# (USCC, name, legal representative's ID number, legal representative's name)
DEMO_ORGANISATIONS = (
    ("91440100MA59C2RX41", "示范市丰源食品有限公司", "440106198503150038", "张伟"),
    ("91440101MA5CLXKN9E", "示范市鸿达建筑工程有限公司", "440102197908222511", "李娜"),
)


def is_demo(session: Session) -> bool:
    """Whether the demo was loaded into this database."""
    return get_meta(session, DEMO_LOADED) is not None


def load_demo(session: Session, actor: Principal) -> list[DemoAccount]:
    """Load departments, demo accounts and demo subjects; refuse a database in real use."""
    if not is_demo(session) and session.scalar(select(func.count()).select_from(User)):
        raise Conflict(
            "this database already has users and is not a demo database: "
            "the demo is loaded only into a fresh database"
        )
    set_meta(session, DEMO_LOADED, date.today().isoformat())
    session.flush()
    accounts.load_departments(session, actor)
    created: list[DemoAccount] = []
    for account in DEMO_ACCOUNTS:
        if session.scalar(select(User.id).where(User.username == account.username)):
            continue
        accounts.create_user(
            session,
            actor,
            UserCreate(
                username=account.username,
                display_name=account.display_name,
                password=DEMO_PASSWORD,
                role=account.role,
                department_code=account.department_code,
                subject_code=account.subject_code,
            ),
        )
        created.append(account)
    for uscc, name, rep_id, rep_name in DEMO_ORGANISATIONS:
        organisation = identity.register_subject(
            session, CodeType.USCC, uscc, name, SubjectKind.ORGANISATION
        )
        person = identity.register_subject(
            session, CodeType.RIC, rep_id, rep_name, SubjectKind.PERSON
        )
        identity.relate(
            session, organisation, person, RelationRole.LEGAL_REPRESENTATIVE, source="demo"
        )
    return created
