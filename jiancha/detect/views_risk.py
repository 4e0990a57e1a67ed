"""The risk score page (风险评分): ranked persons and units of a region, as leads to check."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from jiancha.access.decorators import capability_required
from jiancha.access.models import User
from jiancha.access.services import signed_in, visible_divisions
from jiancha.orgs.models import Division
from jiancha.pool import services as pool

from . import risk


def chosen_region(request: HttpRequest, user: User) -> Division:
    """The region asked for (``?region=<division code>``), which must be in the reader's scope;
    by default the top of their scope."""
    code = request.GET.get("region", "").strip()
    if code:
        found = visible_divisions(user).filter(code=code).first()
        if found is None:
            raise PermissionDenied(_("this region is outside your scope"))
        return found
    root = risk.root_of(user)
    if root is None:
        raise PermissionDenied(_("your account is bound to no division"))
    return root


@capability_required("analyse_data")
def risk_scores(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    region = chosen_region(request, user)
    alerts = risk.region_alerts(user, region)
    config = risk.settings()
    full = pool.sees_full_identifiers(user)
    persons, person_count = risk.ranked("person", alerts, full_identifiers=full, config=config)
    units, unit_count = risk.ranked("unit", alerts, config=config)
    return render(
        request,
        "detect/risk.html",
        {
            "region": region,
            "regions": risk.regions(user),
            "config": config,
            "weights": risk.weights(get_language() or "zh-hans", config),
            "severity_weights": sorted(config.severity_weights.items(), key=lambda kv: -kv[1]),
            "persons": persons,
            "person_count": person_count,
            "units": units,
            "unit_count": unit_count,
            "full_identifiers": full,
        },
    )
