"""The lead and case path through actions: steps, approvals, refusals, clocks, ledger, locking."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone, translation

from jiancha.cases import actions
from jiancha.cases.errors import ActionRefused, StaleVersion
from jiancha.cases.models import Approval, Case, Deadline, Lead, ProcuratorateReturn, TimelineEntry
from jiancha.cases.recusal import RecusalRequired
from jiancha.cases.services import duplicate_candidates, leads_for
from jiancha.cases.workflow import IllegalTransition
from jiancha.ledger.models import Event

from ..factories import make_user
from .conftest import (
    CASE_DETAILS,
    approve,
    filed_case,
    new_lead,
    reviewing_case,
    step,
    transferred_case,
)

pytestmark = pytest.mark.django_db

TZ = timezone.get_current_timezone()


@pytest.fixture(autouse=True)
def english():
    """Refusals are checked by their English text here; test_web checks what a Chinese user reads."""
    with translation.override("en"):
        yield


def at(year, month, day, hour=10):
    return dt.datetime(year, month, day, hour, tzinfo=TZ)


def test_a_lead_is_registered_with_its_disposal_clock_and_a_ledger_event(staff):
    lead = new_lead(staff, received_on=dt.date(2026, 3, 2))
    assert lead.state == "registered" and lead.persons.get().name == "刘某某"
    clock = lead.deadlines.get()
    assert clock.clock == "disposal_plan" and clock.rule_version == "jcf-2025"
    assert clock.due_on == dt.date(2026, 4, 1)  # 30 calendar days, a Wednesday
    event = Event.objects.get(object_kind="lead", object_id=str(lead.pk))
    assert event.kind == "lead.created" and event.actor == "lead_manager/lead_manager"
    assert lead.timeline.get().ledger_index == event.index


def test_disposal_is_proposed_then_approved_with_actor_approval_basis_and_ledger(staff):
    lead = new_lead(staff)
    approval = step(lead, "dispose_talk_inquiry", staff.lead_manager)
    assert isinstance(approval, Approval)
    lead.refresh_from_db()
    assert lead.state == "registered", "a proposal changes nothing until approved"
    approve(lead, staff.approver)
    assert lead.state == "talk_inquiry"
    entry = lead.timeline.get(kind="lead.dispose_talk_inquiry")
    assert entry.actor == staff.lead_manager and entry.approved_by == staff.approver
    assert "监督执纪工作规则" in entry.legal_basis
    event = Event.objects.get(index=entry.ledger_index)
    assert event.kind == "lead.dispose_talk_inquiry" and event.legal_basis == entry.legal_basis
    clocks = {d.clock: d.status for d in lead.deadlines.all()}
    assert clocks == {"disposal_plan": "met", "letter_inquiry_reply": "running"}


def test_each_of_the_four_disposal_modes(staff):
    for code, state in [
        ("dispose_talk_inquiry", "talk_inquiry"),
        ("dispose_preliminary_verification", "preliminary_verification"),
        ("dispose_hold", "held"),
        ("dispose_close", "closed"),
    ]:
        lead = new_lead(staff, summary=f"线索 {code}", name=f"人{code}")
        step(lead, code, staff.lead_manager, reason="查无实据")
        approve(lead, staff.approver)
        assert lead.state == state


def test_a_step_out_of_order_is_refused_with_the_reason(staff):
    lead = new_lead(staff)
    with pytest.raises(IllegalTransition, match="Preliminary verification"):
        step(lead, "file_case", staff.lead_manager, details=CASE_DETAILS)
    case = filed_case(staff, summary="另一条线索", name="张某")
    with pytest.raises(IllegalTransition):
        step(case, "transfer", staff.reviewer)
    assert not Approval.objects.filter(status="pending").exists()


def test_a_step_by_someone_without_the_right_is_refused(staff):
    lead = new_lead(staff)
    with pytest.raises(PermissionDenied):
        step(lead, "dispose_hold", staff.investigator)


def test_an_approval_by_someone_without_the_right_or_by_the_requester_is_refused(staff):
    lead = new_lead(staff)
    step(lead, "dispose_hold", staff.lead_manager)
    approval = lead.approvals.get()
    with pytest.raises(PermissionDenied):
        actions.do_decide(approval, staff.reviewer, True)
    # An approver who proposes cannot approve their own proposal (separation of duties).
    lead2 = new_lead(staff, summary="其他事项", name="赵某")
    staff.approver.groups.add(*staff.lead_manager.groups.all())
    step(lead2, "dispose_hold", staff.approver)
    with pytest.raises(PermissionDenied):
        actions.do_decide(lead2.approvals.get(), staff.approver, True)
    lead.refresh_from_db()
    assert lead.state == "registered" and approval.status == "pending"


def test_rejection_keeps_the_state_and_is_in_the_timeline(staff):
    lead = new_lead(staff)
    step(lead, "dispose_close", staff.lead_manager, reason="无实质内容")
    actions.do_decide(lead.approvals.get(), staff.approver, False, "需初核")
    lead.refresh_from_db()
    assert lead.state == "registered"
    assert lead.timeline.filter(kind="lead.step_rejected").exists()


def test_a_second_decision_on_the_same_request_is_told(staff):
    lead = new_lead(staff)
    step(lead, "dispose_hold", staff.lead_manager)
    first = lead.approvals.get()
    second = Approval.objects.get(pk=first.pk)
    actions.do_decide(first, staff.approver, True)
    with pytest.raises(StaleVersion):
        actions.do_decide(second, staff.approver2, False)


def test_two_people_changing_the_same_lead_the_second_is_told_and_nothing_is_lost(staff):
    lead = new_lead(staff)
    seen_by_a = Lead.objects.get(pk=lead.pk)
    seen_by_b = Lead.objects.get(pk=lead.pk)
    actions.do_request_step(seen_by_a, "dispose_hold", staff.lead_manager, seen_by_a.version)
    with pytest.raises(StaleVersion, match="reload"):
        actions.do_request_step(seen_by_b, "dispose_close", staff.lead_manager, seen_by_b.version, reason="x")
    assert lead.approvals.count() == 1 and lead.approvals.get().transition == "dispose_hold"


def test_two_investigators_on_the_same_case_the_second_is_told(staff):
    case = filed_case(staff)
    actions.do_add_member(case, staff.investigator2, staff.approver, case.version)
    step(case, "start_investigation", staff.investigator)
    a, b = Case.objects.get(pk=case.pk), Case.objects.get(pk=case.pk)
    actions.do_request_measure(a, staff.investigator, a.version, kind="talk", subject="刘某某")
    with pytest.raises(StaleVersion):
        actions.do_request_measure(b, staff.investigator2, b.version, kind="inquiry", subject="证人甲")
    assert case.measures.count() == 1


def test_filing_creates_the_case_with_its_investigation_clock(staff):
    case = filed_case(staff, now=at(2025, 3, 10))
    assert case.state == "filed" and case.major and case.case_type == "duty_crime"
    assert case.lead.state == "filed"
    investigation = case.deadlines.get(clock="investigation")
    assert investigation.due_on == dt.date(2026, 3, 10) and investigation.rule_version == "jcf-2018"
    assert Event.objects.filter(kind="case.filed", object_id=str(case.pk)).exists()


def test_a_clock_whose_year_has_no_calendar_is_kept_with_the_problem_stated(
    staff, only_2025_and_2026_calendars
):
    case = filed_case(staff, now=at(2026, 6, 15))
    # 12 months later is 2027-06-15, and whether that is a working day needs the 2027 calendar.
    investigation = case.deadlines.get(clock="investigation")
    assert investigation.due_on is None
    from jiancha.cases.workdays import problem_text

    assert "calendar/2027.yaml" in problem_text(investigation.problem)


def test_the_whole_path_with_a_return_and_a_final_transfer(staff):
    case = transferred_case(staff, now=at(2026, 3, 10))
    assert case.state == "transferred" and case.ever_transferred and case.concluded_on is not None
    step(
        case,
        "return_for_supplementary_investigation",
        staff.procuratorate,
        reason="缺少银行流水",
        now=at(2026, 4, 1),
    )
    assert case.state == "returned"
    ret = ProcuratorateReturn.objects.get(case=case)
    assert ret.round == 1 and ret.reasons == "缺少银行流水"
    supplementary = case.deadlines.get(clock="supplementary_investigation")
    assert supplementary.due_on == dt.date(2026, 5, 6)  # 1 May falls in the Labour Day holiday (1–5 May)
    step(case, "retransfer", staff.investigator, now=at(2026, 4, 20))
    approve(case, staff.approver, now=at(2026, 4, 21))
    assert case.state == "transferred"
    step(case, "record_outcome", staff.procuratorate, reason="提起公诉", now=at(2026, 5, 10))
    assert case.state == "concluded"
    kinds = list(TimelineEntry.objects.filter(case=case).values_list("kind", flat=True))
    for expected in [
        "case.filed",
        "case.start_investigation",
        "case.submit_for_review",
        "case.transfer",
        "case.return_for_supplementary_investigation",
        "case.retransfer",
        "case.record_outcome",
    ]:
        assert expected in kinds
    # Every timeline entry is one ledger event with the same kind.
    for entry in TimelineEntry.objects.filter(lead=case.lead):
        assert Event.objects.get(index=entry.ledger_index).kind == entry.kind


def test_supplementary_investigation_at_most_twice(staff):
    case = transferred_case(staff)
    for round_no in (1, 2):
        step(
            case, "return_for_supplementary_investigation", staff.procuratorate, reason=f"第{round_no}次退回"
        )
        step(case, "retransfer", staff.investigator)
        approve(case, staff.approver)
    with pytest.raises(ActionRefused, match="at most 2"):
        step(case, "return_for_supplementary_investigation", staff.procuratorate, reason="第三次")
    assert case.returns.count() == 2


def test_a_return_needs_its_reasons(staff):
    case = transferred_case(staff)
    with pytest.raises(ActionRefused, match="reasons"):
        step(case, "return_for_supplementary_investigation", staff.procuratorate, reason=" ")


def test_the_procuratorate_cannot_act_on_a_case_not_transferred(staff):
    case = transferred_case(staff)
    # The step applies to the state; only the transfer record decides who may take it.
    Case.objects.filter(pk=case.pk).update(ever_transferred=False)
    with pytest.raises(PermissionDenied, match="not transferred to you"):
        step(case, "return_for_supplementary_investigation", staff.procuratorate, reason="x")
    assert case.returns.count() == 0


def test_a_liaison_in_scope_cannot_act_on_a_case_transferred_to_another(staff):
    other = make_user("procuratorate2", "procuratorate")  # same scope as the demo liaison
    consulted = reviewing_case(staff)
    actions.do_record_consultation(
        consulted, staff.reviewer, consulted.version, liaison=staff.procuratorate,
        held_on=dt.date(2026, 3, 1), participants="双方", summary="证据标准",
    )  # fmt: skip
    step(consulted, "transfer", staff.reviewer)
    approve(consulted, staff.approver)
    assert list(consulted.shared_with.all()) == [staff.procuratorate]  # it went to the consulted liaison
    with pytest.raises(PermissionDenied, match="not transferred to you"):
        step(consulted, "return_for_supplementary_investigation", other, reason="x")
    step(consulted, "return_for_supplementary_investigation", staff.procuratorate, reason="补充")
    assert consulted.state == "returned"


def test_a_transfer_with_no_consultation_goes_to_the_liaisons_then_in_scope(staff):
    case = transferred_case(staff)
    assert staff.procuratorate in case.shared_with.all()
    later = make_user("procuratorate3", "procuratorate")  # joined after the transfer
    with pytest.raises(PermissionDenied, match="not transferred to you"):
        step(case, "record_outcome", later, reason="x")


def test_only_the_team_works_the_case(staff):
    case = filed_case(staff)
    with pytest.raises(PermissionDenied, match="team"):
        step(case, "start_investigation", staff.investigator2)


def test_recusal_refuses_a_relative_of_the_person_concerned(staff):
    case = filed_case(staff)
    staff.investigator2.first_name = "王芳"  # entered on the lead as a close relative of 刘某某
    staff.investigator2.save()
    with pytest.raises(RecusalRequired, match="回避"):
        actions.do_add_member(case, staff.investigator2, staff.approver, case.version)
    assert not case.members.filter(user=staff.investigator2).exists()


def test_recusal_sources_can_be_added_for_the_relation_graph(staff):
    from jiancha.cases import recusal

    class Graph:
        name = "test-graph"

        def relations(self, user, person):
            if user.username == "investigator2":
                yield recusal.Relation(person.name, "former business partner", self.name)

    recusal.register_source(Graph())
    try:
        case = filed_case(staff)
        with pytest.raises(RecusalRequired, match="business partner"):
            actions.do_add_member(case, staff.investigator2, staff.approver, case.version)
    finally:
        recusal._sources[:] = [s for s in recusal._sources if s.name != "test-graph"]


def _investigating(staff, now=None):
    case = filed_case(staff, now=now)
    step(case, "start_investigation", staff.investigator, now=now)
    return case


def _run_measure(staff, case, kind, now=None):
    case.refresh_from_db()
    measure = actions.do_request_measure(case, staff.investigator, case.version, kind=kind, subject="刘某某")
    actions.do_decide(measure.approvals.get(), staff.approver, True)
    case.refresh_from_db()
    measure.refresh_from_db()
    actions.do_start_measure(measure, staff.investigator, case.version, now=now)
    case.refresh_from_db()
    return measure


def test_detention_is_extended_once_then_refused(staff):
    case = _investigating(staff, now=at(2026, 3, 2))
    measure = _run_measure(staff, case, "detention", now=at(2026, 3, 2))
    clock = measure.deadlines.get(clock="detention")
    assert clock.due_on == dt.date(2026, 6, 2)  # three months, no roll-over for custody
    notify = measure.deadlines.get(clock="detention_notification")
    assert notify.due_at == at(2026, 3, 3)
    approval = actions.do_request_extension(clock, "ordinary", staff.investigator, case.version, "案情复杂")
    actions.do_decide(approval, staff.approver, True)
    clock.refresh_from_db()
    assert clock.due_on == dt.date(2026, 9, 2) and clock.extensions_of("ordinary") == 1
    case.refresh_from_db()
    with pytest.raises(ActionRefused, match="at most 1"):
        actions.do_request_extension(clock, "ordinary", staff.investigator, case.version, "再延长")
    # Under the 2025 text a further two months need national approval, once.
    approval = actions.do_request_extension(
        clock, "national", staff.investigator, case.version, "可能判处十年以上"
    )
    actions.do_decide(approval, staff.approver, True)
    clock.refresh_from_db()
    assert clock.due_on == dt.date(2026, 11, 2)
    case.refresh_from_db()
    with pytest.raises(ActionRefused):
        actions.do_request_extension(clock, "national", staff.investigator, case.version, "again")


def test_the_national_extension_comes_only_after_the_ordinary_one(staff):
    case = _investigating(staff)
    measure = _run_measure(staff, case, "detention")
    clock = measure.deadlines.get(clock="detention")
    with pytest.raises(ActionRefused, match="ordinary"):
        actions.do_request_extension(clock, "national", staff.investigator, case.version, "x")


def test_two_pending_requests_cannot_together_exceed_the_limit(staff):
    case = _investigating(staff)
    measure = _run_measure(staff, case, "detention")
    clock = measure.deadlines.get(clock="detention")
    actions.do_request_extension(clock, "ordinary", staff.investigator, case.version, "x")
    case.refresh_from_db()
    with pytest.raises(ActionRefused, match="at most 1"):
        actions.do_request_extension(clock, "ordinary", staff.investigator, case.version, "y")


def test_detention_notice_clock_stops_when_the_notice_is_filed(staff):
    case = _investigating(staff)
    measure = _run_measure(staff, case, "detention")
    actions.do_add_evidence(
        case, staff.investigator, case.version, evidence_type="notification", description="留置通知书",
        source="本委", location="档案室", content=b"notice", measure=measure,
    )  # fmt: skip
    assert measure.deadlines.get(clock="detention_notification").status == "met"


def test_a_measure_cannot_start_before_approval(staff):
    case = _investigating(staff)
    measure = actions.do_request_measure(
        case, staff.investigator, case.version, kind="search", subject="住宅"
    )
    case.refresh_from_db()
    with pytest.raises(ActionRefused, match="approved"):
        actions.do_start_measure(measure, staff.investigator, case.version)


def test_evidence_hash_goes_to_the_ledger_and_custody_is_chained(staff):
    import hashlib

    case = _investigating(staff)
    data = "银行流水 2025".encode()
    item = actions.do_add_evidence(
        case, staff.investigator, case.version, evidence_type="documentary", description="银行流水",
        source="某银行", location="证物室A", content=data, file_name="flow.csv",
    )  # fmt: skip
    assert item.sha256 == hashlib.sha256(data).hexdigest()
    entry = case.timeline.get(kind="evidence.added")
    event = Event.objects.get(index=entry.ledger_index)
    assert event.object_kind == "evidence" and event.object_id == str(item.pk)
    # The ledger holds a commitment to the content (which names the SHA-256), not the file.
    from jiancha.ledger.services import verify_content

    content = {
        "case": case.pk, "type": "documentary", "sha256": item.sha256, "source": "某银行",
        "measure": None, "custodian": "investigator",
    }  # fmt: skip
    assert verify_content(event, bytes(event.salt), content)
    case.refresh_from_db()
    actions.do_add_member(case, staff.investigator2, staff.approver, case.version)
    case.refresh_from_db()
    actions.do_transfer_custody(
        item,
        staff.investigator,
        case.version,
        to_user=staff.investigator2,
        location="证物室B",
        purpose="鉴定",
    )
    item.refresh_from_db()
    assert item.custodian == staff.investigator2
    assert [c.location for c in item.custody.all()] == ["证物室A", "证物室B"]
    case.refresh_from_db()
    with pytest.raises(PermissionDenied, match="custodian"):
        actions.do_transfer_custody(
            item, staff.investigator, case.version, to_user=staff.investigator, location="x", purpose=""
        )


def test_the_transfer_checklist_blocks_and_lists_what_is_missing(staff):
    case = _investigating(staff)
    talk = _run_measure(staff, case, "talk")
    search = _run_measure(staff, case, "search")
    actions.do_add_evidence(
        case, staff.investigator, case.version, evidence_type="physical", description="现金",
        source="搜查所得", location="保险柜", content=b"photo",
    )  # fmt: skip
    step(case, "submit_for_review", staff.investigator)
    approve(case, staff.approver)
    with pytest.raises(actions.ChecklistFailed) as refused:
        step(case, "transfer", staff.reviewer)
    gaps = {f.rule.code: f.missing for f in refused.value.findings}
    assert set(gaps) == {"interview_recorded", "seizure_listed"}
    assert f"#{talk.pk}" in gaps["interview_recorded"][0] and f"#{search.pk}" in gaps["seizure_listed"][0]
    case.refresh_from_db()
    assert case.state == "reviewing" and not case.approvals.filter(status="pending").exists()
    # The investigators fix the file during review; the transfer then goes ahead.
    for measure, record in ((talk, "av_recording"), (search, "seizure_list")):
        case.refresh_from_db()
        actions.do_add_evidence(
            case, staff.investigator, case.version, evidence_type=record, description=record,
            source="本委", location="档案室", content=record.encode(), measure=measure,
        )  # fmt: skip
    step(case, "transfer", staff.reviewer)
    approve(case, staff.approver)
    assert case.state == "transferred"


def test_duplicates_about_the_same_person_and_matter_are_suggested_and_merged(staff):
    first = new_lead(staff, summary="某局副局长刘某某在工程招标中收受投标人财物")
    second = new_lead(staff, summary="刘某某副局长在工程招标中收受投标人财物数十万元", source="mobile")
    unrelated = new_lead(staff, summary="村委会挪用低保资金", name="陈某")
    assert duplicate_candidates(second, staff.lead_manager) == [first]
    assert unrelated not in duplicate_candidates(first, staff.lead_manager)
    actions.do_merge_leads(second, first, staff.lead_manager, second.version)
    second.refresh_from_db()
    assert second.state == "merged" and second.merged_into == first
    assert second.deadlines.get().status == "met"
    assert duplicate_candidates(first, staff.lead_manager) == []


def test_different_resolved_identities_are_not_duplicates(staff):
    from jiancha.cases.actions import PersonInput

    a = new_lead(staff, persons=[PersonInput("张伟", identity_id="P-1")], summary="张伟收受礼金")
    b = new_lead(staff, persons=[PersonInput("张伟", identity_id="P-2")], summary="张伟收受礼金")
    assert (
        duplicate_candidates(a, staff.lead_manager) == []
        and duplicate_candidates(b, staff.lead_manager) == []
    )


def test_green_channel_sorts_first_and_carries_shorter_targets(staff):
    ordinary = new_lead(staff, summary="普通线索", name="甲", received_on=dt.date(2026, 3, 2))
    urgent = new_lead(
        staff, summary="快查快办线索", name="乙", priority=True, received_on=dt.date(2026, 3, 1)
    )
    assert list(leads_for(staff.lead_manager))[:2] == [urgent, ordinary]
    clock = urgent.deadlines.get()
    assert clock.target_on == dt.date(2026, 3, 11) and clock.due_on == dt.date(2026, 3, 31)
    assert ordinary.deadlines.get().target_on is None


def test_a_leads_source_and_persons_are_required(staff):
    with pytest.raises(ActionRefused):
        new_lead(staff, source="rumour")
    with pytest.raises(ActionRefused):
        new_lead(staff, persons=[])


def test_clocks_follow_the_rule_version_of_their_start_day(staff):
    case = _investigating(staff, now=at(2025, 5, 20))
    measure = _run_measure(staff, case, "detention", now=at(2025, 5, 30))
    clock = measure.deadlines.get(clock="detention")
    assert clock.rule_version == "jcf-2018"
    approval = actions.do_request_extension(clock, "ordinary", staff.investigator, case.version, "x")
    actions.do_decide(approval, staff.approver, True)
    case.refresh_from_db()
    with pytest.raises(ActionRefused, match="national"):
        actions.do_request_extension(clock, "national", staff.investigator, case.version, "x")
    assert Deadline.objects.get(pk=clock.pk).due_on == dt.date(2025, 11, 30)


def test_an_extension_into_a_year_without_a_calendar_is_refused_with_the_reason(
    staff, only_2025_and_2026_calendars
):
    case = reviewing_case(staff, now=at(2026, 11, 27))
    clock = case.deadlines.get(clock="trial_review")
    assert clock.due_on == dt.date(2026, 12, 28)  # 27 December is a Sunday
    approval = actions.do_request_extension(clock, "ordinary", staff.reviewer, case.version, "案情复杂")
    with pytest.raises(ActionRefused, match="2027"):
        actions.do_decide(approval, staff.approver, True)
    clock.refresh_from_db()
    assert clock.due_on == dt.date(2026, 12, 28) and clock.extensions == []


def test_custody_goes_only_to_a_member_of_the_team(staff):
    case = _investigating(staff)
    item = actions.do_add_evidence(
        case, staff.investigator, case.version, evidence_type="physical", description="U盘",
        source="搜查", location="证物室A", content=b"x",
    )  # fmt: skip
    case.refresh_from_db()
    with pytest.raises(ActionRefused, match="not on the case team"):
        actions.do_transfer_custody(
            item, staff.investigator, case.version, to_user=staff.investigator2, location="外面", purpose=""
        )
    item.refresh_from_db()
    assert item.custodian == staff.investigator and item.custody.count() == 1


def test_a_leads_clock_is_extended_only_by_case_supervision(
    staff, grassroots_lead, extendable_disposal_clock
):
    lead = grassroots_lead
    clock = lead.deadlines.get(clock="disposal_plan")
    with pytest.raises(PermissionDenied, match="manage_leads"):
        actions.do_request_extension(clock, "ordinary", lead.created_by, lead.version, "来不及")
    with pytest.raises(PermissionDenied, match="manage_leads"):
        actions.do_request_extension(clock, "ordinary", staff.reviewer, lead.version, "来不及")
    approval = actions.do_request_extension(clock, "ordinary", staff.lead_manager, lead.version, "来不及")
    assert approval.lead == lead


def test_duplicates_are_only_for_case_supervision_and_only_in_scope(staff):
    from jiancha.orgs.models import Division, DivisionLevel

    from .conftest import DISTRICT

    here = new_lead(staff, summary="某局副局长刘某某在工程招标中收受投标人财物")
    other_county = Division.objects.filter(level=DivisionLevel.COUNTY).exclude(code=DISTRICT).first()
    elsewhere = new_lead(staff, summary="刘某某副局长在工程招标中收受投标人财物", division=other_county)
    assert duplicate_candidates(here, staff.lead_manager) == [elsewhere]  # the city sees both counties
    assert duplicate_candidates(here, staff.approver) == []  # a leader sees leads, not duplicates
    district_manager = make_user("lead_manager_district", "lead_manager", DISTRICT)
    assert duplicate_candidates(here, district_manager) == []  # the other county's lead is not theirs


# --- the data pool's purpose check --------------------------------------------------------------


def test_the_pool_purpose_check_is_registered():
    from jiancha.cases.services import pool_purpose_check
    from jiancha.pool import services as pool

    assert pool_purpose_check in pool._purpose_checks


def test_an_investigator_queries_the_pool_only_under_their_case_being_investigated(staff):
    from jiancha.cases.services import pool_purpose_check

    case = _investigating(staff)
    assert pool_purpose_check(staff.investigator, case.number) is None
    assert pool_purpose_check(staff.investigator, f" {case.number.lower()} ") is None
    for reference in ("", "专项核查", str(case.pk), case.number + "0", "AJ1999-" + case.number[7:]):
        assert "case number" in (pool_purpose_check(staff.investigator, reference) or ""), reference
    # Not on this case's team: refused; analysts and supervisors are not limited by this check.
    assert "case number" in (pool_purpose_check(staff.investigator2, case.number) or "")
    assert pool_purpose_check(staff.analyst, "专项核查") is None
    assert pool_purpose_check(staff.lead_manager, "") is None
    # Once the case has left investigation, its number no longer opens the pool.
    step(case, "submit_for_review", staff.investigator)
    approve(case, staff.approver)
    assert "not under investigation" in (pool_purpose_check(staff.investigator, case.number) or "")


def test_a_returned_case_opens_the_pool_again(staff):
    from jiancha.cases.services import pool_purpose_check

    case = transferred_case(staff)
    assert pool_purpose_check(staff.investigator, case.number) is not None
    step(case, "return_for_supplementary_investigation", staff.procuratorate, reason="补充")
    assert pool_purpose_check(staff.investigator, case.number) is None


def test_an_investigator_who_also_analyses_is_not_limited(staff):
    from jiancha.access.services import assign_role
    from jiancha.cases.services import pool_purpose_check

    assign_role(staff.investigator2, "analyst")
    assert pool_purpose_check(staff.investigator2, "专项核查") is None
