"""Review pages (人工复核): the inbox, confirm and dismiss, and indicator changes awaiting approval."""

from __future__ import annotations

from typing import Any

import duckdb
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from jiancha.access.decorators import capability_required
from jiancha.access.models import User
from jiancha.access.services import has_capability, signed_in, visible_divisions
from jiancha.cases.services import can_see_lead
from jiancha.orgs.models import DivisionLevel
from jiancha.pool import services as pool

from . import actions, catalogue, review, services
from .catalogue import Indicator, IndicatorError
from .forms import ConfirmForm, DecisionForm, DismissForm
from .models import OPEN_STATUSES, Alert, AlertStatus, DismissReason, IndicatorSetting, SettingStatus

PAGE_SIZE = 50
INBOX_STATUSES = ("open", "new", "reviewing", "confirmed", "dismissed", "all")


def _float(value: str | None) -> float | None:
    try:
        return float(value) if value else None
    except ValueError:
        return None


def _status_labels() -> dict[str, str]:
    return {
        "open": _("To review (new or under review)"),
        "all": _("any"),
        **{code: str(label) for code, label in AlertStatus.choices},
    }


@capability_required("analyse_data")
def inbox(request: HttpRequest) -> HttpResponse:
    """Alerts to review (复核), highest score first, by indicator, score, region and status."""
    user = signed_in(request)
    status = request.GET.get("status", "open")
    status = status if status in INBOX_STATUSES else "open"
    filters = services.AlertFilters(
        indicator=request.GET.get("indicator", ""),
        region=request.GET.get("region", "").strip(),
        min_score=_float(request.GET.get("min_score")),
        full_identifiers=pool.sees_full_identifiers(user),
    )
    scoped = filters.apply(services.alerts_for(user))
    counts = dict(scoped.order_by().values_list("status").annotate(n=Count("id")).values_list("status", "n"))
    found = scoped
    if status == "open":
        found = found.filter(status__in=OPEN_STATUSES)
    elif status != "all":
        found = found.filter(status=status)
    found = found.select_related("division", "unit").order_by("-score", "-last_seen", "-id")
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    language = get_language() or "zh-hans"
    indicators = catalogue.indicators()
    query = request.GET.copy()
    query.pop("page", None)
    labels = _status_labels()
    return render(
        request,
        "detect/review.html",
        {
            "page": page,
            "rows": services.alert_rows(page, language),
            "filters": filters,
            "status": status,
            "statuses": [(code, labels[code]) for code in INBOX_STATUSES],
            "counts": {
                "open": sum(counts.get(s, 0) for s in OPEN_STATUSES),
                "confirmed": counts.get(AlertStatus.CONFIRMED, 0),
                "dismissed": counts.get(AlertStatus.DISMISSED, 0),
            },
            "indicators": [(code, i.label(language)) for code, i in indicators.items()],
            "regions": visible_divisions(user).filter(level__lte=DivisionLevel.COUNTY).order_by("code"),
            "reasons": DismissReason.choices,
            "open_statuses": OPEN_STATUSES,
            "query": query.urlencode(),
            "here": request.get_full_path(),
        },
    )


def _visible(request: HttpRequest, pk: int) -> Alert:
    alert = get_object_or_404(Alert.objects.select_related("division"), pk=pk)
    if not services.can_see(signed_in(request), alert):
        raise Http404
    return alert


def _back(request: HttpRequest, pk: int) -> HttpResponse:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return redirect(target)
    return redirect("detect:alert", pk=pk)


def _refused(request: HttpRequest, alert: Alert) -> None:
    alert.refresh_from_db()
    messages.error(
        request,
        _("Alert #%(pk)s was decided already (%(status)s); nothing was changed.")
        % {"pk": alert.pk, "status": alert.get_status_display()},
    )


@capability_required("analyse_data")
def confirm_alert(request: HttpRequest, pk: int) -> HttpResponse:
    if request.method != "POST":
        return redirect("detect:alert", pk=pk)
    found = _visible(request, pk)
    form = ConfirmForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        lead = actions.confirm(found, signed_in(request), note)
    except actions.StatusRefused:
        _refused(request, found)
    except actions.ReviewInvalid as invalid:
        messages.error(request, invalid.message)
    else:
        messages.success(
            request,
            _("Alert #%(pk)s confirmed: lead %(lead)s registered with its evidence.")
            % {"pk": found.pk, "lead": lead.number},
        )
    return _back(request, pk)


@capability_required("analyse_data")
def dismiss_alert(request: HttpRequest, pk: int) -> HttpResponse:
    if request.method != "POST":
        return redirect("detect:alert", pk=pk)
    found = _visible(request, pk)
    form = DismissForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose the reason for dismissing from the list."))
        return _back(request, pk)
    try:
        actions.dismiss(found, signed_in(request), form.cleaned_data["reason"], form.cleaned_data["note"])
    except actions.StatusRefused:
        _refused(request, found)
    except actions.ReviewInvalid as invalid:
        messages.error(request, invalid.message)
    else:
        messages.success(request, _("Alert #%(pk)s dismissed.") % {"pk": found.pk})
    return _back(request, pk)


def lead_link(user: User, alert: Alert) -> dict[str, Any] | None:
    """The lead a confirmed alert became; its page linked only for those who may read it."""
    if alert.lead is None:
        return None
    return {"number": alert.lead.number, "pk": alert.lead.pk, "visible": can_see_lead(user, alert.lead)}


# --- the indicator page's review section ---------------------------------------------------------


def indicator_review(request: HttpRequest, indicator: Indicator) -> dict[str, Any]:
    """Context for the indicator page: measured precision, volume, setting in force, what-if."""
    user = signed_in(request)
    language = get_language() or "zh-hans"
    scoped = services.alerts_for(user)
    figures = review.figures(scoped.filter(code=indicator.code)).get(indicator.code) or review.Figures(
        indicator.code
    )
    force = review.in_force(indicator)
    pending = IndicatorSetting.objects.filter(code=indicator.code, status=SettingStatus.PENDING).first()
    whatif = None
    if request.GET.get("whatif"):
        try:
            whatif = review.what_if(indicator, scoped, force.parameters)
        except (IndicatorError, duckdb.Error, OSError) as error:  # a broken file or pool: say so
            messages.error(request, str(error))
    reason_labels = dict(DismissReason.choices)
    return {
        "figures": figures,
        "reasons": [(reason_labels.get(code, code), n) for code, n in figures.reasons.most_common()],
        "force": force,
        "pending": pending,
        "changes": _changes(IndicatorSetting.objects.filter(code=indicator.code).select_related(
            "proposed_by", "decided_by")[:20], language),
        "can_propose": has_capability(user, "write_indicator") and pending is None,
        "fields": [
            (p, review.shown_value(force.parameters.get(name)), p.description["zh" if language.startswith("zh") else "en"])
            for name, p in indicator.parameters.items()
        ],
        "whatif": whatif,
        "whatif_possible": bool(review.threshold_parameters(indicator, force.parameters)),
        "force_shown": [(name, review.shown_value(value)) for name, value in force.parameters.items()],
    }  # fmt: skip


@capability_required("write_indicator")
def propose(request: HttpRequest, code: str) -> HttpResponse:
    """Propose new parameter values or on/off for an indicator; it waits for an approver."""
    if request.method != "POST":
        return redirect("detect:indicator", code=code)
    indicator = catalogue.indicators().get(code)
    if indicator is None:
        raise Http404
    values: dict[str, Any] = {}
    errors = []
    for name, parameter in indicator.parameters.items():
        field = f"p_{name}"
        if field not in request.POST:
            continue
        try:
            values[name] = review.parse_value(indicator, parameter, request.POST[field])
        except review.SettingInvalid as invalid:
            errors.append(invalid.message)
    if errors:
        for error in errors:
            messages.error(request, error)
        return redirect("detect:indicator", code=code)
    try:
        setting = actions.propose_setting(
            code,
            signed_in(request),
            parameters=values,
            enabled=request.POST.get("enabled") == "on",
            reason=request.POST.get("reason", ""),
        )
    except actions.SettingRefused as refused:
        messages.error(request, refused.message)
    else:
        messages.success(
            request,
            _("Version %(number)s of %(code)s proposed: it takes effect once an approver signs it off.")
            % {"number": setting.number, "code": code},
        )
    return redirect("detect:indicator", code=code)


# --- changes awaiting approval -------------------------------------------------------------------


def _changes(settings: Any, language: str) -> list[dict[str, Any]]:
    """Each setting beside what was in force before it (the approved version just below)."""
    rows = []
    indicators = catalogue.indicators()
    approved: dict[str, list[IndicatorSetting]] = {}
    for s in IndicatorSetting.objects.filter(status=SettingStatus.APPROVED).order_by("number"):
        approved.setdefault(s.code, []).append(s)
    for setting in settings:
        indicator = indicators.get(setting.code)
        earlier = [s for s in approved.get(setting.code, []) if s.number < setting.number]
        if indicator is None:
            before = review.InForce({}, True, None)
        elif earlier:
            before = review.in_force(indicator, earlier[-1])
        else:
            before = review.InForce(indicator.defaults(), True, None)
        names = list(dict.fromkeys([*before.parameters, *setting.parameters]))
        rows.append(
            {
                "setting": setting,
                "name": indicator.label(language) if indicator else setting.code,
                "before_number": before.number,
                "diff": [
                    (n, review.shown_value(before.parameters.get(n)), review.shown_value(setting.parameters.get(n)),
                     before.parameters.get(n) != setting.parameters.get(n))
                    for n in names
                ],
                "enabled_changed": before.enabled != setting.enabled,
                "before_enabled": before.enabled,
            }
        )  # fmt: skip
    return rows


def _may_read_changes(user: Any) -> bool:
    return any(has_capability(user, c) for c in ("approve", "write_indicator", "analyse_data"))


def changes(request: HttpRequest) -> HttpResponse:
    """Indicator changes: those awaiting approval first, then the decided ones."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    user = signed_in(request)
    if not _may_read_changes(user):
        raise PermissionDenied(_("this needs the right “%(capability)s”") % {"capability": "approve"})
    language = get_language() or "zh-hans"
    everything = IndicatorSetting.objects.select_related("proposed_by", "decided_by")
    return render(
        request,
        "detect/changes.html",
        {
            "pending": _changes(everything.filter(status=SettingStatus.PENDING).order_by("proposed_at"), language),
            "decided": _changes(everything.exclude(status=SettingStatus.PENDING).order_by("-decided_at")[:50], language),
            "can_approve": has_capability(user, "approve"),
            "user_pk": user.pk,
        },
    )  # fmt: skip


@capability_required("approve")
def decide(request: HttpRequest, pk: int) -> HttpResponse:
    if request.method != "POST":
        return redirect("detect:changes")
    setting = get_object_or_404(IndicatorSetting, pk=pk)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose to approve or to reject."))
        return redirect("detect:changes")
    approve = form.cleaned_data["decision"] == "approve"
    try:
        actions.decide_setting(setting, signed_in(request), approve=approve, note=form.cleaned_data["note"])
    except actions.SettingRefused as refused:
        messages.error(request, refused.message)
    else:
        text = (
            _("Version %(number)s of %(code)s approved: the next run uses it.")
            if approve
            else _("Version %(number)s of %(code)s rejected.")
        )
        messages.success(request, text % {"number": setting.number, "code": setting.code})
    return redirect(reverse("detect:changes"))
