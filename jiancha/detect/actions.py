"""Every change of state in detect: runs, alert reviews (confirm, dismiss, status) and indicator
settings (propose, approve, reject). Each records a ledger event."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jiancha.access.models import User
from jiancha.access.services import has_capability, roles_of
from jiancha.cases.actions import PersonInput
from jiancha.cases.errors import ActionRefused
from jiancha.cases.models import Lead, LeadSource
from jiancha.cases.services import create_lead
from jiancha.identifiers import is_valid_resident_id
from jiancha.ledger.services import actor_label, record_event
from jiancha.orgs.models import Division, Unit
from jiancha.pool import store
from jiancha.pool.importer import latest_snapshot
from jiancha.pool.services import mask_id_number

from . import catalogue, engine, review
from .catalogue import Indicator, IndicatorError
from .entities import EntityRef, entity_ref, process_ref
from .models import (
    Alert,
    AlertStatus,
    DismissReason,
    IndicatorRun,
    IndicatorSetting,
    Run,
    RunStatus,
    SettingStatus,
)

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

    ``user`` None is the system (the demo, a schedule); a person needs ``analyse_data``. Each
    indicator runs with its approved setting (parameters and on/off, see ``review.in_force``); a
    disabled one is skipped. ``parameters`` overrides values for this run only (the command line's
    ``--set``), and the run records the override beside the setting number.
    """
    _require(user, "analyse_data")
    chosen = [catalogue.get(code) for code in codes] if codes else list(catalogue.indicators().values())
    approved = review.settings_in_force()
    force = {i.code: review.in_force(i, approved.get(i.code)) for i in chosen}
    disabled = sorted(code for code, f in force.items() if not f.enabled)
    chosen = [i for i in chosen if force[i.code].enabled]
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
            resolved = indicator.resolve(
                {**force[indicator.code].parameters, **(parameters or {}).get(indicator.code, {})}
            )
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
                    setting=force[indicator.code].setting, findings=len(found), seconds=round(seconds, 4),
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
                        i.code: {
                            "version": i.version,
                            "setting": force[i.code].number,
                            "parameters": p,
                            "overrides": (parameters or {}).get(i.code, {}),
                        }
                        for i, p, _f, _s in results
                    },
                    "disabled": disabled,
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


def _enclosing(code: str) -> list[str]:
    """A division code and the codes of the levels above it, nearest first (12, 9, 6, 4, 2 digits)."""
    code = code.strip()[:12].ljust(12, "0")
    return list(dict.fromkeys(code[:n].ljust(12, "0") for n in (12, 9, 6, 4, 2)))


def _divisions(findings: list[engine.Finding]) -> dict[str, Division]:
    """Each finding's division code to the nearest division the tree holds: a village the tree does
    not list places the alert in its township (or county), not nowhere."""
    wanted = {f.division: _enclosing(f.division) for f in findings if f.division}
    if not wanted:
        return {}
    known = {d.code: d for d in Division.objects.filter(code__in={c for cs in wanted.values() for c in cs})}
    return {
        code: next(known[c] for c in chain if c in known)
        for code, chain in wanted.items()
        if any(c in known for c in chain)
    }


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


# Moves set_status makes. Dismissing needs a reason (``dismiss``); confirming makes a lead
# (``confirm``); a confirmed alert stays confirmed (its lead carries on).
TRANSITIONS: dict[str, set[str]] = {
    AlertStatus.NEW: {AlertStatus.REVIEWING, AlertStatus.DISMISSED, AlertStatus.CONFIRMED},
    AlertStatus.REVIEWING: {AlertStatus.DISMISSED, AlertStatus.CONFIRMED, AlertStatus.NEW},
    AlertStatus.DISMISSED: {AlertStatus.REVIEWING},
    AlertStatus.CONFIRMED: set(),
}


class StatusRefused(ValueError):
    """The alert's current status does not allow this step (a conflict, not bad input)."""


class ReviewInvalid(ValueError):
    """A review decision given without what it needs (a reason, a note); the message says what."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _locked(alert: Alert, status: str) -> Alert:
    locked = Alert.objects.select_for_update().get(pk=alert.pk)
    if status not in TRANSITIONS.get(locked.status, set()):
        raise StatusRefused(f"{locked.status} → {status}")
    return locked


def set_status(alert: Alert, status: str, user: User, note: str = "", reason: str = "") -> Alert:
    """Move an alert to another review status (人工复核), with a ledger event. Dismissing goes
    through ``dismiss`` (a reason is required); confirming needs ``confirm``, which makes a lead."""
    _require(user, "analyse_data")
    if status == AlertStatus.DISMISSED:
        return dismiss(alert, user, reason, note)
    if status == AlertStatus.CONFIRMED:
        raise StatusRefused(_("confirming an alert registers a lead: use the confirm action"))
    if status not in TRANSITIONS.get(alert.status, set()):
        raise StatusRefused(f"{alert.status} → {status}")
    with transaction.atomic():
        locked = _locked(alert, status)
        before = locked.status
        locked.status, locked.status_note, locked.status_changed = status, note, timezone.now()
        locked.reviewed_by, locked.dismiss_reason = user, ""
        locked.save(
            update_fields=["status", "status_note", "status_changed", "reviewed_by", "dismiss_reason"]
        )
        record_event(
            kind="detect.alert_status",
            actor=actor_of(user),
            object_kind="detect.alert",
            object_id=str(locked.pk),
            content={"indicator": locked.code, "from": before, "to": status, "note": note},
        )
    return locked


def dismiss(alert: Alert, user: User, reason: str, note: str = "") -> Alert:
    """Dismiss an alert (排除) for a reason from the fixed list; "other" needs a note."""
    _require(user, "analyse_data")
    note = note.strip()
    if reason not in DismissReason.values:
        raise ReviewInvalid(
            _("choose the reason for dismissing from the list: %(reasons)s")
            % {"reasons": ", ".join(str(label) for label in DismissReason.labels)}
        )
    if reason == DismissReason.OTHER and not note:
        raise ReviewInvalid(_("a dismissal for another reason needs a note saying what it is"))
    with transaction.atomic():
        locked = _locked(alert, AlertStatus.DISMISSED)
        before = locked.status
        locked.status, locked.dismiss_reason, locked.status_note = AlertStatus.DISMISSED, reason, note
        locked.status_changed, locked.reviewed_by = timezone.now(), user
        locked.save(
            update_fields=["status", "dismiss_reason", "status_note", "status_changed", "reviewed_by"]
        )
        record_event(
            kind="detect.alert_dismissed",
            actor=actor_of(user),
            object_kind="detect.alert",
            object_id=str(locked.pk),
            content={
                "indicator": locked.code,
                "indicator_version": locked.version,
                "from": before,
                "reason": reason,
                "note": note,
            },
        )
    return locked


# The roles whose holder a lead is about (被反映人): the person whose conduct the alert questions. A
# relative, a company in the chain, or the deceased in whose name money was paid is named in the
# lead's evidence, not as a person concerned.
CONCERNED_ROLES = {
    "official", "related official", "declarant", "cadre", "recipient", "payee", "depositor",
    "account holder", "person",
}  # fmt: skip
NOT_CONCERNED_ROLES = {"deceased", "process"}


def _persons(alert: Alert) -> list[PersonInput]:
    """The persons the alert questions (by resident ID, the lead's resolved identity); failing any,
    the party the alert is about (a unit, a company) stands as the one concerned."""
    people = [
        PersonInput(e.get("name") or mask_id_number(e["key"]), identity_id=e["key"])
        for e in alert.entities
        if e.get("kind") == "person"
        and (
            e.get("role") in CONCERNED_ROLES
            or (e["key"] == alert.identifier and e.get("role") not in NOT_CONCERNED_ROLES)
        )
    ]
    if people:
        return people
    subject = next(
        (
            e
            for e in alert.entities
            if e.get("kind") != "process"
            and e.get("role") not in NOT_CONCERNED_ROLES
            and not (e.get("kind") == "person" and e.get("role") not in CONCERNED_ROLES)
        ),
        None,
    )
    if subject is not None:
        return [PersonInput(subject.get("name") or subject["key"])]
    # Only a deceased person or a relative: the lead names the finding, whoever turns out to be behind it.
    return [PersonInput(alert.identifier if alert.group != "Person" else mask_id_number(alert.identifier))]


def _evidence_line(position: int, row: dict[str, Any]) -> str:
    fields = "; ".join(
        f"{k}={'、'.join(map(str, v)) if isinstance(v, list) else v}"
        for k, v in row.get("fields", {}).items()
        if v is not None
    )
    where = row.get("provenance") or {}
    source = f"{where.get('feed') or '—'}/{where.get('batch') or '—'}/{where.get('file')}#{where.get('row')}"
    label = " ".join(str(p) for p in (row.get("table"), row.get("ocid")) if p)
    return f"[{position}] {label} · {fields} · {source}"


def lead_summary(alert: Alert, note: str = "") -> str:
    """The lead's summary: what the indicator found, the reviewer's note, and the alert's evidence
    rows with their provenance (resident ID numbers masked: the lead's persons carry them)."""
    from .services import shown_evidence

    indicator = catalogue.indicators().get(alert.code)
    name = f"{indicator.name['zh']} / {indicator.name['en']}" if indicator else ""
    rows = shown_evidence(alert.evidence, full=False)
    lines = [
        f"预警 / Alert #{alert.pk} · {alert.code} {name}".rstrip(),
        alert.explanation_zh,
        alert.explanation_en,
    ]
    if note:
        lines.append(f"复核意见 / Reviewer's note: {note}")
    lines.append(f"证据 / Evidence ({len(rows)}):")
    lines += [_evidence_line(i, row) for i, row in enumerate(rows, start=1)]
    return "\n".join(lines)


def confirm(alert: Alert, user: User, note: str = "") -> Lead:
    """Confirm an alert (确认): register a lead (source "alert") carrying its explanation and
    evidence, in the alert's division, and link the alert to it. A second confirmation is refused."""
    _require(user, "analyse_data")
    note = note.strip()
    with transaction.atomic():
        locked = _locked(alert, AlertStatus.CONFIRMED)
        division = locked.division or user.division
        if division is None:
            raise ReviewInvalid(_("this alert has no region: a lead needs one, and so do you"))
        try:
            lead = create_lead(
                division=division,
                source=LeadSource.ALERT,
                summary=lead_summary(locked, note),
                persons=_persons(locked),
                created_by=user,
                source_ref=f"alert:{locked.pk}",
            )
        except ActionRefused as refused:
            raise ReviewInvalid(str(refused)) from refused
        before = locked.status
        locked.status, locked.lead, locked.status_note = AlertStatus.CONFIRMED, lead, note
        locked.status_changed, locked.reviewed_by, locked.dismiss_reason = timezone.now(), user, ""
        locked.save(
            update_fields=["status", "lead", "status_note", "status_changed", "reviewed_by", "dismiss_reason"]
        )
        record_event(
            kind="detect.alert_confirmed",
            actor=actor_of(user),
            object_kind="detect.alert",
            object_id=str(locked.pk),
            content={
                "indicator": locked.code,
                "indicator_version": locked.version,
                "from": before,
                "lead": lead.number,
                "note": note,
                "evidence_rows": len(locked.evidence),
            },
        )
    return lead


# --- indicator settings: proposed, then approved by someone else -------------------------------


class SettingRefused(ValueError):
    """A proposal or decision the rules do not allow; the message says why."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def propose_setting(
    code: str, user: User, *, parameters: dict[str, Any], enabled: bool, reason: str
) -> IndicatorSetting:
    """Propose a new version of an indicator's parameters or on/off state (needs ``write_indicator``).
    It is used by runs only once approved. Values are checked against the indicator's types."""
    _require(user, "write_indicator")
    try:
        indicator = catalogue.get(code)
    except IndicatorError as error:
        raise SettingRefused(str(error)) from None
    try:
        checked = review.check_parameters(indicator, parameters)
    except review.SettingInvalid as invalid:
        raise SettingRefused(invalid.message) from None
    if not reason.strip():
        raise SettingRefused(_("say why the indicator should change"))
    current = review.in_force(indicator)
    values = {**current.parameters, **checked}
    if values == current.parameters and enabled == current.enabled:
        raise SettingRefused(_("this proposal changes nothing in force"))
    with transaction.atomic():
        # Numbers are given under a lock on the indicator's earlier versions.
        earlier = list(IndicatorSetting.objects.select_for_update().filter(code=code))
        if any(s.status == SettingStatus.PENDING for s in earlier):
            raise SettingRefused(
                _("a change to %(code)s already awaits approval; it must be decided first") % {"code": code}
            )
        try:
            with transaction.atomic():
                setting = IndicatorSetting.objects.create(
                    code=code,
                    number=max((s.number for s in earlier), default=0) + 1,
                    parameters=values,
                    enabled=enabled,
                    reason=reason.strip(),
                    proposed_by=user,
                )
        except IntegrityError:
            # Two first proposals at once: nothing to lock yet, the constraint decides.
            raise SettingRefused(
                _("a change to %(code)s already awaits approval; it must be decided first") % {"code": code}
            ) from None
        record_event(
            kind="detect.setting_proposed",
            actor=actor_of(user),
            object_kind="detect.setting",
            object_id=str(setting.pk),
            content={
                "indicator": code,
                "number": setting.number,
                "parameters": values,
                "enabled": enabled,
                "in_force": current.number,
                "reason": setting.reason,
            },
        )
    return setting


def decide_setting(
    setting: IndicatorSetting, user: User, *, approve: bool, note: str = ""
) -> IndicatorSetting:
    """Approve or reject a proposed setting (needs ``approve``; never one's own proposal; a rejection
    says why). Once approved it is what the next run uses."""
    _require(user, "approve")
    note = note.strip()
    if setting.proposed_by_id == user.pk:
        raise SettingRefused(_("the person who proposed a change cannot approve or reject it"))
    if not approve and not note:
        raise SettingRefused(_("say why the change is rejected"))
    with transaction.atomic():
        locked = IndicatorSetting.objects.select_for_update().get(pk=setting.pk)
        if locked.status != SettingStatus.PENDING:
            raise SettingRefused(_("this change was decided already"))
        if approve:
            # Checked again against the indicator as it is now: its file may have changed since.
            try:
                review.check_parameters(catalogue.get(locked.code), locked.parameters)
            except (review.SettingInvalid, IndicatorError) as invalid:
                raise SettingRefused(str(getattr(invalid, "message", invalid))) from None
        locked.status = SettingStatus.APPROVED if approve else SettingStatus.REJECTED
        locked.decided_by, locked.decided_at, locked.decision_note = user, timezone.now(), note
        locked.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
        record_event(
            kind="detect.setting_approved" if approve else "detect.setting_rejected",
            actor=actor_of(user),
            object_kind="detect.setting",
            object_id=str(locked.pk),
            content={"indicator": locked.code, "number": locked.number, "note": note},
        )
    return locked
