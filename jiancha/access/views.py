"""Sign-in, home pages, language choice and the 403/404 pages. Thin: decisions are in services."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jiancha.orgs.models import Division

from .decorators import capability_required
from .models import DeniedRequest
from .panels import panels_for
from .services import can_see_division, home_offers, record_denial, roles_of, visible_divisions


class LoginView(auth_views.LoginView):
    template_name = "access/login.html"
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    pass


def home(request: HttpRequest) -> HttpResponse:
    """Each role's landing page: its duties and only the offers it may use."""
    if not request.user.is_authenticated:
        return render(request, "access/public_home.html")
    context: dict[str, Any] = {
        "roles": roles_of(request.user),
        "offers": home_offers(request.user),
        "scope": request.user.division,
        "scope_size": visible_divisions(request.user).count(),
        "panels": panels_for(request.user),
    }
    return render(request, "access/home.html", context)


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Switch the interface language; a signed-in user's choice is saved on their account."""
    language = request.POST.get("language", "")
    next_url = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = "/"
    response = HttpResponseRedirect(next_url)
    if language in dict(settings.LANGUAGES):
        if request.user.is_authenticated:
            request.user.language = language
            request.user.save(update_fields=["language"])
        translation.activate(language)
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            language,
            max_age=365 * 24 * 3600,
            secure=settings.LANGUAGE_COOKIE_SECURE,
            samesite="Lax",
        )
    return response


@capability_required("read_access_log")
def denied_requests(request: HttpRequest) -> HttpResponse:
    denials = DeniedRequest.objects.select_related("user")[:200]
    return render(request, "access/denied_requests.html", {"denials": denials})


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """The 403 page, in the user's language; every refusal is recorded."""
    reason = str(exception) if exception and str(exception) else "forbidden"
    record_denial(request, reason)
    return render(request, "403.html", {"reason": reason}, status=403)


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "404.html", status=404)


# The organisation tree's pages live here, not in orgs/, because what a user may see of the tree is
# an access decision and orgs sits below access.


@login_required
def org_tree(request: HttpRequest) -> HttpResponse:
    divisions = visible_divisions(request.user).select_related("parent")
    return render(request, "access/org_tree.html", {"divisions": divisions})


@login_required
def org_division(request: HttpRequest, code: str) -> HttpResponse:
    division = get_object_or_404(Division, code=code)
    if not can_see_division(request.user, division):
        raise PermissionDenied(_("division %(code)s is outside your scope") % {"code": code})
    return render(
        request,
        "access/org_division.html",
        {"division": division, "children": division.children.all(), "units": division.units.all()},
    )
