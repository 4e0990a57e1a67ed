"""Alerts built directly, for tests of what is computed from them (risk scores, the ethics review)."""

from __future__ import annotations

import itertools

from django.utils import timezone

from jiancha.detect.models import Alert, Run
from jiancha.orgs.models import Division, Unit

_serial = itertools.count(1)


def run() -> Run:
    return Run.objects.create(actor="test", source="test", status="done")


def person(key: str, name: str = "", role: str = "person") -> dict[str, str]:
    return {"kind": "person", "key": key, "name": name, "role": role}


def company(key: str, name: str = "") -> dict[str, str]:
    return {"kind": "company", "key": key, "name": name, "role": "supplier"}


def alert(
    code: str,
    *,
    score: float,
    severity: str = "high",
    entities: list[dict[str, str]] | None = None,
    unit: Unit | None = None,
    division: Division | None = None,
    status: str = "new",
    by: Run | None = None,
) -> Alert:
    made = by or Run.objects.order_by("id").first() or run()
    n = next(_serial)
    return Alert.objects.create(
        fingerprint=f"test-{n}",
        code=code,
        version="v1",
        group="Person",
        identifier=(entities or [{"key": f"x{n}"}])[0]["key"],
        value=1.0,
        score=score,
        severity=severity,
        entities=entities or [],
        explanation_zh="测试",
        explanation_en="test",
        evidence=[],
        status=status,
        unit=unit,
        division=division or (unit.division if unit else None),
        first_run=made,
        last_run=made,
        last_seen=timezone.now(),
    )
