"""API endpoints of the detect app (/api/detect/...): the alert list and page, review (status,
confirm, dismiss), indicators.

Thin: each endpoint checks the right, calls ``services`` or ``actions``; a missing right is 403, an
alert outside the reader's scope is 404, a refused status change (a second confirmation, say) is 409,
a decision missing what it needs (a reason from the list, a note) is 400.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from ninja.errors import HttpError

from jiancha.access.models import User
from jiancha.access.services import has_capability
from jiancha.pool.services import sees_full_identifiers

from . import actions, catalogue, services
from .models import Alert, DismissReason

router = Router(tags=["detect"])
MAX_LIMIT = 500


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)  # the API's authentication guarantees a signed-in user
    user: User = request.user
    if not has_capability(user, "analyse_data"):
        raise HttpError(403, _("this needs the right “%(capability)s”") % {"capability": "analyse_data"})
    return user


class EntityOut(Schema):
    kind: str
    key: str
    name: str
    role: str


class AlertOut(Schema):
    id: int
    indicator: str
    version: str
    group: str
    identifier: str
    value: float
    score: float
    severity: str
    status: str
    explanation_zh: str
    explanation_en: str
    division: str | None
    unit: str | None
    entities: list[EntityOut]
    first_run: int
    last_run: int
    last_seen: dt.datetime
    dismiss_reason: str
    lead: str | None  # the lead's number, once confirmed


class AlertDetailOut(AlertOut):
    evidence: list[dict[str, Any]]


class StatusIn(Schema):
    status: str
    note: str = ""
    reason: str = ""  # when dismissing: one of the reasons listed by GET /dismiss-reasons


class ConfirmIn(Schema):
    note: str = ""


class DismissIn(Schema):
    reason: str
    note: str = ""


class ConfirmOut(Schema):
    alert: AlertOut
    lead_id: int
    lead_number: str


class ReasonOut(Schema):
    code: str
    label: str


class ParameterOut(Schema):
    name: str
    default: Any
    type: str
    unit: str


class IndicatorOut(Schema):
    code: str
    name_zh: str
    name_en: str
    category: str
    severity: str
    version: str
    reads: list[str]
    parameters: list[ParameterOut]


def _out(alert: Alert, full: bool, detail: bool = False) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": alert.pk,
        "indicator": alert.code,
        "version": alert.version,
        "group": alert.group,
        "identifier": services.shown_identifier(alert, full),
        "value": alert.value,
        "score": alert.score,
        "severity": alert.severity,
        "status": alert.status,
        "explanation_zh": alert.explanation_zh,
        "explanation_en": alert.explanation_en,
        "division": alert.division.code if alert.division else None,
        "unit": alert.unit.name if alert.unit else None,
        "entities": [{**e, "key": services.shown_key(e["kind"], e["key"], full)} for e in alert.entities],
        "first_run": alert.first_run_id,
        "last_run": alert.last_run_id,
        "last_seen": alert.last_seen,
        "dismiss_reason": alert.dismiss_reason,
        "lead": alert.lead.number if alert.lead else None,
    }
    if detail:
        data["evidence"] = services.shown_evidence(alert.evidence, full)
    return data


@router.get("/alerts", response=list[AlertOut])
def list_alerts(
    request: HttpRequest,
    indicator: str = "",
    region: str = "",
    unit: int | None = None,
    entity: str = "",
    min_score: float | None = None,
    status: str = "",
    limit: int = 100,
    offset: int = 0,
) -> list[dict[str, Any]]:
    user = _user(request)
    if indicator and indicator not in catalogue.indicators():
        raise HttpError(404, _("unknown indicator %(code)s") % {"code": indicator})
    full = sees_full_identifiers(user)
    try:
        filters = services.AlertFilters(indicator, region, unit, entity, min_score, status, full)
    except PermissionDenied as denied:
        raise HttpError(403, str(denied)) from denied
    found = filters.apply(services.alerts_for(user)).select_related("division", "unit", "lead")
    window = found[max(offset, 0) : max(offset, 0) + min(max(limit, 1), MAX_LIMIT)]
    return [_out(a, full) for a in window]


def _visible(user: User, pk: int) -> Alert:
    alert = get_object_or_404(Alert.objects.select_related("division", "unit", "lead"), pk=pk)
    if not services.can_see(user, alert):
        raise HttpError(404, _("no such alert"))
    return alert


@router.get("/alerts/{pk}", response=AlertDetailOut)
def get_alert(request: HttpRequest, pk: int) -> dict[str, Any]:
    user = _user(request)
    return _out(_visible(user, pk), sees_full_identifiers(user), detail=True)


@router.post("/alerts/{pk}/status", response=AlertOut)
def change_status(request: HttpRequest, pk: int, body: StatusIn) -> dict[str, Any]:
    user = _user(request)
    alert = _visible(user, pk)
    try:
        changed = actions.set_status(alert, body.status, user, body.note, body.reason)
    except PermissionDenied as denied:
        raise HttpError(403, str(denied) or _("forbidden")) from denied
    except actions.StatusRefused as refused:
        raise HttpError(409, _("status change not allowed: %(reason)s") % {"reason": refused}) from refused
    except actions.ReviewInvalid as invalid:
        raise HttpError(400, invalid.message) from invalid
    return _out(_visible(user, changed.pk), sees_full_identifiers(user))


@router.post("/alerts/{pk}/confirm", response={201: ConfirmOut})
def confirm_alert(request: HttpRequest, pk: int, body: ConfirmIn) -> Status[dict[str, Any]]:
    """Confirm an alert: it becomes a lead (source "alert") carrying its explanation and evidence."""
    user = _user(request)
    alert = _visible(user, pk)
    try:
        lead = actions.confirm(alert, user, body.note)
    except actions.StatusRefused as refused:
        raise HttpError(409, _("alert #%(pk)s was decided already") % {"pk": pk}) from refused
    except actions.ReviewInvalid as invalid:
        raise HttpError(400, invalid.message) from invalid
    out = _out(_visible(user, pk), sees_full_identifiers(user))
    return Status(201, {"alert": out, "lead_id": lead.pk, "lead_number": lead.number})


@router.post("/alerts/{pk}/dismiss", response=AlertOut)
def dismiss_alert(request: HttpRequest, pk: int, body: DismissIn) -> dict[str, Any]:
    """Dismiss an alert for a reason from the list (GET /dismiss-reasons); "other" needs a note."""
    user = _user(request)
    alert = _visible(user, pk)
    try:
        actions.dismiss(alert, user, body.reason, body.note)
    except actions.StatusRefused as refused:
        raise HttpError(409, _("alert #%(pk)s was decided already") % {"pk": pk}) from refused
    except actions.ReviewInvalid as invalid:
        raise HttpError(400, invalid.message) from invalid
    return _out(_visible(user, pk), sees_full_identifiers(user))


@router.get("/dismiss-reasons", response=list[ReasonOut])
def dismiss_reasons(request: HttpRequest) -> list[dict[str, str]]:
    _user(request)
    return [{"code": code, "label": str(label)} for code, label in DismissReason.choices]


@router.get("/indicators", response=list[IndicatorOut])
def list_indicators(request: HttpRequest) -> list[dict[str, Any]]:
    _user(request)
    return [
        {
            "code": i.code,
            "name_zh": i.name["zh"],
            "name_en": i.name["en"],
            "category": i.category,
            "severity": i.severity,
            "version": i.version,
            "reads": i.reads,
            "parameters": [
                {"name": p.name, "default": p.default, "type": p.type, "unit": p.unit}
                for p in i.parameters.values()
            ],
        }
        for i in catalogue.indicators().values()
    ]
