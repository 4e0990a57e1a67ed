"""Who the pool shows exercising public power (发现的行使公权力人员), classified by the rules, in SQL.

Two sources feed the positions the rules classify:

- ``roster``: the HR roster (干部花名册, feed ``roster`` → Employment). A roster is a full list, so
  each roster file's latest batch is the current one; a person missing from it has left.
- ``payroll``: people paid on a public unit's payroll in the latest month *and* insured by the same
  unit in the latest social-insurance period, who are on no current roster. Pay alone is not enough:
  a second payroll (吃空饷) is the detect app's business, not employment.

The organisation tree (units with type and division) comes from the operational database and is
joined in DuckDB as a temporary table.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from jiancha.orgs.models import Unit
from jiancha.pool import reader

from .identity import person_key_sql
from .rules import REVIEW, RuleBook, rule_book


@dataclass(frozen=True)
class Position:
    """One classified position: what the rules decided and the facts they used."""

    person_key: str
    name: str
    rule_code: str
    category: int  # 0-6, or REVIEW
    source: str
    unit_id: int | None
    division_code: str
    start: dt.date | None
    end: dt.date | None
    party_member: bool | None
    batch: int | None
    facts: dict[str, Any]


def _units_table() -> pa.Table:
    rows = list(Unit.objects.values_list("id", "uscc", "name", "unit_type", "division__code"))
    return pa.table(
        {
            "unit_id": pa.array([r[0] for r in rows], pa.int64()),
            "uscc": pa.array([r[1] or None for r in rows], pa.string()),
            "uname": pa.array([r[2] for r in rows], pa.string()),
            "utype": pa.array([r[3] for r in rows], pa.string()),
            "udivision": pa.array([r[4] for r in rows], pa.string()),
        }
    )


def positions_sql(book: RuleBook) -> str:
    """Every position of the current roster and every off-roster post found from payroll, with the
    unit resolved (by USCC, else by exact name) and the first matching rule's code and category."""
    employee = person_key_sql("employee")
    return f"""
WITH latest AS (
    SELECT _file, max(_batch) AS batch FROM Employment WHERE _feed = 'roster' GROUP BY _file
), roster AS (
    SELECT {employee} AS person_key, any_value(e.name) AS name, e.employerName AS employer_name,
           any_value(e.employer) AS employer, e.role, any_value(e.rank) AS rank,
           any_value(e.staffType) AS staff_type, any_value(e.art15Category) AS roster_category,
           any_value(e.isLeader) AS is_leader, any_value(e.partyMember) AS party_member,
           e.startDate AS start_date, max(e.endDate) AS end_date, max(e._batch) AS batch,
           any_value(e._file) AS file, min(e._row) AS row_number, 'roster' AS source
    FROM Employment e JOIN latest ON e._file = latest._file AND e._batch = latest.batch
    WHERE e.employee IS NOT NULL
    GROUP BY ALL
), paid AS (
    SELECT {person_key_sql("employee")} AS person_key, any_value(name) AS name, employer,
           any_value(employerName) AS employer_name, max(_batch) AS batch,
           any_value(_file) AS file, min(_row) AS row_number
    FROM Payroll
    WHERE period = (SELECT max(period) FROM Payroll) AND employee IS NOT NULL AND employer IS NOT NULL
    GROUP BY ALL
), first_paid AS (
    -- The first pay from the unit that the pool holds dates the post (it began no later).
    SELECT {person_key_sql("employee")} AS person_key, employer, min(date) AS first_paid
    FROM Payroll WHERE employee IS NOT NULL GROUP BY ALL
), insured AS (
    -- Insured by the unit in any period the pool holds: one month's row may be missing or rejected.
    SELECT DISTINCT person, employer FROM SocialInsurance WHERE person IS NOT NULL
), off_roster AS (
    SELECT p.person_key, p.name, p.employer_name, p.employer, NULL::VARCHAR AS role, NULL::VARCHAR AS rank,
           NULL::VARCHAR AS staff_type, NULL::INTEGER AS roster_category, NULL::BOOLEAN AS is_leader,
           NULL::BOOLEAN AS party_member, f.first_paid::DATE AS start_date, NULL::DATE AS end_date,
           p.batch, p.file, p.row_number, 'payroll' AS source
    FROM paid p JOIN insured i ON i.person = p.person_key AND i.employer = p.employer
    JOIN first_paid f ON f.person_key = p.person_key AND f.employer = p.employer
    WHERE p.person_key NOT IN (SELECT person_key FROM roster)
), raw AS (
    SELECT * FROM roster UNION ALL BY NAME SELECT * FROM off_roster
), positions AS (
    SELECT raw.*, coalesce(u1.unit_id, u2.unit_id) AS unit_id,
           coalesce(u1.uname, u2.uname, raw.employer_name) AS unit_name,
           coalesce(u1.utype, u2.utype) AS unit_type, coalesce(u1.udivision, u2.udivision) AS division_code
    FROM raw
    LEFT JOIN units u1 ON u1.uscc = raw.employer
    LEFT JOIN units u2 ON u1.unit_id IS NULL AND u2.uname = raw.employer_name
), decided AS (
    SELECT positions.*, {book.case_sql()} AS rule_code FROM positions
)
SELECT decided.*, r.category FROM decided JOIN (VALUES {book.category_sql()}) r(code, category)
    ON r.code = decided.rule_code
"""


def classify(on: dt.date) -> tuple[list[Position], dict[str, dt.date]]:
    """Each person's deciding position on ``on``, and the last end date of each person's ended posts.

    A person holding several current posts is decided by one: in scope before review before out of
    scope, the roster before payroll, a leading post first, then the latest start.
    """
    book = rule_book()
    cursor = reader.connection().cursor()
    try:
        cursor.register("units_arrow", _units_table())
        cursor.execute("CREATE TEMP TABLE units AS SELECT * FROM units_arrow")
        cursor.execute(f"CREATE TEMP TABLE classified AS {positions_sql(book)}")
        current = cursor.execute(
            """
            SELECT * FROM classified
            WHERE (start_date IS NULL OR start_date <= $on) AND (end_date IS NULL OR end_date >= $on)
            QUALIFY row_number() OVER (
                PARTITION BY person_key
                ORDER BY CASE WHEN category > 0 THEN 0 WHEN category < 0 THEN 1 ELSE 2 END,
                         source = 'payroll', is_leader IS NOT TRUE, start_date DESC NULLS LAST, unit_name
            ) = 1
            ORDER BY person_key
            """,
            {"on": on},
        )
        names = [column[0] for column in current.description or []]
        rows = [dict(zip(names, row, strict=True)) for row in current.fetchall()]
        ended = dict(
            cursor.execute(
                "SELECT person_key, max(end_date) FROM classified WHERE end_date < $on GROUP BY ALL",
                {"on": on},
            ).fetchall()
        )
    finally:
        cursor.close()
    return [_position(row) for row in rows], ended


def _position(row: dict[str, Any]) -> Position:
    category = int(row["category"])
    roster_category = row["roster_category"]
    facts: dict[str, Any] = {
        "source": row["source"],
        "unit": row["unit_name"],
        "unit_type": row["unit_type"] or "",
        "role": row["role"] or "",
        "rank": row["rank"] or "",
        "staff_type": row["staff_type"] or "",
        "leader": row["is_leader"],
        "party_member": row["party_member"],
        "roster_category": roster_category,
        "start": row["start_date"].isoformat() if row["start_date"] else None,
        "end": row["end_date"].isoformat() if row["end_date"] else None,
        "file": row["file"],
        "row": row["row_number"],
        "batch": row["batch"],
    }
    rule_code = row["rule_code"]
    if category >= 0 and roster_category is not None and int(roster_category) != category:
        # The organisation department's own column says otherwise: a person settles it.
        facts["rule_category"] = category
        facts["disagreement"] = True
        category = REVIEW
    return Position(
        person_key=row["person_key"],
        name=row["name"] or "",
        rule_code=rule_code,
        category=category,
        source=row["source"],
        unit_id=row["unit_id"],
        division_code=row["division_code"] or "",
        start=row["start_date"],
        end=row["end_date"],
        party_member=row["party_member"],
        batch=row["batch"],
        facts=facts,
    )


def supervisors(on: dt.date) -> list[tuple[str, str, str]]:
    """Full-time grassroots supervisors on the current roster on ``on``: (person, division code, role).

    A roster position counts when its title or its unit's name matches rules.yaml's ``supervisors``
    patterns; its place is the division of its unit (resolved as for classification).
    """
    sup = rule_book().supervisors
    cursor = reader.connection().cursor()
    try:
        cursor.register("units_arrow", _units_table())
        cursor.execute("CREATE TEMP TABLE units AS SELECT * FROM units_arrow")
        rows = cursor.execute(
            f"""
            WITH latest AS (
                SELECT _file, max(_batch) AS batch FROM Employment WHERE _feed = 'roster' GROUP BY _file
            )
            SELECT DISTINCT {person_key_sql("e.employee")}, coalesce(u1.udivision, u2.udivision), e.role
            FROM Employment e JOIN latest ON e._file = latest._file AND e._batch = latest.batch
            LEFT JOIN units u1 ON u1.uscc = e.employer
            LEFT JOIN units u2 ON u1.unit_id IS NULL AND u2.uname = e.employerName
            WHERE e.employee IS NOT NULL
              AND (e.startDate IS NULL OR e.startDate <= $on) AND (e.endDate IS NULL OR e.endDate >= $on)
              AND (regexp_matches(coalesce(e.role, ''), $role)
                   OR regexp_matches(coalesce(e.employerName, ''), $unit))
              AND coalesce(u1.udivision, u2.udivision) IS NOT NULL
            ORDER BY 1
            """,
            {"on": on, "role": sup.role_matches, "unit": sup.unit_name_matches},
        ).fetchall()
    finally:
        cursor.close()
    return [(str(a), str(b), str(c or "")) for a, b, c in rows]
