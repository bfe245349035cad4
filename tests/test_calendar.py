"""Chinese working days: holidays, 调休 make-up days, and years the package lacks."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from xinyong.core.calendar import WorkingCalendar, load_holidays_file
from xinyong.core.errors import ConfigurationError


def test_national_day_week_is_not_worked_and_make_up_saturday_is() -> None:
    calendar = WorkingCalendar()
    assert not calendar.is_working_day(date(2025, 10, 1))
    assert calendar.holiday_name(date(2025, 10, 1)) == "国庆节"
    # 2025-09-28 (a Sunday) and 2025-10-11 (a Saturday) were 调休 working days.
    assert calendar.is_working_day(date(2025, 9, 28))
    assert calendar.is_working_day(date(2025, 10, 11))


def test_deadline_skips_the_holiday() -> None:
    calendar = WorkingCalendar()
    # Two working days after 2025-09-30: 10-01…10-08 are holidays, 10-09 and 10-10 work.
    assert calendar.add_working_days(date(2025, 9, 30), 2) == date(2025, 10, 10)
    assert calendar.working_days_between(date(2025, 9, 30), date(2025, 10, 10)) == 2


def test_spring_festival_deadline_of_ten_working_days() -> None:
    calendar = WorkingCalendar()
    start = date(2026, 2, 10)
    deadline = calendar.add_working_days(start, 10)
    assert calendar.working_days_between(start, deadline) == 10
    assert (deadline - start).days > 14  # the holiday pushed it out


def test_zero_days_is_the_same_day() -> None:
    assert WorkingCalendar().add_working_days(date(2025, 10, 1), 0) == date(2025, 10, 1)


def test_unknown_year_falls_back_to_weekends_and_says_so() -> None:
    calendar = WorkingCalendar()
    assert calendar.provisional(2031)
    assert calendar.is_working_day(date(2031, 1, 1))  # a Wednesday; no schedule known
    assert not calendar.is_working_day(date(2031, 1, 4))  # a Saturday


def test_holidays_file_adds_a_year(tmp_path: Path) -> None:
    path = tmp_path / "holidays.yaml"
    path.write_text(
        "years:\n  2031:\n    holidays: {2031-01-01: 元旦}\n    workdays: [2031-01-04]\n",
        encoding="utf-8",
    )
    calendar = WorkingCalendar(load_holidays_file(path))
    assert not calendar.provisional(2031)
    assert not calendar.is_working_day(date(2031, 1, 1))
    assert calendar.holiday_name(date(2031, 1, 1)) == "元旦"
    assert calendar.is_working_day(date(2031, 1, 4))


def test_bad_holidays_file_stops_start_up(tmp_path: Path) -> None:
    path = tmp_path / "holidays.yaml"
    path.write_text("years:\n  2031:\n    holidays: {2030-01-01: 元旦}\n", encoding="utf-8")
    with pytest.raises(ConfigurationError, match="not in 2031"):
        load_holidays_file(path)
