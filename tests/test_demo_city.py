"""The demo city: realistic, valid by default, about 2 % wrong, loaded through the pipeline."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlalchemy import func, select

from tests.factories import ADMIN
from xinyong.accounts import service as accounts
from xinyong.catalog.loader import get_catalog
from xinyong.core.db import Database
from xinyong.demo.city import build_city, load_city
from xinyong.demo.people import Population
from xinyong.identity.codes import check_ric, check_uscc
from xinyong.identity.models import SubjectRelation


def test_people_and_organisations_carry_valid_codes() -> None:
    population = Population(7)
    people = [population.person() for _ in range(200)]
    assert all(check_ric(p.ric).valid and not check_ric(p.ric).warnings for p in people)
    assert len({p.ric for p in people}) == 200
    companies = [population.organisation(people[0]) for _ in range(50)]
    assert all(check_uscc(c.uscc).valid and not check_uscc(c.uscc).warnings for c in companies)


def test_the_same_seed_makes_the_same_city(tmp_path: Path) -> None:
    departments = {"SCJG": ("示范市市场监督管理局", "11440100666055569B")}
    first = build_city(
        get_catalog(),
        departments,
        tmp_path / "a",
        persons=30,
        organisations=10,
        records=50,
        seed=3,
        today=date(2026, 11, 21),
    )
    second = build_city(
        get_catalog(),
        departments,
        tmp_path / "b",
        persons=30,
        organisations=10,
        records=50,
        seed=3,
        today=date(2026, 11, 21),
    )
    assert [f.path.read_bytes() for f in first] == [f.path.read_bytes() for f in second]


def test_the_city_loads_through_the_pipeline(db: Database, tmp_path: Path) -> None:
    with db.writing() as session:
        accounts.load_departments(session, ADMIN)
        departments = {d.code: (d.name, d.uscc) for d in accounts.list_departments(session)}
    files = build_city(
        get_catalog(), departments, tmp_path, persons=200, organisations=60, records=1500, seed=11
    )
    assert {f.path.suffix for f in files} <= {".csv", ".xlsx"}
    batches = load_city(db, get_catalog(), ADMIN, files)
    read = sum(b.rows_read for b in batches)
    rejected = sum(b.rows_rejected for b in batches)
    assert sum(b.rows_accepted for b in batches) + rejected == read
    assert 0.005 < rejected / read < 0.05  # about 2 % bad rows, by design
    assert len({b.dataset_code for b in batches}) >= 10
    with db.reading() as session:
        assert (session.scalar(select(func.count()).select_from(SubjectRelation)) or 0) > 10
