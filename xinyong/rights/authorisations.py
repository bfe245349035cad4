"""Authorised queries (授权查询): a subject lets a named third party read their report (or
only their credit status) for a purpose, until a day, a number of times, with a code they
hand over (and can revoke). The third party redeems the code while logged in as itself;
without a valid authorisation it gets nothing, and the attempt is logged.

The code is shown once and kept only as a digest, like a password: a leaked database does
not leak working codes.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong.archive import reports
from xinyong.archive.models import IssuedReport
from xinyong.archive.profile import get_subject, subject_ref
from xinyong.archive.reports import NUMBER_ALPHABET, Issuer
from xinyong.audit import service as audit
from xinyong.catalog.loader import Catalog
from xinyong.core.db import utcnow
from xinyong.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from xinyong.core.security import Principal, Role, token_digest
from xinyong.identity.codes import recognise
from xinyong.identity.masking import mask_code
from xinyong.identity.models import Subject
from xinyong.lists.definitions import ListKind, get_lists
from xinyong.lists.service import subject_entries
from xinyong.rights.models import Authorisation, Scope
from xinyong.rights.querylog import AUTHORISED
from xinyong.rights.schemas import CreditStatusView, ListedOn, RedeemView

CODE_PREFIX = "SQ"
CODE_GROUPS = 3  # SQ-XXXX-XXXX-XXXX: 60 random bits, read aloud or typed in groups
GROUP = 4
MAX_USES = 10
# Characters people confuse on paper read as the ones the alphabet has (Crockford).
LOOKALIKES = str.maketrans({"O": "0", "I": "1", "L": "1", "U": "V"})


class Refused(Forbidden):
    """A redemption refused: no such code, revoked, expired, used up, or not the holder's."""

    def __init__(self, message: str, code: str, found: Authorisation | None = None) -> None:
        super().__init__(message, code=code)
        self.found = found


@dataclass(frozen=True)
class Grant:
    """What a subject asks for when authorising a third party."""

    grantee_name: str
    grantee_code: str
    purpose: str
    scope: Scope
    expires_on: date
    max_uses: int


def new_code() -> str:
    """A fresh code, e.g. ``SQ-7K2M-9QXA-4F0B``."""
    groups = (
        "".join(secrets.choice(NUMBER_ALPHABET) for _ in range(GROUP)) for _ in range(CODE_GROUPS)
    )
    return "-".join((CODE_PREFIX, *groups))


def normalise(code: str) -> str:
    """A code as typed (any case, spaces, dashes, O for 0) in its canonical form."""
    kept = "".join(ch for ch in code.upper() if ch.isalnum())
    if kept.startswith(CODE_PREFIX):
        kept = kept[len(CODE_PREFIX) :]
    return CODE_PREFIX + kept.translate(LOOKALIKES)


def _subject_of(principal: Principal) -> int:
    if principal.role is not Role.CITIZEN or principal.subject_id is None:
        raise Forbidden("只有信用主体本人可以授权他人查询", code="not_subject")
    return principal.subject_id


def grant(
    session: Session, principal: Principal, request: Grant, today: date, max_days: int
) -> tuple[Authorisation, str]:
    """Authorise a third party; returns the authorisation and its code (shown only now)."""
    subject_id = _subject_of(principal)
    recognised = recognise(request.grantee_code)
    if recognised is None:
        raise InvalidInput(
            "被授权方证件号码须为有效的统一社会信用代码或公民身份号码", code="grantee_code_invalid"
        )
    last = today + timedelta(days=max_days)
    if not today <= request.expires_on <= last:
        raise InvalidInput(
            f"授权有效期须在今天至 {last} 之间（最长 {max_days} 天）",
            code="expiry_out_of_range",
        )
    if not 1 <= request.max_uses <= MAX_USES:
        raise InvalidInput(f"可查询次数须为 1 至 {MAX_USES} 次", code="uses_out_of_range")
    code = new_code()
    found = Authorisation(
        subject_id=subject_id,
        grantee_name=request.grantee_name.strip(),
        grantee_code=recognised[1],
        purpose=request.purpose.strip(),
        scope=request.scope,
        expires_on=request.expires_on,
        max_uses=request.max_uses,
        code_digest=token_digest(normalise(code)),
        code_hint=code[-GROUP:],
        created_by=principal.actor,
    )
    session.add(found)
    session.flush()
    _log(session, principal, found, "authorisation.grant")
    return found, code


def _log(session: Session, principal: Principal, found: Authorisation, action: str) -> None:
    audit.record(
        session,
        principal,
        action,
        target_type="authorisation",
        target_id=found.id,
        subject_ref=subject_ref(get_subject(session, found.subject_id)),
        detail={"grantee": found.grantee_code, "scope": found.scope.value},
    )


def revoke(session: Session, principal: Principal, authorisation_id: int) -> Authorisation:
    """The subject withdraws an authorisation; the code stops working at once."""
    found = session.get(Authorisation, authorisation_id)
    if found is None or found.subject_id != _subject_of(principal):
        raise NotFound(f"授权 {authorisation_id} 不存在", code="authorisation_not_found")
    if found.revoked_at is not None:
        raise Conflict("该授权已撤销", code="already_revoked")
    found.revoked_at = utcnow()
    _log(session, principal, found, "authorisation.revoke")
    return found


def granted_by(session: Session, principal: Principal) -> list[Authorisation]:
    """The subject's authorisations, newest first."""
    return list(
        session.scalars(
            select(Authorisation)
            .where(Authorisation.subject_id == _subject_of(principal))
            .order_by(Authorisation.created_at.desc(), Authorisation.id.desc())
            .limit(100)
        )
    )


def _holder_code(session: Session, principal: Principal) -> str:
    """The code of the organisation or person a third-party account acts as."""
    if principal.role is not Role.THIRD_PARTY or principal.subject_id is None:
        raise Forbidden("只有登记了证件号码的第三方机构账户可以使用授权码", code="not_third_party")
    return get_subject(session, principal.subject_id).code


def _usable(found: Authorisation | None, holder: str, today: date) -> Authorisation:
    """The authorisation if it may be used now by ``holder``, or why not."""
    if found is None:
        raise Refused("授权码无效，请核对后重新输入", "authorisation_invalid")
    if found.revoked_at is not None:
        raise Refused("该授权已被授权人撤销", "authorisation_revoked", found)
    if found.expires_on < today:
        raise Refused(f"该授权已于 {found.expires_on} 到期", "authorisation_expired", found)
    if found.uses >= found.max_uses:
        raise Refused("该授权的查询次数已用完", "authorisation_used_up", found)
    if found.grantee_code != holder:
        raise Refused("该授权码不是授予贵单位的", "not_grantee", found)
    return found


def redeem(session: Session, principal: Principal, code: str, today: date) -> Authorisation:
    """Use one of an authorisation's queries; ``Refused`` says why not (log it with
    ``log_refusal`` in the same transaction, then answer: the refusal must stay recorded)."""
    holder = _holder_code(session, principal)
    found = session.scalar(
        select(Authorisation).where(Authorisation.code_digest == token_digest(normalise(code)))
    )
    usable = _usable(found, holder, today)
    usable.uses += 1
    usable.last_used_at = utcnow()
    _log(session, principal, usable, "authorisation.redeem")
    return usable


def log_refusal(
    session: Session, principal: Principal, refusal: Refused, ip: str | None = None
) -> None:
    """Record a refused attempt, naming the subject when the code was theirs."""
    found = refusal.found
    audit.record(
        session,
        principal,
        "authorisation.refused",
        target_type="authorisation",
        target_id=found.id if found else None,
        subject_ref=subject_ref(get_subject(session, found.subject_id)) if found else None,
        detail={"code": refusal.code},
        ip=ip,
    )


def purpose_of(found: Authorisation) -> str:
    """How the query log states an authorised read: the authorisation and its purpose."""
    return f"{AUTHORISED}（授权 {found.id}，{found.grantee_name}）：{found.purpose}"


def credit_status(
    session: Session, catalog: Catalog, subject: Subject, today: date
) -> CreditStatusView:
    """The subject's credit status: the lists they are on today, nothing more."""
    entries = subject_entries(session, catalog, get_lists(catalog), subject.id)
    return CreditStatusView(
        subject_name=subject.name,
        subject_code=mask_code(subject.code_type, subject.code),
        as_of=today,
        punishment_target=any(e.kind == ListKind.PUNISHMENT for e in entries),
        incentive_target=any(e.kind == ListKind.INCENTIVE for e in entries),
        lists=[ListedOn(name=e.list_name, kind=e.kind, entered_on=e.entered_on) for e in entries],
    )


def answer(
    session: Session,
    principal: Principal,
    issuer: Issuer,
    found: Authorisation,
    today: date,
    ip: str | None = None,
) -> tuple[RedeemView, IssuedReport | None]:
    """What a redeemed authorisation gives: a signed report or the credit status, each
    logged as a read of the subject's data under the authorisation."""
    subject = get_subject(session, found.subject_id)
    purpose = purpose_of(found)
    view = RedeemView(
        authorisation_id=found.id,
        scope=found.scope.value,
        purpose=found.purpose,
        uses_left=found.max_uses - found.uses,
    )
    if found.scope is Scope.REPORT:
        report = reports.issue(session, principal, issuer, subject, today, purpose=purpose, ip=ip)
        view.report_number, view.report = report.number, reports.content_of(report)
        return view, report
    audit.record_read(
        session,
        principal,
        subject_ref(subject),
        purpose=purpose,
        target_type="status",
        target_id=found.id,
        ip=ip,
    )
    view.status = credit_status(session, issuer.catalog, subject, today)
    return view, None
