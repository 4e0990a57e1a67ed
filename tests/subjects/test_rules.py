"""The classification rules as data: checked on load, compiled to one SQL CASE, explained in words."""

from __future__ import annotations

from typing import Any

import duckdb
import pytest

from jiancha.subjects.rules import REVIEW, RulesError, parse, rule_book

# (unit type, unit name, role, leader, source) -> (rule, category)
CASES = [
    ("government_department", "某县财政局", "科员", False, "roster", "ORG-CIVIL-SERVANT", 1),
    ("government_department", "某县公共资源交易中心", "科员", False, "payroll", "ORG-CANGONG", 2),
    ("soe", "某县城市建设投资集团有限公司", "董事长", True, "roster", "SOE-MANAGER", 3),
    ("soe", "某县水务集团有限公司", "出纳", False, "roster", "SOE-ASSETS", 3),
    ("soe", "某县水务集团有限公司", "员工", False, "roster", "STAFF-NOT-IN-SCOPE", 0),
    ("school", "某县第一中学", "校长", True, "roster", "INSTITUTION-MANAGER", 4),
    ("school", "某县第一中学", "教师", False, "roster", "STAFF-NOT-IN-SCOPE", 0),
    ("village_committee", "石门村民委员会", "村报账员", True, "roster", "VILLAGE-FUNDS", 5),
    ("village_committee", "石门村民委员会", "村民小组长", False, "roster", "VILLAGE-MANAGER", 5),
    ("mixed_ownership", "某县农村商业银行股份有限公司", "总经理", True, "roster", "MIXED-MANAGER", 6),
    ("social_organisation", "某县慈善总会", "会长", True, "roster", "SOCIAL-ORG-OFFICER", 6),
    ("school", "某县第一中学", "", None, "payroll", "UNCLEAR", REVIEW),
    (None, "某某有限公司", "经理", True, "roster", "UNCLEAR", REVIEW),
]


def test_every_case_is_decided_by_the_expected_rule_in_one_sql_case() -> None:
    book = rule_book()
    connection = duckdb.connect()
    connection.execute(
        "CREATE TABLE positions (unit_type VARCHAR, unit_name VARCHAR, role VARCHAR, is_leader BOOLEAN, "
        "source VARCHAR, staff_type VARCHAR)"
    )
    connection.executemany(
        "INSERT INTO positions VALUES (?, ?, ?, ?, ?, NULL)", [list(case[:5]) for case in CASES]
    )
    decided = connection.execute(
        f"SELECT {book.case_sql()} AS rule, r.category FROM positions "
        f"JOIN (VALUES {book.category_sql()}) r(code, category) ON r.code = {book.case_sql()} "
        "ORDER BY rowid"
    ).fetchall()
    assert decided == [(case[5], case[6]) for case in CASES]


def test_explanations_name_the_facts_in_both_languages() -> None:
    rule = rule_book().by_code["VILLAGE-FUNDS"]
    facts = {
        "unit": "石门村民委员会",
        "unit_type": "village_committee",
        "role": "村报账员",
        "source": "HR roster",
    }
    assert "石门村民委员会" in rule.explanation(facts, "zh-hans") and "村报账员" in rule.explanation(
        facts, "zh-hans"
    )
    assert "handles the collective's and the state's funds" in rule.explanation(facts, "en")
    assert "第十五条第（五）项" in rule.legal_basis("zh-hans")
    # A fact the rule does not have reads as a dash rather than breaking the sentence.
    assert "—" in rule_book().by_code["ORG-CIVIL-SERVANT"].explanation({"unit": "X"}, "en")


def _book(**rule: Any) -> dict[str, Any]:
    base = {
        "code": "R",
        "category": 1,
        "basis": {"zh": "依据", "en": "basis"},
        "explain": {"zh": "说明", "en": "why"},
    }
    sup = {
        "role_matches": "监察",
        "unit_name_matches": "纪委",
        "villages_per_supervisor": 5,
        "residents_per_supervisor": 5000,
    }
    last = {**base, "code": "LAST", "category": "review", "when": {}}
    return {"rules": [{**base, **rule}, last], "supervisors": sup}


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ({"when": {"colour": ["red"]}}, "rules.yaml rule R: unknown condition(s) colour"),
        ({"when": {"unit_types": ["castle"]}}, "rules.yaml rule R: unknown unit type(s) castle"),
        ({"when": {"role_matches": "("}}, "rules.yaml rule R: role_matches is not a regular expression"),
        ({"category": 7}, "rules.yaml rule R: category must be 0-6 or review"),
        ({"explain": {"zh": "只有中文"}}, "rules.yaml rule R: explain needs zh and en texts"),
        ({"code": "LAST"}, "rules.yaml: rule codes must be unique"),
    ],
)
def test_a_malformed_rule_book_is_refused_naming_the_rule(rule: dict[str, Any], message: str) -> None:
    with pytest.raises(RulesError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse(_book(**rule))


def test_the_last_rule_must_catch_everything() -> None:
    data = _book()
    data["rules"][-1]["when"] = {"leader": True}
    with pytest.raises(RulesError, match="the last rule must have no conditions"):
        parse(data)
