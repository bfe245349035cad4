"""Who is asking: roles, the principal behind a request, and token helpers."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    """What a user or API key may do; each route names the roles it admits."""

    PLATFORM_ADMIN = "platform_admin"  # 平台管理员
    REVIEWER = "reviewer"  # 信用中心审核员
    SUBMITTER = "submitter"  # 部门报送员
    CHECKER = "checker"  # 部门核查员（联合奖惩实施）
    AUDITOR = "auditor"  # 审计员
    CITIZEN = "citizen"  # 信用主体（公民 / 企业）
    THIRD_PARTY = "third_party"  # 经授权的第三方
    EXCHANGE = "exchange"  # 上下级信用平台的交换节点（API 密钥）

    @property
    def label(self) -> str:
        """The Chinese name of the role."""
        return ROLE_LABELS[self]

    @property
    def needs_department(self) -> bool:
        """Department staff act for exactly one department."""
        return self in (Role.SUBMITTER, Role.CHECKER)


ROLE_LABELS = {
    Role.PLATFORM_ADMIN: "平台管理员",
    Role.REVIEWER: "信用中心审核员",
    Role.SUBMITTER: "部门报送员",
    Role.CHECKER: "部门核查员",
    Role.AUDITOR: "审计员",
    Role.CITIZEN: "信用主体",
    Role.THIRD_PARTY: "第三方机构",
    Role.EXCHANGE: "信用平台交换节点",
}

STAFF_ROLES = frozenset(
    {Role.PLATFORM_ADMIN, Role.REVIEWER, Role.SUBMITTER, Role.CHECKER, Role.AUDITOR}
)
# Roles an API key (a department's system) may carry.
API_KEY_ROLES = frozenset({Role.SUBMITTER, Role.CHECKER, Role.EXCHANGE})


@dataclass(frozen=True)
class Principal:
    """The authenticated party behind a request (a user, an API key) or nobody."""

    kind: str  # "user", "api_key", "cli" or "anonymous"
    id: int | None
    name: str
    role: Role | None
    department_code: str | None = None
    subject_id: int | None = None
    display_name: str | None = None

    @property
    def label(self) -> str:
        """How pages greet this principal."""
        return self.display_name or self.name

    @property
    def actor(self) -> str:
        """How the audit trail names this principal."""
        return f"{self.kind}:{self.name}"

    @property
    def authenticated(self) -> bool:
        """Whether anyone is logged in."""
        return self.role is not None


ANONYMOUS = Principal(kind="anonymous", id=None, name="anonymous", role=None)


def new_token(nbytes: int = 32) -> str:
    """A URL-safe random token."""
    return secrets.token_urlsafe(nbytes)


def token_digest(token: str) -> str:
    """SHA-256 of a high-entropy token, the form in which tokens are stored."""
    return hashlib.sha256(token.encode()).hexdigest()


def sign(secret: str, message: str) -> str:
    """HMAC-SHA256 of ``message`` under ``secret``, hex."""
    return hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()


def same(a: str, b: str) -> bool:
    """Constant-time comparison."""
    return hmac.compare_digest(a.encode(), b.encode())
