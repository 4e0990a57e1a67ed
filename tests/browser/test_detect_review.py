"""Review correcting the indicators, through the real pages in Chinese and English: an analyst
confirms one alert (a lead appears in the lead registry with its evidence) and dismisses another with
a reason; the indicator's measured precision follows; a parameter change the analyst proposes waits
until an approver signs it off, and only then does a run use it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from jiancha.cases.models import Lead
from jiancha.detect import actions
from jiancha.detect.models import Alert, IndicatorRun, IndicatorSetting
from jiancha.orgs.models import Division, Unit

from ..detect.conftest import BUYER, DISTRICT, releases
from .test_pool_pages import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/shots-review")


@pytest.fixture
def ocds(tmp_path, demo_region) -> Path:
    Unit.objects.create(
        name="清河区测试局", unit_type="organ", division=Division.objects.get(code=DISTRICT), uscc=BUYER
    )
    path = tmp_path / "sample.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in releases()), encoding="utf-8")
    actions.run_indicators(["R018", "R028", "R036"], ocds_file=path)
    return path


def shot(page, artifacts: Path, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / name), full_page=True)
    page.screenshot(path=str(artifacts / name), full_page=True)


def signed_in(browser, base_url: str, username: str, language: str):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    page = context.new_page()
    sign_in(page, base_url, username, language)
    return context, page


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_review_corrects_the_indicators(page, browser, live_server, ocds, artifacts, language):
    zh = language == "zh-hans"
    url = live_server.url
    sign_in(page, url, "analyst", language)
    page.goto(f"{url}/detect/indicators/R028/")
    assert page.locator("[data-testid=precision]").inner_text() == "—"
    page.goto(f"{url}/detect/review/?indicator=R028")
    rows = page.locator("[data-testid=inbox] tbody tr[data-code=R028]")
    assert rows.count() == 3
    shot(page, artifacts, f"review-inbox-{language}.png")

    # Confirm the first: a lead is registered with the alert's evidence.
    first = int(rows.first.get_attribute("data-alert"))
    form = page.locator(f"[data-testid=confirm-{first}]")
    form.locator("input[name=note]").fill("报价完全一致，转线索" if zh else "identical prices, to a lead")
    with page.expect_navigation():
        form.locator("button").click()
    assert page.locator(".messages .success").count() == 1
    lead = Lead.objects.get()
    assert lead.number in page.locator(".messages").inner_text()
    assert rows.count() == 2 and Alert.objects.get(pk=first).lead == lead

    # Dismiss the next with a reason from the list; "other" without a note is refused.
    second = int(rows.first.get_attribute("data-alert"))
    form = page.locator(f"[data-testid=dismiss-{second}]")
    form.locator("select[name=reason]").select_option("other")
    with page.expect_navigation():
        form.locator("button").click()
    assert page.locator(".messages .error").count() == 1 and Alert.objects.get(pk=second).status == "new"
    form = page.locator(f"[data-testid=dismiss-{second}]")
    form.locator("select[name=reason]").select_option("legitimate")
    form.locator("input[name=note]").fill("联合体成员报价" if zh else "members of one consortium")
    with page.expect_navigation():
        form.locator("button").click()
    dismissed = Alert.objects.get(pk=second)
    assert (dismissed.status, dismissed.dismiss_reason) == ("dismissed", "legitimate")
    assert rows.count() == 1
    assert page.locator("[data-testid=count-confirmed]").inner_text() == "1"
    assert page.locator("[data-testid=count-dismissed]").inner_text() == "1"
    shot(page, artifacts, f"review-inbox-decided-{language}.png")

    # The indicator's measured precision follows the two reviews.
    page.goto(f"{url}/detect/indicators/R028/")
    assert page.locator("[data-testid=precision]").inner_text() == "50%"
    assert page.locator("[data-testid=reviewed]").inner_text() == "2"
    assert ("有正当理由可以解释" if zh else "Explained by a legitimate reason") in page.inner_text("body")
    shot(page, artifacts, f"review-indicator-{language}.png")

    # The lead appears in the lead registry, with the evidence, for case supervision.
    context, manager = signed_in(browser, url, "lead_manager", language)
    manager.goto(f"{url}/cases/leads/")
    assert lead.number in manager.inner_text("body")
    manager.goto(f"{url}/cases/leads/{lead.pk}/")
    body = manager.inner_text("body")
    assert "sample.jsonl#" in body and Alert.objects.get(pk=first).explanation_zh in body
    shot(manager, artifacts, f"review-lead-{language}.png")
    context.close()

    # A parameter change proposed by the analyst waits for approval; a run does not use it.
    page.goto(f"{url}/detect/indicators/R018/")
    form = page.locator("[data-testid=propose-form]")
    form.locator("input[name=p_procurement_methods]").fill('["open"]')
    form.locator("textarea[name=reason]").fill(
        "邀请招标另行核查" if zh else "selective tenders are checked apart"
    )
    with page.expect_navigation():
        form.locator("button").click()
    assert page.locator("[data-testid=pending-change]").count() == 1
    shot(page, artifacts, f"review-proposed-{language}.png")
    setting = IndicatorSetting.objects.get()
    run = actions.run_indicators(["R018"], ocds_file=ocds)
    assert IndicatorRun.objects.get(run=run).parameters["procurement_methods"] == ["open", "selective"]
    # The analyst cannot sign off their own change; the approver can.
    page.goto(f"{url}/detect/changes/")
    assert page.locator(f"[data-testid=decide-{setting.pk}]").count() == 0
    context, approver = signed_in(browser, url, "approver", language)
    assert ("待审批的指标修改" if zh else "Indicator changes awaiting approval") in approver.inner_text(
        "body"
    )
    approver.goto(f"{url}/detect/changes/")
    shot(approver, artifacts, f"review-changes-{language}.png")
    decide = approver.locator(f"[data-testid=decide-{setting.pk}]")
    decide.locator("input[name=note]").fill("同意" if zh else "agreed")
    with approver.expect_navigation():
        decide.locator("button[value=approve]").click()
    assert approver.locator(".messages .success").count() == 1
    shot(approver, artifacts, f"review-approved-{language}.png")
    context.close()
    run = actions.run_indicators(["R018"], ocds_file=ocds)
    line = IndicatorRun.objects.get(run=run)
    assert line.parameters["procurement_methods"] == ["open"] and line.setting == setting
    page.goto(f"{url}/detect/indicators/R018/")
    assert ("第 1 版" if zh else "version 1") in page.locator("[data-testid=in-force]").inner_text()
