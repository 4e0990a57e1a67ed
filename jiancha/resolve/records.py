"""Mentions (记录) of people and companies in the pool's tables, as one DuckDB table per kind.

Every place a table names a person or a company is a *mention*: Employment.employee with its name,
Payment.payerIdNumber when its type is a resident ID, Company.uscCode with the company's name… Each
mention becomes one record for resolution, keyed by its table, role and provenance (batch, row), with
what it says about the entity: name, identifier (valid, or absent — invalid ones were rejected at
import), birth date and gender (from the row, else from the resident ID), address and phone.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import duckdb
import pyarrow as pa

from jiancha.pool.schema import tables

from . import names

PERSON_ID_TYPE = "居民身份证"
COMPANY_ID_TYPE = "统一社会信用代码"


@dataclass(frozen=True)
class Mention:
    """One column of a pool table that names an entity."""

    table: str
    role: str  # the identifier column (or, for a name without one, the name column)
    name: str
    where: str = "TRUE"
    birth: str = "NULL"
    gender: str = "NULL"
    address: str = "NULL"
    phone: str = "NULL"


PERSON_MENTIONS = (
    Mention(
        "Person", "idNumber", "name", birth="birthDate", gender="gender", address="address", phone="phone"
    ),
    Mention("Death", "idNumber", "name"),
    Mention("Employment", "employee", "name", phone="phone"),
    Mention("Company", "legalRepresentative", "legalRepresentativeName"),
    Mention("Ownership", "owner", "ownerName", where="ownerCompany IS NULL"),
    Mention("Directorship", "director", "directorName"),
    Mention("RealEstate", "owner", "ownerName"),
    Mention("Vehicle", "owner", "ownerName", where="ownerCompany IS NULL"),
    Mention("BankAccount", "holder", "holderName", where="holderCompany IS NULL"),
    Mention("Payment", "payerIdNumber", "payerName", where=f"payerIdType = '{PERSON_ID_TYPE}'"),
    Mention(
        "Payment", "beneficiaryIdNumber", "beneficiaryName", where=f"beneficiaryIdType = '{PERSON_ID_TYPE}'"
    ),
    Mention("Benefit", "recipient", "recipientName"),
    Mention("Payroll", "employee", "name"),
    Mention("SocialInsurance", "person", "name"),
    Mention("Declaration", "declarant", "name"),
    Mention("Declaration", "relative", "relativeName"),
)

COMPANY_MENTIONS = (
    Mention("Company", "uscCode", "name", address="address", phone="phone"),
    Mention("Ownership", "asset", "assetName"),
    Mention("Ownership", "ownerCompany", "ownerName", where="ownerCompany IS NOT NULL"),
    Mention("Directorship", "organization", "organizationName"),
    Mention("Employment", "employer", "employerName"),
    Mention("Payroll", "employer", "employerName"),
    Mention("SocialInsurance", "employer", "employerName"),
    Mention("TaxPayment", "taxpayer", "taxpayerName"),
    Mention("Tender", "buyer", "buyerName"),
    Mention("Bid", "bidder", "bidderName"),
    Mention("Award", "supplier", "supplierName"),
    Mention("Vehicle", "ownerCompany", "ownerName", where="ownerCompany IS NOT NULL"),
    # Payments typed with a USCC are left out: banks' account-name fields there often carry the
    # person who operates the account (个体户), not the company's name.
)

MENTIONS = {"person": PERSON_MENTIONS, "company": COMPANY_MENTIONS}
KINDS = tuple(MENTIONS)


def stage(connection: duckdb.DuckDBPyConnection, name: str, table: pa.Table) -> None:
    """Copy rows built in Python into a DuckDB temp table ``name`` (the Arrow object is not kept)."""
    connection.register(f"{name}_arrow", table)
    connection.execute(f'CREATE OR REPLACE TEMP TABLE "{name}" AS SELECT * FROM "{name}_arrow"')
    connection.unregister(f"{name}_arrow")


def _select(kind: str, m: Mention) -> str:
    declared = tables()[m.table].columns.get(m.role)
    if declared == ("resident_id" if kind == "person" else "uscc"):
        # The importer checked it: a row whose identifier fails GB 11643 / GB 32100 never lands.
        valid = "TRUE"
    else:
        valid = "jc_rid_error(_m_raw) IS NULL" if kind == "person" else "jc_uscc_error(_m_raw) IS NULL"
    if kind == "person":
        birth = f"coalesce(CAST({m.birth} AS DATE), CAST(jc_rid_birth(_m_id) AS DATE))"
        gender = (
            f"coalesce(CAST({m.gender} AS VARCHAR), CASE WHEN _m_id IS NULL THEN NULL "
            "WHEN CAST(substr(_m_id, 17, 1) AS INTEGER) % 2 = 1 THEN '男' ELSE '女' END)"
        )
    else:
        birth, gender = "CAST(NULL AS DATE)", "CAST(NULL AS VARCHAR)"
    # The inner query keeps the identifier only when it is valid: an identifier that fails its check
    # is no identifier (departments' typos), and must not take part in the hard rule. The mention's
    # name and identifier get aliases of their own: a table may have a column called "name" that
    # is not this mention's (Payroll.name is the employee's, not the employer's).
    return (
        f"SELECT '{m.table}.{m.role}:' || _batch || ':' || _row AS record_key, '{m.table}' AS tab, "
        f"'{m.role}' AS role, _feed AS feed, _batch AS batch, _file AS file, _row AS row, _m_name AS name, "
        f"_m_id AS id_number, {birth} AS birth_date, {gender} AS gender, CAST({m.address} AS VARCHAR) AS address, "
        f"regexp_replace(CAST({m.phone} AS VARCHAR), '[^0-9]', '', 'g') AS phone "
        f'FROM (SELECT *, "{m.name}" AS _m_name, CASE WHEN {valid} THEN _m_raw END AS _m_id '
        f'FROM (SELECT *, "{m.role}" AS _m_raw FROM "{m.table}") WHERE {m.where}) '
        f"WHERE _m_name IS NOT NULL OR _m_id IS NOT NULL"
    )


# Records the same in every compared field are one signature (签名): scored once, whatever their
# number (a person's hundred bank transactions). A person's record without identifier that has nothing
# but a name is its own signature: a name alone identifies no one (张伟). A company's name does (names
# are unique within a registration authority), so company records always share signatures.
SIGNATURE_FIELDS = (
    "md5(concat_ws('|', coalesce(id_number, ''), coalesce(name, ''), coalesce(CAST(birth_date AS VARCHAR), ''), "
    "coalesce(gender, ''), coalesce(phone, ''), coalesce(address, '')))"
)
SIGNATURE = {
    "person": "CASE WHEN id_number IS NULL AND birth_date IS NULL AND phone IS NULL AND address IS NULL "
    f"THEN record_key ELSE {SIGNATURE_FIELDS} END",
    "company": SIGNATURE_FIELDS,
}
COMPARED = ("id_number", "name", "birth_date", "gender", "phone", "address")


def _blinded(kind: str, blind: float) -> str:
    union = " UNION ALL ".join(_select(kind, m) for m in MENTIONS[kind])
    hidden = (
        f"tab NOT IN ('Person', 'Company') AND (hash(id_number || file) % 10000) < {int(blind * 10000)}"
        if blind
        else "FALSE"
    )
    return (
        f"SELECT * EXCLUDE (id_number), CASE WHEN {hidden} THEN NULL ELSE id_number END AS id_number, "
        f"id_number AS source_id FROM ({union})"
    )


def mentions_sql(kind: str, blind: float = 0.0) -> str:
    """Every mention of the kind, one row each: keys, provenance, compared fields and signature.

    ``blind`` is for measurement only: that share of mentions outside the register (Person, Company),
    chosen by a hash of the person and file, lose their identifier but keep the birth date and gender
    read from it — a department that delivers 出生日期 and 性别 but no ID number. Resolution must then
    find them by name, birth date, gender, phone and address.
    """
    return f"SELECT *, {SIGNATURE[kind]} AS sig FROM ({_blinded(kind, blind)})"


def build(
    connection: duckdb.DuckDBPyConnection,
    kind: str,
    table: str | None = None,
    blind: float = 0.0,
    new_batches: Iterable[int] = (),
) -> str:
    """Create ``<kind>_records``, one row per signature, and the view ``<kind>_mentions``; return the
    table's name.

    The mentions stay a view over the pool (a province holds some 85 million): what is compared is
    kept once per signature, with how many mentions and departments bear it, the first mention (for
    the review page) and whether one of them is from ``new_batches`` (incremental runs). ``blind``:
    see ``mentions_sql``.
    """
    target = table or f"{kind}_records"
    mentions = f"{kind}_mentions"
    connection.execute(f'CREATE OR REPLACE TEMP VIEW "{mentions}" AS {mentions_sql(kind, blind)}')
    fields = ", ".join(COMPARED)
    # A person's record with nothing but a name is a signature of its own (SIGNATURE): its key.
    solo = (
        "CASE WHEN id_number IS NULL AND birth_date IS NULL AND phone IS NULL AND address IS NULL "
        "THEN record_key END"
        if kind == "person"
        else "CAST(NULL AS VARCHAR)"
    )
    new = ", ".join(str(int(b)) for b in new_batches) or "NULL"
    # Grouped on the compared fields themselves, per department first (the training counts one row
    # per department and spelling), then per signature; the digest is taken once per group.
    connection.execute(
        f'CREATE OR REPLACE TEMP TABLE "_sig_feed_{target}" AS SELECT {fields}, {solo} AS record_key, '
        "count(*) AS mentions, "
        "min(struct_pack(batch := batch, row := row, tab := tab)) AS first, "
        f"bool_or(batch IN ({new})) AS is_new FROM ({_blinded(kind, blind)}) GROUP BY {fields}, 7, feed"
    )
    distinct = [
        row[0]
        for row in connection.execute(
            f'SELECT DISTINCT name FROM "_sig_feed_{target}" WHERE name IS NOT NULL'
        ).fetchall()
    ]
    keys = names.name_keys(distinct, company=kind == "company")
    stage(connection, "_name_keys_t", keys)
    connection.execute(
        f'CREATE OR REPLACE TABLE "{target}" AS SELECT {SIGNATURE[kind]} AS sig, s.* EXCLUDE (record_key), '
        "k.name_norm, k.pinyin, k.pinyin[-1] AS py_generic, k.surname_py FROM ("
        f"SELECT {fields}, record_key, count(*) AS feeds, sum(mentions)::BIGINT AS mentions, "
        f'min(first) AS first, bool_or(is_new) AS is_new FROM "_sig_feed_{target}" GROUP BY {fields}, record_key) s '
        "LEFT JOIN _name_keys_t k USING (name)"
    )
    connection.execute(f'DROP TABLE "_sig_feed_{target}"')
    connection.execute("DROP TABLE _name_keys_t")
    return target
