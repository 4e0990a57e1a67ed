"""Every change of state in detect: runs, and alert status changes. Each records a ledger event."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from jiancha.access.models import User
from jiancha.access.services import has_capability, roles_of
from jiancha.identifiers import is_valid_resident_id
from jiancha.ledger.services import actor_label, record_event
from jiancha.orgs.models import Division, Unit
from jiancha.pool import store
from jiancha.pool.importer import latest_snapshot
from jiancha.pool.services import mask_id_number

from . import catalogue, engine
from .catalogue import Indicator
from .entities import EntityRef, entity_ref, process_ref
from .models import Alert, AlertStatus, IndicatorRun, Run, RunStatus

COUNTERPARTS = 5  # parties named beside an alert's subject
SEVERITY_SCORE = {"low": 40.0, "medium": 60.0, "high": 80.0}
Progress = Callable[[str, int, int], None]


def actor_of(user: User | None) -> str:
    if user is None:
        return "system"
    roles = roles_of(user)
    return actor_label(user.get_username(), roles[0].code if roles else "")


def _require(user: User | None, capability: str) -> None:
    if user is not None and not has_capability(user, capability):
        raise PermissionDenied(capability)


def fingerprint(source: str, finding: engine.Finding) -> str:
    return hashlib.sha256(
        f"{source}|{finding.code}|{finding.group}|{finding.identifier}".encode()
    ).hexdigest()


def run_indicators(
    codes: list[str] | None = None,
    *,
    user: User | None = None,
    ocds_file: Path | None = None,
    parameters: dict[str, dict[str, Any]] | None = None,
    settings: dict[str, Any] | None = None,
    progress: Progress | None = None,
) -> Run:
    """Run indicators over the pool's latest snapshot (or one OCDS file) and record their alerts.

    ``user`` None is the system (the demo, a schedule); a person needs ``analyse_data``.
    """
    _require(user, "analyse_data")
    chosen = [catalogue.get(code) for code in codes] if codes else list(catalogue.indicators().values())
    if ocds_file:
        # An OCDS file holds processes, bids and awards only; indicators that need the company
        # register or the tax table run on the pool.
        chosen = [i for i in chosen if not i.pool_only and set(i.reads) <= engine.OCDS_TABLES]
    step = progress or (lambda _stage, _done, _total: None)
    source = ocds_file.name if ocds_file else "pool"
    snapshot = None if ocds_file else latest_snapshot()
    values = engine.dataset_settings(settings)
    run = Run.objects.create(actor=actor_of(user), source=source, snapshot=snapshot, settings=values)
    began = time.monotonic()
    try:
        step("stage", 0, len(chosen) + 2)
        if ocds_file:
            connection = engine.stage_ocds(ocds_file, settings)
        else:
            connection = store.connect(dict(snapshot.versions) if snapshot else {})
            engine.stage_pool(connection, settings)
            run.batches = engine.batches_read(connection, {t for i in chosen for t in i.reads})
        # Indicator SQL comes from files an analyst may write: once the data is staged, it may
        # read no file and change no setting (the pool's readers are sealed the same way).
        store.seal(connection)
        results: list[tuple[Indicator, dict[str, Any], list[engine.Finding], float]] = []
        for done, indicator in enumerate(chosen, start=1):
            step(indicator.code, done, len(chosen) + 2)
            resolved = indicator.resolve((parameters or {}).get(indicator.code))
            started = time.monotonic()
            found = engine.evaluate(connection, indicator, resolved)
            results.append((indicator, resolved, found, time.monotonic() - started))
        step("alerts", len(chosen) + 1, len(chosen) + 2)
        findings = [f for _i, _p, found, _s in results for f in found]
        contexts = engine.context(connection, findings)
        connection.close()
        with transaction.atomic():
            for indicator, resolved, found, seconds in results:
                IndicatorRun.objects.create(
                    run=run, code=indicator.code, version=indicator.version, parameters=resolved,
                    findings=len(found), seconds=round(seconds, 4),
                )  # fmt: skip
            new, updated = _record_alerts(run, source, findings, contexts)
            run.findings, run.new_alerts, run.updated_alerts = len(findings), new, updated
            run.status, run.finished = RunStatus.DONE, timezone.now()
            run.seconds = round(time.monotonic() - began, 3)
            run.save()
            record_event(
                kind="detect.run",
                actor=run.actor,
                object_kind="detect.run",
                object_id=str(run.pk),
                content={
                    "source": source,
                    "snapshot": snapshot.pk if snapshot else None,
                    "batches": run.batches,
                    "indicators": {
                        i.code: {"version": i.version, "parameters": p} for i, p, _f, _s in results
                    },
                    "settings": values,
                    "findings": run.findings,
                    "new_alerts": new,
                    "updated_alerts": updated,
                },
            )
        step("done", len(chosen) + 2, len(chosen) + 2)
    except Exception as error:
        with transaction.atomic():
            Run.objects.filter(pk=run.pk).update(
                status=RunStatus.FAILED, finished=timezone.now(), error=str(error)[:2000]
            )
            record_event(
                kind="detect.run_failed",
                actor=run.actor,
                object_kind="detect.run",
                object_id=str(run.pk),
                content={"source": source, "error": str(error)[:2000]},
            )
        raise
    return run


SUBJECT_ROLES = {
    "Person": "person",
    "Unit": "unit",
    "Company": "company",
    "Account": "account",
    "Vehicle": "vehicle",
}


def _entities(finding: engine.Finding, context: engine.Context) -> list[EntityRef]:
    if finding.group in SUBJECT_ROLES:
        named = [
            entity_ref(str(e["key"]), str(e.get("name") or ""), str(e.get("role") or ""))
            for e in finding.entities
        ]
        subject = next((e for e in named if e["key"] == finding.identifier), None)
        if subject is None:
            subject = entity_ref(finding.identifier, "", SUBJECT_ROLES[finding.group])
            if finding.group in {"Account", "Vehicle"}:
                subject = {**subject, "kind": SUBJECT_ROLES[finding.group]}
        return [subject, *(e for e in named if e["key"] != subject["key"])]
    if finding.group == "OCID":
        refs = [process_ref(finding.identifier)]
        refs += [entity_ref(key, name, "buyer") for key, name in context.buyers[:1]]
        refs += [entity_ref(key, name, "supplier") for key, name in context.suppliers]
        return refs
    names = dict(context.tenderers + context.buyers + context.suppliers)
    if finding.group == "Tenderer":
        subject = entity_ref(finding.identifier, names.get(finding.identifier, ""), "tenderer")
        # The buyers it dealt with in the processes concerned, most processes first.
        others = [entity_ref(key, name, "buyer") for key, name in context.buyers[:COUNTERPARTS]]
    else:
        subject = entity_ref(finding.identifier, names.get(finding.identifier, ""), "buyer")
        others = [entity_ref(key, name, "supplier") for key, name in context.suppliers[:COUNTERPARTS]]
    return [subject, *(o for o in others if o["key"] != subject["key"])]


def _masked(key: str) -> str:
    return mask_id_number(key) if is_valid_resident_id(key) else key


def _units(findings: list[engine.Finding], contexts: list[engine.Context]) -> dict[str, Unit]:
    usccs = {key for c in contexts for key, _name in c.buyers} | {f.unit for f in findings if f.unit}
    return {u.uscc: u for u in Unit.objects.filter(uscc__in=usccs).select_related("division")}


def _divisions(findings: list[engine.Finding]) -> dict[str, Division]:
    codes = {f.division for f in findings if f.division}
    return {d.code: d for d in Division.objects.filter(code__in=codes)} if codes else {}


def _record_alerts(
    run: Run, source: str, findings: list[engine.Finding], contexts: list[engine.Context]
) -> tuple[int, int]:
    units = _units(findings, contexts)
    divisions = _divisions(findings)
    existing = {
        a.fingerprint: a
        for a in Alert.objects.filter(fingerprint__in=[fingerprint(source, f) for f in findings])
    }
    now = timezone.now()
    new: list[Alert] = []
    changed: list[Alert] = []
    for finding, found in zip(findings, contexts, strict=True):
        indicator = catalogue.get(finding.code)
        # The stored explanation never carries a full resident ID number: readers differ in what they may see.
        text = indicator.explain(
            finding.group,
            _masked(finding.identifier),
            finding.value,
            {k: _masked(v) if isinstance(v, str) else v for k, v in finding.details.items()},
        )
        unit = units.get(finding.unit) or next(
            (units[key] for key, _name in found.buyers if key in units), None
        )
        division = unit.division if unit else divisions.get(finding.division)
        fields = {
            "code": finding.code,
            "version": indicator.version,
            "group": finding.group,
            "identifier": finding.identifier,
            "value": finding.value,
            "score": SEVERITY_SCORE[indicator.severity],
            "severity": indicator.severity,
            "entities": _entities(finding, found),
            "explanation_zh": text["zh"],
            "explanation_en": text["en"],
            "evidence": found.evidence,
            "unit": unit,
            "division": division,
            "last_run": run,
            "last_seen": now,
        }
        alert = existing.get(fingerprint(source, finding))
        if alert is None:
            new.append(Alert(fingerprint=fingerprint(source, finding), first_run=run, **fields))
        else:
            for name, value in fields.items():
                setattr(alert, name, value)
            changed.append(alert)
    Alert.objects.bulk_create(new, batch_size=500)
    Alert.objects.bulk_update(changed, UPDATED_FIELDS, batch_size=500)
    return len(new), len(changed)


# What a later run refreshes on an alert it finds again; review status and first_run stay.
UPDATED_FIELDS = [
    "version", "value", "score", "severity", "entities", "explanation_zh", "explanation_en",
    "evidence", "unit", "division", "last_run", "last_seen",
]  # fmt: skip


TRANSITIONS: dict[str, set[str]] = {
    AlertStatus.NEW: {AlertStatus.REVIEWING, AlertStatus.DISMISSED},
    AlertStatus.REVIEWING: {AlertStatus.DISMISSED, AlertStatus.NEW},
    AlertStatus.DISMISSED: {AlertStatus.REVIEWING},
}


class StatusRefused(ValueError):
    pass


def set_status(alert: Alert, status: str, user: User, note: str = "") -> Alert:
    """Move an alert to another review status (人工复核), with a ledger event."""
    _require(user, "analyse_data")
    if status not in TRANSITIONS.get(alert.status, set()):
        raise StatusRefused(f"{alert.status} → {status}")
    with transaction.atomic():
        locked = Alert.objects.select_for_update().get(pk=alert.pk)
        if status not in TRANSITIONS.get(locked.status, set()):
            raise StatusRefused(f"{locked.status} → {status}")
        before = locked.status
        locked.status, locked.status_note, locked.status_changed = status, note, timezone.now()
        locked.save(update_fields=["status", "status_note", "status_changed"])
        record_event(
            kind="detect.alert_status",
            actor=actor_of(user),
            object_kind="detect.alert",
            object_id=str(locked.pk),
            content={"indicator": locked.code, "from": before, "to": status, "note": note},
        )
    return locked
