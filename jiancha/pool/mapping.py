"""A feed's mapping turned into DuckDB SQL: normalised values plus, per row, the list of errors.

One SELECT per pool table the feed fills. Each column's error expression yields
``'<column>|<reason>|<raw value>'`` or NULL; a row with no error is loaded, the others are
reported. Reason codes are stable (``missing``, ``checksum``, ``bad_date`` …); ``describe``
turns them into words.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from .schema import ColumnMap, Table, TableMap, tables
from .sources import quote

# Typed value from the cleaned text ``{t}`` of a source column.
VALUE_EXPRESSION = {
    "text": "{t}",
    "resident_id": "jc_rid(jc_code({t}))",
    "uscc": "jc_code({t})",
    "date": "jc_date({t})",
    "timestamp": "jc_timestamp({t})",
    "amount": "jc_amount({t})",
    "number": "jc_number({t})",
    "integer": "jc_integer({t})",
}
SQL_TYPE = {
    "text": "VARCHAR",
    "resident_id": "VARCHAR",
    "uscc": "VARCHAR",
    "date": "DATE",
    "timestamp": "TIMESTAMP",
    "amount": "DECIMAL(18, 2)",
    "number": "DOUBLE",
    "integer": "BIGINT",
    "boolean": "BOOLEAN",
}
DEFAULT_TRUTHY = ("是", "Y", "YES", "TRUE", "1", "有")
DEFAULT_FALSY = ("否", "N", "NO", "FALSE", "0", "无")

# What each stable reason code means, for people reading a quality report.
REASONS = {
    "missing": _("required value is missing"),
    "length": _("an identifier of the wrong length"),
    "format": _("an identifier with characters it may not have"),
    "birth_date": _("the birth date in the resident ID does not exist"),
    "checksum": _("the check character does not match"),
    "division": _("positions 3-8 of the USCC are not a division code"),
    "bad_date": _("not a date in any format the departments use"),
    "bad_number": _("not a number"),
    "bad_amount": _("not an amount (yuan, or 万元)"),
    "negative": _("a negative amount"),
    "bad_boolean": _("neither yes nor no"),
}


def literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def value_sql(column: ColumnMap, kind: str, t: str) -> str:
    """The typed value of a pool column from its cleaned text column ``t``."""
    if kind == "boolean":
        if column.truthy:
            # A feed that names its true values ("中共党员") makes every other value false ("群众").
            truthy = ", ".join(literal(v.upper()) for v in column.truthy)
            return f"CASE WHEN {t} IS NULL THEN NULL ELSE upper({t}) IN ({truthy}) END"
        truthy = ", ".join(literal(v) for v in DEFAULT_TRUTHY)
        falsy = ", ".join(literal(v) for v in DEFAULT_FALSY)
        return f"CASE WHEN upper({t}) IN ({truthy}) THEN true WHEN upper({t}) IN ({falsy}) THEN false ELSE NULL END"
    return f"CAST({VALUE_EXPRESSION[kind].format(t=t)} AS {SQL_TYPE[kind]})"


def error_sql(column: ColumnMap, kind: str, t: str, v: str) -> str:
    """NULL, or '<column>|<reason>|<text>' for the cleaned text ``t`` and typed value ``v``."""
    tag = f"{literal(column.column + '|')} || "
    raw = f" || '|' || coalesce({t}, '')"
    checks: list[str] = []
    if column.required:
        checks.append(f"WHEN {t} IS NULL THEN {tag}'missing'{raw}")
    if kind == "resident_id":
        checks.append(f"WHEN jc_rid_error({v}) IS NOT NULL THEN {tag}jc_rid_error({v}){raw}")
    elif kind == "uscc":
        checks.append(f"WHEN jc_uscc_error({v}) IS NOT NULL THEN {tag}jc_uscc_error({v}){raw}")
    elif kind == "date":
        checks.append(
            f"WHEN {t} IS NOT NULL AND ({v} IS NULL OR year({v}) NOT BETWEEN 1900 AND 2100) THEN {tag}'bad_date'{raw}"
        )
    elif kind == "timestamp":
        checks.append(f"WHEN {t} IS NOT NULL AND {v} IS NULL THEN {tag}'bad_date'{raw}")
    elif kind in {"number", "integer"}:
        checks.append(f"WHEN {t} IS NOT NULL AND {v} IS NULL THEN {tag}'bad_number'{raw}")
    elif kind == "amount":
        checks.append(f"WHEN {t} IS NOT NULL AND {v} IS NULL THEN {tag}'bad_amount'{raw}")
        if column.non_negative:
            checks.append(f"WHEN {v} < 0 THEN {tag}'negative'{raw}")
    elif kind == "boolean":
        checks.append(f"WHEN {t} IS NOT NULL AND {v} IS NULL THEN {tag}'bad_boolean'{raw}")
    if not checks:
        return "NULL"
    return "CASE " + " ".join(checks) + " ELSE NULL END"


def select_sql(table_map: TableMap, available: set[str] | None = None, *, plain: bool = False) -> str:
    """The SELECT that maps ``src`` to one pool table, with `_row` and `_errors` (a list).

    Stages, each a subquery, so that every macro gets a column rather than an expression to
    re-derive: cleaned text, typed values, each column's error, then the list of errors. ``plain``:
    the source holds no full-width character and no non-ASCII space (``sources.plain_text``), so
    text is cleaned by the cheaper ``jc_text_plain``, with the same result.
    """
    table: Table = tables()[table_map.table]
    by_column = {c.column: c for c in table_map.columns}
    texts: list[str] = []
    typed: list[str] = []
    outputs: list[str] = []
    errors: list[str] = []
    for index, (name, kind) in enumerate(table.columns.items()):
        column = by_column.get(name)
        if column is None:
            outputs.append(f"CAST(NULL AS {SQL_TYPE[kind]}) AS {quote(name)}")
            continue
        if (
            table_map.source == "src"
            and column.source
            and available is not None
            and column.source not in available
        ):
            # An optional column this file does not have: no value, not an error (required
            # columns were checked before).
            source = "CAST(NULL AS VARCHAR)"
        else:
            source = f"src.{quote(column.source)}" if column.source else literal(column.value or "")
        texts.append(f"{'jc_text_plain' if plain else 'jc_text'}({source}) AS t{index}")
        typed.append(f"{value_sql(column, kind, f't{index}')} AS v{index}")
        outputs.append(f"v{index} AS {quote(name)}")
        error = error_sql(column, kind, f"t{index}", f"v{index}")
        if error != "NULL":  # a column that cannot be wrong adds nothing to check per row
            errors.append(f"{error} AS e{index}")
    text_columns = ", ".join(["src._row AS _row", *texts])
    typed_columns = ", ".join(["*", *typed])
    error_columns = ", ".join(["*", *errors])
    names_of_errors = [e.rsplit(" AS ", 1)[1] for e in errors]
    # Nearly every row has no error: an empty list without building and filtering one.
    error_list = (
        "CASE WHEN "
        + " AND ".join(f"{e} IS NULL" for e in names_of_errors)
        + " THEN []::VARCHAR[] ELSE list_filter(["
        + ", ".join(names_of_errors)
        + "], lambda e: e IS NOT NULL) END"
        if errors
        else "[]::VARCHAR[]"
    )
    names = list(table.columns)
    skips = [f"v{names.index(name)} IS NOT NULL" for name in table_map.skip_when_empty if name in by_column]
    where = (" WHERE " + " AND ".join(skips)) if skips else ""
    staging = "src" if table_map.source == "src" else f"src_{table_map.source}"
    return (
        f"SELECT _row, {', '.join(outputs)}, {error_list} AS _errors FROM (SELECT {error_columns} FROM "
        f"(SELECT {typed_columns} FROM (SELECT {text_columns} FROM {staging} AS src)){where})"
    )
