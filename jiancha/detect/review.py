"""Human review correcting the indicators (人工复核与算法修正): what reviews say about an indicator.

Plain reading functions; state changes (confirm, dismiss, propose and approve a setting) are in
``actions``. Three things live here:

* the parameters and on/off state in force for each indicator: its latest approved
  ``IndicatorSetting``, or the file's defaults when no change was ever approved;
* checking proposed parameter values against the indicator's declared types;
* figures per indicator: the precision measured from reviews (confirmed / (confirmed + dismissed)),
  the volume, and a what-if table re-running the indicator at other threshold values over the
  pool's latest snapshot and matching its findings to the reviewed alerts by fingerprint.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jiancha.access.models import User
from jiancha.access.panels import HomePanel, PanelItem
from jiancha.access.services import has_capability
from jiancha.pool import store
from jiancha.pool.importer import latest_snapshot

from . import engine
from .catalogue import Indicator, Parameter
from .models import Alert, AlertStatus, IndicatorSetting, SettingStatus

NUMERIC = {"integer", "number"}


class SettingInvalid(ValueError):
    """A proposed parameter value or setting the indicator cannot take; the message says why."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# --- what is in force ---------------------------------------------------------------------------


def settings_in_force() -> dict[str, IndicatorSetting]:
    """The latest approved setting of each indicator that has one."""
    found: dict[str, IndicatorSetting] = {}
    for setting in IndicatorSetting.objects.filter(status=SettingStatus.APPROVED).order_by("code", "number"):
        found[setting.code] = setting  # the highest number wins
    return found


@dataclass(frozen=True)
class InForce:
    parameters: dict[str, Any]
    enabled: bool
    setting: IndicatorSetting | None  # None: the file's defaults

    @property
    def number(self) -> int:
        return self.setting.number if self.setting else 0


def in_force(indicator: Indicator, setting: IndicatorSetting | None = None) -> InForce:
    """Parameters and on/off state a run uses. A parameter the file no longer declares is ignored;
    one the file added since the approval takes its default."""
    if setting is None:
        setting = settings_in_force().get(indicator.code)
    if setting is None:
        return InForce(indicator.defaults(), True, None)
    known = {k: v for k, v in setting.parameters.items() if k in indicator.parameters}
    return InForce(indicator.resolve(known), setting.enabled, setting)


# --- checking values ----------------------------------------------------------------------------


def _type_name(kind: str) -> str:
    # The table above is translated when read, not when imported.
    names = {
        "integer": _("a whole number"),
        "number": _("a number"),
        "list": _('a JSON list such as ["open"]'),
        "mapping": _('a JSON object such as {"key": 1}'),
        "text": _("text"),
        "boolean": _("true or false"),
    }
    return names.get(kind, kind)


def _wrong(indicator: Indicator, parameter: Parameter, value: Any) -> SettingInvalid:
    return SettingInvalid(
        _("%(code)s.%(name)s must be %(type)s, not %(value)s")
        % {
            "code": indicator.code,
            "name": parameter.name,
            "type": _type_name(parameter.type),
            "value": json.dumps(value, ensure_ascii=False)[:80],
        }
    )


def check_value(indicator: Indicator, parameter: Parameter, value: Any) -> Any:
    """The value if it fits the parameter's declared type (a whole float counts as an integer);
    null only where the default is null (a fence the indicator computes itself)."""
    if value is None:
        if parameter.default is None:
            return None
        raise _wrong(indicator, parameter, value)
    kind = parameter.type
    if isinstance(value, bool):
        if kind == "boolean":
            return value
        raise _wrong(indicator, parameter, value)
    if kind == "integer":
        if isinstance(value, float) and math.isfinite(value) and value.is_integer():
            value = int(value)
        # Within what DuckDB and Python's dates take: a larger number would fail the run, not the form.
        if isinstance(value, int) and abs(value) <= MAX_INTEGER:
            return value
    elif kind == "number":
        if isinstance(value, int | float) and math.isfinite(value) and abs(value) <= MAX_NUMBER:
            return value
    elif _fits_container(kind, value, parameter.default):
        return value
    raise _wrong(indicator, parameter, value)


def _fits_container(kind: str, value: Any, default: Any) -> bool:
    if kind == "list":
        return isinstance(value, list) and _items_fit(value, default or [])
    if kind == "mapping":
        return isinstance(value, dict) and _items_fit(list(value.values()), list((default or {}).values()))
    return kind == "text" and isinstance(value, str)


MAX_INTEGER = 10**9
MAX_NUMBER = 1e15


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number" if math.isfinite(value) and abs(value) <= MAX_NUMBER else "other"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "list"
    return "other"


def _items_fit(items: list[Any], default: list[Any]) -> bool:
    """A list's (or mapping's) items are of the kinds the default's items are, nested lists alike: the
    SQL binds the list as one typed value, so [1] where texts are expected would fail every run."""
    expected = {_kind(item) for item in default}
    inner = [x for d in default if isinstance(d, list) for x in d]
    for item in items:
        kind = _kind(item)
        if kind == "other" or (expected and kind not in expected):
            return False
        if kind == "list" and not _items_fit(item, inner):
            return False
    return True


def check_parameters(indicator: Indicator, values: dict[str, Any]) -> dict[str, Any]:
    """Checked values; an unknown name or a value of the wrong type is refused with a message."""
    if not isinstance(values, dict):
        raise SettingInvalid(_("parameters must be given as a mapping of names to values"))
    unknown = sorted(set(values) - set(indicator.parameters))
    if unknown:
        raise SettingInvalid(
            _("%(code)s has no parameter named %(names)s; its parameters: %(known)s")
            % {
                "code": indicator.code,
                "names": ", ".join(unknown),
                "known": ", ".join(sorted(indicator.parameters)) or "—",
            }
        )
    return {name: check_value(indicator, indicator.parameters[name], v) for name, v in values.items()}


def parse_value(indicator: Indicator, parameter: Parameter, text: str) -> Any:
    """A value typed into the form: numbers as written, lists and mappings as JSON, empty as null."""
    text = text.strip()
    if text == "":
        return check_value(indicator, parameter, "" if parameter.type == "text" else None)
    value: Any = text
    if parameter.type in NUMERIC:
        try:
            value = int(text) if parameter.type == "integer" else float(text)
        except ValueError:
            raise _wrong(indicator, parameter, text) from None
    elif parameter.type == "boolean":
        lowered = text.lower()
        value = (
            True if lowered in {"true", "1", "yes"} else False if lowered in {"false", "0", "no"} else text
        )
    elif parameter.type in {"list", "mapping"}:
        try:
            value = json.loads(text)
        except ValueError:
            raise _wrong(indicator, parameter, text) from None
    return check_value(indicator, parameter, value)


def shown_value(value: Any) -> str:
    """A parameter value as the form shows it (the inverse of ``parse_value``)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


# --- figures from reviews -----------------------------------------------------------------------


@dataclass
class Figures:
    """One indicator's alerts and what reviewers decided about them."""

    code: str
    alerts: int = 0
    open: int = 0
    confirmed: int = 0
    dismissed: int = 0
    reasons: Counter[str] = field(default_factory=Counter)

    @property
    def reviewed(self) -> int:
        return self.confirmed + self.dismissed

    @property
    def precision(self) -> float | None:
        """Confirmed / (confirmed + dismissed); None before any review."""
        return self.confirmed / self.reviewed if self.reviewed else None


def figures(alerts: QuerySet[Alert]) -> dict[str, Figures]:
    """Figures per indicator over the given alerts (a reader's scope)."""
    out: dict[str, Figures] = {}
    for row in alerts.order_by().values("code", "status", "dismiss_reason").annotate(n=Count("id")):
        item = out.setdefault(row["code"], Figures(row["code"]))
        item.alerts += row["n"]
        if row["status"] in (AlertStatus.NEW, AlertStatus.REVIEWING):
            item.open += row["n"]
        elif row["status"] == AlertStatus.CONFIRMED:
            item.confirmed += row["n"]
        elif row["status"] == AlertStatus.DISMISSED:
            item.dismissed += row["n"]
            item.reasons[row["dismiss_reason"] or "—"] += row["n"]
    return out


# --- what a changed threshold would have given --------------------------------------------------


@dataclass(frozen=True)
class WhatIfRow:
    parameter: str
    value: Any
    current: bool  # the value in force
    volume: int  # findings at this value
    confirmed_kept: int
    confirmed_total: int
    dismissed_dropped: int
    dismissed_total: int

    @property
    def precision(self) -> float | None:
        """Among the reviewed alerts it would still raise: the share confirmed."""
        kept = self.confirmed_kept + (self.dismissed_total - self.dismissed_dropped)
        return self.confirmed_kept / kept if kept else None


@dataclass
class WhatIf:
    rows: list[WhatIfRow] = field(default_factory=list)
    snapshot: int | None = None
    reviewed: int = 0  # reviewed alerts found on the pool, the ones this table can match
    note: str = ""  # why there is no table


def candidates(parameter: Parameter, value: Any) -> list[Any]:
    """A few values around the one in force: halves, steps of a quarter (or of one, for small
    integers) and doubles. None for a parameter with no numeric value in force."""
    if parameter.type not in NUMERIC or value is None or isinstance(value, bool):
        return []
    if parameter.type == "integer":
        steps = {value - 1, value + 1, round(value * 0.5), round(value * 0.75), round(value * 1.5), value * 2}
        values: list[Any] = sorted({v for v in steps | {value} if v >= 0})
    else:
        factors = (0.5, 0.75, 0.9, 1.0, 1.1, 1.25, 1.5)
        values = sorted({round(value * f, 10) for f in factors})
    return values


def threshold_parameters(indicator: Indicator, values: dict[str, Any]) -> list[str]:
    return [name for name, p in indicator.parameters.items() if candidates(p, values.get(name))]


def what_if(indicator: Indicator, alerts: QuerySet[Alert], values: dict[str, Any] | None = None) -> WhatIf:
    """Re-run ``indicator`` at candidate values of each numeric threshold over the latest pool
    snapshot; count, for each value, the findings and how many of the reviewed alerts (raised from
    the pool) it would keep or drop. ``values`` are the parameters in force."""
    from .actions import fingerprint  # actions imports this module

    values = dict(values if values is not None else in_force(indicator).parameters)
    names = threshold_parameters(indicator, values)
    result = WhatIf()
    if not names:
        result.note = _("This indicator has no numeric threshold in force to vary.")
        return result
    snapshot = latest_snapshot()
    if snapshot is None:
        result.note = _("The pool holds no data yet: there is nothing to re-run the indicator on.")
        return result
    result.snapshot = snapshot.pk
    reviewed = dict(
        alerts.filter(
            code=indicator.code,
            status__in=[AlertStatus.CONFIRMED, AlertStatus.DISMISSED],
            last_run__source="pool",
        ).values_list("fingerprint", "status")
    )
    result.reviewed = len(reviewed)
    confirmed = {f for f, s in reviewed.items() if s == AlertStatus.CONFIRMED}
    dismissed = set(reviewed) - confirmed
    connection = store.connect(dict(snapshot.versions))
    try:
        engine.stage_pool(connection)
        store.seal(connection)
        for name in names:
            for value in candidates(indicator.parameters[name], values[name]):
                found = engine.evaluate(connection, indicator, {**values, name: value})
                prints = {fingerprint("pool", f) for f in found}
                result.rows.append(
                    WhatIfRow(
                        parameter=name,
                        value=value,
                        current=value == values[name],
                        volume=len(found),
                        confirmed_kept=len(confirmed & prints),
                        confirmed_total=len(confirmed),
                        dismissed_dropped=len(dismissed - prints),
                        dismissed_total=len(dismissed),
                    )
                )
    finally:
        connection.close()
    return result


def home_panel(user: User) -> HomePanel | None:
    """The home-page panel of approvers: indicator changes awaiting their signature."""
    if not has_capability(user, "approve"):
        return None
    waiting = IndicatorSetting.objects.filter(status=SettingStatus.PENDING).exclude(proposed_by=user)
    items = [
        PanelItem(
            _("%(code)s version %(n)s: %(reason)s")
            % {"code": s.code, "n": s.number, "reason": s.reason[:60]},
            reverse("detect:changes"),
        )
        for s in waiting.order_by("proposed_at")[:10]
    ]
    if not items:
        return None
    return HomePanel(
        gettext_lazy("Indicator changes awaiting approval"), items, reverse("detect:changes"), order=20
    )
