"""The demo city: people, organisations and records, written as the files departments would
send (CSV in UTF-8 or GBK, XLSX), ~2 % of rows wrong the way real rows are wrong, and
ingested through the same pipeline as any submission.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import xlsxwriter

from xinyong.catalog.definitions import Dataset, FieldDefinition, FieldRole, FieldType
from xinyong.catalog.loader import Catalog
from xinyong.core.db import Database, refresh_statistics
from xinyong.core.security import Principal
from xinyong.demo import DEMO_ORGANISATIONS
from xinyong.demo.people import Organisation, Person, Population
from xinyong.identity.codes import check_ric
from xinyong.ingest.models import Batch, Channel
from xinyong.ingest.service import Submission, ingest

BAD_SHARE = 0.02
FIXED_CREATED = datetime(2026, 1, 1)
# Departments that decide penalties and licences, for datasets any department may send.
ENFORCEMENT = (
    "SCJG",
    "STHJ",
    "YJJ",
    "XFZD",
    "ZJJ",
    "WJW",
    "JTJ",
    "CGJ",
    "GTJ",
    "NYJ",
    "SLJ",
    "WGLJ",
    "SWUJ",
    "YBJ",
    "GAJ",
    "RSJ",
)
WEIGHTS = {
    "XZCF": 30,
    "XZXK": 30,
    "XYCN": 6,
    "BZRY": 4,
    "JYYCML": 5,
    "SXBZXR": 3,
    "YZSXZT": 2,
    "NSXYA": 3,
    "ZYFW": 4,
    "CSJZ": 3,
    "ZYZG": 4,
    "XSCX": 2,
    "QXXX": 2,
    "JTWF": 2,
}
# Realistic values for the free-text fields that people read most.
PHRASES: dict[str, tuple[str, ...]] = {
    "CF_WFXW": (
        "虚假宣传",
        "无证经营",
        "超标排放大气污染物",
        "未按规定落实安全生产责任",
        "销售不合格产品",
        "消防设施未保持完好有效",
        "违法占用道路",
        "未取得施工许可证擅自施工",
    ),
    "CF_SY": (
        "经查，当事人在其经营场所发布含有虚假内容的宣传材料，误导消费者。",
        "经查，当事人未取得相关许可即从事经营活动。",
        "经执法检查，当事人排放的大气污染物浓度超过国家规定的排放标准。",
        "经检查，当事人未按规定对从业人员进行安全生产教育和培训。",
    ),
    "CF_YJ": (
        "《中华人民共和国反不正当竞争法》第二十条",
        "《中华人民共和国大气污染防治法》第九十九条",
        "《中华人民共和国安全生产法》第九十七条",
        "《中华人民共和国消防法》第六十条",
    ),
    "CF_CFLB": ("罚款", "警告", "罚款;没收违法所得、没收非法财物", "责令停产停业"),
    "CF_NR": ("罚款人民币壹万元整。", "警告，并责令限期改正。", "罚款人民币伍万元，没收违法所得。"),
    "XK_XKWS": ("准予行政许可决定书", "准予变更登记通知书"),
    "XK_NR": (
        "食品经营许可（预包装食品销售）",
        "排污许可",
        "建筑工程施工许可",
        "道路运输经营许可",
        "公共场所卫生许可",
        "医疗机构执业许可",
    ),
    "RY_RYMC": ("守合同重信用企业", "诚信经营示范单位", "文明单位", "优秀志愿者", "劳动模范"),
    "YZ_LRSY": ("拒不履行生效法律文书确定的义务", "发生重大安全生产责任事故", "严重违法失信行为"),
    "CN_CNSX": (
        "承诺所提交材料真实有效，如有不实愿承担相应责任。",
        "承诺在规定期限内补齐申请材料。",
    ),
}


@dataclass(frozen=True)
class CityFile:
    """One file as a department would send it."""

    path: Path
    dataset_code: str
    department_code: str
    rows: int


class RecordMaker:
    """Makes rows for any dataset from its field definitions (roles and types)."""

    def __init__(
        self,
        population: Population,
        people: list[Person],
        organisations: list[Organisation],
        departments: dict[str, tuple[str, str]],
        today: date,
    ) -> None:
        self.population = population
        self.rng = population.rng
        self.people = people
        self.adults = [p for p in people if (today - p.born).days >= 18 * 366]
        self.organisations = organisations
        self.departments = departments  # code -> (name, uscc)
        self.today = today
        self.serial = 0
        self.keys: dict[str, set[tuple[Any, ...]]] = defaultdict(set)
        self.forced: Person | Organisation | None = None  # the next rows' subject, if set

    def _subject(self, dataset: Dataset) -> Person | Organisation:
        if self.forced is not None:
            return self.forced
        kinds = {k.value for k in dataset.subject_kinds}
        if "organisation" in kinds and ("person" not in kinds or self.rng.random() < 0.7):
            return self.rng.choice(self.organisations)
        return self.rng.choice(self.adults)

    def _value(self, item: FieldDefinition, context: dict[str, Any], tables: Catalog) -> Any:
        subject, department = context["subject"], context["department"]
        person = subject if isinstance(subject, Person) else None
        org = subject if isinstance(subject, Organisation) else None
        decided: date = context["decided"]
        by_role: dict[FieldRole, Callable[[], Any]] = {
            FieldRole.SUBJECT_NAME: lambda: subject.name,
            FieldRole.SUBJECT_CATEGORY: lambda: "法人及非法人组织" if org else "自然人",
            FieldRole.SUBJECT_USCC: lambda: org.uscc if org else "",
            FieldRole.SUBJECT_ID_TYPE: lambda: "身份证" if person else "",
            FieldRole.SUBJECT_ID_NUMBER: lambda: person.ric if person else "",
            FieldRole.LEGAL_REP_NAME: lambda: org.representative.name if org else "",
            FieldRole.LEGAL_REP_ID_TYPE: lambda: "身份证" if org else "",
            FieldRole.LEGAL_REP_ID_NUMBER: lambda: org.representative.ric if org else "",
            FieldRole.DOCUMENT_NUMBER: lambda: context["document"],
            FieldRole.AUTHORITY_NAME: lambda: self.departments[department][0],
            FieldRole.AUTHORITY_USCC: lambda: self.departments[department][1],
            FieldRole.SOURCE_NAME: lambda: self.departments[department][0],
            FieldRole.SOURCE_USCC: lambda: self.departments[department][1],
            FieldRole.DECISION_DATE: lambda: decided.isoformat(),
            FieldRole.DISPLAY_UNTIL: lambda: (decided + timedelta(days=365)).isoformat(),
            FieldRole.VALID_FROM: lambda: decided.isoformat(),
            FieldRole.VALID_UNTIL: lambda: (
                decided + timedelta(days=365 * self.rng.randint(1, 5))
            ).isoformat(),
            FieldRole.SEVERITY: lambda: "严重" if self.rng.random() < 0.1 else "一般",
        }
        if item.role in by_role:
            return by_role[item.role]()
        if item.code in PHRASES:
            return self.rng.choice(PHRASES[item.code])
        if item.type is FieldType.ENUM:
            assert item.code_table is not None
            return self.rng.choice(tables.code_tables[item.code_table].values).name
        if item.type is FieldType.DATE:
            return (decided - timedelta(days=self.rng.randint(0, 60))).isoformat()
        if item.type is FieldType.DECIMAL:
            return f"{self.rng.uniform(0.1, 50):.2f}"
        if item.type is FieldType.INTEGER:
            return str(decided.year - 1 if "ND" in item.code else self.rng.randint(1, 80))
        if not item.required and self.rng.random() < 0.6:
            return ""
        text = self.population.fake.sentence()
        return text[: item.max_length] if item.max_length else text

    def row(self, dataset: Dataset, department: str, tables: Catalog) -> dict[str, Any] | None:
        """A valid row, or None when no unused business key turned up."""
        for _ in range(5):
            self.serial += 1
            # The demo's own subjects have recent records, still on display.
            span = 90 if self.forced is not None else 3 * 365
            decided = self.today - timedelta(days=self.rng.randint(1, span))
            context = {
                "subject": self._subject(dataset),
                "department": department,
                "decided": decided,
                "document": f"示{department}〔{decided.year}〕{self.serial}号",
            }
            row = {f.name: self._value(f, context, tables) for f in dataset.fields}
            names = {f.code: f.name for f in dataset.fields}
            key = tuple(row[names[k]] for k in dataset.business_key)
            if key not in self.keys[dataset.code]:
                self.keys[dataset.code].add(key)
                return row
        return None

    def spoil(self, dataset: Dataset, row: dict[str, Any]) -> None:
        """Make a row wrong the way real rows are wrong."""
        names = {f.role: f.name for f in dataset.fields if f.role}
        choice = self.rng.randrange(4)
        number = names.get(FieldRole.SUBJECT_ID_NUMBER)
        if choice == 0 and number and row.get(number):
            last = row[number][-1]
            row[number] = row[number][:-1] + ("0" if last != "0" else "1")
        elif choice == 1:
            row[names[FieldRole.DECISION_DATE]] = "2024-13-45"
        elif choice == 2:
            required = [f.name for f in dataset.fields if f.required and f.role is None]
            if required:
                row[self.rng.choice(required)] = ""
        else:
            row[names[FieldRole.DECISION_DATE]] = (self.today + timedelta(days=30)).isoformat()


def _write(path: Path, rows: list[dict[str, Any]], kind: str) -> Path:
    columns = list(rows[0])
    if kind == "xlsx":
        path = path.with_suffix(".xlsx")
        workbook = xlsxwriter.Workbook(str(path), {"constant_memory": True})
        workbook.set_properties({"created": FIXED_CREATED})  # same seed, same bytes
        sheet = workbook.add_worksheet("数据")
        sheet.write_row(0, 0, columns)
        for r, row in enumerate(rows, start=1):
            sheet.write_row(r, 0, [row[c] for c in columns])
        workbook.close()
        return path
    encoding = "gb18030" if kind == "gbk" else "utf-8"
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        writer.writerows([row[c] for c in columns] for row in rows)
    return path


# What the demo's own subjects (the demo citizen, the demo companies) have on file, so
# their archive and report have something in every kind of section.
FEATURED_DATASETS = {
    "person": ("XZXK", "ZYZG", "ZYFW", "XYCN"),
    "organisation": ("XZXK", "XZCF", "XYCN", "BZRY", "NSXYA"),
}


def _source(dataset: Dataset, departments: dict[str, tuple[str, str]], rng: Any) -> str | None:
    """A department that may submit ``dataset``."""
    sources = [d for d in dataset.source_departments if d in departments]
    if "*" in dataset.source_departments:
        sources = [d for d in ENFORCEMENT if d in departments]
    return rng.choice(sources) if sources else None


def demo_subjects() -> list[Person | Organisation]:
    """The demo's own organisations and their representatives (the demo citizen among them)."""
    featured: list[Person | Organisation] = []
    for uscc, name, rep_id, rep_name in DEMO_ORGANISATIONS:
        born = check_ric(rep_id).birth_date
        assert born is not None  # the constants are valid ID numbers
        person = Person(rep_name, rep_id, born)
        featured += [person, Organisation(name, uscc, person)]
    return featured


def build_city(
    catalog: Catalog,
    departments: dict[str, tuple[str, str]],
    out: Path,
    *,
    persons: int,
    organisations: int,
    records: int,
    seed: int,
    today: date | None = None,
    featured: Sequence[Person | Organisation] = (),
) -> list[CityFile]:
    """Generate the city and write one file per (department, dataset); each ``featured``
    subject gets one clean record of each kind in FEATURED_DATASETS."""
    population = Population(seed)
    people = [population.person() for _ in range(persons)]
    # A few young people, so the adults-only rule has something to refuse.
    young = [population.person(2009, 2012) for _ in range(max(1, persons // 200))]
    companies = [
        population.organisation(population.rng.choice(people)) for _ in range(organisations)
    ]
    maker = RecordMaker(population, people + young, companies, departments, today or date.today())
    rng = population.rng
    codes = [c for c in WEIGHTS if c in catalog.datasets]
    grouped: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for _ in range(records):
        dataset = catalog.datasets[rng.choices(codes, weights=[WEIGHTS[c] for c in codes])[0]]
        department = _source(dataset, departments, rng)
        if department is None:
            continue
        row = maker.row(dataset, department, catalog)
        if row is None:
            continue
        if rng.random() < BAD_SHARE:
            maker.spoil(dataset, row)
        grouped[(department, dataset.code)].append(row)
    for subject in featured:
        maker.forced = subject
        kind = "organisation" if isinstance(subject, Organisation) else "person"
        for code in FEATURED_DATASETS[kind]:
            dataset = catalog.datasets[code]
            department = _source(dataset, departments, rng)
            row = maker.row(dataset, department, catalog) if department else None
            if department and row:
                grouped[(department, code)].append(row)
    maker.forced = None
    files = []
    for (department, code), rows in sorted(grouped.items()):
        folder = out / department
        folder.mkdir(parents=True, exist_ok=True)
        kind = rng.choices(["csv", "gbk", "xlsx"], weights=[8, 1, 1])[0]
        path = _write(folder / f"{code}.csv", rows, kind)
        files.append(CityFile(path, code, department, len(rows)))
    return files


def load_city(
    database: Database,
    catalog: Catalog,
    principal: Principal,
    files: list[CityFile],
    progress: Callable[[CityFile], None] | None = None,
) -> list[Batch]:
    """Submit every file through the collection pipeline, as its department would."""
    batches = []
    for item in files:
        submission = Submission(
            item.path, item.path.name, item.dataset_code, item.department_code, Channel.DEMO
        )
        batches.append(ingest(database, catalog, principal, submission))
        if progress:
            progress(item)
    with database.writing() as session:
        refresh_statistics(session)  # the planner's view of the freshly loaded city
    return batches
