"""An analyst reviews a risk alert through the real pages, in Chinese and in English."""

from __future__ import annotations

import json

import pytest

from jiancha.detect import actions
from jiancha.detect.models import Alert
from jiancha.orgs.models import Division, Unit

from ..detect.conftest import BUYER, DISTRICT, releases
from .test_pool_pages import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def alerts(tmp_path, demo_region):
    Unit.objects.create(
        name="清河区测试局", unit_type="organ", division=Division.objects.get(code=DISTRICT), uscc=BUYER
    )
    path = tmp_path / "sample.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in releases()), encoding="utf-8")
    actions.run_indicators(["R018", "R028", "R036"], ocds_file=path)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_analyst_reviews_an_alert(page, live_server, alerts, artifacts, language):
    sign_in(page, live_server.url, "analyst", language)
    assert page.locator("a[href='/detect/']").count() >= 1  # the home page offers alert review
    page.goto(f"{live_server.url}/detect/")
    assert page.locator("[data-testid=alerts] tbody tr").count() == 5
    page.select_option("select[name=indicator]", "R036")
    page.click("[data-testid=alert-filters] button")
    page.wait_for_url("**indicator=R036**")
    assert page.locator("[data-testid=alerts] tbody tr").count() == 1
    page.screenshot(path=str(artifacts / f"detect-alerts-{language}.png"), full_page=True)
    page.click("[data-testid=alerts] tbody a")
    page.wait_for_selector("[data-testid=explanation]")
    expected = "报价最低的投标被取消资格" if language == "zh-hans" else "the lowest bid was disqualified"
    assert expected in page.locator("[data-testid=explanation]").inner_text()
    assert page.locator("[data-testid=evidence] tbody tr").count() == 5
    page.select_option("[data-testid=status-form] select[name=status]", "reviewing")
    page.fill("[data-testid=status-form] textarea", "核对投标文件")
    page.click("[data-testid=status-form] button")
    page.wait_for_selector("[data-testid=alert-status]")
    assert Alert.objects.get(code="R036").status == "reviewing"
    page.screenshot(path=str(artifacts / f"detect-alert-{language}.png"), full_page=True)
    page.goto(f"{live_server.url}/detect/indicators/R036/")
    page.screenshot(path=str(artifacts / f"detect-indicator-{language}.png"), full_page=True)
