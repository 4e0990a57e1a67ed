"""A feed's mapping turned into DuckDB SQL: normalised values plus, per row, the list of errors.

One SELECT per staging table normalises and validates what the feed's pool tables read from it;
each pool table is a projection of its result. Each column's error expression yields
``'<column>|<reason>|<raw value>'`` or NULL; a row with no error is loaded, the others are
reported. Reason codes are stable (``missing``, ``checksum``, ``bad_date`` …); ``describe``
turns them into words.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from .schema import ColumnMap, Table, TableMap, tables
from .sources import literal, quote

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
    "extra_fields": _("more fields than the header names (a delimiter inside a value not in quotes?)"),
}

# The field named by a row-level reject (``extra_fields``): the row as a whole.
WHOLE_ROW = "*"


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


# Kinds whose values can be wrong (all but free text): each has a reason column.
CHECKED_KINDS = set(SQL_TYPE) - {"text"}


def reason_sql(column: ColumnMap, kind: str, t: str, v: str, b: str = "", d: str = "") -> str | None:
    """The reason code a value is wrong ('checksum', 'bad_date' …), from its cleaned text ``t``, typed
    value ``v`` and, for a resident ID or a USCC, its staged body ``b`` (and a resident ID's birth
    date ``d``); None for a kind that cannot be wrong.

    Whether the value is required is not part of it: that depends on the pool column, and one source
    column may fill several (population's ID number fills Person and three Family tables).
    """
    if kind == "resident_id":
        return f"jc_rid_error_of({v}, {b}, {d})"
    if kind == "uscc":
        return f"jc_uscc_error_of({v}, {b})"
    if kind == "date":
        return f"CASE WHEN {t} IS NOT NULL AND ({v} IS NULL OR year({v}) NOT BETWEEN 1900 AND 2100) THEN 'bad_date' END"
    if kind == "timestamp":
        return f"CASE WHEN {t} IS NOT NULL AND {v} IS NULL THEN 'bad_date' END"
    if kind in {"number", "integer"}:
        return f"CASE WHEN {t} IS NOT NULL AND {v} IS NULL THEN 'bad_number' END"
    if kind == "amount":
        negative = f"WHEN {v} < 0 THEN 'negative' " if column.non_negative else ""
        return f"CASE WHEN {t} IS NOT NULL AND {v} IS NULL THEN 'bad_amount' {negative}END"
    if kind == "boolean":
        return f"CASE WHEN {t} IS NOT NULL AND {v} IS NULL THEN 'bad_boolean' END"
    return None


def error_sql(column: ColumnMap, t: str, r: str | None) -> str:
    """NULL, or '<column>|<reason>|<text>' for the cleaned text ``t`` and reason code ``r``."""
    tag = f"{literal(column.column + '|')} || "
    raw = f" || '|' || coalesce({t}, '')"
    checks: list[str] = []
    if column.required:
        checks.append(f"WHEN {t} IS NULL THEN {tag}'missing'{raw}")
    if r is not None:
        checks.append(f"WHEN {r} IS NOT NULL THEN {tag}{r}{raw}")
    if not checks:
        return "NULL"
    return "CASE " + " ".join(checks) + " ELSE NULL END"


@dataclass(frozen=True)
class _Value:
    """One normalised value of a staging row: a source column (or a constant) read as a kind."""

    source: str  # SQL of the raw value: src."column", a literal, or a typed NULL
    kind: str
    truthy: tuple[str, ...] = ()
    non_negative: bool = False


@dataclass
class FeedSQL:
    """The SQL that maps one file to the pool tables of its feed.

    ``normalised[staging]`` reads a staging table (``src``, or an OCDS ``src_tender`` …) once and
    gives what the feed's tables take from it: ``_row``, every typed value ``v<k>`` (the cleaned text
    ``t<k>`` for text) that a table outputs, and per table ``i`` filled from it the list of errors
    ``_errors<i>``. A source column feeding several tables is normalised and validated once, and the
    importer materialises that result only (writing rows into a table costs as much as computing
    them): each pool table is then a projection of it, ``select(i, norm)``, with ``norm`` the name
    of that result.
    """

    normalised: dict[str, str]
    maps: list[tuple[str, TableMap, dict[str, int]]]

    def select(self, index: int, norm: str) -> str:
        """The feed's ``index``-th table from ``norm``: one row per source row (but those its
        ``skip_when_empty`` leaves out), its columns and ``_errors``."""
        _staging, table_map, values = self.maps[index]
        table: Table = tables()[table_map.table]
        by_column = {c.column: c for c in table_map.columns}
        outputs = [
            f"{_value(values[name], kind)} AS {quote(name)}"
            if name in by_column
            else f"CAST(NULL AS {SQL_TYPE[kind]}) AS {quote(name)}"
            for name, kind in table.columns.items()
        ]
        skips = [
            f"{_value(values[name], table.columns[name])} IS NOT NULL"
            for name in table_map.skip_when_empty
            if name in by_column
        ]
        where = (" WHERE " + " AND ".join(skips)) if skips else ""
        return f"SELECT _row, {', '.join(outputs)}, _errors{index} AS _errors FROM {norm}{where}"


def _value(k: int, kind: str) -> str:
    """The column holding the typed value ``k``: text is its cleaned text, kept once."""
    return f"t{k}" if kind == "text" else f"v{k}"


def feed_sql(
    maps: tuple[TableMap, ...],
    available: set[str] | None = None,
    *,
    plain: bool = False,
    extra: str | None = None,
) -> FeedSQL:
    """The SQL mapping a file to its feed's tables (see FeedSQL). ``available``: the file's columns
    (an optional column it lacks gives NULLs, not errors; required ones were checked before).
    ``plain``: the source holds no full-width character and no non-ASCII space
    (``sources.plain_text``), so text is cleaned by the cheaper ``jc_text_plain``, with the same result.
    ``extra``: a column of ``src`` holding a row's first field past the header's last; a row with
    one is rejected from every table (``extra_fields``): its values may sit in the wrong columns.
    """
    keys: dict[str, dict[_Value, int]] = {}
    planned: list[tuple[str, TableMap, dict[str, int]]] = []
    for table_map in maps:
        table = tables()[table_map.table]
        staging = "src" if table_map.source == "src" else f"src_{table_map.source}"
        values = keys.setdefault(staging, {})
        positions: dict[str, int] = {}
        for column in table_map.columns:
            kind = table.columns[column.column]
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
            # One value per source column and kind: a column read the same way by several tables
            # (or twice by one) is normalised and validated once.
            key = _Value(
                source,
                kind,
                column.truthy if kind == "boolean" else (),
                column.non_negative if kind == "amount" else False,
            )
            positions[column.column] = values.setdefault(key, len(values))
        planned.append((staging, table_map, positions))
    normalised = {
        staging: _normalised_sql(
            staging,
            values,
            [
                (index, table_map, positions)
                for index, (read, table_map, positions) in enumerate(planned)
                if read == staging
            ],
            plain,
            extra if staging == "src" else None,
        )
        for staging, values in keys.items()
    }
    return FeedSQL(normalised, planned)


def _normalised_sql(
    staging: str,
    values: dict[_Value, int],
    maps: list[tuple[int, TableMap, dict[str, int]]],
    plain: bool,
    extra: str | None = None,
) -> str:
    """Stages, each a subquery, so that every macro gets a column rather than an expression to
    re-derive: cleaned text, codes (resident IDs, USCCs), typed values, resident ID bodies and birth
    dates, reason codes, error messages; then only what the tables ``maps`` (index, map, value
    positions) output: their values and one list of errors each.
    """
    texts, codes, typed, bodies, reasons = [], [], [], [], []
    for value, k in values.items():
        # Only the fields value_sql reads; the column's name plays no part in the value.
        column = ColumnMap(column="", truthy=value.truthy, non_negative=value.non_negative)
        texts.append(f"{'jc_text_plain' if plain else 'jc_text'}({value.source}) AS t{k}")
        if value.kind in {"resident_id", "uscc"}:
            # The code once, as a column: jc_rid repeats its argument.
            codes.append(f"jc_code(t{k}) AS c{k}")
            code = f"jc_rid(c{k})" if value.kind == "resident_id" else f"c{k}"
            typed.append(f"CAST({code} AS VARCHAR) AS v{k}")
        elif value.kind != "text":
            typed.append(f"{value_sql(column, value.kind, f't{k}')} AS v{k}")
        if value.kind == "resident_id":
            bodies += [f"jc_rid_body(v{k}) AS b{k}", f"jc_rid_birth(v{k}) AS d{k}"]
        elif value.kind == "uscc":
            bodies.append(f"jc_uscc_body(v{k}) AS b{k}")
        reason = reason_sql(column, value.kind, f"t{k}", f"v{k}", f"b{k}", f"d{k}")
        if reason is not None:
            reasons.append(f"{reason} AS r{k}")
    row_error = None
    if extra is not None:
        texts.append(f"{'jc_text_plain' if plain else 'jc_text'}(src.{quote(extra)}) AS x_extra")
        row_error = (
            f"CASE WHEN x_extra IS NOT NULL THEN {literal(WHOLE_ROW + '|extra_fields|')} || x_extra END"
        )
    outputs, messages, lists = _outputs(maps, row_error)
    errors = [f"{error} AS {name}" for error, name in messages.items()]
    query = f"SELECT {', '.join(['src._row AS _row', *texts])} FROM {staging} AS src"
    for stage in (codes, typed, bodies, reasons, errors):
        if stage:
            query = f"SELECT {', '.join(['*', *stage])} FROM ({query})"
    return f"SELECT {', '.join(['_row', *outputs, *lists])} FROM ({query})"


def _outputs(
    maps: list[tuple[int, TableMap, dict[str, int]]], row_error: str | None = None
) -> tuple[list[str], dict[str, str], list[str]]:
    """What the tables ``maps`` (index, map, value positions) take from their staging table: the
    value columns they output, the error messages (SQL, named ``_e<j>``: a message two tables give —
    the same column, value and rule — is built once) and each table's list of errors, in the order
    of its columns, as ``_errors<index>``, after ``row_error`` (an error of the row as a whole)."""
    outputs: dict[str, None] = {}
    messages: dict[str, str] = {}
    lists: list[str] = []
    for index, table_map, positions in maps:
        table = tables()[table_map.table]
        by_column = {c.column: c for c in table_map.columns}
        names: list[str] = []
        if row_error is not None:
            names.append(messages.setdefault(row_error, f"_e{len(messages)}"))
        for name, kind in table.columns.items():
            mapped = by_column.get(name)
            if mapped is None:
                continue
            k = positions[name]
            outputs.setdefault(_value(k, kind))
            error = error_sql(mapped, f"t{k}", f"r{k}" if kind in CHECKED_KINDS else None)
            if error != "NULL":  # a column that cannot be wrong adds nothing to check per row
                names.append(messages.setdefault(error, f"_e{len(messages)}"))
        # Nearly every row has no error: an empty list without building and filtering one.
        error_list = (
            "CASE WHEN "
            + " AND ".join(f"{e} IS NULL" for e in names)
            + " THEN []::VARCHAR[] ELSE list_filter(["
            + ", ".join(names)
            + "], lambda e: e IS NOT NULL) END"
            if names
            else "[]::VARCHAR[]"
        )
        lists.append(f"{error_list} AS _errors{index}")
    return list(outputs), messages, lists
