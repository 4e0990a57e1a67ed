"""Every change of the registry's state, each with its ledger event (DESIGN.md: one place to read).

- :func:`refresh` compares what the pool shows with the registry and proposes changes (动态调整);
  it never writes an entry itself.
- :func:`decide` confirms or rejects proposed changes; only a confirmation opens or closes entries.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jiancha.access.models import User
from jiancha.access.services import has_capability, roles_of
from jiancha.ledger.services import EventInput, actor_label, record_event, record_events
from jiancha.orgs.models import Division
from jiancha.pool.models import PoolSnapshot

from . import found
from .models import Change, ChangeKind, ChangeStatus, Entry, Holder, Refresh, open_on
from .rules import CATEGORIES, REVIEW
from .scope import change_visible, visible_division_ids

CAPABILITY = "analyse_data"


class SubjectsRefused(Exception):
    """A request the registry refuses; the message says why, in the user's language."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


def actor_of(user: User) -> str:
    role = next((r.code for r in roles_of(user) if CAPABILITY in r.capabilities), "")
    return actor_label(user.get_username(), role)


def cadence_days() -> int:
    """Changes are listed for confirmation monthly by default (settings.SUBJECTS_CADENCE_DAYS)."""
    return int(getattr(settings, "SUBJECTS_CADENCE_DAYS", 30))


def refresh_due(on: dt.date | None = None) -> bool:
    """A refresh is due when the pool has a snapshot the last refresh did not see, or the cadence passed."""
    last = Refresh.objects.first()
    if last is None:
        return True
    snapshot = PoolSnapshot.objects.order_by("-id").values_list("id", flat=True).first()
    if snapshot is not None and snapshot != last.snapshot:
        return True
    return ((on or timezone.localdate()) - last.as_of).days >= cadence_days()


@dataclass(frozen=True)
class _Key:
    person_key: str
    kind: str
    category: int | None
    unit_id: int | None
    effective: dt.date


def _key(change: Change) -> _Key:
    # A review's category is the person's decision, not part of what was proposed.
    category = None if change.kind == ChangeKind.REVIEW else change.category
    return _Key(change.person_key, change.kind, category, change.unit_id, change.effective)


@transaction.atomic
def refresh(*, actor: str, on: dt.date | None = None) -> Refresh:
    """Classify the pool's positions, record who is found exercising public power, and propose the
    changes that would bring the registry in line: joins, leaves, category changes and transfers,
    and unclear cases for review. A change already awaiting confirmation is not proposed twice."""
    on = on or timezone.localdate()
    snapshot = PoolSnapshot.objects.order_by("-id").values_list("id", flat=True).first()
    run = Refresh.objects.create(as_of=on, period=on.strftime("%Y-%m"), snapshot=snapshot, actor=actor)
    positions, ended = found.classify(on)
    divisions = dict(Division.objects.values_list("code", "id"))
    Holder.objects.bulk_create(
        [
            Holder(
                refresh=run,
                person_key=p.person_key,
                name=p.name,
                category=p.category,
                rule_code=p.rule_code,
                source=p.source,
                unit_id=p.unit_id,
                unit_name=p.facts["unit"] or "",
                unit_type=p.facts["unit_type"],
                division_code=p.division_code,
                facts=p.facts,
            )
            for p in positions
            if p.category in CATEGORIES
        ],
        batch_size=2000,
    )
    open_entries = {entry.person_key: entry for entry in Entry.objects.filter(open_on(on))}
    # What was proposed before, pending or decided, is not proposed again: a person's decision on an
    # unclear case or a rejected change stands until the facts change (another unit, date or category).
    pending = {_key(c) for c in Change.objects.only("person_key", "kind", "category", "unit_id", "effective")}
    proposals: list[Change] = []

    def propose(kind: str, p: found.Position | None, entry: Entry | None, effective: dt.date) -> None:
        change = Change(
            refresh=run, kind=kind, effective=effective, entry=entry,
            person_key=p.person_key if p else entry.person_key if entry else "",
            name=p.name if p else entry.name if entry else "",
            category_before=entry.category if entry else None,
            category=(p.category if p.category in CATEGORIES else None) if p else None,
            rule_code=p.rule_code if p else "", facts=p.facts if p else {"ended": str(effective)},
            unit_id=p.unit_id if p else entry.unit_id if entry else None,
            unit_name=(p.facts["unit"] or "") if p else entry.unit_name if entry else "",
            division_id=divisions.get(p.division_code) if p else entry.division_id if entry else None,
            source=p.source if p else "", source_batch=p.batch if p else None,
        )  # fmt: skip
        if _key(change) not in pending:
            proposals.append(change)
            pending.add(_key(change))

    seen: set[str] = set()
    for p in positions:
        seen.add(p.person_key)
        entry = open_entries.get(p.person_key)
        since = p.start if p.start and p.start <= on else on
        if p.category == REVIEW:
            propose(ChangeKind.REVIEW, p, entry, since)
        elif p.category == 0:
            if entry is not None:
                # Still employed, but in a post outside Art. 15 (e.g. moved to a teaching post).
                propose(ChangeKind.LEAVE, p, entry, max(since, entry.valid_from + dt.timedelta(days=1)))
        elif entry is None:
            propose(ChangeKind.JOIN, p, None, since)
        elif entry.category != p.category:
            propose(ChangeKind.CATEGORY, p, entry, max(since, entry.valid_from + dt.timedelta(days=1)))
        elif p.unit_id != entry.unit_id:
            propose(ChangeKind.TRANSFER, p, entry, max(since, entry.valid_from + dt.timedelta(days=1)))
    for person, entry in open_entries.items():
        if person not in seen:
            last_day = ended.get(person)
            effective = last_day + dt.timedelta(days=1) if last_day else on
            propose(ChangeKind.LEAVE, None, entry, max(effective, entry.valid_from + dt.timedelta(days=1)))
    Change.objects.bulk_create(proposals, batch_size=2000)
    run.found = sum(1 for p in positions if p.category in CATEGORIES)
    run.proposed = len(proposals)
    run.save(update_fields=["found", "proposed"])
    record_event(
        kind="subjects.refreshed", actor=actor, object_kind="subjects_refresh", object_id=str(run.pk),
        content={"as_of": on.isoformat(), "snapshot": snapshot, "found": run.found, "proposed": run.proposed},
    )  # fmt: skip
    return run


def _apply(
    change: Change, actor: str, category: int | None, now: datetime
) -> tuple[Entry | None, Entry | None]:
    """What a confirmation does to the entries: the period it closes and the one it opens."""
    old = change.entry
    closed = None
    # A review settled with a category replaces the person's open entry; every other kind closes it.
    if old is not None and (old.valid_to is None or old.valid_to > change.effective):
        old.valid_to = max(change.effective, old.valid_from + dt.timedelta(days=1))
        closed = old
    if change.kind == ChangeKind.LEAVE or not category:
        return closed, None
    opened = Entry(
        person_key=change.person_key, name=change.name, category=category, rule_code=change.rule_code,
        facts=change.facts, unit_id=change.unit_id, unit_name=change.unit_name, division_id=change.division_id,
        party_member=change.facts.get("party_member"), valid_from=change.effective, confirmed_by=actor,
        confirmed_at=now, source_batch=change.source_batch, change=change,
    )  # fmt: skip
    return closed, opened


def _check_current(change: Change, open_entry: Entry | None) -> None:
    """Refuse a change that no longer fits the person's registry: a join for someone already in it,
    or a leave, transfer or category change of an entry that is no longer the open one."""
    if change.kind == ChangeKind.REVIEW:
        return
    expected = change.entry_id
    actual = open_entry.pk if open_entry is not None else None
    if expected != actual:
        raise SubjectsRefused(
            _(
                "change %(id)d is out of date: the registry entries of %(name)s changed since it was "
                "proposed; refresh and decide the newer proposal"
            )
            % {"id": change.pk, "name": change.name}
        )


def decide(
    user: User,
    changes: Iterable[int],
    *,
    confirm: bool,
    category: int | None = None,
    note: str = "",
) -> list[Change]:
    """Confirm or reject proposed changes, as ``user``; one ledger event per change, in one transaction.

    A review item (unclear case) needs the category the person decides (0: not a supervised person).
    """
    if not has_capability(user, CAPABILITY):
        raise SubjectsRefused(_("confirming registry changes needs the data analysis right"), 403)
    if category is not None and category not in (0, *CATEGORIES):
        raise SubjectsRefused(_("the category must be 0 (not supervised) or 1 to 6"))
    ids = sorted(set(changes))
    if not ids:
        raise SubjectsRefused(_("no change chosen"))
    actor = actor_of(user)
    with transaction.atomic():
        chosen = list(Change.objects.select_for_update().filter(pk__in=ids).order_by("effective", "pk"))
        if len(chosen) != len(ids):
            raise SubjectsRefused(_("unknown change(s): %(ids)s") % {"ids": ", ".join(
                str(i) for i in sorted(set(ids) - {c.pk for c in chosen}))}, 404)  # fmt: skip
        visible = visible_division_ids(user)
        for change in chosen:
            if not change_visible(user, change, visible):
                raise SubjectsRefused(
                    _("change %(id)d concerns a unit outside your area") % {"id": change.pk}, 403
                )
            if change.status != ChangeStatus.PENDING:
                raise SubjectsRefused(
                    _("change %(id)d was already %(status)s")
                    % {"id": change.pk, "status": change.get_status_display()}
                )
            if confirm and change.kind == ChangeKind.REVIEW and category is None:
                raise SubjectsRefused(
                    _("change %(id)d is an unclear case: choose the category (0 if not supervised)")
                    % {"id": change.pk}
                )
            if category is not None and change.kind != ChangeKind.REVIEW:
                # A category chosen for a batch would otherwise overwrite every rule's decision in it.
                raise SubjectsRefused(
                    _("change %(id)d is not an unclear case: a category is chosen only for those")
                    % {"id": change.pk}
                )
        now = timezone.now()
        events, closed, opened = [], [], []
        # Each person's open entry as the batch goes: a change proposed before the person's entries
        # changed (another join confirmed since, a leave already applied) is stale and refused.
        persons = {c.person_key for c in chosen}
        current: dict[str, Entry | None] = dict.fromkeys(persons)
        for entry in Entry.objects.select_for_update().filter(person_key__in=persons, valid_to__isnull=True):
            current[entry.person_key] = entry
        for change in chosen:
            if confirm:
                _check_current(change, current[change.person_key])
                if change.kind == ChangeKind.REVIEW:
                    change.category = category  # the person's decision overrides the rule's
                old, new = _apply(change, actor, change.category, now)
                closed += [old] if old else []
                opened += [new] if new else []
                if old is not None or new is not None:
                    current[change.person_key] = new
            change.status = ChangeStatus.CONFIRMED if confirm else ChangeStatus.REJECTED
            change.decided_by, change.decided_at, change.note = actor, now, note
            events.append(
                EventInput(
                    f"subjects.change.{'confirmed' if confirm else 'rejected'}",
                    actor,
                    "subjects_change",
                    str(change.pk),
                    {
                        "kind": change.kind,
                        "person": change.person_key,
                        "category": change.category,
                        "effective": change.effective.isoformat(),
                        "unit": change.unit_name,
                        "note": note,
                    },
                    "监察法第十五条",
                )
            )
        # In bulk: a first load confirms thousands of joins at once.
        Entry.objects.bulk_update(closed, ["valid_to"], batch_size=1000)
        Entry.objects.bulk_create(opened, batch_size=1000)
        Change.objects.bulk_update(
            chosen, ["status", "decided_by", "decided_at", "note", "category"], batch_size=1000
        )
        record_events(events)
    return chosen
