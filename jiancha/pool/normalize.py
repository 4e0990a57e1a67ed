"""Normalisation and validation of department values, as DuckDB SQL macros.

Imports run as set operations in DuckDB, not Python loops over rows, so every rule here is a SQL
macro. The identifier macros implement the same rules as ``jiancha.identifiers`` (GB 11643, GB 32100);
a test checks the two agree on many generated values.

Each ``*_error`` macro returns NULL for a good value and a short reason code otherwise; the importer
turns codes into messages.
"""

from __future__ import annotations

import functools
import re

import duckdb

from jiancha.identifiers import RESIDENT_ID_WEIGHTS, USCC_ALPHABET, USCC_WEIGHTS

# Full-width ASCII (！ to ～) and the ideographic space, as departments' Excel files carry them.
FULLWIDTH = "".join(chr(code) for code in range(0xFF01, 0xFF5F)) + "\u3000"
HALFWIDTH = "".join(chr(code - 0xFEE0) for code in range(0xFF01, 0xFF5F)) + " "

# The characters DuckDB's trim() removes (Unicode category Zs), as a regular expression class.
UNICODE_SPACES = " \u00a0\u1680\u2000-\u200a\u202f\u205f\u3000"

TIMESTAMP_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S%z",
    "%Y/%m/%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y/%m/%d %H:%M",
    "%Y年%m月%d日 %H:%M:%S",
    "%Y年%m月%d日 %H:%M",
    "%Y%m%d%H%M%S",
    "%Y-%m-%d",
    "%Y/%m/%d",
    "%Y年%m月%d日",
)
# A date column also takes a timestamp: departments export "2025/2/2 09:30" for a date.
DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y%m%d", "%Y年%m月%d日", "%Y.%m.%d", *TIMESTAMP_FORMATS[:8])


def _sql_list(values: tuple[str, ...]) -> str:
    return "[" + ", ".join("'" + value.replace("'", "''") + "'" for value in values) + "]"


def _weighted_sum(expression: str, weights: tuple[int, ...], value_of: str) -> str:
    terms = [f"({value_of.format(f'substr({expression}, {i + 1}, 1)')}) * {w}" for i, w in enumerate(weights)]
    return " + ".join(terms)


def _rid_error(birth: str, year: str, check: str) -> str:
    """The reason a normalised resident ID ``n`` is invalid (NULL if valid), from its birth date
    ``birth``, the year of it ``year`` and its check character ``check``."""
    return (
        "CASE "
        "WHEN n IS NULL THEN NULL "
        "WHEN length(n) <> 18 THEN 'length' "
        "WHEN NOT regexp_full_match(n, '[0-9]{17}[0-9X]') THEN 'format' "
        f"WHEN {birth} IS NULL OR CAST({birth} AS DATE) > current_date OR {year} < 1850 THEN 'birth_date' "
        f"WHEN {check} <> substr(n, 18, 1) THEN 'checksum' "
        "ELSE NULL END"
    )


def _uscc_error(check: str) -> str:
    """The reason a code ``c`` is not a valid USCC (NULL if valid), ``check`` being its check
    character as computed."""
    return (
        "CASE "
        "WHEN c IS NULL THEN NULL "
        "WHEN length(c) <> 18 THEN 'length' "
        f"WHEN NOT regexp_full_match(c, '[{USCC_ALPHABET}]{{18}}') THEN 'format' "
        "WHEN NOT regexp_full_match(substr(c, 3, 6), '[0-9]{6}') THEN 'division' "
        f"WHEN {check} <> substr(c, 18, 1) THEN 'checksum' "
        "ELSE NULL END"
    )


def macros() -> list[str]:
    """CREATE MACRO statements, in dependency order."""
    rid_sum = _weighted_sum("b", RESIDENT_ID_WEIGHTS, "CAST({} AS INTEGER)")
    # The same sum from the first 17 digits as one BIGINT: digit i is (b // 10^(16-i)) % 10.
    rid_number_sum = " + ".join(
        f"((b // {10 ** (16 - i)}) % 10) * {w}" for i, w in enumerate(RESIDENT_ID_WEIGHTS)
    )
    uscc_sum = _weighted_sum("b", USCC_WEIGHTS, f"strpos('{USCC_ALPHABET}', {{}}) - 1")
    uscc_number_sum = " + ".join(f"((b // {10 ** (16 - i)}) % 10) * {w}" for i, w in enumerate(USCC_WEIGHTS))
    fullwidth = FULLWIDTH.replace("'", "''")
    halfwidth = HALFWIDTH.replace("'", "''")
    # Each macro takes a value already cleaned by the one before it (text → code → ID), so that
    # expressions stay flat: a macro that re-derives its input from raw text several times grows
    # into a tree DuckDB takes most of a second to bind.
    return [
        # Text: full-width to half-width, trimmed, empty as NULL. Most identifiers, dates and amounts
        # are plain ASCII (as many bytes as characters): they need no folding, and only a space at
        # either end to trim. Other values are folded — translate() with a long table is slow, so only
        # when a full-width character is there — and trimmed of any Unicode space. This split takes a
        # quarter off an import's mapping time. Most other values (Chinese names, addresses) have
        # neither a full-width character nor a space at an end: one regular expression finds the
        # few that have (trim() removes the Zs spaces, UNICODE_SPACES), and only those are folded
        # and trimmed; the others are kept as they are, which is what folding and trimming gives.
        "CREATE OR REPLACE MACRO jc_fold(s) AS CASE WHEN regexp_matches(s, '[！-～　]') "
        f"THEN translate(s, '{fullwidth}', '{halfwidth}') ELSE s END",
        # A value without a space (most: contains() is a byte search) has none at an end either.
        "CREATE OR REPLACE MACRO jc_clean(s) AS CASE WHEN strlen(s) = length(s) "
        "THEN (CASE WHEN contains(s, ' ') AND (starts_with(s, ' ') OR ends_with(s, ' ')) THEN trim(s) ELSE s END) "
        f"WHEN regexp_matches(s, '[！-～　]|^[{UNICODE_SPACES}]|[{UNICODE_SPACES}]$') THEN trim(jc_fold(s)) "
        "ELSE s END",
        "CREATE OR REPLACE MACRO jc_text(s) AS nullif(jc_clean(CAST(s AS VARCHAR)), '')",
        # The same for a value known to hold no full-width character and no space but the ASCII one
        # (sources.plain_text checks the whole file): only ASCII spaces to trim.
        "CREATE OR REPLACE MACRO jc_text_plain(s) AS nullif(CASE WHEN contains(CAST(s AS VARCHAR), ' ') "
        "AND (starts_with(CAST(s AS VARCHAR), ' ') OR ends_with(CAST(s AS VARCHAR), ' ')) "
        "THEN trim(CAST(s AS VARCHAR)) ELSE CAST(s AS VARCHAR) END, '')",
        "CREATE OR REPLACE MACRO jc_code(t) AS nullif(upper(replace(t, ' ', '')), '')",
        # Dates and times: ISO text, by far the most common, is cast directly; the list of formats is
        # tried only for the rest. Eight digits (20250105, the next most common) can only be %Y%m%d —
        # every other format has a separator — so that one format is tried first (half the cost).
        # The list of formats says only whether the text is in one of them: it does not refuse a day
        # past the month's end (2025/02/30 becomes 2025-03-02, a DuckDB quirk of try_strptime with a
        # list holding %z). The date is then the one written — year, month and day are the first eight
        # digits of a compact value (20250105, 20250105094200), else the first three numbers — and an
        # impossible one is refused.
        "CREATE OR REPLACE MACRO jc_ymd(n) AS "
        "TRY_CAST(lpad(n[1], 4, '0') || '-' || lpad(n[2], 2, '0') || '-' || lpad(n[3], 2, '0') AS DATE)",
        "CREATE OR REPLACE MACRO jc_written_date(t) AS CASE WHEN regexp_matches(t, '^[0-9]{8}') "
        "THEN TRY_CAST(substr(t, 1, 4) || '-' || substr(t, 5, 2) || '-' || substr(t, 7, 2) AS DATE) "
        "ELSE jc_ymd(regexp_extract_all(t, '[0-9]+')) END",
        # The other common shapes have paths of their own, each giving what the list does for the
        # texts it takes (a test compares them on many generated values): 2025/1/5 and 2025年1月5日
        # are cast as dates (the cast refuses an impossible day, as jc_written_date does), ten times
        # cheaper than trying the list, which fails slowly through the formats before the one that fits.
        "CREATE OR REPLACE MACRO jc_date(t) AS CASE WHEN regexp_full_match(t, '[0-9]{4}-[0-9]{2}-[0-9]{2}([ T].*)?') "
        "THEN TRY_CAST(substr(t, 1, 10) AS DATE) "
        "WHEN regexp_full_match(t, '[0-9]{4}/[0-9]{1,2}/[0-9]{1,2}') THEN TRY_CAST(t AS DATE) "
        "WHEN regexp_full_match(t, '[0-9]{4}年[0-9]{1,2}月[0-9]{1,2}日') "
        "THEN TRY_CAST(rtrim(translate(t, '年月', '--'), '日') AS DATE) "
        "WHEN regexp_full_match(t, '[0-9]{8}') THEN CAST(try_strptime(t, '%Y%m%d') AS DATE) "
        f"WHEN try_strptime(t, {_sql_list(DATE_FORMATS)}) IS NOT NULL THEN jc_written_date(t) END",
        # Fourteen digits (20251230094200) can only be %Y%m%d%H%M%S: that one format alone.
        "CREATE OR REPLACE MACRO jc_timestamp(t) AS CASE WHEN regexp_full_match(t, '[0-9]{4}-[0-9]{2}-[0-9]{2}( [0-9:]{5,8})?') "
        "THEN TRY_CAST(t AS TIMESTAMP) "
        "WHEN regexp_full_match(t, '[0-9]{14}') THEN CASE WHEN jc_written_date(t) IS NOT NULL "
        "THEN try_strptime(t, '%Y%m%d%H%M%S') END "
        f"WHEN jc_written_date(t) IS NOT NULL THEN try_strptime(t, {_sql_list(TIMESTAMP_FORMATS)}) END",
        # Amounts: "1,234.50", "1234.5元", "12.5万元", "¥1,234"; 万 multiplies by 10,000.
        "CREATE OR REPLACE MACRO jc_amount_text(t) AS regexp_replace(replace(t, ',', ''), '[元¥￥\\s]', '', 'g')",
        "CREATE OR REPLACE MACRO jc_amount_of(a) AS CASE "
        "WHEN a LIKE '%万' THEN CAST(TRY_CAST(rtrim(a, '万') AS DECIMAL(20, 4)) * 10000 AS DECIMAL(18, 2)) "
        "ELSE TRY_CAST(a AS DECIMAL(18, 2)) END",
        # A plain number (most values) is cast at once; the cleaning above only when that fails. Same
        # result: a value the cast takes has nothing for the cleaning to remove and no 万. A CASE, not
        # coalesce(): DuckDB hoists the cleaning, repeated inside jc_amount_of, out of a coalesce() and
        # computes it for every value (four times the cost); it shares nothing out of a CASE.
        "CREATE OR REPLACE MACRO jc_amount(t) AS CASE WHEN TRY_CAST(t AS DECIMAL(18, 2)) IS NOT NULL "
        "THEN TRY_CAST(t AS DECIMAL(18, 2)) ELSE jc_amount_of(jc_amount_text(t)) END",
        # Numbers: "1,234.5"; a percentage "35%" is the number 35.
        "CREATE OR REPLACE MACRO jc_number(t) AS TRY_CAST(rtrim(replace(t, ',', ''), '%') AS DOUBLE)",
        "CREATE OR REPLACE MACRO jc_integer(t) AS TRY_CAST(TRY_CAST(replace(t, ',', '') AS DOUBLE) AS BIGINT)",
        # Resident ID (GB 11643), from a code: 15-digit legacy IDs become 18 digits.
        f"CREATE OR REPLACE MACRO jc_rid_check_char(b) AS substr('10X98765432', (({rid_sum}) % 11) + 1, 1)",
        "CREATE OR REPLACE MACRO jc_rid_body15(c) AS substr(c, 1, 6) || '19' || substr(c, 7, 9)",
        "CREATE OR REPLACE MACRO jc_rid15(b) AS b || jc_rid_check_char(b)",
        "CREATE OR REPLACE MACRO jc_rid(c) AS CASE WHEN regexp_full_match(c, '[0-9]{15}') "
        "THEN jc_rid15(jc_rid_body15(c)) ELSE c END",
        "CREATE OR REPLACE MACRO jc_rid_birth(n) AS try_strptime(substr(n, 7, 8), '%Y%m%d')",
        # From a normalised ID: NULL when valid, else the reason.
        # jc_rid_check_char reads the first 17 characters of its argument, so it takes the ID itself:
        # a macro repeats its argument 17 times, and substr(n, 1, 17) there doubled the work.
        "CREATE OR REPLACE MACRO jc_rid_error(n) AS "
        + _rid_error("jc_rid_birth(n)", "CAST(substr(n, 7, 4) AS INTEGER)", "jc_rid_check_char(n)"),
        # The check character from the body as a number, ``jc_rid_body(n)``: integer arithmetic on
        # one value instead of 17 substrings cast one by one, about three times cheaper. A macro
        # repeats its argument where it is used (17 times here) and DuckDB does not share the
        # repeats inside a CASE, so the body must be a column: the importer stages it (mapping.py).
        "CREATE OR REPLACE MACRO jc_rid_body(n) AS TRY_CAST(substr(n, 1, 17) AS BIGINT)",
        f"CREATE OR REPLACE MACRO jc_rid_check_of(b) AS substr('10X98765432', (({rid_number_sum}) % 11) + 1, 1)",
        # jc_rid_error(n) for an ID ``n``, its staged body ``b`` = jc_rid_body(n) and birth date
        # ``d`` = jc_rid_birth(n) (parsed once, not twice): the same reasons. The year of ``d`` is the
        # year the ID gives when ``d`` is a date; when it is not, the reason is given before.
        "CREATE OR REPLACE MACRO jc_rid_error_of(n, b, d) AS "
        + _rid_error("d", "year(d)", "jc_rid_check_of(b)"),
        # Unified Social Credit Code (GB 32100), from a code.
        f"CREATE OR REPLACE MACRO jc_uscc_check_char(b) AS substr('{USCC_ALPHABET}', "
        f"((31 - (({uscc_sum}) % 31)) % 31) + 1, 1)",
        # The code itself, not substr(c, 1, 17): see jc_rid_error (this halves the cost of the check).
        "CREATE OR REPLACE MACRO jc_uscc_error(c) AS " + _uscc_error("jc_uscc_check_char(c)"),
        # As for resident IDs, the check character from the first 17 characters as one number when
        # they are all digits (most codes: 91..., 12...), ``b`` = jc_uscc_body(c), staged by the
        # importer; from the characters one by one otherwise. Three times cheaper.
        # Digits only: a cast alone would also read 1E5, 0X1F and 0B101, and E, X and B are USCC letters.
        "CREATE OR REPLACE MACRO jc_uscc_body(c) AS CASE WHEN regexp_full_match(substr(c, 1, 17), '[0-9]{17}') "
        "THEN CAST(substr(c, 1, 17) AS BIGINT) END",
        f"CREATE OR REPLACE MACRO jc_uscc_check_of(b) AS substr('{USCC_ALPHABET}', "
        f"((31 - (({uscc_number_sum}) % 31)) % 31) + 1, 1)",
        "CREATE OR REPLACE MACRO jc_uscc_error_of(c, b) AS "
        + _uscc_error("CASE WHEN b IS NOT NULL THEN jc_uscc_check_of(b) ELSE jc_uscc_check_char(c) END"),
    ]


_DEFINED = re.compile(r"CREATE OR REPLACE MACRO (jc_\w+)")
_CALLED = re.compile(r"\bjc_\w+")


@functools.cache
def _defined() -> tuple[tuple[str, str, frozenset[str]], ...]:
    """(name, statement, macros it calls) for every macro, in dependency order."""
    found = []
    for statement in macros():
        match = _DEFINED.match(statement)
        assert match, statement
        body = statement[match.end() :]
        found.append((match.group(1), statement, frozenset(_CALLED.findall(body))))
    return tuple(found)


def install(
    connection: duckdb.DuckDBPyConnection, sql: str | None = None, *, defined: set[str] | None = None
) -> duckdb.DuckDBPyConnection:
    """Define the jc_* macros on a DuckDB connection: all of them, or only those ``sql`` calls and
    the ones they call. ``defined``: macros the connection's database has already (skipped), to
    which those defined here are added.

    Defining a macro costs about 1.5 ms (DuckDB parses and binds it); a feed calls a handful of the
    27, so defining only those saves most of that cost for a database that prepares few files.
    """
    wanted = None if sql is None else set(_CALLED.findall(sql))
    chosen = []
    for name, statement, calls in reversed(_defined()):
        if wanted is None or name in wanted:
            if wanted is not None:
                wanted |= calls
            if defined is None or name not in defined:
                chosen.append((name, statement))
    for name, statement in reversed(chosen):
        connection.execute(statement)
        if defined is not None:
            defined.add(name)
    return connection
