"""View guards that refuse with a logged 403 in the user's language."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from .services import has_capability

View = Callable[..., HttpResponse]


def capability_required(capability: str) -> Callable[[View], View]:
    """Signed-out users go to the login page; signed-in users without the capability get a 403."""

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not has_capability(request.user, capability):
                raise PermissionDenied(
                    _("this needs the right “%(capability)s”") % {"capability": capability}
                )
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
