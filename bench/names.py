"""The people and organisations of a benchmark city, with names as varied as real ones.

Company names are place + trade name (字号) + industry + form, each part drawn with
Zipf-like or measured-looking weights, so that character pairs are as unevenly common as
in real registers (``贸易`` in one name in ten, most trade names rare). Person names are a
surname by its frequency and a one- or two-character given name. Codes are valid.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import date, timedelta

import polars as pl

from xinyong.demo.people import address_codes
from xinyong.identity.codes import (
    USCC_ALPHABET,
    org_code_check_character,
    ric_check_character,
    uscc_check_character,
)

# The most common surnames, by share of the population (%), most common first.
SURNAMES = {
    "王": 7.1, "李": 7.0, "张": 6.7, "刘": 5.4, "陈": 4.5, "杨": 3.1, "黄": 2.2, "赵": 2.0,
    "吴": 2.0, "周": 1.9, "徐": 1.3, "孙": 1.3, "马": 1.2, "朱": 1.1, "胡": 1.1, "郭": 1.0,
    "何": 1.0, "高": 0.9, "林": 0.9, "罗": 0.9, "郑": 0.8, "梁": 0.8, "谢": 0.7, "宋": 0.7,
    "唐": 0.6, "许": 0.6, "韩": 0.6, "冯": 0.6, "邓": 0.6, "曹": 0.6, "彭": 0.5, "曾": 0.5,
    "肖": 0.5, "田": 0.5, "董": 0.5, "袁": 0.5, "潘": 0.4, "于": 0.4, "蒋": 0.4, "蔡": 0.4,
    "余": 0.4, "杜": 0.4, "叶": 0.4, "程": 0.4, "苏": 0.3, "魏": 0.3, "吕": 0.3, "丁": 0.3,
    "任": 0.3, "沈": 0.3, "姚": 0.3, "卢": 0.3, "姜": 0.3, "崔": 0.3, "钟": 0.3, "谭": 0.3,
    "陆": 0.3, "汪": 0.3, "范": 0.3, "金": 0.3, "石": 0.3, "廖": 0.3, "贾": 0.3, "夏": 0.3,
    "韦": 0.2, "付": 0.2, "方": 0.2, "白": 0.2, "邹": 0.2, "孟": 0.2, "熊": 0.2, "秦": 0.2,
    "邱": 0.2, "江": 0.2, "尹": 0.2, "薛": 0.2, "闫": 0.2, "段": 0.2, "雷": 0.2, "侯": 0.2,
    "龙": 0.2, "史": 0.2, "陶": 0.2, "黎": 0.2, "贺": 0.2, "顾": 0.2, "毛": 0.2, "郝": 0.2,
}  # fmt: skip
# Characters of given names, most used first (weighted 1/rank).
GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国文辉玲鹏飞波斌宇浩凯婷雪琳欣"
    "怡涵梓轩晨俊红梅丹玉志海燕龙佳慧思远博嘉雨萱宏亮永德金凤春秋菊冬晓东立新卫振庆淑珍"
)
DISTRICTS = ("天河", "越秀", "海珠", "荔湾", "白云", "黄埔", "番禺", "花都", "南沙", "从化", "增城")
# Trade names are two characters, each from its own list (weighted 1/rank).
TRADE_FIRST = (
    "鸿华金恒瑞盛嘉泰富永德兴宏源丰信达利昌隆安康顺通天新美佳雅明光中大东南海汇银宝福祥"
    "和正润豪博远辉景诚荣耀星誉凯腾联创伟卓锦展益欣百万乐志广"
)
TRADE_SECOND = (
    "达盛源丰泰华兴隆发信祥利通和达昌业成辉鑫旺邦顺宇星诚鼎锐翔峰川越创捷迅科威伦特升"
    "豪美嘉新泽晖瑞润安健康乐福"
)
INDUSTRIES = {
    "贸易": 10, "商贸": 6, "科技": 8, "电子科技": 3, "信息技术": 3, "网络科技": 3,
    "餐饮管理": 3, "餐饮": 4, "食品": 4, "建材": 3, "建筑工程": 4, "装饰工程": 3, "物流": 3,
    "运输": 2, "房地产开发": 1, "物业管理": 2, "汽车服务": 2, "汽车维修": 2, "医药": 1,
    "大药房": 1, "服装": 3, "五金": 2, "机电设备": 2, "文化传播": 3, "广告": 2, "教育咨询": 2,
    "企业管理咨询": 2, "投资": 1, "环保科技": 1, "家具": 1, "印刷": 1, "酒店": 1,
    "美容美发": 2, "超市": 2, "水果": 1, "烟酒": 1, "农业发展": 1, "劳务": 1, "化工": 1,
    "塑料制品": 1, "电器": 1,
}  # fmt: skip
# Legal forms; the sole traders' (个体工商户) USCC starts 92, a company's 91.
FORMS = {
    "有限公司": 55, "有限责任公司": 8, "股份有限公司": 2, "经营部": 8, "商行": 7, "店": 12,
    "厂": 4, "门市部": 2, "工作室": 2,
}  # fmt: skip
SOLE_TRADERS = frozenset({"经营部", "商行", "店", "门市部", "工作室"})
ORG_CODE_STEP = 7_777_777  # coprime to 31: i -> i * step mod 31^6 numbers organisations


def _ranked(items: Sequence[str]) -> list[float]:
    """Zipf-like weights for items listed most common first."""
    return [1 / (rank + 3) for rank in range(len(items))]


def _person_name(rng: random.Random) -> str:
    surname = rng.choices(list(SURNAMES), weights=list(SURNAMES.values()))[0]
    given = rng.choices(GIVEN, weights=_GIVEN_WEIGHTS, k=1 if rng.random() < 0.3 else 2)
    return surname + "".join(given)


def _company_name(rng: random.Random) -> tuple[str, bool]:
    """A company's name and whether it is a sole trader."""
    place = rng.random()
    prefix = "示范市" if place < 0.35 else f"{rng.choice(DISTRICTS)}区" if place < 0.6 else ""
    trade = rng.choices(TRADE_FIRST, weights=_FIRST_WEIGHTS)[0]
    trade += rng.choices(TRADE_SECOND, weights=_SECOND_WEIGHTS)[0]
    industry = rng.choices(list(INDUSTRIES), weights=list(INDUSTRIES.values()))[0]
    form = rng.choices(list(FORMS), weights=list(FORMS.values()))[0]
    return prefix + trade + industry + form, form in SOLE_TRADERS


_GIVEN_WEIGHTS = _ranked(GIVEN)
_FIRST_WEIGHTS = _ranked(TRADE_FIRST)
_SECOND_WEIGHTS = _ranked(TRADE_SECOND)


def people(rng: random.Random, count: int) -> pl.DataFrame:
    """``count`` adults of the city: name, ID number (unique, valid) and birth date."""
    local, other = address_codes()
    seen: set[str] = set()
    rows: list[tuple[str, str, date]] = []
    first, days = date(1950, 1, 1), (date(2004, 12, 31) - date(1950, 1, 1)).days
    while len(rows) < count:
        born = first + timedelta(days=rng.randrange(days))
        area = rng.choice(local if rng.random() < 0.8 else other)
        body = f"{area}{born:%Y%m%d}{rng.randrange(1000):03d}"
        if body not in seen:
            seen.add(body)
            rows.append((_person_name(rng), body + ric_check_character(body), born))
    return pl.DataFrame(
        rows, schema={"name": pl.String, "ric": pl.String, "born": pl.Date}, orient="row"
    )


def _org_code(number: int) -> str:
    """The ``number``-th organisation code (MA + six characters, distinct per number)."""
    value = number * ORG_CODE_STEP % 31**6
    digits = []
    for _ in range(6):
        value, digit = divmod(value, 31)
        digits.append(USCC_ALPHABET[digit])
    return "MA" + "".join(reversed(digits))


def organisations(rng: random.Random, count: int, persons: pl.DataFrame) -> pl.DataFrame:
    """``count`` organisations: name, USCC (unique, valid) and a legal representative."""
    local, _ = address_codes()
    rows = []
    for number in range(count):
        name, sole = _company_name(rng)
        org = _org_code(number)
        first17 = ("92" if sole else "91") + rng.choice(local) + org + org_code_check_character(org)
        rows.append((name, first17 + uscc_check_character(first17), rng.randrange(persons.height)))
    frame = pl.DataFrame(
        rows, schema={"name": pl.String, "uscc": pl.String, "rep": pl.Int64}, orient="row"
    )
    reps = persons.select(pl.col("name").alias("rep_name"), pl.col("ric").alias("rep_ric"))
    return frame.hstack(reps[frame.get_column("rep")].get_columns())
