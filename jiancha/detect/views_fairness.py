"""The ethics review page (算法伦理审查) and its xlsx and PDF exports."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from jiancha.access.services import has_capability, signed_in

from . import fairness, fairness_export, risk
from .views_risk import chosen_region

View = Callable[..., HttpResponse]
CONTENT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}


def reviewer_required(view: View) -> View:
    """Analysts and approving leaders; others get a logged 403, signed-out users the login page."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not fairness.can_review(signed_in(request)):
            raise PermissionDenied(
                _("this needs the right “%(capability)s”")
                % {"capability": " / ".join(fairness.REVIEW_CAPABILITIES)}
            )
        return view(request, *args, **kwargs)

    return wrapped


@reviewer_required
def review_page(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    region = chosen_region(request, user)
    found = fairness.review(region)
    return render(
        request,
        "detect/fairness.html",
        {
            "review": found,
            "region": region,
            "regions": risk.regions(user),
            "measures": fairness.MEASURES,
            "parts": fairness.MEASURE_PARTS,
            "analyst": has_capability(user, "analyse_data"),
        },
    )


@reviewer_required
def export(request: HttpRequest, fmt: str) -> HttpResponse:
    if fmt not in CONTENT_TYPES:
        raise Http404
    found = fairness.review(chosen_region(request, signed_in(request)))
    try:
        body = fairness_export.to_xlsx(found) if fmt == "xlsx" else fairness_export.to_pdf(found)
    except fairness_export.PdfFontMissing as missing:
        return HttpResponse(str(missing), status=503, content_type="text/plain; charset=utf-8")
    response = HttpResponse(body, content_type=CONTENT_TYPES[fmt])
    name = f"ethics-review-{found.region.code}-{found.as_of.isoformat()}.{fmt}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
