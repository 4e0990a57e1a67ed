"""An analyst reviews a risk alert through the real pages, in Chinese and in English."""

from __future__ import annotations

import json

import pytest

from jiancha.detect import actions
from jiancha.detect.models import Alert
from jiancha.orgs.models import Division, Unit

from ..detect.builders import alert_like
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


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_a_person_alert_names_roles_and_pool_tables(page, live_server, alerts, artifacts, language):
    """A people-and-funds alert: the deceased and the paying unit named in the reader's language, the
    evidence labelled with the pool table it comes from, the ID number masked."""
    base = Alert.objects.get(code="R036")
    person = "11010519491231002X"
    alert = alert_like(
        base,
        fingerprint="b" * 64, code="PAY_AFTER_DEATH", group="Person", identifier=person,
        value=3, score=80, severity="high",
        explanation_zh="死亡后仍发放养老金 3 个月", explanation_en="pension paid for 3 months after death",
        entities=[{"kind": "person", "key": person, "name": "张某", "role": "deceased"},
                  {"kind": "company", "key": BUYER, "name": "清河区测试局", "role": "paying unit"}],
        evidence=[{"table": "Death", "fields": {"deathDate": "2025-01-02", "idNumber": person},
                   "provenance": {"feed": "deaths", "batch": 1, "file": "331202/population/deaths.csv", "row": 7}}],
    )  # fmt: skip
    sign_in(page, live_server.url, "analyst", language)
    page.goto(f"{live_server.url}/detect/alerts/{alert.pk}/")
    page.wait_for_selector("[data-testid=explanation]")
    text = page.locator("main").inner_text()
    expected = (
        ("死亡人员", "付款单位", "死亡登记")
        if language == "zh-hans"
        else ("deceased", "paying unit", "Death")
    )
    assert all(word in text for word in expected), expected
    assert person not in page.content()  # masked for the analyst, in the evidence too
    page.screenshot(path=str(artifacts / f"detect-person-alert-{language}.png"), full_page=True)
