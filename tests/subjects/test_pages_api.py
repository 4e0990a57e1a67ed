"""Registry pages and API: what each role may see and do, in its own area, with bad input refused."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.test import Client

from jiancha.access.services import issue_token
from jiancha.ledger.models import Event
from jiancha.pool.models import ProfileQuery
from jiancha.subjects import actions
from jiancha.subjects.models import Change, ChangeKind, ChangeStatus, Entry

from ..factories import make_user
from .conftest import ON

pytestmark = pytest.mark.django_db


@pytest.fixture
def loaded(users: dict[str, Any]) -> dict[str, Any]:
    actions.refresh(actor="test", on=ON)
    pending = Change.objects.filter(status=ChangeStatus.PENDING, source="roster")
    actions.decide(users["root"], list(pending.values_list("pk", flat=True)), confirm=True)
    return users


def bearer(user: Any) -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_token(user, 'test')}"}


def test_pages_for_an_analyst(client: Client, loaded: dict[str, Any]) -> None:
    client.force_login(loaded["county"])
    day = ON.isoformat()
    registry = client.get(f"/subjects/?on={day}")
    assert registry.status_code == 200
    entry = Entry.objects.filter(division__code__startswith=loaded["county_division"].code[:6]).first()
    assert entry is not None
    text = registry.content.decode()
    assert entry.person_key not in text  # ID numbers are masked
    person = client.get(f"/subjects/entries/{entry.pk}/")
    assert person.status_code == 200 and entry.name in person.content.decode()
    assert "《监察法》第十五条" in person.content.decode()  # pages speak Chinese by default
    coverage = client.get(f"/subjects/coverage/?on={day}")
    assert coverage.status_code == 200 and 'data-testid="gap"' in coverage.content.decode()
    assert client.get(f"/subjects/staffing/?on={day}").status_code == 200
    assert client.get("/subjects/changes/?status=pending").status_code == 200
    bad = client.get("/subjects/?on=2025-13-01")
    assert bad.status_code == 400 and "2025-13-01" in bad.content.decode()


def test_entries_outside_the_users_area_are_not_shown(client: Client, loaded: dict[str, Any]) -> None:
    client.force_login(loaded["county"])
    other = Entry.objects.exclude(division__code__startswith=loaded["county_division"].code[:6]).first()
    assert other is not None
    assert client.get(f"/subjects/entries/{other.pk}/").status_code == 404


def test_confirming_through_the_page(client: Client, loaded: dict[str, Any]) -> None:
    change = Change.objects.filter(status=ChangeStatus.PENDING, kind=ChangeKind.JOIN).first()
    assert change is not None and change.source == "payroll"
    client.force_login(loaded["root"])
    response = client.post("/subjects/changes/", {"change": [change.pk], "decision": "confirm"})
    assert response.status_code == 302
    change.refresh_from_db()
    assert change.status == ChangeStatus.CONFIRMED and change.decided_by == "analyst-root/analyst"


def test_a_user_without_the_right_is_refused(client: Client, loaded: dict[str, Any]) -> None:
    client.force_login(loaded["intake"])
    for url in ("/subjects/", "/subjects/changes/"):
        assert client.get(url).status_code == 403
    # intake holds view_dashboard: coverage figures, but not the gap's names
    coverage = client.get("/subjects/coverage/")
    assert coverage.status_code == 200 and 'data-testid="gap"' not in coverage.content.decode()
    nobody = make_user("nobody", None, loaded["county_division"].code)
    client.force_login(nobody)
    assert client.get("/subjects/coverage/").status_code == 403


def test_api(client: Client, loaded: dict[str, Any]) -> None:
    headers = bearer(loaded["root"])
    coverage = client.get(f"/api/subjects/coverage?on={ON}", headers=headers).json()
    assert coverage["total"]["found"] > coverage["total"]["covered"] > 0 and coverage["gap"]
    entry = Entry.objects.first()
    assert entry is not None

    def ask(id_number: str, on: object, purpose: str = "registry check for case AJ2026-00001") -> Any:
        body = {"id_number": id_number, "on": str(on), "purpose": purpose}
        return client.post("/api/subjects/persons", body, content_type="application/json", headers=headers)

    found = ask(entry.person_key, ON)
    assert found.status_code == 200 and found.json()["category"] == entry.category
    # the analyst sees ID numbers masked, in the answer as in the pool
    assert found.json()["person_key"] != entry.person_key and found.json()["person_key"].endswith(
        entry.person_key[-2:]
    )
    query = ProfileQuery.objects.latest("pk")
    assert query.purpose.startswith("registry check") and query.facts_returned == 1
    assert Event.objects.filter(kind="pool.query.person", object_id=str(query.pk)).exists()
    before = entry.valid_from - dt.timedelta(days=1)
    assert ask(entry.person_key, before).status_code == 404
    assert ask("123", "2025-01-01").status_code == 400
    assert ask(entry.person_key, ON, purpose=" ").status_code == 400  # a purpose is required
    assert all(
        entry.person_key not in json.dumps(e)
        for e in client.get(f"/api/subjects/entries?on={ON}", headers=headers).json()
    )
    assert client.get("/api/subjects/entries?on=yesterday", headers=headers).status_code == 400
    entries = client.get(f"/api/subjects/entries?on={ON}&category=5", headers=headers).json()
    assert entries and {e["category"] for e in entries} == {5}
    pending = client.get("/api/subjects/changes", headers=headers).json()
    assert pending and all(c["status"] == "pending" for c in pending)
    decided = client.post(
        "/api/subjects/changes/decide",
        {"changes": [pending[0]["id"]], "confirm": False, "note": "test"},
        content_type="application/json",
        headers=headers,
    )
    assert decided.status_code == 200 and decided.json() == [pending[0]["id"]]
    again = client.post(
        "/api/subjects/changes/decide",
        {"changes": [pending[0]["id"]], "confirm": True},
        content_type="application/json",
        headers=headers,
    )
    assert again.status_code == 400 and str(pending[0]["id"]) in again.json()["detail"]
    staffing = client.get(f"/api/subjects/staffing?on={ON}", headers=headers).json()
    assert staffing and all(row["shortfall"] > 0 for row in staffing)
    intake = bearer(loaded["intake"])
    assert client.get("/api/subjects/entries", headers=intake).status_code == 403
    assert client.get("/api/subjects/coverage", headers=intake).json()["gap"] == []
    town = client.get(f"/api/subjects/coverage?on={ON}", headers=bearer(loaded["township"])).json()
    assert 0 < town["total"]["found"] < coverage["total"]["found"]


def test_a_user_bound_to_no_division_sees_no_figures(client: Client, loaded: dict[str, Any]) -> None:
    drifter = make_user("drifter", "analyst", None)
    client.force_login(drifter)
    assert client.get("/subjects/coverage/").status_code == 403
    assert client.get("/subjects/staffing/").status_code == 403
    assert client.get("/api/subjects/coverage", headers=bearer(drifter)).status_code == 403
