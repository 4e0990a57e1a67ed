"""Funds indicators (资金类指标) over the pool's bank tables: Payment (资金往来), with BankAccount
(银行账户) naming the holder of an account where a payment row does not.

Three indicators, each registered by name for its ``indicators/<CODE>.yaml``:

* ``split_payment`` — SPLIT_PAYMENT 拆分交易: cash deposits (or withdrawals) made on several days
  close together, each just under the large-cash reporting threshold (金融机构大额交易和可疑交易报告
  管理办法: 5万元 cash, one transaction or one day's total), so that no single day is reported;
* ``large_transfer`` — LARGE_TRANSFER 异常大额资金: a transfer far above what the account usually moves,
  judged against the account's own history with robust statistics (median and median absolute
  deviation, which one outlier cannot drag the way it drags a mean and a standard deviation);
* ``fund_cycle`` — FUND_CYCLE 资金回流: public money paid by a unit to a company and passed on, forward
  in time, through intermediaries until it reaches a close relative (or the person) of an official of
  that very unit: the money comes back to the unit's own official's family.

Who is an official (公职人员, 监察对象) is read from Employment: a post whose 监察法第十五条 category is
given. Close relatives (近亲属及姻亲) are read from Family (spouse, father, mother links): spouse,
children, parents, siblings (a shared parent) and in-laws (spouse's parents and siblings, children's
and siblings' spouses).

Every finding carries the exact Payment rows as evidence with their provenance, the parties as
entities keyed by resident ID or USCC, the official's unit where known, and details for the
explanation; never a full ID number in a detail (the explanation is shown to people who may not see
one).
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import duckdb

from jiancha.identifiers import is_valid_resident_id, is_valid_uscc

from .catalogue import register

Row = tuple[Any, ...]

RELATIONS_ZH = {"self": "本人", "spouse": "配偶", "child": "子女", "parent": "父母", "sibling": "兄弟姐妹",
                "in_law": "姻亲"}  # fmt: skip
RELATIONS_EN = {"self": "own account", "spouse": "spouse", "child": "child", "parent": "parent",
                "sibling": "sibling", "in_law": "in-law"}  # fmt: skip
PERSON_ID_TYPE = "居民身份证"
USCC_ID_TYPE = "统一社会信用代码"


def _key(column: str) -> str:
    """An identifier as a join key: upper case, no spaces, NULL when empty."""
    return f"nullif(upper(replace(coalesce(CAST({column} AS VARCHAR), ''), ' ', '')), '')"


# The columns of a Payment row that an evidence row shows (ID numbers stay out: entities carry them).
PAYMENT_COLUMNS = (
    "transactionId", "date", "payerAccount", "payerName", "beneficiaryAccount", "beneficiaryName",
    "amount", "kind", "purpose", "channel",
)  # fmt: skip
PROVENANCE_COLUMNS = ("_feed", "_batch", "_file", "_row")
# Payment rows as the functions below select them: the shown columns, then provenance, then the keys.
PAYMENT_SELECT = ", ".join(
    [f'p."{c}"' for c in PAYMENT_COLUMNS + PROVENANCE_COLUMNS]
    + [
        "coalesce(p.payerIdNumber, p.payerAccount) AS payer_key",
        "coalesce(p.beneficiaryIdNumber, p.beneficiaryAccount) AS beneficiary_key",
        "p.payerIdType",
        "p.beneficiaryIdType",
    ]
)


@dataclass(frozen=True)
class Payment:
    """One Payment row with what the indicators need of it."""

    fields: dict[str, Any]
    provenance: dict[str, Any]
    payer: str
    beneficiary: str
    payer_type: str
    beneficiary_type: str

    @property
    def when(self) -> dt.datetime:
        value: dt.datetime = self.fields["date"]
        return value

    @property
    def amount(self) -> float:
        return float(self.fields["amount"])

    def evidence(self) -> dict[str, Any]:
        shown = {
            k: (v.isoformat(sep=" ") if isinstance(v, dt.datetime) else v) for k, v in self.fields.items()
        }
        shown["amount"] = self.amount
        return {"table": "Payment", "fields": shown, "provenance": self.provenance}


def _payment(row: Row) -> Payment:
    n, m = len(PAYMENT_COLUMNS), len(PROVENANCE_COLUMNS)
    fields = dict(zip(PAYMENT_COLUMNS, row[:n], strict=True))
    provenance = dict(zip(("feed", "batch", "file", "row"), row[n : n + m], strict=True))
    payer, beneficiary, payer_type, beneficiary_type = row[n + m : n + m + 4]
    return Payment(
        fields, provenance, payer or "", beneficiary or "", payer_type or "", beneficiary_type or ""
    )


PAYMENTS = "_funds_payment"


def payment_table(connection: duckdb.DuckDBPyConnection) -> str:
    """The Payment table copied once into the connection's memory, for all the funds indicators of a
    run (the pool's Parquet files are read whole whatever a query filters on, and these indicators
    read Payment several times over). A party whose ID number the row lacks is taken from
    BankAccount, by account number."""
    holder = f"""coalesce({_key("holder")}, {_key("holderCompany")})"""
    kind = f"""CASE WHEN {_key("holder")} IS NOT NULL THEN '{PERSON_ID_TYPE}' ELSE '{USCC_ID_TYPE}' END"""
    connection.execute(
        f"""
        CREATE TEMP TABLE IF NOT EXISTS {PAYMENTS} AS
        WITH accounts AS (
            SELECT {_key("accountNumber")} AS account, any_value({holder}) AS holder, any_value({kind}) AS kind
            FROM BankAccount WHERE {holder} IS NOT NULL GROUP BY 1
        )
        SELECT p.* EXCLUDE (_imported_at) REPLACE (
            {_key("p.payerAccount")} AS payerAccount,
            {_key("p.beneficiaryAccount")} AS beneficiaryAccount,
            coalesce({_key("p.payerIdNumber")}, a.holder) AS payerIdNumber,
            CASE WHEN {_key("p.payerIdNumber")} IS NULL AND a.holder IS NOT NULL THEN a.kind
                 ELSE p.payerIdType END AS payerIdType,
            coalesce({_key("p.beneficiaryIdNumber")}, b.holder) AS beneficiaryIdNumber,
            CASE WHEN {_key("p.beneficiaryIdNumber")} IS NULL AND b.holder IS NOT NULL THEN b.kind
                 ELSE p.beneficiaryIdType END AS beneficiaryIdType
        )
        FROM Payment AS p
        LEFT JOIN accounts AS a ON a.account = {_key("p.payerAccount")}
        LEFT JOIN accounts AS b ON b.account = {_key("p.beneficiaryAccount")}
        """
    )
    return PAYMENTS


def _payments_at(
    connection: duckdb.DuckDBPyConnection, keys: set[tuple[int, int]]
) -> dict[tuple[int, int], Payment]:
    """Full Payment rows by (batch, row)."""
    if not keys:
        return {}
    batches = ", ".join(str(int(b)) for b in sorted({b for b, _r in keys}))
    numbers = ", ".join(str(int(r)) for r in sorted({r for _b, r in keys}))
    rows = connection.execute(
        f"SELECT {PAYMENT_SELECT} FROM {payment_table(connection)} AS p "
        f"WHERE p._batch IN ({batches}) AND p._row IN ({numbers})"
    ).fetchall()
    found = {}
    for row in rows:
        payment = _payment(row)
        key = (int(payment.provenance["batch"]), int(payment.provenance["row"]))
        if key in keys:
            found[key] = payment
    return found


# -- officials and their families ------------------------------------------------------------------


class Post(NamedTuple):
    official: str
    name: str
    unit: str
    unit_name: str
    start: dt.date | None
    end: dt.date | None

    def holds(self, day: dt.date) -> bool:
        return (self.start is None or self.start <= day) and (self.end is None or day <= self.end)


class Kin(NamedTuple):
    official: str
    relative: str
    relation: str  # a RELATIONS_ZH key
    rank: int  # 0 for the official, 1 a spouse ... 5 an in-law: the closer, the lower


@dataclass
class Officials:
    """Officials' posts and close relatives, as read from Employment and Family."""

    posts: dict[str, list[Post]] = field(default_factory=dict)  # official -> posts
    by_unit: dict[str, list[Post]] = field(default_factory=dict)  # unit -> posts
    kin_of: dict[str, list[Kin]] = field(default_factory=dict)  # relative -> kin links, closest first
    family: dict[str, list[Kin]] = field(default_factory=dict)  # official -> kin links (self included)
    names: dict[str, str] = field(default_factory=dict)  # relative or official -> name

    def related(self, person: str) -> Kin | None:
        """The closest link of ``person`` to an official (the person themselves first)."""
        links = self.kin_of.get(person)
        return links[0] if links else None


OFFICIALS_SQL = """
SELECT employee AS official, any_value(name) AS name, employer AS unit,
    any_value(employerName) AS unit_name, min(startDate) AS start_date,
    CASE WHEN bool_or(endDate IS NULL) THEN NULL ELSE max(endDate) END AS end_date
FROM Employment
WHERE coalesce(art15Category, 0) >= 1 AND employee IS NOT NULL AND employer IS NOT NULL
GROUP BY official, unit
ORDER BY official, unit
"""

# Close relatives of every official. Family holds father, mother and spouse links (as the household
# register gives them); children, siblings and in-laws are derived from them.
KIN_SQL = """
WITH who AS MATERIALIZED (
    SELECT DISTINCT employee AS o FROM Employment
    WHERE coalesce(art15Category, 0) >= 1 AND employee IS NOT NULL
),
parent_of AS MATERIALIZED (
    SELECT person AS child, relative AS parent FROM Family
    WHERE relationship IN ('father', 'mother') AND person IS NOT NULL AND relative IS NOT NULL
),
spouse_of AS MATERIALIZED (
    SELECT person AS a, relative AS b FROM Family
    WHERE relationship = 'spouse' AND person IS NOT NULL AND relative IS NOT NULL
    UNION ALL
    SELECT relative, person FROM Family
    WHERE relationship = 'spouse' AND person IS NOT NULL AND relative IS NOT NULL
),
spouses AS MATERIALIZED (SELECT s.a AS o, s.b AS spouse FROM spouse_of AS s JOIN who ON s.a = who.o),
parents AS MATERIALIZED (SELECT p.child AS o, p.parent FROM parent_of AS p JOIN who ON p.child = who.o),
children AS MATERIALIZED (SELECT p.parent AS o, p.child FROM parent_of AS p JOIN who ON p.parent = who.o),
siblings AS MATERIALIZED (
    SELECT x.o, p.child AS sibling FROM parents AS x JOIN parent_of AS p ON p.parent = x.parent
    WHERE p.child <> x.o
),
kin AS (
    SELECT o AS official, o AS relative, 'self' AS relation, 0 AS rank FROM who
    UNION ALL SELECT o, spouse, 'spouse', 1 FROM spouses
    UNION ALL SELECT o, child, 'child', 2 FROM children
    UNION ALL SELECT o, parent, 'parent', 3 FROM parents
    UNION ALL SELECT o, sibling, 'sibling', 4 FROM siblings
    -- in-laws (姻亲): the spouse's parents and siblings, the children's and the siblings' spouses
    UNION ALL SELECT s.o, p.parent, 'in_law', 5 FROM spouses AS s JOIN parent_of AS p ON p.child = s.spouse
    UNION ALL SELECT s.o, q.child, 'in_law', 5
        FROM spouses AS s JOIN parent_of AS p ON p.child = s.spouse JOIN parent_of AS q ON q.parent = p.parent
        WHERE q.child <> s.spouse
    UNION ALL SELECT c.o, s.b, 'in_law', 5 FROM children AS c JOIN spouse_of AS s ON s.a = c.child
    UNION ALL SELECT x.o, s.b, 'in_law', 5 FROM siblings AS x JOIN spouse_of AS s ON s.a = x.sibling
)
-- The closest link wins (an official is their own 'self', whatever else the rows say).
SELECT official, relative, arg_min(relation, rank) AS relation, min(rank) AS rank
FROM kin
GROUP BY official, relative
"""


def _cached(connection: duckdb.DuckDBPyConnection, name: str, sql: str) -> None:
    """Keep the rows of ``sql`` in a temporary table of the connection: the funds indicators of one
    run share the officials and their families instead of reading Family each time."""
    connection.execute(f"CREATE TEMP TABLE IF NOT EXISTS {name} AS {sql}")


def officials(connection: duckdb.DuckDBPyConnection, persons: list[str] | None = None) -> Officials:
    """Officials' posts and families; with ``persons``, only the links of those persons."""
    _cached(connection, "_funds_officials", OFFICIALS_SQL)
    _cached(connection, "_funds_kin", KIN_SQL)
    only = "WHERE relative IN (SELECT unnest($p::VARCHAR[]))" if persons is not None else ""
    kin = connection.execute(
        f"SELECT official, relative, relation, rank FROM _funds_kin {only} ORDER BY relative, rank, official",
        {"p": persons} if persons is not None else {},
    ).fetchall()
    wanted = sorted({row[0] for row in kin})
    posts = connection.execute(
        "SELECT * FROM _funds_officials "
        + ("WHERE official IN (SELECT unnest($o::VARCHAR[]))" if persons is not None else ""),
        {"o": wanted} if persons is not None else {},
    ).fetchall()
    found = Officials()
    for official, name, unit, unit_name, start, end in posts:
        post = Post(official, name or "", unit, unit_name or "", start, end)
        found.posts.setdefault(official, []).append(post)
        found.by_unit.setdefault(unit, []).append(post)
        found.names.setdefault(official, name or "")
    for official, relative, relation, rank in kin:
        if official in found.posts:
            link = Kin(official, relative, relation, rank)
            found.kin_of.setdefault(relative, []).append(link)
            found.family.setdefault(official, []).append(link)
    return found


def _entity(key: str, name: str, role: str) -> dict[str, str]:
    return {"key": key, "name": name, "role": role}


NO_TIE = {
    "relation_zh": "",
    "relation_en": "",
    "official_name": "",
    "unit_name": "",
    "tie_zh": "",
    "tie_en": "",
}


def _official_context(
    found: Officials, person: str, day: dt.date | None = None
) -> tuple[list[dict[str, str]], str, dict[str, Any]]:
    """Entities, unit and details (with a sentence in each language) that tie ``person`` to an
    official, if anything does."""
    link = found.related(person) if person else None
    if link is None:
        return [], "", dict(NO_TIE)
    posts = found.posts[link.official]
    post = next((p for p in posts if day is None or p.holds(day)), posts[0])
    name = found.names.get(link.official, "")
    entities = [] if link.relation == "self" else [_entity(link.official, name, "related official")]
    entities.append(_entity(post.unit, post.unit_name, "unit"))
    if link.relation == "self":
        tie_zh = f"其本人为{post.unit_name}公职人员。"
        tie_en = f"The holder is an official of {post.unit_name}."
    else:
        tie_zh = f"其为{post.unit_name}公职人员{name}的{RELATIONS_ZH[link.relation]}。"
        tie_en = (
            f"The holder is the {RELATIONS_EN[link.relation]} of {name}, an official of {post.unit_name}."
        )
    details = {
        "relation_zh": RELATIONS_ZH[link.relation],
        "relation_en": RELATIONS_EN[link.relation],
        "official_name": name,
        "unit_name": post.unit_name,
        "tie_zh": tie_zh,
        "tie_en": tie_en,
    }
    return entities, post.unit, details


def _add(entities: list[dict[str, str]], key: str, name: str | None, role: str) -> None:
    """Add a party once (the first role given wins)."""
    if key and all(e["key"] != key for e in entities):
        entities.append(_entity(key, name or "", role))


def _subject(key: str, account: str) -> tuple[str, str]:
    """(group, identifier) of a finding about a holder: a person by resident ID, a company or unit
    by USCC, else the account (an ID number that fails its check is never the subject)."""
    if is_valid_resident_id(key):
        return "Person", key
    if is_valid_uscc(key):
        return "Company", key
    return "Account", account or key


# -- SPLIT_PAYMENT 拆分交易 --------------------------------------------------------------------------

SPLIT_SQL = """
SELECT _batch, _row FROM {payments}
WHERE kind IN (SELECT unnest($kinds::VARCHAR[])) AND amount >= (1 - $margin) * $threshold AND amount < $threshold
"""


def _holder(payment: Payment) -> tuple[str, str, str]:
    """(key, name, ID type) of whoever's account cash goes into or comes out of."""
    if payment.fields["payerAccount"]:
        return payment.payer, payment.fields["payerName"] or "", payment.payer_type
    return payment.beneficiary, payment.fields["beneficiaryName"] or "", payment.beneficiary_type


def _series(payments: list[Payment], max_gap: int) -> list[list[Payment]]:
    """Runs of payments (in time order) none more than ``max_gap`` days after the one before."""
    runs: list[list[Payment]] = []
    for payment in sorted(payments, key=lambda p: (p.when, p.provenance["row"])):
        if runs and (payment.when.date() - runs[-1][-1].when.date()).days <= max_gap:
            runs[-1].append(payment)
        else:
            runs.append([payment])
    return runs


@register("split_payment")
def split_payment(connection: duckdb.DuckDBPyConnection, parameters: dict[str, Any]) -> list[Row]:
    """Cash transactions each just under the threshold, on ``min_days`` days or more, none more than
    ``max_gap_days`` after the one before: one finding per holder and series (a person by resident
    ID, else a company by USCC, else the account)."""
    threshold = float(parameters["threshold"])
    keys = connection.execute(
        SPLIT_SQL.replace("{payments}", payment_table(connection)),
        {"kinds": list(parameters["kinds"]), "threshold": threshold, "margin": float(parameters["margin"])},
    ).fetchall()
    by_holder: dict[str, list[Payment]] = defaultdict(list)
    for payment in _payments_at(connection, {(int(b), int(r)) for b, r in keys}).values():
        holder = _holder(payment)[0]
        if holder:
            by_holder[holder].append(payment)
    # One finding per holder, with every qualifying series of theirs.
    series = {
        holder: [p for run in runs for p in run]
        for holder, payments in sorted(by_holder.items())
        if (runs := [
            run for run in _series(payments, int(parameters["max_gap_days"]))
            if len({p.when.date() for p in run}) >= int(parameters["min_days"])
        ])
    }  # fmt: skip
    if not series:
        return []
    found = officials(connection, sorted(series))
    out: list[Row] = []
    for run in series.values():
        holder, name, _type = _holder(run[0])
        account = run[0].fields["payerAccount"] or run[0].fields["beneficiaryAccount"] or ""
        group, identifier = _subject(holder, account)
        days = sorted({p.when.date() for p in run})
        related, unit, context = _official_context(found, holder, days[0])
        total = sum(p.amount for p in run)
        details = {
            "holder_name": name,
            "count": len(run),
            "days": len(days),
            "total": round(total, 2),
            "smallest": round(min(p.amount for p in run), 2),
            "largest": round(max(p.amount for p in run), 2),
            "first": days[0].isoformat(),
            "last": days[-1].isoformat(),
            "threshold": threshold,
            **context,
        }
        entities = [_entity(identifier, name, "depositor"), *related]
        out.append(
            (group, identifier, round(total, 2), [], [p.evidence() for p in run], entities, unit, "", details)
        )
    return out


# -- LARGE_TRANSFER 异常大额资金 ----------------------------------------------------------------------

LARGE_SQL = f"""
WITH rows AS MATERIALIZED (
    SELECT _batch, _row, CAST(amount AS DOUBLE) AS amount,
        payerAccount AS payer_account, coalesce(payerIdNumber, '') AS payer,
        coalesce(payerIdType, '') AS payer_type,
        beneficiaryAccount AS beneficiary_account, coalesce(beneficiaryIdNumber, '') AS beneficiary,
        coalesce(beneficiaryIdType, '') AS beneficiary_type
    FROM {{payments}} WHERE amount > 0
),
sides AS (
    SELECT _batch, _row, amount, 'out' AS direction, payer_account AS account, payer AS holder, payer_type AS holder_type
    FROM rows WHERE payer_account IS NOT NULL
    UNION ALL
    SELECT _batch, _row, amount, 'in', beneficiary_account, beneficiary, beneficiary_type
    FROM rows WHERE beneficiary_account IS NOT NULL
),
chosen AS MATERIALIZED (
    SELECT * FROM sides
    WHERE CASE WHEN holder_type = '{USCC_ID_TYPE}' THEN (CASE WHEN starts_with(holder, '9') THEN 'company' ELSE 'unit' END)
               WHEN holder_type = '{PERSON_ID_TYPE}' OR regexp_full_match(holder, '[0-9]{{17}}[0-9X]') THEN 'person'
               ELSE 'unknown' END IN (SELECT unnest($holder_kinds::VARCHAR[]))
),
-- Only accounts with a transaction large enough to matter are judged.
history AS MATERIALIZED (
    SELECT * FROM chosen
    WHERE (account, direction) IN (SELECT (account, direction) FROM chosen WHERE amount >= $min_amount)
),
centre AS (
    SELECT account, direction, count(*) AS n, median(amount) AS med
    FROM history GROUP BY account, direction HAVING count(*) >= $min_history + 1
),
spread AS (
    SELECT h.account, h.direction, any_value(m.n) AS n, any_value(m.med) AS med, median(abs(h.amount - m.med)) AS mad
    FROM history AS h JOIN centre AS m USING (account, direction) GROUP BY h.account, h.direction
)
SELECT h._batch, h._row, h.direction, h.account, h.holder, s.n - 1 AS history, s.med, s.mad,
    (h.amount - s.med) / greatest(1.4826 * s.mad, $scale_floor * s.med, 0.01) AS z
FROM history AS h JOIN spread AS s USING (account, direction)
WHERE h.amount >= $min_amount AND h.amount >= $min_ratio * s.med
    AND (h.amount - s.med) / greatest(1.4826 * s.mad, $scale_floor * s.med, 0.01) >= $z_threshold
ORDER BY h.account, h.direction, h._batch, h._row
"""


class Outlier(NamedTuple):
    batch: int
    row: int
    direction: str
    account: str
    holder: str
    history: int
    median: float
    mad: float
    z: float


@register("large_transfer")
def large_transfer(connection: duckdb.DuckDBPyConnection, parameters: dict[str, Any]) -> list[Row]:
    """Transfers far above an account's usual amount in the same direction: robust z-score
    (x − median) / (1.4826 · MAD) of at least ``z_threshold``, at least ``min_ratio`` times the median
    and at least ``min_amount``, on an account with at least ``min_history`` other transactions."""
    outliers = [
        Outlier(*row)
        for row in connection.execute(
            LARGE_SQL.replace("{payments}", payment_table(connection)),
            {
                "holder_kinds": list(parameters["holder_kinds"]),
                "min_history": int(parameters["min_history"]),
                "min_amount": float(parameters["min_amount"]),
                "min_ratio": float(parameters["min_ratio"]),
                "z_threshold": float(parameters["z_threshold"]),
                "scale_floor": float(parameters["scale_floor"]),
            },
        ).fetchall()
    ]
    if not outliers:
        return []
    rows = _payments_at(connection, {(o.batch, o.row) for o in outliers})
    by_account: dict[str, list[Outlier]] = defaultdict(list)
    for outlier in outliers:
        by_account[outlier.account].append(outlier)
    found = officials(connection, sorted({o.holder for o in outliers if o.holder}))
    out: list[Row] = []
    for account, flagged in by_account.items():
        payments = [rows[(o.batch, o.row)] for o in flagged]
        top = max(range(len(flagged)), key=lambda i: (payments[i].amount, flagged[i].z))
        outlier, payment = flagged[top], payments[top]
        incoming = outlier.direction == "in"
        holder_name = payment.fields["beneficiaryName" if incoming else "payerName"] or ""
        entities = [_entity(account, holder_name, "account")]
        _add(entities, outlier.holder, holder_name, "account holder")
        for o, p in zip(flagged, payments, strict=True):
            if o.direction == "in":
                _add(entities, p.payer, p.fields["payerName"], "payer")
            else:
                _add(entities, p.beneficiary, p.fields["beneficiaryName"], "beneficiary")
        related, unit, context = _official_context(found, outlier.holder, payment.when.date())
        details = {
            "holder_name": holder_name,
            "direction_zh": "转入" if incoming else "转出",
            "direction_en": "received" if incoming else "paid",
            "amount": round(payment.amount, 2),
            "date": payment.when.date().isoformat(),
            "counterpart_name": payment.fields["payerName" if incoming else "beneficiaryName"] or "",
            "median": round(outlier.median, 2),
            "mad": round(outlier.mad, 2),
            "z": round(min(outlier.z, 9999.0), 1),
            "ratio": round(payment.amount / outlier.median, 1),
            "history": int(outlier.history),
            "count": len(payments),
            **context,
        }
        out.append(
            ("Account", account, round(min(outlier.z, 9999.0), 2), [], [p.evidence() for p in payments],
             [*entities, *related], unit, "", details)
        )  # fmt: skip
    return out


# -- FUND_CYCLE 资金回流 ------------------------------------------------------------------------------

# The payment graph's edges, light: who paid whom, when, how much, and where the row is.
EDGES_SQL = f"""
SELECT coalesce(payerIdNumber, payerAccount) AS payer,
    coalesce(beneficiaryIdNumber, beneficiaryAccount) AS beneficiary,
    coalesce(beneficiaryIdType, '') = '{PERSON_ID_TYPE}' AS to_person,
    "date", CAST(amount AS DOUBLE) AS amount, _batch, _row
FROM {{payments}}
WHERE kind IN (SELECT unnest($kinds::VARCHAR[])) AND amount >= least($min_amount, $min_onward)
    AND "date" IS NOT NULL AND ($through_persons OR coalesce(payerIdType, '') <> '{PERSON_ID_TYPE}')
ORDER BY "date", _batch, _row
"""

# Companies a person holds shares in, represents or directs: where their family's money may sit.
FAMILY_COMPANIES_SQL = """
SELECT asset AS company, owner AS person, 'shareholder' AS tie FROM Ownership
    WHERE coalesce(percentage, 1) > 0
UNION SELECT uscCode, legalRepresentative, 'legal representative' FROM Company
UNION SELECT organization, director, 'director' FROM Directorship
"""


class Edge(NamedTuple):
    payer: str
    beneficiary: str
    to_person: bool
    when: dt.datetime
    amount: float
    batch: int
    row: int


@dataclass(frozen=True)
class Path:
    edges: tuple[Edge, ...]
    unit: str
    kin: Kin


def _targets(found: Officials, unit: str, day: dt.date) -> dict[str, Kin]:
    """Persons whose receiving money would bring it back to an official of ``unit``: the officials
    holding a post there on ``day`` and their close relatives, each with the closest link."""
    out: dict[str, Kin] = {}
    for post in found.by_unit.get(unit, []):
        if post.holds(day):
            for link in found.family.get(post.official, []):
                if link.relative not in out or link.rank < out[link.relative].rank:
                    out[link.relative] = link
    return out


@register("fund_cycle")
def fund_cycle(connection: duckdb.DuckDBPyConnection, parameters: dict[str, Any]) -> list[Row]:
    """Paths in the payment graph from a public unit to an official's family, forward in time.

    Each path starts with a payment by a unit that employs officials to a third party (the
    supplier), follows transfers that leave each party later than the money came in (within
    ``max_gap_days`` of it, and ``window_days`` of the first payment), each carrying a share of the
    previous one between ``min_share`` and ``max_share``, through at most ``max_hops`` payments, and
    ends at an official of that unit or a close relative. One finding per official.
    """
    edges = [
        Edge(*row)
        for row in connection.execute(
            EDGES_SQL.replace("{payments}", payment_table(connection)),
            {
                "kinds": list(parameters["kinds"]),
                "min_amount": float(parameters["min_amount"]),
                "min_onward": float(parameters["min_onward"]),
                "through_persons": bool(parameters["through_persons"]),
            },
        ).fetchall()
        if row[0] and row[1]
    ]
    _cached(connection, "_funds_officials", OFFICIALS_SQL)
    units = {unit for (unit,) in connection.execute("SELECT DISTINCT unit FROM _funds_officials").fetchall()}
    # Only officials whose family receives money from a company can be at the end of a path.
    found = officials(connection, sorted({e.beneficiary for e in edges if e.payer not in units}))
    if not found.family:
        return []
    outgoing: dict[str, list[Edge]] = defaultdict(list)
    for edge in edges:
        if edge.payer not in units:  # after the public payment, money passes through private hands
            outgoing[edge.payer].append(edge)
    times = {payer: [e.when for e in out] for payer, out in outgoing.items()}
    gap = dt.timedelta(days=int(parameters["max_gap_days"]))
    window = dt.timedelta(days=int(parameters["window_days"]))
    min_share, max_share = float(parameters["min_share"]), float(parameters["max_share"])
    max_hops, min_hops = int(parameters["max_hops"]), max(2, int(parameters["min_hops"]))
    min_amount, min_onward = float(parameters["min_amount"]), float(parameters["min_onward"])
    target_cache: dict[tuple[str, dt.date], dict[str, Kin]] = {}
    paths: list[Path] = []
    for first in edges:
        unit = first.payer
        if unit not in units or first.to_person or first.beneficiary in units or first.amount < min_amount:
            continue
        day = first.when.date()
        if (unit, day) not in target_cache:
            target_cache[(unit, day)] = _targets(found, unit, day)
        targets = target_cache[(unit, day)]
        if not targets or first.beneficiary in targets:
            continue
        stack: list[tuple[Edge, ...]] = [(first,)]
        while stack:
            path = stack.pop()
            last = path[-1]
            node = last.beneficiary
            following = outgoing.get(node, [])
            start = bisect.bisect_right(times.get(node, []), last.when)
            limit = min(last.when + gap, first.when + window)
            visited = {unit} | {e.beneficiary for e in path}
            for edge in following[start:]:
                if edge.when > limit:
                    break
                if (
                    edge.beneficiary in visited
                    or edge.amount < min_onward
                    or not (min_share * last.amount <= edge.amount <= max_share * last.amount)
                ):
                    continue
                longer = (*path, edge)
                if edge.beneficiary in targets:
                    if len(longer) >= min_hops:
                        paths.append(Path(longer, unit, targets[edge.beneficiary]))
                elif len(longer) < max_hops:
                    stack.append(longer)
    return _cycle_findings(connection, found, paths) if paths else []


def _cycle_findings(connection: duckdb.DuckDBPyConnection, found: Officials, paths: list[Path]) -> list[Row]:
    rows = _payments_at(connection, {(e.batch, e.row) for p in paths for e in p.edges})
    people = sorted({k for p in paths for k in (p.kin.official, p.kin.relative)})
    companies = sorted({e.beneficiary for p in paths for e in p.edges[:-1]})
    ties: dict[str, set[str]] = defaultdict(set)  # company -> family members tied to it
    for company, person, _tie in connection.execute(
        f"SELECT * FROM ({FAMILY_COMPANIES_SQL}) WHERE company IN (SELECT unnest($c::VARCHAR[])) "
        "AND person IN (SELECT unnest($p::VARCHAR[]))",
        {"c": companies, "p": people},
    ).fetchall():
        ties[company].add(person)
    by_official: dict[str, list[Path]] = defaultdict(list)
    for path in paths:
        by_official[path.kin.official].append(path)
    out: list[Row] = []
    for official, found_paths in sorted(by_official.items()):
        # The fullest path first: most money reaching the family, then fewest hops, then earliest.
        found_paths.sort(key=lambda p: (-p.edges[-1].amount, len(p.edges), p.edges[0].when))
        main = found_paths[0]
        payment = {key: rows[key] for p in found_paths for key in ((e.batch, e.row) for e in p.edges)}
        post = next((p for p in found.posts[official] if p.unit == main.unit), found.posts[official][0])
        entities = [_entity(official, post.name, "official")]
        for path in found_paths:
            last = payment[(path.edges[-1].batch, path.edges[-1].row)]
            _add(entities, path.kin.relative, last.fields["beneficiaryName"], "relative")
        for path in found_paths:
            first = payment[(path.edges[0].batch, path.edges[0].row)]
            _add(entities, path.unit, first.fields["payerName"], "unit")
            for i, edge in enumerate(path.edges[:-1]):
                role = (
                    "relative's company"
                    if ties.get(edge.beneficiary, set()) & {path.kin.relative, path.kin.official}
                    else ("supplier" if i == 0 else "intermediary")
                )
                name = payment[(edge.batch, edge.row)].fields["beneficiaryName"]
                _add(entities, edge.beneficiary, name, role)
        received = {(p.edges[-1].batch, p.edges[-1].row): p.edges[-1].amount for p in found_paths}
        first, last = (payment[(e.batch, e.row)] for e in (main.edges[0], main.edges[-1]))
        details = {
            "official_name": post.name,
            "unit_name": post.unit_name or (first.fields["payerName"] or ""),
            "relative_name": last.fields["beneficiaryName"] or "",
            "relation_zh": RELATIONS_ZH[main.kin.relation],
            "relation_en": RELATIONS_EN[main.kin.relation],
            "recipient_zh": "本人" if main.kin.relation == "self" else
                f"的{RELATIONS_ZH[main.kin.relation]}{last.fields['beneficiaryName'] or ''}",
            "recipient_en": "the official" if main.kin.relation == "self" else
                f"{last.fields['beneficiaryName'] or ''}, {RELATIONS_EN[main.kin.relation]} of the official",
            "supplier_name": first.fields["beneficiaryName"] or "",
            "public_amount": round(first.amount, 2),
            "first_date": first.when.date().isoformat(),
            "family_amount": round(last.amount, 2),
            "last_date": last.when.date().isoformat(),
            "days": (last.when.date() - first.when.date()).days,
            "hops": len(main.edges),
            "paths": len(found_paths),
            "via": "→".join(payment[(e.batch, e.row)].fields["beneficiaryName"] or "?" for e in main.edges[:-1]),
        }  # fmt: skip
        evidence = [
            p.evidence() for p in sorted(payment.values(), key=lambda p: (p.when, p.provenance["row"]))
        ]
        out.append(
            (
                "Person",
                official,
                round(sum(received.values()), 2),
                [],
                evidence,
                entities,
                main.unit,
                "",
                details,
            )
        )
    return out
