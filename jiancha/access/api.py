"""API endpoints for health, the signed-in user and the divisions in their scope."""

from __future__ import annotations

from django.db import DatabaseError, connection
from django.http import HttpRequest
from ninja import Router, Schema, Status

from . import services
from .models import User

router = Router(tags=["platform"])


class HealthOut(Schema):
    status: str
    database: str
    vendor: str


@router.get("/health", auth=None, response={200: HealthOut, 503: HealthOut})
def health(request: HttpRequest) -> Status[HealthOut]:
    """Liveness and database check; no authentication, no personal data."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as error:
        return Status(503, HealthOut(status="error", database=type(error).__name__, vendor=connection.vendor))
    return Status(200, HealthOut(status="ok", database="ok", vendor=connection.vendor))


class MeOut(Schema):
    username: str
    roles: list[str]
    division_code: str | None
    language: str


@router.get("/me", response=MeOut)
def me(request: HttpRequest) -> MeOut:
    user = request.user
    assert isinstance(user, User)  # the router's authentication guarantees a signed-in user
    return MeOut(
        username=user.get_username(),
        roles=[role.code for role in services.roles_of(user)],
        division_code=user.division.code if user.division else None,
        language=user.language or "zh-hans",
    )


class DivisionOut(Schema):
    code: str
    name: str
    level: int
    kind: str
    parent_code: str | None
    population: int | None


@router.get("/divisions", response=list[DivisionOut])
def divisions(request: HttpRequest) -> list[DivisionOut]:
    """Divisions in the caller's scope, nothing outside it."""
    return [
        DivisionOut(
            code=d.code,
            name=d.name,
            level=d.level,
            kind=d.kind,
            parent_code=d.parent.code if d.parent else None,
            population=d.population,
        )
        for d in services.visible_divisions(request.user).select_related("parent")
    ]
