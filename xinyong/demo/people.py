"""Synthetic people and organisations: Faker names, valid codes with real address codes."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path

import stdnum.cn
from faker import Faker

from xinyong.identity.codes import (
    USCC_ALPHABET,
    org_code_check_character,
    ric_check_character,
    uscc_check_character,
)

CITY_PREFIX = "4401"  # the demo city's districts (GB/T 2260), as the departments' codes
LOCAL_SHARE = 0.8


@dataclass(frozen=True)
class Person:
    """A natural person of the demo city."""

    name: str
    ric: str
    born: date


@dataclass(frozen=True)
class Organisation:
    """An organisation with its legal representative."""

    name: str
    uscc: str
    representative: Person


@lru_cache(maxsize=1)
def address_codes() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Current county-level codes from python-stdnum's GB/T 2260 table: (local, elsewhere)."""
    local: list[str] = []
    other: list[str] = []
    province = ""
    for line in (
        (Path(stdnum.cn.__file__).parent / "loc.dat").read_text(encoding="utf-8").splitlines()
    ):
        if not line or line.startswith("#"):
            continue
        if not line.startswith(" "):
            province = line.split()[0]
            continue
        suffix, _, rest = line.strip().partition(" ")
        if len(suffix) != 4 or suffix.endswith("00") or ("[" in rest and "-]" not in rest):
            continue
        code = province + suffix
        (local if code.startswith(CITY_PREFIX) else other).append(code)
    return tuple(local), tuple(other)


class Population:
    """Generates people and organisations reproducibly from a seed."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.fake = Faker("zh_CN")
        self.fake.seed_instance(seed)
        self._sequences: set[str] = set()

    def person(self, born_from: int = 1955, born_to: int = 2004) -> Person:
        """A person with a valid, unique 18-digit ID number."""
        local, other = address_codes()
        while True:
            area = self.rng.choice(local if self.rng.random() < LOCAL_SHARE else other)
            born = date(born_from, 1, 1) + timedelta(
                days=self.rng.randrange((date(born_to, 12, 31) - date(born_from, 1, 1)).days)
            )
            body = f"{area}{born:%Y%m%d}{self.rng.randrange(1000):03d}"
            if body not in self._sequences:
                self._sequences.add(body)
                return Person(self.fake.name(), body + ric_check_character(body), born)

    def organisation(self, representative: Person) -> Organisation:
        """A company registered in the city, with a valid USCC."""
        local, _ = address_codes()
        while True:
            org = "MA" + "".join(self.rng.choice(USCC_ALPHABET) for _ in range(6))
            first17 = "91" + self.rng.choice(local) + org + org_code_check_character(org)
            uscc = first17 + uscc_check_character(first17)
            if uscc not in self._sequences:
                self._sequences.add(uscc)
                return Organisation(self.fake.company(), uscc, representative)
