"""The transfer checklist (移送前证据审查), rules from ``data/checklist.yaml``.

Each rule names a check implemented here and its parameters. ``check_case`` returns every problem,
each naming the measure or evidence item that is short of what the rule requires, so that the
investigator can fix the file before the procuratorate sees it (and returns it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from django.utils.translation import gettext as _

from .deadlines import check_labels, localized
from .models import Case, Evidence, Measure

CHECKLIST_FILE = Path(__file__).resolve().parent / "data" / "checklist.yaml"


@dataclass(frozen=True)
class Rule:
    code: str
    labels: dict[str, str]
    check: str
    params: dict[str, Any]
    source: str

    @property
    def label(self) -> str:
        return localized(self.labels)


@dataclass(frozen=True)
class Finding:
    rule: Rule
    missing: list[str]  # one line per item that fails the rule

    @property
    def passed(self) -> bool:
        return not self.missing


def _measure_name(measure: Measure) -> str:
    return f"{measure.get_kind_display()} #{measure.pk}" + (
        f" ({measure.subject})" if measure.subject else ""
    )


def _evidence_name(item: Evidence) -> str:
    return f"{item.get_evidence_type_display()} #{item.pk} {item.description}"


def _measure_has_record(case: Case, params: dict[str, Any]) -> list[str]:
    record_type = params["record_type"]
    missing = []
    for measure in case.measures.filter(kind__in=params["measure_kinds"]).exclude(
        state=Measure.State.REJECTED
    ):
        if measure.state == Measure.State.REQUESTED:
            continue  # not carried out: nothing to record yet
        if not any(item.evidence_type == record_type for item in measure.records.all()):
            missing.append(_measure_name(measure))
    return missing


def _measure_approved(case: Case, params: dict[str, Any]) -> list[str]:
    return [
        _measure_name(m)
        for m in case.measures.exclude(state=Measure.State.REJECTED)
        if m.started_at is not None and m.approved_by_id is None
    ] + [
        _measure_name(m) + " — " + _("still awaiting approval")
        for m in case.measures.filter(state=Measure.State.REQUESTED)
    ]


def _evidence_has_custody(case: Case, params: dict[str, Any]) -> list[str]:
    items = case.evidence.filter(evidence_type__in=params["evidence_types"]).prefetch_related("custody")
    return [_evidence_name(item) for item in items if not item.custody.all()]


def _evidence_hashed(case: Case, params: dict[str, Any]) -> list[str]:
    return [_evidence_name(item) for item in case.evidence.all() if not item.sha256]


CHECKS: dict[str, Callable[[Case, dict[str, Any]], list[str]]] = {
    "measure_has_record": _measure_has_record,
    "measure_approved": _measure_approved,
    "evidence_has_custody": _evidence_has_custody,
    "evidence_hashed": _evidence_hashed,
}


def load_rules(path: Path = CHECKLIST_FILE) -> list[Rule]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    loaded = []
    for raw in data["rules"]:
        raw = dict(raw)
        code, check = raw.pop("code"), raw.pop("check")
        if check not in CHECKS:
            raise ValueError(f"{path.name} {code}: unknown check {check!r}; known: {', '.join(CHECKS)}")
        labels, source = raw.pop("label"), raw.pop("source", "")
        loaded.append(Rule(code, check_labels(labels, f"{path.name} {code}"), check, raw, str(source)))
    return loaded


@cache
def checklist_rules() -> list[Rule]:
    return load_rules()


def check_case(case: Case, rules: list[Rule] | None = None) -> list[Finding]:
    """Every rule's finding for the case; a transfer needs all of them passed."""
    return [Finding(rule, CHECKS[rule.check](case, rule.params)) for rule in (rules or checklist_rules())]


def blocking(findings: list[Finding]) -> list[Finding]:
    return [finding for finding in findings if not finding.passed]
