"""The catalog: shipped datasets, validation of catalog files, versioned sync."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select

from xinyong.catalog.definitions import FieldRole, Openness
from xinyong.catalog.loader import PACKAGED_CATALOG, load_catalog
from xinyong.catalog.models import CatalogDataset, CatalogDatasetVersion
from xinyong.catalog.service import sync_catalog
from xinyong.core.db import Database
from xinyong.core.errors import ConfigurationError

# standards.md, 双公示: every field code of the penalty and licensing records.
PENALTY_FIELDS = [
    "CF_XDR_MC",
    "CF_XDR_LB",
    "CF_XDR_SHXYM",
    "CF_XDR_GSZC",
    "CF_XDR_ZZJG",
    "CF_XDR_SWDJ",
    "CF_XDR_SYDW",
    "CF_XDR_SHZZ",
    "CF_FRDB",
    "CF_FR_ZJLX",
    "CF_FR_SFZH",
    "CF_XDR_ZJLX",
    "CF_XDR_ZJHM",
    "CF_WSH",
    "CF_WFXW",
    "CF_SY",
    "CF_YJ",
    "CF_CFLB",
    "CF_NR",
    "CF_NR_FK",
    "CF_NR_WFFF",
    "CF_NR_ZKDX",
    "CF_JDRQ",
    "CF_YXQ",
    "CF_GSJZQ",
    "CF_CFJG",
    "CF_CFJGDM",
    "CF_SJLY",
    "CF_SJLYDM",
    "BZ",
]
LICENCE_FIELDS = [
    "XK_XDR_MC",
    "XK_XDR_LB",
    "XK_XDR_SHXYM",
    "XK_XDR_GSZC",
    "XK_XDR_ZZJG",
    "XK_XDR_SWDJ",
    "XK_XDR_SYDW",
    "XK_XDR_SHZZ",
    "XK_FRDB",
    "XK_FR_ZJLX",
    "XK_FR_SFZH",
    "XK_XDR_ZJLX",
    "XK_XDR_ZJHM",
    "XK_XKWS",
    "XK_WSH",
    "XK_XKLB",
    "XK_XKZS",
    "XK_XKBH",
    "XK_NR",
    "XK_JDRQ",
    "XK_YXQZ",
    "XK_YXQZI",
    "XK_XKJG",
    "XK_XKJGDM",
    "XK_ZT",
    "XK_SJLY",
    "XK_SJLYDM",
    "BZ",
]
REQUIRED_DATASETS = {
    "XZXK": "行政许可",
    "XZCF": "行政处罚",
    "SXBZXR": "失信被执行人",
    "YZSXZT": "严重失信主体名单",
    "JYYCML": "经营异常名录",
    "NSXYA": "纳税信用A级纳税人",
    "BZRY": "表彰荣誉",
    "ZYFW": "志愿服务",
    "CSJZ": "慈善捐助",
    "ZYZG": "执业资格",
    "XYCN": "信用承诺及履约",
    "XSCX": "学生诚信档案",
    "QXXX": "拖欠农民工工资",
    "JTWF": "严重交通违法",
}


def test_shipped_catalog_has_the_required_datasets() -> None:
    catalog = load_catalog()
    assert {code: catalog.datasets[code].name for code in REQUIRED_DATASETS} == REQUIRED_DATASETS


@pytest.mark.parametrize(("code", "fields"), [("XZCF", PENALTY_FIELDS), ("XZXK", LICENCE_FIELDS)])
def test_double_publicity_datasets_carry_every_standard_field(code: str, fields: list[str]) -> None:
    dataset = load_catalog().datasets[code]
    assert set(fields) <= {f.code for f in dataset.fields}
    assert dataset.openness is Openness.PUBLIC


def test_business_keys_are_document_number_and_authority() -> None:
    catalog = load_catalog()
    assert catalog.datasets["XZCF"].business_key == ("CF_WSH", "CF_CFJGDM")
    assert catalog.datasets["XZXK"].business_key == ("XK_WSH", "XK_XKJGDM")


def test_every_dataset_names_its_subject_and_date() -> None:
    for dataset in load_catalog().datasets.values():
        assert dataset.field_by_role(FieldRole.SUBJECT_NAME) is not None, dataset.code
        assert dataset.field_by_role(FieldRole.DECISION_DATE) is not None, dataset.code
        assert dataset.legal_basis, dataset.code


def test_student_records_are_for_adults_only() -> None:
    assert load_catalog().datasets["XSCX"].min_subject_age == 18


def test_personal_id_numbers_are_never_public_fields_of_non_public_datasets() -> None:
    for dataset in load_catalog().datasets.values():
        if dataset.openness is not Openness.PUBLIC:
            continue
        for role in (FieldRole.LEGAL_REP_ID_NUMBER,):
            found = dataset.field_by_role(role)
            assert found is None or not found.public, dataset.code


def _copy_catalog(tmp_path: Path) -> Path:
    target = tmp_path / "catalog"
    shutil.copytree(PACKAGED_CATALOG, target)
    return target


def _edit(path: Path, change: dict[str, object]) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data.update(change)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"colour": "red"}, "Extra inputs are not permitted"),
        ({"business_key": ["NOPE"]}, "business key NOPE is not a field"),
        ({"severity": None}, "severity is set exactly when polarity is negative"),
        ({"openness": "secret"}, "openness"),
        (
            {"display_period": {"kind": "decision_range", "policy": "nope"}},
            "unknown display-period",
        ),
    ],
)
def test_bad_catalog_files_stop_loading(
    tmp_path: Path, change: dict[str, object], message: str
) -> None:
    directory = _copy_catalog(tmp_path)
    _edit(directory / "datasets" / "XZCF.yaml", change)
    with pytest.raises(ConfigurationError, match=message):
        load_catalog(directory)


def test_unknown_code_table_stops_loading(tmp_path: Path) -> None:
    directory = _copy_catalog(tmp_path)
    path = directory / "datasets" / "XZCF.yaml"
    path.write_text(
        path.read_text(encoding="utf-8")
        .replace("code_table: penalty_type", "code_table: nope")
        .replace("code_table: subject_category", "code_table: nope"),
        encoding="utf-8",
    )
    with pytest.raises(ConfigurationError, match="unknown code table nope"):
        load_catalog(directory)


def test_sync_records_datasets_and_their_versions(db: Database) -> None:
    catalog = load_catalog()
    with db.writing() as session:
        sync_catalog(session, catalog)  # idempotent after start-up's sync
        codes = set(session.scalars(select(CatalogDataset.code)))
        versions = session.scalars(select(CatalogDatasetVersion.dataset_code)).all()
    assert codes == set(catalog.datasets)
    assert sorted(versions) == sorted(catalog.datasets)


def test_changing_a_dataset_requires_a_new_version(db: Database, tmp_path: Path) -> None:
    with db.writing() as session:
        sync_catalog(session, load_catalog())
    directory = _copy_catalog(tmp_path)
    _edit(directory / "datasets" / "XZCF.yaml", {"description": "改过的说明"})
    with pytest.raises(ConfigurationError, match="bump its version"), db.writing() as session:
        sync_catalog(session, load_catalog(directory))
    _edit(directory / "datasets" / "XZCF.yaml", {"version": 2})
    with db.writing() as session:
        report = sync_catalog(session, load_catalog(directory))
        stored = session.get(CatalogDataset, "XZCF")
        assert stored is not None
        assert stored.version == 2
        assert report.upgraded == ["XZCF"]


def test_a_dataset_removed_from_the_files_is_retired(db: Database, tmp_path: Path) -> None:
    with db.writing() as session:
        sync_catalog(session, load_catalog())
    directory = _copy_catalog(tmp_path)
    (directory / "datasets" / "JTWF.yaml").unlink()
    with db.writing() as session:
        report = sync_catalog(session, load_catalog(directory))
        stored = session.get(CatalogDataset, "JTWF")
    assert report.retired == ["JTWF"]
    assert stored is not None
    assert not stored.active
