"""API endpoints of the intake app (/api/intake/...): intake staff's figures and report list.

Reporter identities are never served by the API: they are opened one at a time, with a reason, on
the identity page.
"""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.errors import HttpError

from jiancha.access.models import User
from jiancha.access.services import has_capability

from . import services

router = Router(tags=["intake"])


def _intake_user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # the API's authentication guarantees a signed-in user
    if not has_capability(user, "register_report"):
        raise HttpError(403, "this needs the right: register_report")
    return user


class KpiOut(Schema):
    feedback_due: int
    feedback_on_time: int
    feedback_late: int
    feedback_missing: int
    feedback_undated: int  # of due: obligations without a due date (calendar missing), see docs
    feedback_rate: float | None
    satisfaction_answers: int
    satisfaction_satisfied: int
    satisfaction_rate: float | None
    by_channel: dict[str, int]


@router.get("/kpis", response=KpiOut)
def kpis(request: HttpRequest, start: dt.date | None = None, end: dt.date | None = None) -> KpiOut:
    """Real-name feedback in time, satisfaction and counts by channel for the caller's scope."""
    reports = services.reports_for(_intake_user(request))
    feedback = services.feedback_kpi(reports, start, end)
    satisfaction = services.satisfaction_kpi(reports, start, end)
    return KpiOut(
        feedback_due=feedback.due,
        feedback_on_time=feedback.on_time,
        feedback_late=feedback.late,
        feedback_missing=feedback.missing,
        feedback_undated=feedback.undated,
        feedback_rate=feedback.rate,
        satisfaction_answers=satisfaction.answers,
        satisfaction_satisfied=satisfaction.satisfied,
        satisfaction_rate=satisfaction.rate,
        by_channel=services.counts_by_channel(reports, start, end),
    )


class ReportOut(Schema):
    number: str
    channel: str
    state: str
    received_at: dt.datetime
    division: str
    concerns_name: str
    real_name: bool
    lead_number: str
    acceptance_due: dt.date | None
    result_due: dt.date | None


@router.get("/reports", response=list[ReportOut])
def reports(request: HttpRequest, state: str = "") -> list[ReportOut]:
    """Reports in the caller's scope, newest first (at most 500), without the reporter."""
    found = services.reports_for(_intake_user(request)).select_related("division")
    if state:
        found = found.filter(state=state)
    return [
        ReportOut(
            number=r.number,
            channel=r.channel,
            state=r.state,
            received_at=r.received_at,
            division=r.division.code,
            concerns_name=r.concerns_name,
            real_name=r.real_name,
            lead_number=r.lead_number,
            acceptance_due=r.acceptance_due,
            result_due=r.result_due,
        )
        for r in found[:500]
    ]
