"""A lead from a web report to a final transfer, taken by the right people through the real pages.

The lead starts as a real-name report filed on the public form from a phone and accepted by an intake
officer; everything after that is done by clicking, each step by the role that owns it, and the
reporter's identity never reaches anyone on the case.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from jiancha.cases.models import Case, Deadline, Lead, TimelineEntry
from jiancha.identifiers import resident_id_check_char
from jiancha.intake.models import Report
from jiancha.ledger.models import Event

from ..factories import DEMO_PASSWORD
from .intake_steps import accept_report, file_report, intake_settings, phone_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
__all__ = ["intake_settings"]

REPORTER_ID = "33120219800101002" + resident_id_check_char("33120219800101002")


class People:
    """One signed-in browser context per person, as each would sit at their own desk."""

    def __init__(self, browser, base_url: str) -> None:
        self.browser, self.base_url = browser, base_url
        self.pages: dict[str, object] = {}
        self.contexts: list = []

    def __call__(self, username: str) -> Any:
        if username not in self.pages:
            context = self.browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
            self.contexts.append(context)
            page = context.new_page()
            page.goto(f"{self.base_url}/accounts/login/")
            page.fill("#id_username", username)
            page.fill("#id_password", DEMO_PASSWORD)
            page.click("[data-testid=login-submit]")
            page.wait_for_selector("[data-testid=home-title]")
            self.pages[username] = page
        return self.pages[username]

    def close(self) -> None:
        for context in self.contexts:
            context.close()


@pytest.fixture
def people(browser, live_server):
    crowd = People(browser, live_server.url)
    yield crowd
    crowd.close()


def approve_next(page, base_url: str, expect: str) -> None:
    page.goto(f"{base_url}/cases/approvals/")
    row = page.locator("[data-testid=approvals] tbody tr").first
    assert expect in row.inner_text()
    row.locator("[data-testid=approve]").click()
    page.wait_for_load_state()
    assert "已批准" in page.locator(".messages").inner_text()


@pytest.mark.usefixtures("intake_settings")
def test_lead_to_final_transfer(people, browser, live_server, demo_region, artifacts):
    base = live_server.url
    # A member of the public reports on the web form from a phone, by real name.
    phone = phone_page(browser)
    file_report(
        phone,
        base,
        {
            "concerns-name": "刘某某",
            "concerns-unit": "清河区住建局",
            "concerns-position": "副局长",
            "facts": "清河区住建局副局长刘某某在老旧小区改造工程招标中收受投标人财物",
        },
        {"name": "张举报", "id_number": REPORTER_ID, "phone": "13900139000"},
    )
    # The intake officer accepts it into a lead for the district, in the green channel.
    report = Report.objects.get()
    accept_report(people("intake"), base, report.number, "331202000000", priority=True)
    lead = Lead.objects.get(source_ref=report.number)
    assert lead.source == "report" and lead.priority and lead.division.code == "331202000000"

    # Case supervision proposes the disposal: preliminary verification (初步核实).
    manager = people("lead_manager")
    manager.goto(f"{base}/cases/leads/")
    assert lead.number in manager.locator("[data-testid=leads]").inner_text()
    manager.screenshot(path=str(artifacts / "cases-leads-zh-hans.png"), full_page=True)
    manager.click(f"text={lead.number}")
    manager.click("[data-testid=step-dispose_preliminary_verification]")
    assert manager.locator("[data-testid=pending]").count() == 1
    manager.screenshot(path=str(artifacts / "cases-lead-zh-hans.png"), full_page=True)

    approver = people("approver")
    approver.goto(f"{base}/")
    assert "待您审批" in approver.locator("[data-testid=panel]").first.inner_text()
    approver.goto(f"{base}/cases/approvals/")
    approver.screenshot(path=str(artifacts / "cases-approvals-zh-hans.png"), full_page=True)
    approve_next(approver, base, "初步核实")

    # Filing (立案), proposed and approved.
    manager.goto(f"{base}/cases/leads/{lead.pk}/")
    assert manager.locator("[data-testid=lead-state]").inner_text() == "初步核实"
    manager.fill("input[name=title]", "刘某某涉嫌受贿案")
    manager.select_option("select[name=case_type]", "duty_crime")
    manager.check("input[name=major]")
    manager.click("[data-testid=step-file_case]")
    approve_next(approver, base, "立案")
    case = Case.objects.get(lead=lead)

    # The leader sets the team; the recusal check runs on each member.
    approver.goto(f"{base}/cases/{case.pk}/")
    approver.select_option("select[name=user]", label="赵审查 (investigator)")
    approver.click("[data-testid=add-member]")
    assert "赵审查" in approver.locator("[data-testid=team]").inner_text()

    # Investigation (审查调查) with one interview measure and its recording.
    investigator = people("investigator")
    investigator.goto(f"{base}/cases/mine/")
    investigator.click(f"text={case.number}")
    assert "张举报" not in investigator.content() and REPORTER_ID not in investigator.content()
    investigator.click("[data-testid=step-start_investigation]")
    assert investigator.locator("[data-testid=case-state]").inner_text() == "审查调查"
    investigator.select_option("[data-testid=measure-form] select[name=kind]", "talk")
    investigator.fill("[data-testid=measure-form] input[name=subject]", "刘某某")
    investigator.click("[data-testid=measure-request]")
    approve_next(approver, base, "谈话")
    measure = case.measures.get()
    investigator.goto(f"{base}/cases/{case.pk}/")
    investigator.click(f"[data-testid=measure-start-{measure.pk}]")
    form = investigator.locator("[data-testid=evidence-form]")
    form.locator("select[name=evidence_type]").select_option("av_recording")
    form.locator("select[name=measure]").select_option(str(measure.pk))
    form.locator("input[name=description]").fill("谈话同步录音录像")
    form.locator("input[name=source]").fill("第一谈话室")
    form.locator("input[name=location]").fill("证物室A")
    form.locator("input[name=file]").set_input_files(
        files=[{"name": "talk.mp4", "mimeType": "video/mp4", "buffer": b"synchronized recording"}]
    )
    investigator.click("[data-testid=evidence-submit]")
    assert len(investigator.locator("[data-testid=sha256]").first.inner_text()) == 64
    with investigator.expect_download() as download:
        investigator.locator("[data-testid=evidence-download]").first.click()
    assert Path(download.value.path()).read_bytes() == b"synchronized recording"
    investigator.click(f"[data-testid=measure-end-{measure.pk}]")
    investigator.click("[data-testid=step-submit_for_review]")
    approve_next(approver, base, "移送审理")

    # Trial review (审理), then transfer (移送审查起诉) once the checklist passes.
    reviewer = people("reviewer")
    reviewer.goto(f"{base}/cases/review/")
    reviewer.click(f"text={case.number}")
    checklist = reviewer.locator("[data-testid=checklist] > li")
    assert checklist.count() >= 5
    assert set(checklist.evaluate_all("els => els.map(e => e.dataset.passed)")) == {"yes"}
    reviewer.click("[data-testid=step-transfer]")
    approve_next(approver, base, "移送审查起诉")

    # The procuratorate returns it once (退回补充调查), stating its reasons.
    procuratorate = people("procuratorate")
    procuratorate.goto(f"{base}/cases/transferred/")
    procuratorate.click(f"text={case.number}")
    procuratorate.fill("[data-testid=reason-return_for_supplementary_investigation]", "缺少行贿人银行流水")
    procuratorate.click("[data-testid=step-return_for_supplementary_investigation]")
    assert procuratorate.locator("[data-testid=case-state]").inner_text() == "退回补充调查"
    assert "缺少行贿人银行流水" in procuratorate.locator("[data-testid=returns]").inner_text()

    investigator.goto(f"{base}/cases/{case.pk}/")
    assert "补充调查" in investigator.locator("[data-testid=deadlines]").inner_text()
    investigator.click("[data-testid=step-retransfer]")
    approve_next(approver, base, "重新移送")

    # The timeline, the deadlines and the ledger agree.
    reviewer.goto(f"{base}/cases/{case.pk}/")
    assert reviewer.locator("[data-testid=case-state]").inner_text() == "移送审查起诉"
    timeline = reviewer.locator("[data-testid=timeline] > li")
    kinds = timeline.evaluate_all("els => els.map(e => e.dataset.kind)")
    for kind in (
        "lead.created",
        "lead.dispose_preliminary_verification",
        "lead.file_case",
        "case.filed",
        "case.member_added",
        "case.start_investigation",
        "measure.approved",
        "evidence.added",
        "case.submit_for_review",
        "case.transfer",
        "case.return_for_supplementary_investigation",
        "case.retransfer",
    ):
        assert kind in kinds, kind
    shown_indexes = [int(i) for i in timeline.evaluate_all("els => els.map(e => e.dataset.ledger)")]
    for index, kind in zip(shown_indexes, kinds, strict=True):
        assert Event.objects.get(index=index).kind == kind
    assert TimelineEntry.objects.filter(lead=lead).count() == len(kinds)
    deadlines = reviewer.locator("[data-testid=deadlines] tbody tr")
    clocks = deadlines.evaluate_all("els => els.map(e => e.dataset.clock)")
    assert {"investigation", "trial_review", "supplementary_investigation", "procuratorate_review"} <= set(
        clocks
    )
    running = Deadline.objects.get(case=case, clock="procuratorate_review", status="running")
    row = reviewer.locator("[data-testid=deadlines] tr[data-clock=procuratorate_review]").last
    assert row.get_attribute("data-due") == running.due_on.isoformat()
    assert Deadline.objects.get(case=case, clock="supplementary_investigation").status == "met"
    reviewer.screenshot(path=str(artifacts / "cases-case-zh-hans.png"), full_page=True)

    manager.goto(f"{base}/cases/report/")
    assert "100.0%" in manager.locator("[data-testid=return-rate]").inner_text()
    manager.screenshot(path=str(artifacts / "cases-report-zh-hans.png"), full_page=True)
    manager.goto(f"{base}/")
    manager.screenshot(path=str(artifacts / "cases-home-panel-zh-hans.png"), full_page=True)

    # The same pages in English.
    reviewer.click("[data-testid=language-en]")
    reviewer.wait_for_selector("html[lang=en]")
    assert reviewer.locator("[data-testid=case-state]").inner_text() == "Transferred for prosecution"
    reviewer.screenshot(path=str(artifacts / "cases-case-en.png"), full_page=True)
    manager.click("[data-testid=language-en]")
    manager.wait_for_selector("html[lang=en]")
    for name, path in (
        ("leads", "/cases/leads/"),
        ("lead", f"/cases/leads/{lead.pk}/"),
        ("report", "/cases/report/"),
    ):
        manager.goto(base + path)
        manager.screenshot(path=str(artifacts / f"cases-{name}-en.png"), full_page=True)
    approver.click("[data-testid=language-en]")
    approver.goto(f"{base}/cases/deadlines/")
    approver.screenshot(path=str(artifacts / "cases-deadlines-en.png"), full_page=True)
