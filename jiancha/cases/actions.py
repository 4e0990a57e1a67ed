"""Every change of state of a lead, case, measure or evidence item (Zulip's ``do_*`` style).

Each function checks who is acting, checks the rules (``workflow``, ``deadlines``, ``checklist``,
``recusal``), writes the change under optimistic locking, adds a timeline entry and records a ledger
event in the same transaction: the change and its ledger entry commit together or not at all.
Views and API endpoints call these and never write the models themselves.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import IO, Any

from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile, File
from django.db import transaction
from django.db.models import F, Model
from django.utils import timezone
from django.utils.translation import gettext as _

from jiancha.access.models import User
from jiancha.access.services import has_capability, roles_of, users_with_role, visible_divisions
from jiancha.ledger.services import actor_label, record_event
from jiancha.orgs.models import Division

from . import checklist, recusal
from .deadlines import ClockRule, ExtensionRule, RuleError, due_date, due_time, extend, rules
from .errors import ActionRefused, StaleVersion
from .models import (
    Approval,
    Case,
    CaseMember,
    CaseType,
    Classification,
    Consultation,
    CustodyEntry,
    Deadline,
    Evidence,
    EvidenceType,
    Lead,
    LeadSource,
    Measure,
    MeasureKind,
    PersonConcerned,
    ProcuratorateReturn,
    TimelineEntry,
)
from .workdays import CALENDAR_MISSING, CalendarNotLoaded, problem_text
from .workflow import Transition, workflow

# Measures whose approval starts a legal clock when they begin, and the clocks they start.
MEASURE_CLOCKS: dict[str, tuple[str, ...]] = {
    MeasureKind.DETENTION: ("detention", "detention_notification"),
    MeasureKind.TECHNICAL: ("technical_investigation",),
}
# The record that stops a measure's notice clock (留置后 24 小时内通知).
NOTICE_RECORDS: dict[str, str] = {EvidenceType.NOTIFICATION: "detention_notification"}


class ChecklistFailed(ActionRefused):
    """The transfer checklist found gaps; ``findings`` lists them."""

    def __init__(self, findings: list[checklist.Finding]) -> None:
        self.findings = findings
        lines = [f"{f.rule.label}: {'; '.join(f.missing)}" for f in findings]
        super().__init__(_("the file is not ready for transfer — %(gaps)s") % {"gaps": " | ".join(lines)})


@dataclass(frozen=True)
class PersonInput:
    """A person a new lead is about; ``identity_id`` when entity resolution already knows them."""

    name: str
    identity_id: str = ""
    position: str = ""
    family_names: str = ""


# --- helpers ------------------------------------------------------------------------------------


def _now(now: dt.datetime | None) -> dt.datetime:
    return now or timezone.now()


def _require(user: User, capability: str) -> None:
    if not has_capability(user, capability):
        raise PermissionDenied(_("this needs the right “%(capability)s”") % {"capability": capability})


def _actor(user: User, capability: str = "") -> str:
    """The ledger's actor text: the username and the role that gave the right used."""
    role = next((r.code for r in roles_of(user) if capability in r.capabilities), "")
    if not role and roles_of(user):
        role = roles_of(user)[0].code
    return actor_label(user.get_username(), role)


def _in_scope(user: User, division: Division) -> None:
    if not visible_divisions(user).filter(pk=division.pk).exists():
        raise PermissionDenied(_("this lies outside your scope"))


def _bump(obj: Lead | Case, expected_version: int | None, **fields: Any) -> None:
    """Write ``fields`` and the next version only if nobody changed the row since ``expected_version``.

    ``None`` means "whatever is current" and is for callers that re-read and check state themselves
    (an approval applies a step after re-checking it against the current state).
    """
    model = type(obj)
    current = obj.version if expected_version is None else expected_version
    updated = model.objects.filter(pk=obj.pk, version=current).update(version=F("version") + 1, **fields)
    if not updated:
        raise StaleVersion(
            _(
                "%(what)s %(number)s was changed by someone else after you opened it; "
                "reload the page to see the change, then try again"
            )
            % {"what": model._meta.verbose_name, "number": obj.number}
        )
    obj.version = current + 1
    for name, value in fields.items():
        setattr(obj, name, value)


def _check_fresh(obj: Lead | Case, expected_version: int | None) -> None:
    """Tell a stale writer first, before any other refusal that would only confuse them."""
    if (
        expected_version is not None
        and type(obj).objects.filter(pk=obj.pk, version=expected_version).exists() is False
    ):
        raise StaleVersion(
            _(
                "%(what)s %(number)s was changed by someone else after you opened it; "
                "reload the page to see the change, then try again"
            )
            % {"what": type(obj)._meta.verbose_name, "number": obj.number}
        )


def _ledger(kind: str, actor: str, obj: Model, content: Mapping[str, Any], legal_basis: str = "") -> int:
    object_kind = {Lead: "lead", Case: "case", Measure: "measure", Evidence: "evidence"}[type(obj)]
    return record_event(
        kind=kind,
        actor=actor,
        object_kind=object_kind,
        object_id=str(obj.pk),
        content=dict(content),
        legal_basis=legal_basis[:255],
    ).index


def _timeline(
    *,
    lead: Lead,
    case: Case | None,
    kind: str,
    user: User,
    now: dt.datetime,
    ledger_index: int,
    step: str = "",
    from_state: str = "",
    to_state: str = "",
    approved_by: User | None = None,
    legal_basis: str = "",
    note: str = "",
    measure: Measure | None = None,
) -> TimelineEntry:
    return TimelineEntry.objects.create(
        lead=lead,
        case=case,
        measure=measure,
        kind=kind,
        step=step,
        from_state=from_state,
        to_state=to_state,
        actor=user,
        approved_by=approved_by,
        legal_basis=legal_basis[:255],
        note=note,
        at=now,
        ledger_index=ledger_index,
    )


def _event(
    kind: str,
    user: User,
    capability: str,
    obj: Model,
    *,
    lead: Lead,
    case: Case | None,
    now: dt.datetime,
    content: Mapping[str, Any],
    legal_basis: str = "",
    note: str = "",
    approved_by: User | None = None,
    step: str = "",
    from_state: str = "",
    to_state: str = "",
) -> TimelineEntry:
    """Ledger event plus timeline entry: the two records every action leaves."""
    index = _ledger(kind, _actor(user, capability), obj, content, legal_basis)
    return _timeline(
        lead=lead,
        case=case,
        kind=kind,
        user=user,
        now=now,
        ledger_index=index,
        step=step,
        from_state=from_state,
        to_state=to_state,
        approved_by=approved_by,
        legal_basis=legal_basis,
        note=note,
        # A measure's kind is shown from the row, in the reader's language, not stored as text.
        measure=obj if isinstance(obj, Measure) else None,
    )


# --- clocks -------------------------------------------------------------------------------------


def start_clock(
    code: str,
    *,
    now: dt.datetime,
    priority: bool = False,
    lead: Lead | None = None,
    case: Case | None = None,
    measure: Measure | None = None,
    round: int = 1,
) -> Deadline:
    """Start a legal clock under the rule version in force today.

    A missing working-day calendar does not stop the work: the clock is kept with no due date and
    the problem stated, so that it shows on every list until someone loads the year's calendar.
    """
    day = timezone.localdate(now)
    rule: ClockRule = rules().rule(code, day)
    deadline = Deadline(
        lead=lead,
        case=case,
        measure=measure,
        clock=code,
        rule_version=rule.version,
        started_at=now,
        round=round,
    )
    try:
        if rule.period.unit == "hours":
            deadline.due_at = due_time(now, rule.period)
            deadline.due_on = timezone.localdate(deadline.due_at)
        else:
            deadline.due_on = due_date(day, rule.period, rule.roll_over_holiday)
        if priority and rule.priority_target is not None:
            deadline.target_on = due_date(day, rule.priority_target, rule.roll_over_holiday)
    except CalendarNotLoaded as error:
        # Kept as a code and worded when shown, so that each reader gets it in their language.
        deadline.problem = f"{CALENDAR_MISSING}{error.year}"
    deadline.save()
    return deadline


def _stop_clocks(codes: Iterable[str], now: dt.datetime, **owner: Any) -> list[Deadline]:
    stopped = []
    for deadline in Deadline.objects.filter(clock__in=list(codes), status=Deadline.Status.RUNNING, **owner):
        late = (deadline.due_at is not None and now > deadline.due_at) or (
            deadline.due_at is None
            and deadline.due_on is not None
            and timezone.localdate(now) > deadline.due_on
        )
        deadline.status = Deadline.Status.LATE if late else Deadline.Status.MET
        deadline.stopped_at = now
        deadline.save(update_fields=["status", "stopped_at"])
        stopped.append(deadline)
    return stopped


# --- leads --------------------------------------------------------------------------------------


@transaction.atomic
def do_create_lead(
    *,
    division: Division,
    source: str,
    summary: str,
    persons: Iterable[PersonInput],
    source_ref: str = "",
    classification: str = Classification.INTERNAL,
    priority: bool = False,
    received_on: dt.date | None = None,
    created_by: User,
    now: dt.datetime | None = None,
) -> Lead:
    """Register a lead (登记问题线索) from any source and start its disposal clock."""
    now = _now(now)
    persons = list(persons)
    if source not in LeadSource.values:
        raise ActionRefused(_("unknown lead source “%(source)s”") % {"source": source})
    if classification not in Classification.values:
        raise ActionRefused(_("unknown classification “%(level)s”") % {"level": classification})
    if not summary.strip():
        raise ActionRefused(_("a lead needs a summary"))
    if not persons or not all(p.name.strip() for p in persons):
        raise ActionRefused(_("a lead needs at least one person concerned, each with a name"))
    lead = Lead.objects.create(
        division=division,
        source=source,
        source_ref=source_ref.strip(),
        summary=summary.strip(),
        classification=classification,
        priority=priority,
        received_on=received_on or timezone.localdate(now),
        created_by=created_by,
    )
    for person in persons:
        PersonConcerned.objects.create(
            lead=lead,
            name=person.name.strip(),
            identity_id=person.identity_id.strip(),
            position=person.position.strip(),
            family_names=person.family_names.strip(),
        )
    received = dt.datetime.combine(lead.received_on, dt.time(9), tzinfo=timezone.get_current_timezone())
    start_clock("disposal_plan", now=min(received, now), priority=priority, lead=lead)
    _event(
        "lead.created",
        created_by,
        "manage_leads",
        lead,
        lead=lead,
        case=None,
        now=now,
        to_state=lead.state,
        content={
            "source": source,
            "source_ref": lead.source_ref,
            "summary": lead.summary,
            "persons": [p.name for p in persons],
            "identity_ids": [p.identity_id for p in persons],
            "classification": classification,
            "priority": priority,
            "division": division.code,
        },
    )
    return lead


@transaction.atomic
def do_merge_leads(duplicate: Lead, into: Lead, user: User, expected_version: int | None) -> Lead:
    """Merge a duplicate lead into another (线索合并); the duplicate's clocks stop."""
    _require(user, "manage_leads")
    _in_scope(user, duplicate.division)
    _in_scope(user, into.division)
    if duplicate.pk == into.pk:
        raise ActionRefused(_("a lead cannot be merged into itself"))
    if duplicate.state not in ("registered", "held") or into.state in ("merged", "closed"):
        raise ActionRefused(_("only a lead not yet disposed of can be merged into an open lead"))
    now = timezone.now()
    from_state = duplicate.state
    _bump(duplicate, expected_version, state="merged", merged_into=into)
    _stop_clocks(["disposal_plan"], now, lead=duplicate)
    _event(
        "lead.merged",
        user,
        "manage_leads",
        duplicate,
        lead=duplicate,
        case=None,
        now=now,
        from_state=from_state,
        to_state="merged",
        content={"into": into.pk},
    )
    _event(
        "lead.merged_in",
        user,
        "manage_leads",
        into,
        lead=into,
        case=None,
        now=now,
        content={"from": duplicate.pk},
    )
    return duplicate


# --- steps of the state machine -----------------------------------------------------------------


def _object_kind(obj: Lead | Case) -> str:
    return "case" if isinstance(obj, Case) else "lead"


def _check_step(
    obj: Lead | Case, code: str, user: User, reason: str, *, as_approver: bool = False
) -> Transition:
    """Everything a step needs before it can be requested or applied; refuses with the reason."""
    transition = workflow().check(_object_kind(obj), obj.state, code)
    if not as_approver:
        _require(user, transition.actor)
        _in_scope(user, obj.division)
        if transition.team_only and isinstance(obj, Case) and not obj.members.filter(user=user).exists():
            raise PermissionDenied(_("only a member of the case team may do this"))
        if transition.actor == "view_transferred_case" and not (
            isinstance(obj, Case) and obj.ever_transferred and obj.shared_with.filter(pk=user.pk).exists()
        ):
            # Being a liaison in scope is not enough: the case must have gone to this liaison.
            raise PermissionDenied(_("this case was not transferred to you"))
    if transition.needs_reason and not reason.strip():
        raise ActionRefused(_("“%(step)s” needs the reasons to be stated") % {"step": transition.label})
    if code == "return_for_supplementary_investigation" and isinstance(obj, Case):
        limit = rules().clock("supplementary_investigation").max_rounds or 0
        if obj.returns.count() >= limit:
            raise ActionRefused(
                _(
                    "supplementary investigation is allowed at most %(n)d times; this case was returned %(n)d times"
                )
                % {"n": limit}
            )
    if transition.checklist and isinstance(obj, Case):
        gaps = checklist.blocking(checklist.check_case(obj))
        if gaps:
            raise ChecklistFailed(gaps)
    return transition


@transaction.atomic
def do_request_step(
    obj: Lead | Case,
    code: str,
    user: User,
    expected_version: int | None,
    *,
    reason: str = "",
    details: Mapping[str, Any] | None = None,
    now: dt.datetime | None = None,
) -> Approval | TimelineEntry:
    """Take a step, or ask for it when the rules need an approval first (报批).

    Returns the pending approval, or the timeline entry of the step taken.
    """
    now = _now(now)
    _check_fresh(obj, expected_version)
    transition = _check_step(obj, code, user, reason)
    details = dict(details or {})
    if transition.creates_case:
        _check_case_details(details)
    if isinstance(obj, Case) and transition.target == "transferred":
        _check_recipient(obj, details)
    if not transition.approval:
        return _apply_step(obj, transition, user, None, reason, details, now, expected_version)
    pending = obj.approvals.filter(status=Approval.Status.PENDING, kind=Approval.Kind.TRANSITION)
    if pending.exists():
        raise ActionRefused(_("a step is already awaiting approval here; it must be decided first"))
    _bump(obj, expected_version)
    approval = Approval.objects.create(
        kind=Approval.Kind.TRANSITION,
        lead=obj if isinstance(obj, Lead) else None,
        case=obj if isinstance(obj, Case) else None,
        transition=code,
        payload={"reason": reason, "details": details},
        approver_capability=transition.approval,
        requested_by=user,
        requested_at=now,
    )
    lead, case = (obj.lead, obj) if isinstance(obj, Case) else (obj, None)
    _event(
        f"{transition.object}.step_requested",
        user,
        transition.actor,
        obj,
        lead=lead,
        case=case,
        now=now,
        step=code,
        note=reason,
        legal_basis=transition.basis_on(timezone.localdate(now)),
        content={"step": code, "approval": approval.pk, "reason": reason, "details": details},
    )
    return approval


def _check_case_details(details: Mapping[str, Any]) -> None:
    if details.get("case_type") not in CaseType.values:
        raise ActionRefused(_("filing a case needs its type"))
    if not str(details.get("title", "")).strip():
        raise ActionRefused(_("filing a case needs a title"))


def _check_recipient(case: Case, details: dict[str, Any]) -> None:
    """A transfer may name its receiving liaison (接收检察机关联络人); it must be one who covers the case.

    The username is replaced by the user's id so that a later rename does not change the record.
    """
    username = str(details.pop("recipient", "") or "").strip()
    if not username:
        return
    liaison = users_with_role("procuratorate", case.division).filter(username=username).first()
    if liaison is None:
        raise ActionRefused(
            _("%(user)s is not a procuratorate liaison whose scope covers this case") % {"user": username}
        )
    details["recipient_id"] = liaison.pk
    details["recipient"] = liaison.get_username()


def _record_recipients(case: Case, details: Mapping[str, Any]) -> None:
    """Record which liaisons a transfer goes to (in ``shared_with``): the one the transfer names;
    otherwise those the case was already shared with or consulted with; when there are none, the
    liaisons whose scope covers the case."""
    if details.get("recipient_id"):
        case.shared_with.add(details["recipient_id"])
    elif not case.shared_with.exists():
        case.shared_with.add(*users_with_role("procuratorate", case.division))


def _apply_step(
    obj: Lead | Case,
    transition: Transition,
    user: User,
    approver: User | None,
    reason: str,
    details: Mapping[str, Any],
    now: dt.datetime,
    expected_version: int | None,
) -> TimelineEntry:
    day = timezone.localdate(now)
    basis = transition.basis_on(day)
    from_state = obj.state
    fields: dict[str, Any] = {"state": transition.target}
    if isinstance(obj, Case):
        if transition.concludes and obj.concluded_on is None:
            fields["concluded_on"] = day  # 审结: the first sanction or transfer ends the cycle
        if transition.target == "transferred":
            fields["ever_transferred"] = True
    _bump(obj, expected_version, **fields)
    if isinstance(obj, Case) and transition.target == "transferred":
        _record_recipients(obj, details)
    lead, case = (obj.lead, obj) if isinstance(obj, Case) else (obj, None)
    content: dict[str, Any] = {
        "step": transition.code,
        "from": from_state,
        "to": transition.target,
        "reason": reason,
    }
    if approver is not None:
        content["approved_by"] = approver.get_username()
    # Rounds: the n-th return and the transfer after it are round n (n-th supplementary investigation).
    round_no = case.returns.count() + 1 if transition.code == "retransfer" and case is not None else 1
    if transition.code == "return_for_supplementary_investigation" and case is not None:
        round_no = case.returns.count() + 1
        ProcuratorateReturn.objects.create(
            case=case, round=round_no, reasons=reason, returned_by=user, returned_at=now
        )
        content["round"] = round_no
    if transition.creates_case:
        case = Case.objects.create(
            lead=lead,
            division=lead.division,
            title=str(details["title"]).strip()[:200],
            case_type=details["case_type"],
            major=bool(details.get("major")),
            priority=lead.priority,
            filed_on=day,
        )
        content["case"] = case.pk
    # Clocks belong to the lead, the case, or (for measures) the measure; each transition's clocks
    # are on the object it moves, except the case clocks a filing starts.
    owner = {"case": case} if (isinstance(obj, Case) or transition.creates_case) else {"lead": lead}
    _stop_clocks(transition.stops, now, **({"case": obj} if isinstance(obj, Case) else {"lead": obj}))
    priority = obj.priority if not transition.creates_case else lead.priority
    for code in transition.starts:
        start_clock(code, now=now, priority=priority, round=round_no, **owner)
    entry = _event(
        f"{transition.object}.{transition.code}",
        user,
        transition.actor,
        obj,
        lead=lead,
        case=case,
        now=now,
        step=transition.code,
        from_state=from_state,
        to_state=transition.target,
        approved_by=approver,
        legal_basis=basis,
        note=reason,
        content=content,
    )
    if transition.creates_case and case is not None:
        _event(
            "case.filed",
            user,
            transition.actor,
            case,
            lead=lead,
            case=case,
            now=now,
            to_state=case.state,
            approved_by=approver,
            legal_basis=basis,
            content={"lead": lead.pk, "title": case.title, "case_type": case.case_type, "major": case.major},
        )
    return entry


# --- approvals ----------------------------------------------------------------------------------


@transaction.atomic
def do_decide(
    approval: Approval, approver: User, approve: bool, note: str = "", now: dt.datetime | None = None
) -> Approval:
    """Approve or reject a request (审批). The requester cannot approve their own request."""
    now = _now(now)
    _require(approver, approval.approver_capability)
    subject = approval.case or approval.lead or (approval.measure.case if approval.measure else None)
    if subject is None and approval.deadline is not None:
        subject = approval.deadline.case or approval.deadline.lead
        if subject is None and approval.deadline.measure is not None:
            subject = approval.deadline.measure.case
    assert subject is not None
    _in_scope(approver, subject.division)
    if approval.requested_by_id == approver.pk:
        raise PermissionDenied(_("a request cannot be approved by the person who made it"))
    claimed = Approval.objects.filter(pk=approval.pk, status=Approval.Status.PENDING).update(
        status=Approval.Status.APPROVED if approve else Approval.Status.REJECTED,
        decided_by=approver,
        decided_at=now,
        decision_note=note,
    )
    if not claimed:
        raise StaleVersion(_("this request was already decided by someone else"))
    approval.refresh_from_db()
    if approval.kind == Approval.Kind.TRANSITION:
        obj: Lead | Case = approval.case or approval.lead  # type: ignore[assignment]
        obj.refresh_from_db()
        if approve:
            transition = _check_step(
                obj, approval.transition, approver, approval.payload.get("reason", ""), as_approver=True
            )
            _apply_step(
                obj,
                transition,
                approval.requested_by,
                approver,
                approval.payload.get("reason", ""),
                approval.payload.get("details", {}),
                now,
                None,
            )
        else:
            _bump(obj, None)
            lead, case = (obj.lead, obj) if isinstance(obj, Case) else (obj, None)
            _event(
                f"{_object_kind(obj)}.step_rejected",
                approver,
                approval.approver_capability,
                obj,
                lead=lead,
                case=case,
                now=now,
                step=approval.transition,
                note=note,
                content={"step": approval.transition, "approval": approval.pk, "note": note},
            )
    elif approval.kind == Approval.Kind.MEASURE:
        _decide_measure(approval, approver, approve, note, now)
    else:
        _decide_extension(approval, approver, approve, note, now)
    return approval


# --- team, sharing, consultation -----------------------------------------------------------------


@transaction.atomic
def do_add_member(
    case: Case, member: User, user: User, expected_version: int | None, leader: bool = False
) -> CaseMember:
    """Put an investigator on the case team, unless a relation requires recusal (回避)."""
    if not (has_capability(user, "approve") or has_capability(user, "manage_leads")):
        raise PermissionDenied(_("only a leader or case supervision may set the case team"))
    _in_scope(user, case.division)
    if not has_capability(member, "investigate_case"):
        raise ActionRefused(_("%(user)s is not an investigator") % {"user": member.get_username()})
    if case.members.filter(user=member).exists():
        raise ActionRefused(_("%(user)s is already on the team") % {"user": member.get_username()})
    relations = recusal.conflicts(member, case.lead.persons.all())
    if relations:
        raise recusal.RecusalRequired(member, relations)
    _bump(case, expected_version)
    membership = CaseMember.objects.create(case=case, user=member, leader=leader)
    now = timezone.now()
    _event(
        "case.member_added",
        user,
        "approve",
        case,
        lead=case.lead,
        case=case,
        now=now,
        note=member.get_full_name() or member.get_username(),
        content={"member": member.get_username(), "leader": leader, "recusal_checked": True},
    )
    return membership


@transaction.atomic
def do_share_case(case: Case, liaison: User, user: User, expected_version: int | None) -> None:
    """Share a case with a procuratorate liaison before transfer (for consultation)."""
    if not (has_capability(user, "approve") or has_capability(user, "review_case")):
        raise PermissionDenied(_("only a leader or a trial reviewer may share a case"))
    _in_scope(user, case.division)
    if not has_capability(liaison, "view_transferred_case"):
        raise ActionRefused(_("%(user)s is not a procuratorate liaison") % {"user": liaison.get_username()})
    _bump(case, expected_version)
    case.shared_with.add(liaison)
    _event(
        "case.shared",
        user,
        "approve",
        case,
        lead=case.lead,
        case=case,
        now=timezone.now(),
        content={"liaison": liaison.get_username()},
    )


@transaction.atomic
def do_record_consultation(
    case: Case,
    user: User,
    expected_version: int | None,
    *,
    liaison: User,
    held_on: dt.date,
    participants: str,
    summary: str,
) -> Consultation:
    """Record a consultation (案件会商) with the procuratorate; the liaison then sees the case."""
    allowed = (
        has_capability(user, "review_case")
        or has_capability(user, "approve")
        or (has_capability(user, "investigate_case") and case.members.filter(user=user).exists())
    )
    if not allowed:
        raise PermissionDenied(
            _("only the case team, a trial reviewer or a leader may record a consultation")
        )
    _in_scope(user, case.division)
    if not has_capability(liaison, "view_transferred_case"):
        raise ActionRefused(_("%(user)s is not a procuratorate liaison") % {"user": liaison.get_username()})
    if not summary.strip():
        raise ActionRefused(_("a consultation needs a summary"))
    _bump(case, expected_version)
    now = timezone.now()
    consultation = Consultation.objects.create(
        case=case,
        held_on=held_on,
        liaison=liaison,
        participants=participants.strip(),
        summary=summary.strip(),
        recorded_by=user,
        recorded_at=now,
    )
    case.shared_with.add(liaison)
    _event(
        "case.consultation",
        user,
        "review_case",
        case,
        lead=case.lead,
        case=case,
        now=now,
        note=summary.strip(),
        content={
            "held_on": held_on.isoformat(),
            "liaison": liaison.get_username(),
            "summary": summary.strip(),
        },
    )
    return consultation


# --- measures -----------------------------------------------------------------------------------


def _team_member(case: Case, user: User) -> None:
    _require(user, "investigate_case")
    if not case.members.filter(user=user).exists():
        raise PermissionDenied(_("only a member of the case team may do this"))


@transaction.atomic
def do_request_measure(
    case: Case, user: User, expected_version: int | None, *, kind: str, subject: str = "", purpose: str = ""
) -> Measure:
    """Ask for approval of an investigation measure (调查措施报批)."""
    _team_member(case, user)
    if kind not in MeasureKind.values:
        raise ActionRefused(_("unknown measure “%(kind)s”") % {"kind": kind})
    if case.state not in ("investigating", "returned"):
        raise ActionRefused(
            _("measures are taken during the investigation, not in the state “%(state)s”")
            % {"state": workflow().state_label("case", case.state)}
        )
    _bump(case, expected_version)
    now = timezone.now()
    measure = Measure.objects.create(
        case=case, kind=kind, subject=subject.strip(), purpose=purpose.strip(), requested_by=user
    )
    Approval.objects.create(
        kind=Approval.Kind.MEASURE,
        case=case,
        measure=measure,
        requested_by=user,
        requested_at=now,
        payload={"kind": kind, "subject": measure.subject},
    )
    _event(
        "measure.requested",
        user,
        "investigate_case",
        measure,
        lead=case.lead,
        case=case,
        now=now,
        content={"case": case.pk, "kind": kind, "subject": measure.subject, "purpose": measure.purpose},
    )
    return measure


def _decide_measure(approval: Approval, approver: User, approve: bool, note: str, now: dt.datetime) -> None:
    measure = approval.measure
    assert measure is not None
    if measure.state != Measure.State.REQUESTED:
        raise ActionRefused(_("this measure is no longer awaiting approval"))
    measure.state = Measure.State.APPROVED if approve else Measure.State.REJECTED
    if approve:
        measure.approved_by, measure.approved_at = approver, now
    measure.save()
    _bump(measure.case, None)
    _event(
        "measure.approved" if approve else "measure.rejected",
        approver,
        "approve",
        measure,
        lead=measure.case.lead,
        case=measure.case,
        now=now,
        approved_by=approver if approve else None,
        note=note,
        content={"kind": measure.kind, "note": note},
    )


@transaction.atomic
def do_start_measure(
    measure: Measure, user: User, expected_version: int | None, now: dt.datetime | None = None
) -> Measure:
    """Carry out an approved measure; detention and technical measures start their legal clocks."""
    now = _now(now)
    case = measure.case
    _team_member(case, user)
    if measure.state != Measure.State.APPROVED:
        raise ActionRefused(_("a measure can start only once approved"))
    _bump(case, expected_version)
    measure.state, measure.started_at = Measure.State.ACTIVE, now
    measure.save(update_fields=["state", "started_at"])
    for code in MEASURE_CLOCKS.get(measure.kind, ()):
        start_clock(code, now=now, priority=case.priority, measure=measure)
    _event(
        "measure.started",
        user,
        "investigate_case",
        measure,
        lead=case.lead,
        case=case,
        now=now,
        content={"kind": measure.kind, "started_at": now.isoformat()},
    )
    return measure


@transaction.atomic
def do_end_measure(
    measure: Measure, user: User, expected_version: int | None, now: dt.datetime | None = None
) -> Measure:
    now = _now(now)
    case = measure.case
    _team_member(case, user)
    if measure.state != Measure.State.ACTIVE:
        raise ActionRefused(_("only a measure in progress can end"))
    _bump(case, expected_version)
    measure.state, measure.ended_at = Measure.State.ENDED, now
    measure.save(update_fields=["state", "ended_at"])
    _stop_clocks(MEASURE_CLOCKS.get(measure.kind, ()), now, measure=measure)
    _event(
        "measure.ended",
        user,
        "investigate_case",
        measure,
        lead=case.lead,
        case=case,
        now=now,
        content={"kind": measure.kind, "ended_at": now.isoformat()},
    )
    return measure


# --- extensions ---------------------------------------------------------------------------------


def _extension_rule(deadline: Deadline, kind: str) -> ExtensionRule:
    rule = rules().clock(deadline.clock).versions[deadline.rule_version]
    if kind not in rule.extensions:
        raise RuleError(
            _("“%(clock)s” cannot be extended in the way “%(kind)s”")
            % {"clock": rules().clock(deadline.clock).label, "kind": kind}
        )
    ext = rule.extensions[kind]
    used = deadline.extensions_of(kind)
    pending = deadline.approvals.filter(status=Approval.Status.PENDING, payload__kind=kind).count()
    if ext.max_times is not None and used + pending >= ext.max_times:
        raise RuleError(
            _("“%(clock)s” may be extended this way at most %(max)d time(s); already used %(used)d")
            % {"clock": rules().clock(deadline.clock).label, "max": ext.max_times, "used": used + pending}
        )
    if ext.requires_prior:
        prior = rule.extensions[ext.requires_prior]
        if prior.max_times is not None and deadline.extensions_of(ext.requires_prior) < prior.max_times:
            raise RuleError(_("this extension comes only after the ordinary extension has been used"))
    return ext


def _deadline_owner(deadline: Deadline) -> tuple[Lead | Case, Lead, Case | None]:
    if deadline.measure is not None:
        return deadline.measure.case, deadline.measure.case.lead, deadline.measure.case
    if deadline.case is not None:
        return deadline.case, deadline.case.lead, deadline.case
    assert deadline.lead is not None
    return deadline.lead, deadline.lead, None


@transaction.atomic
def do_request_extension(
    deadline: Deadline, kind: str, user: User, expected_version: int | None, reason: str
) -> Approval:
    """Ask to extend a running clock (延长期限报批); the rules cap how often."""
    owner, lead, case = _deadline_owner(deadline)
    _in_scope(user, owner.division)
    if isinstance(owner, Lead):
        _require(user, "manage_leads")  # a lead's clocks are case supervision's to extend
    if isinstance(owner, Case) and not (
        owner.members.filter(user=user).exists()
        or has_capability(user, "review_case")
        or (deadline.clock == "procuratorate_review" and has_capability(user, "view_transferred_case"))
    ):
        raise PermissionDenied(_("only the case team or a trial reviewer may ask for an extension"))
    if deadline.status != Deadline.Status.RUNNING:
        raise ActionRefused(_("only a running clock can be extended"))
    if not reason.strip():
        raise ActionRefused(_("an extension needs its reasons"))
    ext = _extension_rule(deadline, kind)
    _bump(owner, expected_version)
    now = timezone.now()
    approval = Approval.objects.create(
        kind=Approval.Kind.EXTENSION,
        deadline=deadline,
        case=case,
        lead=None if case else lead,
        payload={"kind": kind, "reason": reason.strip()},
        approver_capability=ext.approver,
        requested_by=user,
        requested_at=now,
    )
    _event(
        f"{_object_kind(owner)}.extension_requested",
        user,
        "investigate_case",
        owner,
        lead=lead,
        case=case,
        now=now,
        note=reason.strip(),
        content={"clock": deadline.clock, "kind": kind, "reason": reason.strip(), "approval": approval.pk},
    )
    return approval


def _decide_extension(approval: Approval, approver: User, approve: bool, note: str, now: dt.datetime) -> None:
    deadline = approval.deadline
    assert deadline is not None
    owner, lead, case = _deadline_owner(deadline)
    kind = approval.payload["kind"]
    content: dict[str, Any] = {"clock": deadline.clock, "kind": kind, "note": note}
    if approve:
        if deadline.status != Deadline.Status.RUNNING:
            raise ActionRefused(_("only a running clock can be extended"))
        # The pending request itself was counted when it was made; count only granted ones now.
        ext = rules().clock(deadline.clock).versions[deadline.rule_version].extensions[kind]
        if ext.max_times is not None and deadline.extensions_of(kind) >= ext.max_times:
            raise RuleError(_("this extension is beyond its limit"))
        rule = rules().clock(deadline.clock).versions[deadline.rule_version]
        old_due = deadline.due_on
        if deadline.due_at is not None:
            raise RuleError(_("an hour clock cannot be extended"))
        if old_due is None:
            raise RuleError(
                _("the clock has no due date to extend (%(problem)s)")
                % {"problem": problem_text(deadline.problem)}
            )
        new_due = extend(old_due, ext.period, rule.roll_over_holiday)
        deadline.due_on = new_due
        deadline.extensions = [
            *deadline.extensions,
            {
                "kind": kind,
                "from": old_due.isoformat(),
                "to": new_due.isoformat(),
                "approved_by": approver.get_username(),
                "at": now.isoformat(),
            },
        ]
        deadline.save(update_fields=["due_on", "extensions"])
        content.update({"from": old_due.isoformat(), "to": new_due.isoformat()})
    _bump(owner, None)
    _event(
        f"{_object_kind(owner)}.extension_{'granted' if approve else 'refused'}",
        approver,
        approval.approver_capability,
        owner,
        lead=lead,
        case=case,
        now=now,
        approved_by=approver if approve else None,
        note=note,
        content=content,
    )


# --- evidence -----------------------------------------------------------------------------------


def sha256_of(stream: IO[bytes]) -> str:
    digest = hashlib.sha256()
    for chunk in iter(lambda: stream.read(1 << 20), b""):
        digest.update(chunk)
    return digest.hexdigest()


@transaction.atomic
def do_add_evidence(
    case: Case,
    user: User,
    expected_version: int | None,
    *,
    evidence_type: str,
    description: str,
    source: str,
    location: str,
    file: File | None = None,
    content: bytes | None = None,
    file_name: str = "",
    measure: Measure | None = None,
    now: dt.datetime | None = None,
) -> Evidence:
    """Add an evidence item; its file's SHA-256 goes to the ledger and its custody chain starts."""
    now = _now(now)
    _team_member(case, user)
    if evidence_type not in EvidenceType.values:
        raise ActionRefused(_("unknown evidence type “%(type)s”") % {"type": evidence_type})
    if not description.strip() or not source.strip() or not location.strip():
        raise ActionRefused(_("evidence needs a description, a source and where it is kept"))
    if measure is not None and measure.case_id != case.pk:
        raise ActionRefused(_("that measure belongs to another case"))
    if file is None and content is not None:
        file = ContentFile(content, name=file_name or "evidence.bin")
    _bump(case, expected_version)
    item = Evidence(
        case=case,
        measure=measure,
        evidence_type=evidence_type,
        description=description.strip(),
        source=source.strip(),
        custodian=user,
        added_by=user,
        added_at=now,
    )
    if file is not None:
        file.seek(0)
        item.sha256 = sha256_of(file)
        file.seek(0)
        item.file_name = (file_name or file.name or "")[:200]
        item.file.save(item.file_name or "evidence.bin", file, save=False)
    item.save()
    entry = _event(
        "evidence.added",
        user,
        "investigate_case",
        item,
        lead=case.lead,
        case=case,
        now=now,
        note=item.description,
        content={
            "case": case.pk,
            "type": evidence_type,
            "sha256": item.sha256,
            "source": item.source,
            "measure": measure.pk if measure else None,
            "custodian": user.get_username(),
        },
    )
    CustodyEntry.objects.create(
        evidence=item,
        to_user=user,
        location=location.strip(),
        purpose=_("taken into custody"),
        at=now,
        ledger_index=entry.ledger_index,
    )
    if measure is not None and evidence_type in NOTICE_RECORDS:
        _stop_clocks([NOTICE_RECORDS[evidence_type]], now, measure=measure)
    return item


# Who may read an evidence file: the case team, trial reviewers, and the procuratorate's liaison once
# the case is transferred to them. The caller has already checked that the user sees the case.
EVIDENCE_READERS = ("investigate_case", "review_case", "view_transferred_case")


def open_evidence(item: Evidence, user: User) -> IO[bytes]:
    """Open an evidence item's file for reading (调阅证据), after checking it is still the file recorded.

    Every opening is a ledger event. A file whose SHA-256 no longer matches the one recorded when it
    was added is not handed out: the mismatch is written to the ledger (outside any transaction of
    the caller's, so that refusing does not erase the record) and the reader is told.
    """
    capability = next((c for c in EVIDENCE_READERS if has_capability(user, c)), "")
    if not capability:
        raise PermissionDenied(
            _("only the case team, trial reviewers and the receiving procuratorate read evidence")
        )
    if capability == "investigate_case" and not item.case.members.filter(user=user).exists():
        raise PermissionDenied(_("only a member of the case team may do this"))
    if not item.file:
        raise ActionRefused(_("this evidence item has no file"))
    handle = item.file.open("rb")
    actual = sha256_of(handle)
    content = {"case": item.case_id, "recorded_sha256": item.sha256}
    if actual != item.sha256:
        handle.close()
        _ledger(
            "evidence.integrity_failed", _actor(user, capability), item, {**content, "actual_sha256": actual}
        )
        raise ActionRefused(
            _(
                "the file of evidence item #%(item)s no longer matches the SHA-256 recorded when it was added; "
                "it is withheld and the mismatch is in the ledger"
            )
            % {"item": item.pk}
        )
    handle.seek(0)
    _ledger("evidence.opened", _actor(user, capability), item, content)
    return handle


@transaction.atomic
def do_transfer_custody(
    item: Evidence, user: User, expected_version: int | None, *, to_user: User, location: str, purpose: str
) -> CustodyEntry:
    """Hand an item to another custodian (保管交接); only its current custodian can."""
    case = item.case
    _team_member(case, user)
    if item.custodian_id != user.pk:
        raise PermissionDenied(_("only the current custodian can hand this item over"))
    if not case.members.filter(user=to_user).exists():
        raise ActionRefused(
            _("%(user)s is not on the case team; evidence is handed over only within the team")
            % {"user": to_user.get_username()}
        )
    if not location.strip():
        raise ActionRefused(_("say where the item is kept"))
    _bump(case, expected_version)
    now = timezone.now()
    index = _ledger(
        "evidence.custody",
        _actor(user, "investigate_case"),
        item,
        {
            "from": user.get_username(),
            "to": to_user.get_username(),
            "location": location.strip(),
            "purpose": purpose.strip(),
        },
    )
    item.custodian = to_user
    item.save(update_fields=["custodian"])
    return CustodyEntry.objects.create(
        evidence=item,
        from_user=user,
        to_user=to_user,
        location=location.strip(),
        purpose=purpose.strip(),
        at=now,
        ledger_index=index,
    )
