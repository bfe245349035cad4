"""Factories for test data, written through the same services the platform uses."""

from __future__ import annotations

import itertools
import re

from fastapi.testclient import TestClient

from xinyong.accounts import service as accounts
from xinyong.accounts import tokens
from xinyong.accounts.models import Department, User
from xinyong.accounts.schemas import ApiKeyCreate, UserCreate
from xinyong.core.db import Database
from xinyong.core.security import Principal, Role
from xinyong.identity.codes import (
    org_code_check_character,
    ric_check_character,
    uscc_check_character,
)

ADMIN = Principal(kind="cli", id=None, name="tests", role=Role.PLATFORM_ADMIN)
PASSWORD = "correct horse battery"
_counter = itertools.count(1)


def make_ric(birth: str = "19900101", address: str = "110105", sequence: int | None = None) -> str:
    """A valid 18-digit ID number."""
    body = f"{address}{birth}{(sequence or next(_counter)) % 1000:03d}"
    return body + ric_check_character(body)


def make_uscc(body: str | None = None, prefix: str = "91440100") -> str:
    """A valid USCC (with a valid organisation-code check character)."""
    org = body or f"{next(_counter):08d}"
    first17 = prefix + org + org_code_check_character(org)
    return first17 + uscc_check_character(first17)


class Factory:
    """Creates departments, users and API keys in a test database."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def department(self, code: str | None = None) -> Department:
        """A department with a valid USCC."""
        code = code or f"D{next(_counter)}"
        with self.db.writing() as session:
            department = Department(
                code=code, name=f"测试部门{code}", uscc=make_uscc(prefix="11440100")
            )
            session.add(department)
        return department

    def user(
        self, role: Role, department_code: str | None = None, subject_code: str | None = None
    ) -> User:
        """A user with ``PASSWORD``; staff roles that need one get a department, a citizen
        a subject (a fresh ID number unless ``subject_code`` is given), a third party its own
        organisation (a fresh USCC)."""
        if role.needs_department and department_code is None:
            department_code = self.department().code
        number = next(_counter)
        if role is Role.CITIZEN and subject_code is None:
            subject_code = make_ric()
        if role is Role.THIRD_PARTY and subject_code is None:
            subject_code = make_uscc()
        with self.db.writing() as session:
            return accounts.create_user(
                session,
                ADMIN,
                UserCreate(
                    username=f"{role.value}{number}",
                    display_name=f"测试{role.label}",
                    password=PASSWORD,
                    role=role,
                    department_code=department_code,
                    subject_code=subject_code,
                ),
            )

    def api_key(self, role: Role = Role.SUBMITTER, department_code: str | None = None) -> str:
        """A fresh API key's secret."""
        department_code = department_code or self.department().code
        with self.db.writing() as session:
            _, key = tokens.issue_api_key(
                session,
                ADMIN,
                ApiKeyCreate(name="test system", department_code=department_code, role=role),
            )
        return key


def csrf_from(client: TestClient) -> str:
    """The CSRF token of the client's browser, read off a page as a browser would."""
    page = client.get("/login")
    match = re.search(r'name="csrf_token" value="([0-9a-f]+)"', page.text)
    assert match, "login page carries a CSRF token"
    return match.group(1)


def login(client: TestClient, user: User, password: str = PASSWORD) -> str:
    """Log ``client`` in through the form; returns the CSRF token for later requests."""
    token = csrf_from(client)
    response = client.post(
        "/login",
        data={"username": user.username, "password": password, "csrf_token": token},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return token
