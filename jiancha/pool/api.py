"""Pool API: profile and search under a stated purpose, FtM export, feeds and their quality."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Router, Schema
from ninja.errors import HttpError

from jiancha.access.models import User

from . import ftm, services
from .models import Feed

router = Router(tags=["pool"])


class QueryIn(Schema):
    purpose: str
    case_reference: str = ""


class PersonIn(QueryIn):
    id_number: str


class CompanyIn(QueryIn):
    usc_code: str


class SearchIn(QueryIn):
    name: str
    birth_date: date | None = None


class ProfileOut(Schema):
    query_id: int
    ledger_index: int | None
    masked: bool
    sections: dict[str, list[dict[str, Any]]]


class SearchOut(Schema):
    query_id: int
    people: list[dict[str, Any]]
    companies: list[dict[str, Any]]


class FeedOut(Schema):
    code: str
    name: str
    department: str
    classification: str
    cadence_days: int
    batches: int
    rows_delivered: int
    rows_loaded: int
    rows_rejected: int
    rejects_by_reason: dict[str, int]
    last_delivery: str | None
    late: bool


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _answer(answer: services.ProfileAnswer) -> ProfileOut:
    return ProfileOut(
        query_id=answer.query.pk,
        ledger_index=answer.query.ledger_index,
        masked=not answer.full_identifiers,
        sections=answer.sections,
    )


def _refused(error: services.QueryRefused) -> HttpError:
    status = 403 if "query_pool" in error.message else 400
    return HttpError(status, error.message)


@router.post("/person", response=ProfileOut)
def person(request: HttpRequest, body: PersonIn) -> ProfileOut:
    """A person's profile; the purpose is required and the query is recorded and written to the ledger."""
    try:
        return _answer(
            services.query_person(_user(request), body.id_number, body.purpose, body.case_reference)
        )
    except services.QueryRefused as refused:
        raise _refused(refused) from None


@router.post("/company", response=ProfileOut)
def company(request: HttpRequest, body: CompanyIn) -> ProfileOut:
    try:
        return _answer(
            services.query_company(_user(request), body.usc_code, body.purpose, body.case_reference)
        )
    except services.QueryRefused as refused:
        raise _refused(refused) from None


@router.post("/search", response=SearchOut)
def search(request: HttpRequest, body: SearchIn) -> SearchOut:
    try:
        query, people, companies = services.search(
            _user(request), body.name, body.purpose, body.case_reference, body.birth_date
        )
    except services.QueryRefused as refused:
        raise _refused(refused) from None
    return SearchOut(query_id=query.pk, people=people, companies=companies)


@router.post("/person/ftm")
def person_ftm(request: HttpRequest, body: PersonIn) -> HttpResponse:
    """The person's profile as FollowTheMoney entities (JSON lines), with full identifiers: for
    roles that see them (investigators) only."""
    if not services.sees_full_identifiers(_user(request)):
        raise HttpError(403, _("an export carries full identifiers; your role sees them masked"))
    try:
        answer = services.query_person(_user(request), body.id_number, body.purpose, body.case_reference)
    except services.QueryRefused as refused:
        raise _refused(refused) from None
    assert isinstance(answer.profile, services.profiles.PersonProfile)
    return HttpResponse(
        ftm.to_jsonl(ftm.person_entities(answer.profile)), content_type="application/x-ndjson"
    )


@router.get("/feeds", response=list[FeedOut])
def feeds(request: HttpRequest) -> list[FeedOut]:
    """Feeds the caller may see, with their quality report (a liaison sees only their own)."""
    return [_feed(services.quality(feed)) for feed in services.feeds_for(_user(request))]


@router.get("/feeds/{code}", response=FeedOut)
def feed(request: HttpRequest, code: str) -> FeedOut:
    record = get_object_or_404(Feed, code=code)
    if not services.can_see_feed(_user(request), record):
        raise HttpError(403, _("not your feed"))
    return _feed(services.quality(record))


def _feed(q: services.FeedQuality) -> FeedOut:
    return FeedOut(
        code=q.feed.code, name=q.feed.name, department=q.feed.department, classification=q.feed.classification,
        cadence_days=q.feed.cadence_days, batches=q.batches, rows_delivered=q.rows_delivered, rows_loaded=q.rows_loaded,
        rows_rejected=q.rows_rejected, rejects_by_reason=q.rejects_by_reason,
        last_delivery=q.last_delivery.started.isoformat() if q.last_delivery else None, late=q.late,
    )  # fmt: skip
