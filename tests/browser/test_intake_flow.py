"""A reporter on a phone, an intake officer at a desk, and an investigator who never sees the reporter."""

from __future__ import annotations

import pytest

from jiancha.intake.models import Report
from jiancha.ledger.models import Event

from .intake_steps import file_report, follow_up, intake_settings, phone_page
from .test_cases_flow import People

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("intake_settings"),
]
__all__ = ["intake_settings"]

REPORTER = {"name": "张三", "id_number": "331202198001010021"[:17] + "X", "phone": "13800138000"}
XSS = '<script>window.__xss = 1</script><img src=x onerror="window.__xss = 1">'


def _valid_id() -> str:
    from jiancha.identifiers import resident_id_check_char

    body = "33120219800101002"
    return body + resident_id_check_char(body)


@pytest.fixture
def people(browser, live_server):
    crowd = People(browser, live_server.url)
    yield crowd
    crowd.close()


def test_reporters_on_a_phone_follow_up_and_read_the_officers_feedback(
    browser, live_server, people, demo_region, artifacts
):
    base = live_server.url
    phone = phone_page(browser)
    dialogs: list[str] = []
    phone.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))

    # Anonymous, with script in every field it can hold.
    phone.goto(f"{base}/report/")
    phone.screenshot(path=str(artifacts / "intake-form-phone-zh-hans.png"), full_page=True)
    anonymous_code = file_report(
        phone,
        base,
        {
            "concerns-name": "刘某某" + XSS[:40],
            "concerns-unit": XSS,
            "facts": "清河区住建局副局长在招标中收受财物 " + XSS,
            "happened-where": XSS,
        },
    )
    assert len(anonymous_code.replace(" ", "")) == 20
    phone.screenshot(path=str(artifacts / "intake-receipt-phone-zh-hans.png"), full_page=True)

    # Real name: a wrong ID number is refused with the reason, nothing stored.
    reporter = {**REPORTER, "id_number": _valid_id()}
    phone.goto(f"{base}/report/")
    phone.check("[data-testid=real-name]")
    phone.fill("[data-testid=concerns-name]", "陈某")
    phone.fill("[data-testid=facts]", "梅城镇镇长陈某违规将低保名额给亲属")
    phone.fill("[data-testid=reporter-name]", reporter["name"])
    phone.fill("[data-testid=reporter-id]", "331202198001010029")
    phone.fill("[data-testid=reporter-phone]", reporter["phone"])
    phone.wait_for_selector("form[data-pow-done='1']")
    phone.click("[data-testid=submit]")
    assert "校验码" in phone.locator("[data-testid=error-reporter_id_number]").inner_text()
    assert Report.objects.count() == 1
    real_code = file_report(
        phone,
        base,
        {
            "concerns-name": "陈某",
            "concerns-position": "梅城镇镇长",
            "facts": "梅城镇镇长陈某违规将低保名额给亲属",
        },
        reporter,
    )
    report = Report.objects.get(real_name=True)

    # The intake officer accepts it and tells the reporter (受理告知).
    officer = people("intake")
    officer.goto(f"{base}/report/staff/")
    assert report.number in officer.locator("[data-testid=reports]").inner_text()
    officer.click(f"text={report.number}")
    assert "张三" not in officer.content()
    officer.click("[data-testid=accept]")
    officer.wait_for_selector("[data-testid=lead-number]")
    officer.select_option("[data-testid=message-kind]", "acceptance")
    officer.fill("[data-testid=message-text]", "您反映的问题已受理，转案件监督管理部门办理。")
    officer.click("[data-testid=message-submit]")
    officer.screenshot(path=str(artifacts / "intake-staff-report-zh-hans.png"), full_page=True)
    officer.click("[data-testid=reveal-link]")
    officer.fill("[data-testid=reveal-reason]", "电话回访举报人")
    officer.click("[data-testid=reveal-submit]")
    assert officer.locator("[data-testid=identity-name]").inner_text() == "张三"
    assert Event.objects.filter(kind="intake.identity_viewed", object_id=report.number).count() == 1

    # The reporter sees the status and the feedback; then adds information.
    follow_up(phone, base, real_code)
    assert phone.locator("[data-testid=status]").inner_text() == "已受理"
    assert "您反映的问题已受理" in phone.locator("[data-testid=thread]").inner_text()
    phone.fill("[data-testid=add-text]", "补充：低保名单在镇政府公示栏")
    phone.click("[data-testid=add-submit]")
    assert "补充：低保名单" in phone.locator("[data-testid=thread]").inner_text()
    phone.screenshot(path=str(artifacts / "intake-follow-phone-zh-hans.png"), full_page=True)

    # The anonymous report's script never ran, on the reporter's page or the officer's.
    follow_up(phone, base, anonymous_code)
    assert "<script>" in phone.locator("[data-testid=facts]").inner_text()
    officer.goto(f"{base}/report/staff/")
    officer.click(f"text={Report.objects.get(real_name=False).number}")
    for page in (phone, officer):
        assert page.evaluate("window.__xss") is None
    assert dialogs == []

    # The same pages in English.
    english = phone_page(browser, "en-US")
    english.goto(f"{base}/report/")
    english.click("[data-testid=language-en]")
    english.wait_for_selector("html[lang=en]")
    assert english.locator("[data-testid=page-title]").inner_text() == "Report a problem"
    english.screenshot(path=str(artifacts / "intake-form-phone-en.png"), full_page=True)
    follow_up(english, base, real_code)
    assert english.locator("[data-testid=status]").inner_text() == "Accepted"
    english.screenshot(path=str(artifacts / "intake-follow-phone-en.png"), full_page=True)
    officer.click("[data-testid=language-en]")
    officer.goto(f"{base}/report/staff/")
    officer.screenshot(path=str(artifacts / "intake-staff-list-en.png"), full_page=True)


def test_an_investigator_never_sees_the_reporter(browser, live_server, people, demo_region, artifacts):
    base = live_server.url
    phone = phone_page(browser)
    reporter = {**REPORTER, "id_number": _valid_id()}
    file_report(
        phone,
        base,
        {
            "concerns-name": "刘某某",
            "concerns-unit": "清河区住建局",
            "facts": "副局长刘某某收受工程老板红包五万元",
        },
        reporter,
    )
    report = Report.objects.get()
    officer = people("intake")
    officer.goto(f"{base}/report/staff/{report.pk}/")
    officer.select_option("[data-testid=lead-division]", "331202000000")
    officer.click("[data-testid=accept]")
    officer.wait_for_selector("[data-testid=lead-number]")

    investigator = people("investigator")
    for path in ("/report/staff/", f"/report/staff/{report.pk}/", f"/report/staff/{report.pk}/identity/"):
        response = investigator.goto(base + path)
        assert response.status == 403
        assert "张三" not in investigator.content() and reporter["phone"] not in investigator.content()
    investigator.goto(f"{base}/")
    home = investigator.content()
    assert "/report/staff/" not in home and "张三" not in home
    investigator.screenshot(path=str(artifacts / "intake-investigator-home-zh-hans.png"), full_page=True)
    # Case supervision reads the lead: what happened, not who told.
    manager = people("lead_manager")
    report.refresh_from_db()
    manager.goto(f"{base}/cases/leads/{report.lead_id}/")
    page = manager.content()
    assert "收受工程老板红包" in page and "张三" not in page and reporter["id_number"] not in page
