"""Penalty rows and files as departments send them, for the collection tests."""

from __future__ import annotations

import csv
import json
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import xlsxwriter

from tests.factories import make_ric, make_uscc

AUTHORITY = make_uscc(prefix="11440100")
HEADERS = [
    "行政相对人名称",
    "行政相对人类别",
    "统一社会信用代码",
    "法定代表人",
    "法定代表人证件号码",
    "证件类型",
    "证件号码",
    "行政处罚决定书文号",
    "违法行为类型",
    "违法事实",
    "处罚依据",
    "处罚类别",
    "处罚内容",
    "罚款金额（万元）",
    "处罚决定日期",
    "处罚有效期",
    "公示截止期",
    "处罚机关",
    "处罚机关统一社会信用代码",
    "数据来源单位",
    "数据来源单位统一社会信用代码",
]


def company_row(number: int, **changes: Any) -> dict[str, Any]:
    """A valid penalty of an organisation with its legal representative."""
    row = {
        "行政相对人名称": f"示范贸易有限公司{number}",
        "行政相对人类别": "法人及非法人组织",
        "统一社会信用代码": make_uscc(f"MA{number:06d}"),
        "法定代表人": f"王{number}",
        "法定代表人证件号码": make_ric("19800101", sequence=number),
        "证件类型": "",
        "证件号码": "",
        "行政处罚决定书文号": f"示市监罚〔2025〕{number}号",
        "违法行为类型": "虚假宣传",
        "违法事实": "在网店发布虚假宣传内容",
        "处罚依据": "《中华人民共和国反不正当竞争法》第二十条",
        "处罚类别": "罚款",
        "处罚内容": "罚款人民币五万元",
        "罚款金额（万元）": "5",
        "处罚决定日期": "2025-06-01",
        "处罚有效期": "2025-12-01",
        "公示截止期": "2026-06-01",
        "处罚机关": "示范市市场监督管理局",
        "处罚机关统一社会信用代码": AUTHORITY,
        "数据来源单位": "示范市市场监督管理局",
        "数据来源单位统一社会信用代码": AUTHORITY,
    }
    row.update(changes)
    return row


def person_row(number: int, **changes: Any) -> dict[str, Any]:
    """A valid penalty of a natural person."""
    return company_row(
        number,
        **{
            "行政相对人名称": f"李{number}",
            "行政相对人类别": "自然人",
            "统一社会信用代码": "",
            "法定代表人": "",
            "法定代表人证件号码": "",
            "证件类型": "身份证",
            "证件号码": make_ric("19900101", sequence=number),
            **changes,
        },
    )


def write_csv(
    path: Path,
    rows: list[dict[str, Any]],
    encoding: str = "utf-8",
    headers: list[str] | None = None,
) -> Path:
    """Rows as a CSV file in ``encoding``."""
    columns = headers or list(rows[0])
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        for row in rows:
            writer.writerow([row.get(c, "") for c in columns])
    return path


def write_jsonl(path: Path, rows: list[dict[str, Any]]) -> Path:
    """Rows as JSON Lines."""
    path.write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8"
    )
    return path


def write_xlsx(
    path: Path, rows: list[dict[str, Any]], sheet: str = "Sheet1", date_cells: bool = True
) -> Path:
    """Rows as an XLSX workbook; dates as real date cells when ``date_cells``."""
    workbook = xlsxwriter.Workbook(str(path))
    if sheet != "Sheet1":
        workbook.add_worksheet("说明").write(0, 0, "第一个工作表不是数据")
    data = workbook.add_worksheet(sheet)
    date_format = workbook.add_format({"num_format": "yyyy-mm-dd"})
    columns = list(rows[0])
    data.write_row(0, 0, columns)
    for r, row in enumerate(rows, start=1):
        for c, name in enumerate(columns):
            value = row[name]
            if date_cells and name.endswith(("日期", "有效期", "截止期")) and value:
                moment = datetime.combine(date.fromisoformat(value), time())
                data.write_datetime(r, c, moment, date_format)
            else:
                data.write(r, c, value)
    workbook.close()
    return path
