"""Pages for leads and cases. Thin: they parse the form, call ``actions``/``services``, render.

A refused step (``ActionRefused``: out of order, beyond a limit, stale version, checklist gaps) comes
back to the same page with the reason; a missing right is a logged 403.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jiancha.access.models import User
from jiancha.access.services import has_capability, users_with_role, visible_divisions

from . import actions, checklist, services
from .deadlines import rules
from .errors import ActionRefused, StaleVersion
from .models import (
    Approval,
    Case,
    CaseType,
    Classification,
    Deadline,
    Evidence,
    EvidenceType,
    Lead,
    LeadSource,
    Measure,
    MeasureKind,
)
from .workflow import workflow

View = Callable[..., HttpResponseBase]
CASE_WORK = ("manage_leads", "approve", "investigate_case", "review_case", "view_transferred_case")


def any_capability(*capabilities: str) -> Callable[[View], View]:
    """Like ``capability_required`` for pages that several roles use, each seeing its own part."""

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not any(has_capability(request.user, c) for c in capabilities):
                raise PermissionDenied(
                    _("this needs one of the rights “%(capabilities)s”")
                    % {"capabilities": "”, “".join(capabilities)}
                )
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _version(request: HttpRequest) -> int:
    """The version the form was rendered with; without it a write would skip optimistic locking."""
    value = request.POST.get("version", "")
    if not value.isdigit():
        raise StaleVersion(_("the form did not say which version you saw; reload the page and try again"))
    return int(value)


def _back(request: HttpRequest, fallback: str) -> HttpResponseRedirect:
    return HttpResponseRedirect(fallback)


def _attempt(request: HttpRequest, success: str, work: Callable[[], object]) -> bool:
    try:
        work()
    except ActionRefused as refusal:
        messages.error(request, str(refusal))
        return False
    messages.success(request, success)
    return True


# --- leads --------------------------------------------------------------------------------------


def _filter_leads(request: HttpRequest, leads: QuerySet[Lead]) -> QuerySet[Lead]:
    state, source, query = (
        request.GET.get("state", ""),
        request.GET.get("source", ""),
        request.GET.get("q", "").strip(),
    )
    if state:
        leads = leads.filter(state=state)
    if source:
        leads = leads.filter(source=source)
    if request.GET.get("priority"):
        leads = leads.filter(priority=True)
    if query:
        leads = leads.filter(summary__icontains=query) | leads.filter(persons__name__icontains=query)
    return leads.distinct().prefetch_related("persons").select_related("division")


@any_capability("manage_leads", "approve", "submit_field_lead")
def lead_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    leads = list(_filter_leads(request, services.leads_for(user))[:300])
    running = {
        d.lead_id: services.present(d)
        for d in Deadline.objects.filter(
            lead__in=leads, clock="disposal_plan", status=Deadline.Status.RUNNING
        )
    }
    rows = [(lead, workflow().state_label("lead", lead.state), running.get(lead.pk)) for lead in leads]
    return render(
        request,
        "cases/leads.html",
        {
            "rows": rows,
            "states": services.state_choices("lead"),
            "sources": LeadSource.choices,
            "filters": request.GET,
            "can_create": has_capability(user, "manage_leads"),
        },
    )


@any_capability("manage_leads")
def lead_new(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    divisions = visible_divisions(user).order_by("code")
    if request.method == "POST":
        post = request.POST
        names = post.getlist("person_name")
        persons = [
            actions.PersonInput(name, identity, position, family)
            for name, identity, position, family in zip(
                names,
                post.getlist("person_identity"),
                post.getlist("person_position"),
                post.getlist("person_family"),
                strict=False,
            )
            if name.strip()
        ]
        division = divisions.filter(code=post.get("division", "")).first()
        try:
            if division is None:
                raise ActionRefused(_("choose a division in your scope"))
            received = dt.date.fromisoformat(post["received_on"]) if post.get("received_on") else None
            lead = services.create_lead(
                division=division,
                source=post.get("source", ""),
                summary=post.get("summary", ""),
                persons=persons,
                created_by=user,
                source_ref=post.get("source_ref", ""),
                classification=post.get("classification", Classification.INTERNAL),
                priority=bool(post.get("priority")),
                received_on=received,
            )
        except (ActionRefused, ValueError) as refusal:
            messages.error(request, str(refusal))
        else:
            messages.success(request, _("Lead %(number)s registered.") % {"number": lead.number})
            return HttpResponseRedirect(reverse("cases:lead", args=[lead.pk]))
    return render(
        request,
        "cases/lead_new.html",
        {
            "divisions": divisions,
            "sources": LeadSource.choices,
            "classifications": Classification.choices,
            "form": request.POST,
        },
    )


def _lead_or_404(request: HttpRequest, pk: int) -> Lead:
    lead = get_object_or_404(Lead.objects.select_related("division"), pk=pk)
    if not services.can_see_lead(_user(request), lead):
        raise PermissionDenied(_("this lead is not yours to see"))
    return lead


def _deadline_views(deadlines: QuerySet[Deadline]) -> list[services.DeadlineView]:
    return [services.present(d) for d in deadlines.select_related("lead", "case", "measure__case")]


@any_capability("manage_leads", "approve", "submit_field_lead", *CASE_WORK)
def lead_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    lead = _lead_or_404(request, pk)
    steps = [t for t in workflow().from_state("lead", lead.state) if has_capability(user, t.actor)]
    pending = lead.approvals.filter(status=Approval.Status.PENDING).select_related("requested_by")
    return render(
        request,
        "cases/lead.html",
        {
            "lead": lead,
            "state": workflow().state_label("lead", lead.state),
            "persons": services.persons_for(lead, user),
            "steps": steps if not pending else [],
            "pending": pending,
            "duplicates": services.duplicate_candidates(lead, user),
            "deadlines": _deadline_views(lead.deadlines.all()),
            "timeline": _timeline_rows(lead, user),
            "case_types": CaseType.choices,
            "case": getattr(lead, "case", None),
            "extension_kinds": _extension_kinds(lead.deadlines.filter(status=Deadline.Status.RUNNING)),
        },
    )


@require_POST
@any_capability("manage_leads", "approve")
def lead_action(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    lead = _lead_or_404(request, pk)
    try:
        version = _version(request)
    except StaleVersion as refusal:
        messages.error(request, str(refusal))
        return _back(request, reverse("cases:lead", args=[lead.pk]))
    post = request.POST
    action = post.get("action", "")
    if action == "step":
        details = {
            "title": post.get("title", ""),
            "case_type": post.get("case_type", ""),
            "major": bool(post.get("major")),
        }
        _attempt(
            request,
            _("Done."),
            lambda: actions.do_request_step(
                lead, post.get("step", ""), user, version, reason=post.get("reason", ""), details=details
            ),
        )
    elif action == "merge":
        into = get_object_or_404(Lead, pk=post.get("into", "0"))
        _attempt(request, _("Merged."), lambda: actions.do_merge_leads(lead, into, user, version))
    elif action == "extend":
        _extend(request, user, version, lead.deadlines.all())
    return _back(request, reverse("cases:lead", args=[lead.pk]))


def _timeline_rows(lead: Lead, user: User) -> list[dict[str, Any]]:
    entries = services.timeline(lead, user)
    return [
        {
            "entry": entry,
            "label": services.entry_label(entry),
            "from": workflow().state_label(
                "case" if entry.case_id and entry.kind.startswith("case") else "lead", entry.from_state
            )
            if entry.from_state
            else "",
            "to": workflow().state_label(
                "case" if entry.case_id and entry.kind.startswith("case") else "lead", entry.to_state
            )
            if entry.to_state
            else "",
        }
        for entry in entries
    ]


def _extension_kinds(deadlines: QuerySet[Deadline]) -> dict[int, list[tuple[str, str]]]:
    """For each running clock that the rules let be extended: its extension kinds and their names."""
    kinds = {}
    for deadline in deadlines:
        rule = rules().clock(deadline.clock).versions[deadline.rule_version]
        if rule.extensions:
            kinds[deadline.pk] = [
                (code, str(services.EXTENSION_LABELS.get(code, code)) + f" (+{ext.period.describe()})")
                for code, ext in rule.extensions.items()
            ]
    return kinds


def _extend(request: HttpRequest, user: User, version: int, deadlines: QuerySet[Deadline]) -> None:
    deadline = get_object_or_404(deadlines, pk=request.POST.get("deadline", "0"))
    _attempt(
        request,
        _("Extension requested."),
        lambda: actions.do_request_extension(
            deadline, request.POST.get("kind", ""), user, version, request.POST.get("reason", "")
        ),
    )


# --- cases --------------------------------------------------------------------------------------

LIST_PRESETS: dict[str, tuple[str, Any]] = {
    # url name: (capability, states shown by default)
    "cases": ("", None),
    "my_cases": ("investigate_case", None),
    "review": ("review_case", ["reviewing"]),
    "transferred": ("view_transferred_case", None),
}


@any_capability(*CASE_WORK)
def case_list(request: HttpRequest, preset: str = "cases") -> HttpResponse:
    user = _user(request)
    capability, default_states = LIST_PRESETS[preset]
    if capability and not has_capability(user, capability):
        raise PermissionDenied(_("this needs the right “%(capability)s”") % {"capability": capability})
    cases = services.cases_for(user).select_related("division", "lead")
    if preset == "my_cases":
        cases = cases.filter(members__user=user)
    state = request.GET.get("state", "")
    if state:
        cases = cases.filter(state=state)
    elif default_states:
        cases = cases.filter(state__in=default_states)
    if request.GET.get("case_type"):
        cases = cases.filter(case_type=request.GET["case_type"])
    if request.GET.get("priority"):
        cases = cases.filter(priority=True)
    if request.GET.get("major"):
        cases = cases.filter(major=True)
    listed = list(cases.distinct()[:300])
    # One query for every listed case's running clocks; each row shows its earliest.
    next_due: dict[int, services.DeadlineView] = {}
    running = Deadline.objects.filter(case__in=listed, status=Deadline.Status.RUNNING).select_related("case")
    for deadline in running.order_by("due_on"):
        next_due.setdefault(deadline.case_id or 0, services.present(deadline))
    rows = [(case, workflow().state_label("case", case.state), next_due.get(case.pk)) for case in listed]
    titles = {
        "cases": _("Cases"),
        "my_cases": _("My cases"),
        "review": _("Trial review"),
        "transferred": _("Transferred cases"),
    }
    return render(
        request,
        "cases/cases.html",
        {
            "rows": rows,
            "title": titles[preset],
            "preset": preset,
            "states": services.state_choices("case"),
            "case_types": CaseType.choices,
            "filters": request.GET,
        },
    )


def _case_or_404(request: HttpRequest, pk: int) -> Case:
    case = get_object_or_404(Case.objects.select_related("lead", "division"), pk=pk)
    if not services.can_see_case(_user(request), case):
        raise PermissionDenied(_("this case is not yours to see"))
    return case


@any_capability(*CASE_WORK)
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    case = _case_or_404(request, pk)
    liaison_only = has_capability(user, "view_transferred_case") and not any(
        has_capability(user, c) for c in CASE_WORK[:4]
    )
    steps = [
        t
        for t in workflow().from_state("case", case.state)
        if has_capability(user, t.actor) and (not t.team_only or case.members.filter(user=user).exists())
    ]
    pending = case.approvals.filter(status=Approval.Status.PENDING, kind=Approval.Kind.TRANSITION)
    on_team = case.members.filter(user=user).exists()
    findings = (
        checklist.check_case(case)
        if case.state in ("reviewing", "sanctioned", "returned", "transferred")
        else []
    )
    measures = case.measures.prefetch_related("records").select_related("approved_by")
    deadlines = Deadline.objects.filter(case=case) | Deadline.objects.filter(measure__case=case)
    return render(
        request,
        "cases/case.html",
        {
            "case": case,
            "state": workflow().state_label("case", case.state),
            "persons": services.persons_for(case.lead, user),
            "team": case.members.select_related("user"),
            "steps": steps if not pending else [],
            "pending": pending,
            "on_team": on_team,
            "liaison_only": liaison_only,
            "can_set_team": has_capability(user, "approve") or has_capability(user, "manage_leads"),
            "can_share": has_capability(user, "approve") or has_capability(user, "review_case"),
            "can_consult": on_team or has_capability(user, "review_case") or has_capability(user, "approve"),
            "investigators": users_with_role("investigator", case.division).exclude(
                case_memberships__case=case
            ),
            "liaisons": users_with_role("procuratorate", case.division),
            "measures": measures,
            "measure_kinds": MeasureKind.choices,
            "evidence": case.evidence.select_related("custodian", "measure").prefetch_related(
                "custody__to_user"
            ),
            "evidence_types": EvidenceType.choices,
            "can_read_evidence": on_team
            or any(has_capability(user, c) for c in actions.EVIDENCE_READERS[1:]),
            "deadlines": _deadline_views(deadlines.distinct()),
            "extension_kinds": _extension_kinds(deadlines.filter(status=Deadline.Status.RUNNING)),
            "timeline": _timeline_rows(case.lead, user),
            "findings": findings,
            "returns": case.returns.select_related("returned_by"),
            "consultations": case.consultations.select_related("liaison"),
            "team_users": User.objects.filter(case_memberships__case=case),
            "today": timezone.localdate().isoformat(),
        },
    )


@any_capability(*actions.EVIDENCE_READERS)
def evidence_file(request: HttpRequest, pk: int, item: int) -> HttpResponseBase:
    """Download an evidence item's file, checked against its recorded SHA-256 (see ``open_evidence``)."""
    case = _case_or_404(request, pk)
    evidence = get_object_or_404(Evidence, pk=item, case=case)
    try:
        handle = actions.open_evidence(evidence, _user(request))
    except ActionRefused as refusal:
        messages.error(request, str(refusal))
        return HttpResponseRedirect(reverse("cases:case", args=[case.pk]) + "#evidence")
    # Served as a download, never rendered: an uploaded HTML or SVG file must not run in our origin.
    return FileResponse(
        handle,
        as_attachment=True,
        filename=evidence.file_name or f"evidence-{evidence.pk}",
        content_type="application/octet-stream",
    )


@require_POST
@any_capability(*CASE_WORK)
def case_action(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    case = _case_or_404(request, pk)
    try:
        version = _version(request)
    except StaleVersion as refusal:
        messages.error(request, str(refusal))
        return _back(request, reverse("cases:case", args=[case.pk]))
    post = request.POST
    action = post.get("action", "")
    if action == "step":
        _attempt(
            request,
            _("Done."),
            lambda: actions.do_request_step(
                case,
                post.get("step", ""),
                user,
                version,
                reason=post.get("reason", ""),
                details={"recipient": post.get("recipient", "")},
            ),
        )
    elif action == "member":
        member = get_object_or_404(User, pk=post.get("user", "0"))
        _attempt(
            request,
            _("Team member added."),
            lambda: actions.do_add_member(case, member, user, version, bool(post.get("leader"))),
        )
    elif action == "share":
        liaison = get_object_or_404(User, pk=post.get("liaison", "0"))
        _attempt(request, _("Shared."), lambda: actions.do_share_case(case, liaison, user, version))
    elif action == "consultation":
        liaison = get_object_or_404(User, pk=post.get("liaison", "0"))
        try:
            held_on = dt.date.fromisoformat(post.get("held_on", ""))
        except ValueError:
            messages.error(request, _("give the date of the consultation"))
        else:
            _attempt(
                request,
                _("Consultation recorded."),
                lambda: actions.do_record_consultation(
                    case,
                    user,
                    version,
                    liaison=liaison,
                    held_on=held_on,
                    participants=post.get("participants", ""),
                    summary=post.get("summary", ""),
                ),
            )
    elif action == "measure":
        _attempt(
            request,
            _("Measure submitted for approval."),
            lambda: actions.do_request_measure(
                case,
                user,
                version,
                kind=post.get("kind", ""),
                subject=post.get("subject", ""),
                purpose=post.get("purpose", ""),
            ),
        )
    elif action in ("measure_start", "measure_end"):
        measure = get_object_or_404(Measure, pk=post.get("measure", "0"), case=case)
        do = actions.do_start_measure if action == "measure_start" else actions.do_end_measure
        _attempt(request, _("Done."), lambda: do(measure, user, version))
    elif action == "evidence":
        upload = request.FILES.get("file")
        measure_id = post.get("measure", "")
        linked = get_object_or_404(Measure, pk=measure_id, case=case) if measure_id else None
        _attempt(
            request,
            _("Evidence added; its SHA-256 is in the ledger."),
            lambda: actions.do_add_evidence(
                case,
                user,
                version,
                evidence_type=post.get("evidence_type", ""),
                description=post.get("description", ""),
                source=post.get("source", ""),
                location=post.get("location", ""),
                file=upload,
                file_name=(upload.name or "") if upload else "",
                measure=linked,
            ),
        )
    elif action == "custody":
        item = get_object_or_404(Evidence, pk=post.get("evidence", "0"), case=case)
        to_user = get_object_or_404(User, pk=post.get("to_user", "0"))
        _attempt(
            request,
            _("Custody handed over."),
            lambda: actions.do_transfer_custody(
                item,
                user,
                version,
                to_user=to_user,
                location=post.get("location", ""),
                purpose=post.get("purpose", ""),
            ),
        )
    elif action == "extend":
        _extend(
            request,
            user,
            version,
            Deadline.objects.filter(case=case) | Deadline.objects.filter(measure__case=case),
        )
    return _back(request, reverse("cases:case", args=[case.pk]))


# --- approvals, deadlines, report ---------------------------------------------------------------


def _approval_row(approval: Approval) -> dict[str, Any]:
    if approval.kind == Approval.Kind.TRANSITION:
        what = workflow().transition(approval.transition).label
    elif approval.kind == Approval.Kind.MEASURE:
        what = _("Measure: %(kind)s") % {
            "kind": approval.measure.get_kind_display() if approval.measure else ""
        }
    else:
        clock = rules().clock(approval.deadline.clock).label if approval.deadline else ""
        what = _("Extension of %(clock)s (%(kind)s)") % {
            "clock": clock,
            "kind": approval.payload.get("kind", ""),
        }
    subject = approval.case or approval.lead
    url = (
        reverse("cases:case", args=[subject.pk])
        if isinstance(subject, Case)
        else reverse("cases:lead", args=[subject.pk])
        if subject
        else ""
    )
    return {
        "approval": approval,
        "what": what,
        "subject": subject,
        "url": url,
        "reason": approval.payload.get("reason", ""),
    }


@any_capability("approve", "view_transferred_case")
def approval_list(request: HttpRequest) -> HttpResponse:
    rows = [_approval_row(a) for a in services.approvals_for(_user(request))]
    return render(request, "cases/approvals.html", {"rows": rows})


@require_POST
@any_capability("approve", "view_transferred_case")
def approval_decide(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    approval = get_object_or_404(services.approvals_for(user), pk=pk)
    approve = request.POST.get("decision") == "approve"
    _attempt(
        request,
        _("Approved.") if approve else _("Rejected."),
        lambda: actions.do_decide(approval, user, approve, request.POST.get("note", "")),
    )
    return HttpResponseRedirect(_safe_next(request, reverse("cases:approvals")))


def _safe_next(request: HttpRequest, fallback: str) -> str:
    """``next`` if it points into this site, else ``fallback`` (no open redirect)."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


@any_capability(*CASE_WORK)
def deadline_list(request: HttpRequest) -> HttpResponse:
    views = sorted(
        (services.present(d) for d in services.running_deadlines_for(_user(request))),
        key=lambda v: (not v.overdue, not v.priority, v.due or dt.date.max),
    )
    return render(request, "cases/deadlines.html", {"deadlines": views})


@any_capability("manage_leads", "approve", "review_case")
def cycle_report(request: HttpRequest) -> HttpResponse:
    cases = services.cases_for(_user(request))
    rows = [{"row": row, "type": CaseType(row.case_type).label} for row in services.cycle_report(cases)]
    rate = services.return_rate(cases)
    return render(
        request,
        "cases/report.html",
        {"rows": rows, "rate": rate, "percent": None if rate.rate is None else round(100 * rate.rate, 1)},
    )
