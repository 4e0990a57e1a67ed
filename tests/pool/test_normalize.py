"""The SQL normalisers and validators agree with the Python ones (jiancha.identifiers)."""

import random
import re
from datetime import date

import duckdb
import pytest

from jiancha.identifiers import (
    USCC_ALPHABET,
    is_valid_resident_id,
    is_valid_uscc,
    normalize_resident_id,
    resident_id_check_char,
    uscc_check_char,
)
from jiancha.pool.normalize import DATE_FORMATS, TIMESTAMP_FORMATS, _sql_list, install


@pytest.fixture(scope="module")
def sql():
    return install(duckdb.connect())


def random_ids(count, seed=7):
    rng = random.Random(seed)
    ids = []
    for _ in range(count):
        body = f"{rng.randint(110000, 659999)}{rng.randint(1930, 2020)}{rng.randint(1, 13):02d}{rng.randint(1, 31):02d}{rng.randint(0, 999):03d}"
        good = body + resident_id_check_char(body)
        ids.append(good if rng.random() < 0.5 else body + rng.choice("0123456789X"))
    return ids


def random_usccs(count, seed=11, digits=False):
    """Codes, half of them valid; ``digits``: bodies of digits only, as most codes have."""
    rng = random.Random(seed)
    alphabet = "0123456789" if digits else USCC_ALPHABET
    codes = []
    for _ in range(count):
        body = (
            rng.choice("159" if digits else "159ANY")
            + rng.choice("123")
            + f"{rng.randint(110000, 659999)}"
            + "".join(rng.choice(alphabet) for _ in range(9))
        )
        codes.append(body + (uscc_check_char(body) if rng.random() < 0.5 else rng.choice(USCC_ALPHABET)))
    return codes


@pytest.mark.django_db
def test_resident_id_sql_agrees_with_python(sql):
    numbers = [
        *random_ids(3000),
        "110105491231002",
        "11010519491231002x",
        "1101051949123100",
        "１１０１０５４９１２３１００２",
    ]
    rows = sql.execute(
        "SELECT x, n, jc_rid_error(n) FROM (SELECT x, jc_rid(jc_code(jc_text(x))) AS n FROM unnest(?::VARCHAR[]) AS t(x))",
        [numbers],
    ).fetchall()
    assert len(rows) == len(numbers)
    for number, normalised, error in rows:
        assert (error is None) == is_valid_resident_id(number), number
        assert normalised == normalize_resident_id(number)
    assert sum(error is None for _n, _v, error in rows) > 1000  # both outcomes well represented


@pytest.mark.django_db
def test_resident_id_check_from_the_staged_body_agrees_with_python(sql):
    """jc_rid_error_of(n, jc_rid_body(n), jc_rid_birth(n)), as the importer stages it, gives jc_rid_error(n)'s reasons."""
    rng = random.Random(13)
    numbers = [
        *random_ids(3000, seed=13),
        *(rng.choice(["", "X", "x", "1", "2X"]) + n[rng.randint(0, 17) :] for n in random_ids(300, seed=17)),
        "110105491231002",
        "11010519491231002x",
        "1101051949123100X2",
        "+1010519491231002X",
        "１１０１０５４９１２３１００２",
        "11010518491231002X",
        "11010530000101002X",
    ]
    rows = sql.execute(
        "SELECT x, jc_rid_error(n), jc_rid_error_of(n, b, d) FROM (SELECT x, n, jc_rid_body(n) AS b, jc_rid_birth(n) AS d FROM "
        "(SELECT x, jc_rid(jc_code(jc_text(x))) AS n FROM unnest(?::VARCHAR[]) AS t(x)))",
        [numbers],
    ).fetchall()
    assert len(rows) == len(numbers)
    for number, error, staged in rows:
        assert staged == error, number
        assert (staged is None) == is_valid_resident_id(number), number
    assert sum(error is None for _n, _e, error in rows) > 1000
    assert {"checksum", "length", "format", "birth_date"} <= {error for _n, _e, error in rows}
    body = "11010519491231002"
    assert sql.execute("SELECT jc_rid_check_of(jc_rid_body(?))", [body]).fetchone()[
        0
    ] == resident_id_check_char(body)


@pytest.mark.django_db
def test_uscc_sql_agrees_with_python(sql):
    codes = [*random_usccs(3000), "91350100M000100Y43", "9135A100M000100Y43", "91350100M000100YI3"]
    rows = sql.execute(
        "SELECT x, jc_uscc_error(c) FROM (SELECT x, jc_code(jc_text(x)) AS c FROM unnest(?::VARCHAR[]) AS t(x))",
        [codes],
    ).fetchall()
    assert len(rows) == len(codes)
    for code, error in rows:
        assert (error is None) == is_valid_uscc(code), code
    assert sum(error is None for _c, error in rows) > 1000


@pytest.mark.django_db
def test_uscc_check_from_a_staged_body_gives_the_same_reasons(sql):
    """jc_uscc_error_of (the importer's: the check from the body as one number when it is all
    digits) gives what jc_uscc_error gives, for bodies of digits and bodies with letters."""
    codes = [
        *random_usccs(2000, seed=12, digits=True),
        *random_usccs(1000, seed=13),
        "91350100M000100Y43", "913501000000100Y43", "9135010000001000-3", "+13501000000100003",
        # Bodies a cast would read as numbers: an exponent, hexadecimal, binary (E, X, B are USCC letters).
        "913501000000001E2U", "913501000000001E27", "1E000000000000000K", "0X0000000000000006",
        "0B000000000000000X",
        "91350100000010000", "9135010000001000000", "",
    ]  # fmt: skip
    rows = sql.execute(
        "SELECT x, jc_uscc_error(c), jc_uscc_error_of(c, jc_uscc_body(c)) "
        "FROM (SELECT x, jc_code(jc_text(x)) AS c FROM unnest(?::VARCHAR[]) AS t(x))",
        [codes],
    ).fetchall()
    assert len(rows) == len(codes)
    for code, general, staged in rows:
        assert staged == general, code
        # An empty value is no code: whether it may be missing is the column's rule.
        assert (staged is None) == (is_valid_uscc(code) or not code), code
    assert sum(staged is None for _c, _g, staged in rows) > 1000
    assert sum(staged == "checksum" for _c, _g, staged in rows) > 1000


@pytest.mark.parametrize(
    ("text", "expected"),
    [("2025-01-05", "2025-01-05"), ("2025/1/5", "2025-01-05"), ("20250105", "2025-01-05"),
     ("2025年1月5日", "2025-01-05"), ("２０２５．０１．０５", "2025-01-05"), (" 2025-01-05 00:00:00 ", "2025-01-05"),
     ("2025-02-30", None), ("", None), ("2024/2/29", "2024-02-29"),
     # impossible days in every format are refused, not rolled into the next month
     ("20250230", None), ("2025/02/30", None), ("2025年2月30日", None), ("2025.02.30", None), ("19180431", None),
     ("2023/2/29", None), ("2025/13/01", None)],
)  # fmt: skip
def test_dates_in_the_formats_departments_use(sql, text, expected):
    (value,) = sql.execute("SELECT CAST(jc_date(jc_text(?)) AS VARCHAR)", [text]).fetchone()
    assert value == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("1,234.50", "1234.50"), ("1234.5元", "1234.50"), ("12.5万元", "125000.00"), ("￥３００", "300.00"),
     ("-20", "-20.00"), ("abc", None)],
)  # fmt: skip
def test_amounts_in_yuan_and_wan(sql, text, expected):
    (value,) = sql.execute("SELECT CAST(jc_amount(jc_text(?)) AS VARCHAR)", [text]).fetchone()
    assert value == expected


def test_text_folds_fullwidth_and_trims(sql):
    assert sql.execute("SELECT jc_text(?)", ["\u3000张三ＡＢ１ "]).fetchone()[0] == "张三AB1"
    assert sql.execute("SELECT jc_text(?)", ["   "]).fetchone()[0] is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (" 331221198801010312 ", "331221198801010312"),  # ASCII: only spaces at the ends go
        ("\t2025-01-05", "\t2025-01-05"),  # a tab is not a space to trim, as before
        ("\u00a0张伟\u3000", "张伟"),  # any Unicode space at the ends of other text
        ("\u00a0123", "123"),
        ("ＡＢ　Ｃ", "AB C"),
        ("张 伟", "张 伟"),
        ("", None),
        ("\u3000", None),
        ("张伟\u00a0", "张伟"),
        ("\u2003张伟", "张伟"),
        ("张\u3000伟", "张 伟"),
        ("张\u00a0伟", "张\u00a0伟"),
        ("\t张伟", "\t张伟"),
        ("张伟\u205f", "张伟"),
    ],
)
def test_text_cleaning_takes_the_same_values_on_its_fast_paths(sql, text, expected):
    assert sql.execute("SELECT jc_text(?)", [text]).fetchone()[0] == expected


def test_text_cleaning_is_folding_then_trimming_on_many_values(sql):
    """Whatever path jc_text takes, its value is what folding and trimming every value gives."""
    rng = random.Random(19)
    pieces = ["张", "伟", "a", "1", "X", " ", "\t", "\u00a0", "\u1680", "\u2003", "\u200a", "\u202f",
              "\u205f", "\u3000", "\u2028", "\u200b", "Ａ", "１", "～", "！", "·", "、", "—"]  # fmt: skip
    texts = ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 6))) for _ in range(5000)]
    rows = sql.execute(
        "SELECT x, jc_text(x), nullif(trim(jc_fold(x)), '') FROM unnest(?::VARCHAR[]) AS t(x)", [texts]
    ).fetchall()
    assert len(rows) == len(texts)
    for text, fast, reference in rows:
        assert fast == reference, repr(text)


def test_plain_text_cleaning_is_what_the_general_cleaning_gives_on_plain_values(sql):
    """jc_text_plain (for files with no full-width character and no space but the ASCII one) trims
    and empties as jc_text does."""
    rng = random.Random(17)
    pieces = ["张", "伟", "a", "1", "X", " ", "\t", "-", ":", "·", "、"]
    texts = ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 6))) for _ in range(5000)]
    rows = sql.execute(
        "SELECT x, jc_text_plain(x), jc_text(x) FROM unnest(?::VARCHAR[]) AS t(x)", [texts]
    ).fetchall()
    assert len(rows) == len(texts)
    for text, plain, general in rows:
        assert plain == general, repr(text)
    assert sum(plain is None for _t, plain, _g in rows) > 100


def _written_date(text: str) -> date | None:
    """The date a text in one of the departments' formats names, or None if there is no such day."""
    numbers = re.findall(r"[0-9]+", text)
    if re.fullmatch(r"[0-9]{8}", text):
        numbers = [text[:4], text[4:6], text[6:]]
    elif not re.fullmatch(
        r"[0-9]{4}(-[0-9]{2}-[0-9]{2}|/[0-9]{1,2}/[0-9]{1,2}|年[0-9]{1,2}月[0-9]{1,2}日)", text
    ):
        return None
    try:
        return date(*(int(n) for n in numbers[:3]))
    except ValueError:
        return None


def test_dates_and_amounts_on_their_fast_paths_are_what_the_general_rules_give(sql):
    """jc_date gives the day written (or none where there is no such day) on its eight-digit path and
    through the list of formats; jc_amount's cast what the cleaning gives; many generated values, good
    and bad."""
    rng = random.Random(23)
    dates = [
        *(f"{rng.randint(1890, 2110)}{rng.randint(0, 13):02d}{rng.randint(0, 32):02d}" for _ in range(3000)),
        *(f"{rng.randint(1900, 2100)}/{rng.randint(1, 12)}/{rng.randint(1, 28)}" for _ in range(300)),
        # Slashes and 年月日, with months and days out of range, on their own paths.
        *(f"{rng.randint(1890, 2110)}/{rng.randint(0, 13)}/{rng.randint(0, 32):0{rng.randint(1, 2)}d}" for _ in range(1500)),
        *(f"{rng.randint(1890, 2110)}年{rng.randint(0, 13)}月{rng.randint(0, 32)}日" for _ in range(1500)),
        "2024/2/29", "2023/2/29", "2025/02/30", "2025/4/31", "2025年2月29日", "2024年02月29日", "2025/1/5/",
        "2025/001/5",
        "2025013", "202501050", "20240229", "20230229", "00000000", "2025-01-05", "2025年1月5日",
    ]  # fmt: skip
    rows = sql.execute("SELECT x, jc_date(x) FROM unnest(?::VARCHAR[]) AS t(x)", [dates]).fetchall()
    assert len(rows) == len(dates)
    for text, value in rows:
        assert value == _written_date(text), text
    assert sum(v is None for _t, v in rows) > 100 and sum(v is not None for _t, v in rows) > 1000
    # Every path gives what trying the whole list of formats gives, timestamps for a date included.
    others = [
        *dates[3000:],
        "2025-1-5",
        "2025/1/5 09:30",
        "2025年1月5日 09:30",
        "2025.1.5",
        "2025/13/5 09:30",
        "5/1/2025",
    ]
    rows = sql.execute(
        f"SELECT x, jc_date(x), CASE WHEN try_strptime(x, {_sql_list(DATE_FORMATS)}) IS NOT NULL "
        "THEN jc_written_date(x) END FROM unnest(?::VARCHAR[]) AS t(x)",
        [others],
    ).fetchall()
    for text, value, general in rows:
        assert value == general, text
    amounts = [
        *(f"{rng.uniform(-1e6, 1e6):.{rng.randint(0, 3)}f}" for _ in range(2000)),
        "1,234.50", "1234.5元", "12.5万元", "¥1,234", "12.5万", "abc", "", "1e3", " 12 ", "99999999999999999",
    ]  # fmt: skip
    rows = sql.execute(
        "SELECT x, jc_amount(x), coalesce(TRY_CAST(x AS DECIMAL(18, 2)), jc_amount_of(jc_amount_text(x))) "
        "FROM unnest(?::VARCHAR[]) AS t(x)",
        [amounts],
    ).fetchall()
    for text, fast, reference in rows:
        assert fast == reference, text


@pytest.mark.parametrize(
    ("text", "expected"),
    [("2025-01-05 08:30:00", "2025-01-05 08:30:00"), ("2025/1/5 08:30:00", "2025-01-05 08:30:00"),
     ("2025年1月5日 08:30", "2025-01-05 08:30:00"), ("2025/02/30 08:30:00", None), ("2025-02-30 08:30:00", None),
     ("20251230094200", "2025-12-30 09:42:00"), ("20250230094200", None)],
)  # fmt: skip
def test_times_in_the_formats_departments_use_and_no_impossible_day(sql, text, expected):
    (value,) = sql.execute(
        "SELECT CAST(CAST(jc_timestamp(jc_text(?)) AS TIMESTAMP) AS VARCHAR)", [text]
    ).fetchone()
    assert value == expected


def test_times_of_fourteen_digits_on_their_path_are_what_the_list_of_formats_gives(sql):
    rng = random.Random(29)
    texts = [
        *(
            f"{rng.randint(1890, 2110)}{rng.randint(0, 13):02d}{rng.randint(0, 32):02d}"
            f"{rng.randint(0, 25):02d}{rng.randint(0, 61):02d}{rng.randint(0, 61):02d}"
            for _ in range(3000)
        ),
        "20240229235959", "20230229120000", "20251231240000", "20251231236000", "20251231235960",
        "2025123123595", "202512312359599",
    ]  # fmt: skip
    rows = sql.execute(
        "SELECT x, CAST(jc_timestamp(x) AS TIMESTAMP), CAST(CASE WHEN jc_written_date(x) IS NOT NULL "
        f"THEN try_strptime(x, {_sql_list(TIMESTAMP_FORMATS)}) END AS TIMESTAMP) FROM unnest(?::VARCHAR[]) AS t(x)",
        [texts],
    ).fetchall()
    assert len(rows) == len(texts)
    for text, value, general in rows:
        assert value == general, text
    assert sum(v is None for _t, v, _g in rows) > 300 and sum(v is not None for _t, v, _g in rows) > 300
