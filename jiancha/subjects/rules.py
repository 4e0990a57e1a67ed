"""Classification rules (认定规则) as data: ``rules.yaml`` read, checked, and compiled to DuckDB SQL.

A rule's conditions become one SQL boolean; the ordered rules become one ``CASE`` that names the
first rule that holds, so the pool's positions are classified in one query, not a Python loop.
The explanation a reviewer reads is the rule's template filled in from the facts it used.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from jiancha.orgs.models import UnitType

RULES_FILE = Path(__file__).resolve().parent / "rules.yaml"
REVIEW = -1  # the category of a rule that sends its case to the review queue
CATEGORIES = (1, 2, 3, 4, 5, 6)
CONDITIONS = {
    "unit_types",
    "unit_known",
    "unit_name_endswith",
    "role_matches",
    "leader",
    "staff_types",
    "sources",
}
SOURCES = ("roster", "payroll")
# What a reviewer reads as the source of a decision, by language (facts keep the code).
SOURCE_LABELS = {
    "roster": {"zh": "干部人事花名册", "en": "HR roster"},
    "payroll": {"zh": "财政统发工资和社保缴费", "en": "payroll and social insurance"},
}


def source_label(source: str, language: str) -> str:
    labels = SOURCE_LABELS.get(source, {})
    return labels.get("zh" if language.startswith("zh") else "en", source)


class RulesError(ValueError):
    """rules.yaml is malformed; the message names the rule and the field."""


@dataclass(frozen=True)
class Rule:
    code: str
    when: dict[str, Any]
    category: int  # 0-6, or REVIEW
    basis: dict[str, str]
    explain: dict[str, str]

    def sql(self) -> str:
        """The rule's conditions as one DuckDB boolean over the columns of ``positions``."""
        parts: list[str] = []
        when = self.when
        if "unit_types" in when:
            parts.append(f"unit_type IN ({_list(when['unit_types'])})")
        if "unit_known" in when:
            parts.append("unit_type IS NOT NULL" if when["unit_known"] else "unit_type IS NULL")
        if "unit_name_endswith" in when:
            parts.append(
                "(" + " OR ".join(f"suffix(unit_name, {_quote(s)})" for s in when["unit_name_endswith"]) + ")"
            )
        if "role_matches" in when:
            parts.append(f"regexp_matches(coalesce(role, ''), {_quote(when['role_matches'])})")
        if "leader" in when:
            parts.append("is_leader IS TRUE" if when["leader"] else "is_leader IS FALSE")
        if "staff_types" in when:
            parts.append(f"staff_type IN ({_list(when['staff_types'])})")
        if "sources" in when:
            parts.append(f"source IN ({_list(when['sources'])})")
        return " AND ".join(parts) or "TRUE"

    def explanation(self, facts: dict[str, Any], language: str) -> str:
        """The rule's template in ``language`` (zh or en) filled in from the recorded facts."""
        zh = language.startswith("zh")
        template = self.explain.get("zh" if zh else "en", "")
        shown = {**facts, "source": source_label(str(facts.get("source", "")), language)}
        if facts.get("unit_type") in UnitType.values:
            shown["unit_type"] = str(UnitType(facts["unit_type"]).label)
        if not facts.get("role"):
            # A post found from payroll has no title: say what is known.
            shown["role"] = "工作人员" if zh else "staff member"
        return template.format_map(_Blank(shown))

    def legal_basis(self, language: str) -> str:
        return self.basis.get("zh" if language.startswith("zh") else "en", "")


class _Blank(dict[str, Any]):
    """Missing or empty facts read as a dash, so that an explanation never breaks."""

    def __init__(self, facts: dict[str, Any]) -> None:
        super().__init__({k: v for k, v in facts.items() if v not in (None, "")})

    def __missing__(self, key: str) -> str:
        return "—"


@dataclass(frozen=True)
class Supervisors:
    """Who counts as a full-time grassroots supervisor, and the staffing targets."""

    role_matches: str
    unit_name_matches: str
    villages_per_supervisor: int
    residents_per_supervisor: int


@dataclass(frozen=True)
class RuleBook:
    rules: tuple[Rule, ...]
    supervisors: Supervisors
    by_code: dict[str, Rule] = field(default_factory=dict)

    def case_sql(self) -> str:
        """``CASE WHEN <rule 1> THEN 'CODE1' ... END``: the code of the first rule that holds."""
        arms = " ".join(f"WHEN {rule.sql()} THEN {_quote(rule.code)}" for rule in self.rules)
        return f"CASE {arms} END"

    def category_sql(self) -> str:
        """A VALUES list (code, category) to join the chosen rule's category."""
        return ", ".join(f"({_quote(rule.code)}, {rule.category})" for rule in self.rules)


def _quote(text: str) -> str:
    return "'" + str(text).replace("'", "''") + "'"


def _list(values: list[Any]) -> str:
    return ", ".join(_quote(v) for v in values)


def _check(index: int, raw: Any) -> Rule:
    where = f"rules.yaml rule {index + 1}"
    if not isinstance(raw, dict) or not raw.get("code"):
        raise RulesError(f"{where}: a rule needs a code")
    code = str(raw["code"])
    where = f"rules.yaml rule {code}"
    when = raw.get("when") or {}
    unknown = set(when) - CONDITIONS
    if unknown:
        raise RulesError(f"{where}: unknown condition(s) {', '.join(sorted(unknown))}")
    bad_types = set(when.get("unit_types", [])) - set(UnitType.values)
    if bad_types:
        raise RulesError(f"{where}: unknown unit type(s) {', '.join(sorted(bad_types))}")
    if set(when.get("sources", [])) - set(SOURCES):
        raise RulesError(f"{where}: sources must be among {', '.join(SOURCES)}")
    if "role_matches" in when:
        try:
            re.compile(when["role_matches"])
        except re.error as error:
            raise RulesError(f"{where}: role_matches is not a regular expression: {error}") from None
    category = raw.get("category")
    if category == "review":
        category = REVIEW
    if category not in (0, *CATEGORIES, REVIEW):
        raise RulesError(f"{where}: category must be 0-6 or review, not {category!r}")
    for part in ("basis", "explain"):
        texts = raw.get(part) or {}
        if not texts.get("zh") or not texts.get("en"):
            raise RulesError(f"{where}: {part} needs zh and en texts")
    return Rule(code, dict(when), int(category), dict(raw["basis"]), dict(raw["explain"]))


def parse(data: dict[str, Any]) -> RuleBook:
    """Check a rule book read from YAML; the last rule must match everything (nothing falls through)."""
    rules = tuple(_check(i, raw) for i, raw in enumerate(data.get("rules") or []))
    if not rules:
        raise RulesError("rules.yaml: no rules")
    if len({rule.code for rule in rules}) != len(rules):
        raise RulesError("rules.yaml: rule codes must be unique")
    if rules[-1].when:
        raise RulesError("rules.yaml: the last rule must have no conditions, so that every case is decided")
    sup = data.get("supervisors") or {}
    try:
        supervisors = Supervisors(
            str(sup["role_matches"]),
            str(sup["unit_name_matches"]),
            int(sup["villages_per_supervisor"]),
            int(sup["residents_per_supervisor"]),
        )
    except (KeyError, TypeError, ValueError) as error:
        raise RulesError(f"rules.yaml supervisors: {error}") from None
    return RuleBook(rules, supervisors, {rule.code: rule for rule in rules})


@cache
def rule_book() -> RuleBook:
    with RULES_FILE.open(encoding="utf-8") as handle:
        return parse(yaml.safe_load(handle))
