"""Registry pages: the registry as of a date, a person's periods, changes awaiting confirmation,
coverage against the 98% target, grassroots staffing. Thin: parse, call a service, render."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from jiancha.access.decorators import capability_required
from jiancha.access.services import has_capability, signed_in
from jiancha.orgs.models import Division
from jiancha.pool.services import mask_id_number

from . import actions, services
from .models import Category, Change, ChangeStatus, Entry
from .rules import rule_book, source_label
from .scope import figures_division, scope_q


def parse_day(text: str | None) -> dt.date:
    """A date from a query parameter (YYYY-MM-DD), today when absent; ValueError names the value."""
    if not text:
        return timezone.localdate()
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ValueError(_("%(value)s is not a date; write it as YYYY-MM-DD") % {"value": text}) from None


def scope_division(request: HttpRequest) -> Division | None:
    """The division whose subtree the user reads (None: the whole tree)."""
    return figures_division(signed_in(request))


def explain(item: Entry | Change) -> dict[str, str]:
    """The deciding rule's explanation and legal basis in the reader's language."""
    rule = rule_book().by_code.get(item.rule_code)
    language = get_language() or "zh-hans"
    if rule is None:
        return {"text": "", "basis": ""}
    return {"text": rule.explanation(item.facts, language), "basis": rule.legal_basis(language)}


def _day_or_error(request: HttpRequest) -> tuple[dt.date, str]:
    try:
        return parse_day(request.GET.get("on")), ""
    except ValueError as error:
        return timezone.localdate(), str(error)


@capability_required("analyse_data")
def registry(request: HttpRequest) -> HttpResponse:
    on, error = _day_or_error(request)
    entries = services.entries_on(on).filter(scope_q(signed_in(request))).order_by("division__code", "name")
    category = request.GET.get("category", "")
    if category.isdigit():
        entries = entries.filter(category=int(category))
    page = Paginator(entries, 100).get_page(request.GET.get("page"))
    return render(
        request,
        "subjects/registry.html",
        {
            "page": page,
            "on": on,
            "error": error,
            "category": category,
            "categories": Category.choices,
            "rows": [(e, mask_id_number(e.person_key)) for e in page],
        },
        status=400 if error else 200,
    )


@capability_required("analyse_data")
def person(request: HttpRequest, pk: int) -> HttpResponse:
    entry = get_object_or_404(Entry.objects.filter(scope_q(signed_in(request))), pk=pk)
    periods = [
        (e, explain(e)) for e in services.history(entry.person_key).filter(scope_q(signed_in(request)))
    ]
    changes = Change.objects.filter(person_key=entry.person_key).filter(scope_q(signed_in(request)))
    return render(
        request,
        "subjects/person.html",
        {"entry": entry, "periods": periods, "changes": changes, "masked": mask_id_number(entry.person_key)},
    )


@capability_required("analyse_data")
def changes(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    if request.method == "POST":
        ids = [int(i) for i in request.POST.getlist("change") if i.isdigit()]
        category_text = request.POST.get("category", "")
        try:
            chosen = actions.decide(
                user, ids, confirm=request.POST.get("decision") == "confirm",
                category=int(category_text) if category_text.isdigit() else None, note=request.POST.get("note", ""),
            )  # fmt: skip
        except actions.SubjectsRefused as refused:
            if refused.status == 403:
                raise PermissionDenied(refused.message) from None
            messages.error(request, refused.message)
        else:
            messages.success(request, _("%(count)d change(s) decided.") % {"count": len(chosen)})
        return redirect("subjects:changes")
    status = request.GET.get("status", ChangeStatus.PENDING)
    kind = request.GET.get("kind", "")
    listed = Change.objects.filter(scope_q(user), status=status).select_related("refresh", "unit")
    if kind:
        listed = listed.filter(kind=kind)
    page = Paginator(listed.order_by("refresh__period", "effective", "pk"), 200).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "subjects/changes.html",
        {
            "page": page,
            "rows": [(c, explain(c)) for c in page],
            "status": status,
            "kind": kind,
            "statuses": ChangeStatus.choices,
            "kinds": Change._meta.get_field("kind").choices,
            "categories": Category.choices,
            "due": actions.refresh_due(),
        },
    )


@capability_required("analyse_data")
def refresh(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return redirect("subjects:changes")
    run = actions.refresh(actor=actions.actor_of(signed_in(request)))
    messages.success(
        request,
        _("Refreshed: %(found)d found, %(proposed)d new change(s).")
        % {"found": run.found, "proposed": run.proposed},
    )
    return redirect("subjects:changes")


def figures_allowed(request: HttpRequest) -> bool:
    """Coverage and staffing figures: analysts, and those who read the pilot's targets (view_dashboard).
    The gap person by person names people, so it is for analysts only."""
    user = signed_in(request) if request.user.is_authenticated else None
    if user is None or not (has_capability(user, "analyse_data") or has_capability(user, "view_dashboard")):
        raise PermissionDenied(_("coverage figures need the data analysis or dashboard right"))
    return has_capability(user, "analyse_data")


@login_required
def coverage(request: HttpRequest) -> HttpResponse:
    names = figures_allowed(request)
    on, error = _day_or_error(request)
    result = services.coverage(scope_division(request), on)
    gap = result.gap[:500] if names else []
    language = get_language() or "zh-hans"
    rows = [(h, mask_id_number(h.person_key), source_label(h.source, language)) for h in gap]
    return render(
        request,
        "subjects/coverage.html",
        {
            "c": result,
            "on": on,
            "error": error,
            "gap": rows,
            "names": names,
        },
        status=400 if error else 200,
    )


@login_required
def staffing(request: HttpRequest) -> HttpResponse:
    figures_allowed(request)
    on, error = _day_or_error(request)
    rows = services.staffing(scope_division(request), on)
    return render(
        request,
        "subjects/staffing.html",
        {
            "rows": rows,
            "on": on,
            "error": error,
            "short": sum(1 for r in rows if r.shortfall),
            "targets": rule_book().supervisors,
        },
        status=400 if error else 200,
    )
