"""A small city of public penalties shared by the portal and archive tests."""

from __future__ import annotations

import re
from pathlib import Path

from tests.factories import Factory, make_ric
from tests.ingest_data import HEADERS, company_row, person_row, write_csv
from tests.test_ingest import TODAY, submit
from xinyong.archive.public import Publication
from xinyong.catalog.loader import get_catalog
from xinyong.core.db import Database
from xinyong.identity.codes import check_ric

FULL_ID = re.compile(r"(?<![0-9A-Z])\d{17}[\dX](?![0-9A-Z])")
COMPANY = company_row(1)["统一社会信用代码"]
NUMBER = re.compile(r"XY\d{8}-[0-9A-Z]{10}")  # a credit report's number


def rules(*, persons: bool = True, review_first: bool = False) -> Publication:
    """The publication rules as of the tests' fixed day."""
    return Publication(get_catalog(), persons, TODAY, review_first)


def recent(row: dict[str, str]) -> dict[str, str]:
    """Decided this year, shown for the rule's year (no deadline of its own)."""
    return {**row, "处罚决定日期": "2026-06-01", "处罚有效期": "2026-12-01", "公示截止期": ""}


def make_city(db: Database, factory: Factory, tmp_path: Path) -> str:
    """A department's penalties: companies, an adult, a minor, one past its period."""
    department = factory.department().code
    rows = [
        recent(company_row(1)),
        company_row(2, 行政相对人名称="青山建材厂", 处罚决定日期="2026-03-01", 公示截止期=""),
        company_row(3, 处罚决定日期="2024-01-05", 公示截止期="", 处罚有效期="2024-06-01"),
        recent(person_row(4)),
        recent(person_row(5, 证件号码=make_ric("20100601", sequence=5))),
    ]
    submit(db, write_csv(tmp_path / "p.csv", rows), department)
    return department


def full_id_numbers(page: str) -> list[str]:
    """Valid 18-digit ID numbers in a page (an all-digit USCC of a government body is not)."""
    return [m for m in FULL_ID.findall(page) if check_ric(m).valid]


SEVERITY = "违法行为严重程度"
SERIOUS = {**recent(company_row(1)), SEVERITY: "严重"}
COLUMNS = [*HEADERS, SEVERITY]


def make_listed(db: Database, factory: Factory, tmp_path: Path) -> str:
    """A serious penalty of company 1 (on the serious dishonesty list, reaching its legal
    representative 王1) and a general one of company 2 (on no list)."""
    department = factory.department().code
    rows = [SERIOUS, {**recent(company_row(2)), SEVERITY: "一般"}]
    submit(db, write_csv(tmp_path / "listed.csv", rows, headers=COLUMNS), department)
    return department
