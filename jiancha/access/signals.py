"""Record account lockouts (django-axes) where the security officer reads refused requests."""

from __future__ import annotations

import logging
from typing import Any

from axes.signals import user_locked_out
from django.conf import settings
from django.dispatch import receiver
from django.http import HttpRequest

from .models import DeniedRequest

logger = logging.getLogger("jiancha.access")


@receiver(user_locked_out)
def record_lockout(sender: Any, request: HttpRequest, username: str, ip_address: str, **kwargs: Any) -> None:
    reason = f"account locked after {settings.AXES_FAILURE_LIMIT} failed sign-ins"
    logger.warning("account %r locked out (from %s): %s", username, ip_address, reason)
    DeniedRequest.objects.create(
        username=username or "",
        method=request.method or "",
        path=request.path[:500],
        reason=reason,
        remote_addr=ip_address or None,
    )
