"""Human review correcting the indicators (人工复核与算法修正): the inbox, confirming an alert into a
lead with its evidence, dismissing with a reason, precision from reviews, the what-if table, and
indicator settings that take effect only once an approver signs them off."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command

from jiancha.access.models import User
from jiancha.access.services import assign_role, issue_token
from jiancha.cases.models import Lead
from jiancha.detect import actions, review
from jiancha.detect.catalogue import get
from jiancha.detect.models import Alert, IndicatorRun, IndicatorSetting
from jiancha.ledger.models import Event

from ..factories import make_user
from .conftest import DISTRICT, TRADER

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture
def client(client, settings):
    """Pages in English (the platform's default is Chinese; one test below reads it in Chinese)."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def alerts(staff, ocds_file):
    actions.run_indicators(["R018", "R028", "R036"], ocds_file=ocds_file)
    return Alert.objects.all()


def text(response) -> str:
    return response.content.decode()


# --- the inbox ----------------------------------------------------------------------------------


def test_the_inbox_lists_alerts_to_review_by_score_and_filters(client, staff, alerts):
    client.force_login(staff.analyst)
    page = text(client.get("/detect/review/"))
    assert page.count('data-alert="') == 5
    scores = [a.score for a in Alert.objects.order_by("-score", "-last_seen", "-id")]
    order = [int(chunk.split('"')[0]) for chunk in page.split('data-alert="')[1:]]
    assert [Alert.objects.get(pk=pk).score for pk in order] == scores  # highest score first
    assert scores[0] > scores[-1]
    assert text(client.get("/detect/review/?indicator=R028")).count('data-alert="') == 3
    assert text(client.get("/detect/review/?min_score=70")).count('data-alert="') == 3
    assert text(client.get(f"/detect/review/?region={DISTRICT}")).count('data-alert="') == 5
    assert text(client.get("/detect/review/?region=331221000000")).count('data-alert="') == 0
    assert text(client.get("/detect/review/?status=confirmed")).count('data-alert="') == 0
    assert text(client.get("/detect/review/?status=bogus&min_score=x")).count('data-alert="') == 5
    first = Alert.objects.get(code="R036")
    actions.dismiss(first, staff.analyst, "duplicate")
    assert text(client.get("/detect/review/")).count('data-alert="') == 4  # decided: out of the inbox
    assert text(client.get("/detect/review/?status=dismissed")).count('data-alert="') == 1
    assert text(client.get("/detect/review/?status=all")).count('data-alert="') == 5


def test_the_inbox_refuses_users_without_the_right_and_shows_nothing_out_of_scope(client, staff, alerts):
    client.force_login(staff.investigator)
    assert client.get("/detect/review/").status_code == 403
    client.force_login(staff.outsider)
    assert text(client.get("/detect/review/")).count('data-alert="') == 0


# --- confirming: a lead with the alert's evidence -------------------------------------------------


def test_confirming_registers_a_lead_carrying_the_evidence(client, staff, alerts):
    client.force_login(staff.analyst)
    alert = Alert.objects.get(code="R036")
    response = client.post(
        f"/detect/alerts/{alert.pk}/confirm/", {"note": "核对了投标文件", "next": "/detect/review/"}
    )
    assert response.status_code == 302 and response["Location"] == "/detect/review/"
    alert.refresh_from_db()
    lead = Lead.objects.get()
    assert alert.status == "confirmed" and alert.lead == lead and alert.reviewed_by == staff.analyst
    assert lead.source == "alert" and lead.source_ref == f"alert:{alert.pk}"
    assert lead.division == alert.division and lead.division.code == DISTRICT
    assert lead.created_by == staff.analyst
    # The summary carries the explanation, the note and every evidence row with its provenance.
    assert alert.explanation_zh in lead.summary and alert.explanation_en in lead.summary
    assert "核对了投标文件" in lead.summary
    assert lead.summary.count("sample.jsonl#") == len(alert.evidence) == 5
    assert TRADER not in lead.summary  # resident ID numbers masked in the text
    # No person entity on a process alert: the buyer stands as the one concerned.
    assert [p.name for p in lead.persons.all()] == ["清河区测试局"]
    kinds = Counter(Event.objects.values_list("kind", flat=True))
    assert kinds["detect.alert_confirmed"] == 1 and kinds["lead.created"] == 1
    event = Event.objects.get(kind="detect.alert_confirmed")
    assert event.object_id == str(alert.pk) and event.actor.startswith("analyst/")
    # The lead registry shows it, with its evidence, to case supervision.
    client.force_login(User.objects.get(username="lead_manager"))
    assert lead.number in text(client.get("/cases/leads/"))
    page = text(client.get(f"/cases/leads/{lead.pk}/"))
    assert "sample.jsonl#" in page and alert.explanation_zh in page
    # The analyst's alert page names the lead (the analyst may not open the lead registry).
    client.force_login(staff.analyst)
    page = text(client.get(f"/detect/alerts/{alert.pk}/"))
    assert lead.number in page and 'data-testid="confirm-form"' not in page


def test_a_person_alert_makes_the_person_the_one_concerned(staff, alerts):
    alert = Alert.objects.get(identifier=TRADER)
    lead = actions.confirm(alert, staff.analyst)
    person = lead.persons.get()
    assert person.identity_id == TRADER and person.name == f"投标人{TRADER[-4:]}"


def test_a_second_confirmation_is_refused_without_a_second_lead(client, staff, alerts):
    alert = Alert.objects.get(code="R036")
    actions.confirm(alert, staff.analyst)
    with pytest.raises(actions.StatusRefused):
        actions.confirm(alert, staff.analyst)  # the stale copy still says "new": the lock rereads it
    client.force_login(staff.analyst)
    response = client.post(f"/detect/alerts/{alert.pk}/confirm/", follow=True)
    assert "decided already" in text(response)
    auth = {"Authorization": f"Bearer {issue_token(staff.analyst, 'test')}"}
    again = client.post(
        f"/api/detect/alerts/{alert.pk}/confirm", {}, content_type="application/json", headers=auth
    )
    assert again.status_code == 409
    assert Lead.objects.count() == 1
    assert Event.objects.filter(kind="detect.alert_confirmed").count() == 1
    # Nor can a confirmed alert be dismissed or moved back.
    with pytest.raises(actions.StatusRefused):
        actions.dismiss(alert, staff.analyst, "duplicate")
    with pytest.raises(actions.StatusRefused):
        actions.set_status(alert, "new", staff.analyst)


def test_a_dismissed_alert_cannot_be_confirmed_until_reopened(staff, alerts):
    alert = Alert.objects.get(code="R036")
    actions.dismiss(alert, staff.analyst, "known", "already under inspection")
    with pytest.raises(actions.StatusRefused):
        actions.confirm(alert, staff.analyst)
    actions.set_status(alert, "reviewing", staff.analyst, "new facts")
    reopened = Alert.objects.get(pk=alert.pk)
    assert reopened.dismiss_reason == ""
    assert actions.confirm(reopened, staff.analyst).source_ref == f"alert:{alert.pk}"


def test_forged_and_unauthorised_decisions_are_refused(client, staff, alerts):
    alert = Alert.objects.get(code="R036")
    client.force_login(staff.outsider)  # an analyst of another county
    assert client.post(f"/detect/alerts/{alert.pk}/confirm/").status_code == 404
    assert client.post(f"/detect/alerts/{alert.pk}/dismiss/", {"reason": "duplicate"}).status_code == 404
    client.force_login(staff.investigator)  # no analyse_data
    assert client.post(f"/detect/alerts/{alert.pk}/confirm/").status_code == 403
    assert client.post(f"/detect/alerts/{alert.pk}/dismiss/", {"reason": "duplicate"}).status_code == 403
    with pytest.raises(PermissionDenied):
        actions.confirm(alert, staff.investigator)
    with pytest.raises(PermissionDenied):
        actions.dismiss(alert, staff.investigator, "duplicate")
    client.force_login(staff.analyst)
    assert client.get(f"/detect/alerts/{alert.pk}/confirm/").status_code == 302  # GET changes nothing
    assert client.post("/detect/alerts/999999/confirm/").status_code == 404
    for who, status in ((staff.outsider, 404), (staff.investigator, 403)):
        auth = {"Authorization": f"Bearer {issue_token(who, 'test')}"}
        for url, body in (("confirm", {}), ("dismiss", {"reason": "duplicate"})):
            response = client.post(
                f"/api/detect/alerts/{alert.pk}/{url}", body, content_type="application/json", headers=auth
            )
            assert response.status_code == status, (who, url)
    alert.refresh_from_db()
    assert alert.status == "new" and not Lead.objects.exists()
    assert not Event.objects.filter(kind__startswith="detect.alert_").exists()


# --- dismissing: a reason from the list -----------------------------------------------------------


def test_dismissing_needs_a_reason_from_the_list_and_a_note_for_other(client, staff, alerts, settings):
    alert = Alert.objects.get(code="R036")
    for reason, note in (("", "x"), ("because", "x"), ("other", ""), ("other", "   ")):
        with pytest.raises(actions.ReviewInvalid):
            actions.dismiss(alert, staff.analyst, reason, note)
    client.force_login(staff.analyst)
    response = client.post(f"/detect/alerts/{alert.pk}/dismiss/", {"reason": "nonsense"}, follow=True)
    assert "Choose the reason" in text(response)
    response = client.post(f"/detect/alerts/{alert.pk}/dismiss/", {"reason": "other"}, follow=True)
    assert "needs a note" in text(response)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    response = client.post(f"/detect/alerts/{alert.pk}/dismiss/", {"reason": "other"}, follow=True)
    assert "以“其他”理由排除时须在备注中说明具体理由" in text(response)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert Alert.objects.get(pk=alert.pk).status == "new"
    client.post(f"/detect/alerts/{alert.pk}/dismiss/", {"reason": "other", "note": "招标文件允许"})
    alert.refresh_from_db()
    assert (alert.status, alert.dismiss_reason, alert.status_note) == ("dismissed", "other", "招标文件允许")
    event = Event.objects.get(kind="detect.alert_dismissed")
    assert event.object_id == str(alert.pk)
    page = text(client.get(f"/detect/alerts/{alert.pk}/"))
    assert "Other (explain in the note)" in page and "招标文件允许" in page
    with pytest.raises(actions.StatusRefused):
        actions.dismiss(alert, staff.analyst, "duplicate")


def test_the_api_confirms_and_dismisses_with_the_same_rules(client, staff, alerts):
    auth = {"Authorization": f"Bearer {issue_token(staff.analyst, 'test')}"}
    reasons = client.get("/api/detect/dismiss-reasons", headers=auth).json()
    assert {r["code"] for r in reasons} == {
        "data_error",
        "legitimate",
        "known",
        "duplicate",
        "immaterial",
        "other",
    }
    first, second = Alert.objects.filter(code="R028").order_by("pk")[:2]
    post = lambda url, body: client.post(url, body, content_type="application/json", headers=auth)  # noqa: E731
    assert post(f"/api/detect/alerts/{first.pk}/dismiss", {"reason": "other"}).status_code == 400
    assert post(f"/api/detect/alerts/{first.pk}/dismiss", {"note": "x"}).status_code in (400, 422)
    dismissed = post(f"/api/detect/alerts/{first.pk}/dismiss", {"reason": "data_error", "note": "重复导入"})
    assert dismissed.status_code == 200
    assert dismissed.json()["status"] == "dismissed" and dismissed.json()["dismiss_reason"] == "data_error"
    confirmed = post(f"/api/detect/alerts/{second.pk}/confirm", {"note": "转线索"})
    assert confirmed.status_code == 201
    body = confirmed.json()
    lead = Lead.objects.get()
    assert body["lead_id"] == lead.pk and body["lead_number"] == lead.number
    assert body["alert"]["status"] == "confirmed" and body["alert"]["lead"] == lead.number
    assert post(f"/api/detect/alerts/{first.pk}/confirm", {}).status_code == 409
    assert client.get(f"/api/detect/alerts/{second.pk}", headers=auth).json()["lead"] == lead.number


# --- precision measured from reviews ------------------------------------------------------------


def test_precision_and_volume_follow_the_reviews(client, staff, alerts):
    client.force_login(staff.analyst)
    page = text(client.get("/detect/indicators/R028/"))
    assert 'data-testid="precision">—<' in page and 'data-testid="volume">3<' in page
    first, second, third = Alert.objects.filter(code="R028").order_by("pk")
    actions.confirm(first, staff.analyst)
    actions.dismiss(second, staff.analyst, "legitimate")
    figures = review.figures(Alert.objects.all())["R028"]
    assert (figures.alerts, figures.open, figures.confirmed, figures.dismissed) == (3, 1, 1, 1)
    assert figures.precision == 0.5 and figures.reasons == Counter({"legitimate": 1})
    page = text(client.get("/detect/indicators/R028/"))
    assert 'data-testid="precision">50%<' in page and 'data-testid="open">1<' in page
    assert "1 confirmed of 2 reviewed" in page and "Explained by a legitimate reason (1)" in page
    actions.confirm(third, staff.analyst)
    page = text(client.get("/detect/indicators/R028/"))
    assert 'data-testid="precision">67%<' in page
    assert "0.67" in text(client.get("/detect/indicators/"))
    # An analyst of another county measures only the alerts in their scope.
    client.force_login(staff.outsider)
    assert 'data-testid="precision">—<' in text(client.get("/detect/indicators/R028/"))


# --- indicator settings: versioned, approved by someone else -----------------------------------


@pytest.fixture
def approver(staff):
    return User.objects.get(username="approver")


def test_a_parameter_change_waits_for_approval_before_a_run_uses_it(staff, approver, ocds_file, capsys):
    setting = actions.propose_setting(
        "R018",
        staff.analyst,
        parameters={"procurement_methods": ["open"]},
        enabled=True,
        reason="邀请招标另行核查",
    )
    assert (setting.number, setting.status) == (1, "pending")
    run = actions.run_indicators(["R018"], ocds_file=ocds_file)
    line = IndicatorRun.objects.get(run=run)
    assert line.parameters == {"procurement_methods": ["open", "selective"]} and line.setting is None
    assert Event.objects.get(kind="detect.run").object_id == str(run.pk)
    actions.decide_setting(setting, approver, approve=True, note="同意")
    run = actions.run_indicators(["R018"], ocds_file=ocds_file)
    line = IndicatorRun.objects.get(run=run)
    assert line.parameters == {"procurement_methods": ["open"]} and line.setting == setting
    kinds = Counter(Event.objects.values_list("kind", flat=True))
    assert kinds["detect.setting_proposed"] == 1 and kinds["detect.setting_approved"] == 1
    # A later proposal numbers on; the run records which version it used.
    later = actions.propose_setting("R018", staff.analyst, parameters={}, enabled=False, reason="暂停")
    assert later.number == 2
    assert review.in_force(get("R018")).setting == setting
    actions.decide_setting(later, approver, approve=True)
    run = actions.run_indicators(["R018", "R036"], ocds_file=ocds_file)
    assert list(IndicatorRun.objects.filter(run=run).values_list("code", flat=True)) == [
        "R036"
    ]  # R018 is off
    assert Event.objects.filter(kind="detect.run").count() == 3
    call_command("detect", "run", "--indicator", "R018", "--indicator", "R036", "--ocds", str(ocds_file))
    assert "disabled by an approved setting: R018" in capsys.readouterr().out


def test_who_may_propose_and_who_may_approve(client, staff, approver):
    with pytest.raises(PermissionDenied):  # no write_indicator
        actions.propose_setting("R003", approver, parameters={"threshold": 20}, enabled=True, reason="x")
    with pytest.raises(PermissionDenied):
        actions.propose_setting(
            "R003", staff.investigator, parameters={"threshold": 20}, enabled=True, reason="x"
        )
    setting = actions.propose_setting(
        "R003", staff.analyst, parameters={"threshold": 20}, enabled=True, reason="x"
    )
    with pytest.raises(PermissionDenied):  # an analyst holds no "approve"
        actions.decide_setting(setting, staff.analyst, approve=True)
    both = make_user("analyst_and_leader", "analyst")
    assign_role(both, "approver")
    own = actions.propose_setting("R058", both, parameters={"threshold": 3.5}, enabled=True, reason="x")
    with pytest.raises(actions.SettingRefused, match="proposed a change cannot approve"):
        actions.decide_setting(own, both, approve=True)
    with pytest.raises(actions.SettingRefused, match="say why"):
        actions.decide_setting(setting, approver, approve=False)
    actions.decide_setting(setting, approver, approve=False, note="阈值依据不足")
    with pytest.raises(actions.SettingRefused, match="decided already"):
        actions.decide_setting(setting, approver, approve=True)
    assert review.in_force(get("R003")).setting is None  # rejected: the defaults stay
    assert Event.objects.filter(kind="detect.setting_rejected").count() == 1
    # Pages: the analyst proposes, only an approver decides.
    client.force_login(staff.analyst)
    assert client.post(f"/detect/changes/{own.pk}/decide/", {"decision": "approve"}).status_code == 403
    client.force_login(staff.investigator)
    assert client.get("/detect/changes/").status_code == 403
    assert client.post("/detect/indicators/R003/propose/", {"reason": "x"}).status_code == 403
    client.force_login(both)
    page = text(client.get("/detect/changes/"))
    assert f'data-setting="{own.pk}"' in page and "another approver decides" in page
    assert f'data-testid="decide-{own.pk}"' not in page
    assert (
        client.post(f"/detect/changes/{own.pk}/decide/", {"decision": "approve"}, follow=True).status_code
        == 200
    )
    assert IndicatorSetting.objects.get(pk=own.pk).status == "pending"
    client.force_login(approver)
    page = text(client.get("/"))
    assert "Indicator changes awaiting approval" in page and "R058 version 1" in page
    assert f'data-testid="decide-{own.pk}"' in text(client.get("/detect/changes/"))
    client.post(f"/detect/changes/{own.pk}/decide/", {"decision": "approve", "note": "同意"})
    assert IndicatorSetting.objects.get(pk=own.pk).status == "approved"
    assert review.in_force(get("R058")).parameters["threshold"] == 3.5


@pytest.mark.parametrize(
    ("parameters", "message"),
    [
        ({"threshold": "twenty"}, "R003.threshold must be a whole number"),
        ({"threshold": 2.5}, "R003.threshold must be a whole number"),
        ({"threshold": True}, "R003.threshold must be a whole number"),
        ({"threshold": None}, "R003.threshold must be a whole number"),
        ({"procurement_methods": "open"}, "R003.procurement_methods must be a JSON list"),
        ({"window": 3}, "R003 has no parameter named window"),
    ],
)
def test_invalid_parameter_values_are_refused_with_a_clear_message(staff, parameters, message):
    with pytest.raises(actions.SettingRefused, match=message):
        actions.propose_setting("R003", staff.analyst, parameters=parameters, enabled=True, reason="x")
    assert not IndicatorSetting.objects.exists()


def test_other_refused_proposals(staff):
    with pytest.raises(actions.SettingRefused, match="unknown indicator"):
        actions.propose_setting("R999", staff.analyst, parameters={}, enabled=False, reason="x")
    with pytest.raises(actions.SettingRefused, match="say why"):
        actions.propose_setting("R003", staff.analyst, parameters={"threshold": 20}, enabled=True, reason=" ")
    with pytest.raises(actions.SettingRefused, match="changes nothing"):
        actions.propose_setting("R003", staff.analyst, parameters={"threshold": 15}, enabled=True, reason="x")
    # A null fence is allowed where the default is null (the indicator computes it), and 2.0 is 2.
    actions.propose_setting("R048", staff.analyst, parameters={"threshold": 4.0}, enabled=True, reason="x")
    assert IndicatorSetting.objects.get().parameters["threshold"] == 4
    with pytest.raises(actions.SettingRefused, match="already awaits approval"):
        actions.propose_setting("R048", staff.analyst, parameters={"threshold": 5}, enabled=True, reason="x")
    with pytest.raises(actions.SettingRefused, match="changes nothing"):  # null: the computed fence
        actions.propose_setting(
            "R048", staff.analyst, parameters={"threshold": None}, enabled=True, reason="x"
        )


def test_the_indicator_page_proposes_a_change_and_refuses_bad_input(client, staff):
    client.force_login(staff.analyst)
    page = text(client.get("/detect/indicators/R003/"))
    assert 'name="p_threshold" value="15"' in page and 'data-testid="propose-form"' in page
    response = client.post(
        "/detect/indicators/R003/propose/",
        {"p_threshold": "abc", "p_procurement_methods": "[]", "enabled": "on", "reason": "x"},
        follow=True,
    )
    assert "R003.threshold must be a whole number, not" in text(response)
    response = client.post(
        "/detect/indicators/R003/propose/",
        {"p_threshold": "15", "p_procurement_methods": "[open", "enabled": "on", "reason": "x"},
        follow=True,
    )
    assert "R003.procurement_methods must be a JSON list" in text(response)
    assert not IndicatorSetting.objects.exists()
    response = client.post(
        "/detect/indicators/R003/propose/",
        {"p_threshold": "20", "p_procurement_methods": '["open"]', "enabled": "on", "reason": "放宽"},
        follow=True,
    )
    assert "takes effect once an approver signs it off" in text(response)
    setting = IndicatorSetting.objects.get()
    # The version holds every parameter, the unchanged ones as they were in force.
    assert setting.parameters == {**get("R003").defaults(), "threshold": 20, "procurement_methods": ["open"]}
    assert setting.enabled
    page = text(client.get("/detect/indicators/R003/"))
    assert 'data-testid="pending-change"' in page and 'data-testid="propose-form"' not in page
    assert "the file&#x27;s defaults" in page or "the file's defaults" in page
    # Switching it off is a change too (the box unticked).
    setting.status = "rejected"
    setting.save()
    client.post("/detect/indicators/R003/propose/", {"p_threshold": "15", "reason": "停用"})
    assert not IndicatorSetting.objects.get(number=2).enabled
    assert client.post("/detect/indicators/NOPE/propose/", {"reason": "x"}).status_code == 404


# --- what a changed threshold would have given -------------------------------------------------


@pytest.fixture(scope="session")
def tiny_region(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from jiancha.synth.generate import generate

    out = tmp_path_factory.mktemp("review-tiny")
    generate("tiny", 1, out, workers=1)
    return out


@pytest.fixture
def pool_alerts(tiny_region, tmp_path, monkeypatch, settings):
    """The tiny region's procurement feeds in the pool and its organisation tree, and one run."""
    from jiancha.demo import build_demo
    from jiancha.pool.importer import import_file

    from ..factories import DEMO_PASSWORD

    settings.DATA_DIR = tmp_path
    monkeypatch.setenv("JIANCHA_POOL_DIR", str(tmp_path / "pool"))
    build_demo(
        org_files=(tiny_region / "orgs" / "divisions.csv", tiny_region / "orgs" / "units.csv"),
        password_for=lambda _role: DEMO_PASSWORD,
    )
    for county in sorted(p.name for p in tiny_region.iterdir() if p.name.isdigit()):
        for feed in ("tenders", "bids", "awards"):
            import_file(feed, tiny_region / county / "procurement" / f"{feed}.csv")
    actions.run_indicators(["SINGLE_BUYER_SUPPLIER", "CONTRACT_SPLIT", "R036"])
    return Alert.objects.all()


def test_the_what_if_table_replays_thresholds_on_the_reviewed_alerts(client, pool_alerts):
    analyst = User.objects.get(username="analyst")
    code = "SINGLE_BUYER_SUPPLIER"
    mine = list(Alert.objects.filter(code=code).order_by("-value", "identifier"))
    assert len(mine) >= 2
    actions.confirm(mine[0], analyst)
    actions.dismiss(mine[-1], analyst, "legitimate")
    table = review.what_if(get(code), Alert.objects.all())
    assert table.reviewed == 2 and table.snapshot is not None
    current = [row for row in table.rows if row.current]
    assert {row.parameter for row in current} == {"min_wins", "min_share"}
    for row in current:  # at the values in force it finds exactly the alerts the run raised
        assert row.volume == len(mine)
        assert (row.confirmed_kept, row.dismissed_dropped) == (1, 0) and row.precision == 0.5
    # A stricter threshold finds no more; where it drops the dismissed alert and keeps the
    # confirmed one, precision on the reviewed alerts rises to 1.
    stricter = [row for row in table.rows if row.dismissed_dropped and row.confirmed_kept]
    assert stricter and all(row.precision == 1.0 and row.volume < len(mine) for row in stricter)
    for row in table.rows:
        if row.volume == 0:
            assert (row.confirmed_kept, row.dismissed_dropped, row.precision) == (0, 1, None)
    by_value = {(row.parameter, row.value): row for row in table.rows}
    assert all(by_value[("min_wins", v)].volume >= by_value[("min_wins", v + 1)].volume
               for v in (2, 3, 4, 5) if ("min_wins", v + 1) in by_value)  # fmt: skip
    client.force_login(analyst)
    page = text(client.get(f"/detect/indicators/{code}/?whatif=1"))
    assert 'data-testid="whatif"' in page and "Confirmed kept" in page
    page = text(client.get("/detect/indicators/R036/?whatif=1"))
    assert "no numeric threshold" in page


@pytest.mark.parametrize(
    ("code", "parameters"),
    [
        ("CAR_WEEKEND", {"private_destination_types": [1]}),  # numbers where place types are texts
        ("DOUBLE_BENEFIT", {"exclusive_pairs": [[1, 2]]}),  # pairs of scheme names, not numbers
        ("DOUBLE_BENEFIT", {"exclusive_pairs": ["低保"]}),  # a name where a pair is expected
        ("R003", {"threshold": 10**40}),  # beyond what a run can bind
        ("R058", {"threshold": float("inf")}),
    ],
)
def test_values_a_run_could_not_take_are_refused_at_proposal(staff, code, parameters):
    """A value of the right outer type but unusable items would pass sign-off and then fail every run."""
    with pytest.raises(actions.SettingRefused, match=f"{code}\\."):
        actions.propose_setting(code, staff.analyst, parameters=parameters, enabled=True, reason="x")
    assert not IndicatorSetting.objects.exists()


def test_well_formed_nested_values_are_taken(staff):
    setting = actions.propose_setting(
        "DOUBLE_BENEFIT", staff.analyst, parameters={"exclusive_pairs": [["低保", "特困供养"], ["低保", "临时救助"]]},
        enabled=True, reason="临时救助与低保同月发放也需核查",
    )  # fmt: skip
    assert setting.parameters["exclusive_pairs"][1] == ["低保", "临时救助"]


def test_the_deceased_and_relatives_are_not_the_persons_concerned(staff, alerts):
    """A payment after death questions whoever collected it, not the dead; a relative is named in the
    evidence, the official is the one concerned."""
    base = Alert.objects.get(code="R036")
    common = {
        "version": "v", "value": 3, "score": 80, "severity": "high", "division": base.division,
        "unit": base.unit, "first_run": base.first_run, "last_run": base.last_run, "last_seen": base.last_seen,
        "explanation_zh": "说明", "explanation_en": "explained",
    }  # fmt: skip
    dead = Alert.objects.create(
        fingerprint="d" * 64, code="PAY_AFTER_DEATH", group="Person", identifier=TRADER,
        entities=[{"kind": "person", "key": TRADER, "name": "张某", "role": "deceased"}], **common,
    )  # fmt: skip
    lead = actions.confirm(dead, staff.analyst)
    assert [p.identity_id for p in lead.persons.all()] == [""]  # the finding stands, no one named
    official, relative = "11010519491231002X", "110105195001010012"
    coi = Alert.objects.create(
        fingerprint="c" * 64, code="COI_RELATIVE_SUPPLIER", group="Person", identifier=official,
        entities=[{"kind": "person", "key": official, "name": "李某", "role": "official"},
                  {"kind": "person", "key": relative, "name": "李某某", "role": "relative"}], **common,
    )  # fmt: skip
    lead = actions.confirm(coi, staff.analyst)
    assert [p.identity_id for p in lead.persons.all()] == [official]


def test_a_village_the_tree_does_not_list_places_the_alert_in_the_nearest_enclosing_division(staff, alerts):
    from jiancha.detect import engine

    county = Alert.objects.get(code="R036").division
    assert county is not None
    village = county.code[: len(county.code.rstrip("0"))].ljust(9, "0") + "999"
    finding = engine.Finding("DIBAO_INELIGIBLE", "Person", TRADER, 1.0, division=village)
    found = actions._divisions([finding])
    assert found[village].code.startswith(county.code.rstrip("0")) and found[village].level <= 4
    assert actions._divisions([engine.Finding("X", "Person", TRADER, 1.0, division="990000000000")]) == {}
