"""Risk scores and the ethics review through the real pages, in Chinese and in English."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from python_calamine import CalamineWorkbook

from jiancha.pool.importer import import_file

from ..detect import builders as b
from .test_pool_pages import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
# Screenshots also go where a reviewer of this change looks for them.
SHOTS = Path(os.environ.get("JIANCHA_SHOTS", "/tmp/shots-fair"))


@pytest.fixture
def scene(tmp_path, monkeypatch, demo_region):
    monkeypatch.setenv("JIANCHA_POOL_DIR", str(tmp_path / "pool"))
    import_file("population", b.write_fairness_residents(tmp_path))
    return b.fairness_alerts()


def shoot(page, artifacts, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    for folder in (artifacts, SHOTS):
        page.screenshot(path=str(folder / name), full_page=True)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_analyst_reads_risk_scores_and_the_ethics_review(page, live_server, scene, artifacts, language):
    zh = language == "zh-hans"
    sign_in(page, live_server.url, "analyst", language)
    page.goto(f"{live_server.url}/detect/risk/?region=331202000000")
    notice = page.locator("[data-testid=risk-notice]").inner_text()
    assert ("不是认定结论" if zh else "never findings") in notice
    assert (
        page.locator("[data-testid=risk-persons] tbody tr").count() == 13
    )  # 8 men, 2 women, a child, 2 others
    first = page.locator("[data-testid=risk-units] tbody tr").first.inner_text()
    assert "测试学校" in first
    assert b.MEN[0] not in page.content()  # the analyst sees resident ID numbers masked
    assert page.locator("[data-testid=risk-weights] tbody tr").count() >= 20
    shoot(page, artifacts, f"risk-{language}.png")

    page.click("[data-testid=detect-nav] a[href='/detect/fairness/']")
    page.select_option("[data-testid=region-form] select", "331202000000")
    page.click("[data-testid=region-form] button")
    page.wait_for_url("**region=331202000000**")
    male = page.locator("[data-testid=fairness-gender] tr[data-group=male]").inner_text()
    assert "8 / 40" in male and "20.0%" in male and ("偏高" if zh else "high") in male
    assert page.locator("[data-testid=flag-count]").inner_text() != "0"
    shoot(page, artifacts, f"fairness-{language}.png")

    with page.expect_download() as download:
        page.click("[data-testid=export-xlsx]")
    book = CalamineWorkbook.from_filelike(io.BytesIO(Path(download.value.path()).read_bytes()))
    assert ("性别" if zh else "Gender") in book.sheet_names


def test_the_approving_leader_finds_the_review_on_the_home_page(page, live_server, scene, artifacts):
    sign_in(page, live_server.url, "approver", "zh-hans")
    page.click("a[href='/detect/fairness/']")
    page.wait_for_selector("[data-testid=fairness-region]")
    assert page.locator("[data-testid=detect-nav]").count() == 0  # no links to pages they may not open
    with page.expect_download() as download:
        page.click("[data-testid=export-pdf]")
    assert Path(download.value.path()).read_bytes().startswith(b"%PDF")
