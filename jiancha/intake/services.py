"""What the pages and other apps ask of intake: who sees which reports, clocks, KPIs, the home panel.

State changes are in ``actions.py``. The KPI functions are for the dashboard (a later issue):
``feedback_kpi`` (实名举报反馈率, target 100%), ``satisfaction_kpi`` (群众满意度, target ≥ 90%) and
``counts_by_channel`` (信、访、网、电、微).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jiancha.access.models import User
from jiancha.access.panels import HomePanel, PanelItem
from jiancha.access.services import has_capability, visible_divisions
from jiancha.cases.workdays import problem_text
from jiancha.orgs.models import Division, DivisionLevel

from .models import Channel, Message, Report, Satisfaction, State

SOON_DAYS = 5  # a feedback clock "due soon" on the home panel (calendar days)


def reports_for(user: User) -> QuerySet[Report]:
    """Reports in the intake officer's scope; nobody else sees reports (investigators see leads)."""
    if not has_capability(user, "register_report"):
        return Report.objects.none()
    return Report.objects.filter(division__in=visible_divisions(user))


def public_divisions() -> QuerySet[Division]:
    """The bodies a member of the public can address: province, city and county commissions."""
    return Division.objects.filter(level__lte=DivisionLevel.COUNTY).order_by("code")


def reporter_messages(report: Report) -> list[Message]:
    """What the reporter sees of the exchange: everything but internal notes."""
    return list(report.messages.exclude(kind=Message.Kind.NOTE))


# --- clocks -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Clock:
    report: Report
    label: str
    due: dt.date | None
    overdue: bool
    days_left: int | None
    problem: str = ""  # why ``due`` is empty (e.g. a calendar year not loaded), in the reader's language


def _running(reports: QuerySet[Report]) -> QuerySet[Report]:
    """Reports with a clock running, dated or not (a clock whose due date failed is still running)."""
    return reports.filter(
        Q(real_name=True, acceptance_told_at__isnull=True)
        | Q(real_name=True, result_told_at__isnull=True, closed_on__isnull=False)
        | Q(state__in=[State.TRANSFERRED_UP, State.TRANSFERRED_DOWN])
    )


def open_clocks(reports: QuerySet[Report], today: dt.date | None = None) -> list[Clock]:
    """Running feedback and transfer clocks, overdue first then by due date; undated clocks first of all.

    A clock whose due date could not be computed (a calendar year not loaded) is listed with its
    problem; clocks with a problem are recomputed first, so loading the calendar is enough.
    """
    from .actions import recompute_clocks

    today = today or timezone.localdate()
    recompute_clocks(reports)
    clocks = []
    for report in _running(reports):
        problem = problem_text(report.clock_problem) if report.clock_problem else ""
        pending: list[tuple[str, dt.date | None]] = []
        if report.real_name and report.acceptance_told_at is None:
            pending.append((_("tell the reporter whether it is accepted"), report.acceptance_due))
        if report.real_name and report.result_told_at is None and report.closed_on is not None:
            pending.append((_("tell the reporter the result"), report.result_due))
        if report.state in (State.TRANSFERRED_UP, State.TRANSFERRED_DOWN):
            pending.append((_("accept or pass on the transferred report"), report.transfer_due))
        for label, due in pending:
            days = (due - today).days if due else None
            clocks.append(
                Clock(
                    report,
                    label,
                    due,
                    days is not None and days < 0,
                    days,
                    "" if due else problem or _("the due date could not be computed"),
                )
            )
    return sorted(clocks, key=lambda c: (c.due is not None, not c.overdue, c.due or dt.date.max))


def due_soon(user: User, today: dt.date | None = None, days: int = SOON_DAYS) -> list[Clock]:
    today = today or timezone.localdate()
    return [
        c
        for c in open_clocks(reports_for(user), today)
        if c.due is None or c.days_left is None or c.days_left <= days
    ]


def home_panel(user: User) -> HomePanel | None:
    """Intake staff: feedback and transfer clocks overdue or due within ``SOON_DAYS``."""
    if not has_capability(user, "register_report"):
        return None
    items = [
        PanelItem(
            f"{c.report.number} · {c.label}" + (f" · {c.problem}" if c.problem else ""),
            reverse("intake:staff_report", args=[c.report.pk]),
            c.due,
            c.overdue,
        )
        for c in due_soon(user)[:12]
    ]
    if not items:
        return None
    return HomePanel(gettext_lazy("Reporter feedback due"), items, reverse("intake:staff_list"), order=20)


# --- KPIs ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FeedbackKpi:
    due: int  # feedback obligations fallen due (or met) in the period
    on_time: int  # met on or before the due date
    late: int  # met after the due date
    missing: int  # due date passed, not met
    undated: int = 0  # of the above, obligations whose due date could not be computed (see feedback_kpi)

    @property
    def rate(self) -> float | None:
        """Share told in time (实名举报按时反馈率); None when nothing has fallen due."""
        return self.on_time / self.due if self.due else None


def _period(reports: QuerySet[Report], start: dt.date | None, end: dt.date | None) -> QuerySet[Report]:
    if start:
        reports = reports.filter(received_at__date__gte=start)
    if end:
        reports = reports.filter(received_at__date__lte=end)
    return reports


def feedback_kpi(
    reports: QuerySet[Report] | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
    today: dt.date | None = None,
) -> FeedbackKpi:
    """Both feedback obligations of real-name reports received in [start, end]: acceptance and result.

    Merged reports keep their own obligations (their reporters are owed feedback too). An obligation
    whose due date could not be computed (a calendar year not loaded, ``clock_problem``) is not left
    out: not yet told, it counts as fallen due and missing; told, it counts as late (it cannot be shown
    to be in time). Clocks with a problem are recomputed first, so loading the calendar corrects it.
    """
    from .actions import recompute_clocks

    today = today or timezone.localdate()
    reports = _period(reports if reports is not None else Report.objects.all(), start, end)
    recompute_clocks(reports)
    counts: Counter[str] = Counter()
    real_name = reports.filter(real_name=True)
    pairs = [
        *real_name.values_list("acceptance_due", "acceptance_told_at"),
        *real_name.filter(closed_on__isnull=False).values_list("result_due", "result_told_at"),
    ]
    for due, told in pairs:
        if due is None:
            counts["undated"] += 1
            counts["late" if told is not None else "missing"] += 1
        elif told is not None:
            counts["on_time" if timezone.localdate(told) <= due else "late"] += 1
        elif due < today:
            counts["missing"] += 1
    return FeedbackKpi(
        counts["on_time"] + counts["late"] + counts["missing"],
        counts["on_time"],
        counts["late"],
        counts["missing"],
        counts["undated"],
    )


@dataclass(frozen=True)
class SatisfactionKpi:
    answers: int
    satisfied: int  # satisfied or partly satisfied

    @property
    def rate(self) -> float | None:
        return self.satisfied / self.answers if self.answers else None


def satisfaction_kpi(
    reports: QuerySet[Report] | None = None, start: dt.date | None = None, end: dt.date | None = None
) -> SatisfactionKpi:
    """Reporters' ratings (群众满意度): satisfied or partly satisfied / all answers."""
    reports = _period(reports if reports is not None else Report.objects.all(), start, end)
    answers = reports.exclude(satisfaction="")
    good = answers.filter(satisfaction__in=[Satisfaction.SATISFIED, Satisfaction.PARTLY]).count()
    return SatisfactionKpi(answers.count(), good)


def counts_by_channel(
    reports: QuerySet[Report] | None = None, start: dt.date | None = None, end: dt.date | None = None
) -> dict[str, int]:
    """Reports received per channel (信、访、网、电、微), every channel present."""
    reports = _period(reports if reports is not None else Report.objects.all(), start, end)
    counts = Counter(reports.values_list("channel", flat=True))
    return {channel: counts.get(channel, 0) for channel in Channel.values}
