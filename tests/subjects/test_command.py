"""`jiancha subjects …`: refresh, confirm as a named user, coverage and staffing figures."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from jiancha.subjects.models import Change, ChangeStatus, Entry

from .conftest import ON

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("subjects", *args, stdout=out)
    return out.getvalue()


def test_refresh_confirm_and_figures(users: dict[str, Any]) -> None:
    assert "found" in run("refresh", "--on", ON.isoformat(), "--by", "cli-test")
    assert run("refresh", "--on", ON.isoformat(), "--if-due") == "not due\n"
    confirmed = run("confirm", "--user", users["county"].username, "--source", "roster", "--kind", "join")
    # Only the changes in the user's own county are theirs to confirm.
    count = int(confirmed.split()[0])
    assert count == Entry.objects.count() > 0
    assert not Entry.objects.exclude(division__code__startswith=users["county_division"].code[:6]).exists()
    assert Change.objects.filter(status=ChangeStatus.PENDING).exists()
    figures = run("coverage", "--division", users["county_division"].code, "--on", ON.isoformat())
    assert "coverage on 2025-12-31" in figures and "gap:" in figures
    assert "short" in run("staffing", "--on", ON.isoformat())


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("refresh", "--on", "2025-02-30"), "--on 2025-02-30: not a date"),
        (("confirm", "--user", "nobody-here"), "--user nobody-here: no such user"),
        (("coverage", "--division", "999999999999"), "no such division"),
    ],
)
def test_bad_input_is_refused_clearly(users: dict[str, Any], args: tuple[str, ...], message: str) -> None:
    with pytest.raises(CommandError, match=message):
        run(*args)


def test_a_user_without_the_right_cannot_confirm(users: dict[str, Any]) -> None:
    run("refresh", "--on", ON.isoformat())
    with pytest.raises(CommandError, match="needs the data analysis right"):
        run("confirm", "--user", users["intake"].username)
