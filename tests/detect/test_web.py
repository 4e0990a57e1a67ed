"""Alert pages and API: lists, filters, the alert page, review, profile links, scope and rights."""

from __future__ import annotations

import pytest
from django.conf import settings as django_settings

from jiancha.access.services import issue_token
from jiancha.detect import actions
from jiancha.detect.models import Alert

from .builders import alert_like
from .conftest import TRADER, WINNER

pytestmark = pytest.mark.django_db


@pytest.fixture
def alerts(staff, ocds_file):
    actions.run_indicators(["R018", "R028", "R036"], ocds_file=ocds_file)
    return Alert.objects.all()


def page(client, url, status=200):
    response = client.get(url)
    assert response.status_code == status, url
    return response.content.decode()


def test_the_analyst_lists_and_filters_alerts(client, staff, alerts):
    client.force_login(staff.analyst)
    text = page(client, "/detect/")
    assert text.count('data-alert="') == 5
    assert text.count('data-alert="') == alerts.count()
    assert page(client, "/detect/?indicator=R036").count('data-alert="') == 1
    assert page(client, "/detect/?region=331202").count('data-alert="') == 5
    assert page(client, "/detect/?region=331221").count('data-alert="') == 0
    assert page(client, f"/detect/?entity={WINNER}").count('data-alert="') == 4  # subject or supplier
    assert page(client, "/detect/?status=dismissed").count('data-alert="') == 0
    assert page(client, "/detect/?min_score=70").count('data-alert="') == 3  # R028 is high severity
    unit = alerts.first().unit_id
    assert page(client, f"/detect/?unit={unit}&min_score=oops").count('data-alert="') == 5


def test_the_alert_page_explains_shows_evidence_and_masks_people(client, staff, alerts):
    client.force_login(staff.analyst)
    alert = Alert.objects.get(identifier=TRADER)
    text = page(client, f"/detect/alerts/{alert.pk}/")
    assert 'data-testid="evidence"' in text and "sample.jsonl" in text
    assert TRADER not in text  # the analyst sees resident ID numbers masked, even in forms
    assert 'name="entity" value="0"' in text


def test_review_status_from_the_page(client, staff, alerts):
    client.force_login(staff.analyst)
    alert = Alert.objects.get(code="R036")
    client.post(f"/detect/alerts/{alert.pk}/status/", {"status": "reviewing", "note": "核对投标文件"})
    alert.refresh_from_db()
    assert alert.status == "reviewing" and alert.status_note == "核对投标文件"
    response = client.post(f"/detect/alerts/{alert.pk}/status/", {"status": "reviewing"}, follow=True)
    assert "not allowed" in response.content.decode() or "不允许" in response.content.decode()


def test_opening_a_profile_is_a_recorded_pool_query(client, staff, alerts, settings, tmp_path, monkeypatch):
    from jiancha.ledger.models import Event
    from jiancha.pool.models import ProfileQuery

    settings.DATA_DIR = tmp_path
    monkeypatch.setenv("JIANCHA_POOL_DIR", str(tmp_path / "pool"))
    client.force_login(staff.analyst)
    alert = Alert.objects.get(code="R036")
    short = client.post(f"/detect/alerts/{alert.pk}/profile/", {"entity": 2, "purpose": "x"})
    assert short.status_code == 302 and not ProfileQuery.objects.exists()
    response = client.post(
        f"/detect/alerts/{alert.pk}/profile/", {"entity": 2, "purpose": "核查预警：最低价投标被取消资格"}
    )
    assert response.status_code == 302 and response["Location"].startswith("/pool/profile/")
    query = ProfileQuery.objects.get()
    assert query.kind == "company" and query.case_reference == f"alert:{alert.pk}"
    assert WINNER not in response["Location"]
    assert Event.objects.filter(kind="pool.query.company").count() == 1


def test_scope_and_rights(client, staff, alerts):
    alert = alerts.first()
    client.force_login(staff.outsider)
    assert page(client, "/detect/").count('data-alert="') == 0
    page(client, f"/detect/alerts/{alert.pk}/", status=404)
    client.force_login(staff.investigator)
    page(client, "/detect/", status=403)
    page(client, f"/detect/alerts/{alert.pk}/", status=403)
    assert client.post(f"/detect/alerts/{alert.pk}/status/", {"status": "dismissed"}).status_code == 403
    alert.refresh_from_db()
    assert alert.status == "new"


def test_indicator_pages_show_the_rule(client, staff, alerts):
    client.force_login(staff.analyst)
    text = page(client, "/detect/indicators/")
    assert "R003" in text and "R058" in text
    text = page(client, "/detect/indicators/R024/")
    assert "r8_quantile" in text and "threshold" in text
    page(client, "/detect/indicators/NOPE/", status=404)
    assert "sample.jsonl" in page(client, "/detect/runs/")


def test_the_api(client, staff, alerts):
    auth = {"Authorization": f"Bearer {issue_token(staff.analyst, 'test')}"}
    listed = client.get("/api/detect/alerts?indicator=R028", headers=auth).json()
    assert {a["group"] for a in listed} == {"OCID", "Tenderer"} and len(listed) == 3
    trader = next(a for a in listed if a["entities"][0]["kind"] == "person")
    assert TRADER not in str(trader) and trader["explanation_en"]
    detail = client.get(f"/api/detect/alerts/{listed[0]['id']}", headers=auth).json()
    assert detail["evidence"][0]["provenance"]["file"] == "sample.jsonl"
    moved = client.post(
        f"/api/detect/alerts/{listed[0]['id']}/status", {"status": "dismissed"}, content_type="application/json",
        headers=auth,
    )  # fmt: skip
    assert moved.status_code == 400  # no reason given
    moved = client.post(
        f"/api/detect/alerts/{listed[0]['id']}/status", {"status": "dismissed", "reason": "duplicate"},
        content_type="application/json", headers=auth,
    )  # fmt: skip
    assert moved.status_code == 200 and moved.json()["status"] == "dismissed"
    again = client.post(
        f"/api/detect/alerts/{listed[0]['id']}/status", {"status": "new"}, content_type="application/json",
        headers=auth,
    )  # fmt: skip
    assert again.status_code == 409
    assert client.get("/api/detect/alerts?indicator=NOPE", headers=auth).status_code == 404
    assert len(client.get("/api/detect/indicators", headers=auth).json()) >= 11
    outsider = {"Authorization": f"Bearer {issue_token(staff.investigator, 'test')}"}
    assert client.get("/api/detect/alerts", headers=outsider).status_code == 403
    elsewhere = {"Authorization": f"Bearer {issue_token(staff.outsider, 'test')}"}
    assert client.get(f"/api/detect/alerts/{listed[0]['id']}", headers=elsewhere).status_code == 404


def test_the_entity_filter_matches_whole_keys_and_refuses_masked_readers_a_person_search(
    client, staff, alerts
):
    client.force_login(staff.analyst)
    assert page(client, f"/detect/?entity={WINNER[:-1]}").count('data-alert="') == 0  # no prefix search
    assert page(client, f"/detect/?entity={TRADER}", status=403)  # the analyst sees TRADER masked
    assert page(client, f"/detect/?entity={TRADER[:10]}").count('data-alert="') == 0
    token = issue_token(staff.analyst, "t")
    response = client.get(f"/api/detect/alerts?entity={TRADER}", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 403


def test_a_person_alert_names_roles_and_pool_tables_in_the_readers_language(client, staff, alerts):
    """People and funds alerts cite pool tables (死亡登记, 发放记录…) and roles beyond procurement's."""
    base = Alert.objects.get(code="R036")
    person = alert_like(
        base,
        fingerprint="p" * 64, code="PAY_AFTER_DEATH", group="Person", identifier=TRADER,
        value=3, score=80, severity="high",
        explanation_zh="死亡后仍发放", explanation_en="paid after death",
        entities=[{"kind": "person", "key": TRADER, "name": "", "role": "deceased"},
                  {"kind": "company", "key": WINNER, "name": "某公司", "role": "relative's company"}],
        evidence=[{"table": "Death", "fields": {"deathDate": "2025-01-02"},
                   "provenance": {"feed": "deaths", "batch": 1, "file": "331202/population/deaths.csv", "row": 7}}],
    )  # fmt: skip
    client.force_login(staff.analyst)
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    text = page(client, f"/detect/alerts/{person.pk}/")
    assert "死亡人员" in text and "亲属企业" in text and "死亡登记" in text
    assert TRADER not in text  # masked for the analyst
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    text = page(client, f"/detect/alerts/{person.pk}/")
    assert "deceased" in text and "relative's company" in text.replace("&#x27;", "'")
    assert ">Death<" in text
