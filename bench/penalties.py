"""A large 行政处罚 file, as a department would send it (generated once, cached)."""

from __future__ import annotations

import csv
import random
from datetime import date, timedelta
from pathlib import Path

from xinyong.identity.codes import (
    USCC_ALPHABET,
    org_code_check_character,
    ric_check_character,
    uscc_check_character,
)

OUT = Path(__file__).parent / "out"
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
AUTHORITY = ("示范市市场监督管理局", "11440100666055569B")
BAD_SHARE = 0.02


def _ric(rng: random.Random) -> str:
    body = (
        f"4401{rng.randint(1, 18):02d}{rng.randint(1950, 2004)}{rng.randint(1, 12):02d}"
        f"{rng.randint(1, 28):02d}{rng.randrange(1000):03d}"
    )
    return body + ric_check_character(body)


def _uscc(rng: random.Random) -> str:
    org = "".join(rng.choice(USCC_ALPHABET) for _ in range(8))
    first17 = f"914401{rng.randint(1, 18):02d}" + org + org_code_check_character(org)
    return first17 + uscc_check_character(first17)


def penalty_file(rows: int, seed: int = 1) -> Path:
    """The path of a CSV with ``rows`` penalties (~2 % wrong), made on first use."""
    path = OUT / f"penalties-{rows}.csv"
    if path.exists():
        return path
    OUT.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    pool = min(rows, 200_000) // 4 + 1
    people = [(f"测试人{i}", _ric(rng)) for i in range(pool)]
    companies = [(f"示范测试有限公司{i}", _uscc(rng), rng.choice(people)) for i in range(pool)]
    start = date(2023, 1, 1)
    tmp = path.with_suffix(".tmp")
    with tmp.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADERS)
        for n in range(rows):
            decided = start + timedelta(days=n % 1000)
            if rng.random() < 0.6:
                name, uscc, (rep, rep_id) = rng.choice(companies)
                subject = [name, "法人及非法人组织", uscc, rep, rep_id, "", ""]
            else:
                name, ric = rng.choice(people)
                subject = [name, "自然人", "", "", "", "身份证", ric]
            row = [
                *subject,
                f"示市监罚〔{decided.year}〕{n}号",
                "虚假宣传",
                "经查，当事人在其经营场所发布含有虚假内容的宣传材料，误导消费者。",
                "《中华人民共和国反不正当竞争法》第二十条",
                "罚款",
                "罚款人民币壹万元整。",
                f"{rng.randint(1, 50)}",
                decided.isoformat(),
                (decided + timedelta(days=180)).isoformat(),
                (decided + timedelta(days=365)).isoformat(),
                AUTHORITY[0],
                AUTHORITY[1],
                AUTHORITY[0],
                AUTHORITY[1],
            ]
            if rng.random() < BAD_SHARE:
                row[14] = "2024-13-45"
            writer.writerow(row)
    tmp.rename(path)
    return path
