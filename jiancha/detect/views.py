"""Detect pages: the alert list and page, review status, the indicator catalogue and the runs."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from jiancha.access.decorators import capability_required
from jiancha.access.services import has_capability, signed_in, visible_units
from jiancha.pool import services as pool

from . import actions, catalogue, review, services, views_review
from .forms import ProfileForm, StatusForm
from .models import Alert, AlertStatus, DismissReason, IndicatorRun, Run

PAGE_SIZE = 50
ROLE_LABELS = {
    "process": gettext_lazy("process"),
    "buyer": gettext_lazy("buyer"),
    "supplier": gettext_lazy("supplier"),
    "tenderer": gettext_lazy("tenderer"),
    # The people, funds, vehicle and reception indicators name these.
    "official": gettext_lazy("official"),
    "relative": gettext_lazy("relative"),
    "related official": gettext_lazy("related official"),
    "cadre": gettext_lazy("village cadre"),
    "company": gettext_lazy("company"),
    "relative's company": gettext_lazy("relative's company"),
    "intermediary": gettext_lazy("intermediary"),
    "deceased": gettext_lazy("deceased"),
    "declarant": gettext_lazy("declarant"),
    "employer": gettext_lazy("employer"),
    "recipient": gettext_lazy("benefit recipient"),
    "payee": gettext_lazy("payee"),
    "payer": gettext_lazy("payer"),
    "paying unit": gettext_lazy("paying unit"),
    "beneficiary": gettext_lazy("beneficiary"),
    "depositor": gettext_lazy("depositor"),
    "account": gettext_lazy("account"),
    "account holder": gettext_lazy("account holder"),
    "unit": gettext_lazy("unit"),
    "host": gettext_lazy("host unit"),
    "operator": gettext_lazy("operating unit"),
    "person": gettext_lazy("person"),
    "vehicle": gettext_lazy("vehicle"),
}
TABLE_LABELS = {"Tender": gettext_lazy("Tender"), "Bid": gettext_lazy("Bid"), "Award": gettext_lazy("Award")}


def _table_label(name: str) -> str:
    """A procurement table's label, or the pool table's own label in the reader's language."""
    if name in TABLE_LABELS:
        return str(TABLE_LABELS[name])
    return pool.table_label(name, get_language() or "")


def _evidence_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows for the page: translated table names, lists written out."""
    return [
        {**row, "label": _table_label(row["table"]),
         "fields": {k: "、".join(map(str, v)) if isinstance(v, list) else v for k, v in row["fields"].items()}}
        for row in rows
    ]  # fmt: skip


def _float(value: str | None) -> float | None:
    try:
        return float(value) if value else None
    except ValueError:
        return None


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


@capability_required("analyse_data")
def alerts(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    filters = services.AlertFilters(
        indicator=request.GET.get("indicator", ""),
        region=request.GET.get("region", "").strip(),
        unit=_int(request.GET.get("unit")),
        entity=request.GET.get("entity", "").strip(),
        min_score=_float(request.GET.get("min_score")),
        status=request.GET.get("status", ""),
        full_identifiers=pool.sees_full_identifiers(user),
    )
    found = filters.apply(services.alerts_for(user)).select_related("division", "unit")
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    language = get_language() or "zh-hans"
    indicators = catalogue.indicators()
    return render(
        request,
        "detect/alerts.html",
        {
            "page": page,
            "rows": services.alert_rows(page, language),
            "filters": filters,
            "indicators": [(code, i.label(language)) for code, i in indicators.items()],
            "statuses": AlertStatus.choices,
            "units": visible_units(user).filter(pk__in=found.values("unit")).order_by("name"),
            "query": _without_page(request),
        },
    )


def _without_page(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def _visible(request: HttpRequest, pk: int) -> Alert:
    alert = get_object_or_404(
        Alert.objects.select_related("division", "unit", "first_run", "last_run", "lead"), pk=pk
    )
    if not services.can_see(signed_in(request), alert):
        raise Http404
    return alert


@capability_required("analyse_data")
def alert(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in(request)
    found = _visible(request, pk)
    language = get_language() or "zh-hans"
    indicator = catalogue.indicators().get(found.code)
    full = pool.sees_full_identifiers(user)
    entities = [
        {**e, "index": i, "shown": services.shown_key(e["kind"], e["key"], full),
         "role_label": ROLE_LABELS.get(e["role"], e["role"]),
         "profile": e["kind"] in {"person", "company"},
         # The relation graph is asked with an opaque, user-bound token, never the ID number.
         "token": pool.subject_token(e["kind"], e["key"], user.pk) if e["kind"] in {"person", "company"} else ""}
        for i, e in enumerate(found.entities)
    ]  # fmt: skip
    default_purpose = _("Review of alert #%(pk)s (%(code)s)") % {"pk": found.pk, "code": found.code}
    return render(
        request,
        "detect/alert.html",
        {
            "alert": found,
            "identifier": services.shown_identifier(found, full),
            "evidence": _evidence_rows(services.shown_evidence(found.evidence, full)),
            "indicator": indicator,
            "indicator_name": indicator.label(language) if indicator else found.code,
            "legal_basis": indicator.text("legal_basis", language) if indicator else "",
            "description": indicator.text("description", language) if indicator else "",
            "explanation": found.explanation(language),
            "entities": entities,
            "can_query": has_capability(user, "query_pool"),
            "default_purpose": default_purpose,
            "status_form": StatusForm(initial={"status": found.status}),
            # Dismissing and confirming have their own forms (a reason; a lead).
            "next_statuses": [
                (s, AlertStatus(s).label)
                for s in sorted(actions.TRANSITIONS.get(found.status, set()))
                if s not in (AlertStatus.DISMISSED, AlertStatus.CONFIRMED)
            ],
            "decidable": AlertStatus.CONFIRMED in actions.TRANSITIONS.get(found.status, set()),
            "reasons": DismissReason.choices,
            "lead": views_review.lead_link(user, found),
            "run_line": IndicatorRun.objects.filter(run=found.last_run, code=found.code).first(),
        },
    )


@capability_required("analyse_data")
def alert_status(request: HttpRequest, pk: int) -> HttpResponse:
    if request.method != "POST":
        return redirect("detect:alert", pk=pk)
    found = _visible(request, pk)
    form = StatusForm(request.POST)
    if form.is_valid():
        try:
            actions.set_status(
                found, form.cleaned_data["status"], signed_in(request), form.cleaned_data["note"]
            )
        except actions.StatusRefused:
            messages.error(request, _("This status change is not allowed from the alert's current status."))
        except actions.ReviewInvalid as invalid:
            messages.error(request, invalid.message)
        else:
            messages.success(request, _("Status changed."))
    return redirect("detect:alert", pk=pk)


@capability_required("query_pool")
def open_profile(request: HttpRequest, pk: int) -> HttpResponse:
    """Open an entity's pool profile: a recorded pool query with the purpose given here; the key
    stays on the server (the page never carries an ID number)."""
    if request.method != "POST":
        return redirect("detect:alert", pk=pk)
    user = signed_in(request)
    found = _visible(request, pk)
    form = ProfileForm(request.POST)
    index = form.cleaned_data["entity"] if form.is_valid() else -1
    if (
        not form.is_valid()
        or index >= len(found.entities)
        or found.entities[index]["kind"] not in {"person", "company"}
    ):
        messages.error(
            request,
            _("Give the purpose of the query (at least %(n)s characters).") % {"n": pool.MIN_PURPOSE_LENGTH},
        )
        return redirect("detect:alert", pk=pk)
    entity = found.entities[index]
    try:
        if entity["kind"] == "person":
            answer = pool.query_person(user, entity["key"], form.cleaned_data["purpose"], f"alert:{found.pk}")
        else:
            answer = pool.query_company(
                user, entity["key"], form.cleaned_data["purpose"], f"alert:{found.pk}"
            )
    except pool.QueryRefused as refused:
        messages.error(request, refused.message)
        return redirect("detect:alert", pk=pk)
    token = pool.subject_token(entity["kind"], entity["key"], user.pk)
    return redirect(f"{reverse('pool:profile', args=[token])}?from={answer.query.pk}")


@capability_required("analyse_data")
def indicators(request: HttpRequest) -> HttpResponse:
    language = get_language() or "zh-hans"
    latest = {line.code: line for line in IndicatorRun.objects.select_related("run").order_by("run_id")}
    measured = review.figures(services.alerts_for(signed_in(request)))
    force = review.settings_in_force()
    rows = [(i, i.label(language), i.text("description", language), latest.get(code), measured.get(code),
             force.get(code))
            for code, i in catalogue.indicators().items()]  # fmt: skip
    return render(request, "detect/indicators.html", {"rows": rows})


@capability_required("analyse_data")
def indicator(request: HttpRequest, code: str) -> HttpResponse:
    found = catalogue.indicators().get(code)
    if found is None:
        raise Http404
    language = get_language() or "zh-hans"
    files = [(name, (catalogue.INDICATOR_DIR / name).read_text(encoding="utf-8")) for name in found.files]
    return render(
        request,
        "detect/indicator.html",
        {
            "indicator": found,
            "name": found.label(language),
            "description": found.text("description", language),
            "legal_basis": found.text("legal_basis", language),
            "parameters": [
                (p, p.description["zh" if language.startswith("zh") else "en"])
                for p in found.parameters.values()
            ],
            "files": files,
            "runs": IndicatorRun.objects.filter(code=code)
            .select_related("run", "setting")
            .order_by("-run_id")[:20],
            **views_review.indicator_review(request, found),
        },
    )


@capability_required("analyse_data")
def runs(request: HttpRequest) -> HttpResponse:
    return render(request, "detect/runs.html", {"runs": Run.objects.prefetch_related("indicators")[:50]})
