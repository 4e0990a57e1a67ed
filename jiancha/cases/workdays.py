"""The working-day calendar (工作日历): public holidays and make-up working days (调休), per year.

Each year is a YAML file under ``data/calendar/`` copied from the State Council's notice. A date in a
year with no file raises ``CalendarNotLoaded``: guessing "weekends only" would put a legal deadline
on the wrong day without anyone noticing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml
from django.utils.translation import gettext as _

from .errors import ActionRefused

CALENDAR_DIR = Path(__file__).resolve().parent / "data" / "calendar"


class CalendarNotLoaded(ActionRefused, LookupError):
    """No calendar file for the year a computation needs (an action needing it is refused)."""

    def __init__(self, year: int, message: str) -> None:
        self.year = year
        super().__init__(message)


@dataclass(frozen=True)
class YearCalendar:
    year: int
    source: str
    holidays: frozenset[dt.date]
    make_up_workdays: frozenset[dt.date]


def _as_date(value: object, where: str) -> dt.date:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError as error:
        raise ValueError(f"{where}: {value!r} is not a date (YYYY-MM-DD)") from error


def load_year(path: Path) -> YearCalendar:
    """Read and check one year's file: every date inside the year, no day both off and on."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    year = int(data["year"])
    holidays: set[dt.date] = set()
    for entry in data.get("holidays") or []:
        start = _as_date(entry["from"], f"{path.name} {entry.get('name', '')}")
        end = _as_date(entry["to"], f"{path.name} {entry.get('name', '')}")
        if end < start:
            raise ValueError(f"{path.name}: holiday {entry.get('name')} ends before it starts")
        holidays.update(start + dt.timedelta(days=n) for n in range((end - start).days + 1))
    make_up = {_as_date(day, f"{path.name} make_up_workdays") for day in data.get("make_up_workdays") or []}
    for day in holidays | make_up:
        if day.year != year:
            raise ValueError(f"{path.name}: {day} is not in {year}")
    if holidays & make_up:
        raise ValueError(f"{path.name}: {sorted(holidays & make_up)} are both holidays and working days")
    for day in make_up:
        if day.weekday() < 5:
            raise ValueError(f"{path.name}: make-up working day {day} is not a weekend day")
    return YearCalendar(year, str(data.get("source", "")), frozenset(holidays), frozenset(make_up))


@cache
def loaded_years(directory: Path | None = None) -> dict[int, YearCalendar]:
    """The calendars in ``directory`` (default ``CALENDAR_DIR``, read at call time), by year."""
    years: dict[int, YearCalendar] = {}
    for path in sorted((directory or CALENDAR_DIR).glob("*.yaml")):
        calendar = load_year(path)
        years[calendar.year] = calendar
    return years


def year_calendar(year: int) -> YearCalendar:
    years = loaded_years()
    if year not in years:
        raise CalendarNotLoaded(year, missing_calendar_text(year))
    return years[year]


CALENDAR_MISSING = "calendar_missing:"  # how a clock records that it could not be computed


def missing_calendar_text(year: int) -> str:
    return _(
        "no working-day calendar is loaded for %(year)s (loaded: %(loaded)s); add "
        "jiancha/cases/data/calendar/%(year)s.yaml from the State Council's holiday notice"
    ) % {"year": year, "loaded": ", ".join(str(y) for y in sorted(loaded_years())) or "—"}


def problem_text(problem: str) -> str:
    """A clock's stored problem code, worded in the reader's language."""
    if problem.startswith(CALENDAR_MISSING):
        return missing_calendar_text(int(problem.removeprefix(CALENDAR_MISSING)))
    return problem


def is_working_day(day: dt.date) -> bool:
    calendar = year_calendar(day.year)
    if day in calendar.make_up_workdays:
        return True
    return day.weekday() < 5 and day not in calendar.holidays


def add_working_days(start: dt.date, count: int) -> dt.date:
    """The ``count``-th working day after ``start`` (the start day itself is not counted)."""
    if count < 0:
        raise ValueError("count must not be negative")
    day = start
    remaining = count
    while remaining:
        day += dt.timedelta(days=1)
        if is_working_day(day):
            remaining -= 1
    return day


def next_working_day_on_or_after(day: dt.date) -> dt.date:
    while not is_working_day(day):
        day += dt.timedelta(days=1)
    return day
