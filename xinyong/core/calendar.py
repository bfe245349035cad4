"""Chinese working days: official holidays and 调休 make-up days, for every deadline.

The State Council publishes each year's schedule late in the year before; the
chinese-calendar package carries the years it knew when released. A later year can be
added from a YAML file (``XINYONG_HOLIDAYS_FILE``) without a release. For a year known to
neither, weekends alone are counted and the answer is marked provisional.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path

import chinese_calendar
import yaml
from pydantic import BaseModel, ConfigDict

from xinyong.core.errors import ConfigurationError, InvalidInput

MAX_WORKING_DAYS = 3660  # ten years: far beyond any statutory deadline

# chinese-calendar names holidays in English.
HOLIDAY_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日",
}


class YearSchedule(BaseModel):
    """One year's official rest days (with their names) and make-up working days."""

    model_config = ConfigDict(extra="forbid")

    holidays: dict[date, str] = {}
    workdays: list[date] = []


class HolidaysFile(BaseModel):
    """The holidays file: schedules by year."""

    model_config = ConfigDict(extra="forbid")

    years: dict[int, YearSchedule]


@dataclass
class WorkingCalendar:
    """Answers 'is this a working day' and counts working days."""

    extra: dict[int, YearSchedule] = field(default_factory=dict)

    def source(self, year: int) -> str:
        """Where the rules for ``year`` come from: "file", "package" or "weekends"."""
        if year in self.extra:
            return "file"
        if _package_covers(year):
            return "package"
        return "weekends"

    def provisional(self, year: int) -> bool:
        """True when no official schedule is known for ``year`` (weekends only)."""
        return self.source(year) == "weekends"

    def is_working_day(self, day: date) -> bool:
        """Whether government offices work on ``day``."""
        schedule = self.extra.get(day.year)
        if schedule is not None:
            if day in schedule.holidays:
                return False
            if day in schedule.workdays:
                return True
            return day.weekday() < 5
        if _package_covers(day.year):
            return bool(chinese_calendar.is_workday(day))
        return day.weekday() < 5

    def holiday_name(self, day: date) -> str | None:
        """The official holiday ``day`` belongs to, if any."""
        schedule = self.extra.get(day.year)
        if schedule is not None:
            return schedule.holidays.get(day)
        if _package_covers(day.year):
            on_holiday, name = chinese_calendar.get_holiday_detail(day)
            if on_holiday and name:
                return HOLIDAY_NAMES.get(str(name), str(name))
        return None

    def add_working_days(self, start: date, days: int) -> date:
        """The ``days``-th working day after ``start`` (the day a deadline falls on)."""
        if not 0 <= days <= MAX_WORKING_DAYS:
            raise InvalidInput(f"工作日数应在 0 至 {MAX_WORKING_DAYS} 之间")
        day, counted = start, 0
        while counted < days:
            if day == date.max:
                raise InvalidInput(
                    "截止日期超出可计算的日期范围（至 9999 年底）", code="date_out_of_range"
                )
            day += timedelta(days=1)
            if self.is_working_day(day):
                counted += 1
        return day

    def working_days_between(self, start: date, end: date) -> int:
        """Working days after ``start`` up to and including ``end`` (0 if end ≤ start)."""
        if (end - start).days > MAX_WORKING_DAYS * 2:
            raise InvalidInput("日期区间过长")
        return sum(
            1
            for offset in range(1, (end - start).days + 1)
            if self.is_working_day(start + timedelta(days=offset))
        )


@lru_cache(maxsize=64)
def _package_covers(year: int) -> bool:
    try:
        chinese_calendar.is_workday(date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


def load_holidays_file(path: Path) -> dict[int, YearSchedule]:
    """Read a holidays file; a bad file stops start-up rather than miscounting deadlines."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        parsed = HolidaysFile.model_validate(data)
    except Exception as exc:
        raise ConfigurationError(f"holidays file {path} is invalid: {exc}") from exc
    for year, schedule in parsed.years.items():
        strays = [d for d in [*schedule.holidays, *schedule.workdays] if d.year != year]
        if strays:
            raise ConfigurationError(f"holidays file {path}: {strays[0]} is not in {year}")
    return parsed.years


@lru_cache(maxsize=8)
def get_calendar(holidays_file: Path | None = None) -> WorkingCalendar:
    """The process-wide calendar, with the configured holidays file if any."""
    return WorkingCalendar(load_holidays_file(holidays_file) if holidays_file else {})
