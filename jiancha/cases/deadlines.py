"""Legal clocks (法定期限): rule versions, periods in calendar or working days, months and hours.

The rules are data (``data/clocks.yaml``); this module reads them and does the date arithmetic. The
rule version in force on the day a clock starts applies to it, so a case filed before 2025-06-01
keeps the 2018 text's periods even when an extension is granted later.
"""

from __future__ import annotations

import calendar as month_calendar
import datetime as dt
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from . import workdays
from .errors import ActionRefused

CLOCKS_FILE = Path(__file__).resolve().parent / "data" / "clocks.yaml"
UNITS = ("days", "working_days", "months", "hours")


class RuleError(ActionRefused, ValueError):
    """A clock or rule version that does not exist, or a request the rules refuse."""


@dataclass(frozen=True)
class Period:
    amount: int
    unit: str  # days | working_days | months | hours

    def describe(self) -> str:
        names = {
            "days": _("%(n)d calendar days"),
            "working_days": _("%(n)d working days"),
            "months": _("%(n)d months"),
            "hours": _("%(n)d hours"),
        }
        return names[self.unit] % {"n": self.amount}


@dataclass(frozen=True)
class ExtensionRule:
    code: str  # e.g. "ordinary", "national" (延长的种类)
    period: Period
    max_times: int | None  # None: no limit in the rules
    approver: str  # capability that approves it
    requires_prior: str = ""  # another extension kind that must have been used up first
    note: str = ""
    unconfirmed: bool = False


@dataclass(frozen=True)
class ClockRule:
    """One clock under one rule version."""

    code: str
    version: str
    period: Period
    roll_over_holiday: bool
    source: str
    unconfirmed: bool
    extensions: dict[str, ExtensionRule] = field(default_factory=dict)
    priority_target: Period | None = None


@dataclass(frozen=True)
class RuleVersion:
    id: str
    effective_from: dt.date
    title: str


@dataclass(frozen=True)
class Clock:
    code: str
    labels: dict[str, str]
    object: str  # lead | case | measure
    versions: dict[str, ClockRule]
    max_rounds: int | None = None

    @property
    def label(self) -> str:
        return localized(self.labels)


def localized(labels: dict[str, str]) -> str:
    """The label in the active language; Chinese when there is none for it."""
    language = get_language() or "zh-hans"
    return labels.get(language) or labels.get("zh-hans") or next(iter(labels.values()), "")


LABEL_LANGUAGES = {"zh-hans", "en"}


def check_labels(labels: Any, where: str) -> dict[str, str]:
    """Labels in the data files: exactly Chinese and English, both text (an unquoted comma in a YAML
    flow mapping silently splits an English label, which this catches)."""
    if not isinstance(labels, dict) or set(labels) != LABEL_LANGUAGES:
        raise RuleError(f"{where}: a label needs exactly the keys zh-hans and en, got {labels!r}")
    if not all(isinstance(value, str) and value.strip() for value in labels.values()):
        raise RuleError(f"{where}: label texts must be non-empty text (quote texts with commas): {labels!r}")
    return dict(labels)


def _period(raw: dict[str, Any], where: str) -> Period:
    unit = str(raw.get("unit"))
    if unit not in UNITS:
        raise RuleError(f"{where}: unit {unit!r} is not one of {', '.join(UNITS)}")
    amount = int(raw["amount"])
    if amount <= 0:
        raise RuleError(f"{where}: amount must be positive")
    return Period(amount, unit)


@dataclass(frozen=True)
class Rules:
    versions: list[RuleVersion]
    clocks: dict[str, Clock]

    def version_on(self, day: dt.date) -> RuleVersion:
        """The rule version in force on ``day``."""
        in_force = [v for v in self.versions if v.effective_from <= day]
        if not in_force:
            raise RuleError(
                _("no rule version is in force on %(day)s (the earliest starts %(first)s)")
                % {"day": day, "first": self.versions[0].effective_from}
            )
        return in_force[-1]

    def clock(self, code: str) -> Clock:
        try:
            return self.clocks[code]
        except KeyError:
            raise RuleError(_("unknown clock %(code)s") % {"code": code}) from None

    def rule(self, code: str, day: dt.date) -> ClockRule:
        version = self.version_on(day)
        clock = self.clock(code)
        try:
            return clock.versions[version.id]
        except KeyError:
            raise RuleError(f"clock {code} has no rule for version {version.id}") from None


def load_rules(path: Path = CLOCKS_FILE) -> Rules:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    versions = sorted(
        (RuleVersion(str(v["id"]), v["effective_from"], str(v.get("title", ""))) for v in data["versions"]),
        key=lambda v: v.effective_from,
    )
    known = {v.id for v in versions}
    clocks: dict[str, Clock] = {}
    for code, raw in data["clocks"].items():
        rules: dict[str, ClockRule] = {}
        for version_id, rule in raw["versions"].items():
            where = f"{path.name} {code} {version_id}"
            if version_id not in known:
                raise RuleError(f"{where}: unknown version")
            extensions = {
                name: ExtensionRule(
                    code=name,
                    period=_period(ext, f"{where} extension {name}"),
                    max_times=ext.get("max_times"),
                    approver=str(ext.get("approver", "approve")),
                    requires_prior=str(ext.get("requires_prior", "")),
                    note=str(ext.get("note", "")),
                    unconfirmed=bool(ext.get("unconfirmed", False)),
                )
                for name, ext in (rule.get("extensions") or {}).items()
            }
            target = rule.get("priority_target")
            rules[version_id] = ClockRule(
                code=code,
                version=version_id,
                period=_period(rule["period"], where),
                roll_over_holiday=bool(rule.get("roll_over_holiday", False)),
                source=str(rule.get("source", "")),
                unconfirmed=bool(rule.get("unconfirmed", False)),
                extensions=extensions,
                priority_target=_period(target, f"{where} priority_target") if target else None,
            )
        labels = check_labels(raw["label"], f"{path.name} {code}")
        clocks[code] = Clock(code, labels, str(raw["object"]), rules, raw.get("max_rounds"))
    return Rules(versions, clocks)


@cache
def rules() -> Rules:
    return load_rules()


# --- arithmetic ---------------------------------------------------------------------------------


def add_months(day: dt.date, months: int) -> dt.date:
    """Same day ``months`` later; the month's last day when it has no such day (1 月 31 日 + 1 月 → 2 月末)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, month_calendar.monthrange(year, month)[1]))


def due_date(start: dt.date, period: Period, roll_over_holiday: bool = False) -> dt.date:
    """The last day of a period starting on ``start`` (the start day is not counted).

    Calendar days and months end on the computed day; when ``roll_over_holiday`` holds and that day is
    not a working day, the period ends on the next working day (期间届满日为节假日的顺延).
    """
    if period.unit == "hours":
        raise RuleError("an hour period has a due time, not a due date: use due_time")
    if period.unit == "working_days":
        return workdays.add_working_days(start, period.amount)
    end = (
        start + dt.timedelta(days=period.amount)
        if period.unit == "days"
        else add_months(start, period.amount)
    )
    if roll_over_holiday:
        end = workdays.next_working_day_on_or_after(end)
    return end


def due_time(start: dt.datetime, period: Period) -> dt.datetime:
    if period.unit != "hours":
        raise RuleError("only an hour period has a due time")
    return start + dt.timedelta(hours=period.amount)


def extend(due: dt.date, period: Period, roll_over_holiday: bool = False) -> dt.date:
    """A new due date, an extension counted from the old one (延长期限自原期限届满之日起算)."""
    return due_date(due, period, roll_over_holiday)


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Working days after ``start`` up to and including ``end``."""
    count, day = 0, start
    while day < end:
        day += dt.timedelta(days=1)
        if workdays.is_working_day(day):
            count += 1
    return count
