"""Runs and alerts: what a run records, update in place, review status, rights, the ledger."""

from __future__ import annotations

import dataclasses

import pytest
from django.core.exceptions import PermissionDenied

from jiancha.detect import actions, catalogue, engine
from jiancha.detect.models import Alert, IndicatorRun, Run
from jiancha.ledger.models import Event

from .conftest import BUYER, DISTRICT, RIVAL, TRADER, WINNER

pytestmark = pytest.mark.django_db


def test_a_run_records_versions_parameters_and_alerts(staff, ocds_file):
    run = actions.run_indicators(["R018", "R028", "R036"], user=staff.analyst, ocds_file=ocds_file)
    assert run.status == "done" and run.source == "sample.jsonl" and run.actor == "analyst/analyst"
    lines = {line.code: line for line in IndicatorRun.objects.filter(run=run)}
    assert lines["R018"].version == catalogue.get("R018").version
    assert lines["R018"].parameters == {"procurement_methods": ["open", "selective"]}
    found = {(a.code, a.group, a.identifier) for a in Alert.objects.all()}
    assert found == {
        ("R018", "OCID", "ocds-t-2"),
        ("R028", "OCID", "ocds-t-1"),
        ("R028", "Tenderer", WINNER),
        ("R028", "Tenderer", TRADER),
        ("R036", "OCID", "ocds-t-1"),
    }
    alert = Alert.objects.get(code="R036")
    assert alert.division.code == DISTRICT and alert.unit.uscc == BUYER
    assert alert.explanation_zh == "项目 ocds-t-1 中报价最低的投标被取消资格。"
    assert [(e["kind"], e["role"]) for e in alert.entities] == [
        ("process", "process"),
        ("company", "buyer"),
        ("company", "supplier"),
    ]
    rows = [(r["table"], r["provenance"]["file"], r["provenance"]["row"]) for r in alert.evidence]
    assert rows == [("Tender", "sample.jsonl", 1)] + [("Bid", "sample.jsonl", 1)] * 3 + [
        ("Award", "sample.jsonl", 1)
    ]
    assert RIVAL in alert.evidence[1]["fields"]["tenderers"]
    trader = Alert.objects.get(identifier=TRADER)
    assert trader.entities[0] == {
        "kind": "person",
        "key": TRADER,
        "name": f"投标人{TRADER[-4:]}",
        "role": "tenderer",
    }
    assert [(e["key"], e["role"]) for e in trader.entities[1:]] == [(BUYER, "buyer")]
    event = Event.objects.get(kind="detect.run")
    assert event.object_id == str(run.pk) and event.actor == "analyst/analyst"


def test_the_same_finding_later_updates_its_alert(staff, ocds_file):
    first = actions.run_indicators(["R036"], user=staff.analyst, ocds_file=ocds_file)
    alert = Alert.objects.get()
    actions.set_status(alert, "reviewing", staff.analyst, "checking the bid file")
    second = actions.run_indicators(["R036"], ocds_file=ocds_file)
    assert (second.new_alerts, second.updated_alerts) == (0, 1)
    again = Alert.objects.get()
    assert again.pk == alert.pk and again.first_run == first and again.last_run == second
    assert again.status == "reviewing"  # the review is kept
    assert second.actor == "system"


def test_status_changes_follow_the_rules_and_go_to_the_ledger(staff, ocds_file):
    actions.run_indicators(["R036"], ocds_file=ocds_file)
    alert = Alert.objects.get()
    with pytest.raises(actions.StatusRefused):
        actions.set_status(alert, "new", staff.analyst)
    with pytest.raises(actions.ReviewInvalid):  # dismissing needs a reason from the list
        actions.set_status(alert, "dismissed", staff.analyst, "the disqualification was lawful")
    actions.set_status(alert, "dismissed", staff.analyst, "the disqualification was lawful", "legitimate")
    assert Alert.objects.get().dismiss_reason == "legitimate"
    actions.set_status(alert, "reviewing", staff.analyst, "reopened")
    event = Event.objects.get(kind="detect.alert_status")
    assert event.object_kind == "detect.alert" and event.object_id == str(alert.pk)
    with pytest.raises(PermissionDenied):
        actions.set_status(Alert.objects.get(), "reviewing", staff.investigator)


def test_a_user_without_the_right_cannot_run(staff, ocds_file):
    with pytest.raises(PermissionDenied):
        actions.run_indicators(["R036"], user=staff.investigator, ocds_file=ocds_file)
    assert not Run.objects.exists()


def test_an_unknown_indicator_is_refused_before_anything_runs(staff, ocds_file):
    with pytest.raises(catalogue.IndicatorError, match="unknown indicator 'NOPE'"):
        actions.run_indicators(["NOPE"], ocds_file=ocds_file)
    assert not Run.objects.exists()


def test_a_failing_run_is_recorded_as_failed(staff, tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text("{not json\n")
    with pytest.raises(ValueError, match=r"bad\.jsonl, line 1"):
        actions.run_indicators(["R036"], ocds_file=bad)
    run = Run.objects.get()
    assert run.status == "failed" and "bad.jsonl, line 1" in run.error


def test_an_ocds_file_runs_only_the_indicators_it_has_data_for(staff, ocds_file):
    run = actions.run_indicators(ocds_file=ocds_file)
    codes = set(run.indicators.values_list("code", flat=True))
    assert {"R003", "R058", "CONTRACT_SPLIT", "BID_ROTATION"} <= codes
    assert not codes & {
        "YOUNG_SUPPLIER",
        "BID_SHARED_MACHINE",
        "BID_SHARED_BOND",
        "BID_RELATED_BIDDERS",
    }  # pool only


def test_indicator_sql_cannot_read_server_files(staff, ocds_file, monkeypatch, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("top secret", encoding="utf-8")
    honest = catalogue.get("R018")
    sneaky = dataclasses.replace(
        honest, sql=f"SELECT 'Process' AS g, content AS id, 1.0 AS v, [] AS o FROM read_text('{secret}')"
    )
    monkeypatch.setattr(catalogue, "get", lambda code: sneaky)
    with pytest.raises(engine.IndicatorError, match=r"R018\.sql"):
        actions.run_indicators(["R018"], ocds_file=ocds_file)
    assert not Alert.objects.filter(identifier__contains="secret").exists()
    failed = Run.objects.get(status="failed")
    assert "R018.sql" in failed.error
    assert Event.objects.filter(kind="detect.run_failed", object_id=str(failed.pk)).exists()
