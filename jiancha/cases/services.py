"""What other apps and the pages ask of leads and cases: creation, who sees what, lists, reports.

``create_lead`` is the entry point for intake, detect and mobile. Everything else here reads; state
changes are in ``actions.py``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from difflib import SequenceMatcher
from statistics import mean, median

from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jiancha.access.models import User
from jiancha.access.panels import HomePanel, PanelItem
from jiancha.access.services import has_capability, visible_divisions
from jiancha.orgs.models import Division
from jiancha.pool.services import mask_id_number, sees_full_identifiers
from jiancha.subjects.identity import person_key
from jiancha.subjects.services import is_supervised

from .actions import PersonInput, do_create_lead
from .deadlines import rules
from .models import Approval, Case, Classification, Deadline, Lead, PersonConcerned, TimelineEntry
from .workdays import problem_text
from .workflow import workflow

SOON_DAYS = 7  # "soon due" on home pages and in the digest
DUPLICATE_SIMILARITY = 0.5  # summaries at least this alike (difflib ratio) about the same person


def create_lead(
    *,
    division: Division,
    source: str,
    summary: str,
    persons: Iterable[PersonInput],
    created_by: User,
    source_ref: str = "",
    classification: str = Classification.INTERNAL,
    priority: bool = False,
    received_on: dt.date | None = None,
) -> Lead:
    """Register a lead from any source (report, alert, mobile, audit, inspection, upper level).

    ``created_by`` is the staff member (or the service account of the calling app) registering it.
    Returns the lead; ``duplicate_candidates(lead)`` lists leads it may duplicate.
    """
    return do_create_lead(
        division=division,
        source=source,
        summary=summary,
        persons=persons,
        source_ref=source_ref,
        classification=classification,
        priority=priority,
        received_on=received_on,
        created_by=created_by,
    )


# --- who sees what ------------------------------------------------------------------------------


def leads_for(user: User) -> QuerySet[Lead]:
    """Leads in the user's scope for case supervision and leaders; a grassroots supervisor's own."""
    if has_capability(user, "manage_leads") or has_capability(user, "approve"):
        return Lead.objects.filter(division__in=visible_divisions(user))
    if has_capability(user, "submit_field_lead"):
        return Lead.objects.filter(created_by=user)
    return Lead.objects.none()


def cases_for(user: User) -> QuerySet[Case]:
    """Cases a user may see: in scope for supervision, leaders and reviewers; investigators only
    their team's; a procuratorate liaison only what was transferred to them or shared with them
    (a transfer records its recipients in ``shared_with``: the liaison it names, or else every
    liaison covering the case)."""
    scope = visible_divisions(user)
    condition = Q(pk__in=[])
    if any(has_capability(user, c) for c in ("manage_leads", "approve", "review_case")):
        condition |= Q(division__in=scope)
    if has_capability(user, "investigate_case"):
        condition |= Q(members__user=user)
    if has_capability(user, "view_transferred_case"):
        condition |= Q(division__in=scope) & Q(shared_with=user)
    return Case.objects.filter(condition).distinct()


def can_see_lead(user: User, lead: Lead) -> bool:
    return leads_for(user).filter(pk=lead.pk).exists() or (
        hasattr(lead, "case") and cases_for(user).filter(pk=lead.case.pk).exists()
    )


def can_see_case(user: User, case: Case) -> bool:
    return cases_for(user).filter(pk=case.pk).exists()


def approvals_for(user: User) -> QuerySet[Approval]:
    """Pending requests this user may decide (not their own)."""
    capabilities = [c for c in ("approve", "view_transferred_case") if has_capability(user, c)]
    if not capabilities:
        return Approval.objects.none()
    scope = visible_divisions(user)
    return (
        Approval.objects.filter(status=Approval.Status.PENDING, approver_capability__in=capabilities)
        .filter(
            Q(lead__division__in=scope) | Q(case__division__in=scope) | Q(deadline__lead__division__in=scope)
        )
        .exclude(requested_by=user)
        .select_related("lead", "case", "measure", "deadline", "requested_by")
    )


# --- the data pool's purpose check ---------------------------------------------------------------

# Case states in which the case is being investigated: 立案, 审查调查, 退回补充调查.
INVESTIGATING_STATES = ("filed", "investigating", "returned")
_CASE_NUMBER = re.compile(r"AJ(\d{4})-(\d+)")


def pool_purpose_check(user: User, case_reference: str) -> str | None:
    """Registered with the pool: an investigator queries only under a case of theirs being investigated.

    Applies to users who investigate and do not analyse data (analysts query for other purposes).
    ``case_reference`` must name the case by its number as shown (e.g. AJ2026-00012). Returns the
    refusal, in the user's language, or None when the query may go ahead.
    """
    if not has_capability(user, "investigate_case") or has_capability(user, "analyse_data"):
        return None
    reference = case_reference.strip().upper()
    match = _CASE_NUMBER.fullmatch(reference)
    case = (
        cases_for(user).filter(pk=int(match.group(2)), filed_on__year=int(match.group(1))).first()
        if match
        else None
    )
    if case is None or case.number != reference:
        return _(
            "an investigator queries the data pool only for a case of their team under investigation; "
            "give its case number (such as AJ2026-00012) as the case reference"
        )
    if case.state not in INVESTIGATING_STATES:
        return _(
            "case %(number)s is not under investigation (it is “%(state)s”); "
            "the data pool is queried only while a case is being investigated"
        ) % {"number": case.number, "state": workflow().state_label("case", case.state)}
    return None


# --- duplicates ---------------------------------------------------------------------------------


def duplicate_candidates(lead: Lead, user: User) -> list[Lead]:
    """Open leads about the same person (same resolved identity, or same name) and a similar matter.

    Only for case supervision (``manage_leads``), and only among the leads in the user's scope: the
    number and summary of a lead elsewhere are not theirs to see.
    """
    if not has_capability(user, "manage_leads"):
        return []
    persons = list(lead.persons.all())
    ids = {p.identity_id for p in persons if p.identity_id}
    names = {p.name for p in persons}
    same_person = Q(persons__name__in=names) | (Q(persons__identity_id__in=ids) if ids else Q(pk__in=[]))
    candidates = (
        leads_for(user)
        .filter(same_person)
        .exclude(pk=lead.pk)
        .exclude(state__in=["merged", "closed"])
        .distinct()
        .prefetch_related("persons")
    )
    found = []
    for other in candidates:
        other_ids = {p.identity_id for p in other.persons.all() if p.identity_id}
        # Two different resolved identities are two people, whatever their names.
        if ids and other_ids and not ids & other_ids:
            continue
        if SequenceMatcher(None, lead.summary, other.summary).ratio() >= DUPLICATE_SIMILARITY:
            found.append(other)
    return found


# --- deadlines ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class DeadlineView:
    deadline: Deadline
    label: str
    owner: str  # lead or case number
    url: str
    due: dt.date | None
    target: dt.date | None
    overdue: bool
    days_left: int | None
    priority: bool
    problem: str  # in the reader's language; empty when the clock is fine


def _owner(deadline: Deadline) -> tuple[str, str, bool]:
    if deadline.measure is not None:
        case = deadline.measure.case
        owner = f"{case.number} {deadline.measure.get_kind_display()}"
        return owner, reverse("cases:case", args=[case.pk]), case.priority
    if deadline.case is not None:
        case = deadline.case
        return case.number, reverse("cases:case", args=[case.pk]), case.priority
    lead = deadline.lead
    assert lead is not None
    return lead.number, reverse("cases:lead", args=[lead.pk]), lead.priority


def present(deadline: Deadline, today: dt.date | None = None) -> DeadlineView:
    today = today or timezone.localdate()
    owner, url, priority = _owner(deadline)
    due = deadline.due_on
    overdue = (
        deadline.status == Deadline.Status.RUNNING
        and due is not None
        and (due < today or (deadline.due_at is not None and deadline.due_at < timezone.now()))
    )
    label = rules().clock(deadline.clock).label
    if deadline.round > 1:
        label = _("%(clock)s (round %(round)d)") % {"clock": label, "round": deadline.round}
    return DeadlineView(
        deadline,
        label,
        owner,
        url,
        due,
        deadline.target_on,
        overdue,
        (due - today).days if due else None,
        priority,
        problem_text(deadline.problem),
    )


def running_deadlines_for(user: User) -> QuerySet[Deadline]:
    """Running clocks on the leads and cases the user works on (for their panel and digest)."""
    running = Deadline.objects.filter(status=Deadline.Status.RUNNING).select_related(
        "lead", "case", "measure__case"
    )
    leads = leads_for(user) if has_capability(user, "manage_leads") else Lead.objects.none()
    cases = cases_for(user)
    if has_capability(user, "review_case") and not has_capability(user, "manage_leads"):
        cases = cases.filter(state="reviewing")
    return running.filter(Q(lead__in=leads) | Q(case__in=cases) | Q(measure__case__in=cases))


def due_soon_for(user: User, today: dt.date | None = None, days: int = SOON_DAYS) -> list[DeadlineView]:
    """Overdue and soon-due clocks, green channel first, then by due date; missing calendars too."""
    today = today or timezone.localdate()
    horizon = today + dt.timedelta(days=days)
    deadlines = running_deadlines_for(user).filter(
        Q(due_on__lte=horizon) | Q(due_on__isnull=True) | Q(target_on__lte=horizon)
    )
    views = [present(d, today) for d in deadlines]
    return sorted(views, key=lambda v: (not v.overdue, not v.priority, v.due or dt.date.max))


def home_panel(user: User) -> HomePanel | None:
    """The home-page panel: overdue and soon-due clocks, and requests awaiting this user's approval."""
    relevant = ("manage_leads", "investigate_case", "review_case", "approve", "view_transferred_case")
    if not any(has_capability(user, c) for c in relevant):
        return None
    items: list[PanelItem] = []
    if has_capability(user, "approve") or has_capability(user, "view_transferred_case"):
        waiting = approvals_for(user).count()
        if waiting:
            items.append(
                PanelItem(
                    _("%(n)d request(s) await your approval") % {"n": waiting}, reverse("cases:approvals")
                )
            )
    for view in due_soon_for(user)[:12]:
        text = f"{view.owner} · {view.label}"
        if view.problem:
            text += " · " + view.problem
        items.append(PanelItem(text, view.url, view.due, view.overdue))
    if not items:
        return None  # an empty panel is noise; the home entries still lead to the lists
    return HomePanel(gettext_lazy("Deadlines and approvals"), items, reverse("cases:deadlines"), order=10)


# Names of the extension kinds in clocks.yaml (延长的种类).
EXTENSION_LABELS = {
    "ordinary": gettext_lazy("ordinary extension"),  # 一般延长
    "national": gettext_lazy("further extension approved by the National Supervisory Commission"),
    "complex": gettext_lazy("complex case"),  # 案情重大复杂
}


# --- timeline -----------------------------------------------------------------------------------

EVENT_LABELS = {
    "lead.created": gettext_lazy("Lead registered"),
    "lead.merged": gettext_lazy("Merged into another lead"),
    "lead.merged_in": gettext_lazy("A duplicate lead was merged in"),
    "lead.step_requested": gettext_lazy("Step proposed for approval"),
    "case.step_requested": gettext_lazy("Step proposed for approval"),
    "lead.step_rejected": gettext_lazy("Proposed step rejected"),
    "case.step_rejected": gettext_lazy("Proposed step rejected"),
    "case.filed": gettext_lazy("Case filed"),
    "case.member_added": gettext_lazy("Team member added (recusal checked)"),
    "case.shared": gettext_lazy("Shared with the procuratorate liaison"),
    "case.consultation": gettext_lazy("Consultation with the procuratorate"),
    "case.extension_requested": gettext_lazy("Extension requested"),
    "case.extension_granted": gettext_lazy("Extension granted"),
    "case.extension_refused": gettext_lazy("Extension refused"),
    "lead.extension_requested": gettext_lazy("Extension requested"),
    "lead.extension_granted": gettext_lazy("Extension granted"),
    "lead.extension_refused": gettext_lazy("Extension refused"),
    "measure.requested": gettext_lazy("Measure requested"),
    "measure.approved": gettext_lazy("Measure approved"),
    "measure.rejected": gettext_lazy("Measure rejected"),
    "measure.started": gettext_lazy("Measure started"),
    "measure.ended": gettext_lazy("Measure ended"),
    "evidence.added": gettext_lazy("Evidence added"),
}


def entry_label(entry: TimelineEntry) -> str:
    if entry.step and entry.kind.endswith("." + entry.step):
        return workflow().transition(entry.step).label
    label = str(EVENT_LABELS.get(entry.kind, entry.kind))
    if entry.step:
        label += ": " + workflow().transition(entry.step).label
    return label


def timeline(lead: Lead, user: User) -> list[TimelineEntry]:
    """The lead's timeline as this user may read it: the case entries only if they may see the case.

    A grassroots supervisor sees the lead they registered, but not the investigation that grew
    from it (measures, team, evidence, consultations).
    """
    entries = lead.timeline.select_related("actor", "approved_by", "case", "measure")
    case = getattr(lead, "case", None)
    if case is None or not can_see_case(user, case):
        # The lead's own steps stay (its filing too); the case's entries go.
        entries = entries.filter(Q(case__isnull=True) | Q(kind__startswith="lead."))
    return list(entries)


# --- reports ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CycleRow:
    case_type: str
    priority: bool
    major: bool
    cases: int
    mean_days: float
    median_days: float
    max_days: int


def cycle_report(cases: QuerySet[Case]) -> list[CycleRow]:
    """立案 → 审结 (first sanction or transfer) in calendar days, by case type and green channel."""
    groups: dict[tuple[str, bool, bool], list[int]] = defaultdict(list)
    for case in cases.filter(concluded_on__isnull=False):
        assert case.concluded_on is not None
        groups[(case.case_type, case.priority, case.major)].append((case.concluded_on - case.filed_on).days)
    return [
        CycleRow(key[0], key[1], key[2], len(days), round(mean(days), 1), float(median(days)), max(days))
        for key, days in sorted(groups.items())
    ]


@dataclass(frozen=True)
class ReturnRate:
    transferred: int
    returned: int

    @property
    def rate(self) -> float | None:
        """Cases returned at least once / cases transferred (退查率); None before any transfer."""
        return self.returned / self.transferred if self.transferred else None


def return_rate(cases: QuerySet[Case]) -> ReturnRate:
    transferred = cases.filter(ever_transferred=True)
    return ReturnRate(transferred.count(), transferred.filter(returns__isnull=False).distinct().count())


def state_choices(object_kind: str) -> list[tuple[str, str]]:
    return [(code, workflow().state_label(object_kind, code)) for code in workflow().states[object_kind]]


# --- the registry of supervised persons ----------------------------------------------------------


@dataclass(frozen=True)
class PersonView:
    """A person concerned as a page shows them: the identity masked unless the reader's role needs it
    in full, and whether the registry holds them as a supervised person (监察对象) on the lead's date."""

    person: PersonConcerned
    identity: str
    registry: str  # "" when the person's ID number is not known


def persons_for(lead: Lead, user: User, registry: bool = True) -> list[PersonView]:
    full = sees_full_identifiers(user)
    views = []
    for person in lead.persons.all():
        key = person_key(person.identity_id)
        status = ""
        if key is not None and registry:
            entry = is_supervised(key, lead.received_on)
            status = (
                _("supervised person (Art. 15, category %(label)s), %(unit)s, since %(since)s")
                % {
                    "label": entry.get_category_display(),
                    "unit": entry.unit_name,
                    "since": entry.valid_from.isoformat(),
                }
                if entry is not None
                else _("not in the registry of supervised persons on %(day)s") % {"day": lead.received_on}
            )
        shown = person.identity_id if full or key is None else mask_id_number(person.identity_id)
        views.append(PersonView(person, shown, status))
    return views
