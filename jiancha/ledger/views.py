"""The security officer's ledger page: latest checkpoint, its cosigners, tree size, recent events."""

from __future__ import annotations

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from . import keys, services
from .models import Event
from .note import NoteError, Verifier

RECENT = 50


def overview(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not request.user.has_perm("access.verify_ledger"):
        raise PermissionDenied(_("verifying the ledger needs the right “verify_ledger”"))
    checkpoint = services.latest_checkpoint()
    key_error = ""
    log: Verifier | None = None
    try:
        log = keys.log_verifier()  # the public key only: a request never opens the private key
    except NoteError as error:
        key_error = str(error)
    context = {
        "tree_size": services.tree_size(),
        "log_key": log.vkey if log else "",
        "key_error": key_error,
        "checkpoint": services.checkpoint_summary(checkpoint, log) if checkpoint and log else None,
        "anchors": list(checkpoint.anchors.all()) if checkpoint else [],
        # Metadata only: content hashes and salts stay off the page.
        "events": Event.objects.order_by("-index").only(
            "index", "kind", "actor", "recorded_at", "object_kind", "object_id", "legal_basis"
        )[:RECENT],
    }
    return render(request, "ledger/overview.html", context)
