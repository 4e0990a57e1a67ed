"""API endpoints of the resolve app (/api/resolve/...): related parties, connections, FtM export."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Router, Schema
from ninja.errors import HttpError

from jiancha.access.models import User

from . import ftm, services

router = Router(tags=["resolve"])


class QueryIn(Schema):
    purpose: str
    case_reference: str = ""


class RelatedIn(QueryIn):
    subject: str  # a resident ID or a USCC
    hops: int = 2


class ConnectionsIn(QueryIn):
    first: str
    second: str


class RelatedOut(Schema):
    query_id: int
    masked: bool
    subject: str
    parties: list[dict[str, Any]]


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _refused(error: services.QueryRefused) -> HttpError:
    return HttpError(403 if "query_pool" in error.message else 400, error.message)


def _related(request: HttpRequest, body: RelatedIn) -> services.GraphAnswer:
    try:
        return services.related_parties(
            _user(request), body.subject, body.purpose, body.hops, body.case_reference
        )
    except services.QueryRefused as refused:
        raise _refused(refused) from None


@router.post("/related", response=RelatedOut)
def related(request: HttpRequest, body: RelatedIn) -> RelatedOut:
    """Parties within ``hops`` of a person or company, each with its path and every edge's evidence."""
    answer = _related(request, body)
    return RelatedOut(
        query_id=answer.query_id,
        masked=not answer.full_identifiers,
        subject=answer.subject,
        parties=answer.parties,
    )


@router.post("/related/ftm")
def related_ftm(request: HttpRequest, body: RelatedIn) -> HttpResponse:
    """The same as FollowTheMoney entities, one JSON object a line."""
    return HttpResponse(
        ftm.jsonl(_related(request, body)), content_type="application/x-ndjson; charset=utf-8"
    )


@router.post("/connections", response=list[list[dict[str, Any]]])
def connections(request: HttpRequest, body: ConnectionsIn) -> list[list[dict[str, Any]]]:
    """How two parties are connected: the shortest paths, each edge with its evidence."""
    try:
        return services.how_connected(
            _user(request), body.first, body.second, body.purpose, body.case_reference
        )
    except services.QueryRefused as refused:
        raise _refused(refused) from None
