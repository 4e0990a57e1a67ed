"""Reading alerts (预警查询): who may see which, and the filters of the list page and the API."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from jiancha.access.models import User
from jiancha.access.services import has_capability, visible_divisions
from jiancha.identifiers import is_valid_resident_id
from jiancha.pool.services import mask_id_number

from . import catalogue
from .models import Alert


def alerts_for(user: User) -> QuerySet[Alert]:
    """Alerts in the user's division subtree. An alert whose buyer is no known unit has no division;
    only users at the top of the tree (or a superuser without one) see those."""
    if not has_capability(user, "analyse_data"):
        return Alert.objects.none()
    condition = Q(division__in=visible_divisions(user))
    if (user.is_superuser and user.division is None) or (user.division and user.division.parent_id is None):
        condition |= Q(division__isnull=True)
    return Alert.objects.filter(condition)


def can_see(user: User, alert: Alert) -> bool:
    return alerts_for(user).filter(pk=alert.pk).exists()


@dataclass
class AlertFilters:
    """The list's filters: indicator, region (division code prefix), unit, entity key, score, status."""

    indicator: str = ""
    region: str = ""
    unit: int | None = None
    entity: str = ""
    min_score: float | None = None
    status: str = ""
    full_identifiers: bool = False  # the reader's role sees resident ID numbers in full

    def __post_init__(self) -> None:
        self.entity = self.entity.strip()
        # Someone who sees ID numbers masked may not search by one: each answer (found / not found)
        # would tell them whether a guess is right.
        if self.entity and not self.full_identifiers and is_valid_resident_id(self.entity):
            raise PermissionDenied(_("your role sees resident ID numbers masked and cannot search by one"))

    def apply(self, alerts: QuerySet[Alert]) -> QuerySet[Alert]:
        if self.indicator:
            alerts = alerts.filter(code=self.indicator)
        if self.region:
            alerts = alerts.filter(division__code__startswith=self.region.rstrip("0") or self.region)
        if self.unit:
            alerts = alerts.filter(unit_id=self.unit)
        if self.entity:
            # Exact keys only (a substring search would let a reader grow a masked number digit by
            # digit). JSON containment is not available on SQLite, so the entity list's text is
            # matched on the whole serialised `"key": "<value>"` pair, closing quote included; both
            # backends serialise it so.
            pair = json.dumps({"key": self.entity})[1:-1]
            alerts = alerts.filter(Q(identifier=self.entity) | Q(entities__icontains=pair))
        if self.min_score is not None:
            alerts = alerts.filter(score__gte=self.min_score)
        if self.status:
            alerts = alerts.filter(status=self.status)
        return alerts


def shown_key(kind: str, key: str, full: bool) -> str:
    """Resident ID numbers are masked unless the reader's role needs them in full."""
    return key if full or kind != "person" else mask_id_number(key)


def _shown(value: Any, full: bool) -> Any:
    if isinstance(value, str) and not full and is_valid_resident_id(value):
        return mask_id_number(value)
    if isinstance(value, list):
        return [_shown(v, full) for v in value]
    return value


def shown_evidence(rows: list[dict[str, Any]], full: bool) -> list[dict[str, Any]]:
    """Evidence rows as a reader may see them: a resident ID number anywhere in a row is masked."""
    return [{**row, "fields": {k: _shown(v, full) for k, v in row["fields"].items()}} for row in rows]


def shown_identifier(alert: Alert, full: bool) -> str:
    return str(_shown(alert.identifier, full))


def alert_rows(alerts: Any, language: str) -> list[tuple[Alert, str, str]]:
    """(alert, indicator name, explanation) in the reader's language, for the list and the inbox."""
    indicators = catalogue.indicators()
    return [
        (a, indicators[a.code].label(language) if a.code in indicators else a.code, a.explanation(language))
        for a in alerts
    ]
