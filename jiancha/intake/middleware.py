"""Refuse an oversized upload to intake's public pages before anything reads its body.

CsrfViewMiddleware reads ``request.POST`` (and so the whole multipart body, files included) before
the view runs; a size check in the view comes too late. This middleware sits before it and answers
413 from the declared Content-Length alone.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from jiancha.access.middleware import language_for

from . import wechat
from .files import max_total_bytes


def _limits() -> dict[str, int]:
    """The public paths and the most each POST may carry (a WeChat message is small)."""
    return {
        reverse("intake:public_form"): max_total_bytes(),
        reverse("intake:follow"): max_total_bytes(),
        reverse("intake:wechat"): wechat.MAX_BODY,
    }


def declared_too_large(request: HttpRequest, limit: int | None = None) -> bool:
    """True when the request says it carries more than a report with all its files may."""
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0) > (limit or max_total_bytes())
    except ValueError:
        return True


class IntakeBodyLimitMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.supported = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request: HttpRequest) -> HttpResponse:
        limit = _limits().get(request.path) if request.method == "POST" else None
        if limit is not None and declared_too_large(request, limit):
            with translation.override(language_for(request, self.supported)):
                message = _(
                    "The report with its files is too large (at most %(mb)d MB in all). "
                    "Send fewer or smaller files."
                ) % {"mb": max(1, limit // (1024 * 1024))}
            response = HttpResponse(message, status=413, content_type="text/plain; charset=utf-8")
            response["Connection"] = "close"  # the body is not read
            return response
        return self.get_response(request)
