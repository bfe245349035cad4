"""Code checking throughput against python-stdnum's bare checksum validation."""

from __future__ import annotations

import random

from stdnum.cn import ric, uscc

from bench.common import Result, rate
from xinyong.identity.codes import (
    check_ric,
    check_uscc,
    org_code_check_character,
    ric_check_character,
    uscc_check_character,
)

COUNT = 100_000


def _rics(rng: random.Random) -> list[str]:
    numbers = []
    for _ in range(COUNT):
        body = (
            f"{rng.choice(['110105', '360426', '440106', '310115'])}{rng.randint(1950, 2005)}"
            f"{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}{rng.randint(0, 999):03d}"
        )
        numbers.append(body + ric_check_character(body))
    return numbers


def _usccs(rng: random.Random) -> list[str]:
    codes = []
    for _ in range(COUNT):
        org = "".join(rng.choice("0123456789ABCDEFGHJKLMNPQRTUWXY") for _ in range(8))
        first17 = "91440100" + org + org_code_check_character(org)
        codes.append(first17 + uscc_check_character(first17))
    return codes


def run() -> list[Result]:
    """Citizen ID numbers and USCCs checked per second, against stdnum.validate."""
    rng = random.Random(7)
    rics, usccs = _rics(rng), _usccs(rng)
    return [
        Result(
            "check_ric (normalise, checksum, date, address)",
            "codes/s",
            rate(COUNT, lambda: [check_ric(n) for n in rics]),
            "stdnum.cn.ric.is_valid",
            rate(COUNT, lambda: [ric.is_valid(n) for n in rics]),
        ),
        Result(
            "check_uscc (normalise, checksum, org code)",
            "codes/s",
            rate(COUNT, lambda: [check_uscc(c) for c in usccs]),
            "stdnum.cn.uscc.is_valid",
            rate(COUNT, lambda: [uscc.is_valid(c) for c in usccs]),
        ),
    ]
