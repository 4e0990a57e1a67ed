"""The registry of supervised persons as an analyst sees it: home entry, registry, changes to confirm,
coverage with its gap, grassroots staffing — in Chinese and in English."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from jiancha.synth.generate import generate

from ..factories import make_user
from .test_pool_pages import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ON = dt.date(2025, 12, 31)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("subjects-browser")
    generate("tiny", 1, out, workers=1)
    return out


@pytest.fixture
def registry(tiny: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    from django.core.management import call_command

    from jiancha.access.roles import sync_roles
    from jiancha.orgs.models import Division
    from jiancha.orgs.services import import_divisions, import_units
    from jiancha.pool import reader
    from jiancha.pool.demo import region_files
    from jiancha.pool.importer import import_file
    from jiancha.subjects import actions
    from jiancha.subjects.models import Change

    # Start from an empty database: a session fixture of tests/subjects may have left its region.
    call_command("flush", interactive=False, verbosity=0)
    monkeypatch.setenv("JIANCHA_POOL_DIR", str(tmp_path / "pool"))
    reader._local.cached = None
    import_divisions(tiny / "orgs/divisions.csv")
    import_units(tiny / "orgs/units.csv")
    for code, path in region_files(tiny):
        if code in ("roster", "payroll", "social_insurance"):
            import_file(code, path, display_name=f"{path.parent.parent.name}/hr/{path.name}")
    sync_roles()  # the flush removed the groups the migration made
    root = Division.objects.get(parent=None)
    analyst = make_user("analyst-s", "analyst", root.code)
    actions.refresh(actor="test", on=ON)
    joins = Change.objects.filter(source="roster", kind="join")
    actions.decide(analyst, list(joins.values_list("pk", flat=True)), confirm=True)
    yield analyst
    reader._local.cached = None


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_analyst_confirms_a_change_and_reads_coverage(
    page: Any, live_server: Any, registry: Any, artifacts: Path, language: str
) -> None:
    base = live_server.url
    sign_in(page, base, registry.username, language)
    page.click("a[href='/subjects/']")
    page.wait_for_selector("[data-testid=entries]")
    assert "*" in page.locator("[data-testid=entries] tbody tr td code").first.inner_text()
    page.goto(f"{base}/subjects/?on={ON}")
    page.screenshot(path=str(artifacts / f"subjects-registry-{language}.png"), full_page=True)
    page.locator("[data-testid=entries] tbody a").first.click()
    page.wait_for_selector("[data-testid=periods]")
    assert page.locator("[data-testid=explanation]").first.inner_text()
    page.screenshot(path=str(artifacts / f"subjects-person-{language}.png"), full_page=True)

    page.goto(f"{base}/subjects/changes/")
    rows = page.locator("[data-testid=changes] tbody tr[data-kind=join]")
    assert rows.count() >= 1  # found through payroll, left off the roster
    page.screenshot(path=str(artifacts / f"subjects-changes-{language}.png"), full_page=True)
    rows.first.locator("input[type=checkbox]").check()
    page.click("[data-testid=confirm]")
    page.wait_for_selector(".messages")

    page.goto(f"{base}/subjects/coverage/?on={ON}")
    rate = page.locator("[data-testid=rate]").inner_text()
    assert rate.endswith("%") and not rate.startswith("100")
    assert page.locator("[data-testid=gap] tbody tr").count() >= 1
    page.screenshot(path=str(artifacts / f"subjects-coverage-{language}.png"), full_page=True)
    page.goto(f"{base}/subjects/staffing/?on={ON}")
    assert page.locator("[data-testid=staffing] .badge").count() >= 1  # every synthetic township is short
    page.screenshot(path=str(artifacts / f"subjects-staffing-{language}.png"), full_page=True)
