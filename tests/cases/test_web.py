"""Pages, API, home panel, digest and report, as each role sees them."""

import datetime as dt
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import timezone, translation

from jiancha.access.models import DeniedRequest, User
from jiancha.access.services import issue_token
from jiancha.cases.actions import PersonInput, do_decide
from jiancha.cases.models import Lead

from ..factories import make_user
from .conftest import filed_case, new_lead, reviewing_case, step, transferred_case

pytestmark = pytest.mark.django_db


def html(client, url):
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.content.decode()


def test_lead_registry_and_lead_page_for_case_supervision(client, staff):
    lead = new_lead(staff, priority=True)
    client.force_login(staff.lead_manager)
    page = html(client, "/cases/leads/")
    assert (lead.number in page and "快查快办" in page) or "green" in page
    page = html(client, f"/cases/leads/{lead.pk}/")
    assert "刘某某" in page and 'data-testid="step-dispose_talk_inquiry"' in page
    assert "线索处置方案" in page  # the disposal clock, in Chinese by default


def test_register_a_lead_through_the_form(client, staff):
    client.force_login(staff.lead_manager)
    response = client.post(
        "/cases/leads/new/",
        {"division": "331202000000", "source": "inspection", "summary": "巡察移交：违规发放补贴", "source_ref": "XC-7",
         "classification": "internal", "person_name": "钱某", "person_identity": "", "person_position": "科长",
         "person_family": ""},
    )  # fmt: skip
    lead = Lead.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/cases/leads/{lead.pk}/"
    assert lead.source == "inspection" and lead.persons.get().position == "科长"


def test_a_refused_step_comes_back_with_its_reason(client, staff):
    lead = new_lead(staff)
    client.force_login(staff.lead_manager)
    response = client.post(
        f"/cases/leads/{lead.pk}/act/",
        {
            "action": "step",
            "step": "file_case",
            "version": lead.version,
            "title": "x",
            "case_type": "duty_crime",
        },
        follow=True,
    )
    assert "初步核实" in response.content.decode() and not lead.approvals.exists()


def test_a_stale_form_is_told_to_reload(client, staff):
    lead = new_lead(staff)
    client.force_login(staff.lead_manager)
    old_version = lead.version
    step(lead, "dispose_hold", staff.lead_manager)
    response = client.post(
        f"/cases/leads/{lead.pk}/act/",
        {"action": "step", "step": "dispose_close", "version": old_version, "reason": "x"},
        follow=True,
    )
    assert "其他人修改" in response.content.decode() or "someone else" in response.content.decode()


def test_approvals_page_and_decision(client, staff):
    lead = new_lead(staff)
    step(lead, "dispose_hold", staff.lead_manager)
    client.force_login(staff.approver)
    page = html(client, "/cases/approvals/")
    assert "暂存待查" in page and lead.number in page
    approval = lead.approvals.get()
    client.post(f"/cases/approvals/{approval.pk}/", {"decision": "approve"})
    lead.refresh_from_db()
    assert lead.state == "held"


def test_an_investigator_sees_only_the_team_cases(client, staff):
    mine = filed_case(staff)
    other = filed_case(staff, summary="另案", name="孙某")
    other.members.all().delete()
    client.force_login(staff.investigator)
    page = html(client, "/cases/mine/")
    assert mine.number in page and other.number not in page
    assert client.get(f"/cases/{other.pk}/").status_code == 403
    assert DeniedRequest.objects.filter(path=f"/cases/{other.pk}/").exists()
    assert client.get("/cases/leads/").status_code == 403


def test_the_procuratorate_sees_only_transferred_or_shared_cases(client, staff):
    transferred = transferred_case(staff)
    shared = reviewing_case(staff, summary="共享会商", name="周某")
    hidden = reviewing_case(staff, summary="未移送", name="吴某")
    from jiancha.cases.actions import do_record_consultation

    do_record_consultation(
        shared, staff.reviewer, shared.version, liaison=staff.procuratorate, held_on=dt.date(2026, 3, 1),
        participants="审理室、检察院", summary="证据标准会商",
    )  # fmt: skip
    client.force_login(staff.procuratorate)
    page = html(client, "/cases/transferred/")
    assert transferred.number in page and shared.number in page and hidden.number not in page
    assert client.get(f"/cases/{hidden.pk}/").status_code == 403
    page = html(client, f"/cases/{shared.pk}/")
    assert "证据标准会商" in page


def test_case_page_shows_timeline_deadlines_evidence_and_checklist(client, staff):
    case = reviewing_case(staff)
    client.force_login(staff.reviewer)
    page = html(client, f"/cases/{case.pk}/")
    for text in ('data-testid="timeline"', "审理期限", 'data-testid="checklist"', "移送审查起诉", "立案"):
        assert text in page, text
    client.cookies["jiancha_language"] = "en"
    page = html(client, f"/cases/{case.pk}/")
    assert "Trial review" in page and "Transfer for prosecution" in page


def test_home_panel_shows_overdue_and_soon_due_items(client, staff):
    old = timezone.now() - dt.timedelta(days=40)
    lead = new_lead(staff, received_on=timezone.localdate(old))
    client.force_login(staff.lead_manager)
    page = html(client, "/")
    assert lead.number in page and 'class="overdue"' in page
    client.force_login(staff.approver)
    step(lead, "dispose_hold", staff.lead_manager)
    assert "1 个请求待您审批" in html(client, "/") or "await your approval" in html(client, "/")


def test_daily_digest_per_user(tmp_path, staff, capsys):
    old = timezone.now() - dt.timedelta(days=40)
    lead = new_lead(staff, received_on=timezone.localdate(old))
    call_command("cases", "digest", "--out", str(tmp_path))
    files = {path.name.split("-20")[0]: path.read_text() for path in tmp_path.iterdir()}
    assert lead.number in files["lead_manager"] and "已超期" in files["lead_manager"]
    assert "investigator" not in files  # nothing due on their cases
    call_command("cases", "digest", "--all")
    assert "investigator" in capsys.readouterr().out


def test_cycle_report_and_return_rate(client, staff):
    case = transferred_case(staff)
    step(case, "return_for_supplementary_investigation", staff.procuratorate, reason="补充")
    reviewing_case(staff, summary="另一案", name="冯某")
    client.force_login(staff.lead_manager)
    page = html(client, "/cases/report/")
    assert "职务犯罪" in page and "100.0%" in page


def test_api_lists_details_and_steps(client, staff):
    token = issue_token(staff.lead_manager, "t")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    body = {
        "division_code": "331202000000", "source": "alert", "summary": "预警：低保对象名下有车",
        "persons": [{"name": "陈某", "identity_id": "P-9"}], "priority": True,
    }  # fmt: skip
    created = client.post("/api/cases/leads", json.dumps(body), content_type="application/json", **auth)
    assert created.status_code == 201, created.content
    lead = created.json()
    assert lead["deadlines"][0]["clock"] == "disposal_plan" and lead["timeline"][0]["kind"] == "lead.created"
    bad = client.post(
        f"/api/cases/leads/{lead['id']}/steps",
        json.dumps({"step": "file_case", "version": lead["version"]}), content_type="application/json", **auth,
    )  # fmt: skip
    assert bad.status_code == 409 and "初步核实" in bad.json()["detail"]
    stale = client.post(
        f"/api/cases/leads/{lead['id']}/steps",
        json.dumps({"step": "dispose_hold", "version": lead["version"] - 1}), content_type="application/json", **auth,
    )  # fmt: skip
    assert stale.status_code == 409 and stale.json()["detail"].startswith("stale")
    ok = client.post(
        f"/api/cases/leads/{lead['id']}/steps",
        json.dumps({"step": "dispose_hold", "version": lead["version"]}), content_type="application/json", **auth,
    )  # fmt: skip
    assert ok.status_code == 200 and ok.json()["pending_approval"]
    approver = {"HTTP_AUTHORIZATION": f"Bearer {issue_token(staff.approver, 'a')}"}
    listed = client.get("/api/cases/approvals", **approver).json()
    assert [a["step"] for a in listed] == ["dispose_hold"]
    decided = client.post(
        f"/api/cases/approvals/{listed[0]['id']}", json.dumps({"decision": "approve"}),
        content_type="application/json", **approver,
    )  # fmt: skip
    assert decided.json()["status"] == "approved"
    assert client.get(f"/api/cases/leads/{lead['id']}", **auth).json()["state"] == "held"
    # Refused for someone without the right.
    reviewer = {"HTTP_AUTHORIZATION": f"Bearer {issue_token(staff.reviewer, 'r')}"}
    assert client.get("/api/cases/leads", **reviewer).status_code == 403
    assert client.post(
        f"/api/cases/approvals/{listed[0]['id']}", json.dumps({"decision": "approve"}),
        content_type="application/json", **reviewer,
    ).status_code == 403  # fmt: skip


def test_api_case_detail_and_visibility(client, staff):
    case = transferred_case(staff)
    hidden = filed_case(staff, summary="他案", name="褚某")
    hidden.members.all().delete()
    token = {"HTTP_AUTHORIZATION": f"Bearer {issue_token(staff.investigator, 'i')}"}
    ids = [c["id"] for c in client.get("/api/cases/cases", **token).json()]
    assert ids == [case.pk]
    detail = client.get(f"/api/cases/cases/{case.pk}", **token).json()
    assert detail["state"] == "transferred" and detail["team"] == ["investigator"]
    assert {d["clock"] for d in detail["deadlines"]} >= {
        "investigation",
        "trial_review",
        "procuratorate_review",
    }
    assert all(f["missing"] == [] for f in detail["checklist"])
    assert client.get(f"/api/cases/cases/{hidden.pk}", **token).status_code == 403
    report = client.get(
        "/api/cases/report/cycle", **{"HTTP_AUTHORIZATION": f"Bearer {issue_token(staff.approver, 'a')}"}
    )
    assert report.json()["transferred"] == 1 and report.json()["return_rate"] == 0.0


def test_someone_outside_the_scope_sees_nothing(client, staff):
    outsider = make_user("far_manager", "lead_manager", "331221000000")  # 梅山县, not 清河区
    lead = new_lead(staff)
    client.force_login(outsider)
    assert lead.number not in html(client, "/cases/leads/")
    assert client.get(f"/cases/leads/{lead.pk}/").status_code == 403


def test_an_extension_requested_on_the_case_page_goes_to_the_approver(client, staff):
    from jiancha.cases.actions import do_decide

    started = dt.datetime(2025, 3, 3, 10, tzinfo=timezone.get_current_timezone())
    case = reviewing_case(staff, now=started)
    clock = case.deadlines.get(clock="trial_review")
    assert clock.due_on == dt.date(2025, 4, 3)
    client.force_login(staff.reviewer)
    page = html(client, f"/cases/{case.pk}/")
    assert 'data-testid="extend-trial_review"' in page and "一般延长" in page
    client.post(
        f"/cases/{case.pk}/act/",
        {
            "action": "extend",
            "deadline": clock.pk,
            "kind": "ordinary",
            "reason": "案情复杂",
            "version": case.version,
        },
    )
    approval = clock.approvals.get()
    do_decide(approval, staff.approver, True)
    clock.refresh_from_db()
    # One more month from 3 April ends on 3 May, inside the Labour Day holiday (1–5 May): 6 May.
    assert clock.extensions_of("ordinary") == 1 and clock.due_on == dt.date(2025, 5, 6)
    case.refresh_from_db()
    response = client.post(
        f"/cases/{case.pk}/act/",
        {
            "action": "extend",
            "deadline": clock.pk,
            "kind": "ordinary",
            "reason": "再延",
            "version": case.version,
        },
        follow=True,
    )
    assert "最多延长1次" in response.content.decode()


def test_no_panel_when_nothing_is_due(client, staff):
    client.force_login(staff.investigator)
    assert 'data-testid="panel"' not in html(client, "/")


def test_api_works_the_case_file(client, staff):
    import hashlib

    from jiancha.cases.actions import do_decide

    case = filed_case(staff)
    bearer = {
        u: {"HTTP_AUTHORIZATION": f"Bearer {issue_token(getattr(staff, u), u)}"}
        for u in ("investigator", "approver", "reviewer")
    }

    def post(user, url, body, **extra):
        return client.post(url, json.dumps(body), content_type="application/json", **bearer[user], **extra)

    # Recusal through the API: a relative of the person concerned is refused with the reason.
    staff.investigator2.first_name = "刘大"
    staff.investigator2.save()
    refused = post(
        "approver",
        f"/api/cases/cases/{case.pk}/members",
        {"version": case.version, "username": "investigator2"},
    )
    assert refused.status_code == 409 and "回避" in refused.json()["detail"]

    assert (
        post(
            "investigator",
            f"/api/cases/cases/{case.pk}/steps",
            {"step": "start_investigation", "version": case.version},
        ).status_code
        == 200
    )
    case.refresh_from_db()
    measure = post(
        "investigator",
        f"/api/cases/cases/{case.pk}/measures",
        {"version": case.version, "kind": "detention", "subject": "刘某某"},
    )
    assert measure.status_code == 201
    measure_id = measure.json()["id"]
    approval = next(
        a for a in client.get("/api/cases/approvals", **bearer["approver"]).json() if a["kind"] == "measure"
    )
    assert (
        post("approver", f"/api/cases/approvals/{approval['id']}", {"decision": "approve"}).json()["status"]
        == "approved"
    )
    case.refresh_from_db()
    started = post("investigator", f"/api/cases/measures/{measure_id}/start", {"version": case.version})
    assert started.status_code == 200
    detail = client.get(f"/api/cases/cases/{case.pk}", **bearer["investigator"]).json()
    detention = next(d for d in detail["deadlines"] if d["clock"] == "detention")
    assert any(d["clock"] == "detention_notification" and d["due_at"] for d in detail["deadlines"])

    upload = client.post(
        f"/api/cases/cases/{case.pk}/evidence",
        {"version": detail["version"], "evidence_type": "notification", "description": "留置通知书", "source": "本委",
         "location": "档案室", "measure_id": measure_id, "file": SimpleUploadedFile("notice.pdf", b"%PDF notice")},
        **bearer["investigator"],
    )  # fmt: skip
    assert upload.status_code == 201, upload.content
    assert upload.json()["sha256"] == hashlib.sha256(b"%PDF notice").hexdigest()
    case.refresh_from_db()
    handed = post(
        "investigator",
        f"/api/cases/evidence/{upload.json()['id']}/custody",
        {"version": case.version, "to_username": "investigator", "location": "证物室"},
    )
    assert handed.status_code == 200 and len(handed.json()["custody"]) == 2

    case.refresh_from_db()
    asked = post(
        "investigator",
        f"/api/cases/deadlines/{detention['id']}/extensions",
        {"version": case.version, "kind": "ordinary", "reason": "案情复杂"},
    )
    assert asked.status_code == 201
    do_decide(case.approvals.get(status="pending"), staff.approver, True)
    case.refresh_from_db()
    again = post(
        "investigator",
        f"/api/cases/deadlines/{detention['id']}/extensions",
        {"version": case.version, "kind": "ordinary", "reason": "再延"},
    )
    assert again.status_code == 409

    case.refresh_from_db()
    consulted = post("investigator", f"/api/cases/cases/{case.pk}/consultations",
                     {"version": case.version, "liaison": "procuratorate", "held_on": "2026-03-02", "summary": "证据标准"})  # fmt: skip
    assert consulted.status_code == 201
    liaison = {"HTTP_AUTHORIZATION": f"Bearer {issue_token(staff.procuratorate, 'p')}"}
    assert [c["id"] for c in client.get("/api/cases/cases", **liaison).json()] == [case.pk]
    case.refresh_from_db()
    shared = post(
        "approver", f"/api/cases/cases/{case.pk}/share", {"version": case.version, "liaison": "procuratorate"}
    )
    assert shared.status_code == 200 and shared.json()["version"] == case.version + 1
    mine = client.get("/api/cases/deadlines", **bearer["investigator"]).json()
    assert {d["clock"] for d in mine} >= {"detention", "investigation"}


@pytest.mark.parametrize("role", ["analyst", "security_officer", "admin", "dept_liaison", "grassroots"])
def test_roles_that_must_not_read_case_files_are_refused(client, staff, role):
    user = User.objects.get(username=role)
    # The grassroots supervisor registered the lead the case grew from: they see the lead, no more.
    case = transferred_case(staff, created_by=user) if role == "grassroots" else transferred_case(staff)
    client.force_login(user)
    urls = ["/cases/", f"/cases/{case.pk}/"]
    if role != "grassroots":
        urls += ["/cases/leads/", f"/cases/leads/{case.lead.pk}/"]
    for url in urls:
        assert client.get(url).status_code == 403, url
    assert client.get("/api/cases/cases").json() == []
    assert client.get(f"/api/cases/cases/{case.pk}").status_code == 403
    if role == "grassroots":
        kinds = [e["kind"] for e in client.get(f"/api/cases/leads/{case.lead.pk}").json()["timeline"]]
        assert "lead.created" in kinds and "lead.file_case" in kinds
        assert not [k for k in kinds if not k.startswith("lead.")], kinds
        page = html(client, f"/cases/leads/{case.lead.pk}/")
        assert "赵审查" not in page  # the investigator put on the team
        assert "移送审查起诉" not in page  # the transfer


def test_the_lead_page_still_shows_the_case_entries_to_those_who_see_the_case(client, staff):
    case = transferred_case(staff)
    client.force_login(staff.lead_manager)
    kinds = [e["kind"] for e in client.get(f"/api/cases/leads/{case.lead.pk}").json()["timeline"]]
    assert "case.member_added" in kinds and "case.transfer" in kinds


def test_duplicates_in_the_api_only_for_case_supervision(client, staff):
    grassroots = User.objects.get(username="grassroots")
    first = new_lead(staff, summary="某局副局长刘某某在工程招标中收受投标人财物", created_by=grassroots)
    second = new_lead(staff, summary="刘某某副局长在工程招标中收受投标人财物数十万元", created_by=grassroots)
    client.force_login(grassroots)
    assert client.get(f"/api/cases/leads/{second.pk}").json()["duplicates"] == []
    client.force_login(staff.lead_manager)
    assert client.get(f"/api/cases/leads/{second.pk}").json()["duplicates"] == [first.pk]


def test_a_grassroots_user_cannot_extend_their_leads_clock_through_the_api(
    client, staff, grassroots_lead, extendable_disposal_clock
):
    lead = grassroots_lead
    clock = lead.deadlines.get()
    client.force_login(lead.created_by)
    response = client.post(
        f"/api/cases/deadlines/{clock.pk}/extensions",
        json.dumps({"version": lead.version, "kind": "ordinary", "reason": "来不及"}),
        content_type="application/json",
    )
    assert response.status_code == 403
    assert not clock.approvals.exists()


def test_a_form_without_its_version_is_refused_not_applied(client, staff):
    lead = new_lead(staff)
    client.force_login(staff.lead_manager)
    response = client.post(
        f"/cases/leads/{lead.pk}/act/", {"action": "step", "step": "dispose_hold"}, follow=True
    )
    assert "reload" in response.content.decode() or "刷新" in response.content.decode()
    lead.refresh_from_db()
    assert lead.version == 1 and not lead.approvals.exists()
    case = filed_case(staff)
    client.force_login(staff.investigator)
    client.post(f"/cases/{case.pk}/act/", {"action": "step", "step": "start_investigation"})
    case.refresh_from_db()
    assert case.state == "filed"


@pytest.mark.parametrize(
    "target, expected",
    [
        ("https://evil.example/phish", "/cases/approvals/"),
        ("//evil.example/phish", "/cases/approvals/"),
        ("/cases/deadlines/", "/cases/deadlines/"),
    ],
)
def test_after_a_decision_only_a_page_of_this_site_is_followed(client, staff, target, expected):
    lead = new_lead(staff)
    step(lead, "dispose_hold", staff.lead_manager)
    client.force_login(staff.approver)
    response = client.post(
        f"/cases/approvals/{lead.approvals.get().pk}/", {"decision": "approve", "next": target}
    )
    assert response.status_code == 302 and response["Location"] == expected


def test_the_case_page_offers_only_people_whose_scope_covers_the_case(client, staff):
    from jiancha.orgs.models import Division, DivisionLevel

    from .conftest import DISTRICT

    other_county = Division.objects.filter(level=DivisionLevel.COUNTY).exclude(code=DISTRICT).first()
    far_investigator = make_user("investigator_far", "investigator", other_county.code)
    far_liaison = make_user("procuratorate_far", "procuratorate", other_county.code)
    case = reviewing_case(staff)
    client.force_login(staff.approver)
    context = client.get(f"/cases/{case.pk}/").context
    investigators = set(context["investigators"])
    liaisons = set(context["liaisons"])
    assert staff.investigator2 in investigators and far_investigator not in investigators
    assert staff.investigator not in investigators  # already on the team
    assert staff.procuratorate in liaisons and far_liaison not in liaisons


def test_legal_terms_read_correctly_in_chinese(staff):
    from django.utils import translation

    from jiancha.cases.models import MeasureKind
    from jiancha.cases.workflow import workflow

    with translation.override("zh-hans"):
        assert MeasureKind.SEARCH.label == "搜查" and MeasureKind.DETENTION.label == "留置"
        labels = {code: t.label for code, t in workflow().transitions.items()}
        assert labels["dispose_talk_inquiry"].endswith("谈话函询")
        assert labels["dispose_preliminary_verification"].endswith("初步核实")
        assert labels["dispose_hold"].endswith("暂存待查") and labels["dispose_close"].endswith("予以了结")
        assert labels["file_case"] == "立案" and labels["transfer"] == "移送审查起诉"
        assert labels["return_for_supplementary_investigation"] == "退回补充调查"
        assert workflow().state_label("case", "investigating") == "审查调查"
        assert workflow().state_label("case", "reviewing") == "审理"
        assert workflow().state_label("case", "sanctioned") == "处分"


def test_sharing_a_case_with_the_liaison_from_the_case_page(client, staff):
    case = reviewing_case(staff)
    client.force_login(staff.reviewer)
    assert 'data-testid="share"' in html(client, f"/cases/{case.pk}/")
    client.post(
        f"/cases/{case.pk}/act/",
        {"action": "share", "liaison": staff.procuratorate.pk, "version": case.version},
    )
    client.force_login(staff.procuratorate)
    assert case.number in html(client, "/cases/transferred/")


def test_a_transfer_names_its_receiving_liaison_and_only_that_liaison_sees_it(client, staff):
    other = make_user("procuratorate2", "procuratorate")
    case = reviewing_case(staff)
    client.force_login(staff.reviewer)
    page = html(client, f"/cases/{case.pk}/")
    assert 'data-testid="recipient-transfer"' in page and "procuratorate2" in page
    client.post(
        f"/cases/{case.pk}/act/",
        {"action": "step", "step": "transfer", "version": case.version, "recipient": "procuratorate2"},
    )
    approval = case.approvals.get(status="pending")
    assert approval.payload["details"]["recipient"] == "procuratorate2"
    do_decide(approval, staff.approver, True)
    case.refresh_from_db()
    assert case.state == "transferred"
    assert list(case.shared_with.all()) == [other]
    client.force_login(other)
    assert client.get(f"/cases/{case.pk}/").status_code == 200
    client.force_login(staff.procuratorate)
    assert client.get(f"/cases/{case.pk}/").status_code == 403


def test_a_transfer_to_someone_who_is_not_a_covering_liaison_is_refused(client, staff):
    case = reviewing_case(staff)
    client.force_login(staff.reviewer)
    with translation.override("en"):
        response = client.post(
            f"/cases/{case.pk}/act/",
            {"action": "step", "step": "transfer", "version": case.version, "recipient": "investigator"},
            follow=True,
        )
    assert "investigator is not a procuratorate liaison" in response.content.decode() or (
        "不是覆盖本案的检察机关联络人" in response.content.decode()
    )
    assert not case.approvals.filter(status="pending").exists()


@pytest.mark.parametrize("supervised", [True, False])
def test_the_lead_page_says_whether_the_person_is_a_supervised_person(client, staff, supervised):
    from jiancha.subjects.models import Entry

    from ..pool.fixtures import CHILD

    if supervised:
        Entry.objects.create(
            person_key=CHILD, name="刘某某", category=1, rule_code="organ_civil_servant", facts={},
            unit_name="清河区住房和城乡建设局", valid_from=dt.date(2020, 1, 1), confirmed_by="analyst/analyst",
            confirmed_at=timezone.now(),
        )  # fmt: skip
    lead = new_lead(
        staff,
        persons=[PersonInput("刘某某", identity_id=CHILD, position="某局副局长")],
        received_on=dt.date(2026, 3, 2),
    )
    client.force_login(staff.lead_manager)
    with translation.override("en"):
        page = html(client, f"/cases/leads/{lead.pk}/")
    if supervised:
        assert "supervised person (Art. 15, category 1 civil servants" in page or "监察对象" in page
        assert "清河区住房和城乡建设局" in page
    else:
        assert "not in the registry of supervised persons on 2026-03-02" in page or "不在监察对象名录" in page
    assert CHILD not in page  # case supervision sees the ID number masked
    detail = client.get(f"/api/cases/leads/{lead.pk}").json()
    assert detail["persons"][0]["identity_id"] != CHILD and detail["persons"][0]["registry"]
