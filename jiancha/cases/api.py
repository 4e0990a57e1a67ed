"""API endpoints of the cases app (/api/cases/...): the same lists, pages and steps as the web pages.

Thin: each endpoint checks the right, calls ``services`` or ``actions``, and maps refusals to HTTP:
a missing right is 403, a refused step (out of order, beyond a limit, checklist gaps) is 409, a
stale version is 409 with ``"stale": true`` so that a client knows to reload.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, TypeVar

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import File, Form, Router, Schema, Status, UploadedFile
from ninja.errors import HttpError

from jiancha.access.models import User
from jiancha.access.services import has_capability, visible_divisions

from . import actions, checklist, services
from .errors import ActionRefused, StaleVersion
from .models import Approval, Case, Classification, Deadline, Evidence, Lead, Measure
from .workflow import workflow

router = Router(tags=["cases"])
T = TypeVar("T")


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)  # the API's authentication guarantees a signed-in user
    return request.user


def _need(user: User, *capabilities: str) -> None:
    if not any(has_capability(user, c) for c in capabilities):
        raise HttpError(
            403, _("this needs one of the rights: %(rights)s") % {"rights": ", ".join(capabilities)}
        )


def _run(work: Callable[[], T]) -> T:
    try:
        return work()
    except PermissionDenied as denied:
        raise HttpError(403, str(denied) or _("forbidden")) from denied
    except StaleVersion as stale:
        raise HttpError(409, f"stale: {stale}") from stale
    except ActionRefused as refused:
        raise HttpError(409, str(refused)) from refused


class PersonIn(Schema):
    name: str
    identity_id: str = ""
    position: str = ""
    family_names: str = ""


class LeadIn(Schema):
    division_code: str
    source: str
    summary: str
    persons: list[PersonIn]
    source_ref: str = ""
    classification: str = Classification.INTERNAL
    priority: bool = False
    received_on: dt.date | None = None


class PersonOut(Schema):
    name: str
    identity_id: str  # masked unless the caller's role needs ID numbers in full
    position: str
    registry: str = ""  # whether the registry of supervised persons holds them, in words


class DeadlineOut(Schema):
    id: int
    clock: str
    label: str
    rule_version: str
    due_on: dt.date | None
    due_at: dt.datetime | None
    target_on: dt.date | None
    status: str
    overdue: bool
    round: int
    extensions: list[dict[str, Any]]
    problem: str


class TimelineOut(Schema):
    kind: str
    label: str
    step: str
    from_state: str
    to_state: str
    actor: str
    approved_by: str | None
    legal_basis: str
    note: str
    at: dt.datetime
    ledger_index: int


class LeadOut(Schema):
    id: int
    number: str
    division_code: str
    source: str
    source_ref: str
    summary: str
    classification: str
    priority: bool
    state: str
    state_label: str
    received_on: dt.date
    version: int
    case_id: int | None
    persons: list[PersonOut]


class LeadDetailOut(LeadOut):
    deadlines: list[DeadlineOut]
    timeline: list[TimelineOut]
    duplicates: list[int]
    pending_approval: int | None


class StepIn(Schema):
    step: str
    version: int
    reason: str = ""
    title: str = ""
    case_type: str = ""
    major: bool = False
    recipient: str = (
        ""  # a transfer's receiving procuratorate liaison (username); empty: all covering the case
    )


class StepOut(Schema):
    pending_approval: int | None
    state: str
    version: int


class MeasureOut(Schema):
    id: int
    kind: str
    subject: str
    state: str
    approved_by: str | None
    started_at: dt.datetime | None
    ended_at: dt.datetime | None


class EvidenceOut(Schema):
    id: int
    evidence_type: str
    description: str
    source: str
    custodian: str
    sha256: str
    measure_id: int | None
    custody: list[dict[str, Any]]


class FindingOut(Schema):
    rule: str
    label: str
    missing: list[str]


class CaseOut(Schema):
    id: int
    number: str
    lead_id: int
    title: str
    case_type: str
    major: bool
    priority: bool
    state: str
    state_label: str
    filed_on: dt.date
    concluded_on: dt.date | None
    version: int


class CaseDetailOut(CaseOut):
    team: list[str]
    deadlines: list[DeadlineOut]
    timeline: list[TimelineOut]
    measures: list[MeasureOut]
    evidence: list[EvidenceOut]
    checklist: list[FindingOut]
    returns: list[dict[str, Any]]
    pending_approval: int | None


class ApprovalOut(Schema):
    id: int
    kind: str
    status: str
    step: str
    lead_id: int | None
    case_id: int | None
    requested_by: str
    requested_at: dt.datetime
    reason: str


class DecisionIn(Schema):
    decision: str  # approve | reject
    note: str = ""


class CycleOut(Schema):
    case_type: str
    priority: bool
    major: bool
    cases: int
    mean_days: float
    median_days: float
    max_days: int


class ReportOut(Schema):
    cycle: list[CycleOut]
    transferred: int
    returned: int
    return_rate: float | None


# --- presenters ---------------------------------------------------------------------------------


def _deadline(d: Deadline) -> DeadlineOut:
    view = services.present(d)
    return DeadlineOut(
        id=d.pk,
        clock=d.clock,
        label=view.label,
        rule_version=d.rule_version,
        due_on=d.due_on,
        due_at=d.due_at,
        target_on=d.target_on,
        status=d.status,
        overdue=view.overdue,
        round=d.round,
        extensions=d.extensions,
        problem=view.problem,
    )


def _timeline(lead: Lead, user: User) -> list[TimelineOut]:
    return [
        TimelineOut(
            kind=e.kind,
            label=services.entry_label(e),
            step=e.step,
            from_state=e.from_state,
            to_state=e.to_state,
            actor=e.actor.get_username(),
            approved_by=e.approved_by.get_username() if e.approved_by else None,
            legal_basis=e.legal_basis,
            note=e.note,
            at=e.at,
            ledger_index=e.ledger_index,
        )
        for e in services.timeline(lead, user)
    ]


def _lead(lead: Lead, user: User, registry: bool = True) -> dict[str, Any]:
    case = getattr(lead, "case", None)
    return {
        "id": lead.pk,
        "number": lead.number,
        "division_code": lead.division.code,
        "source": lead.source,
        "source_ref": lead.source_ref,
        "summary": lead.summary,
        "classification": lead.classification,
        "priority": lead.priority,
        "state": lead.state,
        "state_label": workflow().state_label("lead", lead.state),
        "received_on": lead.received_on,
        "version": lead.version,
        "case_id": case.pk if case else None,
        "persons": [
            PersonOut(
                name=p.person.name, identity_id=p.identity, position=p.person.position, registry=p.registry
            )
            for p in services.persons_for(lead, user, registry)
        ],
    }


def _case(case: Case) -> dict[str, Any]:
    return {
        "id": case.pk,
        "number": case.number,
        "lead_id": case.lead_id,
        "title": case.title,
        "case_type": case.case_type,
        "major": case.major,
        "priority": case.priority,
        "state": case.state,
        "state_label": workflow().state_label("case", case.state),
        "filed_on": case.filed_on,
        "concluded_on": case.concluded_on,
        "version": case.version,
    }


def _pending(obj: Lead | Case) -> int | None:
    approval = obj.approvals.filter(status=Approval.Status.PENDING, kind=Approval.Kind.TRANSITION).first()
    return approval.pk if approval else None


def _visible_lead(user: User, lead_id: int) -> Lead:
    lead = get_object_or_404(Lead, pk=lead_id)
    if not services.can_see_lead(user, lead):
        raise HttpError(403, _("this lead is not yours to see"))
    return lead


def _visible_case(user: User, case_id: int) -> Case:
    case = get_object_or_404(Case, pk=case_id)
    if not services.can_see_case(user, case):
        raise HttpError(403, _("this case is not yours to see"))
    return case


# --- leads --------------------------------------------------------------------------------------


@router.get("/leads", response=list[LeadOut])
def list_leads(request: HttpRequest, state: str = "", priority: bool = False) -> list[dict[str, Any]]:
    """Leads in scope, green channel first; filter by state or green channel."""
    user = _user(request)
    _need(user, "manage_leads", "approve", "submit_field_lead")
    leads = services.leads_for(user).select_related("division").prefetch_related("persons")
    if state:
        leads = leads.filter(state=state)
    if priority:
        leads = leads.filter(priority=True)
    return [_lead(lead, user, registry=False) for lead in leads[:500]]  # registry: on the detail


@router.post("/leads", response={201: LeadDetailOut})
def create_lead(request: HttpRequest, payload: LeadIn) -> Status[dict[str, Any]]:
    """Register a lead (as intake, detect and mobile will through ``services.create_lead``)."""
    user = _user(request)
    _need(user, "manage_leads")
    division = visible_divisions(user).filter(code=payload.division_code).first()
    if division is None:
        raise HttpError(403, _("that division is outside your scope"))
    lead = _run(
        lambda: services.create_lead(
            division=division,
            source=payload.source,
            summary=payload.summary,
            created_by=user,
            persons=[
                actions.PersonInput(p.name, p.identity_id, p.position, p.family_names)
                for p in payload.persons
            ],
            source_ref=payload.source_ref,
            classification=payload.classification,
            priority=payload.priority,
            received_on=payload.received_on,
        )
    )
    return Status(201, _lead_detail(lead, user))


def _lead_detail(lead: Lead, user: User) -> dict[str, Any]:
    return {
        **_lead(lead, user),
        "deadlines": [_deadline(d) for d in lead.deadlines.all()],
        "timeline": _timeline(lead, user),
        "duplicates": [other.pk for other in services.duplicate_candidates(lead, user)],
        "pending_approval": _pending(lead),
    }


@router.get("/leads/{lead_id}", response=LeadDetailOut)
def get_lead(request: HttpRequest, lead_id: int) -> dict[str, Any]:
    user = _user(request)
    return _lead_detail(_visible_lead(user, lead_id), user)


@router.post("/leads/{lead_id}/steps", response=StepOut)
def lead_step(request: HttpRequest, lead_id: int, payload: StepIn) -> StepOut:
    """Take or propose a step of the lead (disposal, filing); ``version`` is the one you read."""
    user = _user(request)
    lead = _visible_lead(user, lead_id)
    details = {"title": payload.title, "case_type": payload.case_type, "major": payload.major}
    result = _run(
        lambda: actions.do_request_step(
            lead, payload.step, user, payload.version, reason=payload.reason, details=details
        )
    )
    return StepOut(
        pending_approval=result.pk if isinstance(result, Approval) else None,
        state=lead.state,
        version=lead.version,
    )


# --- cases --------------------------------------------------------------------------------------


@router.get("/cases", response=list[CaseOut])
def list_cases(
    request: HttpRequest, state: str = "", priority: bool = False, case_type: str = ""
) -> list[dict[str, Any]]:
    """Cases the user may see (investigators: their team's; procuratorate: transferred or shared)."""
    user = _user(request)
    cases = services.cases_for(user)
    if state:
        cases = cases.filter(state=state)
    if priority:
        cases = cases.filter(priority=True)
    if case_type:
        cases = cases.filter(case_type=case_type)
    return [_case(case) for case in cases[:500]]


@router.get("/cases/{case_id}", response=CaseDetailOut)
def get_case(request: HttpRequest, case_id: int) -> dict[str, Any]:
    user = _user(request)
    case = _visible_case(user, case_id)
    deadlines = (Deadline.objects.filter(case=case) | Deadline.objects.filter(measure__case=case)).distinct()
    return {
        **_case(case),
        "team": [m.user.get_username() for m in case.members.select_related("user")],
        "deadlines": [_deadline(d) for d in deadlines],
        "timeline": _timeline(case.lead, user),
        "measures": [
            MeasureOut(
                id=m.pk,
                kind=m.kind,
                subject=m.subject,
                state=m.state,
                approved_by=m.approved_by.get_username() if m.approved_by else None,
                started_at=m.started_at,
                ended_at=m.ended_at,
            )
            for m in case.measures.select_related("approved_by")
        ],
        "evidence": [_evidence(e) for e in case.evidence.select_related("custodian")],
        "checklist": [
            FindingOut(rule=f.rule.code, label=f.rule.label, missing=f.missing)
            for f in checklist.check_case(case)
        ],
        "returns": [
            {"round": r.round, "reasons": r.reasons, "returned_at": r.returned_at.isoformat()}
            for r in case.returns.all()
        ],
        "pending_approval": _pending(case),
    }


@router.post("/cases/{case_id}/steps", response=StepOut)
def case_step(request: HttpRequest, case_id: int, payload: StepIn) -> StepOut:
    """Take or propose a step of the case (review, sanction, transfer, return, outcome)."""
    user = _user(request)
    case = _visible_case(user, case_id)
    result = _run(
        lambda: actions.do_request_step(
            case,
            payload.step,
            user,
            payload.version,
            reason=payload.reason,
            details={"recipient": payload.recipient},
        )
    )
    return StepOut(
        pending_approval=result.pk if isinstance(result, Approval) else None,
        state=case.state,
        version=case.version,
    )


# --- approvals and report -----------------------------------------------------------------------


@router.get("/approvals", response=list[ApprovalOut])
def list_approvals(request: HttpRequest) -> list[ApprovalOut]:
    user = _user(request)
    _need(user, "approve", "view_transferred_case")
    return [
        ApprovalOut(
            id=a.pk,
            kind=a.kind,
            status=a.status,
            step=a.transition,
            lead_id=a.lead_id,
            case_id=a.case_id,
            requested_by=a.requested_by.get_username(),
            requested_at=a.requested_at,
            reason=str(a.payload.get("reason", "")),
        )
        for a in services.approvals_for(user)
    ]


@router.post("/approvals/{approval_id}", response=ApprovalOut)
def decide(request: HttpRequest, approval_id: int, payload: DecisionIn) -> ApprovalOut:
    user = _user(request)
    _need(user, "approve", "view_transferred_case")
    if payload.decision not in ("approve", "reject"):
        raise HttpError(422, _("decision must be approve or reject"))
    approval = get_object_or_404(Approval, pk=approval_id)
    _run(lambda: actions.do_decide(approval, user, payload.decision == "approve", payload.note))
    approval.refresh_from_db()
    return ApprovalOut(
        id=approval.pk,
        kind=approval.kind,
        status=approval.status,
        step=approval.transition,
        lead_id=approval.lead_id,
        case_id=approval.case_id,
        requested_by=approval.requested_by.get_username(),
        requested_at=approval.requested_at,
        reason=str(approval.payload.get("reason", "")),
    )


@router.get("/report/cycle", response=ReportOut)
def report(request: HttpRequest) -> ReportOut:
    """Filing-to-conclusion durations by type and green channel, and the return rate (退查率)."""
    user = _user(request)
    _need(user, "manage_leads", "approve", "review_case")
    cases = services.cases_for(user)
    rate = services.return_rate(cases)
    return ReportOut(
        cycle=[CycleOut(**row.__dict__) for row in services.cycle_report(cases)],
        transferred=rate.transferred,
        returned=rate.returned,
        return_rate=rate.rate,
    )


# --- the rest of the case file: team, measures, evidence, custody, extensions, consultations --------


class VersionIn(Schema):
    version: int


class MergeIn(VersionIn):
    into: int


class MemberIn(VersionIn):
    username: str
    leader: bool = False


class MeasureIn(VersionIn):
    kind: str
    subject: str = ""
    purpose: str = ""


class EvidenceIn(Schema):
    version: int
    evidence_type: str
    description: str
    source: str
    location: str
    measure_id: int | None = None


class CustodyIn(VersionIn):
    to_username: str
    location: str
    purpose: str = ""


class ExtensionIn(VersionIn):
    kind: str
    reason: str


class ConsultationIn(VersionIn):
    liaison: str
    held_on: dt.date
    participants: str = ""
    summary: str


# ninja reads a File(...) default as "this parameter is an uploaded file"; optional here.
NO_FILE = File(None)


class Created(Schema):
    id: int
    version: int  # the lead's or case's version after the change


def _staff(username: str) -> User:
    return get_object_or_404(User, username=username, is_active=True)


@router.post("/leads/{lead_id}/merge", response=Created)
def merge_lead(request: HttpRequest, lead_id: int, payload: MergeIn) -> Created:
    """Merge this (duplicate) lead into another open lead."""
    user = _user(request)
    lead = _visible_lead(user, lead_id)
    into = _visible_lead(user, payload.into)
    _run(lambda: actions.do_merge_leads(lead, into, user, payload.version))
    return Created(id=lead.pk, version=lead.version)


@router.post("/cases/{case_id}/members", response=Created)
def add_member(request: HttpRequest, case_id: int, payload: MemberIn) -> Created:
    """Put an investigator on the team; refused when a relation requires recusal (回避)."""
    user = _user(request)
    case = _visible_case(user, case_id)
    member = _run(
        lambda: actions.do_add_member(case, _staff(payload.username), user, payload.version, payload.leader)
    )
    return Created(id=member.pk, version=case.version)


@router.post("/cases/{case_id}/measures", response={201: Created})
def request_measure(request: HttpRequest, case_id: int, payload: MeasureIn) -> Status[Created]:
    """Ask for approval of a measure; the approver decides it at /approvals."""
    user = _user(request)
    case = _visible_case(user, case_id)
    measure = _run(
        lambda: actions.do_request_measure(
            case, user, payload.version, kind=payload.kind, subject=payload.subject, purpose=payload.purpose
        )
    )
    return Status(201, Created(id=measure.pk, version=case.version))


@router.post("/measures/{measure_id}/{change}", response=Created)
def change_measure(request: HttpRequest, measure_id: int, change: str, payload: VersionIn) -> Created:
    """``change`` is ``start`` or ``end``; detention and technical measures start their clocks."""
    user = _user(request)
    measure = get_object_or_404(Measure, pk=measure_id)
    case = _visible_case(user, measure.case_id)
    if change not in ("start", "end"):
        raise HttpError(404, _("a measure can start or end"))
    do = actions.do_start_measure if change == "start" else actions.do_end_measure
    _run(lambda: do(measure, user, payload.version))
    case.refresh_from_db()
    return Created(id=measure.pk, version=case.version)


@router.post("/cases/{case_id}/evidence", response={201: EvidenceOut})
def add_evidence(
    request: HttpRequest, case_id: int, payload: Form[EvidenceIn], file: UploadedFile | None = NO_FILE
) -> Status[EvidenceOut]:
    """Add an evidence item (multipart form); its file's SHA-256 goes to the ledger."""
    user = _user(request)
    case = _visible_case(user, case_id)
    measure = get_object_or_404(Measure, pk=payload.measure_id, case=case) if payload.measure_id else None
    item = _run(
        lambda: actions.do_add_evidence(
            case,
            user,
            payload.version,
            evidence_type=payload.evidence_type,
            description=payload.description,
            source=payload.source,
            location=payload.location,
            file=file,
            file_name=(file.name or "") if file else "",
            measure=measure,
        )
    )
    return Status(201, _evidence(item))


def _evidence(e: Evidence) -> EvidenceOut:
    return EvidenceOut(
        id=e.pk,
        evidence_type=e.evidence_type,
        description=e.description,
        source=e.source,
        custodian=e.custodian.get_username(),
        sha256=e.sha256,
        measure_id=e.measure_id,
        custody=[
            {
                "to": c.to_user.get_username(),
                "from": c.from_user.get_username() if c.from_user else None,
                "location": c.location,
                "at": c.at.isoformat(),
                "ledger_index": c.ledger_index,
            }
            for c in e.custody.select_related("to_user", "from_user")
        ],
    )


@router.post("/evidence/{evidence_id}/custody", response=EvidenceOut)
def hand_over(request: HttpRequest, evidence_id: int, payload: CustodyIn) -> EvidenceOut:
    """Hand an item to another custodian; only its current custodian can."""
    user = _user(request)
    item = get_object_or_404(Evidence, pk=evidence_id)
    _visible_case(user, item.case_id)
    _run(
        lambda: actions.do_transfer_custody(
            item,
            user,
            payload.version,
            to_user=_staff(payload.to_username),
            location=payload.location,
            purpose=payload.purpose,
        )
    )
    item.refresh_from_db()
    return _evidence(item)


@router.post("/deadlines/{deadline_id}/extensions", response={201: Created})
def request_extension(request: HttpRequest, deadline_id: int, payload: ExtensionIn) -> Status[Created]:
    """Ask to extend a running clock; refused beyond the limit its rules set."""
    user = _user(request)
    deadline = get_object_or_404(
        Deadline.objects.select_related("lead", "case", "measure__case"), pk=deadline_id
    )
    owner_case = deadline.case or (deadline.measure.case if deadline.measure else None)
    if owner_case is not None:
        _visible_case(user, owner_case.pk)
    elif deadline.lead is not None:
        _visible_lead(user, deadline.lead.pk)
    approval = _run(
        lambda: actions.do_request_extension(deadline, payload.kind, user, payload.version, payload.reason)
    )
    return Status(201, Created(id=approval.pk, version=payload.version + 1))


@router.post("/cases/{case_id}/consultations", response={201: Created})
def record_consultation(request: HttpRequest, case_id: int, payload: ConsultationIn) -> Status[Created]:
    """Record a consultation (案件会商); the liaison then sees the case."""
    user = _user(request)
    case = _visible_case(user, case_id)
    consultation = _run(
        lambda: actions.do_record_consultation(
            case,
            user,
            payload.version,
            liaison=_staff(payload.liaison),
            held_on=payload.held_on,
            participants=payload.participants,
            summary=payload.summary,
        )
    )
    return Status(201, Created(id=consultation.pk, version=case.version))


class ShareIn(VersionIn):
    liaison: str


@router.post("/cases/{case_id}/share", response=Created)
def share_case(request: HttpRequest, case_id: int, payload: ShareIn) -> Created:
    """Share a case with a procuratorate liaison before transfer (for consultation)."""
    user = _user(request)
    case = _visible_case(user, case_id)
    _run(lambda: actions.do_share_case(case, _staff(payload.liaison), user, payload.version))
    return Created(id=case.pk, version=case.version)


@router.get("/deadlines", response=list[DeadlineOut])
def my_deadlines(request: HttpRequest) -> list[DeadlineOut]:
    """Running clocks on the leads and cases the user works on, overdue and green channel first."""
    user = _user(request)
    views = sorted(
        (services.present(d) for d in services.running_deadlines_for(user)),
        key=lambda v: (not v.overdue, not v.priority, v.due or dt.date.max),
    )
    return [_deadline(v.deadline) for v in views]
