"""Clocks: the working-day calendar, periods across holidays and month ends, rule versions."""

import datetime as dt
from pathlib import Path

import pytest

from jiancha.cases import deadlines, workdays
from jiancha.cases.deadlines import Period, RuleError, add_months, due_date, rules
from jiancha.cases.workdays import CalendarNotLoaded, add_working_days, is_working_day

D = dt.date


def test_holidays_and_make_up_days_of_2025_and_2026():
    assert not is_working_day(D(2025, 1, 28))  # 春节
    assert not is_working_day(D(2025, 2, 4))
    assert is_working_day(D(2025, 1, 26))  # Sunday made a working day (调休)
    assert is_working_day(D(2025, 2, 8))  # Saturday made a working day
    assert not is_working_day(D(2025, 10, 8))
    assert is_working_day(D(2025, 10, 11))
    assert not is_working_day(D(2026, 1, 2)) and is_working_day(D(2026, 1, 4))
    assert not is_working_day(D(2026, 2, 23)) and is_working_day(D(2026, 2, 28))
    assert not is_working_day(D(2026, 9, 25))  # 中秋节, a Friday
    assert is_working_day(D(2026, 10, 10)) and not is_working_day(D(2026, 10, 7))
    assert not is_working_day(D(2026, 3, 7))  # an ordinary Saturday


def test_working_days_across_the_spring_festival():
    # From Fri 2026-02-13: the 14th is a make-up Saturday (1), 15th–23rd off, then 24, 25, 26, 27 (2–5).
    assert add_working_days(D(2026, 2, 13), 5) == D(2026, 2, 27)
    # 15 working days from Fri 2025-01-24: Sun 26 and Mon 27 (1–2), 28 Jan–4 Feb off, 5–7 Feb (3–5),
    # make-up Sat 8 Feb (6), 10–14 Feb (7–11), 17–20 Feb (12–15).
    assert add_working_days(D(2025, 1, 24), 15) == D(2025, 2, 20)
    # Across National Day 2025: Sun 28, 29, 30 Sep (1–3), 1–8 Oct off, 9–10 Oct (4–5), make-up Sat 11 Oct (6).
    assert add_working_days(D(2025, 9, 26), 6) == D(2025, 10, 11)


def test_a_date_outside_the_loaded_years_is_an_error_not_a_guess(only_2025_and_2026_calendars):
    with pytest.raises(CalendarNotLoaded, match="2027"):
        is_working_day(D(2027, 3, 1))
    with pytest.raises(CalendarNotLoaded, match="2027"):
        add_working_days(D(2026, 12, 28), 10)
    with pytest.raises(CalendarNotLoaded, match="2024"):
        due_date(D(2024, 11, 1), Period(30, "days"), roll_over_holiday=True)


def test_calendar_files_are_checked_when_loaded(tmp_path: Path):
    bad = tmp_path / "2030.yaml"
    bad.write_text("year: 2030\nholidays: []\nmake_up_workdays: [2030-03-05]\n")
    with pytest.raises(ValueError, match="not a weekend day"):
        workdays.load_year(bad)
    bad.write_text("year: 2030\nholidays: [{name: x, from: 2031-01-01, to: 2031-01-01}]\n")
    with pytest.raises(ValueError, match="not in 2030"):
        workdays.load_year(bad)


def test_months_end_on_the_same_day_or_the_months_last():
    assert add_months(D(2026, 1, 31), 1) == D(2026, 2, 28)
    assert add_months(D(2025, 11, 30), 3) == D(2026, 2, 28)
    assert add_months(D(2026, 3, 15), 12) == D(2027, 3, 15)


def test_a_calendar_period_ending_on_a_holiday_rolls_to_the_next_working_day():
    # One month from 2026-09-01 ends on Thu 1 Oct, inside National Day: it ends on Thu 8 Oct.
    assert due_date(D(2026, 9, 1), Period(1, "months"), roll_over_holiday=True) == D(2026, 10, 8)
    # 30 calendar days from 2026-01-16 end on Sun 15 Feb, the first day of the Spring Festival: Tue 24 Feb.
    assert due_date(D(2026, 1, 16), Period(30, "days"), roll_over_holiday=True) == D(2026, 2, 24)
    # Custody never grows because of a holiday (留置期限不因节假日顺延).
    assert due_date(D(2026, 7, 1), Period(3, "months"), roll_over_holiday=False) == D(2026, 10, 1)


def test_the_rule_version_in_force_on_the_day_applies():
    assert rules().version_on(D(2025, 5, 31)).id == "jcf-2018"
    assert rules().version_on(D(2025, 6, 1)).id == "jcf-2025"
    with pytest.raises(RuleError):
        rules().version_on(D(2010, 1, 1))
    old = rules().rule("detention", D(2025, 5, 31))
    new = rules().rule("detention", D(2025, 6, 1))
    assert "national" not in old.extensions and "national" in new.extensions
    assert new.extensions["ordinary"].max_times == 1


def test_unconfirmed_rules_are_marked_with_their_source():
    disposal = rules().rule("disposal_plan", D(2026, 1, 5))
    assert disposal.unconfirmed and "[unconfirmed]" in disposal.source
    assert not rules().rule("supplementary_investigation", D(2026, 1, 5)).unconfirmed
    assert rules().clock("supplementary_investigation").max_rounds == 2


def test_bad_rule_files_are_refused(tmp_path: Path):
    text = deadlines.CLOCKS_FILE.read_text(encoding="utf-8").replace("unit: working_days", "unit: weeks", 1)
    path = tmp_path / "clocks.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RuleError, match="weeks"):
        deadlines.load_rules(path)


def test_labels_need_both_languages_and_quoted_commas(tmp_path: Path):
    from jiancha.cases import checklist

    text = checklist.CHECKLIST_FILE.read_text(encoding="utf-8").replace(
        'en: "Every search, retrieval or seizure has its list"',
        "en: Every search, retrieval or seizure has its list",
    )
    path = tmp_path / "checklist.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RuleError, match="zh-hans and en"):
        checklist.load_rules(path)
